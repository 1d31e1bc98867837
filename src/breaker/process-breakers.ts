/**
 * Process-wide breaker state: the memory store used when no store is given, and the set of every
 * open breaker (for `resetAllBreakers()`, `closeAllBreakers()` and the telemetry gauges).
 * @module
 */
import type { CircuitBreaker } from './circuit-breaker.js';
import { LiveSet } from './live-set.js';
import { MemoryStore } from './memory-store.js';

let defaultStore: MemoryStore | undefined;
/** The process-wide memory store used when no store is given. @internal */
export function getDefaultStore(): MemoryStore {
  return (defaultStore ??= new MemoryStore());
}

/**
 * Every open breaker of this process, for `resetAllBreakers()`, held weakly: an unclosed breaker
 * nobody references is collected, and its store subscription dropped. @internal
 */
export const liveBreakers = new LiveSet<CircuitBreaker>();
