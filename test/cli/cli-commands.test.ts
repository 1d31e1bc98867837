/**
 * The operator's commands at their edges, against a private redis-server: a name with no state
 * (a typo) is refused unless --create, `forget NAME` deletes a breaker's keys (and every running
 * instance hears it), `status` shows each breaker's own stored resetTimeoutMs, a CLOSED breaker
 * shows no "opened at", and unknown flags and commands get a "did you mean".
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';
import { cli, spawnCli } from './run.js';

let server: RedisServer;
let redis: Redis;
let url: string;

async function redisNow(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** A breaker state written straight into its hash, as the scripts write it. */
async function writeState(prefix: string, name: string, fields: Record<string, string | number>): Promise<void> {
  await redis.hset(`${prefix}:{${name}}`, { state: 'closed', forced: 0, failures: 0, successes: 0, openedAt: 0, version: 1, ...fields });
}

beforeAll(async () => {
  server = await startRedisServer();
  redis = await server.createClient();
  url = server.url;
  await writeState('ops', 'openai', { failures: 2 });
  await writeState('ops', 'anthropic', {});
});

afterAll(async () => {
  await server?.close();
});

describe('open / close / reset on a breaker that has no state', () => {
  it('exits 1, says so, suggests the closest name, and writes nothing (as a child process)', async () => {
    const runs = await Promise.all(['open', 'close', 'reset'].map((command) => spawnCli([command, 'opnai', '--redis', url, '--prefix', 'ops'])));
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain('no breaker "opnai" under prefix "ops"; did you mean "openai"?');
      expect(r.err).toContain('add --create');
    }
    expect(await redis.keys('ops:{opnai}*')).toEqual([]);
  });

  it('--create opens a breaker that had no state', async () => {
    const r = await cli(['open', 'fresh', '--create', '--redis', url, '--prefix', 'ops']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('breaker "fresh" held open (created: it had no state): closed → open (forced)');
    expect(await redis.hget('ops:{fresh}', 'forced')).toBe('1');
  });

  it('--create is refused where it means nothing', async () => {
    expect(await cli(['status', '--create', '--redis', url])).toMatchObject({ code: 2, err: expect.stringContaining('--create only applies to open, close and reset') as unknown });
    expect(await cli(['forget', 'x', '--create', '--redis', url])).toMatchObject({ code: 2, err: expect.stringContaining('--create only applies') as unknown });
  });
});

