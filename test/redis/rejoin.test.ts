/**
 * What an instance learned alone while Redis was unreachable reaches the fleet (issue 10 §1): a
 * circuit it opened on its local state, still in its open period when Redis answers again, is written
 * to the shared state by one script (adopt-open) in which the later event wins — not silently
 * replaced by the store's CLOSED.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore } from '../../src/breaker/redis-store.js';
import { ruleConfig, uniqueName, useRedis, waitFor } from './fixture.js';

const redis = useRedis();
const toClose: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const x of toClose.splice(0).reverse()) await x.close();
});

async function redisNow(): Promise<number> {
  const [s, us] = (await redis.client.time()) as unknown as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe('a circuit opened alone while Redis was unreachable', () => {
  it('is written to the shared state when Redis answers again, and other instances follow it', async () => {
    const name = uniqueName('alone');
    const prefix = uniqueName('p');
    const options = { failureThreshold: 2, resetTimeoutMs: 30_000 };
    const observer = redis.store({ prefix });
    await observer.forceClose(name, ruleConfig(options)); // the fleet's state: CLOSED
    const other = new CircuitBreaker(name, { store: observer, ...options });
    toClose.push(other);
    await other.getState();

    const client = await redis.server.createClient();
    const store = redisStore(client, { prefix, timeoutMs: 100, recoveryIntervalMs: 50 });
    toClose.push(store);
    const breaker = new CircuitBreaker(name, { store, ...options });
    toClose.push(breaker);
    await breaker.getState();

    redis.server.pause();
    try {
      for (let i = 0; i < 2; i++) await expect(breaker.execute(() => Promise.reject(new Error('provider down')))).rejects.toThrow('provider down');
      expect(breaker.localState).toBe('open'); // opened on its local state
    } finally {
      redis.server.resume();
    }
    await waitFor(async () => !(await breaker.snapshot()).degraded, 5000, 'the breaker to rejoin the store');

    const shared = await redis.client.hgetall(observer.keys(name).hash);
    expect(shared).toMatchObject({ state: 'open', forced: '0' });
    expect(breaker.localState).toBe('open');
    await waitFor(() => other.localState === 'open', 1000, 'the other instance to follow the adopted opening');
  });
});

describe('adopt-open (the Lua twin of applyAdoptOpen)', () => {
  const cfg = ruleConfig({ resetTimeoutMs: 30_000 });

  it('takes the offer over a CLOSED state whose last transition is older, with openedAt = Redis now - age', async () => {
    const store = redis.store({ prefix: uniqueName('p') });
    const name = uniqueName('a');
    const before = await redisNow();
    await redis.client.hset(store.keys(name).hash, { state: 'closed', forced: '0', failures: '0', successes: '0', openedAt: '0', version: String(before - 60_000) });
    const s = await store.adoptOpen(name, cfg, 2000);
    expect(s).toMatchObject({ state: 'open', forced: false, transitioned: true });
    expect(s.openedAt).toBeGreaterThanOrEqual(before - 2000);
    expect(s.openedAt).toBeLessThanOrEqual((await redisNow()) - 2000);
  });

  it('keeps a state that is later than the offer: a later transition, a later opening, a forced hold', async () => {
    const store = redis.store({ prefix: uniqueName('p') });
    const now = await redisNow();
    const hash = (name: string) => store.keys(name).hash;
    const base = { forced: '0', failures: '0', successes: '0' };
    await redis.client.hset(hash('closedLater'), { ...base, state: 'closed', openedAt: String(now - 20_000), version: String(now - 500) });
    await redis.client.hset(hash('openedLater'), { ...base, state: 'open', openedAt: String(now - 500), version: String(now - 500) });
    await redis.client.hset(hash('forced'), { ...base, state: 'open', forced: '1', openedAt: String(now - 60_000), version: String(now - 60_000) });
    expect(await store.adoptOpen('closedLater', cfg, 5000)).toMatchObject({ state: 'closed', transitioned: false });
    expect(await store.adoptOpen('openedLater', cfg, 5000)).toMatchObject({ state: 'open', openedAt: now - 500, transitioned: false });
    expect(await store.adoptOpen('forced', cfg, 5000)).toMatchObject({ state: 'open', forced: true, transitioned: false });
  });
});
