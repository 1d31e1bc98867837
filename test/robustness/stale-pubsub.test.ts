/**
 * A transition's pub/sub message can reach an instance after that instance already applied a later
 * reply with the same version (the reply and the message travel on different connections). The stale
 * message must not roll the local mirror back: if it did, the mirror's failure count would read 0,
 * the next success would not reset the shared count, and the circuit would open early.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import type { StoreChange } from '../../src/breaker/store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let client: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  client = await server.createClient();
});
afterAll(async () => {
  await server?.close();
});

/** A Redis store whose pub/sub deliveries are held back until `deliver()`. */
function delayedStore(): { store: RedisStore; held: () => number; deliver: () => void; waitForMessages: (n: number) => Promise<void> } {
  const store = redisStore(client, { prefix: `stale${Date.now()}`, timeoutMs: 2000, writeBehindMs: 10 });
  const queue: Array<() => void> = [];
  const original = store.subscribe.bind(store);
  store.subscribe = (listener: (c: StoreChange) => void) => original((c) => queue.push(() => listener(c)));
  return {
    store,
    held: () => queue.length,
    deliver: () => queue.splice(0).forEach((f) => f()),
    async waitForMessages(n) {
      const t0 = Date.now();
      while (queue.length < n) {
        if (Date.now() - t0 > 2000) throw new Error(`expected ${n} pub/sub message(s), got ${queue.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** Resolves once the store's subscriber connection listens on its channel. */
async function subscribed(store: RedisStore): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const [, n] = (await client.pubsub('NUMSUB', store.channel)) as [string, number];
    if (Number(n) > 0) return;
    if (Date.now() - t0 > 3000) throw new Error('the store never subscribed');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const boom = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

describe('late pub/sub messages', () => {
  it('a stale message with the version the mirror already has does not undo a later failure count', async () => {
    const d = delayedStore();
    const b = new CircuitBreaker('stale-msg', { store: d.store, failureThreshold: 3, resetTimeoutMs: 60_000 });
    try {
      await subscribed(d.store);
      await b.forceOpen();
      await b.forceClose(); // publishes {closed, failures 0, version v}
      await d.waitForMessages(2);
      await expect(b.execute(boom)).rejects.toThrow('boom'); // reply: {closed, failures 1, version v}
      d.deliver(); // the close message arrives late
      await b.execute(ok); // must reset the shared failure count
      await expect(b.execute(boom)).rejects.toThrow('boom');
      await expect(b.execute(boom)).rejects.toThrow('boom');
      const s = await b.snapshot();
      expect(s.failures).toBe(2);
      expect(s.state).toBe('closed');
    } finally {
      await b.close();
      await d.store.close();
    }
  });
});
