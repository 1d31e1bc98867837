/**
 * A process that has just started (issue 10 §1): `new Redis(url)` at the top of a module and a call
 * at once. A store call on a client that is still connecting waits for `ready` (bounded by
 * `connectTimeoutMs`); only a Redis that is really unreachable puts the breaker on local state;
 * 20,000 breakers created at once all start on the shared state; operator actions reach Redis or
 * reject with a StoreError.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { StoreError } from '../../src/errors/store-error.js';
import { freePort } from '../helpers/processes.js';
import { ruleConfig, uniqueName, useRedis } from './fixture.js';

const redis = useRedis();
const opened: Array<{ close(): Promise<unknown> | void }> = [];

/** A client as application code creates it: not awaited, commands sent while it still connects. */
function freshClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  opened.push({ close: () => client.disconnect() });
  return client;
}

function track<T extends { close(): Promise<unknown> | void }>(x: T): T {
  opened.push(x);
  return x;
}

afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close();
});

/** A TCP server on 127.0.0.1 that accepts connections and never answers (a Redis that hangs). */
let silent: { server: Server; sockets: Set<Socket>; port: number } | undefined;
async function silentPort(): Promise<number> {
  if (silent) return silent.port;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  silent = { server, sockets, port };
  return port;
}
afterAll(() => {
  for (const s of silent?.sockets ?? []) s.destroy();
  silent?.server.close();
});

const storeErrorsOf = (b: CircuitBreaker): StoreError[] => {
  const errors: StoreError[] = [];
  b.on('storeError', ({ error }) => errors.push(error));
  return errors;
};

