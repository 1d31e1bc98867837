/**
 * A client that is never closed (issue 10 §8): a serverless handler creates an LLM client per
 * request, on one store for the process, and never calls `close()`. The registry, the store's
 * subscriptions and the breakers' timers must not keep those clients alive: after 100,000 of them
 * the heap after GC stays flat. Run in a child process with `--expose-gc`
 * (test/robustness/fixtures/unclosed-clients.ts), which samples the heap after GC five times.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killOnExit } from '../helpers/processes.js';
import { startRedisServer } from '../helpers/redis-server.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/unclosed-clients.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Allowed growth of the heap after GC between the first sample and any later one. */
const MAX_GROWTH_BYTES = 4 * 1024 * 1024;

interface Report {
  clients: number;
  every: number;
  heaps: number[];
  tracked: number;
}

function run(env: Record<string, string>): Promise<Report> {
  // A small old space: a leak of ~6 KiB per client fails by running out of memory, not by swapping.
  const proc = killOnExit(
    spawn(process.execPath, ['--expose-gc', '--max-old-space-size=256', '--import', 'tsx', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    proc.once('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim()) as Report);
    });
  });
}

function expectFlat(report: Report, label: string): void {
  const [first, ...later] = report.heaps as [number, ...number[]];
  const growth = Math.max(...later) - first;
  console.log(`[figure] ${label}: heap after GC every ${report.every} clients: ${report.heaps.map((h) => (h / 2 ** 20).toFixed(1)).join(', ')} MiB (growth ${(growth / 2 ** 20).toFixed(2)} MiB), breakers still tracked: ${report.tracked}`);
  expect(report.heaps).toHaveLength(5);
  expect(growth).toBeLessThan(MAX_GROWTH_BYTES);
  expect(report.tracked).toBeLessThan(1000);
}

describe('clients created and dropped without close()', () => {
  it('100,000 clients on one shared memory store: the heap after GC stays flat', async () => {
    expectFlat(await run({ CLIENTS: '100000', STORE: 'memory' }), '100,000 unclosed clients (memory store)');
  }, 180_000);

  it('30,000 clients on one shared Redis store (each reads its state from Redis): the heap after GC stays flat', async () => {
    const redis = await startRedisServer();
    try {
      expectFlat(await run({ CLIENTS: '30000', STORE: 'redis', REDIS_PORT: String(redis.port) }), '30,000 unclosed clients (Redis store)');
    } finally {
      await redis.close();
    }
  }, 180_000);
});
