/**
 * The single retry loop (p-retry): which kinds are retried, Retry-After, exponential backoff with
 * jitter, and the shared budget. SDK-internal retries are off (`maxRetries: 0`), so this is the only
 * place a request is repeated.
 * @module
 */
import pRetry from 'p-retry';
import { checkDuration, checkInteger, describe } from './breaker/options.js';
import { ConfigError } from './errors/config-error.js';
import { isCircuitOpenError } from './errors/circuit-open-error.js';
import { isProviderError } from './errors/provider-error.js';
import type { Budget } from './budget.js';

/** Retry options (per provider, inside the one budget of the call). */
export interface RetryOptions {
  /** Retries on the same provider after the first attempt. @default 2 */
  retries?: number;
  /** Backoff before the first retry, in ms (at most 2^31 − 1, like every duration). @default 250 */
  minDelayMs?: number;
  /** Cap of one backoff, in ms (at most 2^31 − 1). @default 8000 */
  maxDelayMs?: number;
  /** Exponential factor. @default 2 */
  factor?: number;
  /** Randomise each backoff between 50% and 100% of its value (equal jitter). @default true */
  jitter?: boolean;
  /**
   * Longest `Retry-After` the client waits for on the same provider. A longer one — or one that does
   * not fit in the remaining deadline — fails over at once when a fallback is left. @default 30000
   */
  maxRetryAfterMs?: number;
}

export interface ResolvedRetryOptions {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: boolean;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<ResolvedRetryOptions> = Object.freeze({
  retries: 2,
  minDelayMs: 250,
  maxDelayMs: 8000,
  factor: 2,
  jitter: true,
  maxRetryAfterMs: 30_000,
});

const RETRY_KEYS = new Set(Object.keys(DEFAULT_RETRY));

export function resolveRetryOptions(o: RetryOptions | undefined, path = 'retry'): ResolvedRetryOptions {
  if (o === undefined) return DEFAULT_RETRY;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(path, `must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) if (!RETRY_KEYS.has(k)) throw new ConfigError(`${path}.${k}`, 'is not a retry option');
  const r = { ...DEFAULT_RETRY };
  if (o.retries !== undefined) r.retries = checkInteger(`${path}.retries`, o.retries, 0, 100);
  if (o.minDelayMs !== undefined) r.minDelayMs = checkDuration(`${path}.minDelayMs`, o.minDelayMs);
  if (o.maxDelayMs !== undefined) r.maxDelayMs = checkDuration(`${path}.maxDelayMs`, o.maxDelayMs);
  if (o.factor !== undefined) r.factor = checkDuration(`${path}.factor`, o.factor, 1);
  if (o.maxRetryAfterMs !== undefined) r.maxRetryAfterMs = checkDuration(`${path}.maxRetryAfterMs`, o.maxRetryAfterMs);
  if (o.jitter !== undefined) {
    if (typeof o.jitter !== 'boolean') throw new ConfigError(`${path}.jitter`, `must be a boolean, got ${describe(o.jitter)}`);
    r.jitter = o.jitter;
  }
  if (r.maxDelayMs < r.minDelayMs) throw new ConfigError(`${path}.maxDelayMs`, 'must be ≥ retry.minDelayMs');
  return r;
}

/** Backoff before retry number `retry` (1 = first retry), without Retry-After. */
export function backoffDelay(retry: number, o: ResolvedRetryOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxDelayMs, o.minDelayMs * o.factor ** Math.max(0, retry - 1));
  return o.jitter ? Math.round(base / 2 + (random() * base) / 2) : Math.round(base);
}

/**
 * The wait before retrying the same provider, or `undefined` to stop (fail over, or end the call).
 * Honours `retryAfterMs` (from `retry-after-ms` / `retry-after`): a wait longer than
 * `maxRetryAfterMs`, or one that does not fit in the remaining budget, stops at once instead of
 * sleeping.
 */
export function retryDelay(
  error: unknown,
  retryNumber: number,
  o: ResolvedRetryOptions,
  budget: Budget,
  random: () => number = Math.random,
): number | undefined {
  if (isCircuitOpenError(error) || !isProviderError(error) || !error.retryable) return undefined;
  if (retryNumber > o.retries || !budget.canAttempt()) return undefined;
  const delay = error.retryAfterMs !== undefined ? Math.max(0, error.retryAfterMs) : backoffDelay(retryNumber, o, random);
  if (error.retryAfterMs !== undefined && delay > o.maxRetryAfterMs) return undefined;
  return delay < budget.remainingMs() ? delay : undefined;
}

/** Sleeps `ms`, rejecting with `signal.reason` if it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const CONSUME_RETRY = (): boolean => true;

/**
 * Runs `attempt(retryNumber)` on one provider with retries: the first attempt runs directly (the
 * common, successful case pays nothing for the loop); after a retryable failure, p-retry drives the
 * remaining attempts with {@link retryDelay} as the delay policy. Rejects with the last error.
 */
export function withRetries<T>(
  attempt: (retryNumber: number) => Promise<T>,
  o: ResolvedRetryOptions,
  budget: Budget,
  signal: AbortSignal | undefined,
): Promise<T> {
  return attempt(0).catch(async (firstError: unknown) => {
    const first = retryDelay(firstError, 1, o, budget);
    if (first === undefined) throw firstError;
    await sleep(first, signal);
    let retry = true;
    return pRetry((n) => attempt(n), {
      retries: o.retries - 1,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      randomize: false,
      maxRetryTime: Number.POSITIVE_INFINITY,
      unref: false,
      shouldConsumeRetry: CONSUME_RETRY,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        // retry number `attemptNumber` failed; the next one would be `attemptNumber + 1`
        const delay = retryDelay(error, attemptNumber + 1, o, budget);
        retry = delay !== undefined;
        if (delay !== undefined) await sleep(delay, signal);
      },
      shouldRetry: () => retry,
    });
  });
}
