/**
 * The breaker over the Redis store, end to end: real OS processes sharing a breaker, concurrency,
 * abandoned probes, Redis killed / paused / restarted mid-run, and garbage in the breaker's keys.
 */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore } from '../../src/breaker/redis-store.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { isStoreError, type StoreError } from '../../src/errors/store-error.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { startBreakerChild, type BreakerChild } from './child-process.js';
import { sleep, uniqueName, useRedis, waitFor } from './fixture.js';
import { untilDelivered } from './propagation.js';
import { Boom, fail, ok, useInstances } from './instances.js';

const redis = useRedis();

const { instance, breaker, cleanup } = useInstances(redis);

let prefixes = 0;

async function child(opts: Parameters<typeof startBreakerChild>[0]): Promise<BreakerChild> {
  const c = await startBreakerChild(opts);
  cleanup(() => c.exit());
  return c;
}

/** Counts the messages published on a channel (a raw subscriber). */
async function tap(channel: string): Promise<{ count(name: string): number }> {
  const sub = await redis.server.createClient();
  const seen: string[] = [];
  sub.on('message', (_c: string, raw: string) => {
    try {
      seen.push((JSON.parse(raw) as { name: string }).name);
    } catch {
      // not a breaker message
    }
  });
  await sub.subscribe(channel);
  cleanup(() => void sub.disconnect());
  return { count: (name) => seen.filter((n) => n === name).length };
}

describe('two OS processes sharing a breaker', () => {
  it('failures in both open it once for both; an operator change reaches both within 1 s', async () => {
    const prefix = `proc${++prefixes}`;
    const name = uniqueName('shared');
    const messages = await tap(`${prefix}:events`);
    const opts = { port: redis.server.port, name, prefix, breaker: { failureThreshold: 4, resetTimeoutMs: 60_000 } };
    const [a, b] = await Promise.all([child(opts), child(opts)]);
    expect(a.pid).not.toBe(b.pid);
    expect(await a.send('fail', { n: 2 })).toMatchObject({ calls: 2 });
    expect(await b.send('fail', { n: 2 })).toMatchObject({ calls: 2 }); // the 4th failure fleet-wide opens it
    await waitFor(async () => (await a.send<{ state: string }>('state')).state === 'open', 1000, 'process A to see it open').catch((err: Error) => {
      throw new Error(`${err.message}; A: ${JSON.stringify(a.transitions)} ${JSON.stringify(a.storeErrors)}, B: ${JSON.stringify(b.transitions)} ${JSON.stringify(b.storeErrors)}`);
    });
    expect((await b.send<{ state: string }>('state')).state).toBe('open');
    // A rejects without calling the function and without asking Redis
    expect(await a.send('ok')).toMatchObject({ result: 'open', calls: 0 });
    expect(a.transitions).toEqual(['closed->open']);
    expect(b.transitions).toEqual(['closed->open']);
    expect(messages.count(name)).toBe(1);
    expect([...a.storeErrors, ...b.storeErrors]).toEqual([]);
    // an operator in this (third) process closes it: both follow within 1 s
    const { store } = await instance(prefix);
    const op = breaker(name, store);
    await op.forceClose();
    const start = Date.now();
    await waitFor(async () => (await a.send<{ state: string }>('state')).state === 'closed', 1000, 'A to follow');
    await waitFor(async () => (await b.send<{ state: string }>('state')).state === 'closed', 1000, 'B to follow');
    console.info(`[timing] operator forceClose reached both processes in ${Date.now() - start} ms`);
    expect(await a.send('ok')).toMatchObject({ result: 'ok', calls: 1 });
  });

  it('100 concurrent failing calls, 50 in each process, open the circuit exactly once', async () => {
    const prefix = `proc${++prefixes}`;
    const name = uniqueName('race2');
    const messages = await tap(`${prefix}:events`);
    const opts = { port: redis.server.port, name, prefix, breaker: { failureThreshold: 5, resetTimeoutMs: 60_000 } };
    const [a, b] = await Promise.all([child(opts), child(opts)]);
    const [ra, rb] = await Promise.all([
      a.send<{ results: string[] }>('fail', { n: 50 }),
      b.send<{ results: string[] }>('fail', { n: 50 }),
    ]);
    // every call either ran and failed with its own error, or (once its process saw the circuit
    // open, e.g. the other process got there first) was rejected without running
    const results = [...ra.results, ...rb.results];
    expect(results.every((r) => r === 'Boom' || r === 'open')).toBe(true);
    expect(results.filter((r) => r === 'Boom').length).toBeGreaterThanOrEqual(5);
    await waitFor(async () => (await a.send<{ state: string }>('state')).state === 'open', 1000, 'A open');
    await waitFor(async () => (await b.send<{ state: string }>('state')).state === 'open', 1000, 'B open');
    expect(a.transitions).toEqual(['closed->open']);
    expect(b.transitions).toEqual(['closed->open']);
    expect([...a.storeErrors, ...b.storeErrors]).toEqual([]);
    await sleep(50);
    expect(messages.count(name)).toBe(1);
  });

  it('a probe whose holder process dies frees its lease after probeLeaseMs', async () => {
    const prefix = `proc${++prefixes}`;
    const name = uniqueName('lease');
    const probeLeaseMs = 1000;
    const cfg = { failureThreshold: 1, resetTimeoutMs: 100, probeLeaseMs };
    const holder = await child({ port: redis.server.port, name, prefix, breaker: cfg });
    const { store } = await instance(prefix);
    const b = breaker(name, store, cfg);
    await holder.send('fail');
    await waitFor(() => b.localState === 'open', 1000, 'the local mirror to open');
    await sleep(120);
    const leasedAfter = Date.now(); // the lease is taken after this, so it cannot expire before + probeLeaseMs
    expect(await holder.send('hangProbe')).toEqual(expect.objectContaining({ admitted: true }));
    await holder.kill(); // dies holding the lease, never reports
    // while the lease is held, nobody else may probe
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    expect((await b.snapshot()).probesInFlight).toBe(1);
    expect(Date.now() - leasedAfter).toBeLessThan(probeLeaseMs); // (the checks above ran inside the lease)
    await waitFor(
      async () => (await b.execute(ok).then(() => true, () => false)),
      3000,
      'a probe to be admitted once the dead holder’s lease expired',
    );
    const waited = Date.now() - leasedAfter;
    expect(waited).toBeGreaterThanOrEqual(probeLeaseMs - 10);
    expect(waited).toBeLessThan(probeLeaseMs + 1500);
    expect((await b.snapshot()).probesInFlight).toBe(0);
    console.info(`[timing] dead holder's probe slot freed after ~${waited} ms (probeLeaseMs ${probeLeaseMs})`);
  });
});

