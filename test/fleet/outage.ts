/**
 * One outage of the primary, played on the whole fleet, and its accounting: requests wasted on the
 * dead provider before the circuit(s) opened, and probes per reset window afterwards.
 */
import type { FleetEvent, LoadStats } from './protocol.js';
import { sleep, totals, waitFor, type Fleet, type FleetConfig, type Transition, type TrafficEntry } from './fleet.js';

export interface OutageRun {
  store: 'redis' | 'memory';
  instances: number;
  inFlightPerInstance: number;
  failureThreshold: number;
  resetTimeoutMs: number;
  halfOpenMaxProbes: number;
  /** When the primary went down (parent clock). */
  tDown: number;
  /** When each instance's circuit opened (parent clock; shared: one time for all). */
  tOpen: number[];
  tEnd: number;
  /** Requests that reached the dead primary before its circuit(s) opened (the opening burst). */
  wasted: TrafficEntry[];
  /** Requests that reached the dead primary afterwards (probes), until the load stopped. */
  probes: TrafficEntry[];
  /** Per instance (memory) or for the fleet (redis, one entry): probe requests in each complete reset window. */
  windows: number[][];
  /** Shared store only: the transitions the monitor saw. */
  transitions: Transition[];
  stats: LoadStats[];
  /** `storeError` events during the run (a degraded instance decides alone: diagnostics). */
  /** Shared store: when each instance's mirror first went OPEN, ms after the shared open. */
  mirrorsOpened: Array<[number, number]>;
  storeErrors: Array<Extract<FleetEvent, { kind: 'storeError' }>>;
}

export const OUTAGE_LOAD = { inFlight: 2, pauseMs: 5 };

/**
 * Primary up, fleet warm; primary goes `down` (503 at once); wait for the circuit(s) to open; keep
 * the outage going for `windows` reset windows; stop the load.
 */
