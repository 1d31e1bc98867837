/**
 * The breaker's pure transition rules. The memory store applies them in JS; the Redis store's Lua
 * scripts (lua/*.lua) implement exactly the same rules atomically. Time is an argument, never read.
 * @module
 */

/** The three states, as the strings `'closed'`, `'open'` and `'half_open'` (stable public values). */
export const CircuitState = Object.freeze({
  CLOSED: 'closed',
  OPEN: 'open',
  HALF_OPEN: 'half_open',
} as const);
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/** The breaker parameters a store needs to apply the rules. */
export interface RuleConfig {
  failureThreshold: number;
  resetTimeoutMs: number;
  successThreshold: number;
  halfOpenMaxProbes: number;
  probeLeaseMs: number;
  /** Present in failure-rate mode (replaces the consecutive rule). */
  failureRate: { threshold: number; windowMs: number; minimumCalls: number } | undefined;
}

/** Number of buckets the failure-rate window is divided into. */
export const WINDOW_BUCKETS = 10;

/** The shared state of one breaker, as a store keeps it. */
export interface BreakerData {
  state: CircuitState;
  /** Held open by an operator (`forceOpen`): no probes until `forceClose`/`reset`. */
  forced: boolean;
  /** Consecutive counted failures while CLOSED. */
  failures: number;
  /** Probe successes while HALF_OPEN. */
  successes: number;
  /** When it last opened (store clock, ms); 0 when never. */
  openedAt: number;
  /** Incremented on every state transition; orders snapshots. */
  version: number;
  /** Probe leases: id → expiry (store clock, ms). */
  leases: Map<string, number>;
  /** Failure-rate window: bucket index → [calls, failures]. */
  window: Map<number, [number, number]>;
  /**
   * Failure-rate mode on a store with write-behind: the failures of the window that are younger than
   * the store's success lag, by lag-sized slot (slot index → failures). They are in `window` too, but
   * the trip decision leaves them out until the fleet's successes of the same period have arrived.
   */
  young: Map<number, number>;
}

export function initialData(): BreakerData {
  return { state: 'closed', forced: false, failures: 0, successes: 0, openedAt: 0, version: 0, leases: new Map(), window: new Map(), young: new Map() };
}

/** What a store reports after each operation. */
export interface Snapshot {
  state: CircuitState;
  forced: boolean;
  failures: number;
  successes: number;
  openedAt: number;
  /** OPEN: ms until a probe is admitted (`Infinity` when forced). HALF_OPEN: ms until a probe slot frees. CLOSED: 0. */
  retryAfterMs: number;
  probesInFlight: number;
  version: number;
  /** Calls and failures in the failure-rate window (0 in consecutive mode). */
  windowCalls: number;
  windowFailures: number;
  /** True when this operation changed the state. */
  transitioned: boolean;
}

/** The result of a probe request. */
export type AcquireOutcome = 'granted' | 'denied' | 'closed';

function pruneLeases(d: BreakerData, now: number): void {
  for (const [id, exp] of d.leases) if (exp <= now) d.leases.delete(id);
}

function windowTotals(d: BreakerData, now: number, cfg: RuleConfig): [number, number] {
  if (!cfg.failureRate || d.window.size === 0) return [0, 0];
  const size = bucketSize(cfg);
  const current = Math.floor(now / size);
  let calls = 0;
  let failures = 0;
  for (const [idx, [c, f]] of d.window) {
    if (idx <= current - WINDOW_BUCKETS) d.window.delete(idx);
    else {
      calls += c;
      failures += f;
    }
  }
  return [calls, failures];
}

export function bucketSize(cfg: RuleConfig): number {
  return Math.max(1, Math.ceil((cfg.failureRate?.windowMs ?? 1) / WINDOW_BUCKETS));
}

/**
 * Records a failure as young (slot `floor(now / lagMs)`); forgets slots that matured (two slots
 * back: every failure left out is between `lagMs` and `2 × lagMs` old at most). @returns the young failures
 */