describe('in one process', () => {
  it('100 concurrent failing calls through execute: one closed→open, one published message', async () => {
    const prefix = `one${++prefixes}`;
    const name = uniqueName('race');
    const messages = await tap(`${prefix}:events`);
    const { store } = await instance(prefix);
    const b = breaker(name, store, { failureThreshold: 5 });
    const transitions: string[] = [];
    b.on('stateChange', (e) => transitions.push(`${e.from}->${e.to}`));
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => b.execute(fail)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await sleep(50);
    expect(transitions).toEqual(['closed->open']);
    expect(messages.count(name)).toBe(1);
    expect(await b.getState()).toBe('open');
  });
});

describe('Redis outages never fail or stall a call', () => {
  afterAll(async () => {
    redis.server.resume();
  });

  /** Runs `total` calls ~2 ms apart (every 5th fails with a counted error); `midway` runs after a third. */
  async function run(b: CircuitBreaker, total: number, midway: () => Promise<void> | void) {
    const latencies: number[] = [];
    const outcomes: string[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      if (i === Math.floor(total / 3)) await midway();
      const failing = i % 5 === 4;
      const start = performance.now();
      calls.push(
        b
          .execute(() => new Promise<string>((resolve, reject) => setTimeout(() => (failing ? reject(new Boom()) : resolve('ok')), 1)))
          .then(
            (v) => void outcomes.push(v),
            (e: unknown) => void outcomes.push(e instanceof Boom ? 'boom' : `unexpected ${String(e)}`),
          )
          .finally(() => latencies.push(performance.now() - start)),
      );
      await sleep(2);
    }
    await Promise.all(calls);
    return { latencies, outcomes, slowest: Math.max(...latencies) };
  }

  it('Redis killed mid-run: every call completes with its own result, none waits more than ~1 s', async () => {
    const prefix = `kill${++prefixes}`;
    const name = uniqueName('kill');
    const { store, client } = await instance(prefix, { timeoutMs: 150 });
    const b = breaker(name, store, { failureThreshold: 1000 });
    const storeErrors: StoreError[] = [];
    b.on('storeError', (e) => storeErrors.push(e.error));
    try {
      const r = await run(b, 150, () => redis.server.kill());
      expect(r.outcomes.filter((o) => o === 'ok')).toHaveLength(120);
      expect(r.outcomes.filter((o) => o === 'boom')).toHaveLength(30);
      expect(r.slowest).toBeLessThan(1000);
      expect(storeErrors.length).toBeGreaterThan(0);
      expect(storeErrors.every((e) => isStoreError(e))).toBe(true);
      expect((await b.snapshot()).degraded).toBe(true);
      console.info(`[timing] Redis killed mid-run: slowest of 150 calls took ${r.slowest.toFixed(1)} ms`);
    } finally {
      await redis.server.restart();
    }

    // Redis restarted (empty): the breaker returns to the shared state and follows other instances again
    await waitFor(() => client.status === 'ready', 3000, 'the client to reconnect');
    await waitFor(async () => !(await b.snapshot()).degraded, 3000, 'the breaker to leave its local fallback');
    const other = await instance(prefix);
    await waitFor(async () => {
      await untilDelivered(client, store);
      return true;
    }, 3000, 'the subscriber to be back');
    const operator = breaker(name, other.store);
    await operator.forceOpen();
    await waitFor(() => b.localState === 'open', 1000, 'the restarted shared state to reach the breaker');
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(await b.snapshot()).toMatchObject({ state: 'open', forced: true, degraded: false });
    await waitFor(() => redis.client.status === 'ready', 3000, 'the fixture client to reconnect');
  });

  it('Redis paused (SIGSTOP) mid-run: calls fall back to local within timeoutMs and return when it resumes', async () => {
    const prefix = `pause${++prefixes}`;
    const name = uniqueName('pause');
    const timeoutMs = 100;
    const { store } = await instance(prefix, { timeoutMs });
    const b = breaker(name, store, { failureThreshold: 1000 });
    const storeErrors: StoreError[] = [];
    b.on('storeError', (e) => storeErrors.push(e.error));
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run(b, 120, () => redis.server.pause());
    } finally {
      redis.server.resume();
    }
    expect(r.outcomes.filter((o) => o === 'ok')).toHaveLength(96);
    expect(r.outcomes.filter((o) => o === 'boom')).toHaveLength(24);
    expect(storeErrors.length).toBeGreaterThan(0);
    // the failing call that met the frozen Redis waited timeoutMs, then was served locally
    expect(r.slowest).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(r.slowest).toBeLessThan(timeoutMs + 300);
    console.info(`[timing] Redis paused mid-run: slowest call ${r.slowest.toFixed(1)} ms (store timeoutMs ${timeoutMs}); later calls served locally`);
    await waitFor(async () => !(await b.snapshot()).degraded, 3000, 'the breaker to return to Redis');
  });
});

