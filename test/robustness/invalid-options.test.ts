/**
 * Invalid options everywhere (issue 5, part 5.3): wrong types, NaN, negative numbers, Infinity
 * where it is not allowed, non-integers, out-of-range values, unknown provider names and unknown
 * option keys — generated with fast-check — given to createLLMClient, getCircuitBreaker,
 * redisStore, memoryStore, openai(), anthropic() and per-request options. Every one must throw a
 * ConfigError (never a TypeError, never silently accept it) whose `option` names the bad option.
 *
 * Reproduce: FC_SEED=<seed> [FC_PATH=<path>] [FC_OPTION_RUNS=300] npx vitest run test/robustness/invalid-options.test.ts
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { memoryStore } from '../../src/breaker/memory-store.js';
import { redisStore } from '../../src/breaker/redis-store.js';
import { getCircuitBreaker } from '../../src/breaker/registry.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { isConfigError } from '../../src/errors/config-error.js';
import { scripted } from '../helpers/scripted-adapter.js';

const SEED = Number.parseInt(process.env.FC_SEED ?? '20251128', 10);
const PATH = process.env.FC_PATH;
const RUNS = Number.parseInt(process.env.FC_OPTION_RUNS ?? '300', 10);

// ------------------------------------------------------------------------------------------------
// Invalid values, by what the option expects
// ------------------------------------------------------------------------------------------------

const notANumber = fc.oneof(
  fc.constantFrom<unknown>('100', '', 'abc', true, false, null, [], [1], {}, { ms: 5 }, () => 5, Symbol('x'), 10n),
  fc.string(),
);
const nonFinite = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);

/**
 * Longer than a Node timer can wait (2^31 − 1 ms; a longer one fires after 1 ms): "no limit" as
 * `Number.MAX_SAFE_INTEGER`, 30 days, anything above.
 */
const tooLong = fc.oneof(fc.constantFrom(2 ** 31, 30 * 24 * 3600 * 1000, Number.MAX_SAFE_INTEGER), fc.double({ min: 2 ** 31, noNaN: true, noDefaultInfinity: true }));
/** Not a finite number in [min, 2^31 − 1] (milliseconds). */
const badDuration = (min: number) => fc.oneof(notANumber, nonFinite, fc.double({ max: min, maxExcluded: true, noNaN: true, noDefaultInfinity: true }), tooLong);
/** Not an integer in [min, max]. */
const badInteger = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  fc.oneof(
    notANumber,
    nonFinite,
    fc.integer({ max: min - 1, min: -1e9 }),
    ...(max < Number.MAX_SAFE_INTEGER ? [fc.integer({ min: max + 1, max: max + 1e6 })] : []),
    fc.double({ min: min + 0.001, max: Math.min(max, 1e6) - 0.001, noNaN: true }).filter((x) => !Number.isInteger(x)),
  );
const badBoolean = fc.oneof(fc.constantFrom<unknown>(0, 1, 'true', 'false', null, {}, []), fc.string());
const badFunction = fc.oneof(fc.constantFrom<unknown>(0, 'fn', null, {}, [], true), fc.string());
const badRatio = fc.oneof(notANumber, nonFinite, fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }), fc.double({ min: 1, minExcluded: true, noNaN: true, noDefaultInfinity: true }));
const badObject = fc.constantFrom<unknown>(5, 'x', true, null, [], () => ({}));
const badNonEmptyString = fc.constantFrom<unknown>('', '   ', 5, true, null, {}, [], () => 'x');
/** An option name nobody defines (typos included). */
const unknownKey = (known: readonly string[]) =>
  fc
    .oneof(fc.constantFrom('timeout', 'retries', 'failureTreshold', 'apikey', 'baseUrl', 'prefx', 'maxRetries', '__proto__x', 'constructorx'), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/))
    .filter((k) => !known.includes(k) && !['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'].includes(k));

// ------------------------------------------------------------------------------------------------
// The cases: (what to call with the bad value) → the `option` the ConfigError must name
// ------------------------------------------------------------------------------------------------

interface Case {
  label: string;
  value: fc.Arbitrary<unknown>;
  /** Calls the API with `v` in the option's place (throws synchronously, or rejects). */
  call: (v: unknown) => unknown;
  /** The `option` the ConfigError must carry (a function of the value, for unknown keys). */
  option: string | ((v: unknown) => string);
}

const clients: LLMClient[] = [];
const redisClients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const r of redisClients) r.disconnect();
});

