/**
 * Section 3 — `llm.complete()` overhead over calling the bare `openai` SDK against the same local
 * HTTP server (the project's mock LLM server, in a child process), with the memory store and with
 * the Redis store.
 *
 * Method: one call at a time; each iteration calls every candidate once, in a rotating order, so
 * drift (GC, the neighbours' load, CPU frequency) hits every candidate alike. Added p50/p99 are the
 * candidate's percentile minus the bare SDK's; the ratio is at the median. A second estimate, the
 * median of the per-iteration paired differences, is shown alongside. An in-process variant (an
 * adapter that answers without HTTP) isolates the client's own CPU cost.
 * @module
 */
import { Redis } from 'ioredis';
import type * as OpenAINS from '../providers/openai/index.js';
import type * as RedisStoreNS from '../src/breaker/redis-store.js';
import type * as AttemptNS from '../src/attempt.js';
import type * as BreakerNS from '../src/breaker/circuit-breaker.js';
import type * as MemoryNS from '../src/breaker/memory-store.js';
import type * as BudgetNS from '../src/budget.js';
import type * as ClientNS from '../src/client.js';
import type * as RetryNS from '../src/retry.js';
import type * as ValidateNS from '../src/validate-request.js';
import type { LLMClient } from '../src/client.js';
import type { ProviderAdapter } from '../src/provider.js';
import { startChildServer, type ChildServer } from './servers.js';
import {
  QUICK,
  fmtNs,
  fmtPct,
  interleavedRounds,
  fmtRatio,
  fmtUs,
  median,
  optionalImport,
  pct,
  runIfMain,
  skippedSection,
  sorted,
  type Candidate,
  type Figure,
  type SectionResult,
  type Table,
} from './util.js';

const ID = 'complete-overhead';
const TITLE = '3. llm.complete() overhead over the bare openai SDK';
const WARMUP = QUICK ? 300 : 1000;
const ITERATIONS = QUICK ? 1000 : 5000;
const INPROC_ITER = QUICK ? 20_000 : 100_000;
const MODEL = 'gpt-4o-mini';

type ClientModule = typeof ClientNS;
type AttemptModule = typeof AttemptNS;
type RetryModule = typeof RetryNS;
type BudgetModule = typeof BudgetNS;
type ValidateModule = typeof ValidateNS;
type BreakerModule = typeof BreakerNS;
type MemoryModule = typeof MemoryNS;
type OpenAIModule = typeof OpenAINS;
type RedisStoreModule = typeof RedisStoreNS;

const messages = [{ role: 'user' as const, content: 'Hello' }];

