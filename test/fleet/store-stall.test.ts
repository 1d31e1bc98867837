/**
 * Found by the fleet proofs: on a loaded box an instance's event loop stalls (GC, CPU-heavy work, a
 * starved core). The store's timeout timer then fires late, and timers run before I/O, so a reply
 * Redis sent in time was still unread in the socket: the store reported "Redis did not answer",
 * the breaker degraded to its local state and, with the circuit open, probed the dead provider on
 * its own (2 probes in one fleet-wide window). The store now lets one I/O poll pass before it
 * declares a timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import type { RuleConfig } from '../../src/breaker/state.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const cfg: RuleConfig = { failureThreshold: 3, resetTimeoutMs: 400, successThreshold: 2, halfOpenMaxProbes: 1, probeLeaseMs: 1000, failureRate: undefined };

/** Blocks the event loop, as a GC pause or a CPU-heavy request handler would. */
function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

describe('the Redis store timeout measures Redis, not this process', () => {
  let server: RedisServer;
  let client: Redis;
  let store: RedisStore;

  beforeAll(async () => {
    server = await startRedisServer();
    client = await server.createClient();
    store = redisStore(client, { prefix: `stall${process.pid}`, timeoutMs: 100 });
    await store.read('warm', cfg); // loads the scripts
  });

  afterAll(async () => {
    await store?.close();
    await server?.close();
  });

  it('a reply that arrived while the event loop was blocked past timeoutMs is taken', async () => {
    const reply = store.read('stalled', cfg);
    blockFor(250);
    await expect(reply).resolves.toMatchObject({ state: 'closed' });
  });

  it('a breaker whose event loop stalls during a store call does not degrade', async () => {
    const breaker = new CircuitBreaker('stalled-breaker', { store, failureThreshold: 3 });
    const errors: unknown[] = [];
    breaker.on('storeError', (e) => errors.push(e.error));
    await breaker.getState();
    const call = breaker.execute(() => Promise.reject(new Error('provider down'))).catch(() => undefined);
    for (let i = 0; i < 20; i++) await Promise.resolve(); // the failure's recordFailure is on the wire
    blockFor(250);
    await call;
    expect(errors).toEqual([]);
    expect((await breaker.snapshot()).failures).toBe(1);
    await breaker.close();
  });

  it('a frozen Redis still times out, one loop turn after timeoutMs (not when it comes back)', async () => {
    server.pause();
    try {
      const t0 = performance.now();
      await expect(store.read('frozen', cfg)).rejects.toMatchObject({ code: 'store' });
      const ms = performance.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(95);
      expect(ms).toBeLessThan(700); // Redis stays frozen for 1 s
      await new Promise((r) => setTimeout(r, 1000 - ms));
    } finally {
      server.resume();
    }
  });
});
