/**
 * Section 2 — the Redis store's cost per call, counted as client commands with MONITOR (a separate
 * ioredis connection in monitor mode; commands a script runs inside Redis arrive with source `lua`
 * and are not counted — which is why INFO commandstats is not used), plus:
 * - the latency of a CLOSED success with the Redis store next to the memory store (no round trip);
 * - the propagation delay of a state change to a second instance's mirror;
 * - throughput with 50 calls in flight against a local HTTP server, with and without the breaker;
 * - ioredis auto-pipelining on/off.
 * @module
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type * as BreakerNS from '../src/breaker/circuit-breaker.js';
import type { CircuitBreaker } from '../src/breaker/circuit-breaker.js';
import type * as MemoryNS from '../src/breaker/memory-store.js';
import type * as RedisStoreNS from '../src/breaker/redis-store.js';
import type * as ScriptsNS from '../src/breaker/redis-scripts.js';
import type { RuleConfig } from '../src/breaker/state.js';
import type { BreakerStore } from '../src/breaker/store.js';
import { startChildServer, tinyClient, type ChildServer } from './servers.js';
import {
  QUICK,
  fmtInt,
  fmtNs,
  fmtRatio,
  fmtUs,
  interleavedRounds,
  median,
  optionalImport,
  pct,
  runIfMain,
  skippedSection,
  sleep,
  sorted,
  type Candidate,
  type Figure,
  type SectionResult,
  type Table,
} from './util.js';

const ID = 'redis-commands';
const TITLE = '2. Redis store cost per call';
const IN_FLIGHT = 50;
const ROUNDS = QUICK ? 3 : 5;
const THROUGHPUT_WINDOW_MS = QUICK ? 250 : 600;
const PROPAGATION_REPS = QUICK ? 5 : 15;

type BreakerModule = typeof BreakerNS;
type MemoryModule = typeof MemoryNS;
type RedisStoreModule = typeof RedisStoreNS;
type ScriptsModule = typeof ScriptsNS;

const noop = async (): Promise<void> => {};
const boom = new Error('boom');
const fail = async (): Promise<never> => {
  throw boom;
};

async function connect(url: string, extra: Record<string, unknown> = {}): Promise<Redis> {
  // the configuration redisStore's docs recommend: no offline queue, few retries
  const c = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, ...extra });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Counts client commands with MONITOR between two barriers. */
class CommandMonitor {
  private counting = false;
  private counts = new Map<string, number>();
  private markers = new Map<string, () => void>();
  private seq = 0;
  private constructor(
    private readonly mon: Redis,
    private readonly ctl: Redis,
    private readonly scriptNames: Map<string, string>,
  ) {}

  static async start(url: string, scriptNames: Map<string, string>): Promise<CommandMonitor> {
    const base = new Redis(url);
    base.on('error', () => undefined);
    const mon = await base.monitor();
    const ctl = await connect(url);
    const m = new CommandMonitor(mon, ctl, scriptNames);
    mon.on('monitor', (_time: string, args: string[], source: string) => m.onCommand(args, source));
    base.disconnect();
    return m;
  }

  private onCommand(args: string[], source: string): void {
    if (source === 'lua') return; // run inside a script: not a client command
    const cmd = (args[0] ?? '').toLowerCase();
    if (cmd === 'echo' && args[1]?.startsWith('bench-marker-')) {
      this.markers.get(args[1])?.();
      return;
    }
    if (!this.counting) return;
    let key = cmd.toUpperCase();
    if (cmd === 'evalsha') key = `EVALSHA ${this.scriptNames.get(args[1] ?? '') ?? (args[1] ?? '').slice(0, 8)}`;
    else if (cmd === 'eval') key = 'EVAL (full script text: first use on a new connection)';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Resolves once MONITOR has shown everything executed before now. */
  private async barrier(): Promise<void> {
    const id = `bench-marker-${++this.seq}`;
    const seen = new Promise<void>((r) => this.markers.set(id, r));
    await this.ctl.echo(id);
    await Promise.race([seen, sleep(5000)]);
    this.markers.delete(id);
  }

  /** Runs `fn`; returns the client commands Redis executed meanwhile, by command (EVALSHA by script). */
  async count(fn: () => Promise<void>): Promise<{ total: number; by: Map<string, number> }> {
    await this.barrier();
    this.counts = new Map();
    this.counting = true;
    await fn();
    await this.barrier();
    this.counting = false;
    const by = this.counts;
    let total = 0;
    for (const n of by.values()) total += n;
    return { total, by };
  }

  close(): void {
    this.mon.disconnect();
    this.ctl.disconnect();
  }
}

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

function byText(by: Map<string, number>, per = 1): string {
  if (by.size === 0) return 'none';
  return [...by.entries()].map(([k, n]) => `${k} ×${per === 1 ? n : `${(n / per).toFixed(2)} per call`}`).join(', ');
}

/** Runs `worker` with `n` in flight for `ms`; returns completed calls per second. */
async function closedLoop(n: number, ms: number, worker: () => Promise<unknown>): Promise<{ rate: number; done: number; errors: number }> {
  let done = 0;
  let errors = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (performance.now() < end) {
        try {
          await worker();
        } catch {
          errors++;
        }
        done++;
      }
    }),
  );
  return { rate: (done / (performance.now() - t0)) * 1000, done, errors };
}

