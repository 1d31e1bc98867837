/**
 * createLLMClient's options: documented defaults and validation that names the bad option.
 * @module
 */
import { MAX_DURATION_MS, checkBreakerName, checkStore, checkDuration, checkInteger, describe, resolveBreakerOptions, type BreakerOptions, type ResolvedBreakerOptions } from './breaker/options.js';
import type { BreakerStore } from './breaker/store.js';
import { didYouMeanHint } from './did-you-mean.js';
import { ConfigError } from './errors/config-error.js';
import type { ProviderAdapter } from './provider.js';
import { defaultOtelTelemetry } from './telemetry/otel.js';
import type { Telemetry } from './telemetry/telemetry.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from './retry.js';

/** Options of {@link createLLMClient}. */
export interface LLMClientOptions {
  /** Provider adapters, in priority order: the first is the primary. Names must be unique. */
  providers: ProviderAdapter[];
  /**
   * Names tried in order after the primary.
   * @default the other providers, in the order given
   */
  fallback?: string[];
  /**
   * Where breaker state lives. Pass `redisStore(client)` to share it across a fleet.
   * @default a new `memoryStore()` for this client (state in this process only)
   */
  store?: BreakerStore;
  /**
   * Prefix of this client's breaker names, and so of their Redis keys: with `namespace: 'search'`,
   * provider `openai` is guarded by circuit `search:openai`. Clients that share a store share a
   * provider's circuit (its trips, recovery and counts) when their namespaces match — the default —
   * so give a namespace to each client whose breaker settings are its own (e.g. one per skill).
   * `llm.breaker()` and `llm.health()` still take and report provider names. Non-empty, no braces,
   * no whitespace.
   * @default undefined (breakers are named by provider alone: every client on the store shares them)
   */
  namespace?: string;
  /** Breaker defaults for every provider; each adapter's `breaker` option is layered on top. @default each option's own default (`failureThreshold` 5, `resetTimeoutMs` 30000, `successThreshold` 2, `halfOpenMaxProbes` 1); `probeLeaseMs` = `timeoutMs` + 5000 */
  breaker?: Partial<BreakerOptions>;
  /** The single retry loop's options. @default { retries: 2, minDelayMs: 250, maxDelayMs: 8000, factor: 2, jitter: true, maxRetryAfterMs: 30000 } */
  retry?: RetryOptions;
  /**
   * Per attempt, in ms; for a stream, the time to its first event. Its expiry is a provider `timeout`
   * (counted by the breaker). At most 2^31 − 1 (`MAX_DURATION_MS`), like every duration option.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * The whole call — every retry and every fallback together — in ms. An attempt it cuts short (less
   * time left than `timeoutMs`) ends as a `timeout` that the breaker does not count. At most 2^31 − 1.
   * @default 120000
   */
  deadlineMs?: number;
  /**
   * Cap on attempts across the whole chain (retries and fallbacks together).
   * @default number of providers + `retry.retries`
   */
  maxAttempts?: number;
  /** Streams: the longest gap between two events after the first, in ms. At most 2^31 − 1. @default 30000 */
  idleTimeoutMs?: number;
  /**
   * Telemetry sink. `false` turns it off. @default OpenTelemetry spans and metrics through
   * `@opentelemetry/api` when that package is installed; nothing otherwise
   */
  telemetry?: Telemetry | false;
}

/** Per-request options of `complete()` and `stream()`. */
export interface RequestOptions {
  /** Aborts the call (kind `aborted`: never retried, counted or failed over). */
  signal?: AbortSignal;
  /** Force one provider by name (no fallback to others). */
  provider?: string;
  /** `false` disables failover: only the primary (or `provider`) is tried. @default true */
  fallback?: boolean;
  /**
   * Overrides the client's `deadlineMs`. The caller's budget: an attempt it cuts short ends as a
   * `timeout` that is not counted by the breaker and not retried past the deadline.
   * @default the client's `deadlineMs`
   */
  deadlineMs?: number;
  /**
   * Overrides the client's `timeoutMs`. Shorter than the client's, it is the caller's budget: its
   * expiry is a `timeout` that the breaker does not count (the provider had less than its usual time).
   * @default the client's `timeoutMs`
   */
  timeoutMs?: number;
  /**
   * Overrides the client's `idleTimeoutMs` (streams); shorter than the client's, its expiry is not counted.
   * @default the client's `idleTimeoutMs`
   */
  idleTimeoutMs?: number;
  /** Overrides the client's `maxAttempts`. */
  maxAttempts?: number;
  /**
   * Model override: a string applies to the first provider tried (the primary, or `provider`);
   * a record maps provider names to models. Other providers use their own model.
   */
  model?: string | Record<string, string>;
}

