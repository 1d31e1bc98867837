import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { mapStopReason } from '../../providers/anthropic/map-stop-reason.js';
import { mapUsage } from '../../providers/anthropic/map-usage.js';
import { HELLO, ctx, jsonFixture, rejection } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-ant-test-response-0001';
const API = 'https://api.anthropic.com';
const REQUEST_ID = 'req_011CSHoEeqs5C35K2UUqR7Fy';

useNock();

const adapter = () => anthropic({ model: 'claude-haiku-4-5', apiKey: KEY });
const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  nock(API).post('/v1/messages').reply(status, body as nock.Body, { 'request-id': REQUEST_ID, ...headers });

describe('anthropic response mapping', () => {
  it('joins text blocks; maps stop reason, usage, model, requestId, raw', async () => {
    const body = jsonFixture('anthropic/message.json');
    reply(200, body);
    expect(await adapter().complete(HELLO, ctx())).toEqual({
      text: 'Hello! How can I help you today?',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 11, totalTokens: 23, cachedInputTokens: 0, cacheWriteInputTokens: 0 },
      model: 'claude-haiku-4-5-20251001',
      requestId: REQUEST_ID,
      raw: body,
    });
  });

  it('maps tool_use blocks (input serialised), skips thinking, counts cache reads and writes into inputTokens', async () => {
    reply(200, jsonFixture('anthropic/message-tool-use.json'));
    const res = await adapter().complete(HELLO, ctx());
    expect(res.text).toBe("I'll check the weather in Paris for you.");
    expect(res.toolCalls).toEqual([
      { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      { id: 'toolu_01B18r81rx81mr826724mr8', name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
    ]);
    expect(res.finishReason).toBe('tool_calls');
    expect(res.usage).toEqual({
      inputTokens: 472 + 2048 + 1024,
      outputTokens: 159,
      totalTokens: 472 + 2048 + 1024 + 159,
      cachedInputTokens: 2048,
      cacheWriteInputTokens: 1024,
      reasoningTokens: 41,
    });
  });

  it('maps a refusal to finishReason content_filter, keeping the partial text', async () => {
    reply(200, jsonFixture('anthropic/message-refusal.json'));
    const res = await adapter().complete(HELLO, ctx());
    expect(res.finishReason).toBe('content_filter');
    expect(res.text).toBe("I can't help with");
    expect(res.usage).toEqual({ inputTokens: 31, outputTokens: 5, totalTokens: 36 });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
    [null, 'other'],
    ['some_future_reason', 'other'],
  ])('maps stop_reason %j over HTTP to %s', async (reason, expected) => {
    const body = jsonFixture('anthropic/message.json');
    body['stop_reason'] = reason;
    reply(200, body);
    expect((await adapter().complete(HELLO, ctx())).finishReason).toBe(expected);
    expect(mapStopReason(reason)).toBe(expected);
  });

  it('maps usage: nulls are not reports, missing usage is zeros named in unreported', () => {
    expect(mapUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, unreported: ['inputTokens', 'outputTokens', 'totalTokens'] });
    expect(mapUsage({ input_tokens: 3, output_tokens: 4, cache_read_input_tokens: null, cache_creation_input_tokens: null })).toEqual({
      inputTokens: 3,
      outputTokens: 4,
      totalTokens: 7,
    });
  });

  it('maps usage: a message without output_tokens names it unreported; a reported 0 is a real 0', () => {
    expect(mapUsage({ input_tokens: 5, cache_read_input_tokens: 100 })).toEqual({
      inputTokens: 105,
      outputTokens: 0,
      totalTokens: 105,
      cachedInputTokens: 100,
      unreported: ['outputTokens', 'totalTokens'],
    });
    expect(mapUsage({ input_tokens: 0, output_tokens: 0 })).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
  });

  describe('a 200 with a malformed body is bad_response (retryable)', () => {
    it.each([
      ['truncated JSON', '{"id":"msg_1","type":"message","content":[{"type":"te', { 'content-type': 'application/json' }],
      ['an HTML page', '<html><body>502 Bad Gateway</body></html>', { 'content-type': 'text/html' }],
      ['no content', { id: 'msg_1', type: 'message', role: 'assistant', stop_reason: 'end_turn' }, {}],
      ['content not an array', { id: 'msg_1', type: 'message', content: 'hello' }, {}],
      ['null', 'null', { 'content-type': 'application/json' }],
    ] as const)('%s', async (_name, body, headers) => {
      reply(200, body, headers);
      const e = await rejection(adapter().complete(HELLO, ctx()));
      expect(e.kind).toBe('bad_response');
      expect(e.retryable).toBe(true);
      expect(e.provider).toBe('anthropic');
    });
  });
});