describe('a store call on a client that is still connecting', () => {
  it('waits for ready instead of failing: a new instance follows a circuit open fleet-wide from its first call', async () => {
    const name = uniqueName('cold');
    const prefix = uniqueName('p');
    await redis.store({ prefix }).forceOpen(name, ruleConfig());

    const client = freshClient(redis.server.port);
    expect(client.status).toBe('connecting');
    const breaker = track(new CircuitBreaker(name, { store: track(redisStore(client, { prefix })) }));
    const errors = storeErrorsOf(breaker);
    let called = 0;
    await expect(breaker.execute(() => ++called)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(0);
    expect(errors).toEqual([]);
    expect((await breaker.snapshot()).degraded).toBe(false);
  });

  it('a store on a connecting client reads the shared state (the call is not refused with "connecting")', async () => {
    const client = freshClient(redis.server.port);
    const store = track(redisStore(client, { prefix: uniqueName('p') }));
    expect(client.status).toBe('connecting');
    const snap = await store.read(uniqueName('r'), ruleConfig());
    expect(snap.state).toBe('closed');
  });

  it('connectTimeoutMs is a documented option with a default', () => {
    expect(track(redisStore(redis.client)).connectTimeoutMs).toBe(1000);
    expect(track(redisStore(redis.client, { connectTimeoutMs: 250 })).connectTimeoutMs).toBe(250);
    expect(() => redisStore(redis.client, { connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
  });
});

describe('only a Redis that is really unreachable puts the breaker on local state', () => {
  it('a connection that is refused fails the store call (StoreError), and the breaker serves calls locally', async () => {
    const client = freshClient(await freePort()); // nothing listens there
    const store = track(redisStore(client, { connectTimeoutMs: 5000 }));
    const err = await store.read(uniqueName('down'), ruleConfig()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/not connected/);

    const breaker = track(new CircuitBreaker(uniqueName('down'), { store }));
    const errors = storeErrorsOf(breaker);
    await expect(breaker.execute(() => 'served')).resolves.toBe('served');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('a server that accepts and never answers is bounded by connectTimeoutMs', async () => {
    const client = freshClient(await silentPort());
    const store = track(redisStore(client, { connectTimeoutMs: 200 }));
    const err = await store.read(uniqueName('silent'), ruleConfig()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/not ready within connectTimeoutMs \(200 ms/);
  });
});

describe('20,000 breakers created at once on one store', () => {
  it.each(['still connecting', 'ready'] as const)('all start on the shared state, on a client %s: none falls back to local state', async (when) => {
    const N = 20_000;
    const prefix = uniqueName('scale');
    const setup = redis.store({ prefix });
    const forced = new Set<number>();
    for (let i = 0; i < N; i += 10) forced.add(i);
    const cfg = ruleConfig({ failureThreshold: 5, resetTimeoutMs: 30_000, successThreshold: 2, probeLeaseMs: 60_000 });
    const ids = [...forced];
    for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((k) => setup.forceOpen(`s${k}`, cfg)));

    // The default store timeout (150 ms), as an application would run it, on a client still connecting.
    const client = when === 'ready' ? await redis.server.createClient() : freshClient(redis.server.port);
    const store = track(redisStore(client, { prefix }));
    let storeErrors = 0;
    let firstError = '';
    const breakers: CircuitBreaker[] = [];
    for (let i = 0; i < N; i++) {
      const b = new CircuitBreaker(`s${i}`, { store });
      b.on('storeError', ({ error }) => {
        storeErrors++;
        firstError ||= error.message;
      });
      breakers.push(b);
    }
    opened.push({ close: () => Promise.all(breakers.map((b) => b.close())) });
    const results = await Promise.allSettled(breakers.map((b) => b.execute(() => 'ok')));
    const rejected = results.filter((r) => r.status === 'rejected');
    console.log(`[figure] 20,000 breakers at start-up (client ${when}): ${storeErrors} store errors, ${rejected.length} rejected (${forced.size} forced open) ${firstError}`);
    expect(storeErrors).toBe(0);
    expect(rejected.length).toBe(forced.size);
    expect(rejected.every((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError)).toBe(true);
    results.forEach((r, i) => expect(r.status === 'rejected').toBe(forced.has(i)));
  }, 60_000);
});

describe('operator actions never lie', () => {
  const hash = (store: RedisStore, name: string) => redis.client.hgetall(store.keys(name).hash);

  it('forceOpen() in a short script on a client still connecting reaches Redis', async () => {
    const name = uniqueName('script');
    const client = freshClient(redis.server.port);
    const store = track(redisStore(client, { prefix: uniqueName('p') }));
    const breaker = track(new CircuitBreaker(name, { store }));
    await breaker.forceOpen();
    expect(await hash(store, name)).toMatchObject({ state: 'open', forced: '1' });
    await breaker.forceClose();
    expect(await hash(store, name)).toMatchObject({ state: 'closed', forced: '0' });
    await breaker.forceOpen();
    await breaker.reset();
    expect(await hash(store, name)).toMatchObject({ state: 'closed', openedAt: '0' });
  });

  it.each(['forceOpen', 'forceClose', 'reset'] as const)('%s() rejects with a StoreError when Redis is unreachable, and changes nothing here', async (op) => {
    const client = freshClient(await freePort());
    const store = track(redisStore(client));
    const breaker = track(new CircuitBreaker(uniqueName('op'), { store, failureThreshold: 1 }));
    await expect(breaker.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom'); // opens locally
    expect(breaker.localState).toBe('open');
    const err = await breaker[op]().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).operation).toBe(op);
    expect(breaker.localState).toBe('open');
  });

  it('an operator action that reaches Redis while the breaker is degraded brings it back to the shared state', async () => {
    const name = uniqueName('back');
    const prefix = uniqueName('p');
    const client = await redis.server.createClient();
    const store = track(redisStore(client, { prefix, timeoutMs: 100, recoveryIntervalMs: 60_000 }));
    const breaker = track(new CircuitBreaker(name, { store, failureThreshold: 1 }));
    await breaker.getState();
    redis.server.pause();
    try {
      await expect(breaker.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    } finally {
      redis.server.resume();
    }
    expect((await breaker.snapshot()).degraded).toBe(true);
    await breaker.forceClose();
    expect((await breaker.snapshot()).degraded).toBe(false);
    expect(await hash(store, name)).toMatchObject({ state: 'closed' });
  });
});
