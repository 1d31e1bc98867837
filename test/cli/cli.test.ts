/**
 * The `llm-breaker` CLI against a real, private redis-server: in process (runCli) for most cases,
 * and as a child process for exit codes and the real entry point.
 */
import { createServer, type Server } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { formatDuration } from '../../src/cli/format.js';
import { DEFAULT_BREAKER_OPTIONS } from '../../src/breaker/options.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { cli, closedPort, spawnCli } from './run.js';

const cfg = { ...DEFAULT_BREAKER_OPTIONS, failureRate: undefined };

let server: RedisServer;
let client: Redis;
let store: RedisStore;
let url: string;
const breakers: CircuitBreaker[] = [];
const failing = (): Promise<never> => Promise.reject(new Error('boom'));

beforeAll(async () => {
  server = await startRedisServer();
  client = await server.createClient();
  url = server.url;
  store = redisStore(client, { prefix: 'cli_test' });
  // Live breakers, through the library: "openai" open (2 failures), "anthropic" closed with 1 failure,
  // "search" closed after a failure and a success. (A breaker that never failed has no key.)
  const openaiB = new CircuitBreaker('openai', { store, failureThreshold: 2, resetTimeoutMs: 60_000 });
  const anthropicB = new CircuitBreaker('anthropic', { store, failureThreshold: 5 });
  const searchB = new CircuitBreaker('search', { store });
  breakers.push(openaiB, anthropicB, searchB);
  for (let i = 0; i < 2; i++) await openaiB.execute(failing).catch(() => undefined);
  await anthropicB.execute(failing).catch(() => undefined);
  await searchB.execute(failing).catch(() => undefined);
  await searchB.execute(() => 'ok'); // resets the count (written behind)
  await searchB.snapshot(); // flushes it
  // another prefix must not show up
  await redisStore(client, { prefix: 'other' }).forceOpen('elsewhere', cfg);
});

afterAll(async () => {
  await Promise.all(breakers.map((b) => b.close()));
  await store?.close();
  await server?.close();
});

