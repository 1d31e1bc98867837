/**
 * "Instances" of an application in one test process: each a Redis store on its own client
 * connection with a live subscriber, and breakers on them; everything made is closed after each test.
 */
import type { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore, type RedisStoreOptions } from '../../src/breaker/redis-store.js';
import type { RedisFixture } from './fixture.js';
import { untilDelivered } from './propagation.js';

/** The error the breakers of these tests count (any other error does not). */
export class Boom extends Error {
  override name = 'Boom';
}
export const ok = (): Promise<string> => Promise.resolve('ok');
export const fail = (): Promise<never> => Promise.reject(new Boom());

export interface Instances {
  /** Runs `cleanup` after the current test (in reverse order of registration). */
  cleanup(cleanup: () => Promise<void> | void): void;
  /**
   * A store on its own client (a separate "instance"), live subscriber, cleaned up after the test.
   * A generous `timeoutMs` unless the test is about outages (it then passes a short one).
   */
  instance(prefix: string, options?: RedisStoreOptions): Promise<{ store: RedisStore; client: Redis }>;
  /** A breaker counting {@link Boom} only, closed after the test. */
  breaker(name: string, store: RedisStore, options?: Omit<CircuitBreakerOptions, 'store'>): CircuitBreaker;
  /** Two instances sharing a fresh prefix, each with a breaker of one fresh name (`label-…`). */
  pair(label: string, options?: Omit<CircuitBreakerOptions, 'store'>): Promise<Pair>;
}

export interface Pair {
  name: string;
  a: { store: RedisStore; client: Redis };
  b: { store: RedisStore; client: Redis };
  /** The breaker on instance `a`. */
  first: CircuitBreaker;
  /** The breaker on instance `b`. */
  second: CircuitBreaker;
}

let pairs = 0;

export function useInstances(redis: RedisFixture): Instances {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const self: Instances = {
    cleanup: (c) => void cleanups.push(c),
    async instance(prefix, options = {}) {
      const client = await redis.server.createClient();
      const store = redisStore(client, { prefix, timeoutMs: 2000, recoveryIntervalMs: 50, ...options });
      cleanups.push(() => {
        client.disconnect();
      });
      cleanups.push(() => store.close());
      await untilDelivered(client, store);
      return { store, client };
    },
    breaker(name, store, options = {}) {
      const b = new CircuitBreaker(name, { store, isFailure: (e) => e instanceof Boom, ...options });
      cleanups.push(() => b.close());
      return b;
    },
    async pair(label, options = {}) {
      const prefix = `${label}${process.pid}-${++pairs}`;
      const name = `${label}-${process.pid}-${pairs}`;
      const a = await self.instance(prefix);
      const b = await self.instance(prefix);
      return { name, a, b, first: self.breaker(name, a.store, options), second: self.breaker(name, b.store, options) };
    },
  };
  return self;
}
