/**
 * API keys and prompt contents never leave the call (issue 5, part 6; DESIGN §3).
 *
 * A client with two real adapters (OpenAI and Anthropic wire formats, on the local mock server)
 * shares its breakers through a redisStore on a private redis-server. Every request carries a
 * distinctive prompt (user message, system prompt, tool description and a tool result), the
 * adapters carry distinctive API keys (one `sk-…`-shaped, one shaped like no known key pattern, so
 * only the registered-secret redaction can catch it), and the server echoes the keys back in
 * error bodies the way real providers do ("Incorrect API key provided: …"). The run goes through
 * successes, failovers, retries, an opening circuit, probes, streams, in-band stream errors, a
 * malformed body, an exhausted chain and a corrupt Redis key (a storeError).
 *
 * Then neither the keys nor the prompt may appear in:
 *   - Redis: every command any connection sent (MONITOR), every message published (PSUBSCRIBE *),
 *     every key name and value left (SCAN + a type-aware read of each key + DUMP);
 *   - events: every breaker event (stateChange, success, failure, reject, storeError), rendered with
 *     JSON, String and util.inspect (hidden fields, depth 10);
 *   - errors: every error thrown, as JSON, String, stack and util.inspect (cause chains included);
 *   - telemetry: every OpenTelemetry span (name, attributes, events, status);
 *   - logs: console.*, process.stdout/stderr writes and process warnings during the run.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import { isAllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { isProviderError } from '../../src/errors/provider-error.js';
import { otelTelemetry } from '../../src/telemetry/otel.js';
import { startMockLLMServer, type MockLLMServer } from '../../src/testing/mock-server.js';
import type { CompletionRequest } from '../../src/types.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const tag = randomBytes(6).toString('hex');
/** Shaped like an OpenAI key (the `sk-` pattern would catch it anyway). */
const OPENAI_KEY = `sk-proj-SECRETOPENAI${tag}`;
/** Shaped like no known key: only the registered-secret redaction can catch it. */
const ANTHROPIC_KEY = `zq_SECRETANTHROPIC_${tag}`;
const PROMPT = `CANARYPROMPT${tag}`;
const NEEDLES = [OPENAI_KEY, ANTHROPIC_KEY, PROMPT];

let redis: RedisServer;
let client: Redis;
let store: RedisStore;
let mock: MockLLMServer;
let llm: LLMClient;
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

/** Everything observed, as text. */
const seen = { monitor: [] as string[], published: [] as string[], events: [] as string[], errors: [] as string[], logs: [] as string[] };
const caught: unknown[] = [];

function render(x: unknown): string[] {
  const e = x as { stack?: unknown };
  let json = '';
  try {
    json = JSON.stringify(x) ?? '';
  } catch {
    json = '(circular)';
  }
  return [json, String(x), typeof e?.stack === 'string' ? e.stack : '', inspect(x, { depth: 10, showHidden: true }), inspect(x, { depth: 10 })];
}

const request = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  system: `You are a test. ${PROMPT}`,
  messages: [
    { role: 'user', content: `Tell me about ${PROMPT}` },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: JSON.stringify({ q: PROMPT }) }] },
    { role: 'tool', toolCallId: 'call_1', content: `result for ${PROMPT}` },
  ],
  tools: [{ name: 'lookup', description: `looks up ${PROMPT}`, parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
  maxTokens: 64,
  ...extra,
});

/** Runs a call and keeps whatever it throws. */
async function attempt(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    caught.push(err);
    seen.errors.push(...render(err));
  }
}
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // consume
  }
}

/** Replaces console.*, stdout/stderr writes and warnings with recorders; returns the undo. */
function captureLogs(): () => void {
  const undo: Array<() => void> = [];
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const orig = console[m];
    console[m] = (...args: unknown[]) => {
      seen.logs.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
    };
    undo.push(() => (console[m] = orig));
  }
  for (const s of [process.stdout, process.stderr]) {
    const orig = s.write.bind(s);
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      seen.logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof s.write;
    undo.push(() => (s.write = orig));
  }
  const onWarning = (w: Error) => seen.logs.push(...render(w));
  process.on('warning', onWarning);
  undo.push(() => process.off('warning', onWarning));
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    seen.logs.push(...render(warning));
    return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  undo.push(() => (process.emitWarning = emitWarning));
  return () => undo.reverse().forEach((f) => f());
}

