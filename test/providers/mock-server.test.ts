import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import type { ErrorKind } from '../../src/errors/error-kind.js';
import { MOCK_MODES, startMockLLMServer, type MockLLMServer, type MockMode } from '../../src/testing/index.js';
import { HELLO, collect, collectUntilError, ctx, eventually, rejection } from './_helpers.js';

let server: MockLLMServer;
let oai: OpenAI;
let ant: Anthropic;

beforeAll(async () => {
  server = await startMockLLMServer();
  oai = new OpenAI({ apiKey: 'none', baseURL: server.openaiBaseURL, maxRetries: 0 });
  ant = new Anthropic({ apiKey: 'none', baseURL: server.anthropicBaseURL, maxRetries: 0 });
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

const oa = () => openai({ model: 'gpt-4o-mini', baseURL: server.openaiBaseURL });
const an = () => anthropic({ model: 'claude-haiku-4-5', baseURL: server.anthropicBaseURL });

describe('mock LLM server with the real SDKs', () => {
  it('answers OpenAI chat completions like OpenAI (id, model echo, usage, x-request-id)', async () => {
    const { data, response, request_id } = await oai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]?.message.content).toBe('Hello from the mock LLM.');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(request_id).toBe(response.headers.get('x-request-id'));
  });

  it('streams OpenAI chunks ending with finish_reason, a usage chunk and [DONE]', async () => {
    const stream = await oai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(text).toBe('Hello from the mock LLM.');
    expect(finish).toBe('stop');
    expect(usage).toBeGreaterThan(0);
  });

  it('answers Anthropic messages like Anthropic (msg id, model echo, usage, request-id)', async () => {
    const { data, response } = await ant.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.id).toMatch(/^msg_01/);
    expect(data.type).toBe('message');
    expect(data.model).toBe('claude-haiku-4-5');
    expect(data.content).toEqual([{ type: 'text', text: 'Hello from the mock LLM.', citations: null }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toMatch(/^req_011C/);
  });

  it('streams Anthropic events with their real names, accumulated by the SDK helper', async () => {
    const message = await ant.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the mock LLM.' }]);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('serves both adapters, streaming and not, and counts per route', async () => {
    expect((await oa().complete(HELLO, ctx('gpt-4o-mini'))).text).toBe('Hello from the mock LLM.');
    expect((await an().complete(HELLO, ctx('claude-haiku-4-5'))).text).toBe('Hello from the mock LLM.');
    const o = await collect(oa().stream(HELLO, ctx('gpt-4o-mini')));
    const a = await collect(an().stream(HELLO, ctx('claude-haiku-4-5')));
    for (const events of [o, a]) {
      expect(events.filter((e) => e.type === 'text').map((e) => (e.type === 'text' ? e.delta : '')).join('')).toBe('Hello from the mock LLM.');
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop', requestId: expect.stringMatching(/^req_/) });
    }
    expect(server.requests).toBe(4);
    expect(server.requestsByRoute).toEqual({ openai: 2, anthropic: 2 });
    expect(server.lastRequest).toMatchObject({ route: 'anthropic', seq: 2, stream: true, model: 'claude-haiku-4-5' });
    expect(server.activeRequests).toBe(0);
    expect(server.abortedRequests).toBe(0);
  });

  it('answers scripted tool calls in both formats, streaming and not', async () => {
    server.script(() => ({ text: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }));
    for (const adapter of [oa(), an()]) {
      const res = await adapter.complete(HELLO, ctx());
      expect(res.finishReason).toBe('tool_calls');
      expect(res.toolCalls).toEqual([{ id: expect.any(String), name: 'get_weather', arguments: '{"city":"Paris"}' }]);
      const events = await collect(adapter.stream(HELLO, ctx()));
      const args = events.map((e) => (e.type === 'tool_call_delta' ? e.argumentsDelta : '')).join('');
      expect(JSON.parse(args)).toEqual({ city: 'Paris' });
      expect(events.at(-1)).toMatchObject({ finishReason: 'tool_calls' });
    }
  });
});

describe('mock LLM server modes', () => {
  const expected: Record<Exclude<MockMode, 'ok' | 'hang' | 'stall' | 'stream_error' | 'stream_cut'>, { kind: ErrorKind; openai?: number; anthropic?: number }> = {
    down: { kind: 'overloaded', openai: 503, anthropic: 529 },
    error500: { kind: 'server', openai: 500, anthropic: 500 },
    rate_limit: { kind: 'rate_limit', openai: 429, anthropic: 429 },
    auth: { kind: 'auth', openai: 401, anthropic: 401 },
    not_found: { kind: 'not_found', openai: 404, anthropic: 404 },
    context_length: { kind: 'context_length', openai: 400, anthropic: 400 },
    bad_request: { kind: 'invalid_request', openai: 400, anthropic: 400 },
    reset: { kind: 'connection' },
    malformed: { kind: 'bad_response' },
  };

  for (const [mode, want] of Object.entries(expected)) {
    it(`${mode}: both routes, complete and stream`, async () => {
      server.setMode(mode as MockMode);
      for (const [route, adapter] of [['openai', oa()], ['anthropic', an()]] as const) {
        const e = await rejection(adapter.complete(HELLO, ctx()));
        expect(e.kind, `${route} complete`).toBe(want.kind);
        expect(e.status).toBe(want[route]);
        const s = await collectUntilError(adapter.stream(HELLO, ctx()));
        expect(s.error.kind, `${route} stream`).toBe(want.kind);
      }
    });
  }

  it('rate_limit announces retry-after (and retry-after-ms for OpenAI)', async () => {
    const slow = await startMockLLMServer({ mode: 'rate_limit', retryAfterMs: 2500 });
    try {
      const o = await rejection(openai({ model: 'm', baseURL: slow.openaiBaseURL }).complete(HELLO, ctx()));
      const a = await rejection(anthropic({ model: 'm', baseURL: slow.anthropicBaseURL }).complete(HELLO, ctx()));
      expect(o.retryAfterMs).toBe(2500);
      expect(a.retryAfterMs).toBe(3000);
    } finally {
      await slow.close();
    }
  });

  it('stream_error: an in-band error before content (non-streaming requests get "down")', async () => {
    server.setMode('stream_error');
    const o = await collectUntilError(oa().stream(HELLO, ctx()));
    expect(o.events).toEqual([]);
    expect(o.error.kind).toBe('server');
    const a = await collectUntilError(an().stream(HELLO, ctx()));
    expect(a.events).toEqual([]);
    expect(a.error.kind).toBe('overloaded');
    expect((await rejection(an().complete(HELLO, ctx()))).status).toBe(529);
  });

  it('modes are per route', async () => {
    server.setMode('down', 'openai');
    expect(server.getMode('openai')).toBe('down');
    expect(server.getMode('anthropic')).toBe('ok');
    expect((await rejection(oa().complete(HELLO, ctx()))).kind).toBe('overloaded');
    expect((await an().complete(HELLO, ctx())).text).toBe('Hello from the mock LLM.');
  });

  it('hang: never answers; close() frees the request at once', async () => {
    const hanging = await startMockLLMServer({ mode: 'hang' });
    const pending = rejection(openai({ model: 'm', baseURL: hanging.openaiBaseURL }).complete(HELLO, ctx()));
    await eventually(() => hanging.activeRequests === 1);
    const start = Date.now();
    await hanging.close();
    expect((await pending).kind).toBe('connection');
    expect(Date.now() - start).toBeLessThan(1000);
    expect(hanging.abortedRequests).toBe(0);
  });

  it('stall: non-streaming requests get headers and no body until the caller gives up', async () => {
    server.setMode('stall');
    const controller = new AbortController();
    const pending = rejection(an().complete(HELLO, ctx('m', controller.signal)));
    await eventually(() => server.activeRequests === 1);
    controller.abort();
    expect((await pending).kind).toBe('aborted');
  });

  it('rejects unknown modes', () => {
    expect(() => server.setMode('broken' as MockMode)).toThrow(RangeError);
    expect(MOCK_MODES).toContain('stream_cut');
  });
});

describe('mock LLM server scripting', () => {
  it('a script returning a mode, a reply, or nothing (the current mode)', async () => {
    server.script((req) => (req.seq === 1 ? 'down' : req.seq === 2 ? { text: 'second' } : undefined));
    expect((await rejection(oa().complete(HELLO, ctx()))).kind).toBe('overloaded');
    expect((await oa().complete(HELLO, ctx())).text).toBe('second');
    expect((await oa().complete(HELLO, ctx())).text).toBe('Hello from the mock LLM.');
  });

  it('an async script and raw replies (status, headers, body)', async () => {
    server.script(async (req) => ({ status: 418, headers: { 'x-request-id': 'req_teapot' }, body: { error: { message: `no coffee for ${req.model}`, type: 'invalid_request_error' } } }));
    const e = await rejection(oa().complete(HELLO, ctx('espresso')));
    expect(e).toMatchObject({ kind: 'invalid_request', status: 418, requestId: 'req_teapot' });
    expect(e.message).toContain('no coffee for espresso');
  });

  it('raw SSE events', async () => {
    server.script(() => ({
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: 'custom', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Scripted' } } },
        { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 2 } } },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ],
    }));
    expect(await collect(an().stream(HELLO, ctx()))).toEqual([
      { type: 'text', delta: 'Scripted' },
      { type: 'finish', finishReason: 'length', usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, model: 'custom', requestId: expect.stringMatching(/^req_/) },
    ]);
  });

  it('the script sees the parsed request, and the headers the SDK sent', async () => {
    const seen: unknown[] = [];
    server.script((req) => {
      seen.push([req.route, req.model, req.stream, (req.body['messages'] as unknown[]).length, req.headers['authorization']]);
      return undefined;
    });
    await an().complete(HELLO, ctx('claude-x'));
    expect(seen).toEqual([['anthropic', 'claude-x', false, 1, 'Bearer none']]);
  });

  it('a script that throws answers 500', async () => {
    server.script(() => {
      throw new Error('oops');
    });
    expect((await rejection(oa().complete(HELLO, ctx()))).kind).toBe('server');
  });

  it('latency and chunk delays', async () => {
    const slow = await startMockLLMServer({ latencyMs: 30, chunkDelayMs: 5 });
    try {
      const start = Date.now();
      const events = await collect(openai({ model: 'm', baseURL: slow.openaiBaseURL }).stream(HELLO, ctx()));
      expect(Date.now() - start).toBeGreaterThanOrEqual(30);
      expect(events.at(-1)?.type).toBe('finish');
      slow.setLatency(0);
      expect(() => slow.setLatency(-1)).toThrow(RangeError);
    } finally {
      await slow.close();
    }
  });

  it('unknown routes get a 404 and are not counted; bad JSON gets a 400', async () => {
    const res = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    const bad = await fetch(`${server.openaiBaseURL}/chat/completions`, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
    expect(server.requestsByRoute).toEqual({ openai: 1, anthropic: 0 });
  });

  it('reset() restores mode, latency, script and counters', async () => {
    server.setMode('down');
    server.script(() => 'auth');
    await rejection(oa().complete(HELLO, ctx()));
    server.reset();
    expect(server.requests).toBe(0);
    expect(server.getMode('openai')).toBe('ok');
    expect((await oa().complete(HELLO, ctx())).text).toBe('Hello from the mock LLM.');
  });
});
