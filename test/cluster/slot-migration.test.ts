/**
 * Redis Cluster resharding: while a breaker's slot is MIGRATING (on its owner) and IMPORTING (on the
 * next master), held there by hand (CLUSTER SETSLOT, then MIGRATE of the key), every script keeps
 * working: no `storeError`, no instance drops to its local state, and a transition made during the
 * reshard is seen by every instance and is still there after it. Then `redis-cli --cluster reshard`
 * moves the slot back while the breakers keep failing and recovering through it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import type { StoreError } from '../../src/errors/store-error.js';
import { startRedisCluster, type ClusterNodeInfo, type RedisCluster } from '../helpers/redis-cluster.js';
import { keySlot } from '../helpers/key-slot.js';
import { waitFor } from '../helpers/wait.js';
import { untilDelivered } from '../redis/propagation.js';

let clusterP: Promise<RedisCluster> | undefined;
const getCluster = () => (clusterP ??= startRedisCluster());
afterAll(async () => {
  const c = await clusterP?.catch(() => undefined);
  await c?.close();
}, 30_000);

class Down extends Error {}
const down = () => Promise.reject(new Down('down'));

interface Instance {
  client: Cluster;
  store: RedisStore;
}

async function instance(cluster: RedisCluster, prefix: string): Promise<Instance> {
  const client = await cluster.createClient({ enableOfflineQueue: false });
  const store = redisStore(client, { prefix, timeoutMs: 1000, recoveryIntervalMs: 50 });
  await untilDelivered(client, store, 5000);
  return { client, store };
}

/** A breaker that records every storeError it emits. */
function breaker(name: string, store: RedisStore, errors: StoreError[]): CircuitBreaker {
  const b = new CircuitBreaker(name, { store, failureThreshold: 2, resetTimeoutMs: 60_000, isFailure: (e) => e instanceof Down });
  b.on('storeError', (e) => errors.push(e.error));
  return b;
}

/** Holds `slot` mid-migration from its owner to another master. */
async function holdMigration(cluster: RedisCluster, slot: number): Promise<{ src: ClusterNodeInfo; dst: ClusterNodeInfo; srcClient: Redis; dstClient: Redis }> {
  const src = await cluster.ownerOf(slot);
  const dst = cluster.nodes.find((n) => n.id !== src.id)!;
  const srcClient = await cluster.nodeClient(src.port);
  const dstClient = await cluster.nodeClient(dst.port);
  await dstClient.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', src.id);
  await srcClient.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', dst.id);
  return { src, dst, srcClient, dstClient };
}

/** Keys of `slot` on one node (a key command would be redirected while the slot migrates). */
async function keysIn(node: Redis, slot: number): Promise<number> {
  return Number(await node.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)));
}

/** Ends a held migration: `slot` belongs to `dst` on every master. */
async function finishMigration(cluster: RedisCluster, slot: number, dst: ClusterNodeInfo): Promise<void> {
  for (const n of cluster.nodes) await (await cluster.nodeClient(n.port)).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', dst.id);
}

