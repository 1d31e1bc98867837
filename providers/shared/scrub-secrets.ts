/**
 * Redacts secrets from an SDK error before it becomes a {@link ProviderError}'s `cause`, so that
 * `util.inspect(err)` (which prints the cause chain) cannot leak a key a server echoed back.
 * @module
 */
import { redactSecrets } from '../../src/errors/redact.js';

/** Redacts, in place, the string fields where a server's words end up; returns `err`. */
export function scrubSecrets<T>(err: T): T {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const record = current as Record<string, unknown>;
    if (current instanceof Error) {
      const message = redactSecrets(current.message);
      if (message !== current.message) {
        current.message = message;
        if (typeof current.stack === 'string') current.stack = redactSecrets(current.stack);
      }
    }
    // OpenAI: `error` is the body's `error` object; Anthropic: the whole body, `apiMessage` its message.
    if (typeof record['apiMessage'] === 'string') redactField(record, 'apiMessage');
    scrubBody(record['error'], 0);
    current = record['cause'];
  }
  return err;
}

function scrubBody(body: unknown, depth: number): void {
  if (typeof body !== 'object' || body === null || depth > 2) return;
  const record = body as Record<string, unknown>;
  if (typeof record['message'] === 'string') redactField(record, 'message');
  scrubBody(record['error'], depth + 1);
}

function redactField(record: Record<string, unknown>, key: string): void {
  const value = record[key] as string;
  const redacted = redactSecrets(value);
  if (redacted === value) return;
  try {
    record[key] = redacted;
  } catch {
    // A frozen body: leave it; the ProviderError's own message is redacted regardless.
  }
}
