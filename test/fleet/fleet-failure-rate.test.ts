/**
 * Failure-rate mode across a fleet (issue 10 §5): 6 real processes share one circuit on a private
 * redis-server. One instance's calls to the primary all fail, the other five's all succeed, at a
 * similar pace: the fleet's true failure ratio is about 0.1 (measured), far below the 0.5 threshold.
 * Failures reach the shared window at once, successes are batched for writeBehindMs; a cold window (a fresh
 * key prefix per run) or one just cleared (an operator's forceClose mid-run) must not trip on
 * failures alone. A control run with five failing instances (true ratio measured, above 0.5) must trip.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, useFleet, waitFor, type FleetConfig } from './fleet.js';
import { recordFigure } from './results.js';

const N = 6;
const RUNS = 5;
/** Primary requests per run (per half, when the window is cleared midway). */
const REQUESTS = 120;
const FAILURE_RATE = { threshold: 0.5, windowMs: 5000, minimumCalls: 5 };
const CONFIG: Partial<FleetConfig> = {
  store: 'redis',
  breaker: { ...DEFAULT_CONFIG.breaker, failureRate: FAILURE_RATE },
  retries: 0,
  // Successes are batched for half a second (the default is 100 ms): long enough that, even on a
  // loaded machine, the failing instance reaches minimumCalls before any success is written.
  writeBehindMs: 500,
};
/** Each phase lasts at least this long: a failure is judged at most 4 × writeBehindMs after it. */
const PHASE_MS = 4 * 500 + 500;

interface Run {
  opens: number;
  requests: number;
  failures: number;
  ratio: number;
}

describe(`failure-rate mode on a fleet of ${N} processes`, { timeout: 120_000 }, () => {
  const started = useFleet(N);

  /** One run on a cold window: `failing` instances get a 500 from the primary, the others a 200. */
  async function run(failing: ReadonlySet<number>, { clearMidway }: { clearMidway: boolean }): Promise<Run> {
    const { fleet } = started;
    await fleet.configure(CONFIG);
    // The failing primary answers at once and the fallback then serves the call: failing and healthy
    // instances call the primary at about the same pace (true ratio ≈ failing / N).
    fleet.traffic.failLatencyMs = 0;
    fleet.traffic.intercept = (_req, entry) => (entry.route === 'openai' && failing.has(entry.worker) ? 'error500' : undefined);
    const t0 = Date.now();
    // The failing instances start first (as when traffic resumes on a cold window), the others at once after.
    const start = (w: (typeof fleet.workers)[number]) => w.call({ cmd: 'start', concurrency: 2, pauseMs: 5 });
    await Promise.all(fleet.workers.filter((w) => failing.has(w.index)).map(start));
    await Promise.all(fleet.workers.filter((w) => !failing.has(w.index)).map(start));
    // Enough primary requests, or the circuit opened (then the run has its verdict).
    const sentSince = (t: number) => (fleet.monitor.of('openai', 'open', t0).length > 0 ? Number.POSITIVE_INFINITY : fleet.traffic.between('openai', t).length);
    try {
      await waitFor(() => sentSince(t0) >= REQUESTS && Date.now() - t0 >= PHASE_MS, 20_000, `${REQUESTS} requests to the primary`);
      if (clearMidway) {
        // An operator clears the window of the CLOSED circuit: it is cold again, mid-traffic.
        await fleet.workers[N - 1]!.call({ cmd: 'forceClose', provider: 'openai' });
        const t1 = Date.now();
        await waitFor(() => sentSince(t1) >= REQUESTS && Date.now() - t1 >= PHASE_MS, 20_000, `${REQUESTS} more requests to the primary`);
      }
    } finally {
      await fleet.stop();
    }
    const opens = fleet.monitor.of('openai', 'open', t0).length;
    // The true ratio, until the circuit first opened (after that, the failing share is the probes').
    const firstOpen = fleet.monitor.of('openai', 'open', t0)[0]?.t ?? Number.POSITIVE_INFINITY;
    const sent = fleet.traffic.between('openai', t0, firstOpen);
    const failures = sent.filter((e) => e.mode !== 'ok').length;
    return { opens, requests: sent.length, failures, ratio: sent.length === 0 ? 0 : failures / sent.length };
  }

  it(`one instance of six failing 100% (true failure ratio about 0.1) never trips a ${FAILURE_RATE.threshold} threshold: cold window and just-cleared window, ${RUNS} runs`, async () => {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await run(new Set([0]), { clearMidway: i % 2 === 1 }));
    const control = await run(new Set([0, 1, 2, 3, 4]), { clearMidway: false });
    recordFigure('failure-rate-fleet', {
      instances: N,
      failureRate: FAILURE_RATE,
      writeBehindMs: CONFIG.writeBehindMs,
      oneFailing: { runs: runs.length, tripped: runs.filter((r) => r.opens > 0).length, trueFailurePercent: runs.map((r) => 100 * r.ratio), requests: runs.map((r) => r.requests) },
      fiveFailing: { tripped: control.opens > 0, trueFailurePercent: 100 * control.ratio, requestsBeforeOpen: control.requests },
    });
    const diag = JSON.stringify({ runs, control });
    for (const r of runs) {
      expect(r.requests, diag).toBeGreaterThanOrEqual(REQUESTS); // the window went well past minimumCalls, untripped
      expect(r.ratio, diag).toBeLessThan(FAILURE_RATE.threshold); // the fleet's true ratio stayed below
    }
    expect(runs.map((r) => r.opens), diag).toEqual(runs.map(() => 0));
    // Control: when the true ratio is above the threshold, the fleet does trip.
    expect(control.ratio, diag).toBeGreaterThanOrEqual(FAILURE_RATE.threshold);
    expect(control.opens, diag).toBeGreaterThan(0);
  });
});