describe('Redis Cluster: a slot migrating under the breakers', () => {
  it('held mid-migration (key on the old owner, then moved by MIGRATE): every operation works, transitions reach every instance', async () => {
    const cluster = await getCluster();
    const prefix = `mig${process.pid}`;
    const a = await instance(cluster, prefix);
    const b = await instance(cluster, prefix);
    const errors: StoreError[] = [];
    // "written" has its key on the old owner when the migration starts; "fresh" has none yet
    for (const label of ['written', 'fresh'] as const) {
      const name = `${label}-${process.pid}`;
      const { hash } = a.store.keys(name);
      const first = breaker(name, a.store, errors);
      const second = breaker(name, b.store, errors);
      try {
        await expect(second.execute(() => 'ok')).resolves.toBe('ok');
        if (label === 'written') await first.forceClose(); // creates the key
        const slot = await cluster.keySlot(hash);
        const { src, dst, srcClient, dstClient } = await holdMigration(cluster, slot);
        expect(await keysIn(srcClient, slot)).toBe(label === 'written' ? 1 : 0);

        // 1. the circuit opens during the migration, on whichever node holds (or gets) the key
        for (let i = 0; i < 2; i++) await expect(first.execute(down)).rejects.toBeInstanceOf(Down);
        expect(first.localState).toBe('open');
        await waitFor(() => second.localState === 'open', 1000, `${label}: the second instance to see OPEN`);
        expect((await second.snapshot()).state).toBe('open');

        // 2. the key moves to the importing node while the slot stays open for migration
        if (label === 'written') {
          expect(await keysIn(srcClient, slot)).toBe(1);
          await srcClient.call('MIGRATE', '127.0.0.1', String(dst.port), '', '0', '5000', 'KEYS', hash);
        }
        expect(await keysIn(srcClient, slot)).toBe(0);
        await dstClient.call('ASKING');
        expect(await dstClient.hget(hash, 'state')).toBe('open');

        // 3. an operator closes it, a call fails, the operator forces it open: all during the migration
        await second.forceClose();
        await waitFor(() => first.localState === 'closed', 1000, `${label}: the first instance to see CLOSED`);
        await expect(first.execute(down)).rejects.toBeInstanceOf(Down);
        expect((await second.snapshot()).failures).toBe(1);
        await first.forceOpen();
        await waitFor(() => second.localState === 'open', 1000, `${label}: the second instance to see the forced OPEN`);
        expect(errors.map((e) => e.message)).toEqual([]);
        expect((await first.snapshot()).degraded).toBe(false);
        expect((await second.snapshot()).degraded).toBe(false);

        // 4. the migration ends: the transition made during it is still there
        await finishMigration(cluster, slot, dst);
        expect(src.id).not.toBe(dst.id);
        await expect(second.snapshot()).resolves.toMatchObject({ state: 'open', forced: true, degraded: false });
        await first.reset();
      } finally {
        await first.close();
        await second.close();
      }
    }
    expect(errors.map((e) => e.message)).toEqual([]);
    await Promise.all([a.store.close(), b.store.close()]);
  }, 60_000);

  it('redis-cli --cluster reshard moves the slot while breakers keep using it: no storeError', async () => {
    const cluster = await getCluster();
    const prefix = `reshard${process.pid}`;
    const a = await instance(cluster, prefix);
    const errors: StoreError[] = [];
    // redis-cli moves the lowest slots of the source first: a name in slot 0, on the owner of slot 0
    let i = 0;
    while (keySlot(`{resharded-${process.pid}-${i}}`) !== 0) i++;
    const name = `resharded-${process.pid}-${i}`;
    const { hash } = a.store.keys(name);
    const b = breaker(name, a.store, errors);
    try {
      await b.forceClose();
      const slot = await cluster.keySlot(hash);
      expect(slot).toBe(0);
      const src = await cluster.ownerOf(slot);
      const dst = cluster.nodes.find((n) => n.id !== src.id)!;
      // many keys in the slot, so the reshard takes a while (it moves them in batches of 10)
      const srcClient = await cluster.nodeClient(src.port);
      const filler = Array.from({ length: 3000 }, (_, k) => `${prefix}:{${name}}:filler${k}`);
      for (let k = 0; k < filler.length; k += 500) await srcClient.mset(...filler.slice(k, k + 500).flatMap((key) => [key, 'x']));
      let running = true;
      let ops = 0;
      const load = (async () => {
        while (running) {
          await b.execute(down).catch(() => undefined);
          await b.forceClose();
          ops += 2;
        }
      })();
      const opsBefore = ops;
      // asynchronously: the breaker keeps working while redis-cli moves the slot's keys
      const res = await promisify(execFile)(
        'redis-cli',
        ['--cluster', 'reshard', `127.0.0.1:${src.port}`, '--cluster-from', src.id, '--cluster-to', dst.id, '--cluster-slots', '1', '--cluster-yes', '--cluster-pipeline', '10'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const opsDuring = ops - opsBefore;
      running = false;
      await load;
      expect(res.stdout).toMatch(/Moving slot 0 from/);
      console.log(`[timing] redis-cli --cluster reshard of slot 0 (3001 keys): ${opsDuring} breaker operations ran during it`);
      expect(opsDuring).toBeGreaterThan(10);
      expect((await cluster.ownerOf(slot)).id).toBe(dst.id); // the breaker's slot moved
      expect(errors.map((e) => e.message)).toEqual([]);
      await expect(b.snapshot()).resolves.toMatchObject({ state: 'closed', degraded: false });
    } finally {
      await b.close();
      await a.store.close();
    }
  }, 60_000);
});
