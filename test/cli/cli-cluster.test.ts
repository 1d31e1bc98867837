/**
 * The `llm-breaker` CLI on a real Redis Cluster (three masters): breakers spread over the slots of
 * every master are all listed, and operator commands reach the right node.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BREAKER_OPTIONS } from '../../src/breaker/options.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { cli } from './run.js';

const cfg = { ...DEFAULT_BREAKER_OPTIONS, failureRate: undefined };
const NAMES = ['openai', 'anthropic', 'local', 'search-api', 'reranker', 'vector-store', 'embeddings', 'moderation'];

let cluster: RedisCluster;
let client: Cluster;
let store: RedisStore;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = await cluster.createClient();
  store = redisStore(client, { prefix: 'cli_cluster' });
  for (const name of NAMES) await store.recordFailure(name, cfg, 0, false);
  await store.forceOpen('openai', cfg);
}, 30_000);

afterAll(async () => {
  await store?.close();
  await cluster?.close();
});

describe('llm-breaker on a Redis Cluster', () => {
  it('status --cluster lists the breakers of every master', async () => {
    // the names really are spread over several masters
    const perNode = await Promise.all(client.nodes('master').map((n) => n.keys('cli_cluster:{*}')));
    expect(perNode.filter((keys) => keys.length > 0).length).toBeGreaterThan(1);

    const r = await cli(['status', '--cluster', '--redis', cluster.url, '--prefix', 'cli_cluster', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { breakers: Array<{ name: string; state: string; failures: number; forced: boolean }> };
    expect(report.breakers.map((b) => b.name)).toEqual([...NAMES].sort());
    expect(report.breakers.find((b) => b.name === 'openai')).toMatchObject({ state: 'open', forced: true });
    expect(report.breakers.find((b) => b.name === 'reranker')).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('open / close NAME --cluster change the breaker on its node', async () => {
    expect((await cli(['open', 'vector-store', '--cluster', '--redis', cluster.url, '--prefix', 'cli_cluster'])).code).toBe(0);
    expect((await store.read('vector-store', cfg)).forced).toBe(true);
    expect((await cli(['close', 'openai', '--cluster', '--redis', cluster.url, '--prefix', 'cli_cluster'])).code).toBe(0);
    expect((await store.read('openai', cfg)).state).toBe('closed');
  });

  it('forget NAME --cluster deletes both keys of the breaker on its node', async () => {
    await client.zadd('cli_cluster:{moderation}:probes', Date.now() + 60_000, 'lease-1');
    expect(await client.exists('cli_cluster:{moderation}', 'cli_cluster:{moderation}:probes')).toBe(2);
    const r = await cli(['forget', 'moderation', '--cluster', '--redis', cluster.url, '--prefix', 'cli_cluster']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('breaker "moderation" forgotten: 2 keys deleted');
    expect(await client.exists('cli_cluster:{moderation}', 'cli_cluster:{moderation}:probes')).toBe(0);
    expect((await cli(['forget', 'moderation', '--cluster', '--redis', cluster.url, '--prefix', 'cli_cluster'])).code).toBe(1);
  });

  it('an unreachable seed node: exit 2', async () => {
    const r = await cli(['status', '--cluster', '--redis', 'redis://127.0.0.1:1', '--timeout', '1000']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot connect to Redis Cluster at redis://127.0.0.1:1');
  });
});
