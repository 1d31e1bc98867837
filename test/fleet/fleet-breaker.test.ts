/**
 * Fleet proofs (issue 5, part 1): N real processes, each with its own LLM client, sharing breaker
 * state through one private redis-server; the providers are a scripted mock LLM server.
 *
 *   1. a dead primary is cut off fleet-wide (vs per-process memory-store breakers)
 *   2. one probe per reset window across the whole fleet
 *   3. a probe whose holder is SIGKILLed frees its lease after probeLeaseMs; another instance probes
 *   4. recovery: successThreshold probe successes close the circuit and every instance returns to the primary
 *
 * Figures go to FLEET_RESULTS_DIR (see results.ts); `npm run reliability` renders docs/reliability.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, Fleet, sleep, totals, waitFor } from './fleet.js';
import { playOutage, probesPerWindow, summary, OUTAGE_LOAD, type OutageRun } from './outage.js';
import { recordFigure } from './results.js';

const N = 6;

describe(`a fleet of ${N} processes`, { timeout: 40_000 }, () => {
  let fleet: Fleet;
  let shared: OutageRun;
  let perProcess: OutageRun;
  /** halfOpenMaxProbes: 2, and the dead provider takes 100 ms to fail, so probes overlap. */
  let twoProbes: OutageRun;

  beforeAll(async () => {
    fleet = await Fleet.start(N);
    shared = await playOutage(fleet, { store: 'redis' });
    perProcess = await playOutage(fleet, { store: 'memory' });
    twoProbes = await playOutage(fleet, { store: 'redis', breaker: { ...DEFAULT_CONFIG.breaker, halfOpenMaxProbes: 2 } }, { windows: 3, failLatencyMs: 100 });
  }, 60_000);

  afterAll(async () => {
    await fleet?.close();
  }, 20_000);

  it('1. a dead primary is cut off fleet-wide: at most failureThreshold + calls in flight reach it', () => {
    const inFlight = N * OUTAGE_LOAD.inFlight;
    const bound = shared.failureThreshold + inFlight;
    const s = summary(shared);
    const p = summary(perProcess);
    recordFigure('dead-primary', {
      bound,
      boundFormula: `failureThreshold (${shared.failureThreshold}) + calls in flight (${N} instances × ${OUTAGE_LOAD.inFlight})`,
      shared: s,
      perProcess: p,
      ratio: shared.wasted.length === 0 ? null : perProcess.wasted.length / shared.wasted.length,
    });
    // Shared: the failures of all instances add up to one threshold.
    expect(shared.wasted.length, JSON.stringify(s)).toBeGreaterThanOrEqual(shared.failureThreshold);
    expect(shared.wasted.length, JSON.stringify(s)).toBeLessThanOrEqual(bound);
    // Per process: every instance must see failureThreshold failures by itself.
    expect(perProcess.wasted.length, JSON.stringify(p)).toBeGreaterThanOrEqual(N * perProcess.failureThreshold);
    // Each instance's share is bounded by its own threshold + its own calls in flight.
    for (const w of fleet.alive.map((x) => x.index)) {
      expect(perProcess.wasted.filter((e) => e.worker === w).length).toBeLessThanOrEqual(perProcess.failureThreshold + OUTAGE_LOAD.inFlight);
    }
    // No call failed: the fallback served while the primary was down.
    expect(totals(shared.stats).failed, totals(shared.stats).failures.join('\n')).toBe(0);
    expect(totals(perProcess.stats).failed, totals(perProcess.stats).failures.join('\n')).toBe(0);
  });

  it('2. one probe per reset window across the whole fleet', () => {
    const [windows] = shared.windows as [number[]];
    const opens = shared.transitions.filter((x) => x.name === 'openai' && x.state === 'open' && x.t < shared.tEnd);
    const gaps = opens.slice(1).map((o, i) => o.openedAt - opens[i]!.openedAt);
    recordFigure('probes-per-window', {
      halfOpenMaxProbes: shared.halfOpenMaxProbes,
      resetTimeoutMs: shared.resetTimeoutMs,
      shared: {
        windows: windows.length,
        probesPerWindow: windows,
        probesPerWindowFleetWide: probesPerWindow(shared),
        windowLengthsMs: gaps,
        probers: [...new Set(shared.probes.map((e) => e.worker))].sort(),
      },
      twoProbes: {
        halfOpenMaxProbes: twoProbes.halfOpenMaxProbes,
        failLatencyMs: 100,
        windows: twoProbes.windows[0]!.length,
        probesPerWindow: twoProbes.windows[0],
      },
      perProcess: {
        windowsPerInstance: perProcess.windows.map((w) => w.length),
        probesPerWindowPerInstance: perProcess.windows,
        probesPerWindowFleetWide: probesPerWindow(perProcess),
      },
    });
    expect(windows.length, 'complete reset windows observed').toBeGreaterThanOrEqual(3);
    const diag = `probes per window: ${JSON.stringify(windows)}; storeErrors: ${JSON.stringify(shared.storeErrors.map((e) => ({ ...e, t: e.t - shared.tDown })))}; tOpen ${shared.tOpen[0]! - shared.tDown}; down requests ${JSON.stringify(shared.wasted.concat(shared.probes).map((e) => [e.worker, e.t - shared.tOpen[0]!]))}; opens ${JSON.stringify(opens.map((o) => o.t - shared.tOpen[0]!))}; mirrors opened ${JSON.stringify(shared.mirrorsOpened)}`;
    for (const c of windows) expect(c, diag).toBe(shared.halfOpenMaxProbes);
    // Redis-clock spacing: a new window never starts before resetTimeoutMs has passed.
    for (const g of gaps) expect(g, `${diag}; windows ${JSON.stringify(gaps)}; transitions ${JSON.stringify(shared.transitions)}`).toBeGreaterThanOrEqual(shared.resetTimeoutMs);
    // halfOpenMaxProbes: 2 with probes that overlap (the dead provider takes 100 ms to fail): two per window.
    const [two] = twoProbes.windows as [number[]];
    const diag2 = `probes per window: ${JSON.stringify(two)}; storeErrors: ${twoProbes.storeErrors.length}`;
    expect(two.length, diag2).toBeGreaterThanOrEqual(2);
    for (const c of two) expect(c, diag2).toBe(2);
    // Per process, each instance probes on its own: ~N probes per window fleet-wide.
    expect(probesPerWindow(perProcess)).toBeGreaterThan(N / 2);
  });

  it('4. recovery: successThreshold probe successes close the circuit; every instance returns to the primary within 1 s', async () => {
    await fleet.configure({ store: 'redis' });
    const { breaker } = fleet.config;
    const workers = fleet.alive.map((w) => w.index);
    await fleet.start(OUTAGE_LOAD.inFlight, OUTAGE_LOAD.pauseMs);
    try {
      await waitFor(() => fleet.traffic.log.length >= 2 * workers.length, 15_000, 'warm-up');
      fleet.traffic.setMode('openai', 'down');
      const open = await waitFor(() => fleet.monitor.of('openai', 'open')[0], 10_000, 'the circuit to open');
      // At least one failed probe (a re-open), then the provider comes back.
      await waitFor(() => fleet.monitor.of('openai', 'open', open.t + 1)[0], 5000, 'a failed probe');
      const tUp = Date.now();
      fleet.traffic.setMode('openai', 'ok');
      const closed = await waitFor(() => fleet.monitor.of('openai', 'closed', tUp)[0], 5000, 'the circuit to close');
      await sleep(1200);
      const tEnd = Date.now();
      const stats = await fleet.stop();

      // The last window before the close: its probes are the ones that closed the circuit. (A probe
      // slowed past timeoutMs by a stalled CI box would fail and re-open: a new, later window.)
      const lastOpen = fleet.monitor.of('openai', 'open').filter((x) => x.t < closed.t).at(-1)!;
      const probes = fleet.traffic.between('openai', lastOpen.t, closed.t);
      // (The failed probe that caused lastOpen may report a moment after the monitor saw it.)
      const probeEvents = fleet.eventsOf('probe', 'openai').filter((e) => e.t >= lastOpen.t);
      const probeSuccesses = probeEvents.filter((e) => e.outcome === 'success');
      // Each instance: when its mirror closed, and when it was next served by the primary.
      const perInstance = workers.map((w) => {
        const closedAt = fleet.eventsOf('state', 'openai').find((e) => e.worker === w && e.to === 'closed' && e.t >= tUp)?.t;
        const backAt = fleet.traffic.between('openai', closed.t).find((e) => e.worker === w)?.t;
        return { worker: w, mirrorClosedAfterMs: closedAt === undefined ? null : closedAt - closed.t, backOnPrimaryAfterMs: backAt === undefined ? null : backAt - closed.t };
      });
      const lateFallback = fleet.traffic.between('anthropic', closed.t + 1000, tEnd);
      recordFigure('recovery', {
        successThreshold: breaker.successThreshold,
        probeRequestsInLastWindow: probes.length,
        probeSuccessEvents: probeSuccesses.length,
        storeErrors: fleet.eventsOf('storeError').length,
        msFromProviderBackToClosed: closed.t - tUp,
        maxMsToMirrorClosed: Math.max(...perInstance.map((p) => p.mirrorClosedAfterMs ?? Infinity)),
        maxMsBackOnPrimary: Math.max(...perInstance.map((p) => p.backOnPrimaryAfterMs ?? Infinity)),
        perInstance,
        fallbackRequestsLaterThan1s: lateFallback.length,
        callsFailed: totals(stats).failed,
      });
      const diag = JSON.stringify({ probes, probeEvents, storeErrors: fleet.eventsOf('storeError') });
      expect(probeSuccesses.length, diag).toBe(breaker.successThreshold);
      // The provider saw exactly those probes before the close (one more may race the close message).
      expect(probes.length, diag).toBeGreaterThanOrEqual(breaker.successThreshold);
      expect(probes.length, diag).toBeLessThanOrEqual(breaker.successThreshold + 1);
      for (const p of perInstance) {
        expect(p.mirrorClosedAfterMs, `instance ${p.worker}`).not.toBeNull();
        expect(p.mirrorClosedAfterMs!, `instance ${p.worker}`).toBeLessThanOrEqual(1000);
        expect(p.backOnPrimaryAfterMs, `instance ${p.worker}`).not.toBeNull();
        expect(p.backOnPrimaryAfterMs!, `instance ${p.worker}`).toBeLessThanOrEqual(1000);
      }
      expect(lateFallback.length, 'calls served by the fallback more than 1 s after the close').toBe(0);
      expect(totals(stats).failed).toBe(0);
    } finally {
      await fleet.stop().catch(() => undefined);
    }
  });

  it('3. a probe whose holder is SIGKILLed frees its lease after probeLeaseMs; another instance probes', async () => {
    await fleet.configure({ store: 'redis' });
    const { breaker } = fleet.config;
    await fleet.start(OUTAGE_LOAD.inFlight, OUTAGE_LOAD.pauseMs);
    try {
      await waitFor(() => fleet.traffic.log.length >= 2 * N, 15_000, 'warm-up');
      fleet.traffic.setMode('openai', 'down');
      const open = await waitFor(() => fleet.monitor.of('openai', 'open')[0], 10_000, 'the circuit to open');
      // The next request to the primary is the probe: it hangs, and its holder is killed mid-probe.
      let victim: { worker: number; t: number } | undefined;
      let killed: Promise<void> | undefined;
      fleet.traffic.intercept = (req, entry) => {
        if (req.route !== 'openai' || entry.t < open.t + breaker.resetTimeoutMs / 2) return undefined;
        if (victim === undefined) {
          victim = { worker: entry.worker, t: entry.t };
          killed = fleet.workers[entry.worker]!.kill();
          return 'hang';
        }
        return 'ok'; // the provider is back for whoever probes next
      };
      await waitFor(() => victim, 10_000, 'the probe');
      await killed;
      const v = victim!;
      // The victim's lease was granted with the OPEN → HALF_OPEN transition: before the monitor
      // received its message and before the victim's request arrived (whichever this process saw first).
      const halfOpen = fleet.monitor.of('openai', 'half_open', open.t)[0]!;
      const granted = { t: Math.min(halfOpen.t, v.t) };
      // The next probe comes from another instance, once the dead holder's lease has expired.
      const next = await waitFor(
        () => fleet.traffic.log.find((e) => e.route === 'openai' && e.t > v.t),
        breaker.probeLeaseMs + 5000,
        'another instance to probe',
      );
      // The fleet leaves HALF_OPEN: successThreshold probe successes close it, everywhere.
      const closed = await waitFor(() => fleet.monitor.of('openai', 'closed', v.t)[0], 5000, 'the circuit to close');
      const states = await waitFor(async () => {
        const s = await Promise.all(fleet.alive.map((w) => w.call<string>({ cmd: 'localState', provider: 'openai' })));
        return s.every((x) => x === 'closed') ? s : undefined;
      }, 2000, 'every surviving instance to see the circuit closed');
      recordFigure('killed-probe', {
        probeLeaseMs: breaker.probeLeaseMs,
        victim: v.worker,
        nextProber: next.worker,
        msFromLeaseToNextProbe: next.t - granted.t,
        msFromKillToNextProbe: next.t - v.t,
        msFromKillToClosed: closed.t - v.t,
        survivorsClosed: states.length,
        storeErrors: fleet.eventsOf('storeError').length,
      });
      expect(next.worker, 'another instance probes').not.toBe(v.worker);
      // (`granted.t` is at or after the real grant: the slack covers how late this process saw it.)
      expect(next.t - granted.t, 'the dead holder keeps its slot until the lease expires').toBeGreaterThanOrEqual(breaker.probeLeaseMs - 300);
      // The others were told when the slot frees: they re-ask then (at the latest 1 s later).
      expect(next.t - granted.t, 'the lease frees').toBeLessThanOrEqual(breaker.probeLeaseMs + 1000 + 500);
    } finally {
      await fleet.stop().catch(() => undefined);
    }
  });
});
