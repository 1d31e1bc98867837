/**
 * Shared setup of the Redis store tests: one private redis-server per test file, fresh breaker names
 * per test, rule configs with short real durations.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { redisStore, type RedisStore, type RedisStoreOptions } from '../../src/breaker/redis-store.js';
import type { RuleConfig } from '../../src/breaker/state.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

export interface RedisFixture {
  readonly server: RedisServer;
  /** A ready client (closed with the server). */
  readonly client: Redis;
  /**
   * A store on `client`; closed after the file. Its `timeoutMs` defaults to 2000: tests of the rules
   * must not fail because a loaded machine answered in 151 ms (outage tests pass their own).
   */
  store(options?: RedisStoreOptions): RedisStore;
}

/** Starts a private redis-server for the current test file and closes it (and its stores) after. */
export function useRedis(): RedisFixture {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
    client = await server.createClient();
  });
  afterAll(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('redis-server not started yet (use the fixture inside tests)');
      return server;
    },
    get client() {
      if (!client) throw new Error('redis client not ready yet (use the fixture inside tests)');
      return client;
    },
    store(options?: RedisStoreOptions) {
      if (!client) throw new Error('redis client not ready yet (use the fixture inside tests)');
      const s = redisStore(client, { timeoutMs: 2000, ...options });
      stores.push(s);
      return s;
    },
  };
}

let counter = 0;
/** A breaker name unique to this run. */
export function uniqueName(label = 'b'): string {
  return `${label}-${process.pid}-${++counter}`;
}

/** Rule config for store tests. Durations are generous; a test about timing passes short ones. */
export function ruleConfig(partial: Partial<RuleConfig> = {}): RuleConfig {
  return {
    failureThreshold: 3,
    resetTimeoutMs: 5000,
    successThreshold: 2,
    halfOpenMaxProbes: 1,
    probeLeaseMs: 5000,
    failureRate: undefined,
    ...partial,
  };
}

export { sleep, waitFor } from '../helpers/wait.js';
