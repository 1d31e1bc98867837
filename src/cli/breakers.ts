/**
 * Reading and changing the breakers of one Redis: discovery by SCAN, state through the Redis
 * store's own `read` script (so the CLI shows exactly what every instance sees; see
 * read-breaker.ts), operator changes through `forceOpen` / `forceClose` / `reset`, and `forget`.
 * @module
 */
import type { Redis } from 'ioredis';
import type { RedisStore } from '../breaker/redis-store.js';
import type { Snapshot } from '../breaker/state.js';
import { breakerKeyPattern, parseBreakerKey } from '../breaker/redis-keys.js';
import { readBreaker, repairReport, toRow, wrongTypeRow, type BreakerRow } from './read-breaker.js';
import { isCluster, type RedisClient } from './redis-client.js';

export type { BreakerRow } from './read-breaker.js';
export { redisNow, type RedisClient } from './redis-client.js';

/** A `<prefix>:{<name>}` key and its Redis type (`hash` for a breaker; anything else is corrupt). */
export interface BreakerKey {
  name: string;
  type: string;
}

/**
 * Every `<prefix>:{<name>}` key, with its type (`:probes` keys are skipped), sorted by name. On a
 * Redis Cluster every master is scanned.
 */
export async function scanBreakerKeys(client: RedisClient, prefix: string): Promise<BreakerKey[]> {
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  const perNode = await Promise.all(nodes.map((node) => scanNode(node, prefix)));
  const byName = new Map(perNode.flat().map((k) => [k.name, k]));
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Names of every breaker under `prefix`: the `<prefix>:{<name>}` hashes. */
export async function scanBreakerNames(client: RedisClient, prefix: string): Promise<string[]> {
  return (await scanBreakerKeys(client, prefix)).filter((k) => k.type === 'hash').map((k) => k.name);
}

async function scanNode(client: Redis, prefix: string): Promise<BreakerKey[]> {
  const pattern = breakerKeyPattern(prefix);
  const keys = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const name = parseBreakerKey(prefix, key);
      if (name !== undefined) keys.set(key, name);
    }
  } while (cursor !== '0');
  if (keys.size === 0) return [];
  const list = [...keys];
  const pipeline = client.pipeline();
  for (const [key] of list) pipeline.type(key);
  const types = (await pipeline.exec()) ?? [];
  return list.map(([, name], i) => ({ name, type: String(types[i]?.[1] ?? 'unknown') }));
}

/**
 * Every breaker under the store's prefix, sorted by name; none, however corrupt, fails the list.
 * A key of another type is listed as corrupt, and never handed to the store's scripts (which would
 * repair it, and it may be someone else's).
 */
export async function listBreakers(client: RedisClient, store: RedisStore, defaultResetTimeoutMs: number): Promise<BreakerRow[]> {
  const keys = await scanBreakerKeys(client, store.prefix);
  return Promise.all(
    keys.map(async ({ name, type }) => (type === 'hash' ? (await readBreaker(client, store, name, defaultResetTimeoutMs)).row : wrongTypeRow(name, type, defaultResetTimeoutMs))),
  );
}

export type ControlCommand = 'open' | 'close' | 'reset';

/** Whether breaker `name` has a state hash in Redis (a breaker that never failed has none). */
export async function breakerExists(client: RedisClient, store: RedisStore, name: string): Promise<boolean> {
  return (await client.exists(store.keys(name).hash)) === 1;
}

/** The outcome of an operator command. */
export interface ControlResult {
  name: string;
  command: ControlCommand;
  /** Whether the breaker had a key in Redis before the command (false only with `--create`). */
  existed: boolean;
  before: BreakerRow;
  after: BreakerRow;
}

/** Runs `op`, once more when the script reported that it repaired a corrupt key instead. */
async function afterRepair(op: () => Promise<Snapshot>): Promise<Snapshot> {
  try {
    return await op();
  } catch (err) {
    if (repairReport(err) === undefined) throw err;
    return op();
  }
}

/**
 * Runs `open` / `close` / `reset` on breaker `name`, with the settings the breaker stores (so its
 * own options are kept), on any state however corrupt.
 */
export async function controlBreaker(client: RedisClient, store: RedisStore, command: ControlCommand, name: string, defaultResetTimeoutMs: number): Promise<ControlResult> {
  const existed = await breakerExists(client, store, name);
  const { row: before, settings } = await readBreaker(client, store, name, defaultResetTimeoutMs);
  const cfg = settings.cfg;
  const op = command === 'open' ? () => store.forceOpen(name, cfg) : command === 'close' ? () => store.forceClose(name, cfg) : () => store.reset(name, cfg);
  const after = toRow(name, await afterRepair(op), settings);
  return { name, command, existed, before, after };
}

/** The outcome of `forget`. */
export interface ForgetResult {
  name: string;
  /** Keys the breaker had and no longer has (its state hash, its probe leases); 0: nothing to forget. */
  deleted: number;
  /** The breaker before it was forgotten, or null when it had no keys. */
  before: BreakerRow | null;
}

/**
 * Deletes breaker `name`'s keys (`<prefix>:{<name>}` and its `:probes`, one slot, one DEL). It is
 * reset first, so that every running instance hears at once that it is closed.
 */
export async function forgetBreaker(client: RedisClient, store: RedisStore, name: string, defaultResetTimeoutMs: number): Promise<ForgetResult> {
  const keys = store.keys(name);
  const existing = await client.exists(keys.hash, keys.probes);
  if (existing === 0) return { name, deleted: 0, before: null };
  const { row: before, settings } = await readBreaker(client, store, name, defaultResetTimeoutMs);
  await afterRepair(() => store.reset(name, settings.cfg)).catch(() => undefined); // the DEL below decides
  await client.del(keys.hash, keys.probes); // (the reset may have deleted the leases already)
  return { name, deleted: existing, before };
}
