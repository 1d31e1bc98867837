import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { HELLO, collect, collectUntilError, ctx, fixture } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-ant-test-stream-0001';
const API = 'https://api.anthropic.com';
const REQUEST_ID = 'req_011CStReAm0000000000000';

useNock();

const sse = (name: string) =>
  nock(API)
    .post('/v1/messages')
    .reply(200, fixture(`anthropic/${name}`), { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': REQUEST_ID });
const stream = () => anthropic({ model: 'claude-haiku-4-5', apiKey: KEY }).stream(HELLO, ctx('claude-haiku-4-5'));

describe('anthropic streaming', () => {
  it('parses a full text stream (ping ignored): deltas, then finish with usage, model, requestId', async () => {
    sse('stream-text.sse');
    expect(await collect(stream())).toEqual([
      ...['Hello', '! How can I', ' help you', ' today?'].map((delta) => ({ type: 'text', delta })),
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 12, outputTokens: 11, totalTokens: 23, cachedInputTokens: 0, cacheWriteInputTokens: 0 },
        model: 'claude-haiku-4-5-20251001',
        requestId: REQUEST_ID,
      },
    ]);
  });

  it('streams tool_use blocks as tool calls indexed by call (not by content block), skipping thinking', async () => {
    sse('stream-tool-use.sse');
    const events = await collect(stream());
    const weather = { type: 'tool_call_delta', index: 0, id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather' };
    const time = { type: 'tool_call_delta', index: 1, id: 'toolu_01B18r81rx81mr826724mr8', name: 'get_time' };
    expect(events).toEqual([
      { type: 'text', delta: 'Let me check.' },
      { ...weather, argumentsDelta: '' },
      { ...weather, argumentsDelta: '{"ci' },
      { ...weather, argumentsDelta: 'ty": "Pa' },
      { ...weather, argumentsDelta: 'ris"}' },
      { ...time, argumentsDelta: '' },
      { ...time, argumentsDelta: '{"timezone": ' },
      { ...time, argumentsDelta: '"Europe/Paris"}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 472 + 2048 + 1024, outputTokens: 159, totalTokens: 472 + 2048 + 1024 + 159, cachedInputTokens: 2048, cacheWriteInputTokens: 1024, reasoningTokens: 41 },
        model: 'claude-sonnet-4-5-20250929',
        requestId: REQUEST_ID,
      },
    ]);
  });

  it('maps a max_tokens stop to length', async () => {
    sse('stream-max-tokens.sse');
    const events = await collect(stream());
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length', usage: { outputTokens: 4 } });
  });

  it('throws overloaded for an in-band overloaded_error before any content', async () => {
    sse('stream-error-overloaded.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([]);
    expect(error).toMatchObject({ kind: 'overloaded', retryable: true, provider: 'anthropic', providerCode: 'overloaded_error', requestId: REQUEST_ID });
    expect(error.status).toBeUndefined();
  });

  it('throws the mapped error for an in-band error after content (content_filter)', async () => {
    sse('stream-error-after-content.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([{ type: 'text', delta: 'Sure, here' }]);
    expect(error.kind).toBe('content_filter');
    expect(error.retryable).toBe(false);
  });

  it('fails a stream that ends without message_stop with connection "stream ended before completion"', async () => {
    sse('stream-cut.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([{ type: 'text', delta: 'Hello' }]);
    expect(error.kind).toBe('connection');
    expect(error.message).toContain('stream ended before completion');
    expect(error.requestId).toBe(REQUEST_ID);
  });

  it('fails a malformed event with bad_response', async () => {
    sse('stream-malformed.sse');
    const { events, error } = await collectUntilError(stream());
    expect(events).toEqual([{ type: 'text', delta: 'Hello' }]);
    expect(error.kind).toBe('bad_response');
    expect(error.requestId).toBe(REQUEST_ID);
  });
});
