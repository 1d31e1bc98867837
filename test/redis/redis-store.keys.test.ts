/**
 * Key layout, TTLs, options and script loading of the Redis store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/config-error.js';
import { isStoreError } from '../../src/errors/store-error.js';
import { RedisStore, redisStore } from '../../src/breaker/redis-store.js';
import { SCRIPT_NAMES, luaDirectory, readScripts } from '../../src/breaker/redis-scripts.js';
import { ruleConfig, sleep, uniqueName, useRedis } from './fixture.js';
import { keySlot } from '../helpers/key-slot.js';

const redis = useRedis();

describe('keys', () => {
  it('are one hash <prefix>:{<name>}, probe leases included; the legacy :probes key is never written', async () => {
    const store = redis.store();
    const name = uniqueName('keys');
    expect(store.keys(name)).toEqual({ hash: `circuit_breaker:{${name}}`, probes: `circuit_breaker:{${name}}:probes` });
    expect(keySlot(store.keys(name).hash)).toBe(keySlot(store.keys(name).probes));
    expect(keySlot('circuit_breaker:{openai}')).toBe(keySlot('openai'));
    const cfg = ruleConfig({ failureThreshold: 1, resetTimeoutMs: 20 });
    await store.recordFailure(name, cfg, 0, false);
    await sleep(25);
    const granted = await store.acquireProbe(name, cfg, 'p');
    expect(granted.outcome).toBe('granted');
    expect(await redis.client.type(`circuit_breaker:{${name}}`)).toBe('hash');
    const expiry = Number(await redis.client.hget(`circuit_breaker:{${name}}`, 'p:p'));
    expect(expiry).toBeGreaterThan(Date.now() + 4000); // probeLeaseMs 5000 from now (Redis clock)
    expect(await redis.client.exists(`circuit_breaker:{${name}}:probes`)).toBe(0);
    await store.releaseProbe(name, cfg, 'p', 'neutral');
    expect(await redis.client.hexists(`circuit_breaker:{${name}}`, 'p:p')).toBe(0);
    const custom = redis.store({ prefix: 'myapp:cb' });
    await custom.forceOpen(name, cfg);
    expect(await redis.client.hget(`myapp:cb:{${name}}`, 'state')).toBe('open');
  });

  it('hold the documented fields', async () => {
    const store = redis.store();
    const name = uniqueName('fields');
    const opened = await store.forceOpen(name, ruleConfig());
    expect(await redis.client.hgetall(store.keys(name).hash)).toEqual({
      state: 'open',
      forced: '1',
      failures: '0',
      successes: '0',
      openedAt: String(opened.openedAt),
      version: String(opened.version),
      // the options of the breaker that wrote (for operators: the CLI's next-probe time)
      resetTimeoutMs: '5000',
      failureThreshold: '3',
      successThreshold: '2',
      halfOpenMaxProbes: '1',
    });
  });

  it('store the options of the breaker that wrote, on every script write', async () => {
    const store = redis.store();
    const name = uniqueName('opts');
    const { hash } = store.keys(name);
    await store.recordFailure(name, ruleConfig({ failureThreshold: 7, resetTimeoutMs: 1234, successThreshold: 4, halfOpenMaxProbes: 3 }), 0, false);
    expect(await redis.client.hmget(hash, 'resetTimeoutMs', 'failureThreshold', 'successThreshold', 'halfOpenMaxProbes')).toEqual(['1234', '7', '4', '3']);
    await store.recordFailure(name, ruleConfig({ failureThreshold: 9, resetTimeoutMs: 45_000 }), 0, false);
    expect(await redis.client.hmget(hash, 'resetTimeoutMs', 'failureThreshold', 'successThreshold', 'halfOpenMaxProbes')).toEqual(['45000', '9', '2', '1']);
  });

  it('get a TTL on every write, refreshed by each write, never by a read', async () => {
    const store = redis.store({ keyTtlMs: 5000 });
    const name = uniqueName('ttl');
    const cfg = ruleConfig({ failureThreshold: 1, resetTimeoutMs: 20, probeLeaseMs: 100 });
    await store.read(name, cfg);
    expect(await redis.client.exists(store.keys(name).hash)).toBe(0); // a read creates nothing
    await store.recordFailure(name, cfg, 0, false);
    await sleep(30);
    await store.acquireProbe(name, cfg, 'p');
    const { hash } = store.keys(name);
    const ttl = await redis.client.pttl(hash);
    expect(ttl).toBeGreaterThan(4800);
    expect(ttl).toBeLessThanOrEqual(5000);
    await sleep(120);
    await store.read(name, cfg);
    expect(await redis.client.pttl(hash)).toBeLessThan(4900);
    await store.releaseProbe(name, cfg, 'p', 'neutral'); // expired lease: nothing changes, nothing written
    expect(await redis.client.pttl(hash)).toBeLessThan(4900);
    await store.forceClose(name, cfg);
    expect(await redis.client.pttl(hash)).toBeGreaterThan(4950);
  });

  it('never expire before the state stops mattering (TTL ≥ resetTimeoutMs)', async () => {
    const store = redis.store({ keyTtlMs: 1000 });
    const name = uniqueName('ttl');
    await store.recordFailure(name, ruleConfig({ failureThreshold: 1, resetTimeoutMs: 60_000 }), 0, false);
    expect(await redis.client.hget(store.keys(name).hash, 'state')).toBe('open');
    expect(await redis.client.pttl(store.keys(name).hash)).toBeGreaterThan(59_000);
  });

  it('a forced-open circuit outlives keyTtlMs: it lasts until forceClose or reset', async () => {
    const store = redis.store({ keyTtlMs: 1000 });
    const name = uniqueName('forced-ttl');
    const cfg = ruleConfig({ resetTimeoutMs: 100, probeLeaseMs: 100 });
    const { hash } = store.keys(name);
    await store.recordFailure(name, cfg, 0, false); // an expiring key first
    expect(await redis.client.pttl(hash)).toBeGreaterThan(0);
    await store.forceOpen(name, cfg);
    expect(await redis.client.pttl(hash)).toBe(-1); // no expiry
    await sleep(1200); // past keyTtlMs, with no write meanwhile
    const held = await store.read(name, cfg);
    expect(held).toMatchObject({ state: 'open', forced: true, retryAfterMs: Number.POSITIVE_INFINITY });
    await store.acquireProbe(name, cfg, 'p'); // denied: no write, still no expiry
    expect(await redis.client.pttl(hash)).toBe(-1);
    await store.forceClose(name, cfg);
    const ttl = await redis.client.pttl(hash);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    await store.forceOpen(name, cfg);
    await store.reset(name, cfg);
    expect(await redis.client.pttl(hash)).toBeGreaterThan(0);
  });

  it('versions keep increasing when an expired key is re-created', async () => {
    const store = redis.store();
    const name = uniqueName('expire');
    const cfg = ruleConfig({ failureThreshold: 1 });
    const first = await store.recordFailure(name, cfg, 0, false);
    await redis.client.del(store.keys(name).hash); // as if the TTL ran out
    await sleep(2);
    const second = await store.recordFailure(name, cfg, 0, false);
    expect(second.transitioned).toBe(true);
    expect(second.version).toBeGreaterThan(first.version);
  });
});

describe('options', () => {
  it('has the documented defaults', () => {
    const store = redisStore(redis.client);
    expect(store).toBeInstanceOf(RedisStore);
    expect(store.kind).toBe('redis');
    expect(store.prefix).toBe('circuit_breaker');
    expect(store.channel).toBe('circuit_breaker:events');
    expect(store.timeoutMs).toBe(150);
    expect(store.keyTtlMs).toBe(86_400_000);
    expect(store.writeBehindMs).toBe(100);
    expect(store.recoveryIntervalMs).toBe(1000);
    expect(Math.abs(store.now() - Date.now())).toBeLessThan(50);
    expect(redis.store({ prefix: 'app' }).channel).toBe('app:events');
    expect(redis.store({ prefix: 'app', channel: 'cb-events' }).channel).toBe('cb-events');
  });

  it.each([
    ['prefix', { prefix: '' }],
    ['prefix', { prefix: 'has space' }],
    ['prefix', { prefix: 'a{b}' }],
    ['prefix', { prefix: 42 }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['keyTtlMs', { keyTtlMs: 10 }],
    ['keyTtlMs', { keyTtlMs: 1.5e3 + 0.5 }],
    ['writeBehindMs', { writeBehindMs: -1 }],
    ['recoveryIntervalMs', { recoveryIntervalMs: 0 }],
    ['channel', { channel: '' }],
  ])('rejects a bad %s with a ConfigError naming it (%j)', (option, bad) => {
    let error: unknown;
    try {
      redisStore(redis.client, bad as never);
    } catch (err) {
      error = err;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as { option: string }).option).toBe(option);
    expect((error as Error).message).toContain(option);
  });

  it('rejects something that is not an ioredis client', () => {
    expect(() => redisStore({} as never)).toThrow(/client/);
  });

  it('a name that would break the hash tag rejects (never throws)', async () => {
    const store = redis.store();
    const p = store.read('a{b}', ruleConfig());
    await expect(p).rejects.toSatisfy(isStoreError);
  });
});

describe('scripts', () => {
  it('one file per operation, named <op>-<numKeys>.lua, each documenting KEYS, ARGV and its reply', async () => {
    const scripts = readScripts();
    expect([...scripts.keys()].sort()).toEqual([...SCRIPT_NAMES].sort());
    const { readFileSync } = await import('node:fs');
    for (const s of scripts.values()) {
      expect(s.numberOfKeys).toBe(1); // one key per breaker: scripts keep working during a Cluster slot migration
      const raw = readFileSync(join(luaDirectory(), `${s.name}-1.lua`), 'utf8');
      expect(s.lua).not.toMatch(/KEYS\[2\]/);
      expect(raw).toMatch(/KEYS\[1\]/);
      expect(raw).toMatch(/ARGV/);
      expect(raw).toMatch(/Returns/);
      expect(s.lua).not.toMatch(/^--- @include/m); // includes spliced
      expect(s.lua).toContain("redis.call('TIME')");
    }
  });

  it('are defined once per client, even by several stores', () => {
    redis.store();
    const before = Object.keys(redis.client).filter((k) => k.startsWith('llmBreaker')).length;
    expect(before).toBe(SCRIPT_NAMES.length * 2); // ioredis adds a ...Buffer twin of each command
    redis.store();
    redis.store({ prefix: 'other' });
    expect(Object.keys(redis.client).filter((k) => k.startsWith('llmBreaker')).length).toBe(before);
  });

  it('a missing script or include is a clear error at construction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmb-lua-'));
    try {
      expect(() => readScripts(join(dir, 'nope'))).toThrow(/cannot read the Redis store's Lua scripts/);
      writeFileSync(join(dir, 'read-1.lua'), '--- @include "missing"\n');
      expect(() => readScripts(dir)).toThrow(/includes "missing"/);
      writeFileSync(join(dir, 'read-1.lua'), 'return 1\n');
      expect(() => readScripts(dir)).toThrow(/missing Lua script\(s\) record-successes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
