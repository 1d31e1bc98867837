import { afterEach, describe, expect, it } from 'vitest';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import { memoryStore } from '../../src/breaker/memory-store.js';
import { AllProvidersFailedError, isAllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { scripted } from '../helpers/scripted-adapter.js';

const msgs = { messages: [{ role: 'user' as const, content: 'Hello' }] };
const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 5 };

const clients: LLMClient[] = [];
function client(o: LLMClientOptions): LLMClient {
  const c = createLLMClient(o);
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('llm.complete()', () => {
  it('serves from the primary and reports provider, model, usage, attempts and latency', async () => {
    const a = scripted('a');
    const llm = client({ providers: [a, scripted('b')] });
    const res = await llm.complete(msgs);
    expect(res.text).toBe('a says hi');
    expect(res.provider).toBe('a');
    expect(res.model).toBe('a-model');
    expect(res.finishReason).toBe('stop');
    expect(res.usage).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
    expect(res.requestId).toBe('req_1');
    expect(res.raw).toEqual({ text: 'a says hi' });
    expect(res.attempts).toHaveLength(1);
    expect(res.attempts[0]).toMatchObject({ provider: 'a', outcome: 'success', retry: 0 });
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('retries a retryable error on the same provider, then fails over to the fallback', async () => {
    const a = scripted('a', [{ error: 'server', status: 500 }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: fast });
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('b');
    expect(a.calls).toBe(3); // 1 + 2 retries
    expect(res.attempts.map((x) => `${x.provider}#${x.retry}:${x.errorKind ?? x.outcome}`)).toEqual([
      'a#0:server',
      'a#1:server',
      'a#2:server',
      'b#0:success',
    ]);
  });

  it('an open circuit sends zero requests to the primary', async () => {
    const a = scripted('a', [{ error: 'server', status: 503 }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: { retries: 0 }, breaker: { failureThreshold: 2 } });
    await llm.complete(msgs);
    await llm.complete(msgs);
    expect(await llm.breaker('a').getState()).toBe('open');
    const before = a.calls;
    for (let i = 0; i < 5; i++) {
      const res = await llm.complete(msgs);
      expect(res.provider).toBe('b');
      expect(res.attempts[0]).toMatchObject({ provider: 'a', outcome: 'circuit_open' });
    }
    expect(a.calls).toBe(before);
  });

  it('honours retry-after on the same provider', async () => {
    const a = scripted('a', [{ error: 'rate_limit', status: 429, retryAfterMs: 120 }, 'ok']);
    const llm = client({ providers: [a, scripted('b')], retry: fast });
    const t0 = performance.now();
    const res = await llm.complete(msgs);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    expect(res.provider).toBe('a');
    expect(a.calls).toBe(2);
  });

  it('fails over at once when the retry-after wait does not fit in the budget', async () => {
    const a = scripted('a', [{ error: 'rate_limit', status: 429, retryAfterMs: 60_000 }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: fast, deadlineMs: 5_000 });
    const t0 = performance.now();
    const res = await llm.complete(msgs);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(res.provider).toBe('b');
    expect(a.calls).toBe(1);
  });

  it('does not retry or fail over an invalid_request (400)', async () => {
    const a = scripted('a', [{ error: 'invalid_request', status: 400 }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: fast });
    const err = await llm.complete(msgs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('invalid_request');
    expect(a.calls).toBe(1);
    expect(b.calls).toBe(0);
    expect((await llm.breaker('a').snapshot()).failures).toBe(0);
  });

  it('content_filter neither retries nor fails over', async () => {
    const a = scripted('a', [{ error: 'content_filter', status: 400 }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: fast });
    await expect(llm.complete(msgs)).rejects.toMatchObject({ kind: 'content_filter' });
    expect(b.calls).toBe(0);
  });

  it('context_length fails over to the next provider without retrying or counting', async () => {
    const a = scripted('a', [{ error: 'context_length', status: 400 }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: fast });
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('b');
    expect(a.calls).toBe(1);
    expect((await llm.breaker('a').snapshot()).failures).toBe(0);
  });

  it('auth errors fail over without retry and count toward the breaker', async () => {
    const a = scripted('a', [{ error: 'auth', status: 401 }]);
    const llm = client({ providers: [a, scripted('b')], retry: fast });
    const misconfigured: string[] = [];
    llm.on('misconfigured', (e) => misconfigured.push(`${e.provider}:${e.kind}→${e.fallback}`));
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('b');
    expect(a.calls).toBe(1);
    expect((await llm.breaker('a').snapshot()).failures).toBe(1);
    expect(misconfigured).toEqual(['a:auth→b']);
  });

  it('a hung primary times out and fails over', async () => {
    const a = scripted('a', ['hang']);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: { retries: 0 }, timeoutMs: 60 });
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('b');
    expect(res.attempts[0]).toMatchObject({ provider: 'a', errorKind: 'timeout' });
    expect((await llm.breaker('a').snapshot()).failures).toBe(1);
  });

  it('times out even an adapter that ignores its signal', async () => {
    const a = scripted('a');
    a.complete = () => new Promise(() => undefined);
    const llm = client({ providers: [a, scripted('b')], retry: { retries: 0 }, timeoutMs: 40 });
    await expect(llm.complete(msgs)).resolves.toMatchObject({ provider: 'b' });
  });

  it('every provider hanging: the deadline is honoured and every attempt reported', async () => {
    const a = scripted('a', ['hang']);
    const b = scripted('b', ['hang']);
    const llm = client({ providers: [a, b], retry: fast, timeoutMs: 10_000, deadlineMs: 150 });
    const t0 = performance.now();
    const err = await llm.complete(msgs).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(isAllProvidersFailedError(err)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1000);
    const e = err as AllProvidersFailedError;
    expect(e.attempts.length).toBeGreaterThanOrEqual(1);
    expect(e.attempts.every((x) => x.errorKind === 'timeout')).toBe(true);
    expect(e.message).toMatch(/deadline/);
  });

  it('the caller aborting: aborted, never retried, counted or failed over', async () => {
    const a = scripted('a', ['hang']);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: fast });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = await llm.complete(msgs, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('aborted');
    expect(a.calls).toBe(1);
    expect(b.calls).toBe(0);
    expect((await llm.breaker('a').snapshot()).failures).toBe(0);
  });

  it('an already-aborted signal sends nothing', async () => {
    const a = scripted('a');
    const llm = client({ providers: [a] });
    const ac = new AbortController();
    ac.abort();
    await expect(llm.complete(msgs, { signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('AllProvidersFailedError carries every attempt, not just the last', async () => {
    const a = scripted('a', [{ error: 'server', status: 500 }]);
    const b = scripted('b', [{ error: 'overloaded', status: 529 }]);
    const llm = client({ providers: [a, b], retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 }, maxAttempts: 10 });
    const err = (await llm.complete(msgs).catch((e: unknown) => e)) as AllProvidersFailedError;
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect(err.code).toBe('all_providers_failed');
    expect(err.attempts.map((x) => `${x.provider}:${x.errorKind}`)).toEqual(['a:server', 'a:server', 'b:overloaded', 'b:overloaded']);
    expect(err.errors).toHaveLength(4);
    expect(err.errors.every((e) => e instanceof ProviderError)).toBe(true);
  });

  it('caps total attempts across the chain (retries never multiply across fallbacks)', async () => {
    const a = scripted('a', [{ error: 'server' }]);
    const b = scripted('b', [{ error: 'server' }]);
    const c = scripted('c', [{ error: 'server' }]);
    const llm = client({ providers: [a, b, c], retry: fast });
    const err = (await llm.complete(msgs).catch((e: unknown) => e)) as AllProvidersFailedError;
    // default cap: providers (3) + retries (2) = 5
    expect(err.attempts).toHaveLength(5);
    expect(a.calls + b.calls + c.calls).toBe(5);
    const llm2 = client({ providers: [scripted('x', [{ error: 'server' }]), scripted('y', [{ error: 'server' }])], retry: fast, maxAttempts: 2 });
    const err2 = (await llm2.complete(msgs).catch((e: unknown) => e)) as AllProvidersFailedError;
    expect(err2.attempts).toHaveLength(2);
    expect(err2.message).toMatch(/attempt cap/);
  });

  it('walks the fallback list in the order given', async () => {
    const a = scripted('a', [{ error: 'auth' }]);
    const b = scripted('b', [{ error: 'auth' }]);
    const c = scripted('c');
    const llm = client({ providers: [a, b, c], fallback: ['c', 'b'] });
    llm.on('misconfigured', () => undefined);
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('c');
    expect(b.calls).toBe(0);
    expect(llm.providers).toEqual(['a', 'c', 'b']);
  });

  it('per request: provider forces one provider, fallback:false disables failover', async () => {
    const a = scripted('a', [{ error: 'server' }]);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: { retries: 0 } });
    await expect(llm.complete(msgs, { provider: 'b' })).resolves.toMatchObject({ provider: 'b' });
    expect(a.calls).toBe(0);
    await expect(llm.complete(msgs, { fallback: false })).rejects.toBeInstanceOf(AllProvidersFailedError);
    expect(b.calls).toBe(1);
  });

  it('per request: model overrides (string for the first provider, record per provider)', async () => {
    const a = scripted('a', [{ error: 'server' }, 'ok']);
    const b = scripted('b');
    const llm = client({ providers: [a, b], retry: { retries: 0 } });
    const r1 = await llm.complete(msgs, { model: 'big' });
    expect(a.seen[0]?.model).toBe('big');
    expect(b.seen[0]?.model).toBe('b-model');
    expect(r1.model).toBe('b-model');
    await llm.complete(msgs, { model: { a: 'a-large' } });
    expect(a.seen[1]?.model).toBe('a-large');
    await llm.complete({ ...msgs, model: 'req-model' }, { provider: 'b' });
    expect(b.seen[1]?.model).toBe('req-model');
  });

  it('per request: timeoutMs and deadlineMs override the client', async () => {
    const a = scripted('a', ['hang']);
    const llm = client({ providers: [a], timeoutMs: 60_000, retry: { retries: 0 } });
    const t0 = performance.now();
    await expect(llm.complete(msgs, { timeoutMs: 30 })).rejects.toBeInstanceOf(AllProvidersFailedError);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('layers per-provider breaker options over client defaults', async () => {
    const a = scripted('a', [], { breaker: { failureThreshold: 1 } });
    const b = scripted('b');
    const llm = client({ providers: [a, b], breaker: { failureThreshold: 7, resetTimeoutMs: 1234 }, timeoutMs: 1000 });
    expect(llm.breaker('a').options.failureThreshold).toBe(1);
    expect(llm.breaker('a').options.resetTimeoutMs).toBe(1234);
    expect(llm.breaker('b').options.failureThreshold).toBe(7);
    expect(llm.breaker('b').options.probeLeaseMs).toBe(6000);
  });

  it('health() reports every provider in priority order; breaker() rejects unknown names', async () => {
    const llm = client({ providers: [scripted('a'), scripted('b')] });
    await llm.breaker('b').forceOpen();
    const h = await llm.health();
    expect(h.map((x) => `${x.provider}:${x.state}`)).toEqual(['a:closed', 'b:open']);
    expect(h[1]?.forced).toBe(true);
    expect(() => llm.breaker('zzz')).toThrow(ConfigError);
  });

  it('clients sharing a store share breaker state', async () => {
    const store = memoryStore();
    const a1 = scripted('a', [{ error: 'server' }]);
    const a2 = scripted('a');
    const l1 = client({ providers: [a1, scripted('b')], store, retry: { retries: 0 }, breaker: { failureThreshold: 1 } });
    const l2 = client({ providers: [a2, scripted('b')], store, breaker: { failureThreshold: 1 } }); // same settings: one circuit
    await l1.complete(msgs);
    await expect(l2.complete(msgs)).resolves.toMatchObject({ provider: 'b' });
    expect(a2.calls).toBe(0);
  });

  it('close() releases the client; later calls fail clearly', async () => {
    const llm = createLLMClient({ providers: [scripted('a')] });
    await llm.close();
    await llm.close();
    await expect(llm.complete(msgs)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('configuration errors name the bad option', () => {
  const a = scripted('a');
  const cases: Array<[string, () => unknown, string]> = [
    ['no providers', () => createLLMClient({ providers: [] }), 'providers'],
    ['providers not an array', () => createLLMClient({} as LLMClientOptions), 'providers'],
    ['duplicate names', () => createLLMClient({ providers: [scripted('x'), scripted('x')] }), 'providers[1].name'],
    ['unknown fallback', () => createLLMClient({ providers: [a, scripted('b')], fallback: ['nope'] }), 'fallback[0]'],
    ['fallback names the primary', () => createLLMClient({ providers: [a, scripted('b')], fallback: ['a'] }), 'fallback[0]'],
    ['negative timeout', () => createLLMClient({ providers: [a], timeoutMs: -1 }), 'timeoutMs'],
    ['NaN deadline', () => createLLMClient({ providers: [a], deadlineMs: Number.NaN }), 'deadlineMs'],
    ['string timeout', () => createLLMClient({ providers: [a], timeoutMs: '5' as unknown as number }), 'timeoutMs'],
    ['bad breaker threshold', () => createLLMClient({ providers: [a], breaker: { failureThreshold: 0 } }), 'breaker.failureThreshold'],
    ['bad provider breaker', () => createLLMClient({ providers: [scripted('p', [], { breaker: { resetTimeoutMs: -5 } })] }), 'providers[0].breaker.resetTimeoutMs'],
    ['failure rate out of range', () => createLLMClient({ providers: [a], breaker: { failureRate: { threshold: 2 } } }), 'breaker.failureRate.threshold'],
    ['unknown option', () => createLLMClient({ providers: [a], retires: 3 } as unknown as LLMClientOptions), 'retires'],
    ['bad retry', () => createLLMClient({ providers: [a], retry: { retries: -1 } }), 'retry.retries'],
    ['unknown breaker option', () => createLLMClient({ providers: [a], breaker: { threshold: 3 } as never }), 'breaker.threshold'],
    ['bad store', () => createLLMClient({ providers: [a], store: {} as never }), 'store'],
    ['provider name with braces', () => createLLMClient({ providers: [scripted('a{b}')] }), 'providers[0].name'],
  ];
  for (const [label, fn, option] of cases) {
    it(label, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).option).toBe(option);
      expect((err as ConfigError).message).toContain(option);
    });
  }

  it('bad request options and malformed requests are rejected before any provider call', async () => {
    const p = scripted('a');
    const llm = client({ providers: [p] });
    await expect(llm.complete(msgs, { provider: 'zzz' })).rejects.toMatchObject({ option: 'provider' });
    await expect(llm.complete(msgs, { timeoutMs: -3 })).rejects.toMatchObject({ option: 'timeoutMs' });
    await expect(llm.complete({ messages: [] })).rejects.toMatchObject({ option: 'request.messages' });
    await expect(llm.complete({ messages: [{ role: 'robot', content: 'x' }] } as never)).rejects.toMatchObject({ option: 'request.messages[0].role' });
    await expect(llm.complete({ ...msgs, temperature: 7 })).rejects.toMatchObject({ option: 'request.temperature' });
    expect(p.calls).toBe(0);
  });
});

describe('budget accounting', () => {
  it('an attempt rejected by an open circuit does not use up the attempt cap', async () => {
    const a = scripted('a');
    const b = scripted('b', [{ error: 'server' }, { error: 'server' }, 'ok']);
    const llm = client({ providers: [a, b], retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 }, maxAttempts: 3 });
    await llm.breaker('a').forceOpen();
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('b');
    expect(res.attempts.map((x) => x.outcome)).toEqual(['circuit_open', 'error', 'error', 'success']);
  });
});

describe('the caller signal', () => {
  it('gets one listener however many calls share it, and none once they end', async () => {
    const { EventEmitter } = await import('node:events');
    const getEventListeners = (t: EventTarget, name: string) => EventEmitter.getEventListeners(t, name);
    const a = scripted('a', ['hang']);
    const llm = client({ providers: [a], retry: { retries: 0 }, timeoutMs: 50 });
    const ac = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const calls = Array.from({ length: 30 }, () => llm.complete(msgs, { signal: ac.signal }).catch(() => undefined));
      await new Promise((r) => setTimeout(r, 5));
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
      await Promise.all(calls);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