const adapters = () => [scripted('a'), scripted('b')];
const clientWith = (o: Record<string, unknown>) => createLLMClient({ providers: adapters(), telemetry: false, ...o } as unknown as LLMClientOptions);
const set = (path: string, v: unknown): Record<string, unknown> => {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  return { [head]: rest.length === 0 ? v : set(rest.join('.'), v) };
};

const BREAKER_OPTIONS: Array<[string, fc.Arbitrary<unknown>]> = [
  ['failureThreshold', badInteger(1)],
  ['resetTimeoutMs', badDuration(1)],
  ['successThreshold', badInteger(1)],
  ['halfOpenMaxProbes', badInteger(1, 1000)],
  ['probeLeaseMs', badDuration(1)],
  ['isFailure', badFunction],
  ['failureRate', badObject.filter((v) => typeof v !== 'object' || v === null)],
  ['failureRate.threshold', badRatio],
  ['failureRate.windowMs', badDuration(10)],
  ['failureRate.minimumCalls', badInteger(1)],
];
const withRate = (path: string, v: unknown) => (path.startsWith('failureRate.') ? { failureRate: { threshold: 0.5, ...set(path.slice('failureRate.'.length), v) } } : set(path, v));
const BREAKER_KEYS = ['failureThreshold', 'resetTimeoutMs', 'successThreshold', 'halfOpenMaxProbes', 'probeLeaseMs', 'failureRate', 'isFailure', 'store'];

let nameCounter = 0;
const freshName = () => `opt-${process.pid}-${++nameCounter}`;

const lazyRedis = () => {
  const r = new Redis({ lazyConnect: true, enableOfflineQueue: false });
  redisClients.push(r);
  return r;
};

