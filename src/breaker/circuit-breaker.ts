/**
 * The circuit breaker: a local mirror of the shared state in front of a store.
 *
 * Hot path: a call in steady CLOSED runs with no store round trip (successes that must reset a
 * failure count are written behind, batched); a call while the mirror is OPEN is rejected locally.
 * Failures are one awaited atomic store operation whose reply refreshes the mirror; a probe is one
 * awaited lease acquisition (plus its report). If the store fails, the breaker continues on a local
 * in-memory state, emits `storeError`, and returns to the store when it answers again.
 * @module
 */
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { asStoreError, type StoreError } from '../errors/store-error.js';
import { ConfigError } from '../errors/config-error.js';
import { Emitter, type EventSubscription } from './events.js';
import { LeaseRenewer, renewalIntervalMs } from './lease-renewer.js';
import { getDefaultStore, liveBreakers } from './process-breakers.js';
import { rejoin } from './rejoin.js';
import { MemoryStore } from './memory-store.js';
import {
  checkBreakerName,
  checkStore,
  resolveBreakerOptions,
  toRuleConfig,
  type BreakerOptions,
  type ResolvedBreakerOptions,
} from './options.js';
import { CircuitState, type ProbeOutcome, type RuleConfig, type Snapshot } from './state.js';
import type { BreakerStore, Disposable, StoreChange } from './store.js';
import { AUTHORITATIVE, MirrorOrder, type ReplyMark } from './mirror-order.js';
import { Coalesced } from './coalesced.js';
import { WriteBehind } from './write-behind.js';

/** Options of a standalone breaker: the breaker semantics plus where the state lives. */
export interface CircuitBreakerOptions extends Partial<BreakerOptions> {
  /** Where the state lives. @default a process-wide `memoryStore()` */
  store?: BreakerStore;
}

/** Events a breaker emits. Names may grow, never change. */
export interface CircuitBreakerEvents {
  /** The state this instance sees changed (by a call here, another instance, or an operator). */
  stateChange: { name: string; from: CircuitState; to: CircuitState };
  /** A guarded call succeeded. `probe` is true for a HALF_OPEN trial call. */
  success: { name: string; durationMs: number; probe: boolean };
  /** A guarded call failed. `counted` tells whether `isFailure` counted it. */
  failure: { name: string; error: unknown; durationMs: number; probe: boolean; counted: boolean };
  /** A call was rejected without running. */
  reject: { name: string; retryAfterMs: number };
  /** The store failed; the breaker runs on its local state until the store answers again. */
  storeError: { name: string; error: StoreError };
}

/** Admission to run one call, from {@link CircuitBreaker.acquire}. Report one outcome. */
export interface BreakerPermit {
  /** True when this call is a HALF_OPEN probe. */
  readonly probe: boolean;
  /** The call succeeded. */
  success(): Promise<void>;
  /** The call failed; `isFailure(error)` decides whether it counts. */
  failure(error: unknown): Promise<void>;
  /** The call ended with no verdict (e.g. abandoned): neither success nor failure. */
  release(): Promise<void>;
}

class Permit implements BreakerPermit {
  private done = false;
  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly leaseId: string | null,
    private readonly start: number,
  ) {}
  get probe(): boolean {
    return this.leaseId !== null;
  }
  private settle(outcome: 'success' | 'failure' | 'neutral', error?: unknown): Promise<void> {
    if (this.done) return Promise.resolve();
    this.done = true;
    return this.breaker.settlePermit(this.leaseId, outcome, error, this.start);
  }
  success(): Promise<void> {
    return this.settle('success');
  }
  failure(error: unknown): Promise<void> {
    return this.settle('failure', error);
  }
  release(): Promise<void> {
    return this.settle('neutral');
  }
}

/** A breaker's full state, for dashboards and `llm.health()`. */
export interface BreakerSnapshot {
  name: string;
  state: CircuitState;
  /** Held open by an operator. */
  forced: boolean;
  /** Consecutive counted failures (CLOSED). */
  failures: number;
  /** Probe successes so far (HALF_OPEN). */
  successes: number;
  /** When the circuit last opened (ms since epoch, store clock), or null. */
  openedAt: number | null;
  /** ms until a probe is admitted (OPEN), or until a probe slot frees (HALF_OPEN); 0 when CLOSED. */
  retryAfterMs: number;
  probesInFlight: number;
  /** Calls / failures in the failure-rate window (failure-rate mode only). */
  windowCalls: number;
  windowFailures: number;
  /** `memory` or `redis`. */
  store: string;
  /** True while the store is unreachable and this instance runs on its local state. */
  degraded: boolean;
}

