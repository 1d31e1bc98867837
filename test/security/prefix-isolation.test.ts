/**
 * One Redis can serve several applications (issue 5, part 6): the key prefix is configurable, and
 * two stores with different prefixes on the same Redis never see each other's state — not the
 * keys, not the transitions published on pub/sub, not the probe slots.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let clientA: Redis;
let clientB: Redis;
let storeA: RedisStore;
let storeA2: RedisStore;
let storeB: RedisStore;
const breakers: CircuitBreaker[] = [];

/** Resolves once `store`'s subscriber is live on its channel. */
async function subscribed(client: Redis, store: RedisStore): Promise<void> {
  store.subscribe(() => undefined);
  const t0 = Date.now();
  while (Number(((await client.pubsub('NUMSUB', store.channel)) as [string, number])[1]) < 1) {
    if (Date.now() - t0 > 3000) throw new Error('the store never subscribed');
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  server = await startRedisServer();
  clientA = await server.createClient();
  clientB = await server.createClient();
  storeA = redisStore(clientA, { prefix: 'app_one', timeoutMs: 1000 });
  storeA2 = redisStore(clientB, { prefix: 'app_one', timeoutMs: 1000 }); // a second instance of app one
  storeB = redisStore(clientB, { prefix: 'app_two', timeoutMs: 1000 });
  await Promise.all([subscribed(clientA, storeA), subscribed(clientB, storeA2), subscribed(clientB, storeB)]);
});
afterAll(async () => {
  await Promise.all(breakers.map((b) => b.close()));
  await Promise.all([storeA, storeA2, storeB].map((s) => s?.close()));
  await server?.close();
});

const make = (store: RedisStore, name = 'shared-provider') => {
  const b = new CircuitBreaker(name, { store, failureThreshold: 2, resetTimeoutMs: 100, probeLeaseMs: 5000 });
  breakers.push(b);
  return b;
};
const boom = () => Promise.reject(new Error('down'));

describe('the Redis key prefix', () => {
  it('is part of every key and of the channel', () => {
    expect(storeA.keys('x')).toEqual({ hash: 'app_one:{x}', probes: 'app_one:{x}:probes' });
    expect(storeB.keys('x')).toEqual({ hash: 'app_two:{x}', probes: 'app_two:{x}:probes' });
    expect(storeA.channel).toBe('app_one:events');
    expect(storeB.channel).toBe('app_two:events');
    expect(redisStore(clientA).keys('x').hash).toBe('circuit_breaker:{x}'); // the documented default
  });

  it('two prefixes on one Redis: same breaker name, separate state, no cross-talk', async () => {
    const one = make(storeA);
    const oneElsewhere = make(storeA2); // same app, another instance: shares the state
    const two = make(storeB); // another app, same breaker name
    const twoEvents: string[] = [];
    two.on('stateChange', (e) => twoEvents.push(`${e.from}->${e.to}`));
    await expect(two.execute(() => 'ok')).resolves.toBe('ok');

    for (let i = 0; i < 2; i++) await expect(one.execute(boom)).rejects.toThrow('down');
    expect(await one.getState()).toBe('open');
    // the same app's other instance follows (pub/sub on app_one:events) …
    const t0 = Date.now();
    while (oneElsewhere.localState !== 'open') {
      if (Date.now() - t0 > 1000) throw new Error('the second instance of app one never saw the circuit open');
      await new Promise((r) => setTimeout(r, 5));
    }
    // … the other app does not: not its keys, not its channel
    await new Promise((r) => setTimeout(r, 50));
    expect(two.localState).toBe('closed');
    expect(await two.getState()).toBe('closed');
    expect(twoEvents).toEqual([]);
    await expect(two.execute(() => 'still served')).resolves.toBe('still served');

    // an operator action on app two stays in app two
    await two.forceOpen();
    expect(await two.getState()).toBe('open');
    await one.forceClose();
    expect(await one.getState()).toBe('closed');
    expect(await two.getState()).toBe('open');
    await two.forceClose();

    const keys = (await clientA.keys('*')).sort();
    expect(keys.filter((k) => k.includes('shared-provider'))).toEqual(['app_one:{shared-provider}', 'app_two:{shared-provider}']);
  });

  it('probe slots are per prefix: a probe in one app does not take the other app\'s slot', async () => {
    const one = make(storeA, 'probe-slots');
    const two = make(storeB, 'probe-slots');
    for (let i = 0; i < 2; i++) {
      await expect(one.execute(boom)).rejects.toThrow('down');
      await expect(two.execute(boom)).rejects.toThrow('down');
    }
    await new Promise((r) => setTimeout(r, 120));
    let release!: () => void;
    const probeOne = one.execute(() => new Promise<string>((r) => (release = () => r('one'))));
    await new Promise((r) => setTimeout(r, 20));
    expect((await one.snapshot()).probesInFlight).toBe(1);
    // app two has its own slot
    await expect(two.execute(() => 'two')).resolves.toBe('two');
    release();
    await expect(probeOne).resolves.toBe('one');
  });
});