const cases: Case[] = [
  // ---- createLLMClient ----
  ...(['timeoutMs', 'deadlineMs', 'idleTimeoutMs'] as const).map((k): Case => ({ label: `createLLMClient ${k}`, value: badDuration(1), call: (v) => clientWith({ [k]: v }), option: k })),
  { label: 'createLLMClient maxAttempts', value: badInteger(1, 1000), call: (v) => clientWith({ maxAttempts: v }), option: 'maxAttempts' },
  { label: 'createLLMClient retry.retries', value: badInteger(0, 100), call: (v) => clientWith({ retry: { retries: v } }), option: 'retry.retries' },
  { label: 'createLLMClient retry.minDelayMs', value: badDuration(0), call: (v) => clientWith({ retry: { minDelayMs: v } }), option: 'retry.minDelayMs' },
  { label: 'createLLMClient retry.maxDelayMs', value: badDuration(0), call: (v) => clientWith({ retry: { maxDelayMs: v } }), option: 'retry.maxDelayMs' },
  { label: 'createLLMClient retry.factor', value: badDuration(1), call: (v) => clientWith({ retry: { factor: v } }), option: 'retry.factor' },
  { label: 'createLLMClient retry.maxRetryAfterMs', value: badDuration(0), call: (v) => clientWith({ retry: { maxRetryAfterMs: v } }), option: 'retry.maxRetryAfterMs' },
  { label: 'createLLMClient retry.jitter', value: badBoolean, call: (v) => clientWith({ retry: { jitter: v } }), option: 'retry.jitter' },
  { label: 'createLLMClient retry (not an object)', value: badObject, call: (v) => clientWith({ retry: v }), option: 'retry' },
  ...BREAKER_OPTIONS.map(([k, value]): Case => ({ label: `createLLMClient breaker.${k}`, value, call: (v) => clientWith({ breaker: withRate(k, v) }), option: `breaker.${k}` })),
  ...BREAKER_OPTIONS.map(([k, value]): Case => ({
    label: `adapter breaker ${k}`,
    value,
    call: (v) => createLLMClient({ providers: [scripted('a'), scripted('b', [], { breaker: withRate(k, v) as never })], telemetry: false }),
    option: `providers[1].breaker.${k}`,
  })),
  { label: 'createLLMClient breaker (unknown key)', value: unknownKey(BREAKER_KEYS), call: (k) => clientWith({ breaker: { [k as string]: 1 } }), option: (k) => `breaker.${String(k)}` },
  { label: 'createLLMClient retry (unknown key)', value: unknownKey(['retries', 'minDelayMs', 'maxDelayMs', 'factor', 'jitter', 'maxRetryAfterMs']), call: (k) => clientWith({ retry: { [k as string]: 1 } }), option: (k) => `retry.${String(k)}` },
  {
    label: 'createLLMClient (unknown key)',
    value: unknownKey(['telemetry', 'providers', 'fallback', 'store', 'breaker', 'retry', 'timeoutMs', 'deadlineMs', 'maxAttempts', 'idleTimeoutMs']),
    call: (k) => clientWith({ [k as string]: 1 }),
    option: (k) => String(k),
  },
  { label: 'createLLMClient providers', value: fc.constantFrom<unknown>([], null, 'openai', {}, 5), call: (v) => createLLMClient({ providers: v } as never), option: 'providers' },
  { label: 'createLLMClient providers[1]', value: fc.constantFrom<unknown>(null, 'openai', 5, true), call: (v) => createLLMClient({ providers: [scripted('a'), v] } as never), option: 'providers[1]' },
  { label: 'createLLMClient providers[1].name', value: fc.constantFrom<unknown>('a', '', 'has space', '{x}', 5, null), call: (v) => createLLMClient({ providers: [scripted('a'), { ...scripted('b'), name: v }], telemetry: false } as never), option: 'providers[1].name' },
  { label: 'createLLMClient fallback (unknown provider)', value: fc.string().filter((s) => s !== 'a' && s !== 'b'), call: (v) => clientWith({ fallback: [v] }), option: 'fallback[0]' },
  { label: 'createLLMClient fallback (the primary, twice, a non-string)', value: fc.constantFrom<unknown>(['a'], ['b', 'b'], [5]), call: (v) => clientWith({ fallback: v }), option: (v) => `fallback[${(v as unknown[]).length - 1}]` },
  { label: 'createLLMClient fallback (not an array)', value: fc.constantFrom<unknown>('b', 5, {}, null, true), call: (v) => clientWith({ fallback: v }), option: 'fallback' },
  { label: 'createLLMClient store', value: fc.constantFrom<unknown>(5, 'redis', null, {}, [], { recordFailure: 1 }), call: (v) => clientWith({ store: v }), option: 'store' },
  { label: 'createLLMClient telemetry', value: fc.constantFrom<unknown>(5, 'otel', null, {}, true), call: (v) => createLLMClient({ providers: adapters(), telemetry: v } as never), option: 'telemetry' },

  // ---- getCircuitBreaker / new CircuitBreaker ----
  ...BREAKER_OPTIONS.map(([k, value]): Case => ({ label: `getCircuitBreaker ${k}`, value, call: (v) => getCircuitBreaker(freshName(), withRate(k, v) as never), option: k })),
  { label: 'getCircuitBreaker name', value: fc.constantFrom<unknown>('', 'a b', '{x}', 'x\n', 'a'.repeat(201), 5, null, {}), call: (v) => getCircuitBreaker(v as string), option: 'name' },
  { label: 'getCircuitBreaker store', value: fc.constantFrom<unknown>(5, 'redis', {}, [], { recordFailure: 1 }), call: (v) => getCircuitBreaker(freshName(), { store: v as never }), option: 'store' },
  { label: 'getCircuitBreaker (unknown key)', value: unknownKey(BREAKER_KEYS), call: (k) => getCircuitBreaker(freshName(), { [k as string]: 1 } as never), option: (k) => String(k) },
  { label: 'new CircuitBreaker (unknown key)', value: unknownKey(BREAKER_KEYS), call: (k) => new CircuitBreaker(freshName(), { [k as string]: 1 } as never), option: (k) => String(k) },

  // ---- redisStore / memoryStore ----
  { label: 'redisStore client', value: fc.constantFrom<unknown>(null, 5, 'redis://x', {}, { set: () => 1 }), call: (v) => redisStore(v as never), option: 'client' },
  { label: 'redisStore prefix', value: fc.constantFrom<unknown>('', 'a b', '{x}', 'x}', 5, {}, 'p'.repeat(201)), call: (v) => redisStore(lazyRedis(), { prefix: v as string }), option: 'prefix' },
  { label: 'redisStore timeoutMs', value: badDuration(1).filter((v) => v !== null), call: (v) => redisStore(lazyRedis(), { timeoutMs: v as number }), option: 'timeoutMs' },
  { label: 'redisStore keyTtlMs', value: badInteger(1000).filter((v) => v !== null), call: (v) => redisStore(lazyRedis(), { keyTtlMs: v as number }), option: 'keyTtlMs' },
  { label: 'redisStore writeBehindMs', value: badDuration(0).filter((v) => v !== null), call: (v) => redisStore(lazyRedis(), { writeBehindMs: v as number }), option: 'writeBehindMs' },
  { label: 'redisStore recoveryIntervalMs', value: badDuration(10).filter((v) => v !== null), call: (v) => redisStore(lazyRedis(), { recoveryIntervalMs: v as number }), option: 'recoveryIntervalMs' },
  { label: 'redisStore channel', value: fc.constantFrom<unknown>('', 'a b', 5, {}), call: (v) => redisStore(lazyRedis(), { channel: v as string }), option: 'channel' },
  {
    label: 'redisStore (unknown key)',
    value: unknownKey(['prefix', 'timeoutMs', 'keyTtlMs', 'writeBehindMs', 'recoveryIntervalMs', 'channel']),
    call: (k) => redisStore(lazyRedis(), { [k as string]: 1 } as never),
    option: (k) => String(k),
  },
  { label: 'memoryStore clock', value: badFunction.filter((v) => v !== null), call: (v) => memoryStore({ clock: v as never }), option: 'clock' },
  { label: 'memoryStore (unknown key)', value: unknownKey(['clock']), call: (k) => memoryStore({ [k as string]: 1 } as never), option: (k) => String(k) },

  // ---- openai() / anthropic() ----
  ...(['openai', 'anthropic'] as const).flatMap((f): Case[] => {
    const factory = (o: Record<string, unknown>) => (f === 'openai' ? openai({ model: 'm', apiKey: 'sk-valid-key-123456', ...o } as never) : anthropic({ model: 'm', apiKey: 'sk-ant-valid-123456', ...o } as never));
    const known =
      f === 'openai'
        ? ['name', 'model', 'apiKey', 'baseURL', 'organization', 'project', 'defaultHeaders', 'maxTokensParam', 'client', 'breaker']
        : ['name', 'model', 'apiKey', 'baseURL', 'defaultMaxTokens', 'samplingParams', 'defaultHeaders', 'client', 'breaker'];
    const own: Case[] =
      f === 'openai'
        ? [{ label: 'openai maxTokensParam', value: fc.constantFrom<unknown>('max', '', 5, null, {}), call: (v) => factory({ maxTokensParam: v }), option: 'maxTokensParam' }]
        : [
            { label: 'anthropic defaultMaxTokens', value: badInteger(1).filter((v) => v !== null), call: (v) => factory({ defaultMaxTokens: v }), option: 'defaultMaxTokens' },
            { label: 'anthropic samplingParams', value: badBoolean.filter((v) => v !== null), call: (v) => factory({ samplingParams: v }), option: 'samplingParams' },
          ];
    return [
      ...own,
      { label: `${f} model`, value: badNonEmptyString, call: (v) => factory({ model: v }), option: 'model' },
      { label: `${f} name`, value: badNonEmptyString.filter((v) => v !== null), call: (v) => factory({ name: v }), option: 'name' },
      { label: `${f} apiKey`, value: badNonEmptyString.filter((v) => v !== null), call: (v) => factory({ apiKey: v }), option: 'apiKey' },
      { label: `${f} baseURL`, value: fc.constantFrom<unknown>('', 'not a url', 'ftp://x', '127.0.0.1:8080', 5, {}, null), call: (v) => factory({ baseURL: v }), option: 'baseURL' },
      { label: `${f} defaultHeaders`, value: fc.constantFrom<unknown>(5, 'x', true), call: (v) => factory({ defaultHeaders: v }), option: 'defaultHeaders' },
      { label: `${f} breaker`, value: fc.constantFrom<unknown>(5, 'x', true), call: (v) => factory({ breaker: v }), option: 'breaker' },
      { label: `${f} client`, value: fc.constantFrom<unknown>(5, 'x', {}, { chat: {} }, { messages: {} }), call: (v) => factory({ client: v }), option: 'client' },
      { label: `${f} (unknown key)`, value: unknownKey(known), call: (k) => factory({ [k as string]: 'x' }), option: (k) => String(k) },
      { label: `${f} options`, value: fc.constantFrom<unknown>(null, 5, 'gpt-4o'), call: (v) => (f === 'openai' ? openai(v as never) : anthropic(v as never)), option: 'options' },
    ];
  }),

  // ---- per-request options (complete() rejects, stream() throws) ----
  ...(['complete', 'stream'] as const).flatMap((m): Case[] => {
    const req = (o: unknown) => {
      const llm = clientWith({});
      clients.push(llm);
      return m === 'complete' ? llm.complete({ messages: [{ role: 'user', content: 'hi' }] }, o as never) : llm.stream({ messages: [{ role: 'user', content: 'hi' }] }, o as never);
    };
    return [
      ...(['deadlineMs', 'timeoutMs', 'idleTimeoutMs'] as const).map((k): Case => ({ label: `${m}() ${k}`, value: badDuration(1).filter((v) => v !== null), call: (v) => req({ [k]: v }), option: k })),
      { label: `${m}() maxAttempts`, value: badInteger(1, 1000).filter((v) => v !== null), call: (v) => req({ maxAttempts: v }), option: 'maxAttempts' },
      { label: `${m}() provider`, value: fc.oneof(fc.string().filter((s) => s !== 'a' && s !== 'b'), fc.constantFrom<unknown>(5, {}, true)), call: (v) => req({ provider: v }), option: 'provider' },
      { label: `${m}() fallback`, value: badBoolean.filter((v) => v !== null), call: (v) => req({ fallback: v }), option: 'fallback' },
      { label: `${m}() signal`, value: fc.constantFrom<unknown>(5, 'x', {}, { aborted: false }, true), call: (v) => req({ signal: v }), option: 'signal' },
      { label: `${m}() model`, value: fc.constantFrom<unknown>('', 5, true, []), call: (v) => req({ model: v }), option: 'model' },
      { label: `${m}() model.<unknown provider>`, value: fc.string({ minLength: 1 }).filter((s) => s !== 'a' && s !== 'b' && s !== '__proto__'), call: (v) => req({ model: { [v as string]: 'x' } }), option: (v) => `model.${String(v)}` },
      {
        label: `${m}() (unknown key)`,
        value: unknownKey(['signal', 'provider', 'fallback', 'deadlineMs', 'timeoutMs', 'idleTimeoutMs', 'maxAttempts', 'model']),
        call: (k) => req({ [k as string]: 1 }),
        option: (k) => String(k),
      },
      { label: `${m}() options`, value: fc.constantFrom<unknown>(5, 'x', true), call: (v) => req(v), option: 'options' },
    ];
  }),
];

