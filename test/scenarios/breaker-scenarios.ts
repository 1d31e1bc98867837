/**
 * The breaker scenario suite, run unchanged against every store (memory with a fake clock, Redis
 * with a private server and short real timeouts). It is how we prove the stores behave identically.
 *
 * Env contract:
 * - `store`: a fresh store (shared by every breaker of one test);
 * - `secondStore()`: another store over the same shared state (a second "instance": for memory the
 *   same store object, for Redis a store on a second client);
 * - `advance(ms)`: moves time forward (fake clock, or a real sleep);
 * - `resetTimeoutMs` / `probeLeaseMs`: durations to use (short for real time);
 * - `propagate()`: waits until a change made through one store reached the other instances' mirrors
 *   (memory: nothing to wait for; Redis: pub/sub delivery);
 * - `teardown()`: stops everything the env started.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/breaker/circuit-breaker.js';
import { resetAllBreakers } from '../../src/breaker/registry.js';
import type { BreakerStore } from '../../src/breaker/store.js';
import { CircuitOpenError, isCircuitOpenError } from '../../src/errors/circuit-open-error.js';

export interface ScenarioEnv {
  store: BreakerStore;
  secondStore(): Promise<BreakerStore>;
  advance(ms: number): Promise<void>;
  resetTimeoutMs: number;
  probeLeaseMs: number;
  /** Failure-rate mode: how long a failure is left out of the trip decision (the store's success lag; 0 for memory). */
  failureRateLagMs: number;
  propagate(): Promise<void>;
  teardown(): Promise<void>;
}

class Boom extends Error {
  constructor(message = 'boom') {
    super(message);
    this.name = 'Boom';
  }
}
class Ignored extends Error {
  constructor() {
    super('ignored');
    this.name = 'Ignored';
  }
}

const ok = () => Promise.resolve('ok');
const fail = () => Promise.reject(new Boom());

let counter = 0;

