import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { openai } from '../../providers/openai/index.js';
import { mapFinishReason } from '../../providers/openai/map-finish-reason.js';
import { mapUsage } from '../../providers/openai/map-usage.js';
import { HELLO, ctx, jsonFixture, rejection } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-test-openai-response-0001';
const API = 'https://api.openai.com';

useNock();

const adapter = () => openai({ model: 'gpt-4o-mini', apiKey: KEY });
const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  nock(API).post('/v1/chat/completions').reply(status, body as nock.Body, { 'x-request-id': 'req_8d0c5b1e2f3a4b5c6d7e8f9a0b1c2d3e', ...headers });

describe('openai response mapping', () => {
  it('maps a text completion: text, finish reason, usage, model, requestId, raw', async () => {
    const body = jsonFixture('openai/chat-completion.json');
    reply(200, body);
    const res = await adapter().complete(HELLO, ctx('gpt-4o-mini'));
    expect(res).toEqual({
      text: 'Hello! How can I help you today?',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 19, outputTokens: 10, totalTokens: 29, cachedInputTokens: 0, reasoningTokens: 0 },
      model: 'gpt-4o-mini-2024-07-18',
      requestId: 'req_8d0c5b1e2f3a4b5c6d7e8f9a0b1c2d3e',
      raw: body,
    });
  });

  it('maps tool calls with their raw JSON arguments, cached and reasoning tokens', async () => {
    reply(200, jsonFixture('openai/chat-completion-tool-calls.json'));
    const res = await adapter().complete(HELLO, ctx());
    expect(res.text).toBe('');
    expect(res.toolCalls).toEqual([
      { id: 'call_Zx8wVb1nQm2kLp3oRt4sUv5y', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      { id: 'call_Ab9cDe8fGh7iJk6lMn5oPq4r', name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
    ]);
    expect(res.finishReason).toBe('tool_calls');
    expect(res.usage).toEqual({ inputTokens: 2150, outputTokens: 212, totalTokens: 2362, cachedInputTokens: 1920, reasoningTokens: 128 });
    expect(res.model).toBe('o4-mini-2025-04-16');
  });

  it('maps a refusal to its text and finishReason content_filter', async () => {
    reply(200, jsonFixture('openai/chat-completion-refusal.json'));
    const res = await adapter().complete(HELLO, ctx());
    expect(res.text).toBe("I'm sorry, I can't assist with that request.");
    expect(res.finishReason).toBe('content_filter');
    expect(res.usage).toEqual({ inputTokens: 42, outputTokens: 11, totalTokens: 53 });
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['content_filter', 'content_filter'],
    [null, 'other'],
    ['eos_token', 'other'],
  ])('maps finish_reason %j over HTTP to %s', async (reason, expected) => {
    const body = jsonFixture<{ choices: Array<{ finish_reason: unknown }> }>('openai/chat-completion.json');
    body.choices[0]!.finish_reason = reason;
    reply(200, body);
    expect((await adapter().complete(HELLO, ctx())).finishReason).toBe(expected);
  });

  it('maps finish reasons: the documented table', () => {
    expect(mapFinishReason('stop', false)).toBe('stop');
    expect(mapFinishReason('stop', true)).toBe('tool_calls'); // compatible servers that say "stop" with tool calls
    expect(mapFinishReason('stop', false, true)).toBe('content_filter');
    expect(mapFinishReason(undefined, false, true)).toBe('content_filter');
    expect(mapFinishReason('length', true)).toBe('length');
    expect(mapFinishReason('content_filter', false)).toBe('content_filter');
    expect(mapFinishReason(undefined, false)).toBe('other');
  });

  it('maps usage: totals default to the sum, missing usage is zeros named in unreported, details only when reported', () => {
    expect(mapUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, unreported: ['inputTokens', 'outputTokens', 'totalTokens'] });
    expect(mapUsage({ prompt_tokens: 5, completion_tokens: 7 })).toEqual({ inputTokens: 5, outputTokens: 7, totalTokens: 12 });
    expect(mapUsage({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, prompt_tokens_details: { cached_tokens: 3, cache_write_tokens: 2 } })).toEqual({
      inputTokens: 5,
      outputTokens: 7,
      totalTokens: 12,
      cachedInputTokens: 3,
      cacheWriteInputTokens: 2,
    });
  });

  it('falls back to the requested model and accepts array content (some compatible servers)', async () => {
    reply(200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, finish_reason: 'stop' }],
    });
    const res = await adapter().complete(HELLO, ctx('llama3'));
    expect(res.model).toBe('llama3');
    expect(res.text).toBe('ab');
    expect(res.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, unreported: ['inputTokens', 'outputTokens', 'totalTokens'] });
  });

  describe('a 200 with a malformed body is bad_response (retryable)', () => {
    it.each([
      ['truncated JSON', '{"id":"chatcmpl-1","choices":[{"index":0,', { 'content-type': 'application/json' }],
      ['an HTML page', '<html><body>Welcome to nginx!</body></html>', { 'content-type': 'text/html' }],
      ['no choices', { id: 'chatcmpl-1', object: 'chat.completion' }, {}],
      ['empty choices', { id: 'chatcmpl-1', object: 'chat.completion', choices: [] }, {}],
      ['a choice without message', { id: 'chatcmpl-1', choices: [{ index: 0, finish_reason: 'stop' }] }, {}],
      ['an error object with status 200', { error: { message: 'upstream failed', type: 'server_error' } }, {}],
      ['a JSON array', [1, 2, 3], {}],
    ] as const)('%s', async (_name, body, headers) => {
      reply(200, body, headers);
      const err = await rejection(adapter().complete(HELLO, ctx()));
      expect(err.kind).toBe('bad_response');
      expect(err.retryable).toBe(true);
      expect(err.provider).toBe('openai');
    });

    it('keeps the request id when the body parsed but is not a completion', async () => {
      reply(200, { object: 'list', data: [] });
      const err = await rejection(adapter().complete(HELLO, ctx()));
      expect(err.requestId).toBe('req_8d0c5b1e2f3a4b5c6d7e8f9a0b1c2d3e');
    });
  });
});

