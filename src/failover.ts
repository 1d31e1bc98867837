/**
 * Walks primary → fallbacks under one budget, with the retry loop per provider, recording every
 * attempt. A `CircuitOpenError` moves on at once; errors whose kind does not fail over end the call.
 * @module
 */
import type { CircuitBreaker } from './breaker/circuit-breaker.js';
import type { Budget } from './budget.js';
import { AllProvidersFailedError } from './errors/all-providers-failed-error.js';
import { isCircuitOpenError } from './errors/circuit-open-error.js';
import { isConfigError } from './errors/config-error.js';
import { ProviderError, isProviderError } from './errors/provider-error.js';
import type { ProviderAdapter } from './provider.js';
import { withRetries, type ResolvedRetryOptions } from './retry.js';
import type { CallObserver } from './telemetry/telemetry.js';
import type { Attempt } from './types.js';

/** One provider of the chain, with its breaker and the model for this call. */
export interface ChainEntry {
  adapter: ProviderAdapter;
  breaker: CircuitBreaker;
  model: string;
}

export interface WalkContext {
  chain: ChainEntry[];
  budget: Budget;
  retry: ResolvedRetryOptions;
  signal: AbortSignal | undefined;
  attempts: Attempt[];
  observer?: CallObserver | undefined;
  /** Told when a provider's configuration error (`auth`, `not_found`) makes the call move on to `next`. */
  onMisconfigured?: ((entry: ChainEntry, error: ProviderError, next: ChainEntry) => void) | undefined;
}

/** Records an attempt (and tells telemetry). */
export function recordAttempt(
  attempts: Attempt[],
  entry: ChainEntry,
  retry: number,
  started: number,
  error?: unknown,
  observer?: CallObserver,
): void {
  const durationMs = performance.now() - started;
  let a: Attempt;
  if (error === undefined) {
    a = { provider: entry.adapter.name, model: entry.model, outcome: 'success', retry, durationMs };
  } else if (isCircuitOpenError(error)) {
    a = { provider: entry.adapter.name, model: entry.model, outcome: 'circuit_open', errorKind: 'circuit_open', error, retry, durationMs };
  } else {
    const err = error instanceof Error ? error : new Error(String(error));
    a = {
      provider: entry.adapter.name,
      model: entry.model,
      outcome: 'error',
      errorKind: isProviderError(err) ? err.kind : isConfigError(err) ? 'config' : 'unknown',
      error: err,
      retry,
      durationMs,
    };
  }
  attempts.push(a);
  if (observer) {
    observer.attempt({ attempt: a, system: entry.adapter.system, breakerState: entry.breaker.localState, startTime: Date.now() - durationMs });
  }
}

/**
 * Runs `attempt` along the chain. `attempt` must record its own attempt (success or error) and
 * throw a ProviderError or CircuitOpenError on failure.
 */
export async function walkChain<T>(
  ctx: WalkContext,
  attempt: (entry: ChainEntry, retry: number) => Promise<T>,
): Promise<{ value: T; entry: ChainEntry }> {
  const { chain, budget, signal } = ctx;
  let stopReason: string | undefined;
  for (let i = 0; i < chain.length; i++) {
    const entry = chain[i] as ChainEntry;
    if (!budget.canAttempt()) {
      stopReason = budget.exhaustedReason;
      break;
    }
    try {
      const value = await withRetries(
        (retry) => {
          budget.take();
          return attempt(entry, retry).catch((err: unknown) => {
            if (isCircuitOpenError(err)) budget.refund(); // rejected locally: nothing was sent
            throw err;
          });
        },
        ctx.retry,
        budget,
        signal,
      );
      return { value, entry };
    } catch (err) {
      if (signal?.aborted) {
        throw isProviderError(err) && err.kind === 'aborted'
          ? err
          : new ProviderError({ provider: entry.adapter.name, kind: 'aborted', message: 'aborted by the caller', cause: err });
      }
      if (isProviderError(err) && !err.failover) throw err;
      if (!isProviderError(err) && !isCircuitOpenError(err)) throw err;
      const next = chain[i + 1];
      if (next !== undefined && ctx.onMisconfigured && isProviderError(err) && (err.kind === 'auth' || err.kind === 'not_found')) {
        ctx.onMisconfigured(entry, err, next);
      }
    }
  }
  throw new AllProvidersFailedError(ctx.attempts, stopReason ?? budget.exhaustedReason);
}