/**
 * How often an OPEN mirror re-reads the store while calls are rejected (a lost key, a rollback, a
 * missed message): often enough that it follows the store within 1 s, at most two background reads
 * a second per breaker, and none while no call arrives.
 */
const OPEN_RECHECK_MS = 500;
/** How long a HALF_OPEN instance that was refused a probe rejects locally before asking again. */
/** How long a message announcing a new version waits for a pending reply of this instance. */
const HINT_WAIT_MS = 100;
const HALF_OPEN_RECHECK_MS = 1000;
const NEVER_ABORTED: AbortSignal = new AbortController().signal;
const INSTANCE_TAG = Math.random().toString(36).slice(2, 10);
let leaseCounter = 0;

export class CircuitBreaker {
  readonly name: string;
  readonly options: Readonly<ResolvedBreakerOptions>;
  readonly store: BreakerStore;
  private readonly cfg: RuleConfig;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly events = new Emitter<CircuitBreakerEvents>();

  // --- local mirror of the shared state ---
  private state: CircuitState = CircuitState.CLOSED;
  private forced = false;
  private failures = 0;
  /** Which store reply the mirror follows (the store wins unless the mirror is provably newer). */
  private readonly order = new MirrorOrder();
  /** Re-reads of the store asked for by messages, resyncs and rechecks: at most one in flight. */
  private readonly refresher = new Coalesced(() => this.refresh());
  /** Store calls of this breaker awaiting their reply (a message may overtake the reply it announces). */
  private pendingReplies = 0;
  /** The version a message announced while replies were pending: checked once they are applied. */
  private deferredHint: number | undefined;
  private hintTimer: ReturnType<typeof setTimeout> | undefined;
  private openUntil = 0; // local clock
  private denyUntil = 0; // local clock (HALF_OPEN refusal)
  private openCheckedAt = 0; // local clock (last re-read while OPEN)
  private last: Snapshot | undefined;

  // --- write-behind of successes ---
  private readonly writeBehind: WriteBehind;
  /** Failures counted in the mirror whose report is still on its way to the store. */
  private reportingFailures = 0;

  // --- probes started here: lease id → local expiry; renewed while they run ---
  private readonly localProbes = new Map<string, number>();
  private readonly renewer: LeaseRenewer;

  /** True when someone listens to success/failure (durations are measured only then). */
  private get timed(): boolean {
    return this.events.has('success') || this.events.has('failure');
  }

  // --- store failure handling ---
  private fallback: MemoryStore | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering = false;
  /** The version the fallback was seeded with: a higher one there is a transition made alone. */
  private fallbackSeedVersion = 0;

  private subscription: Disposable | undefined;
  private closed = false;
  /** False until the mirror was first read from the store (a new instance must not assume CLOSED). */
  private synced = false;
  private readonly ready: Promise<void>;

  constructor(name: string, options: CircuitBreakerOptions = {}) {
    this.name = checkBreakerName(name);
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
    const { store, ...rest } = options;
    checkStore(store, 'store');
    this.options = Object.freeze(resolveBreakerOptions(rest));
    this.cfg = toRuleConfig(this.options);
    this.isFailure = this.options.isFailure;
    this.store = store ?? getDefaultStore();
    this.writeBehind = new WriteBehind(
      (n, reset) => this.writeSuccesses(n, reset),
      () => (this.fallback ? 0 : this.store.writeBehindMs),
    );
    this.renewer = new LeaseRenewer(renewalIntervalMs(this.cfg.probeLeaseMs), (id) => this.renewLease(id));
    // The store (often shared and long-lived) must not keep this breaker alive: its listener holds
    // the breaker weakly, and the subscription is dropped if the breaker is collected unclosed.
    const subscription = this.store.subscribe(CircuitBreaker.weakListener(new WeakRef(this)));
    this.subscription = subscription;
    liveBreakers.add(this, disposer(subscription));
    const mark = this.order.mark();
    this.ready = this.storeCall('read', (s) => s.read(this.name, this.cfg)).then(
      (snap) => {
        this.apply(snap, mark);
        this.synced = true;
      },
      () => {
        this.synced = true;
      },
    );
  }

