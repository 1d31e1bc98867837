/**
 * Redis must never break or stall a call: a store call rejects at once when the connection is not
 * ready, within `timeoutMs` when Redis does not answer (SIGSTOP), never throws synchronously, and
 * never leaves an unhandled rejection behind (late replies are swallowed).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from '../../src/errors/store-error.js';
import { redisStore } from '../../src/breaker/redis-store.js';
import { ruleConfig, sleep, uniqueName, useRedis, waitFor } from './fixture.js';

const redis = useRedis();
const TIMEOUT_MS = 100;
/** Allowed lateness of a timed-out call beyond `timeoutMs` (timer and event-loop slack on a loaded CI box). */
const MARGIN_MS = 150;
/** "At once": a refused call settles within this (it never touches the network). */
const AT_ONCE_MS = 50;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** Starts `op` and measures until it settles (from its own start). */
async function timed(op: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  const error = await op().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: performance.now() - start, error };
}

/** Every store operation, as thunks. */
const allOps = (store: ReturnType<typeof redisStore>, name: string): Array<() => Promise<unknown>> => {
  const cfg = ruleConfig();
  return [
    () => store.recordSuccesses(name, cfg, 1, true),
    () => store.recordFailure(name, cfg, 0, false),
    () => store.acquireProbe(name, cfg, 'p'),
    () => store.releaseProbe(name, cfg, 'p', 'neutral'),
    () => store.forceOpen(name, cfg),
    () => store.forceClose(name, cfg),
    () => store.reset(name, cfg),
    () => store.read(name, cfg),
    () => store.ping(),
  ];
};

describe('Redis paused (SIGSTOP): no answer', () => {
  it('every call rejects with a StoreError within timeoutMs (+ margin); late replies are swallowed', async () => {
    const store = redis.store({ timeoutMs: TIMEOUT_MS });
    const name = uniqueName('paused');
    await store.read(name, ruleConfig());
    redis.server.pause();
    try {
      const results = await Promise.all(allOps(store, name).map(timed));
      for (const r of results) {
        expect(isStoreError(r.error)).toBe(true);
        expect((r.error as Error).message).toMatch(/did not answer within 100 ms/);
        expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 2);
        expect(r.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      }
      console.info(`[timing] paused Redis: slowest store call rejected after ${Math.max(...results.map((r) => r.ms)).toFixed(1)} ms (timeoutMs ${TIMEOUT_MS})`);
    } finally {
      redis.server.resume();
    }
    // the queued commands now run and their late replies are dropped; the store works again
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(store.read(name, ruleConfig())).resolves.toMatchObject({ state: 'closed', forced: false });
  });

  it('a probe lease granted after the caller gave up is released again', async () => {
    const store = redis.store({ timeoutMs: TIMEOUT_MS });
    const name = uniqueName('late');
    const cfg = ruleConfig({ failureThreshold: 1, resetTimeoutMs: 10, probeLeaseMs: 60_000 });
    await store.recordFailure(name, cfg, 0, false);
    await sleep(15);
    redis.server.pause();
    let r: { ms: number; error: unknown };
    try {
      r = await timed(() => store.acquireProbe(name, cfg, 'late-lease'));
    } finally {
      redis.server.resume();
    }
    expect(isStoreError(r.error)).toBe(true);
    // the late grant put the circuit in HALF_OPEN with a lease nobody will use: the store frees it
    await waitFor(async () => (await store.read(name, cfg)).probesInFlight === 0, 1000, 'the late lease to be released');
    const s = await store.read(name, cfg);
    expect(s.state).toBe('half_open');
    expect((await store.acquireProbe(name, cfg, 'next')).outcome).toBe('granted');
  });
});

describe('Redis down', () => {
  it('every call rejects at once while the connection is not ready, and works again after a restart', async () => {
    const client = await redis.server.createClient();
    const store = redisStore(client, { timeoutMs: TIMEOUT_MS });
    const name = uniqueName('down');
    await store.forceOpen(name, ruleConfig());
    await redis.server.kill();
    try {
      await waitFor(() => client.status !== 'ready', 1000, 'the client to notice');
      const results = await Promise.all(allOps(store, name).map(timed));
      for (const r of results) {
        expect(isStoreError(r.error)).toBe(true);
        expect((r.error as Error).message).toMatch(/not connected/);
        expect(r.ms).toBeLessThan(AT_ONCE_MS);
      }
      console.info(`[timing] Redis down: slowest store call rejected after ${Math.max(...results.map((r) => r.ms)).toFixed(2)} ms`);
    } finally {
      await redis.server.restart();
    }
    await waitFor(() => client.status === 'ready', 3000, 'the client to reconnect');
    await expect(store.ping()).resolves.toBeUndefined();
    // no persistence: the restarted Redis is empty
    await expect(store.read(name, ruleConfig())).resolves.toMatchObject({ state: 'closed', version: 0 });
    await store.close();
    client.disconnect();
    await waitFor(() => redis.client.status === 'ready', 3000, 'the fixture client to reconnect');
  });

  it('never queues commands offline: a client that is not connected yet is refused at once', async () => {
    const lazy = new Redis({ port: redis.server.port, host: '127.0.0.1', lazyConnect: true });
    const store = redisStore(lazy, { timeoutMs: TIMEOUT_MS });
    const r = await timed(() => store.recordFailure(uniqueName('lazy'), ruleConfig(), 0, false));
    expect(isStoreError(r.error)).toBe(true);
    expect((r.error as Error).message).toMatch(/connection status "wait"/);
    expect(r.ms).toBeLessThan(AT_ONCE_MS);
    expect(lazy.status).toBe('wait'); // nothing made it connect and queue the command
    lazy.disconnect();
  });

  it('a closed (ended) client is refused at once, never thrown at', async () => {
    const client = await redis.server.createClient();
    const store = redisStore(client, { timeoutMs: TIMEOUT_MS });
    client.disconnect();
    await waitFor(() => client.status === 'end', 1000, 'the client to end');
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = store.read('x', ruleConfig());
    }).not.toThrow();
    await expect(p).rejects.toSatisfy(isStoreError);
    await expect(store.ping()).rejects.toSatisfy(isStoreError);
    // subscribing on a dead client neither throws nor crashes
    expect(() => store.subscribe(() => undefined).dispose()).not.toThrow();
    await store.close();
  });
});