export async function run(): Promise<SectionResult> {
  const clMod = await optionalImport<ClientModule>('../src/client.js', ['createLLMClient']);
  if ('missing' in clMod) return skippedSection(ID, TITLE, clMod.missing);
  const oaMod = await optionalImport<OpenAIModule>('../providers/openai/index.js', ['openai']);
  if ('missing' in oaMod) return skippedSection(ID, TITLE, oaMod.missing);
  let server: ChildServer;
  try {
    server = await startChildServer('mock');
  } catch (err) {
    return skippedSection(ID, TITLE, (err as Error).message);
  }
  const { createLLMClient } = clMod.mod;
  const { openai } = oaMod.mod;
  const { default: OpenAI } = await import('openai');
  const baseURL = `${server.url}/v1`;
  const figures: Figure[] = [];
  const tables: Table[] = [];
  const notes: string[] = [];
  const closers: Array<() => Promise<void> | void> = [() => server.stop()];

  try {
    const bare = new OpenAI({ apiKey: 'none', baseURL, maxRetries: 0 });
    const candidates: Array<{ name: string; call: () => Promise<unknown> }> = [
      { name: 'bare openai SDK', call: () => bare.chat.completions.create({ model: MODEL, messages }) },
    ];
    // attribution: the adapter alone (request/response mapping, `.withResponse()`), no client pipeline
    const adapterAlone = openai({ model: MODEL, baseURL, apiKey: 'none' });
    // a fresh signal per call, as the client gives each attempt (the SDK adds an abort listener to the
    // signal it is given and never removes it: a long-lived signal would accumulate them)
    candidates.push({
      name: 'openai() adapter alone',
      call: () => adapterAlone.complete({ messages }, { signal: new AbortController().signal, model: MODEL }),
    });
    const llmMem = createLLMClient({ providers: [openai({ model: MODEL, baseURL, apiKey: 'none' })] });
    closers.push(() => llmMem.close());
    candidates.push({ name: 'llm.complete(), memory store', call: () => llmMem.complete({ messages }) });

    const url = process.env['REDIS_URL'];
    const rsMod = await optionalImport<RedisStoreModule>('../src/breaker/redis-store.js', ['redisStore']);
    let redisNote: string | undefined;
    if (!url) redisNote = process.env['BENCH_NO_REDIS'] ?? 'Redis not available (REDIS_URL unset)';
    else if ('missing' in rsMod) redisNote = rsMod.missing;
    else {
      const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
      client.on('error', () => undefined);
      await client.connect();
      const store = rsMod.mod.redisStore(client, { prefix: `bench_complete_${Date.now().toString(36)}` });
      const llmRed = createLLMClient({ providers: [openai({ model: MODEL, baseURL, apiKey: 'none' })], store });
      closers.push(async () => {
        await llmRed.close();
        await store.close();
        client.disconnect();
      });
      candidates.push({ name: 'llm.complete(), redis store', call: () => llmRed.complete({ messages }) });
    }
    if (redisNote) notes.push(`Redis store: skipped: ${redisNote}.`);

    // sanity: every candidate gets the same answer
    for (const c of candidates) await c.call();

    const lat = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
    const total = WARMUP + ITERATIONS;
    for (let k = 0; k < total; k++) {
      for (let j = 0; j < candidates.length; j++) {
        const c = candidates[(j + k) % candidates.length] as (typeof candidates)[number];
        const t = performance.now();
        await c.call();
        const us = (performance.now() - t) * 1000;
        if (k >= WARMUP) lat.get(c.name)?.push(us);
      }
    }
    const baseLat = lat.get('bare openai SDK') as number[];
    const b50 = pct(sorted(baseLat), 50);
    const b99 = pct(sorted(baseLat), 99);
    const rows: string[][] = [];
    for (const c of candidates) {
      const xs = lat.get(c.name) as number[];
      const s = sorted(xs);
      const p50 = pct(s, 50);
      const p99 = pct(s, 99);
      const isBare = c.name === 'bare openai SDK';
      const paired = isBare ? 0 : median(xs.map((x, i) => x - (baseLat[i] as number)));
      rows.push([
        c.name,
        fmtUs(p50),
        fmtUs(pct(s, 90)),
        fmtUs(p99),
        isBare ? '–' : fmtUs(p50 - b50),
        isBare ? '–' : fmtUs(paired),
        isBare ? '–' : fmtUs(p99 - b99),
        isBare ? '–' : `${fmtRatio(p50 / b50, 3)} (${fmtPct(p50 / b50 - 1)})`,
      ]);
      if (!isBare && c.name.startsWith('llm.complete()')) {
        const add50 = p50 - b50;
        const add99 = p99 - b99;
        const ratio = p50 / b50;
        const store = c.name.replace('llm.complete(), ', '');
        figures.push({
          metric: `llm.complete() vs bare SDK (${store}): median`,
          measured: `+${fmtUs(add50)} p50 (paired ${fmtUs(paired)}); bare p50 ${fmtUs(b50)}`,
          ratio: `${fmtRatio(ratio, 3)} at the median`,
          target: '≤ 1.05× and added p50 < 50 µs',
          verdict: ratio <= 1.05 && add50 < 50 ? 'pass' : 'FAIL',
        });
        figures.push({
          metric: `llm.complete() vs bare SDK (${store}): tail`,
          measured: `${add99 >= 0 ? '+' : ''}${fmtUs(add99)} p99 (bare p99 ${fmtUs(b99)})`,
          ratio: `${fmtRatio(p99 / b99, 3)} at p99`,
          target: 'added p99 < 250 µs',
          verdict: add99 < 250 ? 'pass' : 'FAIL',
        });
      }
    }
    tables.push({
      title: `Sequential calls to the mock LLM server (child process), ${ITERATIONS} measured iterations after ${WARMUP} warm-up, candidates interleaved per iteration`,
      headers: ['candidate', 'p50', 'p90', 'p99', 'added p50', 'added p50 (paired)', 'added p99', 'ratio at the median'],
      rows,
    });

    // -------------------------------------------------------------- in-process: the client's own CPU cost
    const inproc = await inProcess(createLLMClient);
    tables.push(inproc.table);
    notes.push(
      `Every client is built the way the README shows (\`openai({ model, baseURL, apiKey })\`, default options, its own SDK client with \`maxRetries: 0\`); the bare SDK is \`new OpenAI({ baseURL, apiKey, maxRetries: 0 }).chat.completions.create(…)\`. Both go through the same global fetch dispatcher to the same server. The Redis client is \`new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })\`.`,
      `In-process row: the same \`llm.complete()\` with a provider adapter that answers at once (no HTTP, no SDK), against calling that adapter directly; it is the CPU the client adds per call (validation, budget, retry loop, attempt scope with its timer and abort signal, breaker, response object).`,
    );
    const parts = await pieces(createLLMClient);
    if ('table' in parts) {
      tables.push(parts.table);
      notes.push(parts.note);
    } else notes.push(`Per-piece breakdown: skipped: ${parts.missing}.`);
    figures.push({
      metric: 'llm.complete() own CPU per call (in-process adapter, no HTTP)',
      measured: `${fmtUs(inproc.addedUs)} per call`,
      ratio: '–',
      target: 'report (explains the added p50)',
      verdict: 'info',
    });
  } finally {
    for (const c of closers.reverse()) await c();
  }
  return { id: ID, title: TITLE, figures, tables, notes };
}