beforeAll(async () => {
  redis = await startRedisServer();
  client = await redis.createClient();

  // Every command any connection sends, and every message published, from now on.
  const monitor = await client.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => seen.monitor.push(args.join(' ')));
  const spy = await redis.createClient();
  await spy.psubscribe('*');
  spy.on('pmessage', (_p: string, channel: string, message: string) => seen.published.push(`${channel} ${message}`));

  mock = await startMockLLMServer({ latencyMs: 0 });
  store = redisStore(client, { prefix: `sec${tag}`, timeoutMs: 1000, writeBehindMs: 5 });
  llm = createLLMClient({
    providers: [
      openai({ name: 'primary', baseURL: mock.openaiBaseURL, apiKey: OPENAI_KEY, model: 'gpt-4o-mini' }),
      anthropic({ name: 'backup', baseURL: mock.anthropicBaseURL, apiKey: ANTHROPIC_KEY, model: 'claude-haiku-4-5' }),
    ],
    store,
    breaker: { failureThreshold: 2, resetTimeoutMs: 150, successThreshold: 1 },
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 },
    timeoutMs: 2000,
    telemetry: otelTelemetry({ tracerProvider }),
  });
  for (const name of llm.providers) {
    const b = llm.breaker(name);
    for (const ev of ['stateChange', 'success', 'failure', 'reject', 'storeError'] as const) b.on(ev, (e: unknown) => seen.events.push(...render(e)));
  }
}, 30_000);

afterAll(async () => {
  await llm?.close();
  await store?.close();
  await mock?.close();
  await redis?.close();
  await tracerProvider.shutdown();
});

/** Credentials the server echoed back. */
const echoed: string[] = [];

/** The server answers with a 401 that echoes whatever credential it was sent. */
function echoKeyOn(route: 'openai' | 'anthropic' | 'both', times = Number.POSITIVE_INFINITY): void {
  let n = 0;
  mock.script((req) => {
    if ((route !== 'both' && req.route !== route) || n >= times) return undefined;
    n++;
    const credential = String(req.headers['authorization'] ?? req.headers['x-api-key'] ?? '');
    echoed.push(credential);
    const message = `Incorrect API key provided: ${credential}. You can find your API key at https://example.invalid.`;
    return req.route === 'openai'
      ? { status: 401, body: { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } }
      : { status: 401, body: { type: 'error', error: { type: 'authentication_error', message }, request_id: 'req_x' } };
  });
}

