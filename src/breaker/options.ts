/**
 * Breaker options: their defaults and their validation. Validation names the bad option.
 * @module
 */
import { ConfigError, isConfigError } from '../errors/config-error.js';
import { isCircuitOpenError } from '../errors/circuit-open-error.js';
import { isProviderError } from '../errors/provider-error.js';
import { looksSecret } from '../errors/redact.js';
import type { RuleConfig } from './state.js';
import type { BreakerStore } from './store.js';

/**
 * Rolling-window failure-rate trip rule. When set, it replaces the consecutive-failure rule. On a
 * store that batches successes (`redisStore`'s `writeBehindMs`), a failure is judged once it is older
 * than the store's success lag (2 × `writeBehindMs`), against the fleet's successes of the same
 * period: a cold or just-cleared window never trips on failures whose instances' successes are
 * still batched.
 */
export interface FailureRateOptions {
  /** Failure ratio in (0, 1] that opens the circuit, e.g. `0.5`. */
  threshold: number;
  /** Length of the rolling window in ms. @default 60000 */
  windowMs?: number;
  /** Fewest calls in the window before the ratio is considered. @default 10 */
  minimumCalls?: number;
}

/** Options of one circuit breaker. Every store (memory, Redis) applies them identically. */
export interface BreakerOptions {
  /** Consecutive counted failures in CLOSED that open the circuit. @default 5 */
  failureThreshold: number;
  /** Time OPEN before a probe is let through, in ms; at most 2^31 − 1 (`MAX_DURATION_MS`). @default 30000 */
  resetTimeoutMs: number;
  /** Consecutive probe successes in HALF_OPEN that close the circuit. @default 2 */
  successThreshold: number;
  /** Probes in flight at once, across the whole fleet. @default 1 */
  halfOpenMaxProbes: number;
  /**
   * A probe's lease on its slot, in ms (at most 2^31 − 1). While the probe runs (a long stream
   * included) its process renews the lease every third of this, so the probe keeps its slot and its
   * outcome counts; a probe whose process died (or lost the store) stops renewing and frees its slot
   * after this many ms. A probe that hangs in a live process holds its slot until it settles: give
   * guarded calls their own timeout (the LLM client bounds every attempt by `timeoutMs` and every
   * stream by `idleTimeoutMs`).
   * @default 60000 for a standalone breaker; the LLM client uses its attempt `timeoutMs` + 5000
   */
  probeLeaseMs: number;
  /** Optional failure-rate rule over a rolling window. @default undefined (consecutive rule) */
  failureRate?: FailureRateOptions | undefined;
  /**
   * Which errors count as failures. Errors for which it returns `false` count as neither success
   * nor failure. @default a `ProviderError` counts when its `countsTowardBreaker` is true
   * (kinds `rate_limit`, `overloaded`, `server`, `timeout`, `connection`, `bad_response`, `auth`);
   * `CircuitOpenError` and aborts never count; any other error counts
   */
  isFailure: (error: unknown) => boolean;
}

/** Resolved failure-rate rule. */
export interface ResolvedFailureRate {
  threshold: number;
  windowMs: number;
  minimumCalls: number;
}

export interface ResolvedBreakerOptions extends Omit<BreakerOptions, 'failureRate'> {
  failureRate: ResolvedFailureRate | undefined;
}

/** The default `isFailure`: a provider error's `countsTowardBreaker`, never rejections or aborts. */
export function defaultIsFailure(error: unknown): boolean {
  if (isProviderError(error)) return error.countsTowardBreaker;
  if (isConfigError(error)) return false; // the caller's mistake (e.g. a request that cannot be sent)
  if (isCircuitOpenError(error)) return false;
  if (error instanceof Error && error.name === 'AbortError') return false;
  return true;
}

export const DEFAULT_BREAKER_OPTIONS: Readonly<Omit<ResolvedBreakerOptions, 'failureRate'>> = Object.freeze({
  failureThreshold: 5,
  resetTimeoutMs: 30_000,
  successThreshold: 2,
  halfOpenMaxProbes: 1,
  probeLeaseMs: 60_000,
  isFailure: defaultIsFailure,
});

const KNOWN_KEYS = new Set([
  'failureThreshold',
  'resetTimeoutMs',
  'successThreshold',
  'halfOpenMaxProbes',
  'probeLeaseMs',
  'failureRate',
  'isFailure',
]);

