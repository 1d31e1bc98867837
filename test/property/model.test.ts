/**
 * Model-based property test of the circuit breaker (issue 5, part 4).
 *
 * fast-check generates random operation sequences — calls that succeed, fail, fail with an excluded
 * error or hang; k calls at once (concurrent probes while HALF_OPEN); late reports of hung calls;
 * time advances; forceOpen / forceClose / reset — and applies each step to:
 *   - a small, independent REFERENCE MODEL of DESIGN §2 written below (it does not use state.ts);
 *   - a CircuitBreaker on memoryStore with a fake clock (exact time, many runs);
 *   - a CircuitBreaker on redisStore against a private redis-server (Redis TIME = real time: tiny
 *     durations, and a guard that waits out any deadline an operation could straddle).
 * After every step the call outcomes, the `stateChange` events, the local mirror and the store's
 * snapshot are compared with the model.
 *
 * Reproduce: FC_SEED=<seed> [FC_PATH=<path>] [FC_RUNS=200] [FC_REDIS_RUNS=20] npx vitest run test/property
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { memoryStore } from '../../src/breaker/memory-store.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { isCircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { sleep } from '../helpers/wait.js';

// ------------------------------------------------------------------------------------------------
// Reproducibility
// ------------------------------------------------------------------------------------------------

const SEED = Number.parseInt(process.env.FC_SEED ?? '20251128', 10);
const PATH = process.env.FC_PATH;
const MEMORY_RUNS = Number.parseInt(process.env.FC_RUNS ?? '200', 10);
const REDIS_RUNS = Number.parseInt(process.env.FC_REDIS_RUNS ?? '20', 10);

async function check<T>(label: string, arb: fc.Arbitrary<T>, numRuns: number, body: (v: T) => Promise<void>): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arb, body), { seed: SEED, numRuns, ...(PATH ? { path: PATH } : {}), endOnFailure: false });
  } catch (err) {
    // fast-check's message already carries "seed" and "path"; say how to replay it with this file.
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`[${label}] property failed — replay with FC_SEED=${SEED}${PATH ? ` FC_PATH=${PATH}` : ''} (see "path" below)\n${message}`, {
      cause: err,
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Operations
// ------------------------------------------------------------------------------------------------

type Outcome = 'success' | 'failure' | 'excluded' | 'hang';
type Report = Exclude<Outcome, 'hang'>;

type Op =
  | { t: 'calls'; outcomes: Outcome[] } // one call, or k calls launched at once
  | { t: 'settle'; index: number; outcome: Report } // a hung call reports (late)
  | { t: 'advance'; ms: number }
  | { t: 'advanceTo'; target: 'reset' | 'lease'; delta: -1 | 0 | 1 } // to a deadline ±1 ms (fake clock only)
  | { t: 'forceOpen' }
  | { t: 'forceClose' }
  | { t: 'reset' };

interface Cfg {
  failureThreshold: number;
  successThreshold: number;
  halfOpenMaxProbes: number;
  resetTimeoutMs: number;
  probeLeaseMs: number;
  /** Failure-rate mode (replaces the consecutive rule) when set. */
  failureRate?: { threshold: number; windowMs: number; minimumCalls: number } | undefined;
}

/** Failure-rate configs: sometimes, with thresholds on exact ratios and small minimumCalls. */
function failureRateArb(windowMs: fc.Arbitrary<number>): fc.Arbitrary<Cfg['failureRate']> {
  return fc.option(
    fc.record({ threshold: fc.constantFrom(0.25, 0.5, 0.75, 1), windowMs, minimumCalls: fc.integer({ min: 1, max: 6 }) }),
    { nil: undefined, freq: 2 },
  );
}

const outcomeArb: fc.Arbitrary<Outcome> = fc.constantFrom('success', 'success', 'failure', 'failure', 'excluded', 'hang');
const reportArb: fc.Arbitrary<Report> = fc.constantFrom('success', 'failure', 'excluded');

