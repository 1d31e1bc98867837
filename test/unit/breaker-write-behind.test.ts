/**
 * The write-behind of successes against a store whose replies take time (as Redis's do): a success
 * that completes while a failure is still in flight must reset it, so sparse failures under
 * concurrency never add up to a trip.
 */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { MemoryStore } from '../../src/breaker/memory-store.js';
import type { BreakerStore } from '../../src/breaker/store.js';

/** A memory store whose operations answer after `delayMs`, batching successes like the Redis store. */
function slowStore(delayMs: number): BreakerStore & { commands: string[] } {
  const inner = new MemoryStore();
  const commands: string[] = [];
  const later = <T>(name: string, f: () => Promise<T>): Promise<T> => {
    commands.push(name);
    const p = f(); // applied in order of sending, like commands on one connection
    return new Promise((r) => setTimeout(() => r(p), delayMs));
  };
  return {
    kind: 'slow-memory',
    writeBehindMs: 100,
    recoveryIntervalMs: 1000,
    commands,
    now: () => inner.now(),
    recordSuccesses: (...a) => later('recordSuccesses', () => inner.recordSuccesses(...a)),
    recordFailure: (...a) => later('recordFailure', () => inner.recordFailure(...a)),
    acquireProbe: (...a) => later('acquireProbe', () => inner.acquireProbe(...a)),
    renewProbe: (...a) => later('renewProbe', () => inner.renewProbe(...a)),
    releaseProbe: (...a) => later('releaseProbe', () => inner.releaseProbe(...a)),
    forceOpen: (...a) => later('forceOpen', () => inner.forceOpen(...a)),
    forceClose: (...a) => later('forceClose', () => inner.forceClose(...a)),
    reset: (...a) => later('reset', () => inner.reset(...a)),
    read: (...a) => later('read', () => inner.read(...a)),
    subscribe: (l) => inner.subscribe(l),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

describe('write-behind of successes with a slow store', () => {
  it('failure, success, failure, success… with every failure still in flight never opens', async () => {
    const store = slowStore(30);
    const b = new CircuitBreaker('sparse', { store, failureThreshold: 3 });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      calls.push(b.execute(() => Promise.reject(new Error('sparse failure'))).catch(() => undefined));
      await new Promise((r) => setImmediate(r)); // the failure is sent, its reply not back yet
      calls.push(b.execute(() => Promise.resolve('ok')));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    const snap = await b.snapshot();
    expect(snap.state).toBe('closed');
    expect(snap.failures).toBeLessThanOrEqual(1);
    // at most one reset write per failure, and no write for successes in steady CLOSED
    expect(store.commands.filter((c) => c === 'recordSuccesses').length).toBeLessThanOrEqual(10);
    await b.close();
  });

  it('consecutive failures still open it', async () => {
    const store = slowStore(10);
    const b = new CircuitBreaker('consecutive', { store, failureThreshold: 3 });
    await Promise.all([1, 2, 3].map(() => b.execute(() => Promise.reject(new Error('x'))).catch(() => undefined)));
    expect(await b.getState()).toBe('open');
    await b.close();
  });

  it('a success in steady CLOSED sends nothing', async () => {
    const store = slowStore(10);
    const b = new CircuitBreaker('steady', { store });
    await b.getState();
    store.commands.length = 0;
    for (let i = 0; i < 100; i++) await b.execute(() => Promise.resolve(i));
    expect(store.commands).toEqual([]);
    await b.close();
  });
});
