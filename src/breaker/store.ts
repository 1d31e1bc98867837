/**
 * The store interface: where a breaker's shared state lives. Every operation is atomic and returns
 * the state after it, so the breaker can refresh its local mirror from the reply.
 * @module
 */
import type { AcquireOutcome, ProbeOutcome, RuleConfig, Snapshot } from './state.js';

export type { AcquireOutcome, ProbeOutcome, RuleConfig, Snapshot };

/**
 * A change of a breaker's state made anywhere (pub/sub for Redis, synchronous for memory), or a
 * request to re-read every breaker (`resync`: e.g. the subscription reconnected and may have missed
 * messages).
 */
export type StoreChange = { type: 'change'; name: string; snapshot: Snapshot } | { type: 'resync' };

/** A disposable subscription (also usable with `using`). */
export interface Disposable {
  dispose(): void;
}

/**
 * A breaker store. Implementations: {@link memoryStore} and {@link redisStore}. All operations on one
 * name must be atomic with respect to every other instance sharing the store.
 */
export interface BreakerStore {
  /** `memory` or `redis`: tells the breaker whether state is shared across processes. */
  readonly kind: string;
  /**
   * Milliseconds after which a success that must reset a failure count is written (batched).
   * 0 writes synchronously (memory store).
   */
  readonly writeBehindMs: number;
  /** While a breaker runs on its local fallback, how often it checks (`ping`) whether the store is back. */
  readonly recoveryIntervalMs: number;
  /** The local clock the breaker uses for its mirror (ms). */
  now(): number;
  /** Successes of calls admitted while CLOSED (batched). */
  recordSuccesses(name: string, cfg: RuleConfig, count: number, resetFailures: boolean): Promise<Snapshot>;
  /** A counted failure of a call admitted while CLOSED, with the reporter's pending successes. */
  recordFailure(name: string, cfg: RuleConfig, pendingSuccesses: number, resetFirst: boolean): Promise<Snapshot>;
  /** Asks for a probe slot (moves OPEN → HALF_OPEN once `resetTimeoutMs` has elapsed). */
  acquireProbe(name: string, cfg: RuleConfig, leaseId: string): Promise<{ outcome: AcquireOutcome; snapshot: Snapshot }>;
  /**
   * A probe that is still running extends its lease to `probeLeaseMs` from now (the breaker calls it
   * on a timer while the probe runs). `renewed` is false when the lease is gone (it expired, or the
   * HALF_OPEN episode ended): the probe no longer holds a slot and its report will be ignored.
   */
  renewProbe(name: string, cfg: RuleConfig, leaseId: string): Promise<{ renewed: boolean; snapshot: Snapshot }>;
  /** A probe reports its outcome and frees its slot. */
  releaseProbe(name: string, cfg: RuleConfig, leaseId: string, outcome: ProbeOutcome): Promise<Snapshot>;
  forceOpen(name: string, cfg: RuleConfig): Promise<Snapshot>;
  forceClose(name: string, cfg: RuleConfig): Promise<Snapshot>;
  reset(name: string, cfg: RuleConfig): Promise<Snapshot>;
  /**
   * Offers the fleet a circuit this instance opened on its local state while the store was
   * unreachable, `ageMs` ago (the instance's clock). One atomic operation: the later event wins (see
   * `applyAdoptOpen`). Returns the state after it, adopted or not. Both built-in stores implement
   * it; a store without it only reads the shared state back (the local opening is then dropped).
   */
  adoptOpen?(name: string, cfg: RuleConfig, ageMs: number): Promise<Snapshot>;
  /** Reads the state without changing it. */
  read(name: string, cfg: RuleConfig): Promise<Snapshot>;
  /** Listens to state changes of every breaker in this store. */
  subscribe(listener: (change: StoreChange) => void): Disposable;
  /**
   * Resolves when the store can be used after a failure (Redis answers again). The breaker calls it
   * while running on its local fallback. Memory stores resolve at once.
   */
  ping(): Promise<void>;
  /** Releases what the store owns (subscriber connections, timers); never the caller's client. */
  close(): Promise<void>;
}