function opArb(cfg: Cfg, exactClock: boolean): fc.Arbitrary<Op> {
  const maxAdvance = Math.ceil(Math.max(cfg.resetTimeoutMs, cfg.probeLeaseMs) * 1.3);
  const advance = exactClock
    ? fc.oneof(
        fc.integer({ min: 0, max: maxAdvance }),
        fc.constantFrom(cfg.resetTimeoutMs, cfg.probeLeaseMs, cfg.resetTimeoutMs - 1, cfg.probeLeaseMs + 1, 1),
      )
    : fc.constantFrom(0, 5, Math.round(cfg.resetTimeoutMs / 2), cfg.resetTimeoutMs + 5, cfg.resetTimeoutMs + 5, cfg.probeLeaseMs + 5);
  const ops: Array<fc.WeightedArbitrary<Op>> = [
    { weight: 20, arbitrary: outcomeArb.map((o): Op => ({ t: 'calls', outcomes: [o] })) },
    { weight: 6, arbitrary: fc.array(outcomeArb, { minLength: 2, maxLength: 4 }).map((outcomes): Op => ({ t: 'calls', outcomes })) },
    { weight: 4, arbitrary: fc.record({ index: fc.nat({ max: 7 }), outcome: reportArb }).map(({ index, outcome }): Op => ({ t: 'settle', index, outcome })) },
    { weight: 12, arbitrary: advance.map((ms): Op => ({ t: 'advance', ms })) },
    { weight: 1, arbitrary: fc.constant<Op>({ t: 'forceOpen' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ t: 'forceClose' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ t: 'reset' }) },
  ];
  if (exactClock) {
    ops.push({
      weight: 4,
      arbitrary: fc
        .record({ target: fc.constantFrom<'reset' | 'lease'>('reset', 'lease'), delta: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1) })
        .map((r): Op => ({ t: 'advanceTo', ...r })),
    });
  }
  return fc.oneof(...ops);
}

// ------------------------------------------------------------------------------------------------
// The reference model (DESIGN §2), written independently of src/breaker/state.ts
// ------------------------------------------------------------------------------------------------

type State = 'closed' | 'open' | 'half_open';

/** What the runs exercised: each test asserts that every case was hit at least once (no vacuous pass). */
const coverage = new Map<string, number>();
function cover(what: string): void {
  coverage.set(what, (coverage.get(what) ?? 0) + 1);
}
/** Every case, for the memory run (hundreds of runs); the Redis run (a few dozen, real time) must reach the core ones. */
const MUST_COVER_REDIS = ['closed->open', 'open->half_open'];
const MUST_COVER = [
  'closed->open',
  'open->half_open',
  'half_open->closed',
  'half_open->open',
  'stale probe report ignored',
  'late closed-call report ignored',
  'half-open rejection (slots taken)',
  'failure-rate trip',
];
function expectCoverage(label: string, runs: number): void {
  if (process.env.FC_COVERAGE) console.info(label, Object.fromEntries(coverage));
  if (PATH !== undefined || runs < 10) return coverage.clear(); // a replay or a tiny run proves nothing either way
  const missing = (label === 'redis' ? MUST_COVER_REDIS : MUST_COVER).filter((k) => !coverage.get(k));
  if (label === 'redis' && !coverage.get('half_open->closed') && !coverage.get('half_open->open')) missing.push('a probe outcome');
  expect(missing, `${label}: cases never exercised; coverage ${JSON.stringify(Object.fromEntries(coverage))}`).toEqual([]);
  coverage.clear();
}

/**
 * An instant known to lie in [lo, hi] (ms). With the fake clock lo = hi. With Redis, an event
 * happened somewhere between the start and the end of the step that caused it.
 */
interface Instant {
  lo: number;
  hi: number;
}
const shift = (t: Instant, ms: number): Instant => ({ lo: t.lo + ms, hi: t.hi + ms });
/** Whether deadline `d` has been reached at `now` (the harness guarantees `now` is never inside (lo, hi]). */
const reached = (d: Instant, now: number) => now >= d.hi;

