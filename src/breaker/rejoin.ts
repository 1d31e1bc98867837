/**
 * How a breaker that ran on its local state while the store was unreachable rejoins the fleet.
 * @module
 */
import type { MemoryStore } from './memory-store.js';
import { CircuitState, type RuleConfig, type Snapshot } from './state.js';
import type { BreakerStore } from './store.js';

/**
 * The shared state to follow once the store answers again. When this instance opened the circuit
 * alone meanwhile (its local version passed `seedVersion`, the one the fallback started from) and it
 * is still in its open period, that opening is offered to the fleet (`store.adoptOpen`: one script,
 * the later event wins), so what the instance learned alone is not silently replaced by the store's
 * CLOSED. Otherwise the shared state is read back as it is.
 */
export async function rejoin(store: BreakerStore, fallback: MemoryStore, name: string, cfg: RuleConfig, seedVersion: number): Promise<Snapshot> {
  const local = await fallback.read(name, cfg);
  const openedAlone = local.state === CircuitState.OPEN && !local.forced && local.retryAfterMs > 0 && local.version > seedVersion;
  if (openedAlone && store.adoptOpen) return store.adoptOpen(name, cfg, Math.max(0, fallback.now() - local.openedAt));
  return store.read(name, cfg);
}
