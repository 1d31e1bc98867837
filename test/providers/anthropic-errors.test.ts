import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { mapAnthropicError } from '../../providers/anthropic/map-error.js';
import { HELLO, ctx, expectErrorRow, expectNoSecret, jsonFixture, rejection, type ErrorRow } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-test-SECRET123456789';
const API = 'https://api.anthropic.com';
const REQUEST_ID = 'req_011CSHoEzz9zZ9zZ9zZ9zZ9z';

useNock();

const adapter = () => anthropic({ model: 'claude-haiku-4-5', apiKey: KEY });

const err = (name: string) => jsonFixture(`anthropic/errors/${name}`);

const ROWS: ErrorRow[] = [
  { name: '429 with retry-after seconds', status: 429, body: err('rate-limit-429.json'), headers: { 'retry-after': '17' }, kind: 'rate_limit', retryable: true, providerCode: 'rate_limit_error', retryAfterMs: 17_000 },
  { name: '429 with retry-after-ms', status: 429, body: err('rate-limit-429.json'), headers: { 'retry-after-ms': '250', 'retry-after': '1' }, kind: 'rate_limit', retryable: true, retryAfterMs: 250 },
  { name: '400 billing_error (credit exhausted)', status: 400, body: err('billing-400.json'), kind: 'rate_limit', retryable: false, providerCode: 'billing_error' },
  { name: '529 overloaded_error', status: 529, body: err('overloaded-529.json'), kind: 'overloaded', retryable: true, providerCode: 'overloaded_error' },
  { name: '503', status: 503, body: err('service-unavailable-503.json'), kind: 'overloaded', retryable: true },
  { name: '500 api_error', status: 500, body: err('api-error-500.json'), kind: 'server', retryable: true, providerCode: 'api_error' },
  { name: '502 (no body)', status: 502, body: '', kind: 'server', retryable: true },
  { name: '504 timeout_error', status: 504, body: err('gateway-timeout-504.json'), kind: 'server', retryable: true, providerCode: 'timeout_error' },
  { name: '401 authentication_error', status: 401, body: err('authentication-401.json'), kind: 'auth', retryable: false, providerCode: 'authentication_error' },
  { name: '403 permission_error', status: 403, body: err('permission-403.json'), kind: 'auth', retryable: false, providerCode: 'permission_error' },
  { name: '404 not_found_error (model)', status: 404, body: err('not-found-404.json'), kind: 'not_found', retryable: false, providerCode: 'not_found_error' },
  { name: '400 prompt is too long', status: 400, body: err('prompt-too-long-400.json'), kind: 'context_length', retryable: false, providerCode: 'invalid_request_error' },
  { name: '400 input + max_tokens exceed context limit', status: 400, body: err('context-window-400.json'), kind: 'context_length', retryable: false },
  { name: '413 request_too_large', status: 413, body: err('request-too-large-413.json'), kind: 'context_length', retryable: false, providerCode: 'request_too_large' },
  { name: '400 output blocked by content filtering policy', status: 400, body: err('content-filter-400.json'), kind: 'content_filter', retryable: false },
  { name: '400 invalid_request_error', status: 400, body: err('invalid-request-400.json'), kind: 'invalid_request', retryable: false, providerCode: 'invalid_request_error' },
  { name: '422', status: 422, body: err('unprocessable-422.json'), kind: 'invalid_request', retryable: false },
];