/** `store`, with every state-changing reply delayed by `ms` (a slow or busy Redis). */
function delayedStore(store: BreakerStore, ms: number): BreakerStore {
  const delayed = new Set(['recordFailure', 'recordSuccesses', 'acquireProbe', 'releaseProbe']);
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const fn = v as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && delayed.has(prop)) {
        return async (...args: unknown[]) => {
          const reply = await fn.apply(target, args);
          await sleep(ms);
          return reply;
        };
      }
      return fn.bind(target);
    },
  });
}

/** Counts `b`'s transitions to OPEN from now on; call the result to read the count (and stop). */
function countOpens(b: CircuitBreaker): () => number {
  let n = 0;
  const sub = b.on('stateChange', (e) => {
    if (e.to === 'open') n++;
  });
  return () => {
    sub.dispose();
    return n;
  };
}

/** Waits for `b`'s next stateChange to `to`; resolves with the time it arrived (or undefined on timeout). */
function nextChange(b: CircuitBreaker, to: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(undefined);
    }, timeoutMs);
    const sub = b.on('stateChange', (e) => {
      if (e.to !== to) return;
      const t = performance.now();
      clearTimeout(timer);
      sub.dispose();
      resolve(t);
    });
  });
}

export async function run(): Promise<SectionResult> {
  const url = process.env['REDIS_URL'];
  if (!url) return skippedSection(ID, TITLE, process.env['BENCH_NO_REDIS'] ?? 'Redis not available (REDIS_URL unset; run through npm run bench)');
  const rsMod = await optionalImport<RedisStoreModule>('../src/breaker/redis-store.js', ['redisStore']);
  if ('missing' in rsMod) return skippedSection(ID, TITLE, rsMod.missing);
  const cbMod = await optionalImport<BreakerModule>('../src/breaker/circuit-breaker.js', ['CircuitBreaker']);
  if ('missing' in cbMod) return skippedSection(ID, TITLE, cbMod.missing);
  const msMod = await optionalImport<MemoryModule>('../src/breaker/memory-store.js', ['memoryStore']);
  if ('missing' in msMod) return skippedSection(ID, TITLE, msMod.missing);
  const { redisStore } = rsMod.mod;
  const { CircuitBreaker } = cbMod.mod;
  const { memoryStore } = msMod.mod;

  // EVALSHA digests → script names, for a readable breakdown
  const scriptNames = new Map<string, string>();
  const scMod = await optionalImport<ScriptsModule>('../src/breaker/redis-scripts.js', ['scripts']);
  if ('mod' in scMod) for (const s of scMod.mod.scripts().values()) scriptNames.set(sha1(s.lua), s.name);

  const run = Date.now().toString(36);
  const prefix = `bench_${run}`;
  const clientA = await connect(url);
  const clientB = await connect(url);
  const storeA = redisStore(clientA, { prefix });
  const storeB = redisStore(clientB, { prefix });
  const monitor = await CommandMonitor.start(url, scriptNames);
  const breakers: CircuitBreaker[] = [];
  const mk = (name: string, o: ConstructorParameters<typeof CircuitBreaker>[1]): CircuitBreaker => {
    const b = new CircuitBreaker(name, o);
    breakers.push(b);
    return b;
  };
  const figures: Figure[] = [];
  const tables: Table[] = [];
  const notes: string[] = [];
  const costRows: string[][] = [];
  let server: ChildServer | undefined;

  try {
    // ------------------------------------------------------------ warm-up: send every script once on
    // this connection (ioredis sends a script's full text with EVAL on its first use per socket)
    {
      const w = mk('warmup', { store: storeA, failureThreshold: 5, resetTimeoutMs: 20 });
      await w.execute(noop);
      await w.execute(fail).catch(() => undefined); // record-failure
      await w.execute(noop); // a success after a failure: record-successes (write-behind)
      await sleep(storeA.writeBehindMs + 50);
      await w.forceOpen();
      await w.forceClose();
      for (let i = 0; i < 5; i++) await w.execute(fail).catch(() => undefined); // opens
      await sleep(30);
      await w.execute(noop).catch(() => undefined); // acquire-probe + release-probe
      await w.reset();
      await w.snapshot(); // read
    }

    // ------------------------------------------------------------ 1. success in steady CLOSED
    const N_OK = 20_000;
    const closed = mk('closed', { store: storeA, failureThreshold: 5 });
    await closed.execute(noop);
    const okCount = await monitor.count(async () => {
      for (let i = 0; i < N_OK; i++) await closed.execute(noop);
      await sleep(storeA.writeBehindMs + 50);
    });
    costRows.push(['success in steady CLOSED', fmtInt(N_OK), (okCount.total / N_OK).toFixed(4), byText(okCount.by), '0 awaited; write-behind ≤ 0.1']);

    // ------------------------------------------------------------ 2. a failure (CLOSED, below the threshold)
    const N_FAIL = QUICK ? 300 : 1000;
    const failing = mk('failing', { store: storeA, failureThreshold: 1_000_000 });
    await failing.execute(noop);
    const failLat: number[] = [];
    const failCount = await monitor.count(async () => {
      for (let i = 0; i < N_FAIL; i++) {
        const t = performance.now();
        await failing.execute(fail).catch(() => undefined);
        failLat.push((performance.now() - t) * 1000);
      }
    });
    const perFailure = failCount.total / N_FAIL;
    costRows.push(['a failure (CLOSED)', fmtInt(N_FAIL), perFailure.toFixed(3), byText(failCount.by), '1']);

    // ------------------------------------------------------------ 3. rejected while OPEN
    const N_REJ = 20_000;
    const open = mk('open', { store: storeA, failureThreshold: 5, resetTimeoutMs: 600_000 });
    for (let i = 0; i < 5; i++) await open.execute(fail).catch(() => undefined);
    if (open.localState !== 'open') throw new Error(`breaker did not open (${open.localState})`);
    let rejected = 0;
    const rejCount = await monitor.count(async () => {
      for (let i = 0; i < N_REJ; i++) await open.execute(noop).catch(() => void rejected++);
    });
    costRows.push(['rejected while OPEN', fmtInt(N_REJ), (rejCount.total / N_REJ).toFixed(4), byText(rejCount.by), '0']);

    // ------------------------------------------------------------ 4. half-open probes
    const PROBES = QUICK ? 4 : 10;
    const probe = mk('probe', { store: storeA, failureThreshold: 1, resetTimeoutMs: 40, successThreshold: 2 });
    await probe.execute(noop);
    const probeOk: number[] = [];
    const probeClose: number[] = [];
    const probeFail: number[] = [];
    const probeBy = { ok: new Map<string, number>(), close: new Map<string, number>(), fail: new Map<string, number>() };
    const addBy = (into: Map<string, number>, by: Map<string, number>): void => {
      for (const [k, n] of by) into.set(k, (into.get(k) ?? 0) + n);
    };
    const probeLat: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      await probe.execute(fail).catch(() => undefined); // CLOSED → OPEN
      await sleep(50);
      let t = 0;
      const a = await monitor.count(async () => {
        t = performance.now();
        await probe.execute(noop); // first probe success: stays HALF_OPEN
        probeLat.push((performance.now() - t) * 1000);
      });
      probeOk.push(a.total);
      addBy(probeBy.ok, a.by);
      const b = await monitor.count(() => probe.execute(noop)); // second success: closes
      probeClose.push(b.total);
      addBy(probeBy.close, b.by);
      await probe.execute(fail).catch(() => undefined); // CLOSED → OPEN
      await sleep(50);
      const c = await monitor.count(() => probe.execute(fail).catch(() => undefined)); // failing probe: re-opens
      probeFail.push(c.total);
      addBy(probeBy.fail, c.by);
      await probe.forceClose();
    }
    const maxProbe = Math.max(...probeOk, ...probeClose, ...probeFail);
    costRows.push(['half-open probe (success)', fmtInt(PROBES), median(probeOk).toFixed(2), byText(probeBy.ok, PROBES), '≤ 2']);
    costRows.push(['half-open probe (success that closes)', fmtInt(PROBES), median(probeClose).toFixed(2), byText(probeBy.close, PROBES), '≤ 2']);
    costRows.push(['half-open probe (failure that re-opens)', fmtInt(PROBES), median(probeFail).toFixed(2), byText(probeBy.fail, PROBES), '≤ 2']);

    // ------------------------------------------------------------ 5. CLOSED success latency: redis vs memory
    const memB = mk('lat-memory', { store: memoryStore(), failureThreshold: 5 });
    const redB = mk('lat-redis', { store: storeA, failureThreshold: 5 });
    await memB.execute(noop);
    await redB.execute(noop);
    const BATCH = 1000;
    const lat = await interleavedRounds(
      [
        { name: 'bare', fn: async () => { for (let i = 0; i < BATCH; i++) await noop(); } },
        { name: 'memory', fn: async () => { for (let i = 0; i < BATCH; i++) await memB.execute(noop); } },
        { name: 'redis', fn: async () => { for (let i = 0; i < BATCH; i++) await redB.execute(noop); } },
      ] satisfies Candidate[],
      { rounds: ROUNDS, timeMs: QUICK ? 40 : 80, batch: BATCH },
    );
    const bare = lat.get('bare') as number[];
    const addedMem = median((lat.get('memory') as number[]).map((v, i) => v - (bare[i] as number)));
    const addedRed = median((lat.get('redis') as number[]).map((v, i) => v - (bare[i] as number)));
    const rtt = median(failLat) * 1000; // ns: one awaited script round trip, for scale

    figures.push({
      metric: 'Success in steady CLOSED: commands per call; ns added',
      measured: `${(okCount.total / N_OK).toFixed(4)} cmd/call; ${fmtNs(addedRed)} added (memory store ${fmtNs(addedMem)}; one round trip ≈ ${fmtNs(rtt)})`,
      ratio: `${fmtRatio(addedRed / addedMem)} memory store`,
      target: '0 awaited round trips',
      verdict: okCount.total === 0 && addedRed < rtt / 10 ? 'pass' : 'FAIL',
    });

    // ------------------------------------------------------------ 6. throughput, 50 in flight, local HTTP server
    let thr: Map<string, number[]> | undefined;
    let wb: { total: number; by: Map<string, number> } | undefined;
    const wbCalls = { ok: 0, failed: 0, rejected: 0 };
    let wbOpens = 0;
    try {
      server = await startChildServer('tiny');
    } catch (err) {
      notes.push(`Throughput: ${(err as Error).message} — skipped.`);
    }
    if (server) {
      const http = tinyClient(server.url, IN_FLIGHT);
      const thrMem = mk('thr-memory', { store: memoryStore(), failureThreshold: 5 });
      const thrRed = mk('thr-redis', { store: storeA, failureThreshold: 5 });
      await thrMem.execute(noop);
      await thrRed.execute(noop);
      await closedLoop(IN_FLIGHT, 300, http.call); // warm the sockets and the JIT
      const cands: Array<[string, () => Promise<unknown>]> = [
        ['no breaker', http.call],
        ['breaker, memory store', () => thrMem.execute(http.call)],
        ['breaker, redis store', () => thrRed.execute(http.call)],
      ];
      thr = new Map(cands.map(([n]) => [n, []]));
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < cands.length; k++) {
          const [name, fn] = cands[(k + r) % cands.length] as [string, () => Promise<unknown>];
          thr.get(name)?.push((await closedLoop(IN_FLIGHT, THROUGHPUT_WINDOW_MS, fn)).rate);
        }
      }
      // write-behind: the same load with 1% of calls failing (never 2 in a row: the circuit must stay closed)
      const wbB = mk('write-behind', { store: storeA, failureThreshold: 5 });
      await wbB.execute(noop);
      const opened = countOpens(wbB);
      let i = 0;
      wb = await monitor.count(async () => {
        const end = performance.now() + (QUICK ? 1000 : 2000);
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (performance.now() < end) {
              try {
                await wbB.execute(async () => {
                  const v = await http.call();
                  if (++i % 100 === 0) throw boom;
                  return v;
                });
                wbCalls.ok++;
              } catch (e) {
                if ((e as { code?: string }).code === 'circuit_open') wbCalls.rejected++;
                else wbCalls.failed++;
              }
            }
          }),
        );
        await sleep(storeA.writeBehindMs + 50);
      });
      wbOpens = opened();
      http.close();
    }
    if (wb) {
      const succ = wb.by.get('EVALSHA record-successes') ?? 0;
      const fails = wb.by.get('EVALSHA record-failure') ?? 0;
      const calls = wbCalls.ok + wbCalls.failed + wbCalls.rejected;
      costRows.push([
        `mixed load, 1% failures (never 2 in a row), ${IN_FLIGHT} in flight (HTTP)`,
        `${fmtInt(calls)} (${fmtInt(wbCalls.ok)} ok, ${fmtInt(wbCalls.failed)} failed, ${fmtInt(wbCalls.rejected)} rejected)`,
        (wb.total / calls).toFixed(4),
        byText(wb.by),
        'write-behind ≤ 0.1 / success; circuit stays closed',
      ]);
      figures.push({
        metric: 'Write-behind of successes (1% failures, 50 in flight)',
        measured: `${(succ / Math.max(1, wbCalls.ok)).toFixed(4)} cmd per success (${fmtInt(succ)} record-successes for ${fmtInt(wbCalls.ok)} successes)`,
        ratio: '–',
        target: '≤ 0.1 cmd/call',
        verdict: succ / Math.max(1, wbCalls.ok) <= 0.1 ? 'pass' : 'FAIL',
      });
      figures.push({
        metric: 'Sparse failures under load keep the circuit closed (1% failures, never 2 in a row, 50 in flight)',
        measured: wbOpens === 0 ? 'stayed closed' : `opened ${wbOpens}× (${fmtInt(wbCalls.rejected)} calls rejected)`,
        ratio: '–',
        target: 'never opens',
        verdict: wbOpens === 0 ? 'pass' : 'FAIL',
      });
      figures.push({
        metric: 'A failure: commands per failure',
        measured: `${perFailure.toFixed(3)} sequential (1 awaited, ${fmtUs(median(failLat))} p50); ${(fails / Math.max(1, wbCalls.failed)).toFixed(3)} under load`,
        ratio: '–',
        target: '1',
        verdict: Math.abs(perFailure - 1) < 0.01 && fails <= wbCalls.failed ? 'pass' : 'FAIL',
      });
    } else {
      figures.push({
        metric: 'A failure: commands per failure',
        measured: `${perFailure.toFixed(3)} (1 awaited, ${fmtUs(median(failLat))} p50)`,
        ratio: '–',
        target: '1',
        verdict: Math.abs(perFailure - 1) < 0.01 ? 'pass' : 'FAIL',
      });
    }
    figures.push({
      metric: 'Rejected while OPEN: commands per call',
      measured: `${(rejCount.total / N_REJ).toFixed(4)} (${fmtInt(rejected)} rejections)`,
      ratio: '–',
      target: '0',
      verdict: rejCount.total === 0 && rejected === N_REJ ? 'pass' : 'FAIL',
    });
    figures.push({
      metric: 'Half-open probe: commands per probe',
      measured: `${median(probeOk)} (max ${maxProbe}); ${fmtUs(median(probeLat))} p50 for a no-op probe`,
      ratio: '–',
      target: '≤ 2',
      verdict: maxProbe <= 2 ? 'pass' : 'FAIL',
    });
    if (thr) {
      const base = thr.get('no breaker') as number[];
      const ratioOf = (n: string): number => median((thr?.get(n) as number[]).map((v, i) => v / (base[i] as number)));
      const rRed = ratioOf('breaker, redis store');
      figures.push({
        metric: `Throughput, ${IN_FLIGHT} in flight (local HTTP server), vs no breaker`,
        measured: `${fmtInt(median(thr.get('breaker, redis store') as number[]))}/s vs ${fmtInt(median(base))}/s`,
        ratio: `${fmtRatio(rRed, 3)} (memory store ${fmtRatio(ratioOf('breaker, memory store'), 3)})`,
        target: '≥ 0.9×',
        verdict: rRed >= 0.9 ? 'pass' : 'FAIL',
      });
      tables.push({
        title: `Throughput with ${IN_FLIGHT} calls in flight, node:http keep-alive client → tiny HTTP server in a child process (${ROUNDS} rounds × ${THROUGHPUT_WINDOW_MS} ms, order rotated)`,
        headers: ['candidate', 'calls/s (median)', 'ratio to no breaker (median of per-round ratios)', 'min – max calls/s'],
        rows: [...thr.entries()].map(([n, xs]) => {
          const s = sorted(xs);
          return [n, fmtInt(median(xs)), fmtRatio(ratioOf(n), 3), `${fmtInt(s[0] as number)} – ${fmtInt(s[s.length - 1] as number)}`];
        }),
      });
    }

    tables.unshift({
      title: 'Client commands per call, counted with MONITOR (script-internal `redis.call`s excluded)',
      headers: ['operation', 'calls', 'commands / call', 'commands seen', 'target'],
      rows: costRows,
    });
    tables.push({
      title: `CLOSED success latency, Redis store next to memory store (sequential \`await breaker.execute(noop)\`, ${ROUNDS} rounds × ${BATCH}-call samples)`,
      headers: ['candidate', 'ns / call', 'ns added over bare'],
      rows: [
        ['bare await noop()', fmtNs(median(bare)), '–'],
        ['breaker, memory store', fmtNs(median(lat.get('memory') as number[])), fmtNs(addedMem)],
        ['breaker, redis store', fmtNs(median(lat.get('redis') as number[])), fmtNs(addedRed)],
        ['for scale: a failure (one awaited record-failure script)', fmtUs(median(failLat)), '–'],
      ],
    });

    // ------------------------------------------------------------ 6b. sparse failures while Redis is slow
    // The same 1%-failure pattern (never two failures in a row), in-process calls, 50 in flight, with
    // the store's replies delayed as a slow or busy Redis would (still far below timeoutMs).
    const slowRows: string[][] = [];
    let slowOpened = 0;
    for (const delayMs of [0, 5, 20]) {
      const slowStore = delayMs === 0 ? storeA : delayedStore(storeA, delayMs);
      const sb = mk(`slow-${delayMs}`, { store: slowStore, failureThreshold: 5 });
      await sb.execute(noop);
      const opened = countOpens(sb);
      let n = 0;
      let ran = 0;
      const end = performance.now() + (QUICK ? 500 : 1000);
      let firstOpenAt: number | undefined;
      const sub = sb.on('stateChange', (e) => {
        if (e.to === 'open' && firstOpenAt === undefined) firstOpenAt = n;
      });
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (performance.now() < end && firstOpenAt === undefined) {
            await sb
              .execute(async () => {
                await new Promise<void>((r) => setImmediate(r));
                ran++;
                if (++n % 100 === 0) throw boom;
              })
              .catch(() => undefined);
          }
        }),
      );
      sub.dispose();
      const opens = opened();
      if (delayMs > 0) slowOpened += opens;
      slowRows.push([
        delayMs === 0 ? 'Redis as is' : `store replies delayed ${delayMs} ms`,
        fmtInt(ran),
        fmtInt(Math.floor(n / 100)),
        opens === 0 ? 'no' : `yes, after ${fmtInt(firstOpenAt ?? 0)} calls (${fmtInt(Math.floor((firstOpenAt ?? 0) / 100))} failures, none consecutive)`,
      ]);
      await sb.forceClose();
    }
    tables.push({
      title: `Sparse failures (every 100th call, never two in a row), ${IN_FLIGHT} in flight, failureThreshold 5: does the circuit open?`,
      headers: ['store', 'calls', 'failures', 'circuit opened'],
      rows: slowRows,
    });
    figures.push({
      metric: 'Sparse failures while Redis is slow (replies +5/+20 ms) keep the circuit closed',
      measured: slowOpened === 0 ? 'stayed closed' : 'OPENED on 1% non-consecutive failures',
      ratio: '–',
      target: 'never opens',
      verdict: slowOpened === 0 ? 'pass' : 'FAIL',
    });

    // ------------------------------------------------------------ 7. propagation delay to a second instance
    const prop = await propagation(CircuitBreaker, url, redisStore, prefix, storeA, storeB, mk);
    tables.push(prop.table);
    figures.push(...prop.figures);
    notes.push(...prop.notes);

    // ------------------------------------------------------------ 8. ioredis auto-pipelining on/off
    const pipe = await autoPipelining(url, redisStore);
    tables.push(pipe.table);
    figures.push(pipe.figure);
    notes.push(pipe.note);

    notes.unshift(
      `Commands are counted by a separate ioredis connection in MONITOR mode, between two \`ECHO\` markers sent on a third connection (MONITOR reports commands in execution order, so the closing marker proves every earlier command was seen). Commands a Lua script runs inside Redis arrive with source \`lua\` and are excluded: each EVALSHA is one client command however many \`redis.call\`s it makes. The write-behind window is waited out inside each measurement, so batched writes are counted. The stores use \`redisStore(client)\` defaults (\`writeBehindMs\` ${storeA.writeBehindMs}, \`timeoutMs\` ${storeA.timeoutMs}) on clients built with \`enableOfflineQueue: false, maxRetriesPerRequest: 1\`.`,
    );
  } finally {
    for (const b of breakers) await b.close().catch(() => undefined);
    await storeA.close();
    await storeB.close();
    monitor.close();
    clientA.disconnect();
    clientB.disconnect();
    await server?.stop();
  }
  return { id: ID, title: TITLE, figures, tables, notes };
}