export async function playOutage(
  fleet: Fleet,
  config: Partial<FleetConfig> & { store: 'redis' | 'memory' },
  { windows = 4, failLatencyMs = 0 }: { windows?: number; failLatencyMs?: number } = {},
): Promise<OutageRun> {
  const { store } = config;
  await fleet.configure(config);
  fleet.traffic.failLatencyMs = failLatencyMs;
  const { breaker } = fleet.config;
  const workers = fleet.alive.map((w) => w.index);
  await fleet.start(OUTAGE_LOAD.inFlight, OUTAGE_LOAD.pauseMs);
  try {
    // Warm: every instance has been served by the primary.
    await waitFor(() => workers.every((w) => fleet.traffic.log.filter((e) => e.worker === w && e.route === 'openai').length >= 3), 15_000, 'every instance to call the primary');
    const tDown = Date.now();
    fleet.traffic.setMode('openai', 'down');

    let tOpen: number[];
    if (store === 'redis') {
      const first = await waitFor(() => fleet.monitor.of('openai', 'open')[0], 10_000, 'the shared circuit to open');
      tOpen = workers.map(() => first.t);
    } else {
      const opened = await waitFor(() => {
        const t = workers.map((w) => fleet.eventsOf('state', 'openai').find((e) => e.worker === w && e.to === 'open')?.t);
        return t.every((x) => x !== undefined) ? (t as number[]) : undefined;
      }, 10_000, 'every per-process circuit to open');
      tOpen = opened;
    }
    // The outage lasts until every circuit re-opened `windows` times (each failed probe re-opens:
    // `windows` complete reset windows), plus a moment.
    const cap = 10 * windows * breaker.resetTimeoutMs;
    if (store === 'redis') {
      await waitFor(() => fleet.monitor.of('openai', 'open').length > windows, cap, `${windows} failed probes`);
    } else {
      await waitFor(
        () => workers.every((w) => fleet.eventsOf('state', 'openai').filter((e) => e.worker === w && e.to === 'open').length > windows),
        cap,
        `${windows} failed probes on every instance`,
      );
    }
    await sleep(breaker.resetTimeoutMs / 4);
    const tEnd = Date.now();
    const stats = await fleet.stop();

    const half = breaker.resetTimeoutMs / 2;
    const down = fleet.traffic.log.filter((e) => e.route === 'openai' && e.mode !== 'ok' && e.t < tEnd);
    const openOf = (e: TrafficEntry) => tOpen[workers.indexOf(e.worker)] ?? tOpen[0]!;
    // Before an instance's circuit opened (+ half a reset window, before any probe is possible),
    // a request to the dead provider is waste; after it, a probe.
    const wasted = down.filter((e) => e.t < openOf(e) + half);
    const probes = down.filter((e) => e.t >= openOf(e) + half);

    let perWindow: number[][];
    const transitions = [...fleet.monitor.transitions];
    if (store === 'redis') {
      // Windows are delimited by the shared OPEN transitions (each failed probe re-opens).
      const opens = fleet.monitor.of('openai', 'open').filter((x) => x.t < tEnd);
      const counts: number[] = [];
      for (let i = 0; i + 1 < opens.length; i++) {
        const from = i === 0 ? opens[0]!.t + half : opens[i]!.t;
        counts.push(down.filter((e) => e.t >= from && e.t < opens[i + 1]!.t).length);
      }
      perWindow = [counts];
    } else {
      perWindow = workers.map((w) => {
        const opens = fleet.eventsOf('state', 'openai').filter((e) => e.worker === w && e.to === 'open' && e.t < tEnd);
        const mine = down.filter((e) => e.worker === w);
        const counts: number[] = [];
        for (let i = 0; i + 1 < opens.length; i++) {
          const from = i === 0 ? opens[0]!.t + half : opens[i]!.t;
          counts.push(mine.filter((e) => e.t >= from && e.t < opens[i + 1]!.t).length);
        }
        return counts;
      });
    }
    return {
      store,
      instances: workers.length,
      inFlightPerInstance: OUTAGE_LOAD.inFlight,
      failureThreshold: breaker.failureThreshold,
      resetTimeoutMs: breaker.resetTimeoutMs,
      halfOpenMaxProbes: breaker.halfOpenMaxProbes,
      tDown,
      tOpen,
      tEnd,
      wasted,
      probes,
      windows: perWindow,
      transitions,
      stats,
      storeErrors: fleet.eventsOf('storeError'),
      mirrorsOpened: workers.map((w) => [w, (fleet.eventsOf('state', 'openai').find((e) => e.worker === w && e.to === 'open')?.t ?? NaN) - tOpen[0]!]),
    };
  } finally {
    await fleet.stop().catch(() => undefined);
  }
}

/** Fleet-wide probes per reset window: probe requests / complete windows per instance. */
export function probesPerWindow(run: OutageRun): number {
  const windowsPerInstance = run.windows.reduce((a, w) => a + w.length, 0) / run.windows.length;
  const probesInWindows = run.windows.reduce((a, w) => a + w.reduce((x, y) => x + y, 0), 0);
  return windowsPerInstance === 0 ? 0 : probesInWindows / windowsPerInstance;
}

export function summary(run: OutageRun): Record<string, unknown> {
  const t = totals(run.stats);
  return {
    store: run.store,
    instances: run.instances,
    inFlightPerInstance: run.inFlightPerInstance,
    failureThreshold: run.failureThreshold,
    resetTimeoutMs: run.resetTimeoutMs,
    wastedBeforeOpen: run.wasted.length,
    msToOpen: Math.max(...run.tOpen) - run.tDown,
    outageMs: run.tEnd - run.tDown,
    requestsToDeadProviderDuringOutage: run.wasted.length + run.probes.length,
    probeRequests: run.probes.length,
    completeWindowsPerInstance: run.windows.reduce((a, w) => a + w.length, 0) / run.windows.length,
    probesPerWindowFleetWide: probesPerWindow(run),
    calls: t.calls,
    callsFailed: t.failed,
    storeErrors: run.storeErrors.length,
    servedBy: t.byProvider,
  };
}