describe('forget NAME', () => {
  it('deletes the state hash and the probe leases; the running instances hear it; a second forget exits 1', async () => {
    const store: RedisStore = redisStore(await server.createClient(), { prefix: 'forget' });
    const live = new CircuitBreaker('doomed', { store });
    try {
      expect((await cli(['open', 'doomed', '--create', '--redis', url, '--prefix', 'forget'])).code).toBe(0);
      await waitFor(async () => (await live.getState()) === 'open', 3000, 'the instance sees the forced open');
      await redis.zadd('forget:{doomed}:probes', Date.now() + 60_000, 'lease-1');
      expect(await redis.exists('forget:{doomed}', 'forget:{doomed}:probes')).toBe(2);

      const r = await spawnCli(['forget', 'doomed', '--redis', url, '--prefix', 'forget']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toBe('breaker "doomed" forgotten: 2 keys deleted (it was open (forced))\n');
      expect(await redis.exists('forget:{doomed}', 'forget:{doomed}:probes')).toBe(0);
      await waitFor(async () => (await live.getState()) === 'closed', 3000, 'the instance follows the forget');
      await expect(live.execute(() => 'served')).resolves.toBe('served');

      const again = await cli(['forget', 'doomed', '--redis', url, '--prefix', 'forget', '--json']);
      expect(again.code).toBe(1);
      expect(again.out).toBe('');
      expect(again.err).toContain('no breaker "doomed" under prefix "forget"');
      expect(again.err).toContain('nothing to forget');
    } finally {
      await live.close();
      await store.close();
    }
  });

  it('--json reports what was deleted', async () => {
    await writeState('forget', 'gone', { state: 'open', openedAt: await redisNow(), failures: 5 });
    const r = await cli(['forget', 'gone', '--redis', url, '--prefix', 'forget', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ command: 'forget', name: 'gone', deleted: 1, before: { state: 'open', failures: 5 } });
    expect(await redis.exists('forget:{gone}')).toBe(0);
  });
});

describe('status shows each breaker as it runs', () => {
  it("shows the breaker's stored resetTimeoutMs and its next probe; the default when absent or invalid", async () => {
    const openedAt = (await redisNow()) - 1000;
    await writeState('rt', 'custom', { state: 'open', openedAt, failures: 3, resetTimeoutMs: 120_000 });
    await writeState('rt', 'plain', { state: 'open', openedAt, failures: 3 });
    await writeState('rt', 'broken', { state: 'open', openedAt, failures: 3, resetTimeoutMs: 'soon' });

    const text = await cli(['status', '--redis', url, '--prefix', 'rt']);
    expect(text.code).toBe(0);
    const line = (name: string) => text.out.split('\n').find((l) => l.startsWith(name)) ?? '';
    expect(line('custom')).toMatch(/\s2m 00s\s+in 1m 5\ds\s+0$/);
    expect(line('plain')).toMatch(/\s30\.0s \(default\)\s+in 2\d\.\ds\s+0$/);
    expect(line('broken')).toMatch(/\s30\.0s \(default\)\s+in 2\d\.\ds\s+0$/);

    const json = await cli(['status', '--redis', url, '--prefix', 'rt', '--json']);
    const report = JSON.parse(json.out) as { at: string; breakers: Array<Record<string, unknown>> };
    const custom = report.breakers.find((b) => b.name === 'custom') ?? {};
    expect(custom).toMatchObject({ resetTimeoutMs: 120_000, resetTimeoutSource: 'stored' });
    expect(custom.nextProbeInMs).toBeGreaterThan(100_000);
    expect(Date.parse(String(custom.nextProbeAt))).toBe(openedAt + 120_000);
    expect(report.breakers.find((b) => b.name === 'broken')).toMatchObject({ resetTimeoutMs: 30_000, resetTimeoutSource: 'default' });
  });

  it('an operator command runs with the stored options and keeps them', async () => {
    await writeState('rt', 'kept', { state: 'closed', failures: 1, resetTimeoutMs: 90_000 });
    const r = await cli(['open', 'kept', '--redis', url, '--prefix', 'rt', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ after: { state: 'open', forced: true, resetTimeoutMs: 90_000, resetTimeoutSource: 'stored' } });
    expect(await redis.hget('rt:{kept}', 'resetTimeoutMs')).toBe('90000');
  });

  it('a CLOSED breaker shows no "opened at", even when an old openedAt is stored', async () => {
    await writeState('closedat', 'recovered', { state: 'closed', openedAt: (await redisNow()) - 60_000, failures: 1 });
    const text = await cli(['status', '--redis', url, '--prefix', 'closedat']);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[1]).toMatch(/^recovered\s+closed\s+1\s+-\s+/);
    const json = await cli(['status', '--redis', url, '--prefix', 'closedat', '--json']);
    expect((JSON.parse(json.out) as { breakers: unknown[] }).breakers[0]).toMatchObject({ openedAt: null, openedAtMs: null, nextProbeInMs: null });
  });
});

describe('unknown flags and commands', () => {
  it('get a "did you mean" and exit 2 (as a child process)', async () => {
    const [interval, json, other, command] = await Promise.all([
      spawnCli(['status', '--redis', url, '--watch', '--intervall', '500']),
      spawnCli(['status', '--redis', url, '--jsno']),
      spawnCli(['status', '--redis', url, '--frobnicate']),
      spawnCli(['stauts', '--redis', url]),
    ]);
    expect(interval).toMatchObject({ code: 2, out: '' });
    expect(interval.err).toContain('unknown option --intervall; did you mean --interval?');
    expect(json.err).toContain('unknown option --jsno; did you mean --json?');
    expect(other.code).toBe(2);
    expect(other.err).toContain('unknown option --frobnicate; options: --redis, --prefix');
    expect(command.code).toBe(2);
    expect(command.err).toContain('unknown command "stauts"; did you mean "status"?');
  });
});
