/**
 * Transitions are published by the scripts (and only transitions); the store's subscriber turns
 * them into `change` events and its reconnections into `resync`.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreChange } from '../../src/breaker/store.js';
import { decodeMessage } from '../../src/breaker/redis-codec.js';
import { ruleConfig, sleep, uniqueName, useRedis, waitFor } from './fixture.js';

const redis = useRedis();
const CHANNEL = 'circuit_breaker:events';

/**
 * A raw subscriber ("tap") on the default channel: every message published, in order. `count(name)`
 * publishes a marker and waits for it, so every message published before has arrived.
 */
const MARKER = 'flush-marker';
let tap: Redis;
let received: string[] = [];
beforeAll(async () => {
  tap = await redis.server.createClient();
  tap.on('message', (_ch: string, raw: string) => received.push(raw));
  await tap.subscribe(CHANNEL);
});
afterAll(() => tap.disconnect());

async function messagesFor(name: string): Promise<string[]> {
  await redis.client.publish(CHANNEL, MARKER);
  await waitFor(() => received.includes(MARKER), 1000, 'the flush marker');
  const all = received;
  received = [];
  return all.filter((raw) => raw !== MARKER && (JSON.parse(raw) as { name: string }).name === name);
}

describe('publishing', () => {
  it('publishes on transitions only, never on plain failures, reads or refusals', async () => {
    const store = redis.store();
    const name = uniqueName('pub');
    const cfg = ruleConfig({ failureThreshold: 2, resetTimeoutMs: 300, successThreshold: 2 });
    const count = async () => (await messagesFor(name)).length;
    await store.recordFailure(name, cfg, 0, false);
    await store.read(name, cfg);
    await store.recordSuccesses(name, cfg, 1, true);
    await store.acquireProbe(name, cfg, 'x'); // closed
    expect(await count()).toBe(0);
    await store.recordFailure(name, cfg, 0, false);
    await store.recordFailure(name, cfg, 0, false); // opens
    expect(await count()).toBe(1);
    await store.recordFailure(name, cfg, 0, false);
    await store.acquireProbe(name, cfg, 'p'); // too early: denied
    expect(await count()).toBe(0);
    await sleep(310);
    await store.acquireProbe(name, cfg, 'p'); // half_open
    await store.acquireProbe(name, cfg, 'q'); // denied
    expect(await count()).toBe(1);
    await store.releaseProbe(name, cfg, 'p', 'success'); // 1 of 2
    expect(await count()).toBe(0);
    await store.acquireProbe(name, cfg, 'p2');
    await store.releaseProbe(name, cfg, 'p2', 'success'); // closes
    expect(await count()).toBe(1);
    await store.forceClose(name, cfg); // already closed
    expect(await count()).toBe(0);
    await store.forceOpen(name, cfg);
    await store.forceOpen(name, cfg); // idempotent
    expect(await count()).toBe(1);
    await store.reset(name, cfg);
    await store.reset(name, cfg); // already closed: not a transition
    expect(await count()).toBe(1);
  });

  it('publishes a compact JSON snapshot that decodes to the reply', async () => {
    const store = redis.store();
    const name = uniqueName('pub');
    const reply = await store.forceOpen(name, ruleConfig());
    const [raw] = await messagesFor(name);
    expect(raw).toBeDefined();
    expect(JSON.parse(raw!)).toMatchObject({ v: 1, name, state: 'open', forced: 1, retryAfterMs: -1, version: reply.version });
    expect(decodeMessage(raw!)).toEqual({ type: 'change', name, snapshot: reply });
  });

  it('100 concurrent failures from two clients: exactly one transition, one message', async () => {
    const other = await redis.server.createClient();
    try {
      const { redisStore } = await import('../../src/breaker/redis-store.js');
      const a = redis.store();
      const b = redisStore(other);
      const name = uniqueName('race');
      const cfg = ruleConfig({ failureThreshold: 5 });
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).recordFailure(name, cfg, 0, false)));
      expect(replies.filter((s) => s.transitioned)).toHaveLength(1);
      expect(replies.filter((s) => s.state === 'closed').map((s) => s.failures).sort((x, y) => x - y)).toEqual([1, 2, 3, 4]);
      expect(replies.every((s) => s.state === 'open' || s.failures < 5)).toBe(true);
      expect(await messagesFor(name)).toHaveLength(1);
      await b.close();
    } finally {
      other.disconnect();
    }
  });
});

