/**
 * The wire format between the Redis store and its Lua scripts: ARGV encoding of the rule config,
 * decoding of script replies and of the messages published on transitions. Documented on the Lua
 * side in `lua/includes/args.lua` and `lua/includes/snapshot.lua`.
 * @module
 */
import type { AcquireOutcome, CircuitState, RuleConfig, Snapshot } from './state.js';
import type { StoreChange } from './store.js';

/** ARGV[1..11] of every script (includes/args.lua), then the operation's own arguments. */
export function encodeArgs(name: string, channel: string, keyTtlMs: number, cfg: RuleConfig, extra: readonly string[] = []): string[] {
  const fr = cfg.failureRate;
  return [
    name,
    channel,
    String(keyTtlMs),
    String(cfg.failureThreshold),
    String(cfg.resetTimeoutMs),
    String(cfg.successThreshold),
    String(cfg.halfOpenMaxProbes),
    String(cfg.probeLeaseMs),
    String(fr ? fr.threshold : 0),
    String(fr ? fr.windowMs : 0),
    String(fr ? fr.minimumCalls : 0),
    ...extra,
  ];
}

const STATES: ReadonlySet<string> = new Set(['closed', 'open', 'half_open']);
const OUTCOMES: ReadonlySet<string> = new Set(['granted', 'denied', 'closed']);

function toState(v: unknown): CircuitState {
  if (typeof v !== 'string' || !STATES.has(v)) throw new Error(`unexpected state ${JSON.stringify(v)} in a script reply`);
  return v as CircuitState;
}

function toNumber(v: unknown, field: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`unexpected ${field} ${JSON.stringify(v)} in a script reply`);
  return n;
}

/** Versions are exact integers (the scripts repair a hash whose version is out of range). */
function toVersion(v: unknown): number {
  const n = toNumber(v, 'version');
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`unexpected version ${JSON.stringify(v)} in a script reply`);
  return n;
}

/** `-1` on the wire means "until an operator closes it". */
function toRetryAfter(v: unknown): number {
  const n = toNumber(v, 'retryAfterMs');
  return n < 0 ? Number.POSITIVE_INFINITY : n;
}

/** A script's reply: the snapshot after the operation and its result (`''` when none). */
export interface DecodedReply {
  snapshot: Snapshot;
  result: string;
}

/** Decodes the array reply of includes/snapshot.lua. @throws Error when it is not one */
export function decodeReply(reply: unknown): DecodedReply {
  if (!Array.isArray(reply) || reply.length < 12) throw new Error('unexpected script reply (not a snapshot array)');
  const r = reply as unknown[];
  return {
    snapshot: {
      state: toState(r[0]),
      forced: toNumber(r[1], 'forced') === 1,
      failures: toNumber(r[2], 'failures'),
      successes: toNumber(r[3], 'successes'),
      openedAt: toNumber(r[4], 'openedAt'),
      retryAfterMs: toRetryAfter(r[5]),
      probesInFlight: toNumber(r[6], 'probesInFlight'),
      version: toVersion(r[7]),
      windowCalls: toNumber(r[8], 'windowCalls'),
      windowFailures: toNumber(r[9], 'windowFailures'),
      transitioned: toNumber(r[10], 'transitioned') === 1,
    },
    result: typeof r[11] === 'string' ? r[11] : '',
  };
}

export function decodeOutcome(result: string): AcquireOutcome {
  if (!OUTCOMES.has(result)) throw new Error(`unexpected probe outcome ${JSON.stringify(result)} in a script reply`);
  return result as AcquireOutcome;
}

/** The snapshot of a script reply. */
export function decodeSnapshot(reply: unknown): Snapshot {
  return decodeReply(reply).snapshot;
}

/** The reply of acquire-probe: its outcome and snapshot. */
export function decodeAcquire(reply: unknown): { outcome: AcquireOutcome; snapshot: Snapshot } {
  const r = decodeReply(reply);
  return { outcome: decodeOutcome(r.result), snapshot: r.snapshot };
}

/** The reply of renew-probe: whether the lease was still held, and the snapshot. */
export function decodeRenew(reply: unknown): { renewed: boolean; snapshot: Snapshot } {
  const r = decodeReply(reply);
  if (r.result !== 'renewed' && r.result !== 'lost') throw new Error(`unexpected renew result ${JSON.stringify(r.result)} in a script reply`);
  return { renewed: r.result === 'renewed', snapshot: r.snapshot };
}

/**
 * Decodes a message published by a script (a transition). Returns undefined for anything else.
 * Anyone who can PUBLISH on the channel can forge a well-formed message, so a breaker never applies
 * its content: a message only makes the breakers of that name re-read the store (at most one read
 * in flight each), and the store's state decides. A stranger on the channel therefore cannot
 * disturb the breakers; a flood of messages costs each breaker at most one read at a time.
 */
export function decodeMessage(message: string): StoreChange | undefined {
  let m: unknown;
  try {
    m = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o.v !== 1 || typeof o.name !== 'string' || o.name === '') return undefined;
  try {
    return {
      type: 'change',
      name: o.name,
      snapshot: {
        state: toState(o.state),
        forced: toNumber(o.forced, 'forced') === 1,
        failures: toNumber(o.failures, 'failures'),
        successes: toNumber(o.successes, 'successes'),
        openedAt: toNumber(o.openedAt, 'openedAt'),
        retryAfterMs: toRetryAfter(o.retryAfterMs),
        probesInFlight: toNumber(o.probesInFlight, 'probesInFlight'),
        version: toNumber(o.version, 'version'),
        windowCalls: toNumber(o.windowCalls, 'windowCalls'),
        windowFailures: toNumber(o.windowFailures, 'windowFailures'),
        transitioned: true,
      },
    };
  } catch {
    return undefined;
  }
}

/** The prefix of the error reply a script returns after repairing a corrupt key. */
export const CORRUPT_REPLY = 'BREAKER_CORRUPT ';

/** The repair report of a `BREAKER_CORRUPT` error reply, or undefined for any other error. */
export function corruption(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const at = message.indexOf(CORRUPT_REPLY);
  return at === -1 ? undefined : message.slice(at + CORRUPT_REPLY.length);
}