describe('anthropic error normalisation (DESIGN §3), through the SDK over HTTP', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    nock(API)
      .post('/v1/messages')
      .reply(row.status, row.body, { 'request-id': REQUEST_ID, ...row.headers });
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expectErrorRow(e, row, 'anthropic', REQUEST_ID);
  });

  it('reads the message, not the raw JSON body, into the error message', async () => {
    nock(API).post('/v1/messages').reply(529, err('overloaded-529.json'), { 'request-id': REQUEST_ID });
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expect(e.message).toBe('[anthropic] overloaded: 529 overloaded_error: Overloaded');
  });

  it('takes the request id from the body when the header is missing', async () => {
    nock(API).post('/v1/messages').reply(500, err('api-error-500.json'));
    expect((await rejection(adapter().complete(HELLO, ctx()))).requestId).toBe('req_011CSHoEjt9uYwE3rT5qP1oI');
  });

  it('the same rows fail a stream before its first event', async () => {
    nock(API).post('/v1/messages').reply(529, err('overloaded-529.json'), { 'request-id': REQUEST_ID });
    const e = await rejection((async () => {
      for await (const _ of adapter().stream(HELLO, ctx())) { /* nothing */ }
    })());
    expect(e).toMatchObject({ kind: 'overloaded', status: 529, requestId: REQUEST_ID });
  });

  it('429 with an HTTP-date retry-after', async () => {
    nock(API).post('/v1/messages').reply(429, err('rate-limit-429.json'), { 'retry-after': new Date(Date.now() + 10_000).toUTCString() });
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expect(e.retryAfterMs).toBeGreaterThan(5_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it.each([
    ['ECONNRESET', 'socket hang up'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 160.79.104.10:443'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND api.anthropic.com'],
  ])('%s is connection', async (code, message) => {
    nock(API).post('/v1/messages').replyWithError(Object.assign(new Error(message), { code }));
    const e = await rejection(adapter().complete(HELLO, ctx()));
    expect(e.kind).toBe('connection');
    expect(e.message).toContain(code);
  });

  it('an already-aborted signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(adapter().complete(HELLO, ctx('m', controller.signal)))).kind).toBe('aborted');
  });

  it('maps in-band error types (status undefined) by error.type', () => {
    const inBand = (type: string, message = 'x') =>
      mapAnthropicError(Object.assign(new Error(message), { status: undefined, headers: undefined, error: { type: 'error', error: { type, message } }, type }), 'anthropic');
    expect(inBand('overloaded_error').kind).toBe('overloaded');
    expect(inBand('rate_limit_error').kind).toBe('rate_limit');
    expect(inBand('api_error').kind).toBe('server');
    expect(inBand('timeout_error').kind).toBe('timeout');
    expect(inBand('invalid_request_error', 'prompt is too long: 1 > 0').kind).toBe('context_length');
    expect(inBand('invalid_request_error', 'Output blocked by content filtering policy').kind).toBe('content_filter');
    expect(inBand('something_new').kind).toBe('server');
  });

  it('a non-streaming call the SDK refuses locally ("Streaming is required") is invalid_request', () => {
    expect(mapAnthropicError(new Error('Streaming is required for operations that may take longer than 10 minutes.'), 'anthropic').kind).toBe('invalid_request');
  });

  it('recognises connection errors from another copy of the SDK by name', () => {
    const named = (name: string) => Object.assign(new Error(name), { name });
    expect(mapAnthropicError(named('APIConnectionError'), 'anthropic').kind).toBe('connection');
    expect(mapAnthropicError(named('APIConnectionTimeoutError'), 'anthropic').kind).toBe('timeout');
    expect(mapAnthropicError(named('APIUserAbortError'), 'anthropic').kind).toBe('aborted');
  });

  it('an abort keeps the signal reason as its cause', () => {
    const controller = new AbortController();
    const reason = new Error('attempt timeout');
    controller.abort(reason);
    const e = mapAnthropicError(new Error('Request was aborted.'), 'anthropic', controller.signal, 'req_1');
    expect(e).toMatchObject({ kind: 'aborted', requestId: 'req_1', retryable: false });
    expect(e.cause).toBe(reason);
  });

  describe('the API key never leaks', () => {
    it('from a 401 whose body echoes the full key', async () => {
      nock(API)
        .post('/v1/messages')
        .reply(401, { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${KEY}` }, request_id: REQUEST_ID });
      const e = await rejection(adapter().complete(HELLO, ctx()));
      expect(e.kind).toBe('auth');
      expectNoSecret(e, KEY);
      expectNoSecret(e.cause, KEY);
    });

    it.each(ROWS.map((r) => [r.name, r] as const))('from %s', async (_name, row) => {
      nock(API).post('/v1/messages').reply(row.status, row.body, row.headers);
      expectNoSecret(await rejection(adapter().complete(HELLO, ctx())), KEY);
    });

    it('from an in-band stream error that echoes the key', async () => {
      nock(API)
        .post('/v1/messages')
        .reply(200, `event: error\ndata: {"type":"error","error":{"type":"api_error","message":"key ${KEY} failed"}}\n\n`, { 'content-type': 'text/event-stream' });
      const e = await rejection((async () => {
        for await (const _ of adapter().stream(HELLO, ctx())) { /* nothing */ }
      })());
      expect(e.kind).toBe('server');
      expectNoSecret(e, KEY);
    });
  });
});