export function defineBreakerScenarios(label: string, makeEnv: () => Promise<ScenarioEnv>): void {
  describe(`breaker scenarios [${label}]`, () => {
    let env: ScenarioEnv;
    const breakers: CircuitBreaker[] = [];

    beforeEach(async () => {
      env = await makeEnv();
    });
    afterEach(async () => {
      await Promise.all(breakers.splice(0).map((b) => b.close()));
      await env.teardown();
    });

    function make(options: CircuitBreakerOptions = {}, name = `b${process.pid}-${++counter}-${Date.now() % 100000}`, store = env.store) {
      const b = new CircuitBreaker(name, {
        store,
        resetTimeoutMs: env.resetTimeoutMs,
        probeLeaseMs: env.probeLeaseMs,
        isFailure: (e) => !(e instanceof Ignored),
        ...options,
      });
      breakers.push(b);
      return b;
    }

    async function failTimes(b: CircuitBreaker, n: number) {
      for (let i = 0; i < n; i++) await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom);
    }

    async function openIt(b: CircuitBreaker) {
      await failTimes(b, b.options.failureThreshold);
      expect(await b.getState()).toBe('open');
    }

    it('one failure leaves it closed and counts it', async () => {
      const b = make();
      await failTimes(b, 1);
      const s = await b.snapshot();
      expect(s.state).toBe('closed');
      expect(s.failures).toBe(1);
    });

    it('opens exactly at failureThreshold consecutive failures', async () => {
      const b = make({ failureThreshold: 3 });
      await failTimes(b, 2);
      expect(await b.getState()).toBe('closed');
      await failTimes(b, 1);
      const s = await b.snapshot();
      expect(s.state).toBe('open');
      expect(s.openedAt).toBeGreaterThan(0);
    });

    it('uses the documented defaults (5 failures)', async () => {
      const b = make({ resetTimeoutMs: env.resetTimeoutMs });
      expect(b.options.failureThreshold).toBe(5);
      expect(b.options.successThreshold).toBe(2);
      expect(b.options.halfOpenMaxProbes).toBe(1);
      await failTimes(b, 4);
      expect(await b.getState()).toBe('closed');
      await failTimes(b, 1);
      expect(await b.getState()).toBe('open');
    });

    it('a success resets the consecutive-failure count', async () => {
      const b = make({ failureThreshold: 3 });
      await failTimes(b, 2);
      await expect(b.execute(ok)).resolves.toBe('ok');
      await failTimes(b, 2);
      expect(await b.getState()).toBe('closed');
      expect((await b.snapshot()).failures).toBe(2);
      await failTimes(b, 1);
      expect(await b.getState()).toBe('open');
    });

    it('open rejects with CircuitOpenError without calling the function', async () => {
      const b = make({ failureThreshold: 2 });
      await openIt(b);
      let calls = 0;
      const err = await b.execute(async () => {
        calls++;
        return 1;
      }).catch((e: unknown) => e);
      expect(calls).toBe(0);
      expect(err).toBeInstanceOf(CircuitOpenError);
      expect(isCircuitOpenError(err)).toBe(true);
      const coe = err as CircuitOpenError;
      expect(coe.breakerName).toBe(b.name);
      expect(coe.code).toBe('circuit_open');
      expect(coe.retryAfterMs).toBeGreaterThan(0);
      expect(coe.retryAfterMs).toBeLessThanOrEqual(env.resetTimeoutMs);
    });

    it('after resetTimeoutMs a probe goes through (HALF_OPEN)', async () => {
      const b = make({ failureThreshold: 2 });
      await openIt(b);
      await env.advance(env.resetTimeoutMs + 20);
      let during: string | undefined;
      await expect(
        b.execute(async () => {
          during = b.localState;
          return 'probe';
        }),
      ).resolves.toBe('probe');
      expect(during).toBe('half_open');
      const s = await b.snapshot();
      expect(s.state).toBe('half_open');
      expect(s.successes).toBe(1);
    });

    it('a probe failure re-opens the circuit with a new openedAt', async () => {
      const b = make({ failureThreshold: 2 });
      await openIt(b);
      const firstOpenedAt = (await b.snapshot()).openedAt ?? 0;
      await env.advance(env.resetTimeoutMs + 20);
      await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom);
      const s = await b.snapshot();
      expect(s.state).toBe('open');
      expect(s.openedAt ?? 0).toBeGreaterThan(firstOpenedAt);
      await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    });

    it('successThreshold probe successes close it', async () => {
      const b = make({ failureThreshold: 2, successThreshold: 2 });
      await openIt(b);
      await env.advance(env.resetTimeoutMs + 20);
      await b.execute(ok);
      expect(await b.getState()).toBe('half_open');
      await b.execute(ok);
      const s = await b.snapshot();
      expect(s.state).toBe('closed');
      expect(s.failures).toBe(0);
    });

    it('admits at most halfOpenMaxProbes probes at once; the others are rejected', async () => {
      const b = make({ failureThreshold: 1, halfOpenMaxProbes: 1 });
      await openIt(b);
      await env.advance(env.resetTimeoutMs + 20);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let ran = 0;
      const probe = b.execute(async () => {
        ran++;
        await gate;
        return 'p';
      });
      await new Promise((r) => setImmediate(r));
      await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      // another instance over the same shared state is refused too
      const other = make({ failureThreshold: 1, halfOpenMaxProbes: 1 }, b.name, await env.secondStore());
      await expect(other.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      release();
      await expect(probe).resolves.toBe('p');
      expect(ran).toBe(1);
    });

    it('allows halfOpenMaxProbes > 1 concurrent probes', async () => {
      const b = make({ failureThreshold: 1, halfOpenMaxProbes: 2, successThreshold: 3 });
      await openIt(b);
      await env.advance(env.resetTimeoutMs + 20);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const p1 = b.execute(() => gate.then(() => 1));
      await new Promise((r) => setImmediate(r));
      const p2 = b.execute(() => gate.then(() => 2));
      await new Promise((r) => setTimeout(r, 20));
      await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      release();
      expect(await Promise.all([p1, p2])).toEqual([1, 2]);
      expect((await b.snapshot()).successes).toBe(2);
    });

    it('excluded errors count as neither success nor failure', async () => {
      const b = make({ failureThreshold: 3 });
      await failTimes(b, 2);
      await expect(b.execute(() => Promise.reject(new Ignored()))).rejects.toBeInstanceOf(Ignored);
      expect((await b.snapshot()).failures).toBe(2); // not reset, not counted
      await failTimes(b, 1);
      expect(await b.getState()).toBe('open');
      // in HALF_OPEN, an excluded error frees the probe slot without closing or re-opening
      await env.advance(env.resetTimeoutMs + 20);
      await expect(b.execute(() => Promise.reject(new Ignored()))).rejects.toBeInstanceOf(Ignored);
      const s = await b.snapshot();
      expect(s.state).toBe('half_open');
      expect(s.probesInFlight).toBe(0);
      await expect(b.execute(ok)).resolves.toBe('ok');
    });

    it('forceOpen holds it open past resetTimeoutMs; forceClose closes it', async () => {
      const b = make();
      await b.forceOpen();
      const s = await b.snapshot();
      expect(s.state).toBe('open');
      expect(s.forced).toBe(true);
      await env.advance(env.resetTimeoutMs + 20);
      const err = (await b.execute(ok).catch((e: unknown) => e)) as CircuitOpenError;
      expect(err).toBeInstanceOf(CircuitOpenError);
      expect(err.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
      await b.forceClose();
      expect(await b.getState()).toBe('closed');
      await expect(b.execute(ok)).resolves.toBe('ok');
    });

    it('an operator forceOpen reaches another instance', async () => {
      const a = make();
      const b = make({}, a.name, await env.secondStore());
      await expect(b.execute(ok)).resolves.toBe('ok');
      await a.forceOpen();
      await env.propagate();
      expect(b.localState).toBe('open');
      await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      await a.forceClose();
      await env.propagate();
      expect(b.localState).toBe('closed');
    });

    it('reset clears an open breaker; resetAllBreakers clears every breaker', async () => {
      const a = make({ failureThreshold: 1 });
      const c = make({ failureThreshold: 1 });
      await openIt(a);
      await openIt(c);
      await a.reset();
      const s = await a.snapshot();
      expect(s.state).toBe('closed');
      expect(s.openedAt).toBeNull();
      expect(await c.getState()).toBe('open');
      await openIt(a);
      await resetAllBreakers();
      expect(await a.getState()).toBe('closed');
      expect(await c.getState()).toBe('closed');
      await expect(a.execute(ok)).resolves.toBe('ok');
    });

    it('emits typed events: stateChange, success, failure, reject', async () => {
      const b = make({ failureThreshold: 2, successThreshold: 1 });
      const seen: string[] = [];
      const subs = [
        b.on('stateChange', (e) => seen.push(`${e.from}->${e.to}`)),
        b.on('success', (e) => seen.push(`success${e.probe ? ':probe' : ''}`)),
        b.on('failure', (e) => seen.push(`failure:${e.counted ? 'counted' : 'excluded'}`)),
        b.on('reject', (e) => seen.push(`reject:${e.retryAfterMs > 0 ? 'wait' : 'now'}`)),
      ];
      await b.execute(ok);
      await failTimes(b, 2);
      await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      await env.advance(env.resetTimeoutMs + 20);
      await b.execute(ok);
      expect(seen).toEqual([
        'success',
        'failure:counted',
        'closed->open',
        'failure:counted',
        'reject:wait',
        'open->half_open',
        'half_open->closed',
        'success:probe',
      ]);
      subs.forEach((s) => s.dispose());
      await b.execute(ok);
      expect(seen).toHaveLength(8);
    });

    it('shares state between instances over the same store', async () => {
      const a = make({ failureThreshold: 3 });
      const b = make({ failureThreshold: 3 }, a.name, await env.secondStore());
      await failTimes(a, 2);
      await failTimes(b, 1);
      await env.propagate();
      expect(await a.getState()).toBe('open');
      expect(a.localState).toBe('open');
      expect(b.localState).toBe('open');
      let calls = 0;
      await expect(a.execute(async () => void calls++)).rejects.toBeInstanceOf(CircuitOpenError);
      expect(calls).toBe(0);
    });

    it('a probe whose holder died (never reports, never renews) frees its lease after probeLeaseMs', async () => {
      const a = make({ failureThreshold: 1 });
      const b = make({ failureThreshold: 1 }, a.name, await env.secondStore());
      await openIt(a);
      await env.advance(env.resetTimeoutMs + 20);
      void a.execute(() => new Promise(() => undefined)); // hangs forever, never reports
      await new Promise((r) => setTimeout(r, 10));
      await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      expect((await b.snapshot()).probesInFlight).toBe(1);
      // Its holder dies: nobody renews the lease any more (a live holder renews it while the call runs).
      await a.close();
      await env.advance(env.probeLeaseMs + 20);
      await expect(b.execute(ok)).resolves.toBe('ok');
    });

    it('100 concurrent failures open the circuit exactly once', async () => {
      const b = make({ failureThreshold: 5 });
      const transitions: string[] = [];
      b.on('stateChange', (e) => transitions.push(`${e.from}->${e.to}`));
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => b.execute(fail)));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(transitions).toEqual(['closed->open']);
      expect(await b.getState()).toBe('open');
    });

    it('failure-rate mode opens when the ratio over the window reaches the threshold', async () => {
      const b = make({ failureRate: { threshold: 0.5, windowMs: 10 * env.resetTimeoutMs, minimumCalls: 6 } });
      for (let i = 0; i < 3; i++) await b.execute(ok);
      await failTimes(b, 2); // 2/5 and below minimumCalls
      expect(await b.getState()).toBe('closed');
      await failTimes(b, 1); // 3/6 = 0.5
      if (env.failureRateLagMs > 0) {
        // A shared store judges a failure once the fleet's successes of its time have arrived.
        expect(await b.getState()).toBe('closed');
        await env.advance(2 * env.failureRateLagMs + 20);
        await failTimes(b, 1); // 3/6 judged (this one is young)
      }
      expect(await b.getState()).toBe('open');
    });

    it('failure-rate mode respects minimumCalls and forgets calls outside the window', async () => {
      const windowMs = 4 * env.resetTimeoutMs;
      const b = make({ failureRate: { threshold: 0.5, windowMs, minimumCalls: 4 } });
      await failTimes(b, 3); // 3/3 but below minimumCalls
      expect(await b.getState()).toBe('closed');
      const s = await b.snapshot();
      expect(s.windowCalls).toBe(3);
      expect(s.windowFailures).toBe(3);
      await env.advance(windowMs + windowMs / 5);
      for (let i = 0; i < 3; i++) await b.execute(ok);
      await failTimes(b, 1); // old failures left the window: 1/4
      expect(await b.getState()).toBe('closed');
    });

    it('protect() wraps a function with the same contract', async () => {
      const b = make({ failureThreshold: 1 });
      const add = b.protect(async (x: number, y: number) => x + y);
      await expect(add(2, 3)).resolves.toBe(5);
      const bad = b.protect(async (_x: number) => {
        throw new Boom();
      });
      await expect(bad(1)).rejects.toBeInstanceOf(Boom);
      await expect(add(1, 1)).rejects.toBeInstanceOf(CircuitOpenError);
    });

    it('passes the caller signal to the function', async () => {
      const b = make();
      const ac = new AbortController();
      let got: AbortSignal | undefined;
      await b.execute(async (signal) => {
        got = signal;
      }, ac.signal);
      expect(got).toBe(ac.signal);
      await b.execute(async (signal) => {
        got = signal;
      });
      expect(got?.aborted).toBe(false);
    });
  });
}
