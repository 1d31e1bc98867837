import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { openai } from '../../providers/openai/index.js';
import { mapOpenAIError } from '../../providers/openai/map-error.js';
import { HELLO, ctx, expectErrorRow, expectNoSecret, fixture, jsonFixture, rejection, type ErrorRow } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-test-SECRET123456789';
const API = 'https://api.openai.com';
const REQUEST_ID = 'req_5e7f0a1b2c3d4e5f6a7b8c9d0e1f2a3b';

useNock();

const adapter = () => openai({ model: 'gpt-4o-mini', apiKey: KEY });

const err = (name: string) => jsonFixture(`openai/errors/${name}`);

const ROWS: ErrorRow[] = [
  { name: '429 with retry-after-ms', status: 429, body: err('rate-limit-429.json'), headers: { 'retry-after-ms': '1500', 'retry-after': '2' }, kind: 'rate_limit', retryable: true, providerCode: 'rate_limit_exceeded', retryAfterMs: 1500 },
  { name: '429 with retry-after seconds', status: 429, body: err('rate-limit-429.json'), headers: { 'retry-after': '20' }, kind: 'rate_limit', retryable: true, retryAfterMs: 20_000 },
  { name: '429 without retry-after: the wait its message gives ("try again in 20s")', status: 429, body: err('rate-limit-429.json'), kind: 'rate_limit', retryable: true, retryAfterMs: 20_000 },
  { name: '429 insufficient_quota', status: 429, body: err('insufficient-quota-429.json'), kind: 'rate_limit', retryable: false, providerCode: 'insufficient_quota' },
  { name: '503', status: 503, body: err('overloaded-503.json'), kind: 'overloaded', retryable: true, providerCode: 'server_error' },
  { name: '500', status: 500, body: err('server-500.json'), kind: 'server', retryable: true, providerCode: 'server_error' },
  { name: '502 (an HTML proxy page)', status: 502, body: fixture('openai/errors/bad-gateway-502.html'), headers: { 'content-type': 'text/html' }, kind: 'server', retryable: true },
  { name: '504', status: 504, body: err('gateway-timeout-504.json'), kind: 'server', retryable: true },
  { name: '401', status: 401, body: err('invalid-api-key-401.json'), kind: 'auth', retryable: false, providerCode: 'invalid_api_key' },
  { name: '403', status: 403, body: err('forbidden-403.json'), kind: 'auth', retryable: false, providerCode: 'unsupported_country_region_territory' },
  { name: '404 model not found', status: 404, body: err('model-not-found-404.json'), kind: 'not_found', retryable: false, providerCode: 'model_not_found' },
  { name: '400 context_length_exceeded', status: 400, body: err('context-length-400.json'), kind: 'context_length', retryable: false, providerCode: 'context_length_exceeded' },
  { name: '400 content_policy_violation', status: 400, body: err('content-policy-400.json'), kind: 'content_filter', retryable: false, providerCode: 'content_policy_violation' },
  { name: '400 content_filter (Azure)', status: 400, body: err('azure-content-filter-400.json'), kind: 'content_filter', retryable: false, providerCode: 'content_filter' },
  { name: '400 invalid value', status: 400, body: err('invalid-request-400.json'), kind: 'invalid_request', retryable: false, providerCode: 'invalid_value' },
  { name: '400 context length by message only (vLLM)', status: 400, body: { error: { message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.", type: 'BadRequestError', param: null, code: 400 } }, kind: 'context_length', retryable: false },
  { name: '422', status: 422, body: err('unprocessable-422.json'), kind: 'invalid_request', retryable: false },
];

describe('openai error normalisation (DESIGN §3), through the SDK over HTTP', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    nock(API)
      .post('/v1/chat/completions')
      .reply(row.status, row.body, { 'x-request-id': REQUEST_ID, ...row.headers });
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expectErrorRow(e, row, 'openai', REQUEST_ID);
  });

  it('the same rows fail a stream before its first event', async () => {
    nock(API).post('/v1/chat/completions').reply(503, err('overloaded-503.json'), { 'x-request-id': REQUEST_ID });
    const stream = adapter().stream(HELLO, ctx());
    const e = await rejection((async () => {
      for await (const _ of stream) { /* nothing */ }
    })());
    expect(e).toMatchObject({ kind: 'overloaded', status: 503, requestId: REQUEST_ID });
  });

  it('429 with an HTTP-date retry-after', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    nock(API).post('/v1/chat/completions').reply(429, err('rate-limit-429.json'), { 'retry-after': date });
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expect(e.kind).toBe('rate_limit');
    expect(e.retryAfterMs).toBeGreaterThan(25_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([
    ['ECONNRESET', 'socket hang up'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 162.159.140.245:443'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND api.openai.com'],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.openai.com'],
  ])('%s is connection', async (code, message) => {
    nock(API).post('/v1/chat/completions').replyWithError(Object.assign(new Error(message), { code }));
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expect(e.kind).toBe('connection');
    expect(e.retryable).toBe(true);
    expect(e.status).toBeUndefined();
    expect(e.message).toContain(code);
  });

  it('ETIMEDOUT at the socket is timeout', async () => {
    nock(API).post('/v1/chat/completions').replyWithError(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    expect((await rejection(adapter().complete(HELLO, ctx()))).kind).toBe('timeout');
  });

  it('an already-aborted signal is aborted, without a request', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await rejection(adapter().complete(HELLO, ctx('gpt-4o-mini', controller.signal)));
    expect(e.kind).toBe('aborted');
    expect(e.retryable).toBe(false);
  });

  it('maps errors from any source: an abort, an AbortError, a SyntaxError, a stray error', () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(mapOpenAIError(new Error('boom'), 'openai', aborted.signal).kind).toBe('aborted');
    expect(mapOpenAIError(new DOMException('This operation was aborted', 'AbortError'), 'openai').kind).toBe('aborted');
    expect(mapOpenAIError(new SyntaxError('Unexpected token'), 'openai').kind).toBe('bad_response');
    expect(mapOpenAIError('weird', 'openai').kind).toBe('bad_response');
    const terminated = Object.assign(new TypeError('terminated'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(mapOpenAIError(terminated, 'openai').kind).toBe('connection');
  });

  it('recognises connection errors from another copy of the SDK by class name', () => {
    class APIConnectionError extends Error {}
    class APIConnectionTimeoutError extends APIConnectionError {}
    class APIUserAbortError extends Error {}
    const refused = Object.assign(new APIConnectionError('Connection error.'), { status: undefined, headers: undefined, error: undefined, cause: Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }) });
    expect(mapOpenAIError(refused, 'openai')).toMatchObject({ kind: 'connection', message: '[openai] connection: Connection error. (ECONNREFUSED)' });
    expect(mapOpenAIError(new APIConnectionTimeoutError('Request timed out.'), 'openai').kind).toBe('timeout');
    expect(mapOpenAIError(new APIUserAbortError('Request was aborted.'), 'openai').kind).toBe('aborted');
  });

  describe('the API key never leaks', () => {
    it('from a 401 whose body echoes the full key', async () => {
      nock(API)
        .post('/v1/chat/completions')
        .reply(401, { error: { message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, { 'x-request-id': REQUEST_ID });
      const e = await rejection(adapter().complete(HELLO, ctx()));
      expect(e.kind).toBe('auth');
      expectNoSecret(e, KEY);
      expectNoSecret(e.cause, KEY);
    });

    it('from a key with no sk- prefix (a compatible server), once registered', async () => {
      const odd = 'gw_live_7Hq2Lx9Vb4Nm1Pz8';
      nock('http://gateway.internal')
        .post('/v1/chat/completions')
        .reply(403, { error: { message: `key ${odd} is not allowed`, type: 'forbidden' } });
      const e = await rejection(openai({ model: 'm', apiKey: odd, baseURL: 'http://gateway.internal/v1' }).complete(HELLO, ctx()));
      expect(e.kind).toBe('auth');
      expectNoSecret(e, odd);
    });

    it.each(ROWS.filter((r) => r.status !== 401).map((r) => [r.name, r] as const))('from %s', async (_name, row) => {
      nock(API).post('/v1/chat/completions').reply(row.status, row.body, row.headers);
      const e = await rejection(adapter().complete(HELLO, ctx()));
      expectNoSecret(e, KEY);
    });

    it('from a connection error', async () => {
      nock(API).post('/v1/chat/completions').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      expectNoSecret(await rejection(adapter().complete(HELLO, ctx())), KEY);
    });
  });
});