/** A call the model admitted and that has not reported yet. */
type Admission = { kind: 'closed' } | { kind: 'probe'; lease: number } | { kind: 'rejected'; retryAfterMs: { min: number; max: number } };

class Model {
  state: State = 'closed';
  forced = false;
  /** Consecutive counted failures while CLOSED. */
  failures = 0;
  /** Probe successes in the current HALF_OPEN episode. */
  successes = 0;
  /** When it last opened; null when never opened or after reset. */
  openedAt: Instant | null = null;
  /**
   * Live probe leases: id → when granted. A probe's lease lasts as long as its call runs (the
   * breaker renews it), so in one live instance a lease ends only with its report or its episode.
   */
  leases = new Map<number, Instant>();
  transitions: string[] = [];
  /**
   * Failure-rate mode: outcomes of CLOSED calls in the rolling window (when they reported). The
   * window is 10 buckets of windowMs / 10: a call leaves it when its bucket is 10 buckets old.
   */
  private window: Array<{ at: number; failure: boolean }> = [];
  private nextLease = 1;

  constructor(readonly cfg: Cfg) {}

  private go(to: State): void {
    if (to !== this.state) {
      this.transitions.push(`${this.state}->${to}`);
      cover(`${this.state}->${to}`);
    }
    this.state = to;
  }

  private open(at: Instant): void {
    this.go('open');
    this.forced = false;
    this.openedAt = at;
    this.successes = 0;
    this.leases.clear();
    this.window = [];
  }

  private close(): void {
    this.go('closed');
    this.forced = false;
    this.failures = 0;
    this.successes = 0;
    this.leases.clear();
    this.window = [];
  }

  /** Failure-rate mode: [calls, failures] in the window at `now`. */
  windowCounts(now: number): [number, number] {
    const fr = this.cfg.failureRate;
    if (!fr) return [0, 0];
    const size = Math.max(1, Math.ceil(fr.windowMs / 10));
    const current = Math.floor(now / size);
    this.window = this.window.filter((e) => Math.floor(e.at / size) > current - 10);
    return [this.window.length, this.window.filter((e) => e.failure).length];
  }

  /** Leases of running probes never lapse in a live instance (they are renewed): nothing to prune. */
  private pruneLeases(_now: number): void {}

  /** OPEN: when a probe may be admitted. */
  probeDeadline(): Instant | undefined {
    if (this.state !== 'open' || this.forced || this.openedAt === null) return undefined;
    return shift(this.openedAt, this.cfg.resetTimeoutMs);
  }

  /** Every future instant at which the model's answer changes by itself (for the real-time guard). */
  deadlines(): Instant[] {
    const out: Instant[] = [];
    const d = this.probeDeadline();
    if (d) out.push(d);
    return out;
  }

  /** A call arrives at `now` (calls of one step are admitted in launch order). */
  admit(now: number, at: Instant): Admission {
    this.pruneLeases(now);
    if (this.state === 'closed') return { kind: 'closed' };
    if (this.state === 'open') {
      if (this.forced) return { kind: 'rejected', retryAfterMs: { min: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY } };
      const d = this.probeDeadline() as Instant;
      if (!reached(d, now)) return { kind: 'rejected', retryAfterMs: { min: Math.max(0, d.lo - now), max: d.hi - now } };
      // The first call after the reset timeout is a probe, and the circuit is HALF_OPEN.
      this.go('half_open');
      this.successes = 0;
      this.leases.clear();
    }
    if (this.leases.size < this.cfg.halfOpenMaxProbes) {
      const lease = this.nextLease++;
      this.leases.set(lease, at);
      return { kind: 'probe', lease };
    }
    cover('half-open rejection (slots taken)');
    // Every slot is taken: wait at most one lease (a renewed lease expires probeLeaseMs after its last renewal).
    return { kind: 'rejected', retryAfterMs: { min: 0, max: this.cfg.probeLeaseMs } };
  }

