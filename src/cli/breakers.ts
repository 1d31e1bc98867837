/**
 * Reading and changing the breakers of one Redis: discovery by SCAN, state through the Redis
 * store's own `read` script (so the CLI shows exactly what every instance sees), operator changes
 * through `forceOpen` / `forceClose` / `reset`.
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_BREAKER_OPTIONS, toRuleConfig } from '../breaker/options.js';
import { isClusterClient } from '../breaker/redis-client.js';
import type { RedisStore } from '../breaker/redis-store.js';
import { CircuitState, type RuleConfig, type Snapshot } from '../breaker/state.js';

/** One breaker as the CLI shows it. */
export interface BreakerRow {
  name: string;
  state: CircuitState;
  /** Held open by an operator (`open NAME`) until `close` / `reset`. */
  forced: boolean;
  /** Consecutive counted failures (CLOSED). */
  failures: number;
  /** Probe successes so far (HALF_OPEN). */
  successes: number;
  /** When the circuit last opened (ms since the epoch, Redis clock), or null. */
  openedAt: number | null;
  /**
   * ms until the next probe is admitted: 0 when one can start now, null when CLOSED or held open
   * by an operator.
   */
  nextProbeInMs: number | null;
  probesInFlight: number;
  /** Calls / failures in the failure-rate window (failure-rate mode only). */
  windowCalls: number;
  windowFailures: number;
}

/** The rule config the CLI hands the store's scripts: the defaults, with the given reset timeout. */
export function cliRuleConfig(resetTimeoutMs: number): RuleConfig {
  return toRuleConfig({ ...DEFAULT_BREAKER_OPTIONS, failureRate: undefined, resetTimeoutMs });
}

/** Redis glob pattern matching `text` literally. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\^]/g, (c) => `\\${c}`);
}

/** A single Redis or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

function isCluster(client: RedisClient): client is Cluster {
  return isClusterClient(client);
}

/**
 * Names of every breaker under `prefix`: the `<prefix>:{<name>}` hashes (`:probes` sets are
 * skipped). On a Redis Cluster every master is scanned.
 */
export async function scanBreakerNames(client: RedisClient, prefix: string): Promise<string[]> {
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  const perNode = await Promise.all(nodes.map((node) => scanNode(node, prefix)));
  return [...new Set(perNode.flat())].sort();
}

async function scanNode(client: Redis, prefix: string): Promise<string[]> {
  const pattern = `${globEscape(prefix)}:{*}`;
  const head = `${prefix}:{`;
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) if (key.startsWith(head) && key.endsWith('}')) keys.add(key);
  } while (cursor !== '0');
  if (keys.size === 0) return [];
  // only hashes are breakers: never hand another kind of key to the store's scripts
  const list = [...keys];
  const pipeline = client.pipeline();
  for (const key of list) pipeline.type(key);
  const types = (await pipeline.exec()) ?? [];
  return list
    .filter((_, i) => types[i]?.[1] === 'hash')
    .map((key) => key.slice(head.length, -1))
    .filter((name) => name.length > 0 && !/[{}\s]/.test(name));
}

/** A snapshot as a row. */
export function toRow(name: string, s: Snapshot, cfg: RuleConfig): BreakerRow {
  let nextProbeInMs: number | null = null;
  if (s.state === CircuitState.OPEN && !s.forced) nextProbeInMs = Number.isFinite(s.retryAfterMs) ? s.retryAfterMs : null;
  else if (s.state === CircuitState.HALF_OPEN) nextProbeInMs = s.probesInFlight < cfg.halfOpenMaxProbes ? 0 : s.retryAfterMs;
  return {
    name,
    state: s.state,
    forced: s.forced,
    failures: s.failures,
    successes: s.successes,
    openedAt: s.openedAt > 0 ? s.openedAt : null,
    nextProbeInMs,
    probesInFlight: s.probesInFlight,
    windowCalls: s.windowCalls,
    windowFailures: s.windowFailures,
  };
}

/** Every breaker under the store's prefix, read through the store, sorted by name. */
export async function listBreakers(client: RedisClient, store: RedisStore, cfg: RuleConfig): Promise<BreakerRow[]> {
  const names = await scanBreakerNames(client, store.prefix);
  return Promise.all(names.map(async (name) => toRow(name, await store.read(name, cfg), cfg)));
}

/** The Redis server's clock (ms), so "ago" and "in" agree with the scripts. */
export async function redisNow(client: RedisClient): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

export type ControlCommand = 'open' | 'close' | 'reset';

/** The outcome of an operator command. */
export interface ControlResult {
  name: string;
  command: ControlCommand;
  /** Whether the breaker had a key in Redis before the command (false: likely a typo). */
  existed: boolean;
  before: BreakerRow;
  after: BreakerRow;
}

/** Runs `open` / `close` / `reset` on breaker `name`. */
export async function controlBreaker(client: RedisClient, store: RedisStore, command: ControlCommand, name: string, cfg: RuleConfig): Promise<ControlResult> {
  const existed = (await client.exists(store.keys(name).hash)) === 1;
  const before = toRow(name, await store.read(name, cfg), cfg);
  const op = command === 'open' ? store.forceOpen(name, cfg) : command === 'close' ? store.forceClose(name, cfg) : store.reset(name, cfg);
  const after = toRow(name, await op, cfg);
  return { name, command, existed, before, after };
}
