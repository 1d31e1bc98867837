/**
 * One breaker as the CLI shows it, read so that no state, however corrupt, stops the CLI: through
 * the store's own `read` script (what every instance sees) when it can, after the script repaired a
 * corrupt key by reading again, and otherwise straight from the keys (HGETALL, ZRANGE), with every
 * value that does not parse shown as unknown.
 * @module
 */
import { corruption } from '../breaker/redis-codec.js';
import type { RedisStore } from '../breaker/redis-store.js';
import { CircuitState, type Snapshot } from '../breaker/state.js';
import { redisNow, type RedisClient } from './redis-client.js';
import { readSettings, settingsFrom, type BreakerSettings } from './stored-options.js';

/** One breaker as the CLI shows it. */
export interface BreakerRow {
  name: string;
  /** `unknown`: the stored state is not one of the three. */
  state: CircuitState | 'unknown';
  /** Held open by an operator (`open NAME`) until `close` / `reset`. */
  forced: boolean;
  /** Consecutive counted failures (CLOSED); NaN when unreadable. */
  failures: number;
  /** Probe successes so far (HALF_OPEN); NaN when unreadable. */
  successes: number;
  /** When the circuit last opened (ms since the epoch, Redis clock); null when CLOSED or never. */
  openedAt: number | null;
  /** The breaker's `resetTimeoutMs`: its stored one, else the default. */
  resetTimeoutMs: number;
  resetTimeoutSource: BreakerSettings['resetTimeoutSource'];
  /**
   * ms until the next probe is admitted: 0 when one can start now, Infinity when a probe lease
   * never expires, null when CLOSED or held open by an operator.
   */
  nextProbeInMs: number | null;
  probesInFlight: number;
  /** Calls / failures in the failure-rate window (failure-rate mode only). */
  windowCalls: number;
  windowFailures: number;
  /** Why the store could not read this breaker as it was (corrupt, repaired), or null. */
  problem: string | null;
}

/** A snapshot as a row. */
export function toRow(name: string, s: Snapshot, settings: BreakerSettings, problem: string | null = null): BreakerRow {
  let nextProbeInMs: number | null = null;
  if (s.state === CircuitState.OPEN && !s.forced) nextProbeInMs = s.retryAfterMs;
  else if (s.state === CircuitState.HALF_OPEN) nextProbeInMs = s.probesInFlight < settings.cfg.halfOpenMaxProbes ? 0 : s.retryAfterMs;
  return {
    name,
    state: s.state,
    forced: s.forced,
    failures: s.failures,
    successes: s.successes,
    openedAt: s.state !== CircuitState.CLOSED && s.openedAt > 0 ? s.openedAt : null,
    resetTimeoutMs: settings.cfg.resetTimeoutMs,
    resetTimeoutSource: settings.resetTimeoutSource,
    nextProbeInMs,
    probesInFlight: s.probesInFlight,
    windowCalls: s.windowCalls,
    windowFailures: s.windowFailures,
    problem,
  };
}

const STATES: ReadonlySet<string> = new Set(Object.values(CircuitState));

/** A stored number as Redis writes it (`inf`, `-inf` for zset scores); NaN when it is not one. */
function storedNumber(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return Number.NaN;
  if (/^\+?inf$/i.test(v)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(v)) return Number.NEGATIVE_INFINITY;
  return Number(v);
}

function pairs(list: unknown): Array<[string, string]> {
  if (!Array.isArray(list)) return [];
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push([String(list[i]), String(list[i + 1])]);
  return out;
}

/**
 * The row read straight from the keys, without a script, for a breaker the store cannot read.
 * Nothing stored can make it throw; only a Redis error does.
 */