/** The error `call(v)` throws or rejects with (undefined when it succeeds). */
async function errorOf(c: Case, v: unknown): Promise<unknown> {
  try {
    const r = c.call(v);
    if (r instanceof Promise) await r;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('invalid options → ConfigError naming the option', () => {
  it.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    await fc.assert(
      fc.asyncProperty(c.value, async (v) => {
        const err = await errorOf(c, v);
        const shown = typeof v === 'symbol' || typeof v === 'bigint' ? String(v) : typeof v === 'function' ? 'a function' : JSON.stringify(v);
        expect(isConfigError(err), `${c.label} = ${shown}: expected a ConfigError, got ${err === undefined ? 'no error' : String(err)}`).toBe(true);
        const want = typeof c.option === 'function' ? c.option(v) : c.option;
        expect((err as { option: string }).option, `${c.label} = ${shown}`).toBe(want);
        expect((err as Error).message).toContain(want);
      }),
      { seed: SEED, numRuns: Math.max(5, Math.round(RUNS / 10)), ...(PATH ? { path: PATH } : {}) },
    );
  });

  it('valid options are accepted (the generators above do not reject good input by accident)', async () => {
    const llm = clientWith({ timeoutMs: 1, deadlineMs: 1e9, idleTimeoutMs: 5, maxAttempts: 1000, retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: false, maxRetryAfterMs: 0 }, breaker: { failureThreshold: 1, resetTimeoutMs: 1, successThreshold: 1, halfOpenMaxProbes: 1000, probeLeaseMs: 1, isFailure: () => true, failureRate: { threshold: 1, windowMs: 10, minimumCalls: 1 } }, fallback: ['b'] });
    clients.push(llm);
    expect(() => redisStore(lazyRedis(), { prefix: 'p', timeoutMs: 1, keyTtlMs: 1000, writeBehindMs: 0, recoveryIntervalMs: 10, channel: 'c' })).not.toThrow();
    expect(() => memoryStore({ clock: () => 0 })).not.toThrow();
    expect(() => openai({ name: 'n', model: 'm', apiKey: 'k-123456', baseURL: 'http://127.0.0.1:1/v1', organization: 'o', project: 'p', defaultHeaders: {}, maxTokensParam: 'max_tokens', breaker: {} })).not.toThrow();
    expect(() => anthropic({ name: 'n', model: 'm', apiKey: 'k-123456', baseURL: 'http://127.0.0.1:1', defaultMaxTokens: 1, samplingParams: true, defaultHeaders: {}, breaker: {} })).not.toThrow();
  });
});