export interface ResolvedClientOptions {
  providers: ProviderAdapter[];
  /** Breaker name of each provider (`<namespace>:<provider>`, or the provider's name). */
  breakerNames: Map<string, string>;
  fallback: string[];
  store: BreakerStore | undefined;
  breakerDefaults: ResolvedBreakerOptions;
  perProvider: Map<string, ResolvedBreakerOptions>;
  retry: ResolvedRetryOptions;
  timeoutMs: number;
  deadlineMs: number;
  maxAttempts: number;
  idleTimeoutMs: number;
  telemetry: Telemetry | undefined;
}

const CLIENT_KEYS = new Set(['namespace', 'telemetry', 'providers', 'fallback', 'store', 'breaker', 'retry', 'timeoutMs', 'deadlineMs', 'maxAttempts', 'idleTimeoutMs']);
const REQUEST_KEYS = new Set(['signal', 'provider', 'fallback', 'deadlineMs', 'timeoutMs', 'idleTimeoutMs', 'maxAttempts', 'model']);

export function resolveClientOptions(o: LLMClientOptions): ResolvedClientOptions {
  if (typeof o !== 'object' || o === null) throw new ConfigError('options', `must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) if (!CLIENT_KEYS.has(k)) throw new ConfigError(k, `is not an option of createLLMClient${didYouMeanHint(k, CLIENT_KEYS)}`);
  if (!Array.isArray(o.providers) || o.providers.length === 0) {
    throw new ConfigError('providers', 'must be a non-empty array of provider adapters, e.g. [openai({ model })]');
  }
  const names = new Set<string>();
  o.providers.forEach((p, i) => {
    const path = `providers[${i}]`;
    if (typeof p !== 'object' || p === null) throw new ConfigError(path, `must be a provider adapter, got ${describe(p)}`);
    if (p.specificationVersion !== 'v1') throw new ConfigError(`${path}.specificationVersion`, `must be 'v1', got ${describe(p.specificationVersion)}`);
    checkBreakerName(p.name, `${path}.name`);
    if (typeof p.complete !== 'function') throw new ConfigError(`${path}.complete`, 'must be a function');
    if (typeof p.stream !== 'function') throw new ConfigError(`${path}.stream`, 'must be a function');
    if (typeof p.model !== 'string' || p.model.length === 0) throw new ConfigError(`${path}.model`, 'must be a non-empty string');
    if (names.has(p.name)) throw new ConfigError(`${path}.name`, `duplicate provider name "${p.name}"; give each adapter a unique name`);
    names.add(p.name);
  });

  const breakerNames = new Map<string, string>();
  if (o.namespace !== undefined) checkBreakerName(o.namespace, 'namespace');
  o.providers.forEach((p, i) => {
    breakerNames.set(p.name, o.namespace === undefined ? p.name : checkBreakerName(`${o.namespace}:${p.name}`, `providers[${i}].name`));
  });

  let fallback: string[];
  const primary = o.providers[0]?.name as string;
  if (o.fallback === undefined) fallback = o.providers.slice(1).map((p) => p.name);
  else {
    if (!Array.isArray(o.fallback)) throw new ConfigError('fallback', `must be an array of provider names, got ${describe(o.fallback)}`);
    const seen = new Set<string>();
    o.fallback.forEach((n, i) => {
      if (typeof n !== 'string' || !names.has(n)) throw new ConfigError(`fallback[${i}]`, `unknown provider ${describe(n)}; known: ${[...names].join(', ')}`);
      if (n === primary) throw new ConfigError(`fallback[${i}]`, `"${n}" is the primary; fallbacks are tried after it`);
      if (seen.has(n)) throw new ConfigError(`fallback[${i}]`, `"${n}" is listed twice`);
      seen.add(n);
    });
    fallback = [...o.fallback];
  }

  checkStore(o.store, 'store');
  const timeoutMs = o.timeoutMs === undefined ? 60_000 : checkDuration('timeoutMs', o.timeoutMs, 1);
  const deadlineMs = o.deadlineMs === undefined ? 120_000 : checkDuration('deadlineMs', o.deadlineMs, 1);
  const idleTimeoutMs = o.idleTimeoutMs === undefined ? 30_000 : checkDuration('idleTimeoutMs', o.idleTimeoutMs, 1);
  const retry = resolveRetryOptions(o.retry);
  const maxAttempts = o.maxAttempts === undefined ? o.providers.length + retry.retries : checkInteger('maxAttempts', o.maxAttempts, 1, 1000);

  const base = resolveBreakerOptions(o.breaker, undefined, 'breaker');
  const breakerDefaults: ResolvedBreakerOptions =
    o.breaker?.probeLeaseMs === undefined ? { ...base, probeLeaseMs: Math.min(timeoutMs + 5000, MAX_DURATION_MS) } : base;
  const perProvider = new Map<string, ResolvedBreakerOptions>();
  o.providers.forEach((p, i) => {
    perProvider.set(p.name, resolveBreakerOptions(p.breaker, breakerDefaults, `providers[${i}].breaker`));
  });

  let telemetry: Telemetry | undefined;
  if (o.telemetry === undefined) telemetry = defaultOtelTelemetry();
  else if (o.telemetry === false) telemetry = undefined;
  else if (typeof o.telemetry === 'object' && o.telemetry !== null && typeof o.telemetry.startCall === 'function') telemetry = o.telemetry;
  else throw new ConfigError('telemetry', 'must be a Telemetry object (e.g. otelTelemetry()) or false');

  return { providers: o.providers, breakerNames, fallback, store: o.store, breakerDefaults, perProvider, retry, timeoutMs, deadlineMs, maxAttempts, idleTimeoutMs, telemetry };
}

export function checkRequestOptions(o: RequestOptions | undefined, known: ReadonlySet<string>): void {
  if (o === undefined) return;
  if (typeof o !== 'object' || o === null) throw new ConfigError('options', `must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) if (!REQUEST_KEYS.has(k)) throw new ConfigError(k, `is not a request option${didYouMeanHint(k, REQUEST_KEYS)}`);
  if (o.provider !== undefined && (typeof o.provider !== 'string' || !known.has(o.provider))) {
    throw new ConfigError('provider', `unknown provider ${describe(o.provider)}; known: ${[...known].join(', ')}`);
  }
  if (o.fallback !== undefined && typeof o.fallback !== 'boolean') throw new ConfigError('fallback', `must be a boolean, got ${describe(o.fallback)}`);
  if (o.deadlineMs !== undefined) checkDuration('deadlineMs', o.deadlineMs, 1);
  if (o.timeoutMs !== undefined) checkDuration('timeoutMs', o.timeoutMs, 1);
  if (o.idleTimeoutMs !== undefined) checkDuration('idleTimeoutMs', o.idleTimeoutMs, 1);
  if (o.maxAttempts !== undefined) checkInteger('maxAttempts', o.maxAttempts, 1, 1000);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ConfigError('signal', 'must be an AbortSignal');
  if (o.model !== undefined) {
    if (typeof o.model === 'string') {
      if (o.model.length === 0) throw new ConfigError('model', 'must not be empty');
    } else if (typeof o.model === 'object' && o.model !== null && !Array.isArray(o.model)) {
      for (const [k, v] of Object.entries(o.model)) {
        if (!known.has(k)) throw new ConfigError(`model.${k}`, `unknown provider "${k}"`);
        if (typeof v !== 'string' || v.length === 0) throw new ConfigError(`model.${k}`, 'must be a non-empty string');
      }
    } else throw new ConfigError('model', `must be a string or a record of provider → model, got ${describe(o.model)}`);
  }
}
