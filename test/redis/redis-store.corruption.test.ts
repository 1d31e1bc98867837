/**
 * Corrupt keys (a field that is not a valid state or number, a key of the wrong type): the script
 * repairs the key to a fresh CLOSED state with a newer version, publishes it, and the store call
 * rejects with a StoreError that says so. Never a crash.
 */
import { describe, expect, it } from 'vitest';
import { isStoreError, type StoreError } from '../../src/errors/store-error.js';
import type { Snapshot } from '../../src/breaker/state.js';
import type { StoreChange } from '../../src/breaker/store.js';
import { ruleConfig, uniqueName, useRedis, waitFor } from './fixture.js';

const redis = useRedis();
const cfg = ruleConfig({ failureThreshold: 2 });

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStoreError(err)).toBe(true);
  return err as StoreError;
}

/** Opens `name` (a valid state with a version) and returns its snapshot. */
async function opened(name: string): Promise<Snapshot> {
  const store = redis.store();
  await store.recordFailure(name, cfg, 0, false);
  return store.recordFailure(name, cfg, 0, false);
}

const badFields: Array<[string, string]> = [
  ['state', 'garbage'],
  ['forced', 'yes'],
  ['failures', 'abc'],
  ['failures', '-3'],
  ['successes', '1.5'],
  ['openedAt', ''],
  ['version', '1e99'],
  ['w170000c', 'lots'],
  ['y8500000000', '-1'], // a young-failure slot (failure-rate mode with write-behind)
];

describe('corrupt hash fields', () => {
  it.each(badFields)('field %s = %j: rejects with a StoreError and repairs the key', async (field, value) => {
    const store = redis.store();
    const name = uniqueName('corrupt');
    const before = await opened(name);
    const { hash } = store.keys(name);
    await redis.client.hset(hash, field, value);
    const err = await rejection(store.recordFailure(name, cfg, 0, false));
    expect(err.breakerName).toBe(name);
    expect(err.operation).toBe('recordFailure');
    expect(err.message).toMatch(/corrupt breaker state/);
    expect(err.message).toContain(`field ${field}`);
    expect(err.message).toMatch(/repaired to a fresh closed state/);
    const after = await store.read(name, cfg);
    expect(after).toMatchObject({ state: 'closed', forced: false, failures: 0, successes: 0, openedAt: 0, probesInFlight: 0 });
    expect(after.version).toBeGreaterThan(before.version);
    expect(await redis.client.pttl(hash)).toBeGreaterThan(0);
    await expect(store.recordFailure(name, cfg, 0, false)).resolves.toMatchObject({ state: 'closed', failures: 1 });
  });

  it('a hash without a state field is corrupt; unknown extra fields are not', async () => {
    const store = redis.store();
    const name = uniqueName('corrupt');
    await redis.client.hset(store.keys(name).hash, 'foo', 'bar');
    await rejection(store.read(name, cfg));
    expect(await redis.client.hget(store.keys(name).hash, 'state')).toBe('closed');
    const other = uniqueName('extra');
    await opened(other);
    await redis.client.hset(store.keys(other).hash, 'note', 'written by a newer version');
    await expect(store.read(other, cfg)).resolves.toMatchObject({ state: 'open' });
  });

  it('every operation detects it', async () => {
    const store = redis.store();
    const ops: Array<[string, (name: string) => Promise<unknown>]> = [
      ['recordSuccesses', (n) => store.recordSuccesses(n, cfg, 1, true)],
      ['recordFailure', (n) => store.recordFailure(n, cfg, 0, false)],
      ['acquireProbe', (n) => store.acquireProbe(n, cfg, 'p')],
      ['releaseProbe', (n) => store.releaseProbe(n, cfg, 'p', 'success')],
      ['forceOpen', (n) => store.forceOpen(n, cfg)],
      ['forceClose', (n) => store.forceClose(n, cfg)],
      ['reset', (n) => store.reset(n, cfg)],
      ['read', (n) => store.read(n, cfg)],
    ];
    for (const [operation, run] of ops) {
      const name = uniqueName('every');
      await redis.client.hset(store.keys(name).hash, 'state', 'exploded');
      const err = await rejection(run(name));
      expect(err.operation).toBe(operation);
      expect(await redis.client.hget(store.keys(name).hash, 'state')).toBe('closed');
    }
  });
});

describe('keys of the wrong type', () => {
  it.each([
    ['the state key is a string', async (hash: string) => void (await redis.client.set(hash, 'oops'))],
    ['the state key is a list', async (hash: string) => void (await redis.client.lpush(hash, 'a', 'b'))],
    ['the probes key is a string', async (_hash: string, probes: string) => void (await redis.client.set(probes, 'oops'))],
    ['the probes key is a hash', async (_hash: string, probes: string) => void (await redis.client.hset(probes, 'a', '1'))],
  ])('%s: rejects with a StoreError and repairs both keys', async (_label, spoil) => {
    const store = redis.store();
    const name = uniqueName('type');
    const { hash, probes } = store.keys(name);
    await redis.client.del(hash, probes);
    await spoil(hash, probes);
    const err = await rejection(store.acquireProbe(name, cfg, 'p'));
    expect(err.message).toMatch(/holds a (string|list|hash), not a (hash|zset)/);
    expect(await redis.client.type(hash)).toBe('hash');
    expect(['none', 'zset']).toContain(await redis.client.type(probes));
    await expect(store.recordFailure(name, cfg, 0, false)).resolves.toMatchObject({ state: 'closed', failures: 1 });
  });
});

it('the repair is published, so every instance converges on it', async () => {
  const store = redis.store({ prefix: 'corrupt-pub' });
  const seen: StoreChange[] = [];
  store.subscribe((c) => {
    if (c.type === 'change') seen.push(c);
  });
  await waitFor(async () => (await redis.client.pubsub('NUMSUB', 'corrupt-pub:events'))[1] === 1, 2000, 'the subscriber');
  const name = uniqueName('pub');
  await redis.client.hset(store.keys(name).hash, 'state', 'garbage', 'version', '5');
  await rejection(store.read(name, cfg));
  await waitFor(() => seen.length === 1, 1000, 'the repair message');
  expect(seen[0]).toMatchObject({ type: 'change', name, snapshot: { state: 'closed', forced: false, transitioned: true } });
});
