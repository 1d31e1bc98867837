/**
 * Connections and stores for the security tests against private redis-servers, closed together,
 * and the check that two instances really share a breaker (state and pub/sub) through them.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { expect } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { untilReady, waitFor } from '../helpers/wait.js';

type Closable = { close(): Promise<void> } | { disconnect(): void };

/** Everything a test file opened, closed in reverse order by `closeAll()` (call it in `afterAll`). */
export class Opened {
  private readonly items: Closable[] = [];

  track<T extends Closable>(item: T): T {
    this.items.push(item);
    return item;
  }

  /** A ready ioredis client on 127.0.0.1 (`options` add the port, credentials, TLS…). */
  async client(options: RedisOptions): Promise<Redis> {
    const c = this.track(new Redis({ host: '127.0.0.1', maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, retryStrategy: () => 50, ...options }));
    c.on('error', () => undefined);
    await untilReady(c, 5000, 'client not ready');
    return c;
  }

  /** A redisStore over `c`: with `prefix`, or the default prefix and channel. */
  store(c: Redis, prefix?: string): RedisStore {
    return this.track(redisStore(c, { ...(prefix === undefined ? {} : { prefix }), timeoutMs: 1000, recoveryIntervalMs: 50 }));
  }

  async closeAll(): Promise<void> {
    for (const c of this.items.reverse()) {
      if ('close' in c) await c.close();
      else c.disconnect();
    }
  }
}

/** Two instances over `a` and `b`: a transition on one reaches the other by pub/sub, with no storeError. */
export async function sharedStateWorks(a: RedisStore, b: RedisStore, name: string): Promise<void> {
  const one = new CircuitBreaker(name, { store: a, failureThreshold: 2 });
  const two = new CircuitBreaker(name, { store: b, failureThreshold: 2 });
  try {
    const errors: unknown[] = [];
    one.on('storeError', (e) => errors.push(e.error));
    two.on('storeError', (e) => errors.push(e.error));
    await expect(two.execute(() => 'ok')).resolves.toBe('ok');
    // wait until b's subscriber is live, so the transition below is delivered
    await waitFor(async () => Number(((await (b.client as Redis).pubsub('NUMSUB', b.channel)) as [string, number])[1]) >= 1, 2000, 'the subscriber', 10);
    for (let i = 0; i < 2; i++) await expect(one.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await one.getState()).toBe('open');
    await waitFor(() => two.localState === 'open', 2000, 'the other instance to see the circuit open', 10);
    expect(errors).toEqual([]);
  } finally {
    await one.close();
    await two.close();
  }
}
