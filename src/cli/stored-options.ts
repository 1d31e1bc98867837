/**
 * The options a breaker runs with, as its own instances store them in its state hash (fields
 * `resetTimeoutMs`, `failureThreshold`, `successThreshold`, `halfOpenMaxProbes`). The CLI reads
 * them so that `status` shows each breaker's real reset timeout and next probe, and so that an
 * operator command runs the scripts with the breaker's own settings, not the defaults. A field that
 * is absent or invalid falls back to the default.
 * @module
 */
import { DEFAULT_BREAKER_OPTIONS, toRuleConfig } from '../breaker/options.js';
import type { RuleConfig } from '../breaker/state.js';
import type { RedisClient } from './redis-client.js';

/** The rule config for a breaker, and where its `resetTimeoutMs` came from. */
export interface BreakerSettings {
  cfg: RuleConfig;
  /** `stored`: read from the breaker's hash; `default`: absent or invalid there. */
  resetTimeoutSource: 'stored' | 'default';
}

const FIELDS = ['resetTimeoutMs', 'failureThreshold', 'successThreshold', 'halfOpenMaxProbes'] as const;
const MAX: Record<(typeof FIELDS)[number], number> = {
  resetTimeoutMs: Number.MAX_SAFE_INTEGER,
  failureThreshold: Number.MAX_SAFE_INTEGER,
  successThreshold: Number.MAX_SAFE_INTEGER,
  halfOpenMaxProbes: 1000,
};

/** A stored integer from 1 to `max`, or undefined. */
function storedInt(v: string | null | undefined, max: number): number | undefined {
  if (typeof v !== 'string' || !/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= max ? n : undefined;
}

/** The settings built from stored field values (`values` in {@link FIELDS} order). */
export function settingsFrom(values: readonly (string | null | undefined)[], defaultResetTimeoutMs: number): BreakerSettings {
  const [reset, failure, success, probes] = FIELDS.map((f, i) => storedInt(values[i], MAX[f]));
  const cfg = toRuleConfig({
    ...DEFAULT_BREAKER_OPTIONS,
    failureRate: undefined,
    resetTimeoutMs: reset ?? defaultResetTimeoutMs,
    failureThreshold: failure ?? DEFAULT_BREAKER_OPTIONS.failureThreshold,
    successThreshold: success ?? DEFAULT_BREAKER_OPTIONS.successThreshold,
    halfOpenMaxProbes: probes ?? DEFAULT_BREAKER_OPTIONS.halfOpenMaxProbes,
  });
  return { cfg, resetTimeoutSource: reset === undefined ? 'default' : 'stored' };
}

/**
 * Reads the stored options of the breaker whose state hash is `hashKey` (one HMGET). A key that
 * is missing, or is not a hash, gives the defaults.
 */
export async function readSettings(client: RedisClient, hashKey: string, defaultResetTimeoutMs: number): Promise<BreakerSettings> {
  let values: (string | null)[] = [];
  try {
    values = await client.hmget(hashKey, ...FIELDS);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('WRONGTYPE')) throw err;
  }
  return settingsFrom(values, defaultResetTimeoutMs);
}
