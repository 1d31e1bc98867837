/**
 * The client end to end through the real SDKs over nock: failover scenarios of DESIGN §3 with both
 * providers as the primary, realistic payloads from test/fixtures.
 */
import { PassThrough } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { AllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import type { ProviderAdapter } from '../../src/provider.js';
import { HELLO, expectNoSecret, fixture, jsonFixture } from './_helpers.js';

type Name = 'openai' | 'anthropic';
const KEYS = { openai: 'sk-test-OPENAISECRET1234567890', anthropic: 'sk-ant-test-ANTHROPICSECRET123456' };
const HOST = { openai: 'https://api.openai.com', anthropic: 'https://api.anthropic.com' };
const PATH = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };
const OK = { openai: () => jsonFixture('openai/chat-completion.json'), anthropic: () => jsonFixture('anthropic/message.json') };
const ERR = {
  openai: {
    server: [500, 'openai/errors/server-500.json'],
    overloaded: [503, 'openai/errors/overloaded-503.json'],
    rate: [429, 'openai/errors/rate-limit-429.json'],
    invalid: [400, 'openai/errors/invalid-request-400.json'],
  },
  anthropic: {
    server: [500, 'anthropic/errors/api-error-500.json'],
    overloaded: [529, 'anthropic/errors/overloaded-529.json'],
    rate: [429, 'anthropic/errors/rate-limit-429.json'],
    invalid: [400, 'anthropic/errors/invalid-request-400.json'],
  },
} as const;

function adapter(name: Name): ProviderAdapter {
  return name === 'openai'
    ? openai({ model: 'gpt-4o-mini', apiKey: KEYS.openai })
    : anthropic({ model: 'claude-haiku-4-5', apiKey: KEYS.anthropic });
}
const other = (n: Name): Name => (n === 'openai' ? 'anthropic' : 'openai');
const route = (n: Name) => nock(HOST[n]).post(PATH[n]);
const errBody = (n: Name, k: keyof (typeof ERR)['openai']) => [ERR[n][k][0], jsonFixture(ERR[n][k][1])] as const;

const clients: LLMClient[] = [];
function client(o: Omit<LLMClientOptions, 'providers'> & { primary: Name }): LLMClient {
  const { primary, ...rest } = o;
  const c = createLLMClient({ providers: [adapter(primary), adapter(other(primary))], telemetry: false, ...rest });
  clients.push(c);
  return c;
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  nock.cleanAll();
  nock.abortPendingRequests();
});
afterAll(() => {
  nock.enableNetConnect();
});

