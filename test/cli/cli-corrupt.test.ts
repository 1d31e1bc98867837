/**
 * The CLI shows and resets any breaker, however corrupt its keys: a probe lease that never expires
 * (expiry +inf), an `openedAt` beyond the range of a Date, garbage in any field, keys of the wrong
 * type. One bad breaker never hides the others. Corrupt values are written with HSET / ZADD into a
 * private redis-server; the CLI runs as a child process.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { spawnCli } from './run.js';

let server: RedisServer;
let redis: Redis;
let url: string;

const BASE = { forced: 0, failures: 0, successes: 0, version: 4 };

interface Row {
  name: string;
  state: string;
  forced: boolean;
  openedAt: string | null;
  openedAtMs: number | null;
  probesInFlight: number | null;
  problem: string | null;
}

async function statusJson(prefix: string): Promise<Row[]> {
  const r = await spawnCli(['status', '--redis', url, '--prefix', prefix, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as { breakers: Row[] }).breakers;
}

beforeAll(async () => {
  server = await startRedisServer();
  redis = await server.createClient();
  url = server.url;
});

beforeEach(async () => {
  await redis.flushall();
  await redis.hset('bad:{healthy}', { ...BASE, state: 'closed', failures: 1, openedAt: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('a probe lease that never expires (+inf)', () => {
  beforeEach(async () => {
    // the lease, as each key layout keeps it: a p:<id> field of the hash, or the older :probes zset
    await redis.hset('bad:{stuck}', { ...BASE, state: 'half_open', openedAt: 1_700_000_000_000, 'p:lease-forever': 'inf' });
    await redis.zadd('bad:{stuck}:probes', '+inf', 'lease-forever');
  });

  it('status shows it (and every other breaker) in text and JSON', async () => {
    const text = await spawnCli(['status', '--redis', url, '--prefix', 'bad']);
    expect(text.err).toBe('');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^healthy\s+closed\s+1\s/m);
    // shown as it is, or as the store's read script repaired it (with what it found)
    expect(text.out).toMatch(
      /^stuck\s+(half_open\s+0\s+2023-11-14T22:13:20Z \(.+ ago\)\s+.+\s+never \(a probe lease never expires\)\s+1\s|closed\s+0\s+-\s+.+\s+0\s+was corrupt, repaired: .*lease-forever)/m,
    );
    const rows = await statusJson('bad');
    expect(rows.map((b) => b.name)).toEqual(['healthy', 'stuck']);
    expect(rows[1]).toMatchObject({ name: 'stuck', state: expect.stringMatching(/^(half_open|closed)$/) as unknown });
  });

  it('reset closes it and frees the lease', async () => {
    const r = await spawnCli(['reset', 'stuck', '--redis', url, '--prefix', 'bad']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^breaker "stuck" reset: (half_open → closed|still closed)\n$/);
    expect(await redis.hget('bad:{stuck}', 'state')).toBe('closed');
    const [after] = await statusJson('bad').then((rows) => rows.filter((row) => row.name === 'stuck'));
    expect(after).toMatchObject({ state: 'closed', probesInFlight: 0, problem: null });
  });
});

describe('an openedAt beyond the range of a Date', () => {
  beforeEach(async () => {
    await redis.hset('bad:{future}', { ...BASE, state: 'open', failures: 5, openedAt: '9999999999999999' });
  });

  it('status shows every breaker, the out-of-range instant as a number', async () => {
    const text = await spawnCli(['status', '--redis', url, '--prefix', 'bad']);
    expect(text.err).toBe('');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^healthy\s+closed\s+1\s/m);
    expect(text.out).toMatch(/^future\s+(open\s+5\s+\d{16,17} ms \(out of range\)|closed\s+0\s+-)\s/m);
    const future = (await statusJson('bad')).find((b) => b.name === 'future');
    expect(future?.openedAt ?? null).toBeNull(); // no Date holds it (or it was repaired away)
  });

  it('open and reset work on it', async () => {
    const opened = await spawnCli(['open', 'future', '--redis', url, '--prefix', 'bad', '--json']);
    expect(opened.err).toBe('');
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.out)).toMatchObject({ after: { state: 'open', forced: true } });
    const reset = await spawnCli(['reset', 'future', '--redis', url, '--prefix', 'bad']);
    expect(reset.code).toBe(0);
    expect(await redis.hmget('bad:{future}', 'state', 'openedAt')).toEqual(['closed', '0']);
  });
});

describe('garbage fields and keys of the wrong type', () => {
  beforeEach(async () => {
    await redis.hset('bad:{garbage}', { state: 'sideways', forced: 'maybe', failures: '-3', successes: 'NaN', openedAt: 'inf', version: 'v2' });
    await redis.hset('bad:{huge}', { ...BASE, state: 'open', openedAt: '1e400', failures: '99999999999999999999' });
    await redis.hset('bad:{wrongtype}', { ...BASE, state: 'closed', openedAt: 0 });
    await redis.set('bad:{wrongtype}:probes', 'not a zset');
    await redis.set('bad:{stringy}', 'not a hash');
  });

  it('status lists every breaker; each unreadable one says why', async () => {
    const text = await spawnCli(['status', '--redis', url, '--prefix', 'bad']);
    expect(text.err).toBe('');
    expect(text.code).toBe(0);
    for (const name of ['garbage', 'healthy', 'huge', 'wrongtype']) expect(text.out).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(text.out).toMatch(/NOTE/);
    expect(text.out).toMatch(/^garbage\s.*(corrupt|sideways)/m);
    expect(text.out).toMatch(/^stringy\s+unknown\s+\?\s+-\s+.+\s+-\s+\?\s+the key holds a string, not a hash/m);
    expect(await redis.get('bad:{stringy}')).toBe('not a hash'); // shown, not handed to a script
  });

  it('a key of another type: reset repairs it into a closed breaker; forget deletes it', async () => {
    const reset = await spawnCli(['reset', 'stringy', '--redis', url, '--prefix', 'bad']);
    expect(reset.err).toBe('');
    expect(reset.code).toBe(0);
    expect(await redis.hget('bad:{stringy}', 'state')).toBe('closed');
    await redis.set('bad:{stringy}', 'not a hash');
    const forgot = await spawnCli(['forget', 'stringy', '--redis', url, '--prefix', 'bad']);
    expect(forgot.code).toBe(0);
    expect(await redis.exists('bad:{stringy}')).toBe(0);
  });

  it('open holds each open; forget deletes each', async () => {
    const names = ['garbage', 'huge', 'wrongtype'];
    const runs = await Promise.all(names.map((name) => spawnCli(['open', name, '--redis', url, '--prefix', 'bad'])));
    for (const [i, r] of runs.entries()) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(await redis.hmget(`bad:{${names[i] ?? ''}}`, 'state', 'forced')).toEqual(['open', '1']);
    }
    await redis.hset('bad:{garbage}', 'state', 'sideways');
    const forgot = await spawnCli(['forget', 'garbage', '--redis', url, '--prefix', 'bad']);
    expect(forgot.code).toBe(0);
    expect(await redis.exists('bad:{garbage}', 'bad:{garbage}:probes')).toBe(0);
  });
});
