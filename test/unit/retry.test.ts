import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import { DEFAULT_RETRY, backoffDelay, retryDelay } from '../../src/retry.js';

const o = { ...DEFAULT_RETRY, jitter: false };
const err = (kind: ProviderError['kind'], extra: { retryAfterMs?: number; retryable?: boolean } = {}) =>
  new ProviderError({ provider: 'p', kind, message: 'x', ...extra });

describe('retryDelay: the single retry policy', () => {
  const budget = () => new Budget(60_000, 10);

  it('backs off exponentially on retryable kinds', () => {
    expect(retryDelay(err('server'), 1, o, budget())).toBe(250);
    expect(retryDelay(err('server'), 2, o, budget())).toBe(500);
    expect(backoffDelay(10, o)).toBe(8000);
  });

  it('never retries a rejection, a non-retryable kind, or past `retries`', () => {
    expect(retryDelay(new CircuitOpenError('p', 10), 1, o, budget())).toBeUndefined();
    expect(retryDelay(err('invalid_request'), 1, o, budget())).toBeUndefined();
    expect(retryDelay(err('rate_limit', { retryable: false }), 1, o, budget())).toBeUndefined();
    expect(retryDelay(err('server'), 3, o, budget())).toBeUndefined();
    expect(retryDelay(new Error('plain'), 1, o, budget())).toBeUndefined();
  });

  it('honours Retry-After, unless it exceeds maxRetryAfterMs or the remaining budget', () => {
    expect(retryDelay(err('rate_limit', { retryAfterMs: 1200 }), 1, o, budget())).toBe(1200);
    expect(retryDelay(err('rate_limit', { retryAfterMs: 31_000 }), 1, o, budget())).toBeUndefined();
    expect(retryDelay(err('rate_limit', { retryAfterMs: 5_000 }), 1, o, new Budget(1_000, 10))).toBeUndefined();
    expect(retryDelay(err('server'), 1, o, new Budget(100, 10))).toBeUndefined();
  });

  it('stops when the attempt cap is used up', () => {
    const b = new Budget(60_000, 1);
    b.take();
    expect(retryDelay(err('server'), 1, o, b)).toBeUndefined();
  });
});