describe('API keys and prompts never leave the call', () => {
  it('runs a whole outage story with the secret keys and the canary prompt', async () => {
    const restore = captureLogs();
    try {
      // 1. plain success, both APIs, complete and stream
      await attempt(() => llm.complete(request()));
      await attempt(() => drain(llm.stream(request())));
      await attempt(() => llm.complete(request(), { provider: 'backup' }));
      await attempt(() => drain(llm.stream(request(), { provider: 'backup' })));
      // 2. the primary rejects the key (echoing it): failover to the backup
      echoKeyOn('openai', 1);
      await attempt(() => llm.complete(request()));
      mock.script(undefined);
      // 3. the primary goes down: retries, the circuit opens (Redis write + publish), failover
      mock.setMode('down', 'openai');
      await attempt(() => llm.complete(request()));
      await attempt(() => llm.complete(request()));
      expect(await llm.breaker('primary').getState()).toBe('open');
      // 4. open primary, backup rejects the key (echoed): the chain is exhausted
      echoKeyOn('anthropic');
      await attempt(() => llm.complete(request()));
      await attempt(() => drain(llm.stream(request())));
      mock.script(undefined);
      // 5. in-band stream errors and malformed bodies on the backup
      mock.setMode('stream_error', 'anthropic');
      await attempt(() => drain(llm.stream(request(), { provider: 'backup' })));
      mock.setMode('malformed', 'anthropic');
      await attempt(() => llm.complete(request(), { provider: 'backup' }));
      mock.setMode('ok', 'anthropic');
      // 6. the reset timeout passes: a malformed probe re-opens, a good one closes
      await new Promise((r) => setTimeout(r, 200));
      mock.setMode('malformed', 'openai');
      await attempt(() => llm.complete(request(), { provider: 'primary' }));
      await new Promise((r) => setTimeout(r, 200));
      mock.setMode('ok', 'openai');
      await attempt(() => llm.complete(request(), { provider: 'primary' }));
      // 7. a corrupt key: the next store operation emits storeError; an abort; a per-request signal
      await client.hset(store.keys('primary').hash, 'state', `garbage`);
      mock.setMode('down', 'openai');
      await attempt(() => llm.complete(request(), { provider: 'primary' }));
      mock.setMode('ok', 'openai');
      await llm.breaker('primary').forceClose();
      const ac = new AbortController();
      mock.setMode('hang', 'openai');
      const hung = attempt(() => llm.complete(request(), { provider: 'primary', signal: ac.signal }));
      await new Promise((r) => setTimeout(r, 30));
      ac.abort(new Error(`aborted by the test`));
      await hung;
      mock.setMode('ok');
      await attempt(() => llm.complete(request()));
      await llm.health();
    } finally {
      restore();
      mock.script(undefined);
      mock.setMode('ok');
    }
    // let the last publishes and MONITOR lines arrive
    await new Promise((r) => setTimeout(r, 100));

    // the run did what it should have: errors of several kinds, events, Redis traffic, spans
    expect(caught.some(isAllProvidersFailedError), 'an exhausted chain').toBe(true);
    const inner = caught.flatMap((e) => (isAllProvidersFailedError(e) ? e.errors : [e]));
    for (const kind of ['auth', 'bad_response', 'overloaded', 'aborted']) {
      expect(inner.some((e) => isProviderError(e) && e.kind === kind), `a ${kind} error; got ${inner.map((e) => (isProviderError(e) ? e.kind : String(e))).join(', ')}`).toBe(true);
    }
    expect(seen.events.some((e) => e.includes("'storeError'") || e.includes('StoreError'))).toBe(true);
    expect(seen.events.some((e) => e.includes('closed') && e.includes('open'))).toBe(true);
    expect(seen.monitor.length).toBeGreaterThan(10);
    expect(seen.published.length).toBeGreaterThan(2);
    expect(spans.getFinishedSpans().length).toBeGreaterThan(5);
    // …and the servers did see the secrets (so their absence below means something)
    expect(mock.lastRequest && JSON.stringify(mock.lastRequest.body)).toContain(PROMPT);
    expect(echoed.some((c) => c.includes(OPENAI_KEY))).toBe(true);
    expect(echoed.some((c) => c.includes(ANTHROPIC_KEY))).toBe(true);
    // the echoed text reached the errors, redacted
    const authMessages = inner.filter((e) => isProviderError(e) && e.kind === 'auth').map((e) => (e as Error).message);
    expect(authMessages.some((m) => m.includes('Incorrect API key provided: ') && m.includes('[REDACTED]')), authMessages.join('\n')).toBe(true);
  }, 20_000);

  it.each([
    ['Redis commands (MONITOR)', () => seen.monitor],
    ['pub/sub messages', () => seen.published],
    ['breaker events', () => seen.events],
    ['errors (JSON, String, stack, inspect)', () => seen.errors],
    ['logs, stdout/stderr and warnings', () => seen.logs],
  ] as const)('nothing in %s', (_what, texts) => {
    for (const text of texts()) for (const needle of NEEDLES) expect(text.includes(needle), `${needle} found in: ${text.slice(0, 2000)}`).toBe(false);
  });

  it('nothing in the keys and values left in Redis (SCAN + type-aware reads + DUMP)', async () => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const type = await client.type(key);
      let content: unknown;
      if (type === 'string') content = await client.get(key);
      else if (type === 'hash') content = await client.hgetall(key);
      else if (type === 'zset') content = await client.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'list') content = await client.lrange(key, 0, -1);
      else if (type === 'set') content = await client.smembers(key);
      else if (type === 'stream') content = await client.xrange(key, '-', '+');
      else content = `(type ${type})`;
      const dump = (await client.dumpBuffer(key))?.toString('latin1') ?? '';
      for (const needle of NEEDLES) {
        expect(key.includes(needle), `key name ${key}`).toBe(false);
        expect(JSON.stringify(content).includes(needle), `${key}: ${JSON.stringify(content)}`).toBe(false);
        expect(dump.includes(needle), `DUMP of ${key}`).toBe(false);
      }
      // the store writes only its own keys
      expect(key.startsWith(`sec${tag}:{`), key).toBe(true);
    }
  });

  it('nothing in the OpenTelemetry spans (names, attributes, events, status)', () => {
    const all = spans.getFinishedSpans();
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) {
      const text = JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links, resource: s.resource.attributes });
      for (const needle of NEEDLES) expect(text.includes(needle), `span ${s.name}: ${text.slice(0, 1500)}`).toBe(false);
    }
  });
});
