/**
 * Secrets never leave through a cause chain (issue 20 §2).
 *
 * A local HTTP server echoes every credential it was sent — the API key (`Authorization` /
 * `x-api-key`) and a `defaultHeaders` value — back in its error bodies (OpenAI-shaped with `param`,
 * Ollama-shaped `{"error":"…"}`, Anthropic-shaped with `error.detail`, and deeper) and in its
 * response headers. The calls go through the real OpenAI and Anthropic SDKs, the adapters and an
 * LLM client. Neither secret may then appear in what loggers and error trackers walk: the thrown
 * error as `util.inspect(err, { depth: 10 })` (with and without hidden fields), `JSON.stringify`,
 * `String`, its stack, and every breaker event payload (`failure`, `stateChange`, …) rendered the
 * same ways. The SDK error stays in the chain (its class, status and body shape are kept), only
 * scrubbed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient } from '../../src/client.js';
import { isAllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { isProviderError, type ProviderError } from '../../src/errors/provider-error.js';
import type { ProviderAdapter } from '../../src/provider.js';
import { expectNoSecret } from '../providers/_helpers.js';

const tag = randomBytes(6).toString('hex');
/** Shaped like no known key pattern: only the registered-secret redaction can catch it. */
const API_KEY = `zq_CHAINKEY_${tag}`;
/** A gateway key sent as a default header: a secret too. */
const HEADER_SECRET = `gw_CHAINHEADER_${tag}`;

type Echo = (credentials: string) => { status: number; body: unknown };

/** What the server replies with; every reply also echoes the credentials in two response headers. */
let echo: Echo = () => ({ status: 500, body: {} });
const received: string[] = [];

function credentialsOf(req: IncomingMessage): string {
  return [req.headers['authorization'], req.headers['x-api-key'], req.headers['x-gateway-key']].filter(Boolean).join(' ');
}

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const credentials = credentialsOf(req);
      received.push(credentials);
      const { status, body } = echo(credentials);
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-echo-credentials': credentials,
        'www-authenticate': `Bearer realm="echo", error="invalid_token", key="${credentials}"`,
        'x-request-id': 'req_echo',
      });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const openaiAdapter = (): ProviderAdapter =>
  openai({ name: 'echo-openai', model: 'gpt-4o-mini', apiKey: API_KEY, baseURL: `${base}/v1`, defaultHeaders: { 'X-Gateway-Key': HEADER_SECRET } });
const anthropicAdapter = (): ProviderAdapter =>
  anthropic({ name: 'echo-anthropic', model: 'claude-haiku-4-5', apiKey: API_KEY, baseURL: base, defaultHeaders: { 'X-Gateway-Key': HEADER_SECRET } });

const BODIES: Array<[string, () => ProviderAdapter, Echo]> = [
  [
    'OpenAI body: message, param and code echo the key',
    openaiAdapter,
    (c) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${c}`, type: 'invalid_request_error', param: c, code: `invalid_api_key ${c}` } } }),
  ],
  ['Ollama-style body: {"error": "…"} is a string', openaiAdapter, (c) => ({ status: 401, body: { error: `unauthorized: ${c}` } })],
  [
    'Anthropic body: error.detail (cause.error.error.detail)',
    anthropicAdapter,
    (c) => ({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key', detail: c }, request_id: 'req_echo' } }),
  ],
  [
    'a 500 with the key deep in arrays and nested objects',
    openaiAdapter,
    (c) => ({ status: 500, body: { error: { message: 'upstream failed', metadata: { raw: { attempts: [{ sent: c }], provider: 'x' } } } } }),
  ],
  [
    'Anthropic 529 with the key in a nested list',
    anthropicAdapter,
    (c) => ({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'overloaded', echo: [[c]] } } }),
  ],
];

/** Every rendering a logger or an error tracker may produce. */
function renderings(x: unknown): string[] {
  let json: string;
  try {
    json = JSON.stringify(x) ?? '';
  } catch {
    json = '(circular)';
  }
  const stack = (x as { stack?: unknown } | null)?.stack;
  return [json, String(x), typeof stack === 'string' ? stack : '', inspect(x, { depth: 10 }), inspect(x, { depth: 10, showHidden: true })];
}

function expectClean(texts: string[], what: string): void {
  for (const text of texts) {
    for (const secret of [API_KEY, HEADER_SECRET]) expect(text.includes(secret), `${secret} in ${what}: ${text.slice(0, 3000)}`).toBe(false);
  }
}

/** The first ProviderError of what a call threw (itself, or the first of an exhausted chain). */
function providerErrorOf(err: unknown): ProviderError {
  const inner = isAllProvidersFailedError(err) ? err.errors[0] : err;
  expect(isProviderError(inner), `a ProviderError, got ${inspect(err)}`).toBe(true);
  return inner as ProviderError;
}

describe('a server that echoes the key and the default headers back (real SDKs)', () => {
  it.each(BODIES)('%s: nothing in the error, its cause chain or any event (complete and stream)', async (_name, make, reply) => {
    echo = reply;
    received.length = 0;
    const adapter = make();
    const llm = createLLMClient({ providers: [adapter], retry: { retries: 0 }, breaker: { failureThreshold: 10 }, telemetry: false });
    const events: string[] = [];
    const breaker = llm.breaker(adapter.name);
    for (const ev of ['stateChange', 'success', 'failure', 'reject', 'storeError'] as const) breaker.on(ev, (e: unknown) => events.push(...renderings(e)));
    const thrown: unknown[] = [];
    try {
      for (let i = 0; i < 2; i++) await llm.complete({ messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => thrown.push(e));
      const drain = async (): Promise<void> => {
        for await (const _ of llm.stream({ messages: [{ role: 'user', content: 'hi' }] }, { provider: adapter.name })) {
          // consume
        }
      };
      await drain().catch((e: unknown) => thrown.push(e));
    } finally {
      await llm.close();
    }

    // the server did see both secrets (so their absence below means something)
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(received.every((c) => c.includes(API_KEY) && c.includes(HEADER_SECRET))).toBe(true);
    expect(thrown.length).toBe(3);
    const first = providerErrorOf(thrown[0]);
    // the SDK error is still the cause, with its class, status, headers and body shape…
    const cause = first.cause as { status?: number; headers?: Headers; error?: unknown };
    expect(cause).toBeInstanceOf(Error);
    if (adapter.name === 'echo-openai') expect(cause).toBeInstanceOf(APIError);
    expect(cause.status).toBeGreaterThanOrEqual(401);
    expect(cause.headers?.get('x-request-id')).toBe('req_echo');
    // …and what the server echoed is there, redacted
    expect(cause.headers?.get('x-echo-credentials')).toContain('[REDACTED]');
    expect(JSON.stringify(cause.error)).toContain('[REDACTED]');

    // the failure events fired, with the error in their payload
    expect(events.some((t) => t.includes('failure') || t.includes('counted'))).toBe(true);
    expectClean(events, 'a breaker event');
    for (const err of thrown) {
      expectClean(renderings(err), 'a thrown error');
      expectNoSecret(err, API_KEY);
      expectNoSecret(err, HEADER_SECRET);
      const inner = providerErrorOf(err);
      expectClean(renderings(inner.cause), 'the SDK error (cause)');
    }
  });
});
