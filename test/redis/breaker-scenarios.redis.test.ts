/**
 * The shared breaker scenario suite, unchanged, against the Redis store on a private redis-server
 * with short real durations. Each test gets its own key prefix; "instances" are stores on separate
 * client connections.
 */
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { defineBreakerScenarios } from '../scenarios/breaker-scenarios.js';
import { untilApplied, untilDelivered } from './propagation.js';

let server: Promise<RedisServer> | undefined;
afterAll(async () => {
  await (await server)?.close();
});

let envCounter = 0;

defineBreakerScenarios('redis store, private redis-server', async () => {
  const srv = await (server ??= startRedisServer());
  const prefix = `scn${process.pid}-${++envCounter}`;
  const clients: Redis[] = [];
  const stores: RedisStore[] = [];
  const makeStore = async (): Promise<RedisStore> => {
    const client = await srv.createClient();
    clients.push(client);
    // A generous store timeout: these scenarios test the rules, not outages (see breaker-redis.test.ts).
    const store = redisStore(client, { prefix, timeoutMs: 1000, writeBehindMs: 20, recoveryIntervalMs: 50 });
    stores.push(store);
    await untilDelivered(client, store); // its subscriber is live before any breaker uses it
    return store;
  };
  const store = await makeStore();
  return {
    store,
    secondStore: makeStore,
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    // Short enough for a fast suite, long enough that a loaded CI machine does not cross them by accident.
    resetTimeoutMs: 250,
    probeLeaseMs: 600,
    failureRateLagMs: store.successLagMs,
    propagate: async () => {
      await Promise.all(stores.map((s) => untilApplied(clients[0]!, s)));
    },
    teardown: async () => {
      await Promise.all(stores.map((s) => s.close()));
      for (const c of clients) c.disconnect();
    },
  };
});
