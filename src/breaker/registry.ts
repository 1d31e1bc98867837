/**
 * One breaker per name per process, and resetting every breaker at once.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { getDefaultStore, liveBreakers } from './process-breakers.js';

const registry = new Map<string, CircuitBreaker>();

/**
 * Returns the process's breaker for `name`, creating it with `options` the first time. Later calls
 * return the same instance; passing a different `store` for an existing name is a {@link ConfigError}.
 */
export function getCircuitBreaker(name: string, options: CircuitBreakerOptions = {}): CircuitBreaker {
  const existing = registry.get(name);
  // a closed breaker leaves `liveBreakers`: the next call creates a fresh one
  if (existing && liveBreakers.has(existing)) {
    const store = options.store ?? getDefaultStore();
    if (store !== existing.store) {
      throw new ConfigError('store', `breaker "${name}" already exists in this process with another store`);
    }
    return existing;
  }
  const breaker = new CircuitBreaker(name, options);
  registry.set(name, breaker);
  return breaker;
}

/**
 * Resets every breaker of this process (those from `getCircuitBreaker` and those of LLM clients).
 * @throws StoreError when a breaker's shared state could not be reset (see {@link CircuitBreaker.reset})
 */
export async function resetAllBreakers(): Promise<void> {
  await Promise.all([...liveBreakers].map((b) => b.reset()));
}

/** Closes and forgets every registered breaker (for tests and shutdown). */
export async function closeAllBreakers(): Promise<void> {
  const all = [...liveBreakers];
  registry.clear();
  await Promise.all(all.map((b) => b.close()));
}
