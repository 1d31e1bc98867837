import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { openai } from '../../providers/openai/index.js';
import { HELLO, collect, collectUntilError, ctx, fixture } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-test-openai-stream-0001';
const API = 'https://api.openai.com';
const REQUEST_ID = 'req_3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f';

useNock();

const sse = (name: string) =>
  nock(API)
    .post('/v1/chat/completions')
    .reply(200, fixture(`openai/${name}`), { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': REQUEST_ID });
const stream = (model = 'gpt-4o-mini') => openai({ model, apiKey: KEY }).stream(HELLO, ctx(model));

describe('openai streaming', () => {
  it('parses a full text stream: deltas, then one finish with usage, model and requestId', async () => {
    sse('stream-text.sse');
    const events = await collect(stream());
    expect(events).toEqual([
      ...['Hello', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?'].map((delta) => ({ type: 'text', delta })),
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 19, outputTokens: 10, totalTokens: 29, cachedInputTokens: 0, reasoningTokens: 0 },
        model: 'gpt-4o-mini-2024-07-18',
        requestId: REQUEST_ID,
      },
    ]);
  });

  it('streams parallel tool calls, carrying id and name to every fragment of an index', async () => {
    sse('stream-tool-calls.sse');
    const events = await collect(stream());
    const weather = { type: 'tool_call_delta', index: 0, id: 'call_Zx8wVb1nQm2kLp3oRt4sUv5y', name: 'get_weather' };
    const time = { type: 'tool_call_delta', index: 1, id: 'call_Ab9cDe8fGh7iJk6lMn5oPq4r', name: 'get_time' };
    expect(events).toEqual([
      { ...weather, argumentsDelta: '' },
      { ...weather, argumentsDelta: '{"ci' },
      { ...weather, argumentsDelta: 'ty": "Pa' },
      { ...weather, argumentsDelta: 'ris"}' },
      { ...time, argumentsDelta: '' },
      { ...time, argumentsDelta: '{"timezone"' },
      { ...time, argumentsDelta: ': "Europe/Paris"}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 88, outputTokens: 45, totalTokens: 133, cachedInputTokens: 64, reasoningTokens: 0 },
        model: 'gpt-4o-mini-2024-07-18',
        requestId: REQUEST_ID,
      },
    ]);
    const args = events.filter((e) => e.type === 'tool_call_delta' && e.index === 0).map((e) => (e.type === 'tool_call_delta' ? e.argumentsDelta : '')).join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
  });

  it('accepts a compatible server stream without a usage chunk (zeros, named unreported) and maps its finish reason', async () => {
    sse('stream-ollama-length.sse');
    const events = await collect(stream('llama3.2'));
    expect(events.filter((e) => e.type === 'text').map((e) => (e.type === 'text' ? e.delta : '')).join('')).toBe('The answer is');
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, unreported: ['inputTokens', 'outputTokens', 'totalTokens'] },
      model: 'llama3.2',
      requestId: REQUEST_ID,
    });
  });

  it('throws the mapped error for an in-band error before any content', async () => {
    sse('stream-error-before-content.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([]);
    expect(error).toMatchObject({ kind: 'server', retryable: true, provider: 'openai', providerCode: 'server_error', requestId: REQUEST_ID });
    expect(error.status).toBeUndefined();
  });

  it('throws the mapped error for an in-band error after content (the partial output was yielded)', async () => {
    sse('stream-error-after-content.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([
      { type: 'text', delta: 'Hello' },
      { type: 'text', delta: ' there' },
    ]);
    expect(error).toMatchObject({ kind: 'rate_limit', providerCode: 'rate_limit_exceeded', requestId: REQUEST_ID });
  });

  it('fails a stream cut before its finish_reason with connection "stream ended before completion"', async () => {
    sse('stream-cut.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([
      { type: 'text', delta: 'Hello' },
      { type: 'text', delta: ' wor' },
    ]);
    expect(error.kind).toBe('connection');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('stream ended before completion');
    expect(error.requestId).toBe(REQUEST_ID);
  });

  it('fails an empty 200 stream with connection', async () => {
    nock(API).post('/v1/chat/completions').reply(200, '', { 'content-type': 'text/event-stream' });
    expect((await collectUntilError(stream())).error.kind).toBe('connection');
  });

  it('fails a malformed chunk with bad_response', async () => {
    sse('stream-malformed.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([{ type: 'text', delta: 'Hello' }]);
    expect(error.kind).toBe('bad_response');
    expect(error.retryable).toBe(true);
    expect(error.requestId).toBe(REQUEST_ID);
  });
});