  /** An admitted call reports its outcome at `now`. */
  report(a: Admission, outcome: Report, now: number, at: Instant): void {
    if (a.kind === 'rejected') return;
    if (a.kind === 'closed') {
      // A call admitted while CLOSED counts only if the circuit is still CLOSED when it reports.
      if (this.state !== 'closed') {
        cover('late closed-call report ignored');
        return;
      }
      const fr = this.cfg.failureRate;
      if (outcome === 'success') {
        this.failures = 0;
        if (fr) this.window.push({ at: now, failure: false });
      } else if (outcome === 'failure') {
        this.failures++;
        if (fr) {
          // The ratio over the window replaces the consecutive rule.
          this.window.push({ at: now, failure: true });
          const [calls, failures] = this.windowCounts(now);
          if (calls >= fr.minimumCalls && failures / calls >= fr.threshold) {
            cover('failure-rate trip');
            this.open(at);
          }
        } else if (this.failures >= this.cfg.failureThreshold) this.open(at);
      }
      return;
    }
    // A probe counts only while its lease is held (same HALF_OPEN episode, not expired).
    this.pruneLeases(now);
    if (this.state !== 'half_open' || !this.leases.has(a.lease)) {
      cover('stale probe report ignored');
      return;
    }
    this.leases.delete(a.lease);
    if (outcome === 'failure') this.open(at);
    else if (outcome === 'success') {
      this.successes++;
      if (this.successes >= this.cfg.successThreshold) this.close();
    }
  }

  forceOpen(at: Instant): void {
    if (this.state === 'open' && this.forced) return;
    this.open(at);
    this.forced = true;
  }

  forceClose(): void {
    if (this.state !== 'closed') this.close();
    this.failures = 0;
    this.window = [];
  }

  reset(): void {
    this.close();
    this.openedAt = null;
  }

  /** The snapshot the store should report at `now`. */
  expect(now: number) {
    this.pruneLeases(now);
    return {
      state: this.state,
      forced: this.forced,
      failures: this.state === 'closed' ? this.failures : undefined,
      successes: this.state === 'half_open' ? this.successes : undefined,
      probesInFlight: this.state === 'half_open' ? this.leases.size : 0,
      window: this.windowCounts(now),
    };
  }
}

// ------------------------------------------------------------------------------------------------
// Harness: one CircuitBreaker driven in step with the model
// ------------------------------------------------------------------------------------------------

class Boom extends Error {
  override name = 'Boom';
}
class Ignored extends Error {
  override name = 'Ignored';
}

interface Env {
  /** True for the fake clock: time moves only in `advance`. */
  exact: boolean;
  now(): number;
  advance(ms: number): Promise<void>;
  breaker(name: string, cfg: Cfg): CircuitBreaker;
  /** Real-time guard: no model deadline may lie within this many ms after an operation starts. */
  guardMs: number;
}

/** A call whose outcome the test decides after admission. */
class Call {
  started = false;
  private resolveFn: ((v: string) => void) | undefined;
  private rejectFn: ((e: Error) => void) | undefined;
  private startedResolve!: () => void;
  readonly startedP = new Promise<void>((r) => (this.startedResolve = r));
  readonly result: Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
  admission: Admission | undefined;

  constructor(b: CircuitBreaker) {
    this.result = b
      .execute(
        () =>
          new Promise<string>((resolve, reject) => {
            this.started = true;
            this.resolveFn = resolve;
            this.rejectFn = reject;
            this.startedResolve();
          }),
      )
      .then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
  }

  /** Resolves once the breaker either ran the function or rejected the call. */
  async admitted(): Promise<boolean> {
    await Promise.race([this.startedP, this.result]);
    return this.started;
  }

  settle(outcome: Report): void {
    if (outcome === 'success') this.resolveFn?.('ok');
    else this.rejectFn?.(outcome === 'failure' ? new Boom('boom') : new Ignored('ignored'));
  }
}

/**
 * Real time: how long after a model deadline the breaker may still act on the old side of it. The
 * local mirror re-bases the store's `retryAfterMs` on its own clock when a reply arrives, so its
 * deadline can trail the store's by up to the latency of that reply (bounded by the longest step).
 */