function addYoung(d: BreakerData, now: number, lagMs: number): number {
  const slot = Math.floor(now / lagMs);
  let young = 0;
  for (const [s, n] of d.young) {
    if (s <= slot - 2) d.young.delete(s);
    else young += n;
  }
  d.young.set(slot, (d.young.get(slot) ?? 0) + 1);
  return young + 1;
}

function addToWindow(d: BreakerData, now: number, cfg: RuleConfig, calls: number, failures: number): void {
  const idx = Math.floor(now / bucketSize(cfg));
  const b = d.window.get(idx);
  if (b) {
    b[0] += calls;
    b[1] += failures;
  } else d.window.set(idx, [calls, failures]);
}

export function snapshotOf(d: BreakerData, now: number, cfg: RuleConfig, transitioned: boolean): Snapshot {
  pruneLeases(d, now);
  let retryAfterMs = 0;
  if (d.state === 'open') retryAfterMs = d.forced ? Number.POSITIVE_INFINITY : Math.max(0, d.openedAt + cfg.resetTimeoutMs - now);
  else if (d.state === 'half_open' && d.leases.size >= cfg.halfOpenMaxProbes) {
    let min = Number.POSITIVE_INFINITY;
    for (const exp of d.leases.values()) if (exp < min) min = exp;
    retryAfterMs = Math.max(0, min - now);
  }
  const [windowCalls, windowFailures] = windowTotals(d, now, cfg);
  return {
    state: d.state,
    forced: d.forced,
    failures: d.failures,
    successes: d.successes,
    openedAt: d.openedAt,
    retryAfterMs,
    probesInFlight: d.leases.size,
    version: d.version,
    windowCalls,
    windowFailures,
    transitioned,
  };
}

/**
 * Versions order snapshots so a late reply never overwrites a newer state. They are at least the
 * store clock at the transition, so they keep increasing even after a key expired and was re-created.
 */
function bump(d: BreakerData, now: number): void {
  d.version = Math.max(d.version + 1, now);
}

function open(d: BreakerData, now: number): void {
  d.state = 'open';
  d.forced = false;
  d.openedAt = now;
  d.successes = 0;
  d.leases.clear();
  d.window.clear();
  d.young.clear();
  bump(d, now);
}

function close(d: BreakerData, now: number): void {
  d.state = 'closed';
  d.forced = false;
  d.failures = 0;
  d.successes = 0;
  d.leases.clear();
  d.window.clear();
  d.young.clear();
  bump(d, now);
}

/**
 * Successes of calls admitted while CLOSED (batched). `resetFailures` clears the consecutive count.
 * Ignored unless CLOSED. @returns whether the state changed (never)
 */
export function applySuccesses(d: BreakerData, now: number, cfg: RuleConfig, count: number, resetFailures: boolean): boolean {
  if (d.state !== 'closed') return false;
  if (resetFailures) d.failures = 0;
  if (cfg.failureRate && count > 0) addToWindow(d, now, cfg, count, 0);
  return false;
}

/**
 * A counted failure of a call admitted while CLOSED. Pending successes of the same reporter are
 * applied first (they happened before it). Ignored unless CLOSED. @returns whether it opened
 *
 * Failure-rate mode: failures reach the window at once, but the other instances' successes arrive
 * up to the store's write-behind lag later. So, with `lagMs > 0`, the trip decision leaves out the
 * failures younger than the lag (see {@link BreakerData.young}): it compares the fleet's failures
 * with the fleet's successes of the same period, and a cold window (or one just cleared) cannot
 * trip on failures alone. The failures still count in the window.
 * @param lagMs the store's success lag (0: successes are written at once, as in the memory store)
 */
