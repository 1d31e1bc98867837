/**
 * `npm run bench`: runs every section in its own Node process (with `--expose-gc`), prints the
 * table, and writes docs/benchmarks.md.
 *
 *   npm run bench                   every section; writes docs/benchmarks.md
 *   npm run bench -- --quick        smaller counts (smoke test); does not write the doc
 *   npm run bench -- --only=memory,breaker-overhead
 *   npm run bench -- --no-write     print only
 *
 * A private redis-server (`--port <free> --save "" --appendonly no`) is started for the sections
 * that need Redis (unless REDIS_URL is set) and stopped at the end.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, isRunning, spawnRedisServer, waitExit } from '../test/helpers/processes.js';
import { renderMarkdown, renderText, type Report } from './report.js';
import { machine, skippedSection, sleep, type SectionResult } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

const SECTIONS: Array<{ id: string; title: string; file: string; redis: boolean }> = [
  { id: 'breaker-overhead', title: '1. In-memory breaker overhead per call', file: 'breaker-overhead.ts', redis: false },
  { id: 'redis-commands', title: '2. Redis store cost per call', file: 'redis-commands.ts', redis: true },
  { id: 'complete-overhead', title: '3. llm.complete() overhead over the bare openai SDK', file: 'complete-overhead.ts', redis: true },
  { id: 'memory', title: '4. Memory', file: 'memory.ts', redis: false },
  { id: 'fleet', title: '5. Fleet: requests reaching a dead provider', file: 'fleet.ts', redis: true },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const write = !args.includes('--no-write') && !quick && only === undefined;

interface PrivateRedis {
  url: string;
  proc: ChildProcess;
}

async function startRedis(): Promise<PrivateRedis | { missing: string }> {
  const port = await freePort();
  try {
    const proc = await spawnRedisServer(['--port', String(port), '--loglevel', 'warning'], { port });
    return { url: `redis://127.0.0.1:${port}`, proc };
  } catch (err) {
    return { missing: err instanceof Error ? err.message : String(err) };
  }
}

async function stopRedis(r: PrivateRedis): Promise<void> {
  if (!isRunning(r.proc)) return;
  r.proc.kill('SIGTERM');
  await Promise.race([waitExit(r.proc), sleep(3000)]);
  if (isRunning(r.proc)) r.proc.kill('SIGKILL');
}

function runSection(file: string, env: NodeJS.ProcessEnv, outFile: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], {
      cwd: root,
      env: { ...env, BENCH_OUT: outFile },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const m = machine();
  console.log(`machine: nproc ${m.nproc}, ${m.cpuModel}, node ${m.node}, load average ${loadBefore.toFixed(2)}${quick ? ' (quick mode)' : ''}`);
  const selected = SECTIONS.filter((s) => only === undefined || only.includes(s.id));
  const needRedis = selected.some((s) => s.redis);

  let redis: PrivateRedis | { missing: string } | undefined;
  let redisUrl = process.env['REDIS_URL'];
  if (needRedis && redisUrl === undefined) {
    redis = await startRedis();
    if ('url' in redis) {
      redisUrl = redis.url;
      console.log(`private redis-server at ${redisUrl} (pid ${redis.proc.pid})`);
    } else console.log(`no Redis: ${redis.missing}`);
  }
  const stop = async (): Promise<void> => {
    if (redis && 'proc' in redis) await stopRedis(redis);
  };
  const onSignal = (): void => {
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const tmp = mkdtempSync(join(tmpdir(), 'llm-breaker-bench-'));
  const sections: SectionResult[] = [];
  try {
    for (const s of selected) {
      const file = join(here, s.file);
      if (!existsSync(file)) {
        sections.push(skippedSection(s.id, s.title, `bench/${s.file} not available`));
        continue;
      }
      process.stdout.write(`running ${s.id}… `);
      const started = performance.now();
      const out = join(tmp, `${s.id}.json`);
      const env: NodeJS.ProcessEnv = { ...process.env, BENCH_QUICK: quick ? '1' : '0' };
      if (redisUrl !== undefined) env['REDIS_URL'] = redisUrl;
      else delete env['REDIS_URL'];
      if (redis && 'missing' in redis) env['BENCH_NO_REDIS'] = redis.missing;
      const code = await runSection(s.file, env, out);
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      if (code === 0 && existsSync(out)) {
        const res = JSON.parse(readFileSync(out, 'utf8')) as SectionResult;
        sections.push(res);
        console.log(res.skipped ? `${res.skipped} (${secs} s)` : `done (${secs} s)`);
      } else {
        sections.push({ ...skippedSection(s.id, s.title, `section failed (exit code ${code}); see the output above`) });
        console.log(`failed (exit code ${code}, ${secs} s)`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await stop();
  }

  const report: Report = {
    machine: m,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: 'npm run bench',
    totalMs: performance.now() - t0,
    load: { before: loadBefore, after: loadavg()[0] ?? 0 },
    sections,
  };
  const appendixFile = join(here, 'analysis.md');
  if (existsSync(appendixFile)) report.appendix = readFileSync(appendixFile, 'utf8');
  console.log('');
  console.log(renderText(report, true));
  if (write) {
    const doc = join(root, 'docs', 'benchmarks.md');
    writeFileSync(doc, renderMarkdown(report));
    console.log(`wrote ${doc}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
