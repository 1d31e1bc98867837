/**
 * Section 4 — memory: heap bytes per breaker and per client, and a leak check over 1M guarded
 * calls (heap after full GC at checkpoints; listeners left on a long-lived caller signal; timers
 * left behind). Needs `--expose-gc` (run.ts starts every section with it).
 * @module
 */
import { getEventListeners } from 'node:events';
import type * as OpenAINS from '../providers/openai/index.js';
import type * as BreakerNS from '../src/breaker/circuit-breaker.js';
import type * as MemoryNS from '../src/breaker/memory-store.js';
import type * as ClientNS from '../src/client.js';
import type { ProviderAdapter, ProviderResult } from '../src/provider.js';
import {
  QUICK,
  fmtBytes,
  fmtInt,
  gc,
  median,
  optionalImport,
  runIfMain,
  skippedSection,
  type Figure,
  type SectionResult,
  type Table,
} from './util.js';

const ID = 'memory';
const TITLE = '4. Memory';
const N_BREAKERS = QUICK ? 2000 : 10_000;
const N_CLIENTS = QUICK ? 500 : 2000;
const LEAK_CALLS = QUICK ? 200_000 : 1_000_000;
const CLIENT_LEAK_CALLS = QUICK ? 100_000 : 1_000_000;
/** Growth over the leak run (after warm-up) that counts as a leak: < 1 byte per call on average. */
const LEAK_BYTES_PER_CALL = 1;

type BreakerModule = typeof BreakerNS;
type MemoryModule = typeof MemoryNS;
type ClientModule = typeof ClientNS;
type OpenAIModule = typeof OpenAINS;

function heap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per object: builds `n` of them, kept alive, after a full GC before and after. Median of 3 runs. */
async function perObject<T>(n: number, make: (i: number) => T | Promise<T>, dispose: (x: T) => Promise<void> | void): Promise<number> {
  const results: number[] = [];
  for (let run = 0; run < 3; run++) {
    const keep: T[] = new Array<T>(n);
    const before = heap();
    for (let i = 0; i < n; i++) keep[i] = await make(i);
    await new Promise((r) => setImmediate(r)); // let constructors' pending reads settle
    const after = heap();
    results.push((after - before) / n);
    for (const x of keep) await dispose(x);
    keep.length = 0;
  }
  return median(results);
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

interface LeakResult {
  calls: number;
  checkpoints: Array<{ calls: number; heap: number }>;
  growthPerCall: number;
  growth: number;
  signalListeners: number;
  timersBefore: number;
  timersAfter: number;
  elapsedMs: number;
}

/** Runs `calls` guarded calls in batches; heap after full GC at 10 checkpoints (the first after 10% warm-up). */
async function leakRun(calls: number, one: (i: number) => Promise<unknown>, signal: AbortSignal | undefined): Promise<LeakResult> {
  const warm = Math.floor(calls / 10);
  const step = Math.floor((calls - warm) / 9);
  const timersBefore = timers();
  const t0 = performance.now();
  const checkpoints: Array<{ calls: number; heap: number }> = [];
  let i = 0;
  const runTo = async (n: number): Promise<void> => {
    // 16 calls in flight at a time: closer to real use than strictly sequential calls
    while (i < n) {
      const batch: Array<Promise<unknown>> = [];
      for (let k = 0; k < 16 && i < n; k++, i++) batch.push(one(i).catch(() => undefined));
      await Promise.all(batch);
    }
  };
  await runTo(warm);
  checkpoints.push({ calls: i, heap: heap() });
  for (let c = 1; c <= 9; c++) {
    await runTo(c === 9 ? calls : warm + c * step);
    checkpoints.push({ calls: i, heap: heap() });
  }
  const elapsedMs = performance.now() - t0;
  await new Promise((r) => setImmediate(r));
  const first = checkpoints[0] as { calls: number; heap: number };
  const last = checkpoints[checkpoints.length - 1] as { calls: number; heap: number };
  // a least-squares slope is robust to one noisy checkpoint
  const xs = checkpoints.map((c) => c.calls);
  const ys = checkpoints.map((c) => c.heap);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let k = 0; k < xs.length; k++) {
    num += ((xs[k] as number) - mx) * ((ys[k] as number) - my);
    den += ((xs[k] as number) - mx) ** 2;
  }
  return {
    calls,
    checkpoints,
    growthPerCall: num / den,
    growth: last.heap - first.heap,
    signalListeners: signal ? getEventListeners(signal, 'abort').length : 0,
    timersBefore,
    timersAfter: timers(),
    elapsedMs,
  };
}

const result = (text: string): ProviderResult => ({
  text,
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
  model: 'bench-model',
  raw: null,
});