/** @internal */
export function checkInteger(path: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(path, `must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  return v;
}

/**
 * The longest duration any option takes: 2^31 − 1 ms (about 24.8 days), the longest delay a Node
 * timer can wait (a longer one fires after 1 ms). Longer values, e.g. `Number.MAX_SAFE_INTEGER`
 * meant as "no limit", are a ConfigError naming the option.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** @internal a finite duration in [min, {@link MAX_DURATION_MS}]; ConfigError naming `path` otherwise */
export function checkDuration(path: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ConfigError(path, `must be a finite number of milliseconds ≥ ${min}, got ${describe(v)}`);
  }
  if (v > MAX_DURATION_MS) {
    throw new ConfigError(path, `must be at most ${MAX_DURATION_MS} ms (about 24.8 days, the longest a timer can wait), got ${describe(v)}`);
  }
  return v;
}

/** @internal */
export function describe(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') {
    if (looksSecret(v)) return `a string of ${v.length} characters (not shown: it looks like a secret)`;
    return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/**
 * Validates partial breaker options layered over `base` and returns complete options.
 * @param prefix dotted path for error messages, e.g. `breaker` or `providers[0].breaker`
 */
export function resolveBreakerOptions(
  partial: Partial<BreakerOptions> | undefined,
  base: ResolvedBreakerOptions = { ...DEFAULT_BREAKER_OPTIONS, failureRate: undefined },
  prefix = '',
): ResolvedBreakerOptions {
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (partial === undefined) return base;
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    throw new ConfigError(prefix || 'options', `must be an object, got ${describe(partial)}`);
  }
  for (const key of Object.keys(partial)) {
    if (!KNOWN_KEYS.has(key) && !OWNED_ELSEWHERE.has(key)) throw new ConfigError(p(key), 'is not a breaker option');
  }
  const out: ResolvedBreakerOptions = { ...base };
  if (partial.failureThreshold !== undefined) out.failureThreshold = checkInteger(p('failureThreshold'), partial.failureThreshold, 1);
  if (partial.resetTimeoutMs !== undefined) out.resetTimeoutMs = checkDuration(p('resetTimeoutMs'), partial.resetTimeoutMs, 1);
  if (partial.successThreshold !== undefined) out.successThreshold = checkInteger(p('successThreshold'), partial.successThreshold, 1);
  if (partial.halfOpenMaxProbes !== undefined) out.halfOpenMaxProbes = checkInteger(p('halfOpenMaxProbes'), partial.halfOpenMaxProbes, 1, 1000);
  if (partial.probeLeaseMs !== undefined) out.probeLeaseMs = checkDuration(p('probeLeaseMs'), partial.probeLeaseMs, 1);
  if (partial.isFailure !== undefined) {
    if (typeof partial.isFailure !== 'function') throw new ConfigError(p('isFailure'), `must be a function, got ${describe(partial.isFailure)}`);
    out.isFailure = partial.isFailure;
  }
  if (partial.failureRate !== undefined) {
    const fr = partial.failureRate as unknown;
    if (typeof fr !== 'object' || fr === null) throw new ConfigError(p('failureRate'), `must be an object, got ${describe(fr)}`);
    const f = fr as FailureRateOptions;
    const threshold = f.threshold;
    if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
      throw new ConfigError(p('failureRate.threshold'), `must be a ratio in (0, 1], got ${describe(threshold)}`);
    }
    out.failureRate = {
      threshold,
      windowMs: f.windowMs === undefined ? 60_000 : checkDuration(p('failureRate.windowMs'), f.windowMs, 10),
      minimumCalls: f.minimumCalls === undefined ? 10 : checkInteger(p('failureRate.minimumCalls'), f.minimumCalls, 1),
    };
  }
  return out;
}

/** Keys of CircuitBreakerOptions that are not breaker semantics (validated by their owners). */
const OWNED_ELSEWHERE = new Set(['store']);

/**
 * Characters that rewrite a terminal or reorder text when printed: C0 controls, DEL, C1 controls
 * (U+0080–U+009F, e.g. the 8-bit CSI U+009B) and the bidi marks, embeddings, overrides and isolates.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The first control or bidi character of `text` as `U+XXXX at index N`, or `undefined`. */
export function findControlCharacter(text: string): string | undefined {
  const m = CONTROL_CHARACTER.exec(text);
  if (m === null) return undefined;
  return `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at index ${m.index}`;
}

/**
 * Breaker names go inside a Redis hash tag (`{name}`) and are printed by the CLI and in logs: no
 * braces, no whitespace, no control or bidi characters (the error shows which one, never the name).
 */
export function checkBreakerName(name: unknown, path = 'name'): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new ConfigError(path, `must be a non-empty string of at most 200 characters, got ${describe(name)}`);
  }
  const control = findControlCharacter(name);
  if (control !== undefined) throw new ConfigError(path, `must not contain control or bidi characters, found ${control}`);
  if (/[{}\s]/.test(name)) throw new ConfigError(path, `must not contain braces or whitespace, got ${describe(name)}`);
  return name;
}

/** The part of resolved options that a store's rules need (what the Lua scripts receive). */
export function toRuleConfig(o: Omit<ResolvedBreakerOptions, 'isFailure'>): RuleConfig {
  return {
    failureThreshold: o.failureThreshold,
    resetTimeoutMs: o.resetTimeoutMs,
    successThreshold: o.successThreshold,
    halfOpenMaxProbes: o.halfOpenMaxProbes,
    probeLeaseMs: o.probeLeaseMs,
    failureRate: o.failureRate,
  };
}

/** `undefined` (the default store) or a {@link BreakerStore}; anything else is a ConfigError at `path`. */
export function checkStore(store: unknown, path: string): asserts store is BreakerStore | undefined {
  if (store === undefined) return;
  if (typeof store !== 'object' || store === null || typeof (store as Partial<BreakerStore>).recordFailure !== 'function') {
    throw new ConfigError(path, `must be a BreakerStore (memoryStore() or redisStore(redis)), got ${describe(store)}`);
  }
}
