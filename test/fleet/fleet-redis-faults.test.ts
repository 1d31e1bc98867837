/**
 * Redis faults under load (issue 5, part 2). A fleet of real processes keeps calling while its
 * shared Redis is SIGKILLed and restarted, or frozen with SIGSTOP (slow, not down). The primary is
 * flaky (every 10th request fails with a 500), so calls keep touching Redis: every counted failure
 * is an awaited atomic script, and the successes after it are written behind.
 *
 * In every case: zero LLM calls fail because of Redis, no call waits longer than the store timeout
 * plus a small margin (measured against the same load with a healthy Redis), and the breakers
 * resume shared state afterwards (an operator's forceOpen on one instance reaches all the others).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadStats } from './protocol.js';
import { Fleet, sleep, totals, waitFor, type Totals } from './fleet.js';
import { recordFigure } from './results.js';

const N = 4;
const IN_FLIGHT = 3;
const PAUSE_MS = 5;
/** Store timeout: the library's default. */
const STORE_TIMEOUT_MS = 150;
/** Scheduling noise allowed on top of one store timeout (plus the instance's measured event-loop stalls). */
const MARGIN_MS = 100;
/** How long Redis stays dead / frozen. A call that waited for it to come back would take longer. */
const FAULT_MS = 1500;

const FAULT_CONFIG = {
  store: 'redis',
  storeTimeoutMs: STORE_TIMEOUT_MS,
  recoveryIntervalMs: 250,
  // The circuit must stay closed: this file is about Redis, not about the provider.
  breaker: { failureThreshold: 50, resetTimeoutMs: 400, successThreshold: 2, halfOpenMaxProbes: 1, probeLeaseMs: 2500 },
} as const;