/** An in-process provider (no HTTP): the leak check then measures only the SDK's own allocations. */
function fakeAdapter(name: string, failEvery: number): ProviderAdapter {
  let n = 0;
  const ok = result('ok');
  return {
    specificationVersion: 'v1',
    name,
    system: 'bench',
    model: 'bench-model',
    async complete() {
      if (failEvery > 0 && ++n % failEvery === 0) throw Object.assign(new Error('fake 500'), { status: 500 });
      return ok;
    },
    // eslint-disable-next-line require-yield
    async *stream() {
      throw new Error('not used');
    },
  };
}

export async function run(): Promise<SectionResult> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    return skippedSection(ID, TITLE, 'global.gc not available (run with node --expose-gc --import tsx)');
  }
  const cbMod = await optionalImport<BreakerModule>('../src/breaker/circuit-breaker.js', ['CircuitBreaker']);
  if ('missing' in cbMod) return skippedSection(ID, TITLE, cbMod.missing);
  const msMod = await optionalImport<MemoryModule>('../src/breaker/memory-store.js', ['memoryStore']);
  if ('missing' in msMod) return skippedSection(ID, TITLE, msMod.missing);
  const { CircuitBreaker } = cbMod.mod;
  const { memoryStore } = msMod.mod;
  const figures: Figure[] = [];
  const tables: Table[] = [];
  const notes: string[] = [];
  const warnings = new Map<string, number>();
  const onWarning = (w: Error): void => {
    const key = `${w.name}: ${w.message.replace(/\d+ abort listeners/, 'N abort listeners')}`;
    warnings.set(key, (warnings.get(key) ?? 0) + 1);
  };
  process.removeAllListeners('warning'); // keep the bench output clean; warnings are reported below
  process.on('warning', onWarning);
  const sizeRows: string[][] = [];

  // ---------------------------------------------------------------- heap per breaker
  const store = memoryStore();
  const perBreaker = await perObject(
    N_BREAKERS,
    async (i) => {
      const b = new CircuitBreaker(`mem-${i}`, { store });
      return b;
    },
    (b) => b.close(),
  );
  sizeRows.push(['CircuitBreaker + its memory-store entry (shared store)', fmtInt(N_BREAKERS), fmtBytes(perBreaker)]);
  let perBreakerUsed: number;
  {
    const used = await perObject(
      N_BREAKERS,
      async (i) => {
        const b = new CircuitBreaker(`used-${i}`, { store });
        await b.execute(() => undefined);
        await b.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
        await b.execute(() => undefined);
        return b;
      },
      (b) => b.close(),
    );
    sizeRows.push(['… after a success, a failure and a success (write-behind ran)', fmtInt(N_BREAKERS), fmtBytes(used)]);
    perBreakerUsed = used;
  }

  // ---------------------------------------------------------------- heap per client
  const clMod = await optionalImport<ClientModule>('../src/client.js', ['createLLMClient']);
  const oaMod = await optionalImport<OpenAIModule>('../providers/openai/index.js', ['openai']);
  let perClient: number | undefined;
  if ('mod' in clMod && 'mod' in oaMod) {
    const { createLLMClient } = clMod.mod;
    const { openai } = oaMod.mod;
    perClient = await perObject(
      N_CLIENTS,
      () => createLLMClient({ providers: [openai({ model: 'gpt-4o-mini', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none' })] }),
      (c) => c.close(),
    );
    sizeRows.push(['createLLMClient, 1 openai() provider (SDK client built lazily, not yet)', fmtInt(N_CLIENTS), fmtBytes(perClient)]);
    const perClient3 = await perObject(
      N_CLIENTS,
      () =>
        createLLMClient({
          providers: [
            openai({ model: 'gpt-4o-mini', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none' }),
            openai({ name: 'b', model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none' }),
            openai({ name: 'c', model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none' }),
          ],
        }),
      (c) => c.close(),
    );
    sizeRows.push(['createLLMClient, 3 openai() providers', fmtInt(N_CLIENTS), fmtBytes(perClient3)]);
    const { default: OpenAI } = await import('openai');
    const perSdk = await perObject(N_CLIENTS, () => new OpenAI({ apiKey: 'none', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }), () => undefined);
    sizeRows.push(['for reference: one bare `new OpenAI()` SDK client', fmtInt(N_CLIENTS), fmtBytes(perSdk)]);
  } else {
    notes.push(`Heap per client: ${'missing' in clMod ? clMod.missing : 'missing' in oaMod ? oaMod.missing : ''} — skipped.`);
  }
  tables.push({ title: 'Heap per object (retained after a full GC; median of 3 builds)', headers: ['object', 'count', 'bytes each'], rows: sizeRows });
  figures.push({
    metric: 'Heap per breaker',
    measured: `${fmtBytes(perBreaker)} (${fmtBytes(perBreakerUsed)} after use)`,
    ratio: '–',
    target: 'report',
    verdict: 'info',
  });
  if (perClient !== undefined) {
    figures.push({ metric: 'Heap per client (1 provider)', measured: fmtBytes(perClient), ratio: '–', target: 'report', verdict: 'info' });
  }

  // ---------------------------------------------------------------- leak check: breaker
  const leakRows: string[][] = [];
  const caller = new AbortController();
  {
    const b = new CircuitBreaker('leak', { store: memoryStore(), failureThreshold: 5 });
    let events = 0;
    b.on('success', () => events++);
    b.on('failure', () => events++);
    b.on('stateChange', () => events++);
    const boom = new Error('boom');
    // 1 failure every 100 calls: exercises recordFailure and the write-behind reset, never opens
    const r = await leakRun(LEAK_CALLS, (i) => b.execute((s) => (i % 100 === 99 ? Promise.reject(boom) : Promise.resolve(s)), caller.signal), caller.signal);
    await b.close();
    leakRows.push(leakRow('breaker.execute(fn, callerSignal), 1% failures, 3 listeners', r));
    const ok = r.growthPerCall < LEAK_BYTES_PER_CALL && r.signalListeners === 0 && r.timersAfter <= r.timersBefore;
    figures.push({
      metric: `Leak check: ${fmtInt(LEAK_CALLS)} breaker.execute calls`,
      measured: `${fmtBytes(r.growth)} heap growth (${r.growthPerCall.toFixed(3)} B/call), ${r.signalListeners} listeners left, ${r.timersAfter - r.timersBefore} timers left`,
      ratio: '–',
      target: `no growth (< ${LEAK_BYTES_PER_CALL} B/call), 0 listeners, 0 timers`,
      verdict: ok ? 'pass' : 'FAIL',
    });
    if (events === 0) throw new Error('listeners never ran');
  }

  // ---------------------------------------------------------------- leak check: client
  if ('mod' in clMod) {
    const { createLLMClient } = clMod.mod;
    const llm = createLLMClient({
      providers: [fakeAdapter('primary', 0), fakeAdapter('fallback', 0)],
      retry: { retries: 0 },
      telemetry: false,
    });
    const req = { messages: [{ role: 'user' as const, content: 'Hello' }] };
    const timersBefore = timers();
    const r = await leakRun(CLIENT_LEAK_CALLS, () => llm.complete(req, { signal: caller.signal }), caller.signal);
    r.timersBefore = timersBefore;
    await llm.close();
    leakRows.push(leakRow('llm.complete(req, { signal: callerSignal }), in-process adapter', r));
    const ok = r.growthPerCall < LEAK_BYTES_PER_CALL && r.signalListeners === 0 && r.timersAfter <= r.timersBefore;
    figures.push({
      metric: `Leak check: ${fmtInt(CLIENT_LEAK_CALLS)} llm.complete calls`,
      measured: `${fmtBytes(r.growth)} heap growth (${r.growthPerCall.toFixed(3)} B/call), ${r.signalListeners} listeners left on the caller's signal, ${r.timersAfter - r.timersBefore} timers left`,
      ratio: '–',
      target: `no growth (< ${LEAK_BYTES_PER_CALL} B/call), 0 listeners, 0 timers`,
      verdict: ok ? 'pass' : 'FAIL',
    });
  } else {
    notes.push(`Client leak check: ${clMod.missing} — skipped.`);
  }
  tables.push({
    title: 'Leak check (heap after full GC at 10 checkpoints; the first after 10% of the calls as warm-up)',
    headers: ['workload', 'calls', 'heap at first → last checkpoint', 'slope (B/call)', 'abort listeners left', 'timers left', 'calls/s'],
    rows: leakRows,
  });
  notes.push(
    'Bytes per object: N objects are built and kept alive between two full GCs (`--expose-gc`); the figure is the median of 3 builds. A breaker includes its entry in the shared memory store and its registration in the process-wide registry.',
    `Leak check: calls run 16 at a time; the slope is a least-squares fit of heap-after-GC against calls over the 10 checkpoints, so one noisy checkpoint does not decide. A leak of one small object per call would show as ≥ 16 B/call; the threshold is ${LEAK_BYTES_PER_CALL} B/call. The caller's AbortSignal is one long-lived signal shared by every call, the classic place where per-call abort listeners pile up.`,
  );
  for (const [w, n] of warnings) notes.push(`Process warning during this section (${n}×): \`${w}\``);
  process.off('warning', onWarning);
  return { id: ID, title: TITLE, figures, tables, notes };
}

function leakRow(name: string, r: LeakResult): string[] {
  const first = r.checkpoints[0] as { heap: number };
  const last = r.checkpoints[r.checkpoints.length - 1] as { heap: number };
  return [
    name,
    fmtInt(r.calls),
    `${fmtBytes(first.heap)} → ${fmtBytes(last.heap)}`,
    r.growthPerCall.toFixed(3),
    String(r.signalListeners),
    String(r.timersAfter - r.timersBefore),
    fmtInt((r.calls / r.elapsedMs) * 1000),
  ];
}

runIfMain(import.meta.url, run);