describe('usage that is not what it seems (issue 11 §2.3, §2.6)', () => {
  it('xAI: completion_tokens without the reasoning (total = prompt + completion + reasoning) is normalised', () => {
    // grok-3-mini: prompt 307, completion 26, reasoning 255, total 588
    const usage = mapUsage({ prompt_tokens: 307, completion_tokens: 26, total_tokens: 588, completion_tokens_details: { reasoning_tokens: 255 } });
    expect(usage).toEqual({ inputTokens: 307, outputTokens: 281, totalTokens: 588, reasoningTokens: 255 });
    expect(usage.totalTokens).toBe(usage.inputTokens + usage.outputTokens);
  });

  it('OpenAI: completion_tokens that include the reasoning are left alone', () => {
    expect(mapUsage({ prompt_tokens: 20, completion_tokens: 300, total_tokens: 320, completion_tokens_details: { reasoning_tokens: 256 } })).toEqual({
      inputTokens: 20,
      outputTokens: 300,
      totalTokens: 320,
      reasoningTokens: 256,
    });
  });

  it('without a total, completion < reasoning also means the reasoning is outside', () => {
    expect(mapUsage({ prompt_tokens: 10, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 40 } })).toEqual({
      inputTokens: 10,
      outputTokens: 45,
      totalTokens: 55,
      reasoningTokens: 40,
    });
  });

  it('a reported 0 is a real 0; a missing count is named in unreported', () => {
    expect(mapUsage({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    expect(mapUsage({ prompt_tokens: 12 })).toEqual({ inputTokens: 12, outputTokens: 0, totalTokens: 12, unreported: ['outputTokens', 'totalTokens'] });
    expect(mapUsage({ prompt_tokens: null, completion_tokens: 3, total_tokens: 9 })).toEqual({ inputTokens: 0, outputTokens: 3, totalTokens: 9, unreported: ['inputTokens'] });
  });
});