async function inProcess(createLLMClient: ClientModule['createLLMClient']): Promise<{ table: Table; addedUs: number }> {
  const result = {
    text: 'ok',
    toolCalls: [],
    finishReason: 'stop' as const,
    usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
    model: MODEL,
    raw: null,
  };
  const adapter: ProviderAdapter = {
    specificationVersion: 'v1',
    name: 'inproc',
    system: 'bench',
    model: MODEL,
    complete: async () => result,
    // eslint-disable-next-line require-yield
    stream: async function* () {
      throw new Error('not used');
    },
  };
  const llm: LLMClient = createLLMClient({ providers: [adapter] });
  const req = { messages };
  const ctx = { signal: new AbortController().signal, model: MODEL };
  const rounds: Array<{ direct: number; llm: number }> = [];
  for (let r = 0; r < 5; r++) {
    const n = INPROC_ITER / 5;
    let t = performance.now();
    for (let i = 0; i < n; i++) await adapter.complete(req, ctx);
    const direct = ((performance.now() - t) * 1000) / n;
    t = performance.now();
    for (let i = 0; i < n; i++) await llm.complete(req);
    const viaLlm = ((performance.now() - t) * 1000) / n;
    if (r > 0) rounds.push({ direct, llm: viaLlm }); // round 0 is warm-up
  }
  await llm.close();
  const direct = median(rounds.map((x) => x.direct));
  const via = median(rounds.map((x) => x.llm));
  return {
    addedUs: via - direct,
    table: {
      title: `In-process: the client's own CPU per call (sequential, ${INPROC_ITER} calls in 5 rounds, first round discarded)`,
      headers: ['candidate', 'µs / call', 'added'],
      rows: [
        ['adapter.complete() called directly', fmtUs(direct), '–'],
        ['llm.complete() through the client (memory store)', fmtUs(via), fmtUs(via - direct)],
      ],
    },
  };
}

/**
 * Where the client's own CPU goes: each piece of one `llm.complete()` attempt on its own, measured
 * side by side (interleaved rounds, sequential awaited calls, batches of 1000).
 */
