/**
 * The Redis store on a real 3-master Redis Cluster (issue 5, part 3):
 * - the shared breaker scenario suite, unchanged, on an ioredis `Cluster`;
 * - breakers whose hash tags land on different masters: each breaker's key (the state hash, probe
 *   leases included) lives on the master that owns its slot (checked on the node itself);
 * - a transition made through one Cluster client reaches a breaker on a second Cluster client by
 *   pub/sub (PUBLISH inside the scripts is broadcast over the cluster bus), for names on every master.
 * The cluster is torn down (processes killed, temp dir removed) after the file, even on failure.
 */
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import type { BreakerStore } from '../../src/breaker/store.js';
import { startRedisCluster, type ClusterNodeInfo, type RedisCluster } from '../helpers/redis-cluster.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { untilApplied, untilDelivered as untilMarkerDelivered, type Publisher } from '../redis/propagation.js';
import { defineBreakerScenarios } from '../scenarios/breaker-scenarios.js';

let clusterP: Promise<RedisCluster> | undefined;
const getCluster = () => (clusterP ??= startRedisCluster());
/** Store clients: fail fast (no offline queue), as the store's documentation asks. */
const STORE_CLIENT = { enableOfflineQueue: false } as const;

afterAll(async () => {
  const c = await clusterP?.catch(() => undefined);
  await c?.close();
}, 30_000);

/** Publishes a marker on the store's channel until the store's subscriber delivers it (cluster timeout: 5 s). */
const untilDelivered = (publisher: Publisher, store: BreakerStore & { channel: string }) => untilMarkerDelivered(publisher, store, 5000);

// ------------------------------------------------------------------------------------------------
// 1. The shared scenario suite on a Cluster client
// ------------------------------------------------------------------------------------------------

const scenarioPrefixes: string[] = [];
let envCounter = 0;
let scenarioClients: Promise<[Cluster, Cluster]> | undefined;
let masterPublishers: Promise<Redis[]> | undefined;

defineBreakerScenarios('redis store on a 3-master Redis Cluster', async () => {
  const cluster = await getCluster();
  // Two Cluster clients ("instances"), shared by the tests; every test gets its own key prefix.
  const [a, b] = await (scenarioClients ??= Promise.all([cluster.createClient(STORE_CLIENT), cluster.createClient(STORE_CLIENT)]));
  const prefix = `cscn${process.pid}-${++envCounter}`;
  scenarioPrefixes.push(prefix);
  const stores: RedisStore[] = [];
  const makeStore = async (client: Cluster): Promise<RedisStore> => {
    const store = redisStore(client, { prefix, timeoutMs: 1000, writeBehindMs: 20, recoveryIntervalMs: 50 });
    stores.push(store);
    await untilDelivered(client, store); // its subscriber is live before any breaker uses it
    return store;
  };
  const store = await makeStore(a);
  return {
    store,
    secondStore: () => makeStore(b),
    advance: (ms) => sleep(ms),
    resetTimeoutMs: 150,
    probeLeaseMs: 300,
    failureRateLagMs: store.successLagMs,
    // A transition is published by the master that owns the breaker's slot and relayed over the
    // cluster bus; a marker published on another node can overtake it. Messages from one node
    // arrive in order, so a marker from every master delivered means everything before it was.
    propagate: async () => {
      const publishers = await (masterPublishers ??= Promise.all(cluster.nodes.map((n) => cluster.nodeClient(n.port))));
      await Promise.all(stores.flatMap((s) => publishers.map((p) => untilDelivered(p, s))));
      // a message makes each breaker re-read the store: wait for those reads too
      await Promise.all(stores.map((s) => untilApplied(publishers[0]!, s, 5000)));
    },
    teardown: async () => {
      await Promise.all(stores.map((s) => s.close()));
    },
  };
});

