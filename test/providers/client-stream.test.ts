/**
 * llm.stream() end to end through both real SDKs: SSE bodies in the providers' real event formats
 * (test/fixtures) over nock, and a real local HTTP server where a closed connection must be seen.
 */
import { PassThrough } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import type { StreamEvent } from '../../src/types.js';
import { HELLO, fixture } from './_helpers.js';

type Name = 'openai' | 'anthropic';
const HOST = { openai: 'https://api.openai.com', anthropic: 'https://api.anthropic.com' };
const PATH = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };
const SSE = { 'content-type': 'text/event-stream' };
const F = {
  openai: { text: 'openai/stream-text.sse', tools: 'openai/stream-tool-calls.sse', errorBefore: 'openai/stream-error-before-content.sse', cut: 'openai/stream-cut.sse' },
  anthropic: { text: 'anthropic/stream-text.sse', tools: 'anthropic/stream-tool-use.sse', errorBefore: 'anthropic/stream-error-overloaded.sse', cut: 'anthropic/stream-cut.sse' },
};
const other = (n: Name): Name => (n === 'openai' ? 'anthropic' : 'openai');
const route = (n: Name) => nock(HOST[n]).post(PATH[n]);
/** Events up to and including the first one carrying text. */
function untilFirstText(name: Name): string {
  const events = fixture(F[name].text).split('\n\n');
  const i = events.findIndex((e) => (name === 'openai' ? /"content":"[^"]+"/.test(e) : e.includes('text_delta')));
  return `${events.slice(0, i + 1).join('\n\n')}\n\n`;
}

function adapter(name: Name, baseURL?: string) {
  return name === 'openai'
    ? openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-stream-0000000000', ...(baseURL ? { baseURL } : {}) })
    : anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-stream-000000', ...(baseURL ? { baseURL } : {}) });
}

const clients: LLMClient[] = [];
function client(primary: Name, o: Omit<LLMClientOptions, 'providers'> = {}): LLMClient {
  const c = createLLMClient({ providers: [adapter(primary), adapter(other(primary))], telemetry: false, retry: { retries: 0 }, ...o });
  clients.push(c);
  return c;
}
async function drain(s: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const ev of s) events.push(ev);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}
const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === 'text' ? e.delta : '')).join('');

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  nock.cleanAll();
  nock.abortPendingRequests();
});
afterAll(() => nock.enableNetConnect());

