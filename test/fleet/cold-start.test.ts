/**
 * Fleet figure (issue 10 §1): 6 NEW processes started while the primary's circuit is open for the
 * whole fleet, each calling at once (its Redis client still connecting), send 0 requests to the
 * primary: each follows the shared state from its first call. Real child processes
 * (test/fleet/cold-start.ts), one private redis-server, the mock LLM server of the fleet harness.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore } from '../../src/breaker/redis-store.js';
import { killOnExit } from '../helpers/processes.js';
import { COLD_START_BREAKER } from './cold-start-config.js';
import { Fleet, waitFor } from './fleet.js';
import { recordFigure } from './results.js';

const CHILD = fileURLToPath(new URL('./cold-start.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const N = 6;
/** A fresh process must serve its call and exit by itself within this (node + tsx start-up included). */
const LIFE_BOUND_MS = 45_000;

interface ColdReport {
  provider: string;
  statusAtCall: string;
  storeErrors: number;
}

function coldStart(fleet: Fleet, worker: number): Promise<{ report: ColdReport | undefined; code: number | null; stderr: string }> {
  const proc = killOnExit(
    spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_NO_WARNINGS: '1',
        REDIS_PORT: String(fleet.redis.port),
        PREFIX: fleet.prefix,
        OPENAI_URL: fleet.mock.openaiBaseURL,
        ANTHROPIC_URL: fleet.mock.anthropicBaseURL,
        WORKER: String(worker),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), LIFE_BOUND_MS);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1);
      resolve({ report: line ? (JSON.parse(line) as ColdReport) : undefined, code, stderr });
    });
  });
}

describe(`${N} new processes started while the circuit is open fleet-wide`, { timeout: 90_000 }, () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await Fleet.start(0);
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
  }, 20_000);

  it('each calling at once, they send 0 requests to the primary', async () => {
    await fleet.configure();
    fleet.traffic.setMode('openai', 'down');

    // The fleet's state: the primary's circuit opened by real counted failures of a running instance.
    const warm = await fleet.redis.createClient();
    const store = redisStore(warm, { prefix: fleet.prefix, timeoutMs: 2000 });
    const running = new CircuitBreaker('openai', { store, ...COLD_START_BREAKER });
    for (let i = 0; i < COLD_START_BREAKER.failureThreshold; i++) {
      await running.execute(() => Promise.reject(new Error('provider down'))).catch(() => undefined);
    }
    expect(running.localState).toBe('open');
    await waitFor(() => fleet.monitor.of('openai', 'open').length > 0, 2000, 'the shared transition to OPEN');

    const t0 = Date.now();
    const runs = await Promise.all(Array.from({ length: N }, (_, i) => coldStart(fleet, 100 + i)));
    const toPrimary = fleet.traffic.between('openai', t0);
    const toFallback = fleet.traffic.between('anthropic', t0);
    const reports = runs.map((r) => r.report);
    recordFigure('cold-start', {
      instances: N,
      primaryRequests: toPrimary.length,
      fallbackRequests: toFallback.length,
      servedBy: reports.map((r) => r?.provider ?? 'none'),
      redisStatusAtFirstCall: reports.map((r) => r?.statusAtCall ?? 'none'),
      storeErrors: reports.reduce((a, r) => a + (r?.storeErrors ?? 0), 0),
      exitedByThemselves: runs.filter((r) => r.code === 0).length,
    });
    console.log(`[figure] ${N} cold starts while open: ${toPrimary.length} requests to the primary, ${toFallback.length} to the fallback; statuses at the first call: ${reports.map((r) => r?.statusAtCall).join(', ')}`);

    for (const r of runs) expect(r.code, r.stderr).toBe(0); // served, closed its Redis client, exited by itself
    expect(toPrimary).toHaveLength(0);
    expect(reports.map((r) => r?.provider)).toEqual(Array(N).fill('anthropic'));
    expect(reports.map((r) => r?.storeErrors)).toEqual(Array(N).fill(0));
    // The call really was made while the client was still connecting.
    for (const r of reports) expect(['connecting', 'connect']).toContain(r?.statusAtCall);

    await running.close();
    await store.close();
    warm.disconnect();
  });
});