export async function rawRow(client: RedisClient, store: RedisStore, name: string, settings: BreakerSettings, problem: string): Promise<BreakerRow> {
  const keys = store.keys(name);
  const [hash, leases] = await Promise.all([client.hgetall(keys.hash).catch(() => ({})), client.zrange(keys.probes, '0', '-1', 'WITHSCORES').catch(() => [])]);
  const now = await redisNow(client);
  const h = hash as Record<string, string | undefined>;
  const stateField = h.state ?? 'closed';
  const state = STATES.has(stateField) ? (stateField as CircuitState) : 'unknown';
  const forced = h.forced === '1';
  // probe leases by id: `p:<id>` fields of the hash (their expiry), or members of the older `:probes` zset
  const expiries = new Map<string, number>(pairs(leases).map(([id, score]) => [id, storedNumber(score)]));
  for (const [f, v] of Object.entries(h)) if (f.startsWith('p:') && v !== undefined) expiries.set(f.slice(2), storedNumber(v));
  const live = [...expiries.values()].filter((expiry) => expiry > now).sort((a, b) => a - b);
  const openedAt = storedNumber(h.openedAt);
  let nextProbeInMs: number | null = null;
  if (state === CircuitState.OPEN && !forced) nextProbeInMs = Number.isNaN(openedAt) ? Number.NaN : Math.max(0, openedAt + settings.cfg.resetTimeoutMs - now);
  else if (state === CircuitState.HALF_OPEN) nextProbeInMs = live.length < settings.cfg.halfOpenMaxProbes ? 0 : Math.max(0, (live[0] ?? now) - now);
  return {
    name,
    state,
    forced,
    failures: storedNumber(h.failures ?? '0'),
    successes: storedNumber(h.successes ?? '0'),
    openedAt: state !== CircuitState.CLOSED && openedAt !== 0 && !Number.isNaN(openedAt) ? openedAt : null,
    resetTimeoutMs: settings.cfg.resetTimeoutMs,
    resetTimeoutSource: settings.resetTimeoutSource,
    nextProbeInMs,
    probesInFlight: live.length,
    windowCalls: 0,
    windowFailures: 0,
    problem,
  };
}

/** The script's repair report when `err` (a StoreError, or its cause) says it repaired a corrupt key. */
export function repairReport(err: unknown): string | undefined {
  return corruption(err) ?? (err instanceof Error ? corruption(err.cause) : undefined);
}

/** The row of a `<prefix>:{<name>}` key that is not a hash (so not a breaker state). */
export function wrongTypeRow(name: string, type: string, defaultResetTimeoutMs: number): BreakerRow {
  const { cfg, resetTimeoutSource } = settingsFrom([], defaultResetTimeoutMs);
  return {
    name,
    state: 'unknown',
    forced: false,
    failures: Number.NaN,
    successes: Number.NaN,
    openedAt: null,
    resetTimeoutMs: cfg.resetTimeoutMs,
    resetTimeoutSource,
    nextProbeInMs: null,
    probesInFlight: Number.NaN,
    windowCalls: 0,
    windowFailures: 0,
    problem: `the key holds a ${type}, not a hash (reset NAME repairs it, forget NAME deletes it)`,
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A breaker and the settings it runs with. */
export interface ReadBreaker {
  row: BreakerRow;
  settings: BreakerSettings;
}

/**
 * Reads breaker `name`: its stored settings, then its state through the store (read again once
 * when the script repaired a corrupt key), else straight from the keys with the reason.
 * @throws only when Redis itself fails (unreachable, an error reply to a plain command)
 */
export async function readBreaker(client: RedisClient, store: RedisStore, name: string, defaultResetTimeoutMs: number): Promise<ReadBreaker> {
  const settings = await readSettings(client, store.keys(name).hash, defaultResetTimeoutMs);
  let problem: string;
  try {
    return { row: toRow(name, await store.read(name, settings.cfg), settings), settings };
  } catch (err) {
    const repaired = repairReport(err);
    problem = repaired === undefined ? messageOf(err) : `was corrupt, repaired: ${repaired}`;
    if (repaired !== undefined) {
      try {
        return { row: toRow(name, await store.read(name, settings.cfg), settings, problem), settings };
      } catch (again) {
        problem = `${problem}; then: ${messageOf(again)}`;
      }
    }
  }
  return { row: await rawRow(client, store, name, settings, problem), settings };
}