describe('garbage in the breaker’s keys', () => {
  it.each([
    ['a corrupt state field', (c: Redis, hash: string) => c.hset(hash, 'state', 'garbage')],
    ['a key of the wrong type', async (c: Redis, hash: string) => void (await c.del(hash), await c.set(hash, 'not a hash'))],
  ])('%s: a storeError event, the call keeps its own result, the breaker reads as closed, no crash', async (_label, spoil) => {
    const prefix = `junk${++prefixes}`;
    const name = uniqueName('junk');
    const { store, client } = await instance(prefix);
    const b = breaker(name, store, { failureThreshold: 5 });
    const storeErrors: StoreError[] = [];
    b.on('storeError', (e) => storeErrors.push(e.error));
    await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom);
    await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom);
    await spoil(client, store.keys(name).hash);
    await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom); // not a StoreError
    expect(storeErrors).toHaveLength(1);
    expect(storeErrors[0]!.message).toMatch(/corrupt breaker state/);
    await expect(b.execute(ok)).resolves.toBe('ok');
    // back on the repaired Redis state
    await waitFor(async () => !(await b.snapshot()).degraded, 2000, 'the breaker to return to Redis');
    expect(await b.snapshot()).toMatchObject({ state: 'closed', failures: 0, degraded: false });
    expect(await client.hget(store.keys(name).hash, 'state')).toBe('closed');
    await expect(b.execute(ok)).resolves.toBe('ok');
  });
});

describe('a forced-open mirror re-reads the store', () => {
  it('follows the store back to closed when the key is lost without any message (flush / expiry)', async () => {
    const srv = await startRedisServer(); // its own server: FLUSHALL must not touch the other tests' keys
    try {
      const client = await srv.createClient();
      const store = redisStore(client, { prefix: 'forced-lost', timeoutMs: 1000 });
      const b = new CircuitBreaker('lost', { store });
      await b.forceOpen();
      await expect(b.execute(async () => 1)).rejects.toMatchObject({ code: 'circuit_open' });
      await client.flushall(); // no transition is published
      const deadline = Date.now() + 3000;
      let result: unknown;
      while (Date.now() < deadline) {
        result = await b.execute(async () => 'served').catch((e: unknown) => e);
        if (result === 'served') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(result).toBe('served');
      await b.close();
      await store.close();
      client.disconnect();
    } finally {
      await srv.close();
    }
  });
});