async function propagation(
  CircuitBreaker: BreakerModule['CircuitBreaker'],
  url: string,
  redisStore: RedisStoreModule['redisStore'],
  prefix: string,
  storeA: BreakerStore,
  storeB: BreakerStore,
  mk: (name: string, o: ConstructorParameters<BreakerModule['CircuitBreaker']>[1]) => CircuitBreaker,
): Promise<{ table: Table; figures: Figure[]; notes: string[] }> {
  const TIMEOUT = 2000;
  const opts = { failureThreshold: 3, resetTimeoutMs: 600_000 };
  const a = mk('propagation', { store: storeA, ...opts });
  const b = mk('propagation', { store: storeB, ...opts });
  await a.execute(noop);
  await b.execute(noop);
  // steady state: wait until B's subscription demonstrably delivers (its subscriber connects lazily)
  for (let i = 0; i < 20; i++) {
    const seen = nextChange(b, 'open', 250);
    await a.forceOpen();
    const ok = await seen;
    const back = nextChange(b, 'closed', 250);
    await a.forceClose();
    await back;
    if (ok !== undefined) break;
  }
  const forced: number[] = [];
  const closedAgain: number[] = [];
  const tripped: number[] = [];
  let missed = 0;
  for (let i = 0; i < PROPAGATION_REPS; i++) {
    // operator forceOpen on A → B's mirror
    let seen = nextChange(b, 'open', TIMEOUT);
    let t0 = performance.now();
    await a.forceOpen();
    let t = await seen;
    if (t === undefined) missed++;
    forced.push(t === undefined ? TIMEOUT : t - t0);
    // operator forceClose on A → B's mirror
    seen = nextChange(b, 'closed', TIMEOUT);
    t0 = performance.now();
    await a.forceClose();
    t = await seen;
    if (t === undefined) missed++;
    closedAgain.push(t === undefined ? TIMEOUT : t - t0);
    // A's own transition: its third consecutive failure opens the circuit
    await a.execute(fail).catch(() => undefined);
    await a.execute(fail).catch(() => undefined);
    seen = nextChange(b, 'open', TIMEOUT);
    t0 = performance.now();
    await a.execute(fail).catch(() => undefined);
    t = await seen;
    if (t === undefined) missed++;
    tripped.push(t === undefined ? TIMEOUT : t - t0);
    const back = nextChange(b, 'closed', TIMEOUT);
    await a.forceClose();
    await back;
  }

  // a new instance: the change is made right after its breaker is ready (first read done), while its
  // subscriber connection may still be connecting. Does its mirror ever learn of the change?
  const FRESH = QUICK ? 2 : 4;
  const fresh: Array<number | undefined> = [];
  for (let i = 0; i < FRESH; i++) {
    const c = await connect(url);
    const s = redisStore(c, { prefix });
    const nb = new CircuitBreaker(`fresh-${i}`, { store: s, ...opts });
    const na = mk(`fresh-${i}`, { store: storeA, ...opts });
    await na.execute(noop);
    await nb.execute(noop); // ready: its first read is done
    const seen = nextChange(nb, 'open', TIMEOUT);
    const t0 = performance.now();
    await na.forceOpen();
    const t = await seen;
    fresh.push(t === undefined ? undefined : t - t0);
    await na.forceClose();
    await nb.close();
    await s.close();
    c.disconnect();
  }
  const freshMissed = fresh.filter((x) => x === undefined).length;

  const row = (what: string, xs: number[]): string[] => {
    const srt = sorted(xs);
    return [what, String(xs.length), fmtUs(pct(srt, 50) * 1000), fmtUs(pct(srt, 90) * 1000), fmtUs((srt[srt.length - 1] as number) * 1000)];
  };
  const worst = Math.max(...forced, ...closedAgain, ...tripped);
  const freshSeen = fresh.filter((x): x is number => x !== undefined);
  return {
    table: {
      title: `Propagation of a state change from instance A to instance B's mirror (two stores, two ioredis clients; B makes no call meanwhile; timed from just before A's call; ${TIMEOUT} ms = never seen)`,
      headers: ['change made on A', 'reps', 'p50', 'p90', 'max'],
      rows: [
        row('operator forceOpen()', forced),
        row('operator forceClose()', closedAgain),
        row('transition: the failure that opens the circuit', tripped),
        [
          'forceOpen() right after a new instance B became ready',
          String(FRESH),
          freshSeen.length ? fmtUs(median(freshSeen) * 1000) : '–',
          '–',
          `${freshMissed} of ${FRESH} never seen (within ${TIMEOUT} ms)`,
        ],
      ],
    },
    figures: [
      {
        metric: "State change → another instance's mirror (forceOpen; a transition)",
        measured: `p50 ${fmtUs(median(forced) * 1000)} / ${fmtUs(median(tripped) * 1000)}, max ${fmtUs(worst * 1000)}${missed ? `, ${missed} not seen within ${TIMEOUT} ms` : ''}`,
        ratio: `max = ${((worst / 1000) * 100).toFixed(2)}% of the 1 s budget`,
        target: '< 1 s',
        verdict: worst < 1000 && missed === 0 ? 'pass' : 'FAIL',
      },
      {
        metric: 'State change made just after a new instance started → its mirror',
        measured: freshMissed === 0 ? `seen, p50 ${fmtUs(median(freshSeen) * 1000)}` : `${freshMissed} of ${FRESH} never seen (mirror stays stale until that instance's own next store call)`,
        ratio: '–',
        target: '< 1 s',
        verdict: freshMissed === 0 && Math.max(...freshSeen) < 1000 ? 'pass' : 'FAIL',
      },
    ],
    notes:
      freshMissed > 0
        ? [
            `A new instance misses changes made between its first read and the moment its subscriber connection is subscribed: \`RedisSubscriber\` emits \`resync\` only after a *re*-subscription, and there is no bounded refresh, so such a change never reaches a mirror that sends no command (steady CLOSED successes send none). See the analysis below.`,
          ]
        : [],
  };
}