for (const primary of ['openai', 'anthropic'] as const) {
  const fb = other(primary);
  describe(`failover with ${primary} as the primary (real SDKs over nock)`, () => {
    it('primary 5xx → retried, then served by the fallback', async () => {
      const [status, body] = errBody(primary, 'server');
      const p = route(primary).times(3).reply(status, body, { 'x-request-id': 'req_p', 'request-id': 'req_p' });
      route(fb).reply(200, OK[fb]());
      const llm = client({ primary, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 } });
      const res = await llm.complete(HELLO);
      expect(res.provider).toBe(fb);
      expect(res.text.length).toBeGreaterThan(0);
      expect(res.attempts.map((a) => `${a.provider}:${a.errorKind ?? a.outcome}`)).toEqual([
        `${primary}:server`,
        `${primary}:server`,
        `${primary}:server`,
        `${fb}:success`,
      ]);
      const err = res.attempts[0]?.error as ProviderError;
      expect(err.status).toBe(500);
      expect(err.requestId).toBe('req_p');
      expect(p.isDone()).toBe(true);
    });

    it('an open circuit means zero requests reach the primary', async () => {
      const [status, body] = errBody(primary, 'overloaded');
      let primaryHits = 0;
      route(primary)
        .times(100)
        .reply(() => {
          primaryHits++;
          return [status, body];
        });
      route(fb).times(100).reply(200, OK[fb]());
      const llm = client({ primary, retry: { retries: 0 }, breaker: { failureThreshold: 3 } });
      for (let i = 0; i < 3; i++) await llm.complete(HELLO);
      expect(primaryHits).toBe(3);
      expect(await llm.breaker(primary).getState()).toBe('open');
      for (let i = 0; i < 10; i++) {
        const res = await llm.complete(HELLO);
        expect(res.provider).toBe(fb);
        expect(res.attempts[0]?.outcome).toBe('circuit_open');
      }
      expect(primaryHits).toBe(3);
    });

    it('429 with Retry-After is retried on the same provider after the wait', async () => {
      const [status, body] = errBody(primary, 'rate');
      route(primary).reply(status, body, { 'retry-after-ms': '150', 'retry-after': '1' });
      route(primary).reply(200, OK[primary]());
      const llm = client({ primary, retry: { retries: 2, minDelayMs: 1 } });
      const t0 = performance.now();
      const res = await llm.complete(HELLO);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      expect(res.provider).toBe(primary);
      expect(res.attempts.map((a) => a.errorKind ?? a.outcome)).toEqual(['rate_limit', 'success']);
      expect((res.attempts[0]?.error as ProviderError).retryAfterMs).toBe(150);
    });

    it('429 whose Retry-After exceeds the budget fails over at once', async () => {
      const [status, body] = errBody(primary, 'rate');
      route(primary).reply(status, body, { 'retry-after': '120' });
      route(fb).reply(200, OK[fb]());
      const llm = client({ primary, deadlineMs: 10_000 });
      const t0 = performance.now();
      const res = await llm.complete(HELLO);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(res.provider).toBe(fb);
    });

    it('400 → no retry and no failover', async () => {
      const [status, body] = errBody(primary, 'invalid');
      route(primary).reply(status, body);
      const fallbackScope = route(fb).reply(200, OK[fb]());
      const llm = client({ primary });
      const err = await llm.complete(HELLO).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('invalid_request');
      expect((err as ProviderError).status).toBe(400);
      expect(fallbackScope.isDone()).toBe(false);
    });

    it('a hung primary → the attempt timeout fails over', async () => {
      route(primary).delay(30_000).reply(200, OK[primary]());
      route(fb).reply(200, OK[fb]());
      const llm = client({ primary, timeoutMs: 100, retry: { retries: 0 } });
      const t0 = performance.now();
      const res = await llm.complete(HELLO);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(res.provider).toBe(fb);
      expect(res.attempts[0]).toMatchObject({ provider: primary, errorKind: 'timeout' });
      expect((await llm.breaker(primary).snapshot()).failures).toBe(1);
    });

    it('every provider hanging → the deadline is honoured', async () => {
      route(primary).times(5).delay(30_000).reply(200, OK[primary]());
      route(fb).times(5).delay(30_000).reply(200, OK[fb]());
      const llm = client({ primary, timeoutMs: 10_000, deadlineMs: 200, retry: { retries: 1, minDelayMs: 1 } });
      const t0 = performance.now();
      const err = await llm.complete(HELLO).catch((e: unknown) => e);
      const took = performance.now() - t0;
      expect(err).toBeInstanceOf(AllProvidersFailedError);
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(1500);
      expect((err as AllProvidersFailedError).attempts.every((a) => a.errorKind === 'timeout')).toBe(true);
    });

    it('the caller aborts → aborted, not retried, not counted, no failover', async () => {
      route(primary).delay(30_000).reply(200, OK[primary]());
      const fallbackScope = route(fb).reply(200, OK[fb]());
      const llm = client({ primary, retry: { retries: 2, minDelayMs: 1 } });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const err = await llm.complete(HELLO, { signal: ac.signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('aborted');
      expect(fallbackScope.isDone()).toBe(false);
      expect((await llm.breaker(primary).snapshot()).failures).toBe(0);
    });

    it('a malformed 200 body is bad_response: retried, then failed over', async () => {
      route(primary).times(2).reply(200, '{"id": "chatcmpl-broken", "choi', { 'content-type': 'application/json' });
      route(fb).reply(200, OK[fb]());
      const llm = client({ primary, retry: { retries: 1, minDelayMs: 1 } });
      const res = await llm.complete(HELLO);
      expect(res.provider).toBe(fb);
      expect(res.attempts.slice(0, 2).map((a) => a.errorKind)).toEqual(['bad_response', 'bad_response']);
    });

    it('connection refused / reset is a connection error and fails over', async () => {
      route(primary).times(2).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
      route(fb).reply(200, OK[fb]());
      const llm = client({ primary, retry: { retries: 1, minDelayMs: 1 } });
      const res = await llm.complete(HELLO);
      expect(res.provider).toBe(fb);
      expect(res.attempts[0]?.errorKind).toBe('connection');
    });

    it('API keys never appear in errors, attempts or events', async () => {
      const [status, body] = errBody(primary, 'server');
      route(primary).times(10).reply(status, body);
      route(fb).times(10).reply(401, jsonFixture(fb === 'openai' ? 'openai/errors/invalid-api-key-401.json' : 'anthropic/errors/authentication-401.json'));
      const llm = client({ primary, retry: { retries: 1, minDelayMs: 1 } });
      const seen: unknown[] = [];
      for (const n of llm.providers) {
        llm.breaker(n).on('failure', (e) => seen.push(e));
        llm.breaker(n).on('stateChange', (e) => seen.push(e));
      }
      const err = await llm.complete(HELLO).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AllProvidersFailedError);
      for (const secret of Object.values(KEYS)) {
        expectNoSecret(err, secret);
        for (const a of (err as AllProvidersFailedError).attempts) expectNoSecret(a.error, secret);
        for (const e of seen) expect(JSON.stringify(e, (_k, v: unknown) => (v instanceof Error ? { m: v.message, s: v.stack } : v))).not.toContain(secret);
      }
    });
  });
}

describe('streams hold a connection only as long as they should (nock)', () => {
  it('an SSE body that never ends is cut by the idle timeout', async () => {
    const body = new PassThrough();
    const first = fixture('openai/stream-text.sse').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
    route('openai').reply(200, () => {
      body.write(first);
      return body;
    }, { 'content-type': 'text/event-stream' });
    const llm = client({ primary: 'openai', idleTimeoutMs: 80 });
    const s = llm.stream(HELLO);
    const err = await (async () => {
      for await (const _ of s) {
        // read
      }
    })().catch((e: unknown) => e);
    expect((err as ProviderError).kind).toBe('timeout');
    expect(s.partial.text).toBe('Hello');
  });
});
