/**
 * Shared helpers of the benchmark harness: statistics, machine description, optional imports,
 * interleaved tinybench rounds, a section's result shape and how a section file runs on its own.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

// ------------------------------------------------------------------ results

/** Verdict of a figure against its target. */
export type Verdict = 'pass' | 'FAIL' | 'info' | 'skipped';

/** One line of the summary table: a target with its measured figure and ratio. */
export interface Figure {
  /** What is measured, e.g. "closed success, ns added per call". */
  metric: string;
  /** The measured figure(s) of llm-breaker, formatted. */
  measured: string;
  /** The side-by-side ratio, formatted (e.g. "0.62× cockatiel"). */
  ratio: string;
  /** The target, formatted. */
  target: string;
  verdict: Verdict;
}

/** A detail table (absolute numbers). */
export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
}

/** What a section file produces. */
export interface SectionResult {
  id: string;
  title: string;
  /** Set when the section could not run: "skipped: <module> not available". */
  skipped?: string;
  figures: Figure[];
  tables: Table[];
  /** Method and caveats, one paragraph each (markdown). */
  notes: string[];
  /** Wall time of the section, ms. */
  elapsedMs?: number;
}

export function skippedSection(id: string, title: string, reason: string): SectionResult {
  return { id, title, skipped: `skipped: ${reason}`, figures: [], tables: [], notes: [] };
}

// ------------------------------------------------------------------ statistics

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Percentile (0..100) of already sorted values, linear interpolation. */
export function pct(sortedXs: readonly number[], p: number): number {
  if (sortedXs.length === 0) return Number.NaN;
  const idx = ((sortedXs.length - 1) * p) / 100;
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  const a = sortedXs[lo] as number;
  const b = sortedXs[hi] as number;
  return a + (b - a) * (idx - lo);
}

export function median(xs: readonly number[]): number {
  return pct(sorted(xs), 50);
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

// ------------------------------------------------------------------ formatting

export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  if (Math.abs(ns) >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (Math.abs(ns) >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (Math.abs(ns) >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${Math.round(ns)} ns`;
}

export function fmtUs(us: number): string {
  return fmtNs(us * 1e3);
}

export function fmtRatio(r: number, digits = 2): string {
  return Number.isFinite(r) ? `${r.toFixed(digits)}×` : '–';
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtBytes(b: number): string {
  if (Math.abs(b) >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(2)} MiB`;
  if (Math.abs(b) >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
}

export function fmtPct(r: number): string {
  return `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)}%`;
}

// ------------------------------------------------------------------ machine

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  v8: string;
  platform: string;
  memory: string;
  versions: Record<string, string>;
}

const require = createRequire(import.meta.url);

function pkgVersion(name: string): string {
  try {
    const file = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    try {
      // packages whose exports map hides package.json
      const main = require.resolve(name);
      let dir = main;
      for (let i = 0; i < 6; i++) {
        dir = dir.slice(0, dir.lastIndexOf('/'));
        try {
          const p = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { name?: string; version: string };
          if (p.name === name) return p.version;
        } catch {
          // keep walking up
        }
      }
    } catch {
      // not installed
    }
    return 'not installed';
  }
}

export function machine(): Machine {
  let nproc = availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: keep Node's answer
  }
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  let redis = 'not installed';
  try {
    redis = /v=([\d.]+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    // no redis-server
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    versions: {
      tinybench: pkgVersion('tinybench'),
      cockatiel: pkgVersion('cockatiel'),
      opossum: pkgVersion('opossum'),
      openai: pkgVersion('openai'),
      ioredis: pkgVersion('ioredis'),
      'redis-server': redis,
    },
  };
}

// ------------------------------------------------------------------ optional modules

/**
 * Imports a module of the project that may not exist yet (being written by someone else).
 * @returns the module, or the reason it is not available
 */
export async function optionalImport<T>(specifier: string, mustExport: string[] = []): Promise<{ mod: T } | { missing: string }> {
  const url = new URL(specifier, import.meta.url);
  try {
    const mod = (await import(url.href)) as Record<string, unknown>;
    const absent = mustExport.filter((k) => mod[k] === undefined);
    if (absent.length > 0) return { missing: `${specifier.replace(/^\.\.\//, '')} not available (no export ${absent.join(', ')})` };
    return { mod: mod as T };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ERR_MODULE_NOT_FOUND' ? '' : ` (${(err as Error).message.split('\n')[0]})`;
    return { missing: `${specifier.replace(/^\.\.\//, '')} not available${why}` };
  }
}

// ------------------------------------------------------------------ timing

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

export interface Candidate {
  name: string;
  /** One sample: runs `batch` guarded calls sequentially. */
  fn: () => Promise<void>;
}

export interface RoundsOptions {
  rounds: number;
  /** tinybench time budget per task per round, ms. */
  timeMs: number;
  /** Calls per sample (the candidate's fn runs this many). */
  batch: number;
}

/**
 * Runs the candidates in several tinybench rounds, rotating their order each round so that no
 * candidate always runs first (JIT warm-up, GC pressure, frequency scaling). Each sample times a
 * batch of calls; the figure of a round is the median sample divided by the batch.
 * @returns ns per call, per candidate, one value per round
 */
export async function interleavedRounds(cands: Candidate[], o: RoundsOptions): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(cands.map((c) => [c.name, []]));
  for (let r = 0; r < o.rounds; r++) {
    const order = cands.map((_, i) => cands[(i + r) % cands.length] as Candidate);
    const bench = new Bench({
      time: o.timeMs,
      iterations: 10,
      warmup: true,
      warmupIterations: 10,
      // the first round warms the JIT up properly; later rounds only re-warm caches
      warmupTime: r === 0 ? 200 : Math.min(30, o.timeMs),
      throws: true,
    });
    for (const c of order) bench.add(c.name, c.fn);
    await bench.run();
    for (const t of bench.tasks) {
      const res = t.result;
      if (res.state !== 'completed') throw new Error(`task ${t.name} ${res.state}`);
      out.get(t.name)?.push((res.latency.p50 * 1e6) / o.batch);
    }
  }
  return out;
}

// ------------------------------------------------------------------ running a section file

/**
 * When a section file is the entry point: run it and write its result as JSON to `BENCH_OUT`
 * (from run.ts), or print it.
 */
export function runIfMain(metaUrl: string, run: () => Promise<SectionResult>): void {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(entry).href !== metaUrl) return;
  const t0 = performance.now();
  run().then(
    (res) => {
      res.elapsedMs = performance.now() - t0;
      const out = process.env['BENCH_OUT'];
      if (out) writeFileSync(out, JSON.stringify(res));
      else console.log(JSON.stringify(res, null, 2));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** `npm run bench -- --quick`: every section runs fewer, shorter rounds (set by bench/run.ts). */
export const QUICK = process.env['BENCH_QUICK'] === '1';
