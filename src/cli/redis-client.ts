/**
 * The Redis connection the CLI works on (a single Redis or a Redis Cluster) and its clock.
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { isClusterClient } from '../breaker/redis-client.js';

/** A single Redis or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return isClusterClient(client);
}

/** The Redis server's clock (ms), so "ago" and "in" agree with the scripts. */
export async function redisNow(client: RedisClient): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}