async function pieces(createLLMClient: ClientModule['createLLMClient']): Promise<{ table: Table; note: string } | { missing: string }> {
  const at = await optionalImport<AttemptModule>('../src/attempt.js', ['AttemptScope']);
  const rt = await optionalImport<RetryModule>('../src/retry.js', ['withRetries', 'DEFAULT_RETRY']);
  const bg = await optionalImport<BudgetModule>('../src/budget.js', ['Budget']);
  const vr = await optionalImport<ValidateModule>('../src/validate-request.js', ['validateRequest']);
  const cb = await optionalImport<BreakerModule>('../src/breaker/circuit-breaker.js', ['CircuitBreaker']);
  const ms = await optionalImport<MemoryModule>('../src/breaker/memory-store.js', ['memoryStore']);
  for (const m of [at, rt, bg, vr, cb, ms]) if ('missing' in m) return { missing: m.missing };
  if (!('mod' in at && 'mod' in rt && 'mod' in bg && 'mod' in vr && 'mod' in cb && 'mod' in ms)) return { missing: 'internal modules' };
  const { AttemptScope } = at.mod;
  const { withRetries, DEFAULT_RETRY } = rt.mod;
  const { Budget } = bg.mod;
  const { validateRequest } = vr.mod;
  const { default: pRetry } = await import('p-retry');
  const breaker = new cb.mod.CircuitBreaker('pieces', { store: ms.mod.memoryStore() });
  const result = { text: 'ok', toolCalls: [], finishReason: 'stop' as const, usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 }, model: MODEL, raw: null };
  const adapter: ProviderAdapter = {
    specificationVersion: 'v1',
    name: 'pieces',
    system: 'bench',
    model: MODEL,
    complete: async () => result,
    // eslint-disable-next-line require-yield
    stream: async function* () {
      throw new Error('not used');
    },
  };
  const llm = createLLMClient({ providers: [adapter] });
  const req = { messages };
  const one = async (): Promise<number> => 1;
  await breaker.execute(one);
  const B = 1000;
  const loop =
    (f: () => unknown): (() => Promise<void>) =>
    async () => {
      for (let i = 0; i < B; i++) await f();
    };
  const cands: Array<Candidate & { what: string }> = [
    { name: 'await one()', what: 'baseline: an awaited async no-op', fn: loop(one) },
    { name: 'validateRequest', what: 'src/validate-request.ts', fn: loop(() => validateRequest(req)) },
    { name: 'new AbortController().signal', what: 'one per attempt (AttemptScope)', fn: loop(() => new AbortController().signal) },
    { name: 'setTimeout + clearTimeout', what: 'the per-attempt timeout timer', fn: loop(() => clearTimeout(setTimeout(() => undefined, 60_000))) },
    {
      name: 'AttemptScope lifecycle',
      what: 'new AttemptScope(undefined, 60 s) → race(one()) → dispose()',
      fn: loop(async () => {
        const sc = new AttemptScope(undefined, 60_000);
        await sc.race(one());
        sc.dispose();
      }),
    },
    { name: 'pRetry(one)', what: 'p-retry 7, first attempt succeeds', fn: loop(() => pRetry(one, { retries: 2, minTimeout: 0, maxTimeout: 0, factor: 1, randomize: false })) },
    { name: 'withRetries(one)', what: 'src/retry.ts around p-retry', fn: loop(() => withRetries(one, DEFAULT_RETRY, new Budget(120_000, 3), undefined)) },
    { name: 'breaker.execute(one)', what: 'CLOSED, memory store', fn: loop(() => breaker.execute(one)) },
    { name: 'llm.complete()', what: 'the whole call, in-process adapter', fn: loop(() => llm.complete(req)) },
  ];
  const res = await interleavedRounds(cands, { rounds: QUICK ? 3 : 5, timeMs: QUICK ? 30 : 60, batch: B });
  await llm.close();
  await breaker.close();
  const base = median(res.get('await one()') as number[]);
  const whole = median(res.get('llm.complete()') as number[]) - base;
  return {
    table: {
      title: 'Where llm.complete() spends its own CPU: each piece alone (ns per awaited call, median of interleaved rounds)',
      headers: ['piece', 'what', 'ns / call', 'minus the awaited no-op', 'share of llm.complete()'],
      rows: cands.map((c) => {
        const v = median(res.get(c.name) as number[]);
        const net = c.name === 'await one()' ? v : v - base;
        return [c.name, c.what, fmtNs(v), c.name === 'await one()' ? '–' : fmtNs(net), c.name === 'await one()' ? '–' : `${((net / whole) * 100).toFixed(0)}%`];
      }),
    },
    note: 'Per-piece figures overlap (withRetries contains pRetry; AttemptScope contains the AbortController and the timer), so the shares do not add up to 100%. They show which pieces dominate the client\'s own CPU; the analysis below turns them into suggested changes.',
  };
}

runIfMain(import.meta.url, run);
