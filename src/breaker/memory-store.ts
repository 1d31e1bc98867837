/**
 * The embedded default store: state in this process, shared by every breaker built on the same
 * store instance. Applies the pure rules of state.ts; the clock is injectable for tests.
 * @module
 */
import {
  applyAcquire,
  applyFailure,
  applyForceClose,
  applyForceOpen,
  applyRelease,
  applyRenew,
  applyReset,
  applySuccesses,
  initialData,
  snapshotOf,
  type BreakerData,
  type ProbeOutcome,
  type RuleConfig,
  type Snapshot,
} from './state.js';
import type { BreakerStore, Disposable, StoreChange } from './store.js';
import { ConfigError } from '../errors/config-error.js';
import { applyAdoptOpen } from './adopt-open.js';

export interface MemoryStoreOptions {
  /** Clock in ms. Inject a fake one in tests. @default Date.now */
  clock?: () => number;
}

/** A store that keeps state in this process (no sharing across processes). */
export class MemoryStore implements BreakerStore {
  readonly kind = 'memory';
  readonly writeBehindMs = 0;
  readonly recoveryIntervalMs = 1000;
  private readonly data = new Map<string, BreakerData>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly clock: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
    for (const k of Object.keys(options)) if (k !== 'clock') throw new ConfigError(k, 'is not an option of memoryStore');
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new ConfigError('clock', 'must be a function returning the time in ms');
    }
    this.clock = options.clock ?? Date.now;
  }

  now(): number {
    return this.clock();
  }

  private get(name: string): BreakerData {
    let d = this.data.get(name);
    if (!d) {
      d = initialData();
      this.data.set(name, d);
    }
    return d;
  }

  private done(name: string, d: BreakerData, now: number, cfg: RuleConfig, transitioned: boolean): Snapshot {
    const snapshot = snapshotOf(d, now, cfg, transitioned);
    if (transitioned && this.listeners.size > 0) {
      for (const l of this.listeners) {
        try {
          l({ type: 'change', name, snapshot });
        } catch {
          // a listener's failure must not break the store
        }
      }
    }
    return snapshot;
  }

  /** Synchronous form used by the breaker's local fallback. @internal */
  successesSync(name: string, cfg: RuleConfig, count: number, resetFailures: boolean): Snapshot {
    const now = this.clock();
    const d = this.get(name);
    return this.done(name, d, now, cfg, applySuccesses(d, now, cfg, count, resetFailures));
  }

  recordSuccesses(name: string, cfg: RuleConfig, count: number, resetFailures: boolean): Promise<Snapshot> {
    return Promise.resolve(this.successesSync(name, cfg, count, resetFailures));
  }

  recordFailure(name: string, cfg: RuleConfig, pendingSuccesses: number, resetFirst: boolean): Promise<Snapshot> {
    const now = this.clock();
    const d = this.get(name);
    return Promise.resolve(this.done(name, d, now, cfg, applyFailure(d, now, cfg, pendingSuccesses, resetFirst)));
  }

  acquireProbe(name: string, cfg: RuleConfig, leaseId: string) {
    const now = this.clock();
    const d = this.get(name);
    const { outcome, transitioned } = applyAcquire(d, now, cfg, leaseId);
    return Promise.resolve({ outcome, snapshot: this.done(name, d, now, cfg, transitioned) });
  }

  renewProbe(name: string, cfg: RuleConfig, leaseId: string): Promise<{ renewed: boolean; snapshot: Snapshot }> {
    const now = this.clock();
    const d = this.get(name);
    const renewed = applyRenew(d, now, cfg, leaseId);
    return Promise.resolve({ renewed, snapshot: snapshotOf(d, now, cfg, false) });
  }

  releaseProbe(name: string, cfg: RuleConfig, leaseId: string, outcome: ProbeOutcome): Promise<Snapshot> {
    const now = this.clock();
    const d = this.get(name);
    return Promise.resolve(this.done(name, d, now, cfg, applyRelease(d, now, cfg, leaseId, outcome)));
  }

  forceOpen(name: string, cfg: RuleConfig): Promise<Snapshot> {
    const now = this.clock();
    const d = this.get(name);
    return Promise.resolve(this.done(name, d, now, cfg, applyForceOpen(d, now)));
  }

  forceClose(name: string, cfg: RuleConfig): Promise<Snapshot> {
    const now = this.clock();
    const d = this.get(name);
    return Promise.resolve(this.done(name, d, now, cfg, applyForceClose(d, now)));
  }

  reset(name: string, cfg: RuleConfig): Promise<Snapshot> {
    const now = this.clock();
    const d = this.get(name);
    return Promise.resolve(this.done(name, d, now, cfg, applyReset(d, now)));
  }

  adoptOpen(name: string, cfg: RuleConfig, ageMs: number): Promise<Snapshot> {
    const now = this.clock();
    const d = this.get(name);
    return Promise.resolve(this.done(name, d, now, cfg, applyAdoptOpen(d, now, now - Math.max(0, Math.floor(ageMs)))));
  }

  read(name: string, cfg: RuleConfig): Promise<Snapshot> {
    const now = this.clock();
    return Promise.resolve(snapshotOf(this.get(name), now, cfg, false));
  }

  /** Seeds a breaker's state (the breaker's local fallback starts from its last known mirror). @internal */
  seed(name: string, s: Pick<Snapshot, 'state' | 'forced' | 'failures' | 'successes' | 'openedAt' | 'version'>): void {
    const d = this.get(name);
    d.state = s.state === 'half_open' ? 'open' : s.state; // leases are not carried over
    d.forced = s.forced;
    d.failures = s.failures;
    d.successes = 0;
    d.openedAt = s.openedAt;
    d.version = s.version;
    d.leases.clear();
    d.window.clear();
    d.young.clear();
  }

  subscribe(listener: (change: StoreChange) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}

/** The embedded default store (one process). */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}
