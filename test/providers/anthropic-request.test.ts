import Anthropic from '@anthropic-ai/sdk';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { JSON_INSTRUCTION } from '../../providers/anthropic/convert-request.js';
import type { CompletionRequest } from '../../src/types.js';
import { collect, ctx, fixture, jsonFixture, rejection } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-ant-test-request-0001';
const API = 'https://api.anthropic.com';

useNock();

async function sentBody(
  request: CompletionRequest,
  options: Partial<Parameters<typeof anthropic>[0]> = {},
  model = 'claude-haiku-4-5',
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> | undefined;
  nock(API)
    .post('/v1/messages', (b: Record<string, unknown>) => {
      body = b;
      return true;
    })
    .reply(200, jsonFixture('anthropic/message.json'));
  await anthropic({ model: 'default-model', apiKey: KEY, ...options }).complete(request, ctx(model));
  expect(body).toBeDefined();
  return body!;
}

const user = (content: string) => ({ role: 'user' as const, content });

describe('anthropic request mapping', () => {
  it('sends the model from ctx, max_tokens (default 4096), a top-level system and the turns', async () => {
    const body = await sentBody(
      {
        system: 'You are terse.',
        messages: [{ role: 'system', content: 'Answer in French.' }, user('Hi'), { role: 'assistant', content: 'Salut.' }, { role: 'system', content: 'Be kind.' }, user('Ça va ?')],
      },
      {},
      'claude-sonnet-4-6',
    );
    expect(body).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      system: 'You are terse.\n\nAnswer in French.\n\nBe kind.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Salut.' },
        { role: 'user', content: 'Ça va ?' },
      ],
    });
  });

  it('uses request.maxTokens, else defaultMaxTokens', async () => {
    expect((await sentBody({ messages: [user('x')], maxTokens: 300 }))['max_tokens']).toBe(300);
    expect((await sentBody({ messages: [user('x')] }, { defaultMaxTokens: 1024 }))['max_tokens']).toBe(1024);
  });

  it('maps user content parts: text, image URL, base64 image, data URL', async () => {
    const body = await sentBody({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', url: 'https://example.com/cat.png' },
            { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
            { type: 'image', url: 'data:image/jpeg;base64,/9j/4AAQ' },
          ],
        },
      ],
    });
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
        ],
      },
    ]);
  });

  it('maps tools, tool_use in assistant turns, and merges consecutive tool results (and a following user text) into one user turn', async () => {
    const body = await sentBody({
      tools: [
        { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'get_time' },
      ],
      messages: [
        user('Weather and time in Paris?'),
        {
          role: 'assistant',
          content: 'Let me check.',
          toolCalls: [
            { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'toolu_2', name: 'get_time', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: '{"temp":21}' },
        { role: 'tool', toolCallId: 'toolu_2', content: 'clock unavailable', isError: true },
        user('Also, is it sunny?'),
        { role: 'assistant', toolCalls: [{ id: 'toolu_3', name: 'get_weather', arguments: 'not json' }] },
        { role: 'tool', toolCallId: 'toolu_3', content: 'sunny' },
      ],
    });
    expect(body['tools']).toEqual([
      { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body['messages']).toEqual([
      { role: 'user', content: 'Weather and time in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temp":21}' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'clock unavailable', is_error: true },
          { type: 'text', text: 'Also, is it sunny?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3', content: 'sunny' }] },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ name: 'get_time' }, { type: 'tool', name: 'get_time' }],
  ] as const)('maps toolChoice %j', async (toolChoice, expected) => {
    const body = await sentBody({ messages: [user('x')], tools: [{ name: 'get_time' }], toolChoice });
    expect(body['tool_choice']).toEqual(expected);
  });

  it('does not send tool_choice without tools', async () => {
    const body = await sentBody({ messages: [user('x')], toolChoice: 'required' });
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('json: a system instruction (after the system prompt); json_schema: native output_config.format', async () => {
    const json = await sentBody({ system: 'Be brief.', messages: [user('List 3 colours')], responseFormat: { type: 'json' } });
    expect(json['system']).toBe(`Be brief.\n\n${JSON_INSTRUCTION}`);
    expect(json).not.toHaveProperty('output_config');
    const bare = await sentBody({ messages: [user('x')], responseFormat: { type: 'json' } });
    expect(bare['system']).toBe(JSON_INSTRUCTION);
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
    const structured = await sentBody({ messages: [user('2+2?')], responseFormat: { type: 'json_schema', schema, name: 'math' } });
    expect(structured['output_config']).toEqual({ format: { type: 'json_schema', schema } });
    expect(structured).not.toHaveProperty('system');
    const text = await sentBody({ messages: [user('x')], responseFormat: { type: 'text' } });
    expect(text).not.toHaveProperty('output_config');
    expect(text).not.toHaveProperty('system');
  });

  it('maps stop to stop_sequences; drops temperature and topP (rejected by API 2026-10-21)', async () => {
    const body = await sentBody({ messages: [user('x')], stop: ['END'], temperature: 0.2, topP: 0.9 });
    expect(body['stop_sequences']).toEqual(['END']);
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_p');
  });

  it('sends temperature and top_p with samplingParams: true (for a pinned anthropic-version 2023-06-01)', async () => {
    const body = await sentBody(
      { messages: [user('x')], temperature: 0.2, topP: 0.9 },
      { samplingParams: true, defaultHeaders: { 'anthropic-version': '2023-06-01' } },
    );
    expect(body).toMatchObject({ temperature: 0.2, top_p: 0.9 });
  });

  it('omits every unset optional field', async () => {
    const body = await sentBody({ messages: [user('x')], stop: [] });
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  it('streams with stream: true', async () => {
    let body: Record<string, unknown> | undefined;
    nock(API)
      .post('/v1/messages', (b: Record<string, unknown>) => {
        body = b;
        return true;
      })
      .reply(200, fixture('anthropic/stream-text.sse'), { 'content-type': 'text/event-stream' });
    await collect(anthropic({ model: 'claude-haiku-4-5', apiKey: KEY }).stream({ messages: [user('x')] }, ctx('claude-haiku-4-5')));
    expect(body).toEqual({ model: 'claude-haiku-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'x' }], stream: true });
  });

  it('sends the key as a bearer token with the API version header and default headers', async () => {
    const scope = nock(API)
      .post('/v1/messages')
      .matchHeader('authorization', `Bearer ${KEY}`)
      .matchHeader('anthropic-version', /^\d{4}-\d{2}-\d{2}$/)
      .matchHeader('x-team', 'agents')
      .reply(200, jsonFixture('anthropic/message.json'));
    await anthropic({ model: 'claude-haiku-4-5', apiKey: KEY, defaultHeaders: { 'x-team': 'agents' } }).complete({ messages: [user('x')] }, ctx());
    expect(scope.isDone()).toBe(true);
  });

  it('never lets the SDK retry, even with a caller client built with maxRetries > 0', async () => {
    const scope = nock(API).post('/v1/messages').once().reply(529, jsonFixture('anthropic/errors/overloaded-529.json'));
    const client = new Anthropic({ apiKey: KEY, maxRetries: 5 });
    const e = await rejection(anthropic({ model: 'claude-haiku-4-5', client }).complete({ messages: [user('x')] }, ctx()));
    expect(e.kind).toBe('overloaded');
    expect(scope.isDone()).toBe(true);
  });

  it('rejects an image part with neither url nor data as invalid_request, before any HTTP call', async () => {
    const e = await rejection(anthropic({ model: 'm', apiKey: KEY }).complete({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }, ctx()));
    expect(e.kind).toBe('invalid_request');
  });
});