describe('llm-breaker status', () => {
  it('prints a table of every breaker under the prefix, read from Redis', async () => {
    const r = await cli(['status', '--redis', url, '--prefix', 'cli_test', '--reset-timeout', '60000']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+FAILURES\s+OPENED AT\s+RESET TIMEOUT\s+NEXT PROBE\s+PROBES$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['anthropic', 'openai', 'search']);
    const openai = lines.find((l) => l.startsWith('openai')) ?? '';
    // (its resetTimeoutMs is stored by breakers that store their options, else --reset-timeout applies)
    expect(openai).toMatch(/^openai\s+open\s+2\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(.+ ago\)\s+1m 00s( \(default\))?\s+in (59|60)\.\ds\s+0$/);
    expect(lines.find((l) => l.startsWith('anthropic'))).toMatch(/^anthropic\s+closed\s+1\s+-\s+(30\.0s|1m 00s \(default\))\s+-\s+0$/);
    expect(r.out).not.toContain('elsewhere');
  });

  it('--json prints the same as JSON', async () => {
    const r = await cli(['status', '--redis', url, '--prefix', 'cli_test', '--json', '--reset-timeout', '60000']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { prefix: string; breakers: Array<Record<string, unknown>> };
    expect(report.prefix).toBe('cli_test');
    expect(report.breakers.map((b) => b.name)).toEqual(['anthropic', 'openai', 'search']);
    const openai = report.breakers.find((b) => b.name === 'openai');
    expect(openai).toMatchObject({ state: 'open', forced: false, failures: 2, probesInFlight: 0 });
    expect(typeof openai?.openedAt).toBe('string');
    expect(openai?.nextProbeInMs).toBeGreaterThan(55_000);
    expect(report.breakers.find((b) => b.name === 'anthropic')).toMatchObject({ state: 'closed', failures: 1, openedAt: null, nextProbeInMs: null });
  });

  it('says so when no breaker exists under the prefix', async () => {
    const r = await cli(['status', '--redis', url, '--prefix', 'nothing_here']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('no breakers under prefix "nothing_here"');
  });

  it('--watch refreshes until its signal aborts', async () => {
    const ac = new AbortController();
    const r = await cli(['status', '--redis', url, '--prefix', 'cli_test', '--watch', '--interval', '100'], ac.signal, (out) => {
      if ((out.match(/^NAME/gm) ?? []).length >= 3) ac.abort();
    });
    expect(r.code).toBe(0);
    expect((r.out.match(/^NAME/gm) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(r.out).toContain('Ctrl-C to stop');
  });
});

describe('llm-breaker status --watch through a Redis outage', () => {
  it('reports the outage once, keeps trying, and resumes when Redis is back', async () => {
    const own = await startRedisServer();
    try {
      const ownStore = redisStore(await own.createClient(), { prefix: 'watched' });
      await ownStore.forceOpen('primary', cfg);
      await ownStore.close();
      const ac = new AbortController();
      let stopped = false;
      let restarted = false;
      let framesAfterRestart = 0;
      const r = await cli(['status', '--redis', own.url, '--prefix', 'watched', '--watch', '--interval', '100', '--timeout', '300'], ac.signal, (out) => {
        const frames = (out.match(/^NAME/gm) ?? []).length;
        if (frames === 1 && !stopped) {
          stopped = true;
          void own.stop(); // Redis goes away (and its data with it: no persistence)
          setTimeout(() => void own.restart().then(() => (restarted = true)), 600);
        }
        if (restarted && out.endsWith('no breakers under prefix "watched" in ' + own.url + '\n')) {
          if (++framesAfterRestart === 1) ac.abort();
        }
      });
      expect(r.code).toBe(0);
      expect(r.err.match(/retrying every 100 ms/g)).toHaveLength(1);
      expect(r.err).toContain('Redis answers again');
      expect(r.out).toContain('primary');
      expect(framesAfterRestart).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe('llm-breaker open / close / reset', () => {
  it('open holds a breaker open for every instance; close closes it; reset forgets it', async () => {
    const live = breakers[2] as CircuitBreaker; // "search", closed
    const seen = new Promise<void>((resolve) => {
      const sub = live.on('stateChange', ({ to }) => {
        if (to === 'open') {
          sub.dispose();
          resolve();
        }
      });
    });
    const opened = await cli(['open', 'search', '--redis', url, '--prefix', 'cli_test']);
    expect(opened.code).toBe(0);
    expect(opened.out).toContain('breaker "search" held open: closed → open (forced)');
    await seen; // the running instance learnt it through pub/sub
    await expect(live.execute(() => 'never')).rejects.toMatchObject({ code: 'circuit_open' });
    expect((await store.read('search', cfg)).forced).toBe(true);

    const status = await cli(['status', '--redis', url, '--prefix', 'cli_test']);
    expect(status.out).toMatch(/search\s+open \(forced\)\s+0\s+.+held open by operator/);

    const closed = await cli(['close', 'search', '--redis', url, '--prefix', 'cli_test', '--json']);
    expect(closed.code).toBe(0);
    expect(JSON.parse(closed.out)).toMatchObject({ command: 'close', name: 'search', existed: true, before: { state: 'open', forced: true }, after: { state: 'closed', forced: false } });
    expect((await store.read('search', cfg)).state).toBe('closed');

    const reset = await cli(['reset', 'openai', '--redis', url, '--prefix', 'cli_test']);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain('breaker "openai" reset: open → closed');
    expect(await store.read('openai', cfg)).toMatchObject({ state: 'closed', failures: 0, openedAt: 0 });
  });

  it('refuses a breaker that has no state (a typo?), names the closest one, and changes nothing', async () => {
    const r = await cli(['open', 'opneai', '--redis', url, '--prefix', 'cli_test']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no breaker "opneai" under prefix "cli_test"; did you mean "openai"?');
    expect(r.err).toContain('--create');
    expect(await client.exists('cli_test:{opneai}', 'cli_test:{opneai}:probes')).toBe(0);
  });
});

describe('llm-breaker errors', () => {
  it('an invalid URL or bad usage exits 2 with a clear message', async () => {
    expect(await cli(['status', '--redis', 'http://localhost:6379'])).toMatchObject({ code: 2, err: expect.stringContaining('scheme must be redis://') as unknown });
    expect(await cli(['status', '--redis', 'not a url'])).toMatchObject({ code: 2, err: expect.stringContaining('invalid Redis URL') as unknown });
    expect(await cli(['status', '--redis', `${url}/x`])).toMatchObject({ code: 2, err: expect.stringContaining('database number') as unknown });
    expect(await cli(['status'])).toMatchObject({ code: 2, err: expect.stringContaining('--redis URL is required') as unknown });
    expect(await cli(['open', '--redis', url])).toMatchObject({ code: 2, err: expect.stringContaining('open needs a breaker name') as unknown });
    expect(await cli(['open', 'a{b}', '--redis', url])).toMatchObject({ code: 2, err: expect.stringContaining('invalid breaker name') as unknown });
    expect(await cli(['frobnicate', '--redis', url])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "frobnicate"') as unknown });
    expect(await cli(['status', '--redis', url, '--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining('--bogus') as unknown });
    expect(await cli(['status', '--redis', url, '--prefix', 'a{b}'])).toMatchObject({ code: 2, err: expect.stringContaining('prefix') as unknown });
  });

  it('Redis unreachable: exit 2, quickly, without the password', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const r = await cli(['status', '--redis', `redis://user:s3cret@127.0.0.1:${port}`, '--timeout', '1000']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot connect to Redis at redis://user:***@127.0.0.1:${port}`);
    expect(r.err).toContain('ECONNREFUSED');
    expect(r.err).not.toContain('s3cret');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('Redis accepting connections but never answering: exit 2 within the timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const t0 = Date.now();
      const r = await cli(['status', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '300']);
      expect(r.code).toBe(2);
      expect(r.err).toContain('no answer within 300 ms');
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});

describe('the llm-breaker executable', () => {
  it('runs as a process: status --json, --version, and exit code 2 when Redis is unreachable', async () => {
    const port = await closedPort();
    const [status, version, down] = await Promise.all([
      spawnCli(['status', '--redis', url, '--prefix', 'cli_test', '--json']),
      spawnCli(['--version']),
      spawnCli(['status', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '1000']),
    ]);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.out) as { breakers: unknown[] }).breakers).toHaveLength(3);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/^llm-breaker: cannot connect to Redis/);
  });
});

describe('formatDuration', () => {
  it('reads well at every scale', () => {
    expect([850, 12_345, 245_000, 7_800_000, Number.POSITIVE_INFINITY].map(formatDuration)).toEqual(['850ms', '12.3s', '4m 05s', '2h 10m', '∞']);
  });
});
