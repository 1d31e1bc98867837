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
  // out of range: Lua reads 9999999999999999 as 1e16, which cannot be incremented (a frozen version)
  ['version', '9999999999999999'],
  ['version', '4503599627370497'], // 2^52 + 1
  ['failures', '9999999999999999'],
  ['openedAt', '9999999999999999'], // above the Date range
  ['openedAt', String(Date.now() + 10 * 86_400_000)], // days ahead of the Redis clock: open for ever
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
  ])('%s: rejects with a StoreError and repairs the key', async (_label, spoil) => {
    const store = redis.store();
    const name = uniqueName('type');
    const { hash } = store.keys(name);
    await redis.client.del(hash);
    await spoil(hash);
    const err = await rejection(store.acquireProbe(name, cfg, 'p'));
    expect(err.message).toMatch(/holds a (string|list), not a hash/);
    expect(await redis.client.type(hash)).toBe('hash');
    await expect(store.recordFailure(name, cfg, 0, false)).resolves.toMatchObject({ state: 'closed', failures: 1 });
  });
});

describe('probe leases out of range', () => {
  it.each([['inf'], ['+inf'], ['1e999'], [String(Date.now() + 10 * 86_400_000)]])('a lease expiring at %s: rejects with a StoreError and repairs the key', async (expiry) => {
    const store = redis.store();
    const name = uniqueName('lease');
    const { hash } = store.keys(name);
    await opened(name);
    await redis.client.hset(hash, 'p:forged-lease', expiry);
    const err = await rejection(store.read(name, cfg));
    expect(err.message).toContain('field p:forged-lease');
    expect(await redis.client.hexists(hash, 'p:forged-lease')).toBe(0);
    expect(await redis.client.hget(hash, 'state')).toBe('closed');
    await expect(store.read(name, cfg)).resolves.toMatchObject({ state: 'closed', probesInFlight: 0, retryAfterMs: 0 });
  });

  it('a live lease within probeLeaseMs is not corruption', async () => {
    const store = redis.store();
    const name = uniqueName('lease-ok');
    await redis.client.hset(store.keys(name).hash, 'state', 'half_open', 'version', '7', 'p:someone', String(Date.now() + 4000));
    await expect(store.read(name, cfg)).resolves.toMatchObject({ state: 'half_open', probesInFlight: 1 });
  });

  it('a repair rewrites the hash in place and drops every other field', async () => {
    const store = redis.store();
    const name = uniqueName('inplace');
    const { hash } = store.keys(name);
    await opened(name);
    await redis.client.hset(hash, 'failures', 'NaN', 'p:x', '12', 'w1c', '3', 'note', 'kept? no: a repair starts afresh');
    await rejection(store.read(name, cfg));
    expect(Object.keys(await redis.client.hgetall(hash)).sort()).toEqual(
      ['failureThreshold', 'failures', 'forced', 'halfOpenMaxProbes', 'openedAt', 'resetTimeoutMs', 'state', 'successThreshold', 'successes', 'version'].sort(),
    );
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