const GUARD_AFTER_MS = 10;

async function runSequence(env: Env, cfg: Cfg, ops: Op[], name: string): Promise<void> {
  const model = new Model(cfg);
  const b = env.breaker(name, cfg);
  const events: string[] = [];
  const storeErrors: unknown[] = [];
  b.on('stateChange', (e) => events.push(`${e.from}->${e.to}`));
  b.on('storeError', (e) => storeErrors.push(e.error));
  const hung: Call[] = [];
  const log: string[] = [];

  let maxStepMs = 0;
  /** Real time: wait until no deadline lies in [now - guard, hi + margin]. */
  const guard = async () => {
    if (env.exact) return;
    for (;;) {
      const now = env.now();
      let until = 0;
      const after = GUARD_AFTER_MS + maxStepMs;
      for (const d of model.deadlines()) if (now >= d.lo - env.guardMs && now <= d.hi + after) until = Math.max(until, d.hi + after + 1);
      if (until === 0) return;
      await sleep(until - now);
    }
  };
  /** Real time: the deadlines not yet reached when a step starts must still be ahead when it ends. */
  const pendingDeadlines = (t0: number) => (env.exact ? [] : model.deadlines().filter((d) => !reached(d, t0)));
  const ambiguous = (pending: Instant[], t0: number) => {
    const t1 = env.now();
    maxStepMs = Math.max(maxStepMs, t1 - t0);
    return pending.some((d) => t1 + 1 >= d.lo);
  };
  /**
   * A step that ran into a deadline (a stalled machine) has no single expected result: the run is
   * discarded (fc.pre) and fast-check draws another; too many discards fail the property loudly.
   */
  const stepWindow = (pending: Instant[], t0: number) => {
    if (ambiguous(pending, t0)) {
      cover('discarded: a step straddled a deadline');
      fc.pre(false);
    }
  };
  const ctx = () => `\n  config ${JSON.stringify(cfg)}\n  steps:\n    ${log.join('\n    ')}`;

  try {
    for (const op of ops) {
      log.push(JSON.stringify(op));
      events.length = 0;
      model.transitions = [];

      if (op.t === 'advance' || op.t === 'advanceTo') {
        let ms = op.t === 'advance' ? op.ms : 0;
        if (op.t === 'advanceTo') {
          const target =
            op.target === 'reset'
              ? model.probeDeadline()
              : model.state === 'half_open' && model.leases.size > 0
                ? shift([...model.leases.values()].reduce((a, g) => (g.hi < a.hi ? g : a)), cfg.probeLeaseMs)
                : undefined;
          if (target === undefined) continue;
          ms = Math.max(0, target.hi + op.delta - env.now());
        }
        await env.advance(ms);
      } else {
        await guard();
        const t0 = env.now();
        const pending = pendingDeadlines(t0);
        const at: Instant = { lo: t0, hi: t0 };
        if (op.t === 'forceOpen') {
          await b.forceOpen();
          model.forceOpen(at);
        } else if (op.t === 'forceClose') {
          await b.forceClose();
          model.forceClose();
        } else if (op.t === 'reset') {
          await b.reset();
          model.reset();
        } else if (op.t === 'settle') {
          if (hung.length === 0) continue;
          const call = hung.splice(op.index % hung.length, 1)[0] as Call;
          call.settle(op.outcome);
          const r = await call.result;
          model.report(call.admission as Admission, op.outcome, t0, at);
          expectResult(r, op.outcome, ctx);
        } else {
          // k calls launched at once; the model admits them in launch order at t0.
          const calls = op.outcomes.map(() => new Call(b));
          const admissions = calls.map((c) => (c.admission = model.admit(t0, at)));
          const admitted = await Promise.all(calls.map((c) => c.admitted()));
          expect(admitted, `admitted calls${ctx()}`).toEqual(admissions.map((a) => a.kind !== 'rejected'));
          for (let i = 0; i < calls.length; i++) {
            const call = calls[i] as Call;
            const a = admissions[i] as Admission;
            const outcome = op.outcomes[i] as Outcome;
            if (a.kind === 'rejected') {
              const r = await call.result;
              expect(r.ok, `call ${i} should be rejected${ctx()}`).toBe(false);
              const err = (r as { error: unknown }).error;
              expect(isCircuitOpenError(err), `call ${i}: expected CircuitOpenError, got ${String(err)}${ctx()}`).toBe(true);
              const retry = (err as { retryAfterMs: number }).retryAfterMs;
              if (a.retryAfterMs.min === Number.POSITIVE_INFINITY) expect(retry, `retryAfterMs${ctx()}`).toBe(Number.POSITIVE_INFINITY);
              else {
                expect(retry, `retryAfterMs${ctx()}`).toBeGreaterThanOrEqual(a.retryAfterMs.min - (env.exact ? 0 : GUARD_AFTER_MS));
                expect(retry, `retryAfterMs${ctx()}`).toBeLessThanOrEqual(a.retryAfterMs.max + (env.exact ? 0 : GUARD_AFTER_MS + maxStepMs));
              }
            } else if (outcome === 'hang') {
              hung.push(call);
            } else {
              call.settle(outcome);
              const r = await call.result;
              model.report(a, outcome, t0, at);
              expectResult(r, outcome, ctx);
            }
          }
        }
        at.hi = env.now();
        stepWindow(pending, t0);
      }

      // --- compare: transitions seen by this instance, its mirror, then the store's snapshot ---
      expect(events, `stateChange events${ctx()}`).toEqual(model.transitions);
      expect(b.localState, `local mirror${ctx()}`).toBe(model.state);
      expect(storeErrors, `storeError events${ctx()}`).toEqual([]);
      await guard();
      const tObs = env.now();
      const pendingObs = pendingDeadlines(tObs);
      const want = model.expect(tObs);
      const s = await b.snapshot();
      if (ambiguous(pendingObs, tObs)) continue; // the read straddled a deadline: nothing exact to compare
      const got = {
        state: s.state,
        forced: s.forced,
        failures: s.state === 'closed' ? s.failures : undefined,
        successes: s.state === 'half_open' ? s.successes : undefined,
        probesInFlight: s.probesInFlight,
        window: [s.windowCalls, s.windowFailures],
      };
      expect(got, `snapshot${ctx()}`).toEqual(want);
      if (model.openedAt === null) expect(s.openedAt, `openedAt${ctx()}`).toBeNull();
      else {
        expect(s.openedAt, `openedAt${ctx()}`).toBeGreaterThanOrEqual(model.openedAt.lo - (env.exact ? 0 : 2));
        expect(s.openedAt, `openedAt${ctx()}`).toBeLessThanOrEqual(model.openedAt.hi + (env.exact ? 0 : 2));
      }
      if (env.exact) {
        const d = model.probeDeadline();
        if (model.state === 'open') expect(s.retryAfterMs, `retryAfterMs${ctx()}`).toBe(d ? Math.max(0, d.hi - tObs) : Number.POSITIVE_INFINITY);
        if (model.state === 'closed') expect(s.retryAfterMs).toBe(0);
      }
    }
  } finally {
    for (const c of hung) c.settle('success');
    await Promise.all(hung.map((c) => c.result));
    await b.close();
  }
}

