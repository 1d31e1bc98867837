/**
 * Removes anything that looks like an API key or bearer token from a string.
 * Applied to every message the SDK builds from provider output.
 */
const PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic (sk-ant-…), many compatibles
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(?:api[_-]?key|x-api-key|authorization)["'=:\s]+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bgsk_[A-Za-z0-9]{8,}/g, // Groq
  /\bAIza[A-Za-z0-9_-]{20,}/g, // Google
];

/** The user-info part of a URL (`http://user:pass@host`), which is a credential. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]+@/gi;

// One registry per process, shared by every copy of the package (ESM and CJS builds, each entry
// point's bundle): a key registered by an adapter bundle must be redacted by the core bundle too.
const REGISTRY = Symbol.for('llm-breaker.secrets');
const holder = globalThis as unknown as { [REGISTRY]?: Set<string> };
const known: Set<string> = (holder[REGISTRY] ??= new Set<string>());

/** Registers a secret (an adapter's API key) so that it is redacted wherever it appears. */
export function registerSecret(secret: string | undefined | null): void {
  if (typeof secret === 'string' && secret.length >= 6) known.add(secret);
}

/** `text` with every registered secret, key-shaped token and URL credential replaced by `[REDACTED]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  for (const re of PATTERNS) out = out.replace(re, '[REDACTED]');
  return out.replace(URL_CREDENTIALS, '$1[REDACTED]@');
}

/**
 * True when `text` is, or contains, a registered secret or something shaped like a key
 * (`sk-…`, `sk-ant-…`, a bearer token…): such a value is described by its type and length only.
 */
export function looksSecret(text: string): boolean {
  return redactSecrets(text) !== text;
}

/**
 * Shorter header values (`x-team: search`) are labels, not credentials: registering them would
 * redact ordinary words from every message.
 */
const MIN_HEADER_SECRET = 10;

/** Headers whose values are protocol versions and feature flags, never credentials. */
const PUBLIC_HEADERS: ReadonlySet<string> = new Set(['accept', 'content-type', 'user-agent', 'anthropic-version', 'anthropic-beta', 'openai-beta', 'openai-organization', 'openai-project']);

/**
 * Registers the values of headers sent with every request (`defaultHeaders`): they often carry
 * keys (`Authorization: Bearer …`, `api-key`, `x-portkey-api-key`). The token after an auth scheme
 * is registered too, since a server may echo only that. Values of {@link PUBLIC_HEADERS} (such as
 * `anthropic-version`) and values under {@link MIN_HEADER_SECRET} characters are not secrets and
 * stay readable in errors.
 */
export function registerHeaderSecrets(headers: Record<string, unknown> | undefined): void {
  if (headers === undefined) return;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' || PUBLIC_HEADERS.has(name.toLowerCase())) continue;
    const token = /^\s*[A-Za-z][\w-]*\s+(\S+)\s*$/.exec(value)?.[1];
    for (const candidate of [value.trim(), token]) if (candidate !== undefined && candidate.length >= MIN_HEADER_SECRET) registerSecret(candidate);
  }
}
