/**
 * A store that moves backwards: Redis restarts from an older RDB snapshot holding an OPEN state
 * whose version is older than what the running instances last saw. The instances follow the store
 * within 1 s (the figure is printed and quoted in docs/reliability.md).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { Boom, fail, ok, useInstances } from './instances.js';
import { sleep, useRedis, waitFor } from './fixture.js';

const redis = useRedis();
const { pair } = useInstances(redis);

/** Calls `b` every few ms until stopped; remembers when a call last reached the provider. */
function keepCalling(b: CircuitBreaker): { lastReached(): number; calls(): number; stop(): Promise<void> } {
  let running = true;
  let last = 0;
  let calls = 0;
  const loop = (async () => {
    while (running) {
      calls++;
      await b
        .execute(() => {
          last = Date.now();
          return 'ok';
        })
        .catch((e: unknown) => {
          if (!(e instanceof CircuitOpenError)) throw e;
        });
      await sleep(5);
    }
  })();
  return {
    lastReached: () => last,
    calls: () => calls,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('Redis restored from an older snapshot', () => {
  it('an OPEN state older than the mirrors saw is followed by every instance within 1 s', async () => {
    const { name, a, first, second } = await pair('rollback', { failureThreshold: 1, resetTimeoutMs: 60_000 });
    await expect(second.execute(ok)).resolves.toBe('ok');

    // 1. the circuit opens, and Redis saves a snapshot of that
    await expect(first.execute(fail)).rejects.toBeInstanceOf(Boom);
    await waitFor(() => second.localState === 'open', 1000, 'the second instance to see OPEN');
    await first.snapshot();
    const openVersion = first.lastSnapshot!.version;
    const dir = ((await redis.client.config('GET', 'dir')) as string[])[1]!;
    await redis.client.save();
    copyFileSync(join(dir, 'dump.rdb'), join(dir, 'old.rdb'));

    // 2. the fleet moves on: closed by an operator, newer versions everywhere
    await first.forceClose();
    await waitFor(() => second.localState === 'closed', 1000, 'the second instance to see CLOSED');
    await expect(second.execute(ok)).resolves.toBe('ok');
    const closedVersion = second.lastSnapshot!.version;
    expect(closedVersion).toBeGreaterThan(openVersion);

    // 3. Redis crashes and comes back from the older snapshot (OPEN, older version)
    const callers = [keepCalling(first), keepCalling(second)];
    await redis.server.kill();
    copyFileSync(join(dir, 'old.rdb'), join(dir, 'dump.rdb'));
    await redis.server.restart();
    const restoredAt = Date.now();
    const restored = await waitFor(async () => (await redis.client.hgetall(a.store.keys(name).hash).catch(() => undefined)) ?? false, 2000, 'a client');
    expect(restored.state).toBe('open');
    expect(Number(restored.version)).toBe(openVersion); // older than what the mirrors last saw

    // 4. both instances follow the store: calls stop reaching the provider within 1 s
    await waitFor(() => first.localState === 'open' && second.localState === 'open', 3000, 'both instances to follow the restored OPEN');
    await sleep(100);
    await Promise.all(callers.map((c) => c.stop()));
    const stoppedAfterMs = Math.max(0, ...callers.map((c) => c.lastReached() - restoredAt));
    console.log(`[timing] rollback to an older RDB: calls stopped reaching the provider ${stoppedAfterMs} ms after Redis was back (${callers.map((c) => c.calls()).join(' + ')} calls made)`);
    expect(stoppedAfterMs).toBeLessThanOrEqual(1000);
    await expect(first.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(second.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });
});
