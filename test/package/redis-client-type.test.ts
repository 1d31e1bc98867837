/**
 * `RedisStoreClient` describes structurally the part of an ioredis client the Redis store uses, so
 * that the package's declarations never import the optional ioredis peer. These checks run in
 * `tsc --noEmit -p .` (`npm run typecheck`): a real ioredis `Redis` and `Cluster` must be accepted as
 * they are, without a cast. At run time the test only checks that no declaration file imports ioredis.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { redisStore, RedisStore, type RedisStoreClient, type RedisStoreConnection } from '../../src/index.js';
import { ensureBuilt, ROOT } from './packed.js';

/** Never called: type-checked only (it would open connections). */
export function typeOnly(): RedisStore[] {
  const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
  const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true });
  const resp3 = new Redis({ lazyConnect: true, protocol: 3 });
  return [
    redisStore(redis),
    redisStore(cluster),
    redisStore(redis, { prefix: 'app' }),
    new RedisStore(cluster, { timeoutMs: 100 }),
    redisStore(redis.duplicate()),
    redisStore(cluster.duplicate()),
    redisStore(resp3),
  ];
}

describe('RedisStoreClient', () => {
  it('an ioredis Redis and Cluster are RedisStoreClients, and their duplicates RedisStoreConnections', () => {
    expectTypeOf<Redis>().toExtend<RedisStoreClient>();
    expectTypeOf<Cluster>().toExtend<RedisStoreClient>();
    expectTypeOf<Redis | Cluster>().toExtend<RedisStoreClient>();
    expectTypeOf<Redis>().toExtend<RedisStoreConnection>();
    expectTypeOf<Cluster>().toExtend<RedisStoreConnection>();
    expectTypeOf(redisStore).toBeCallableWith({} as Redis);
    expectTypeOf(redisStore).toBeCallableWith({} as Cluster);
    expectTypeOf<RedisStore['client']>().toEqualTypeOf<RedisStoreClient>();
  });

  it('is not any: other values are refused', () => {
    expectTypeOf<{ status: string }>().not.toExtend<RedisStoreClient>();
    expectTypeOf<string>().not.toExtend<RedisStoreClient>();
    // @ts-expect-error -- not a Redis client
    expectTypeOf(redisStore).toBeCallableWith({ status: 'ready' });
  });

  it('no declaration file of the build imports ioredis (an optional peer)', () => {
    ensureBuilt();
    const dist = join(ROOT, 'dist');
    const declarations = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f));
    expect(declarations).toContain('index.d.ts');
    expect(declarations).toContain('index.d.cts');
    for (const file of declarations) {
      const importsIoredis = /from\s+['"]ioredis['"]|import\(\s*['"]ioredis['"]\s*\)|require\(\s*['"]ioredis['"]\s*\)/.test(readFileSync(join(dist, file), 'utf8'));
      expect({ file, importsIoredis }).toEqual({ file, importsIoredis: false });
    }
  }, 120_000);
});
