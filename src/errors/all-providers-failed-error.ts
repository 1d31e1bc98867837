import type { Attempt } from '../types.js';
import { LLMError, hasCode } from './llm-error.js';
import { redactSecrets } from './redact.js';

/** The longest part of a provider's own message quoted in the summary. */
const QUOTE_MAX = 300;

/**
 * The first failure a provider itself reported (skipping circuit-open rejections, which say nothing
 * about the request): the most telling line, e.g. "The model `gpt-4o-mni` does not exist".
 */
function firstProviderMessage(attempts: readonly Attempt[]): string | undefined {
  let fallback: string | undefined;
  for (const a of attempts) {
    if (a.error === undefined) continue;
    if (a.outcome !== 'circuit_open') return a.error.message;
    fallback ??= a.error.message;
  }
  return fallback;
}

/** The whole chain (primary, retries and fallbacks) failed. Carries every attempt, never just the last. */
export class AllProvidersFailedError extends LLMError {
  readonly attempts: Attempt[];
  /** The error of every failed attempt, in order. */
  readonly errors: Error[];

  /**
   * The message lists every attempt (`provider#retry:kind`), then quotes the first provider's own
   * error message.
   */
  constructor(attempts: Attempt[], reason?: string) {
    const errors = attempts.flatMap((a) => (a.error ? [a.error] : []));
    const summary = attempts
      .map((a) => `${a.provider}#${a.retry}:${a.errorKind ?? a.outcome}`)
      .join(', ');
    const first = firstProviderMessage(attempts);
    const quote = first === undefined ? '' : `; first error: ${first.length > QUOTE_MAX ? `${first.slice(0, QUOTE_MAX)}…` : first}`;
    super(
      'all_providers_failed',
      redactSecrets(`all providers failed${reason ? ` (${reason})` : ''} after ${attempts.length} attempt(s): ${summary || 'none'}${quote}`),
      { cause: errors[errors.length - 1] },
    );
    this.attempts = attempts;
    this.errors = errors;
  }
}

export function isAllProvidersFailedError(err: unknown): err is AllProvidersFailedError {
  return hasCode(err, 'all_providers_failed');
}