describe('Redis Cluster: where the keys live', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  const nodeKeys = new Map<number, Awaited<ReturnType<RedisCluster['nodeClient']>>>();

  beforeAll(async () => {
    cluster = await getCluster();
    client = await cluster.createClient(STORE_CLIENT);
    for (const n of cluster.nodes) nodeKeys.set(n.port, await cluster.nodeClient(n.port));
  }, 30_000);

  /** For each master, one breaker name whose keys (under `prefix`) hash to a slot it owns. */
  async function namesPerMaster(prefix: string, label: string): Promise<Map<ClusterNodeInfo, { name: string; slot: number }>> {
    const found = new Map<ClusterNodeInfo, { name: string; slot: number }>();
    for (let i = 0; found.size < cluster.nodes.length && i < 200; i++) {
      const name = `${label}-${i}`;
      const slot = await cluster.keySlot(`${prefix}:{${name}}`);
      const owner = await cluster.ownerOf(slot);
      if (!found.has(owner)) found.set(owner, { name, slot });
    }
    expect(found.size, 'found a name for every master').toBe(cluster.nodes.length);
    return found;
  }

  it('the scenario suite above used breakers on at least two masters', async () => {
    expect(scenarioPrefixes.length).toBeGreaterThan(0);
    const holders: number[] = [];
    for (const n of cluster.nodes) {
      const node = nodeKeys.get(n.port)!;
      let count = 0;
      for (const prefix of scenarioPrefixes) count += (await node.keys(`${prefix}:{*}`)).length;
      if (count > 0) holders.push(n.port);
    }
    expect(holders.length, `masters holding scenario keys: ${holders.join(', ')}`).toBeGreaterThanOrEqual(2);
  });

  it('breakers on every master: state and probe keys share one slot and live on its master', async () => {
    const prefix = `where${process.pid}`;
    const store = redisStore(client, { prefix, timeoutMs: 1000 });
    const breakers: CircuitBreaker[] = [];
    const hung: Array<() => void> = [];
    try {
      const names = await namesPerMaster(prefix, 'svc');
      for (const [owner, { name, slot }] of names) {
        const b = new CircuitBreaker(name, { store, failureThreshold: 2, resetTimeoutMs: 100, probeLeaseMs: 5000 });
        breakers.push(b);
        for (let i = 0; i < 2; i++) await expect(b.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
        expect(await b.getState()).toBe('open');
        await sleep(120);
        // a probe that hangs holds a lease (a p:<id> field of the state hash)
        let release!: () => void;
        const probe = b.execute(() => new Promise<string>((r) => (release = () => r('late'))));
        await waitFor(() => release !== undefined, 2000, 'the probe to start');
        hung.push(() => release());
        expect(b.localState).toBe('half_open');

        const keys = store.keys(name);
        expect(await cluster.keySlot(keys.hash)).toBe(slot);
        const node = nodeKeys.get(owner.port)!;
        expect(await node.hget(keys.hash, 'state'), `state hash of ${name} on ${owner.key}`).toBe('half_open');
        const leases = Object.keys(await node.hgetall(keys.hash)).filter((f) => f.startsWith('p:'));
        expect(leases, `probe lease of ${name} on ${owner.key}`).toHaveLength(1);
        expect(await node.pttl(keys.hash)).toBeGreaterThan(0); // keys carry a TTL
        for (const other of cluster.nodes) {
          if (other.port === owner.port) continue;
          expect(Number(await nodeKeys.get(other.port)!.cluster('COUNTKEYSINSLOT', slot)), `${other.key} holds no key of slot ${slot}`).toBe(0);
        }
        release();
        await expect(probe).resolves.toBe('late');
      }
      expect(new Set([...names.keys()].map((n) => n.port)).size).toBe(3);
    } finally {
      hung.forEach((f) => f());
      await Promise.all(breakers.map((b) => b.close()));
      await store.close();
    }
  });

  it('a transition made through one Cluster client reaches a breaker on another within 1 s (every master)', async () => {
    const prefix = `prop${process.pid}`;
    const otherClient = await cluster.createClient(STORE_CLIENT);
    const storeA = redisStore(client, { prefix, timeoutMs: 1000 });
    const storeB = redisStore(otherClient, { prefix, timeoutMs: 1000 });
    const breakers: CircuitBreaker[] = [];
    try {
      await untilDelivered(client, storeA);
      await untilDelivered(client, storeB);
      const names = await namesPerMaster(prefix, 'prop');
      for (const [owner, { name }] of names) {
        const a = new CircuitBreaker(name, { store: storeA, failureThreshold: 2, resetTimeoutMs: 60_000 });
        const b = new CircuitBreaker(name, { store: storeB, failureThreshold: 2, resetTimeoutMs: 60_000 });
        breakers.push(a, b);
        const seen: string[] = [];
        b.on('stateChange', (e) => seen.push(`${e.from}->${e.to}`));
        await expect(b.execute(() => 'ok')).resolves.toBe('ok'); // b is synced and CLOSED
        // a transition by failures on instance A …
        for (let i = 0; i < 2; i++) await expect(a.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
        const t0 = Date.now();
        await waitFor(() => b.localState === 'open', 1000, `instance B to see ${name} (on ${owner.key}) open`);
        const tOpen = Date.now() - t0;
        let calls = 0;
        await expect(b.execute(() => void calls++)).rejects.toMatchObject({ code: 'circuit_open' });
        expect(calls).toBe(0);
        // … and an operator's forceClose / forceOpen
        await a.forceClose();
        await waitFor(() => b.localState === 'closed', 1000, `instance B to see ${name} closed`);
        await a.forceOpen();
        await waitFor(() => b.localState === 'open', 1000, `instance B to see ${name} forced open`);
        expect(seen).toEqual(['closed->open', 'open->closed', 'closed->open']);
        expect(tOpen).toBeLessThan(1000);
      }
    } finally {
      await Promise.all(breakers.map((b) => b.close()));
      await storeA.close();
      await storeB.close();
    }
  });
});