export function applyFailure(
  d: BreakerData,
  now: number,
  cfg: RuleConfig,
  pendingSuccesses: number,
  resetFirst: boolean,
  lagMs = 0,
): boolean {
  if (d.state !== 'closed') return false;
  applySuccesses(d, now, cfg, pendingSuccesses, resetFirst);
  d.failures++;
  if (cfg.failureRate) {
    addToWindow(d, now, cfg, 1, 1);
    const young = lagMs > 0 ? addYoung(d, now, lagMs) : 0;
    const [windowCalls, windowFailures] = windowTotals(d, now, cfg);
    const left = Math.min(young, windowFailures);
    const calls = windowCalls - left;
    const failures = windowFailures - left;
    if (calls > 0 && calls >= cfg.failureRate.minimumCalls && failures / calls >= cfg.failureRate.threshold) {
      open(d, now);
      return true;
    }
    return false;
  }
  if (d.failures >= cfg.failureThreshold) {
    open(d, now);
    return true;
  }
  return false;
}

/** Asks for a probe slot; moves OPEN → HALF_OPEN once the reset timeout has elapsed. */
export function applyAcquire(d: BreakerData, now: number, cfg: RuleConfig, leaseId: string): { outcome: AcquireOutcome; transitioned: boolean } {
  pruneLeases(d, now);
  if (d.state === 'closed') return { outcome: 'closed', transitioned: false };
  if (d.state === 'open') {
    if (d.forced || now < d.openedAt + cfg.resetTimeoutMs) return { outcome: 'denied', transitioned: false };
    d.state = 'half_open';
    d.successes = 0;
    d.leases.clear();
    bump(d, now);
    d.leases.set(leaseId, now + cfg.probeLeaseMs);
    return { outcome: 'granted', transitioned: true };
  }
  if (d.leases.size < cfg.halfOpenMaxProbes) {
    d.leases.set(leaseId, now + cfg.probeLeaseMs);
    return { outcome: 'granted', transitioned: false };
  }
  return { outcome: 'denied', transitioned: false };
}

/**
 * A probe still running extends its lease: the lease covers the whole call, however long (a stream),
 * and only a probe whose process died loses it. Only a live lease of the current HALF_OPEN episode
 * is extended. @returns whether the lease was held (and now expires `probeLeaseMs` from `now`)
 */
export function applyRenew(d: BreakerData, now: number, cfg: RuleConfig, leaseId: string): boolean {
  pruneLeases(d, now);
  if (d.state !== 'half_open' || !d.leases.has(leaseId)) return false;
  d.leases.set(leaseId, now + cfg.probeLeaseMs);
  return true;
}

export type ProbeOutcome = 'success' | 'failure' | 'neutral';

/**
 * A probe reports. Only a probe whose lease is still held counts (an expired probe was replaced).
 * success: may close; failure: re-opens (new openedAt); neutral: frees the slot. @returns whether the state changed
 */
export function applyRelease(d: BreakerData, now: number, cfg: RuleConfig, leaseId: string, outcome: ProbeOutcome): boolean {
  pruneLeases(d, now);
  if (d.state !== 'half_open' || !d.leases.has(leaseId)) return false;
  d.leases.delete(leaseId);
  if (outcome === 'failure') {
    open(d, now);
    return true;
  }
  if (outcome === 'success') {
    d.successes++;
    if (d.successes >= cfg.successThreshold) {
      close(d, now);
      return true;
    }
  }
  return false;
}

/**
 * Operator: hold the circuit open until `forceClose`/`reset` (no probes meanwhile). Idempotent: when
 * already forced open nothing changes. @returns whether the state or the forced flag changed
 */
export function applyForceOpen(d: BreakerData, now: number): boolean {
  if (d.state === 'open' && d.forced) return false;
  open(d, now);
  d.forced = true;
  return true;
}

/** Operator: close the circuit and clear its counters. @returns whether the state changed */
export function applyForceClose(d: BreakerData, now: number): boolean {
  const changed = d.state !== 'closed';
  if (changed) close(d, now);
  else {
    d.failures = 0;
    d.window.clear();
    d.young.clear();
  }
  return changed;
}

/** Forget everything (a fresh CLOSED state, openedAt 0); the version still increases. @returns whether the state changed */
export function applyReset(d: BreakerData, now: number): boolean {
  const changed = d.state !== 'closed';
  close(d, now);
  d.openedAt = 0;
  return changed;
}