describe('subscribe', () => {
  it('delivers every transition of every breaker as a change, with the reply snapshot', async () => {
    const store = redis.store({ prefix: 'sub1' });
    const writer = redis.store({ prefix: 'sub1' });
    const seen: StoreChange[] = [];
    const sub = store.subscribe((c) => {
      if (c.type === 'change') seen.push(c);
    });
    await waitFor(async () => (await redis.client.pubsub('NUMSUB', 'sub1:events'))[1] === 1, 2000, 'the subscriber');
    const n1 = uniqueName('s');
    const n2 = uniqueName('s');
    const s1 = await writer.forceOpen(n1, ruleConfig());
    const s2 = await writer.recordFailure(n2, ruleConfig({ failureThreshold: 1 }), 0, false);
    await waitFor(() => seen.length === 2, 1000, 'two changes');
    expect(seen).toEqual([
      { type: 'change', name: n1, snapshot: s1 },
      { type: 'change', name: n2, snapshot: s2 },
    ]);
    sub.dispose();
    await writer.forceClose(n1, ruleConfig());
    await sleep(30);
    expect(seen).toHaveLength(2);
  });

  it('ignores messages it cannot decode', async () => {
    const store = redis.store({ prefix: 'sub2' });
    const seen: StoreChange[] = [];
    store.subscribe((c) => {
      if (c.type === 'change') seen.push(c);
    });
    await waitFor(async () => (await redis.client.pubsub('NUMSUB', 'sub2:events'))[1] === 1, 2000, 'the subscriber');
    for (const junk of ['', 'nope', '{}', '[1,2]', '{"v":1,"name":"x","state":"weird"}', '{"v":2,"name":"x"}']) {
      await redis.client.publish('sub2:events', junk);
    }
    await redis.store({ prefix: 'sub2' }).forceOpen(uniqueName(), ruleConfig());
    await waitFor(() => seen.length === 1, 1000, 'the real change');
    expect(seen[0]?.type).toBe('change');
  });

  it('emits resync once subscribed (transitions before it were missed) and again after a reconnection', async () => {
    const store = redis.store({ prefix: 'sub3' });
    const seen: StoreChange[] = [];
    store.subscribe((c) => seen.push(c));
    await waitFor(async () => (await redis.client.pubsub('NUMSUB', 'sub3:events'))[1] === 1, 2000, 'the subscriber');
    await waitFor(() => seen.length === 1, 1000, 'the first resync');
    await sleep(20);
    expect(seen).toEqual([{ type: 'resync' }]);
    seen.length = 0;
    await redis.client.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor(() => seen.some((c) => c.type === 'resync'), 2000, 'resync');
    // and it is subscribed again
    await redis.store({ prefix: 'sub3' }).forceOpen(uniqueName(), ruleConfig());
    await waitFor(() => seen.some((c) => c.type === 'change'), 1000, 'a change after the reconnection');
    // the tap was killed too; let it come back for the other tests
    await waitFor(async () => (await redis.client.pubsub('NUMSUB', CHANNEL))[1] === 1, 2000, 'the tap').catch(async () => {
      await tap.subscribe(CHANNEL);
    });
  });

  it('close() disconnects only the subscriber it created, never the caller client', async () => {
    const store = redis.store({ prefix: 'sub4' });
    store.subscribe(() => undefined);
    store.subscribe(() => undefined);
    await waitFor(async () => (await redis.client.pubsub('NUMSUB', 'sub4:events'))[1] === 1, 2000, 'one subscriber connection');
    await store.close();
    await waitFor(async () => (await redis.client.pubsub('NUMSUB', 'sub4:events'))[1] === 0, 2000, 'the subscriber to leave');
    expect(redis.client.status).toBe('ready');
    await expect(store.read(uniqueName(), ruleConfig())).resolves.toMatchObject({ state: 'closed' });
  });
});