function expectResult(r: { ok: true; value: unknown } | { ok: false; error: unknown }, outcome: Report, ctx: () => string): void {
  if (outcome === 'success') expect(r, `result${ctx()}`).toEqual({ ok: true, value: 'ok' });
  else {
    expect(r.ok, `result${ctx()}`).toBe(false);
    expect((r as { error: unknown }).error, `result${ctx()}`).toBeInstanceOf(outcome === 'failure' ? Boom : Ignored);
  }
}

function scenarioArb(cfgArb: fc.Arbitrary<Cfg>, exact: boolean, minOps: number, maxOps: number) {
  return cfgArb.chain((cfg) => fc.record({ cfg: fc.constant(cfg), ops: fc.array(opArb(cfg, exact), { minLength: minOps, maxLength: maxOps, size: 'max' }) }));
}

let runCounter = 0;
const isFailure = (e: unknown) => !(e instanceof Ignored);

// ------------------------------------------------------------------------------------------------
// The runs
// ------------------------------------------------------------------------------------------------

describe('breaker vs reference model', () => {
  it(`memory store, fake clock (${MEMORY_RUNS} runs, seed ${SEED})`, async () => {
    const cfgArb: fc.Arbitrary<Cfg> = fc.record({
      failureThreshold: fc.integer({ min: 1, max: 4 }),
      successThreshold: fc.integer({ min: 1, max: 3 }),
      halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
      resetTimeoutMs: fc.integer({ min: 1, max: 5000 }),
      // At least 300: the breaker renews a running probe's lease every third of it, and each
      // renewal is a (fake) timer tick.
      probeLeaseMs: fc.integer({ min: 300, max: 8000 }),
      failureRate: failureRateArb(fc.integer({ min: 100, max: 20_000 })),
    });
    await check('memory', scenarioArb(cfgArb, true, 10, 40), MEMORY_RUNS, async ({ cfg, ops }) => {
      // Fake timers and a fake Date: the store's clock and the breaker's lease-renewal timers move together.
      vi.useFakeTimers({ now: 1_700_000_000_000 });
      const now = () => Date.now();
      const store = memoryStore({ clock: now });
      const env: Env = {
        exact: true,
        now,
        advance: async (ms) => {
          await vi.advanceTimersByTimeAsync(ms);
        },
        breaker: (name, c) => new CircuitBreaker(name, { store, ...c, isFailure }),
        guardMs: 0,
      };
      try {
        await runSequence(env, cfg, ops, `model-mem-${++runCounter}`);
      } finally {
        await store.close();
        vi.useRealTimers();
      }
    });
    expectCoverage('memory', MEMORY_RUNS);
  }, 60_000);

  describe('redis store, Redis TIME', () => {
    let server: RedisServer;
    let client: Redis;
    let store: RedisStore;
    let frStore: RedisStore;
    beforeAll(async () => {
      server = await startRedisServer();
      client = await server.createClient();
      // A generous store timeout: a slow CI machine must not push the breaker onto its local fallback.
      store = redisStore(client, { prefix: 'model', timeoutMs: 2000, writeBehindMs: 15 });
      // Failure-rate configs: successes written at once, so the store has no success lag (the model
      // has none; the lag rule is proven in redis-store.rules.test.ts and the fleet test).
      frStore = redisStore(client, { prefix: 'model-fr', timeoutMs: 2000, writeBehindMs: 0 });
    });
    afterAll(async () => {
      await store?.close();
      await frStore?.close();
      await server?.close();
    });

    it(`agrees with the model (${REDIS_RUNS} runs, seed ${SEED})`, async () => {
      const cfgArb: fc.Arbitrary<Cfg> = fc.record({
        failureThreshold: fc.integer({ min: 1, max: 3 }),
        successThreshold: fc.integer({ min: 1, max: 2 }),
        halfOpenMaxProbes: fc.integer({ min: 1, max: 2 }),
        resetTimeoutMs: fc.constantFrom(70, 100),
        // Renewed every third: long enough that a loaded machine's late timer does not lose a lease.
        probeLeaseMs: fc.constantFrom(300, 400),
        // A window no run outlives (Redis time is real time).
        failureRate: failureRateArb(fc.constant(600_000)),
      });
      await check('redis', scenarioArb(cfgArb, false, 10, 18), REDIS_RUNS, async ({ cfg, ops }) => {
        const env: Env = {
          exact: false,
          now: Date.now,
          advance: (ms) => sleep(ms),
          breaker: (name, c) => new CircuitBreaker(name, { store: c.failureRate ? frStore : store, ...c, isFailure }),
          guardMs: 40,
        };
        await runSequence(env, cfg, ops, `model-redis-${process.pid}-${++runCounter}`);
      });
      expectCoverage('redis', REDIS_RUNS);
    }, 120_000);
  });
});
