import type { Attempt } from '../types.js';
import { LLMError, hasCode } from './llm-error.js';

/** The whole chain (primary, retries and fallbacks) failed. Carries every attempt, never just the last. */
export class AllProvidersFailedError extends LLMError {
  readonly attempts: Attempt[];
  /** The error of every failed attempt, in order. */
  readonly errors: Error[];

  constructor(attempts: Attempt[], reason?: string) {
    const errors = attempts.flatMap((a) => (a.error ? [a.error] : []));
    const summary = attempts
      .map((a) => `${a.provider}#${a.retry}:${a.errorKind ?? a.outcome}`)
      .join(', ');
    super(
      'all_providers_failed',
      `all providers failed${reason ? ` (${reason})` : ''} after ${attempts.length} attempt(s): ${summary || 'none'}`,
      { cause: errors[errors.length - 1] },
    );
    this.attempts = attempts;
    this.errors = errors;
  }
}

export function isAllProvidersFailedError(err: unknown): err is AllProvidersFailedError {
  return hasCode(err, 'all_providers_failed');
}