  // Closures made here, never in a method: V8 shares one context between the closures of a scope,
  // so a closure made next to one that uses `this` would hold the breaker strongly.

  /** The store listener of a breaker, holding it weakly. */
  private static weakListener(self: WeakRef<CircuitBreaker>): (change: StoreChange) => void {
    return (change) => self.deref()?.onStoreChange(change);
  }

  /** The recovery loop of a degraded breaker, holding it weakly (it ends if the breaker is collected). */
  private static weakRecovery(self: WeakRef<CircuitBreaker>, intervalMs: number): NodeJS.Timeout {
    const timer = setInterval(() => {
      const breaker = self.deref();
      if (breaker) void breaker.tryRecover();
      else clearInterval(timer);
    }, intervalMs);
    timer.unref();
    return timer;
  }

  // ---------------------------------------------------------------- events

  /** Listens to an event. Returns a subscription whose `dispose()` stops listening. */
  on<K extends keyof CircuitBreakerEvents>(event: K, listener: (e: CircuitBreakerEvents[K]) => void): EventSubscription {
    return this.events.on(event, listener);
  }

  // ---------------------------------------------------------------- calls

  /**
   * Runs `fn` through the breaker. Rejects with {@link CircuitOpenError} without calling `fn` while
   * the circuit is open. `signal` is passed to `fn` (a never-aborting signal when omitted).
   */
  execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(new ConfigError('fn', `must be a function, got ${fn === null ? 'null' : typeof fn}`));
    if (this.state === CircuitState.CLOSED && this.synced) return this.runClosed(fn, signal);
    if (!this.synced) return this.ready.then(() => this.execute(fn, signal));
    return this.runGuarded(fn, signal);
  }

  /** Wraps `fn` so that every call goes through {@link execute}. */
  protect<A extends unknown[], R>(fn: (...args: A) => PromiseLike<R> | R): (...args: A) => Promise<R> {
    if (typeof fn !== 'function') throw new ConfigError('fn', `must be a function, got ${fn === null ? 'null' : typeof fn}`);
    return (...args: A) => this.execute(() => fn(...args));
  }

  private runClosed<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal: AbortSignal | undefined): Promise<T> {
    const start = this.timed ? performance.now() : 0;
    let result: PromiseLike<T> | T;
    try {
      result = fn(signal ?? NEVER_ABORTED);
    } catch (err) {
      return this.closedFailure(err, start);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.closedSuccess(start);
        return value;
      },
      (err: unknown) => this.closedFailure(err, start),
    );
  }

  private closedSuccess(start: number): void {
    if (this.failures > 0) {
      // This success follows a failure (in completion order): the shared count must be reset. Sent
      // at once (not awaited): at most one such write per failure, and a short window in which
      // other instances' failures could add up to a non-consecutive trip.
      this.failures = 0;
      this.writeBehind.addReset();
    } else if (this.cfg.failureRate !== undefined) {
      this.writeBehind.add(); // failure-rate window counts: batched
    }
    if (start !== 0) this.events.emit('success', { name: this.name, durationMs: performance.now() - start, probe: false });
  }

  private async closedFailure(err: unknown, start: number): Promise<never> {
    const durationMs = start !== 0 ? performance.now() - start : 0;
    const counted = this.classify(err) === 'failure';
    if (counted) {
      const { successes: n, reset } = this.writeBehind.take();
      // Counted at once, before the reply: a success completing while this failure is in flight
      // must still reset it (otherwise overlapping sparse failures add up to a spurious trip).
      this.failures++;
      this.reportingFailures++;
      let snap: Snapshot;
      const mark = this.order.mark();
      try {
        snap = await this.storeCall('recordFailure', (s) => s.recordFailure(this.name, this.cfg, n, reset));
      } finally {
        this.reportingFailures--;
      }
      this.apply(snap, mark);
    }
    this.events.emit('failure', { name: this.name, error: err, durationMs, probe: false, counted });
    throw err;
  }

  /** Local admission checks for a non-CLOSED mirror: the rejection to return, or undefined to ask the store. */
  private localRejection(now: number): number | undefined {
    if (this.state === CircuitState.OPEN) {
      // An OPEN mirror does not ask the store by itself: re-read it every OPEN_RECHECK_MS at most (in the
      // background) while calls are rejected, so a lost key (flush, eviction, expiry), a store
      // restored from an older snapshot or a missed forceClose cannot hold this instance open.
      // A call past the open period asks the store for a probe instead, whose reply refreshes the
      // mirror: it needs no extra read.
      const rejected = this.forced || now < this.openUntil;
      if (rejected && now - this.openCheckedAt >= OPEN_RECHECK_MS) {
        this.openCheckedAt = now;
        this.refresher.request();
      }
      if (this.forced) return Number.POSITIVE_INFINITY;
      if (now < this.openUntil) return this.openUntil - now;
    } else if (now < this.denyUntil) {
      return this.denyUntil - now;
    }
    // Never ask the store for more probe slots than the fleet allows at once.
    let busy = 0;
    let soonest = Number.POSITIVE_INFINITY;
    for (const [id, exp] of this.localProbes) {
      if (exp <= now) this.localProbes.delete(id);
      else {
        busy++;
        if (exp < soonest) soonest = exp;
      }
    }
    if (busy >= this.cfg.halfOpenMaxProbes) return Math.min(soonest - now, HALF_OPEN_RECHECK_MS);
    return undefined;
  }

  private runGuarded<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal: AbortSignal | undefined): Promise<T> {
    const now = this.store.now();
    const wait = this.localRejection(now);
    if (wait !== undefined) return this.reject(wait);
    return this.probe(fn, signal, now);
  }

  private reject(retryAfterMs: number): Promise<never> {
    return Promise.reject(this.rejection(retryAfterMs));
  }

  private rejection(retryAfterMs: number): CircuitOpenError {
    if (this.events.has('reject')) this.events.emit('reject', { name: this.name, retryAfterMs });
    return new CircuitOpenError(this.name, retryAfterMs);
  }

  /**
   * Asks the store for a probe slot. @returns the lease id, or `null` when the shared state is in
   * fact CLOSED (run as a normal call). @throws CircuitOpenError when refused
   */
  private async admitProbe(now: number): Promise<string | null> {
    const leaseId = `${INSTANCE_TAG}:${++leaseCounter}`;
    this.localProbes.set(leaseId, now + this.cfg.probeLeaseMs);
    try {
      const mark = this.order.mark();
      const res = await this.storeCall('acquireProbe', (s) => s.acquireProbe(this.name, this.cfg, leaseId));
      const t = this.store.now();
      this.apply(res.snapshot, mark);
      if (res.outcome === 'granted') {
        this.localProbes.set(leaseId, now + this.cfg.probeLeaseMs); // in case a transition seen meanwhile cleared it
        this.renewer.start(leaseId); // the lease lasts as long as the probe runs
        return leaseId;
      }
      this.localProbes.delete(leaseId);
      if (res.outcome === 'closed') return null;
      const wait = res.snapshot.retryAfterMs;
      if (res.snapshot.state === CircuitState.HALF_OPEN) this.denyUntil = t + Math.min(wait, HALF_OPEN_RECHECK_MS);
      throw this.rejection(wait);
    } catch (err) {
      this.localProbes.delete(leaseId);
      throw err;
    }
  }

  private async probe<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal: AbortSignal | undefined, now: number): Promise<T> {
    const leaseId = await this.admitProbe(now);
    if (leaseId === null) return this.runClosed(fn, signal);
    const start = performance.now();
    let value: T;
    try {
      value = await fn(signal ?? NEVER_ABORTED);
    } catch (err) {
      await this.reportProbe(leaseId, this.classify(err), start, err);
      throw err;
    }
    await this.reportProbe(leaseId, 'success', start, undefined);
    return value;
  }

  private classify(err: unknown): ProbeOutcome {
    try {
      return this.isFailure(err) ? 'failure' : 'neutral';
    } catch {
      return 'failure';
    }
  }

  /** Extends a running probe's lease. @returns whether the store still held it */
  private async renewLease(leaseId: string): Promise<boolean> {
    if (this.closed || !this.localProbes.has(leaseId)) return false;
    const mark = this.order.mark();
    const res = await this.storeCall('renewProbe', (s) => s.renewProbe(this.name, this.cfg, leaseId));
    this.apply(res.snapshot, mark);
    if (!res.renewed || !this.localProbes.has(leaseId)) return false;
    this.localProbes.set(leaseId, this.store.now() + this.cfg.probeLeaseMs);
    return true;
  }

  private async reportProbe(leaseId: string, outcome: ProbeOutcome, start: number, error: unknown): Promise<void> {
    this.renewer.stop(leaseId);
    this.localProbes.delete(leaseId);
    const mark = this.order.mark();
    const snap = await this.storeCall('releaseProbe', (s) => s.releaseProbe(this.name, this.cfg, leaseId, outcome));
    this.apply(snap, mark);
    const durationMs = performance.now() - start;
    if (outcome === 'success') this.events.emit('success', { name: this.name, durationMs, probe: true });
    else this.events.emit('failure', { name: this.name, error, durationMs, probe: true, counted: outcome === 'failure' });
  }

  /**
   * Low-level admission for calls whose outcome is known later (streams): resolves with a permit,
   * or rejects with {@link CircuitOpenError}. Report exactly one outcome on the permit; `release()`
   * counts as neither success nor failure (e.g. the consumer abandoned a stream).
   */
  async acquire(): Promise<BreakerPermit> {
    if (!this.synced) await this.ready;
    const start = performance.now();
    if (this.state !== CircuitState.CLOSED) {
      const now = this.store.now();
      const wait = this.localRejection(now);
      if (wait !== undefined) throw this.rejection(wait);
      const leaseId = await this.admitProbe(now);
      if (leaseId !== null) return new Permit(this, leaseId, start);
    }
    return new Permit(this, null, start);
  }

  /** @internal used by permits */
  async settlePermit(leaseId: string | null, outcome: 'success' | 'failure' | 'neutral', error: unknown, start: number): Promise<void> {
    if (leaseId !== null) {
      await this.reportProbe(leaseId, outcome === 'failure' ? this.classify(error) : outcome, start, error);
      return;
    }
    if (outcome === 'success') this.closedSuccess(start);
    else if (outcome === 'failure') await this.closedFailure(error, start).catch(() => undefined);
  }

  // ---------------------------------------------------------------- write-behind

  /** Writes a batch of successes. Never rejects. */
  private writeSuccesses(n: number, reset: boolean): Promise<void> {
    const mark = this.order.mark();
    return this.storeCall('recordSuccesses', (s) => s.recordSuccesses(this.name, this.cfg, n, reset)).then(
      (snap) => this.apply(snap, mark),
      () => undefined,
    );
  }

  // ---------------------------------------------------------------- store access and fallback

  private storeCall<R>(operation: string, op: (s: BreakerStore) => Promise<R>): Promise<R> {
    if (this.fallback) return op(this.fallback);
    let p: Promise<R>;
    try {
      p = op(this.store);
    } catch (err) {
      return this.onStoreFailure(operation, err, op);
    }
    this.pendingReplies++;
    return p.then(
      (r) => {
        this.pendingReplies--;
        return r;
      },
      (err: unknown) => {
        this.pendingReplies--;
        return this.onStoreFailure(operation, err, op);
      },
    );
  }

  private onStoreFailure<R>(operation: string, err: unknown, op: (s: BreakerStore) => Promise<R>): Promise<R> {
    const error = asStoreError(this.name, operation, err);
    this.enterFallback();
    this.events.emit('storeError', { name: this.name, error });
    return op(this.fallback as MemoryStore);
  }

  private enterFallback(): void {
    if (this.fallback) return;
    const clock = () => this.store.now();
    const fb = new MemoryStore({ clock });
    const now = clock();
    fb.seed(this.name, {
      state: this.state,
      forced: this.forced,
      // failures still being reported are applied again by the fallback: do not count them twice
      failures: Math.max(0, this.failures - this.reportingFailures),
      successes: 0,
      // translate the store's openedAt into the local clock via the mirror's deadline
      openedAt: this.state === CircuitState.CLOSED ? 0 : this.forced ? now : this.openUntil - this.cfg.resetTimeoutMs,
      version: Math.max(0, this.order.version),
    });
    this.fallbackSeedVersion = Math.max(0, this.order.version);
    this.fallback = fb;
    this.clearLocalProbes();
    if (this.state === CircuitState.HALF_OPEN) this.openUntil = now; // seeded as OPEN, probe-able at once
    this.recoveryTimer = CircuitBreaker.weakRecovery(new WeakRef(this), Math.max(10, this.store.recoveryIntervalMs));
  }

  private async tryRecover(): Promise<void> {
    if (this.recovering || !this.fallback || this.closed) return;
    this.recovering = true;
    try {
      await this.store.ping();
      const snap = await rejoin(this.store, this.fallback, this.name, this.cfg, this.fallbackSeedVersion);
      if (this.fallback) this.leaveFallback(snap);
    } catch {
      // still down; try again at the next interval
    } finally {
      this.recovering = false;
    }
  }

  private leaveFallback(snap: Snapshot): void {
    if (this.recoveryTimer !== undefined) clearInterval(this.recoveryTimer);
    this.recoveryTimer = undefined;
    this.fallback = undefined;
    this.apply(snap, AUTHORITATIVE); // the shared state wins over what this instance saw alone
  }

  private onStoreChange(change: StoreChange): void {
    if (this.closed || this.fallback) return;
    if (change.type === 'resync') {
      this.refresher.request();
      return;
    }
    // A message is only a hint that the state changed: anyone who can PUBLISH on the channel can
    // send one, so its content is never applied. It makes this instance re-read the store, and the
    // store decides. The message of a state this mirror already holds (e.g. its own transition)
    // needs no read.
    if (change.name !== this.name || change.snapshot.version === this.order.version) return;
    // The message of this instance's own transition is published by the script before its reply
    // arrives: while a reply is pending, check the hint once it is applied (or after HINT_WAIT_MS).
    if (this.pendingReplies > 0) {
      this.deferredHint = change.snapshot.version;
      this.hintTimer ??= setTimeout(() => this.checkHint(), HINT_WAIT_MS);
      this.hintTimer.unref?.();
      return;
    }
    this.refresher.request();
  }

  /** Re-reads the store unless the mirror now holds the version a deferred message announced. */
  private checkHint(): void {
    if (this.hintTimer !== undefined) clearTimeout(this.hintTimer);
    this.hintTimer = undefined;
    const hinted = this.deferredHint;
    this.deferredHint = undefined;
    if (hinted !== undefined && hinted !== this.order.version && !this.closed) this.refresher.request();
  }

  private async refresh(): Promise<void> {
    if (this.closed || this.fallback) return;
    // Through storeCall: if the read fails (e.g. the subscriber reconnected before the command
    // connection), the breaker degrades and its recovery loop re-reads: the store's state wins.
    // The read is sent after the mirror's last reply arrived, so what it returns wins even when its
    // version is lower (a store restored from an older snapshot, a lost key).
    const mark = this.order.mark();
    try {
      const snap = await this.storeCall('read', (s) => s.read(this.name, this.cfg));
      if (!this.fallback) this.apply(snap, mark);
    } catch {
      // a failed refresh is harmless: the next reply refreshes the mirror
    }
  }

  /** Forgets the probes started here (they no longer hold a slot) and stops renewing their leases. */
  private clearLocalProbes(): void {
    this.localProbes.clear();
    this.renewer.stopAll();
  }

  /**
   * Refreshes the mirror from a store reply whose request was sent at `mark`. A reply is ignored
   * only when the mirror is provably newer (see {@link MirrorOrder}).
   */
  private apply(s: Snapshot, mark: ReplyMark): void {
    this.applyReply(s, mark);
    if (this.deferredHint !== undefined && this.pendingReplies === 0) this.checkHint();
  }

  private applyReply(s: Snapshot, mark: ReplyMark): void {
    const previous = this.order.version;
    if (!this.order.accept(mark, s.version)) return;
    const now = this.store.now();
    const from = this.state;
    // A transition to OPEN or CLOSED ends the HALF_OPEN episode: the store dropped every probe lease,
    // so probes still running here no longer hold a slot (their late reports are ignored). Without
    // this they would block this instance's probes in the next episode until their leases expired.
    if (s.version !== previous && s.state !== CircuitState.HALF_OPEN) this.clearLocalProbes();
    this.last = s;
    this.openCheckedAt = now; // just heard from the store: no OPEN re-read for OPEN_RECHECK_MS
    this.state = s.state;
    this.forced = s.forced;
    this.failures = s.failures;
    if (s.state === CircuitState.OPEN) this.openUntil = s.forced ? Number.POSITIVE_INFINITY : now + s.retryAfterMs;
    if (from !== s.state) {
      this.denyUntil = 0;
      this.events.emit('stateChange', { name: this.name, from, to: s.state });
    }
  }

  // ---------------------------------------------------------------- inspection and operator controls

  /** Writes pending successes and waits for in-flight writes. */
  private async settle(): Promise<void> {
    await this.writeBehind.settle();
  }

  /** The current state, read from the store (so it reflects every instance). */
  async getState(): Promise<CircuitState> {
    return (await this.snapshot()).state;
  }

  /** The full current state, read from the store. */
  async snapshot(): Promise<BreakerSnapshot> {
    await this.settle();
    const mark = this.order.mark();
    const snap = await this.storeCall('read', (s) => s.read(this.name, this.cfg));
    this.apply(snap, mark);
    return {
      name: this.name,
      state: snap.state,
      forced: snap.forced,
      failures: snap.failures,
      successes: snap.successes,
      openedAt: snap.openedAt > 0 ? snap.openedAt : null,
      retryAfterMs: snap.retryAfterMs,
      probesInFlight: snap.probesInFlight,
      windowCalls: snap.windowCalls,
      windowFailures: snap.windowFailures,
      store: this.store.kind,
      degraded: this.fallback !== undefined,
    };
  }

  /** The state this instance last saw, without a store round trip. */
  get localState(): CircuitState {
    return this.state;
  }

  /**
   * Operator: hold the circuit open (for every instance) until {@link forceClose} or {@link reset}.
   * @throws StoreError when the shared state could not be changed (nothing is changed here either)
   */
  forceOpen(): Promise<void> {
    return this.operate('forceOpen', (s) => s.forceOpen(this.name, this.cfg));
  }

  /**
   * Operator: close the circuit (for every instance) and clear its counters.
   * @throws StoreError when the shared state could not be changed (nothing is changed here either)
   */
  forceClose(): Promise<void> {
    return this.operate('forceClose', (s) => s.forceClose(this.name, this.cfg));
  }

  /**
   * Forgets the breaker's state everywhere: CLOSED, no failures, no probes.
   * @throws StoreError when the shared state could not be changed (nothing is changed here either)
   */
  async reset(): Promise<void> {
    await this.operate('reset', (s) => s.reset(this.name, this.cfg));
    this.clearLocalProbes();
  }

  /**
   * An operator action reaches the shared state or rejects with a StoreError: it never falls back to
   * changing this instance only (that would resolve, change nothing for the fleet, and be undone by
   * the next refresh). On a client still connecting it waits for `ready` like every store call. When
   * it succeeds while this instance runs on its local state, Redis is back: the instance rejoins.
   */
  private async operate(operation: string, op: (s: BreakerStore) => Promise<Snapshot>): Promise<void> {
    this.writeBehind.clear();
    const mark = this.order.mark();
    let snap: Snapshot;
    try {
      snap = await op(this.store);
    } catch (err) {
      throw asStoreError(this.name, operation, err);
    }
    if (this.fallback) this.leaveFallback(snap);
    else this.apply(snap, mark);
  }

  /** Flushes pending writes and releases timers and the store subscription. Does not close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle().catch(() => undefined);
    this.closed = true;
    this.writeBehind.clear();
    this.renewer.stopAll();
    if (this.hintTimer !== undefined) clearTimeout(this.hintTimer);
    this.hintTimer = undefined;
    if (this.recoveryTimer !== undefined) clearInterval(this.recoveryTimer);
    this.recoveryTimer = undefined;
    this.subscription?.dispose();
    this.subscription = undefined;
    this.events.removeAll();
    liveBreakers.delete(this);
  }

  /** @internal the last snapshot this instance saw */
  get lastSnapshot(): Snapshot | undefined {
    return this.last;
  }
}

function disposer(subscription: Disposable): () => void {
  return () => subscription.dispose();
}