for (const primary of ['openai', 'anthropic'] as const) {
  const fb = other(primary);
  describe(`llm.stream() with ${primary} as the primary`, () => {
    it('a full stream with tool-call streaming, usage and a finish event', async () => {
      route(primary).reply(200, fixture(F[primary].tools), SSE);
      const llm = client(primary);
      const s = llm.stream({ ...HELLO, tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] });
      const { events, error } = await drain(s);
      expect(error).toBeUndefined();
      const deltas = events.filter((e) => e.type === 'tool_call_delta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.every((d) => d.type === 'tool_call_delta' && d.id && d.name)).toBe(true);
      const fin = events.at(-1);
      expect(fin?.type).toBe('finish');
      expect(fin).toMatchObject({ finishReason: 'tool_calls', provider: primary });
      if (fin?.type === 'finish') expect(fin.usage.outputTokens).toBeGreaterThan(0);
      const res = await s.toResponse();
      expect(res.toolCalls.length).toBeGreaterThan(0);
      for (const call of res.toolCalls) expect(() => JSON.parse(call.arguments) as unknown).not.toThrow();
      expect((await llm.breaker(primary).snapshot()).failures).toBe(0);
    });

    it('an in-band error before the first token fails over (and counts)', async () => {
      route(primary).reply(200, fixture(F[primary].errorBefore), SSE);
      route(fb).reply(200, fixture(F[fb].text), SSE);
      const llm = client(primary);
      const s = llm.stream(HELLO);
      const { events, error } = await drain(s);
      expect(error).toBeUndefined();
      expect(events.at(-1)).toMatchObject({ type: 'finish', provider: fb });
      expect(textOf(events).length).toBeGreaterThan(0);
      expect(s.attempts[0]).toMatchObject({ provider: primary, outcome: 'error' });
      expect((await llm.breaker(primary).snapshot()).failures).toBe(1);
    });

    it('a cut after the first token: ProviderError, partial text kept, no failover', async () => {
      route(primary).reply(200, fixture(F[primary].cut), SSE);
      const fallback = route(fb).reply(200, fixture(F[fb].text), SSE);
      const llm = client(primary, { retry: { retries: 2, minDelayMs: 1 } });
      const s = llm.stream(HELLO);
      const { events, error } = await drain(s);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).kind).toBe('connection');
      expect(textOf(events).length).toBeGreaterThan(0);
      expect(s.partial.text).toBe(textOf(events));
      expect(fallback.isDone()).toBe(false);
      expect((await llm.breaker(primary).snapshot()).failures).toBe(1);
    });

    it('a stall before the first token fails over after the time-to-first-token timeout', async () => {
      const body = new PassThrough();
      route(primary).reply(200, () => body, SSE); // headers, then nothing
      route(fb).reply(200, fixture(F[fb].text), SSE);
      const llm = client(primary, { timeoutMs: 120 });
      const t0 = performance.now();
      const s = llm.stream(HELLO);
      const { events, error } = await drain(s);
      expect(error).toBeUndefined();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
      expect(events.at(-1)).toMatchObject({ type: 'finish', provider: fb });
      expect(s.attempts[0]).toMatchObject({ provider: primary, errorKind: 'timeout' });
      body.destroy();
    });

    it('a stall mid-stream ends it with a timeout after idleTimeoutMs', async () => {
      const body = new PassThrough();
      route(primary).reply(
        200,
        () => {
          body.write(untilFirstText(primary));
          return body;
        },
        SSE,
      );
      const fallback = route(fb).reply(200, fixture(F[fb].text), SSE);
      const llm = client(primary, { idleTimeoutMs: 100 });
      const t0 = performance.now();
      const s = llm.stream(HELLO);
      const { events, error } = await drain(s);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
      expect((error as ProviderError).kind).toBe('timeout');
      expect(textOf(events).length).toBeGreaterThan(0);
      expect(s.partial.text).toBe(textOf(events));
      expect(fallback.isDone()).toBe(false);
      body.destroy();
    });

    it('the caller aborts mid-stream: aborted, not counted, no failover', async () => {
      const body = new PassThrough();
      route(primary).reply(200, () => {
        body.write(untilFirstText(primary));
        return body;
      }, SSE);
      const llm = client(primary);
      const ac = new AbortController();
      const s = llm.stream(HELLO, { signal: ac.signal });
      const { error } = await drain(
        (async function* () {
          for await (const ev of s) {
            yield ev;
            if (ev.type === 'text') ac.abort();
          }
        })(),
      );
      expect((error as ProviderError).kind).toBe('aborted');
      expect((await llm.breaker(primary).snapshot()).failures).toBe(0);
      body.destroy();
    });

    it('an open circuit sends the stream straight to the fallback', async () => {
      const primaryScope = route(primary).reply(200, fixture(F[primary].text), SSE);
      route(fb).reply(200, fixture(F[fb].text), SSE);
      const llm = client(primary);
      await llm.breaker(primary).forceOpen();
      const s = llm.stream(HELLO);
      const { events } = await drain(s);
      expect(events.at(-1)).toMatchObject({ type: 'finish', provider: fb });
      expect(primaryScope.isDone()).toBe(false);
      expect(s.attempts[0]).toMatchObject({ provider: primary, outcome: 'circuit_open' });
    });

    it('a streamed first chunk then malformed SSE is bad_response after the first token', async () => {
      route(primary).reply(200, untilFirstText(primary) + 'data: {"broken json\n\n', SSE);
      const llm = client(primary);
      const { error } = await drain(llm.stream(HELLO));
      expect(error).toBeInstanceOf(ProviderError);
      expect(['bad_response', 'connection']).toContain((error as ProviderError).kind);
    });
  });
}