describe(`a fleet of ${N} processes while Redis fails`, { timeout: 40_000 }, () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await Fleet.start(N);
  }, 60_000);

  afterAll(async () => {
    await fleet?.close();
  }, 20_000);

  /** Runs the load for `ms`, then `during` (the fault), and returns what each instance measured. */
  async function load(ms: number, during?: () => Promise<void>): Promise<LoadStats[]> {
    await fleet.start(IN_FLIGHT, PAUSE_MS);
    try {
      await sleep(ms);
      if (during) await during();
    } catch (err) {
      await fleet.stop().catch(() => undefined);
      throw err;
    }
    return fleet.stop();
  }

  async function baseline(): Promise<Totals> {
    await fleet.configure(FAULT_CONFIG);
    fleet.traffic.setFlaky('openai', 10);
    await load(600); // warm-up: JIT, connections
    return totals(await load(1500));
  }

  /** Every instance is back on the shared state; one forceOpens; how long until each other instance sees it. */
  async function sharedStateResumes(): Promise<{ msUntilAllRecovered: number; maxPropagationMs: number; closePropagationMs: number }> {
    const t0 = Date.now();
    await waitFor(async () => (await fleet.health()).every((h) => h.providers.every((p) => !p.degraded)), 10_000, 'every instance to return to Redis');
    const msUntilAllRecovered = Date.now() - t0;
    const [first, ...others] = fleet.alive;
    const tOpen = Date.now();
    await first!.call({ cmd: 'forceOpen', provider: 'openai' });
    const seen = await waitFor(() => {
      const t = others.map((w) => fleet.eventsOf('state', 'openai').find((e) => e.worker === w.index && e.to === 'open' && e.t >= tOpen)?.t);
      return t.every((x) => x !== undefined) ? (t as number[]) : undefined;
    }, 5000, 'every instance to see the forced open');
    const tClose = Date.now();
    await first!.call({ cmd: 'forceClose', provider: 'openai' });
    const closed = await waitFor(() => {
      const t = others.map((w) => fleet.eventsOf('state', 'openai').find((e) => e.worker === w.index && e.to === 'closed' && e.t >= tClose)?.t);
      return t.every((x) => x !== undefined) ? (t as number[]) : undefined;
    }, 5000, 'every instance to see the forced close');
    return { msUntilAllRecovered, maxPropagationMs: Math.max(...seen) - tOpen, closePropagationMs: Math.max(...closed) - tClose };
  }

  /**
   * The assertions of every fault. Timing bounds are per instance and allow for the instance's own
   * event-loop stalls (measured: a starved process sees every timer late, Redis or not), so they
   * stay tight on a quiet box and honest on a loaded one.
   */
  function check(stats: LoadStats[], base: Totals, label: string): void {
    const fault = totals(stats);
    const diag = `${label}: ${JSON.stringify({ fault, base, perInstance: stats.map(({ failures: _f, byProvider: _b, ...rest }) => rest) })}`;
    expect(fault.calls, diag).toBeGreaterThan(0);
    expect(fault.failed, diag).toBe(0);
    expect(fault.redisCaused, diag).toBe(0);
    // The fault was felt: store calls failed, and the breakers carried on locally.
    expect(fault.storeErrors, diag).toBeGreaterThan(0);
    for (const s of stats) {
      const stall = s.loopDelayMaxMs;
      // No store operation (those a call awaits included) took longer than the store timeout…
      expect(s.maxStoreWaitMs, diag).toBeLessThanOrEqual(STORE_TIMEOUT_MS + MARGIN_MS + stall);
      expect(s.maxCallStoreWaitMs, diag).toBeLessThanOrEqual(STORE_TIMEOUT_MS + MARGIN_MS + stall);
      // …so no call took longer than the slowest call with a healthy Redis plus one store timeout,
      // and none waited for Redis to come back.
      expect(s.maxLatencyMs, diag).toBeLessThanOrEqual(base.maxLatencyMs + STORE_TIMEOUT_MS + MARGIN_MS + stall);
      expect(s.maxLatencyMs, diag).toBeLessThan(FAULT_MS + stall);
    }
  }

  function figures(base: Totals, fault: Totals): Record<string, unknown> {
    const pick = (t: Totals) => ({
      calls: t.calls,
      failed: t.failed,
      failedBecauseOfRedis: t.redisCaused,
      storeErrors: t.storeErrors,
      p99LatencyMs: t.p99LatencyMs,
      maxLatencyMs: t.maxLatencyMs,
      maxStoreWaitMs: t.maxStoreWaitMs,
      maxStoreWaitOp: t.maxStoreWaitOp,
      maxCallStoreWaitMs: t.maxCallStoreWaitMs,
      storeOps: t.storeOps,
      maxEventLoopStallMs: t.loopDelayMaxMs,
      servedBy: t.byProvider,
    });
    return {
      baseline: pick(base),
      fault: pick(fault),
      latencyBoundMs: base.maxLatencyMs + STORE_TIMEOUT_MS + MARGIN_MS,
      storeWaitBoundMs: STORE_TIMEOUT_MS + MARGIN_MS,
      boundsAllowForStallsOfMs: fault.loopDelayMaxMs,
    };
  }

  it('Redis SIGKILLed and restarted under load: no call fails or waits on it; shared state resumes', async () => {
    const base = await baseline();
    const faultStats = await load(400, async () => {
      await fleet.redis.kill();
      await sleep(FAULT_MS);
      await fleet.redis.restart();
      await sleep(1500);
    });
    const fault = totals(faultStats);
    const resumed = await sharedStateResumes();
    recordFigure('redis-kill', {
      instances: N,
      inFlightPerInstance: IN_FLIGHT,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      downMs: FAULT_MS,
      ...figures(base, fault),
      ...resumed,
    });
    check(faultStats, base, 'kill');
    expect(resumed.maxPropagationMs).toBeLessThanOrEqual(2000);
    expect(resumed.closePropagationMs).toBeLessThanOrEqual(2000);
  });

  it('Redis frozen (SIGSTOP, slow rather than down) under load: calls wait at most one store timeout; shared state resumes', async () => {
    const base = await baseline();
    const faultStats = await load(400, async () => {
      fleet.redis.pause();
      try {
        await sleep(FAULT_MS);
      } finally {
        fleet.redis.resume();
      }
      await sleep(1500);
    });
    const fault = totals(faultStats);
    const resumed = await sharedStateResumes();
    recordFigure('redis-pause', {
      instances: N,
      inFlightPerInstance: IN_FLIGHT,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      frozenMs: FAULT_MS,
      ...figures(base, fault),
      ...resumed,
    });
    check(faultStats, base, 'pause');
    expect(resumed.maxPropagationMs).toBeLessThanOrEqual(2000);
    expect(resumed.closePropagationMs).toBeLessThanOrEqual(2000);
  });

  it.each(['forced open by an operator', 'opened by failures'] as const)(
    'Redis restarted empty while the circuit is %s: every instance follows the shared state again',
    async (how) => {
      // A long reset timeout: without the shared state, the mirrors would stay OPEN for the whole test.
      await fleet.configure({ ...FAULT_CONFIG, breaker: { ...FAULT_CONFIG.breaker, failureThreshold: 3, resetTimeoutMs: 20_000 } });
      const states = () => Promise.all(fleet.alive.map((w) => w.call<string>({ cmd: 'localState', provider: 'openai' })));
      if (how === 'forced open by an operator') {
        await fleet.alive[0]!.call({ cmd: 'forceOpen', provider: 'openai' });
        await fleet.start(IN_FLIGHT, PAUSE_MS);
      } else {
        fleet.traffic.setMode('openai', 'down');
        await fleet.start(IN_FLIGHT, PAUSE_MS);
        await waitFor(() => fleet.monitor.of('openai', 'open')[0], 5000, 'the circuit to open');
        fleet.traffic.setMode('openai', 'ok');
      }
      try {
        await waitFor(async () => (await states()).every((x) => x === 'open'), 3000, 'every instance to see the circuit open');
        // Redis loses everything (no persistence): the shared state is now a fresh "closed".
        await fleet.redis.kill();
        await sleep(300);
        await fleet.redis.restart();
        const tBack = Date.now();
        const msToConverge = await waitFor(async () => (await states()).every((x) => x === 'closed'), 5000, 'every instance to follow Redis').then(
          () => Date.now() - tBack,
          () => null,
        );
        const final = await states();
        expect(msToConverge, `instances' mirrors: ${JSON.stringify(final)}`).not.toBeNull();
        await waitFor(() => fleet.alive.every((w) => fleet.traffic.between('openai', tBack).some((e) => e.worker === w.index)), 2000, 'every instance back on the primary');
        const backOnPrimary = new Set(fleet.traffic.between('openai', tBack).map((e) => e.worker));
        recordFigure(`redis-restart-${how === 'opened by failures' ? 'tripped' : 'forced'}`, { how, msToConverge, states: final, instances: fleet.alive.length, instancesBackOnPrimary: backOnPrimary.size });
      } finally {
        await fleet.stop().catch(() => undefined);
      }
    },
  );
});