async function autoPipelining(url: string, redisStore: RedisStoreModule['redisStore']): Promise<{ table: Table; figure: Figure; note: string }> {
  const off = await connect(url, { enableAutoPipelining: false });
  const on = await connect(url, { enableAutoPipelining: true });
  const prefix = `bench_pipe_${Date.now().toString(36)}`;
  const sOff = redisStore(off, { prefix });
  const sOn = redisStore(on, { prefix });
  const cfg: RuleConfig = { failureThreshold: 1_000_000_000, resetTimeoutMs: 30_000, successThreshold: 2, halfOpenMaxProbes: 1, probeLeaseMs: 60_000, failureRate: undefined };
  const tiny = 'return 1';
  const tinySha = await off.script('LOAD', tiny) as string;
  const SEQ = QUICK ? 500 : 2000;
  const seq = async (op: () => Promise<unknown>): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < SEQ; i++) await op();
    return ((performance.now() - t) * 1000) / SEQ; // µs per op
  };
  const conc = async (op: () => Promise<unknown>): Promise<number> => (await closedLoop(IN_FLIGHT, QUICK ? 150 : 300, op)).rate;
  const ops: Record<string, Record<'off' | 'on', () => Promise<unknown>>> = {
    'raw EVALSHA (`return 1`)': { off: () => off.evalsha(tinySha, 0), on: () => on.evalsha(tinySha, 0) },
    'store.recordFailure (the failure path)': {
      off: () => sOff.recordFailure('pipe', cfg, 0, false),
      on: () => sOn.recordFailure('pipe', cfg, 0, false),
    },
  };
  const res = new Map<string, { seq: number[]; conc: number[] }>();
  for (const [name, modes] of Object.entries(ops)) {
    for (const mode of ['off', 'on'] as const) {
      res.set(`${name}|${mode}`, { seq: [], conc: [] });
      await seq(modes[mode]); // warm-up
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, modes] of Object.entries(ops)) {
      const order = r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      for (const mode of order) {
        const slot = res.get(`${name}|${mode}`) as { seq: number[]; conc: number[] };
        slot.seq.push(await seq(modes[mode]));
        slot.conc.push(await conc(modes[mode]));
      }
    }
  }
  await sOff.close();
  await sOn.close();
  off.disconnect();
  on.disconnect();
  const rows: string[][] = [];
  let failureRatioConc = 0;
  let failureRatioSeq = 0;
  for (const name of Object.keys(ops)) {
    const a = res.get(`${name}|off`) as { seq: number[]; conc: number[] };
    const b = res.get(`${name}|on`) as { seq: number[]; conc: number[] };
    const rSeq = median(b.seq.map((v, i) => v / (a.seq[i] as number)));
    const rConc = median(b.conc.map((v, i) => v / (a.conc[i] as number)));
    if (name.startsWith('store')) {
      failureRatioConc = rConc;
      failureRatioSeq = rSeq;
    }
    rows.push([name, fmtUs(median(a.seq)), fmtUs(median(b.seq)), fmtRatio(rSeq), `${fmtInt(median(a.conc))}/s`, `${fmtInt(median(b.conc))}/s`, fmtRatio(rConc)]);
  }
  const recommend = failureRatioConc > 1.05 && failureRatioSeq < 1.05;
  return {
    table: {
      title: `ioredis auto-pipelining off vs on (${ROUNDS} rounds, order alternated; sequential: ${SEQ} awaited ops; concurrent: ${IN_FLIGHT} in flight)`,
      headers: ['operation', 'sequential, off', 'sequential, on', 'on/off latency', `${IN_FLIGHT} in flight, off`, `${IN_FLIGHT} in flight, on`, 'on/off throughput'],
      rows,
    },
    figure: {
      metric: 'ioredis auto-pipelining (failure path, 50 in flight)',
      measured: `throughput ${fmtRatio(failureRatioConc)} with it on; sequential latency ${fmtRatio(failureRatioSeq)}`,
      ratio: `${fmtRatio(failureRatioConc)} on/off`,
      target: 'measure before recommending',
      verdict: 'info',
    },
    note: recommend
      ? `Auto-pipelining raised the failure path's throughput by ${((failureRatioConc - 1) * 100).toFixed(0)}% with ${IN_FLIGHT} in flight without slowing sequential calls on this machine: it can be recommended for clients that see failure bursts. It changes nothing on the success path, which sends no command.`
      : `Auto-pipelining did not pay off on this machine (failure path: ${fmtRatio(failureRatioConc)} throughput with ${IN_FLIGHT} in flight, ${fmtRatio(failureRatioSeq)} sequential latency): do not recommend it; the breaker's success path sends no command anyway, so only failure bursts and probes could benefit.`,
  };
}

runIfMain(import.meta.url, run);
