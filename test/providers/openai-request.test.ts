import nock from 'nock';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { openai } from '../../providers/openai/index.js';
import type { CompletionRequest } from '../../src/types.js';
import { collect, ctx, fixture, jsonFixture, rejection } from './_helpers.js';
import { useNock } from './_nock.js';

const KEY = 'sk-test-openai-request-0001';
const API = 'https://api.openai.com';

useNock();

/** Sends `request` and returns the JSON body the SDK put on the wire. */
async function sentBody(request: CompletionRequest, options: Partial<Parameters<typeof openai>[0]> = {}, model = 'gpt-4o-mini'): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> | undefined;
  const base = options.baseURL ?? `${API}/v1`;
  const url = new URL(base);
  nock(url.origin)
    .post(`${url.pathname.replace(/\/$/, '')}/chat/completions`, (b: Record<string, unknown>) => {
      body = b;
      return true;
    })
    .reply(200, jsonFixture('openai/chat-completion.json'));
  const adapter = openai({ model: 'default-model', apiKey: KEY, ...options });
  await adapter.complete(request, ctx(model));
  expect(body).toBeDefined();
  return body!;
}

describe('openai request mapping', () => {
  it('sends the model from ctx, system prompts in place, and every turn', async () => {
    const body = await sentBody(
      {
        system: 'You are terse.',
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Salut.' },
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'How are you?' },
        ],
      },
      {},
      'gpt-4o-2024-08-06',
    );
    expect(body).toEqual({
      model: 'gpt-4o-2024-08-06',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Salut.' },
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'How are you?' },
      ],
    });
  });

  it('maps user content parts: text, image URL, base64 image, data URL', async () => {
    const body = await sentBody({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image', url: 'https://example.com/cat.png' },
            { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
            { type: 'image', data: '/9j/4AAQ', mediaType: 'image/jpeg' },
            { type: 'image', url: 'data:image/webp;base64,UklGRg==' },
          ],
        },
      ],
    });
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these images?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } },
        ],
      },
    ]);
  });

  it('rejects an image part with neither url nor data as invalid_request, before any HTTP call', async () => {
    const adapter = openai({ model: 'gpt-4o-mini', apiKey: KEY });
    const err = await rejection(adapter.complete({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }, ctx()));
    expect(err.kind).toBe('invalid_request');
    expect(err.provider).toBe('openai');
  });

  it('maps tool definitions, assistant tool calls and tool results', async () => {
    const body = await sentBody({
      tools: [
        { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'get_time' },
      ],
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'call_2', name: 'get_time', arguments: '{}' },
          ],
        },
        { role: 'tool', toolCallId: 'call_1', content: '{"temp":21}' },
        { role: 'tool', toolCallId: 'call_2', content: 'clock unavailable', isError: true },
        { role: 'assistant', content: 'Checking again.', toolCalls: [{ id: 'call_3', name: 'get_time', arguments: '{}' }] },
      ],
    });
    expect(body['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(body).not.toHaveProperty('tool_choice');
    expect(body['messages']).toEqual([
      { role: 'user', content: 'Weather and time in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      { role: 'tool', tool_call_id: 'call_2', content: 'clock unavailable' },
      {
        role: 'assistant',
        content: 'Checking again.',
        tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
      },
    ]);
  });

  it.each([
    ['auto', 'auto'],
    ['none', 'none'],
    ['required', 'required'],
    [{ name: 'get_time' }, { type: 'function', function: { name: 'get_time' } }],
  ] as const)('maps toolChoice %j', async (toolChoice, expected) => {
    const body = await sentBody({ ...{ messages: [{ role: 'user', content: 'x' }] }, tools: [{ name: 'get_time' }], toolChoice });
    expect(body['tool_choice']).toEqual(expected);
  });

  it('does not send tool_choice without tools (OpenAI rejects it)', async () => {
    const body = await sentBody({ messages: [{ role: 'user', content: 'x' }], toolChoice: 'required' });
    expect(body).not.toHaveProperty('tool_choice');
    expect(body).not.toHaveProperty('tools');
  });

  it('maps responseFormat json, json_schema and text', async () => {
    const json = await sentBody({ messages: [{ role: 'user', content: 'JSON please' }], responseFormat: { type: 'json' } });
    expect(json['response_format']).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
    const withSchema = await sentBody({
      messages: [{ role: 'user', content: '2+2?' }],
      responseFormat: { type: 'json_schema', schema, name: 'math_answer', description: 'The answer', strict: true },
    });
    expect(withSchema['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'math_answer', schema, description: 'The answer', strict: true },
    });
    const unnamed = await sentBody({ messages: [{ role: 'user', content: '2+2?' }], responseFormat: { type: 'json_schema', schema } });
    expect(unnamed['response_format']).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema } });
    const text = await sentBody({ messages: [{ role: 'user', content: 'x' }], responseFormat: { type: 'text' } });
    expect(text).not.toHaveProperty('response_format');
  });

  it('maps temperature, topP, stop; maxTokens as max_completion_tokens on api.openai.com', async () => {
    const body = await sentBody({ messages: [{ role: 'user', content: 'x' }], temperature: 0.2, topP: 0.9, maxTokens: 256, stop: ['\n\n', 'END'] });
    expect(body).toMatchObject({ temperature: 0.2, top_p: 0.9, max_completion_tokens: 256, stop: ['\n\n', 'END'] });
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('sends maxTokens as max_tokens to an OpenAI-compatible baseURL, or as configured', async () => {
    const compat = await sentBody({ messages: [{ role: 'user', content: 'x' }], maxTokens: 64 }, { baseURL: 'http://llm.internal:11434/v1' });
    expect(compat['max_tokens']).toBe(64);
    expect(compat).not.toHaveProperty('max_completion_tokens');
    const forced = await sentBody({ messages: [{ role: 'user', content: 'x' }], maxTokens: 64 }, { maxTokensParam: 'max_tokens' });
    expect(forced['max_tokens']).toBe(64);
    const official = await sentBody({ messages: [{ role: 'user', content: 'x' }], maxTokens: 64 }, { baseURL: 'https://api.openai.com/v1' });
    expect(official['max_completion_tokens']).toBe(64);
  });

  it('omits every unset optional field', async () => {
    const body = await sentBody({ messages: [{ role: 'user', content: 'x' }], stop: [] });
    expect(Object.keys(body).sort()).toEqual(['messages', 'model']);
  });

  it('streams with stream: true and stream_options.include_usage', async () => {
    let body: Record<string, unknown> | undefined;
    nock(API)
      .post('/v1/chat/completions', (b: Record<string, unknown>) => {
        body = b;
        return true;
      })
      .reply(200, fixture('openai/stream-text.sse'), { 'content-type': 'text/event-stream' });
    await collect(openai({ model: 'gpt-4o-mini', apiKey: KEY }).stream({ messages: [{ role: 'user', content: 'x' }], maxTokens: 10 }, ctx('gpt-4o-mini')));
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      max_completion_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('sends the key, organization, project and default headers', async () => {
    const scope = nock(API)
      .post('/v1/chat/completions')
      .matchHeader('authorization', `Bearer ${KEY}`)
      .matchHeader('openai-organization', 'org-123')
      .matchHeader('openai-project', 'proj_456')
      .matchHeader('x-team', 'search')
      .reply(200, jsonFixture('openai/chat-completion.json'));
    const adapter = openai({ model: 'gpt-4o-mini', apiKey: KEY, organization: 'org-123', project: 'proj_456', defaultHeaders: { 'x-team': 'search' } });
    await adapter.complete({ messages: [{ role: 'user', content: 'x' }] }, ctx());
    expect(scope.isDone()).toBe(true);
  });

  it('never lets the SDK retry, even with a caller client built with maxRetries > 0', async () => {
    const scope = nock(API).post('/v1/chat/completions').once().reply(500, jsonFixture('openai/errors/server-500.json'));
    const client = new OpenAI({ apiKey: KEY, maxRetries: 5 });
    const err = await rejection(openai({ model: 'gpt-4o-mini', client }).complete({ messages: [{ role: 'user', content: 'x' }] }, ctx()));
    expect(err.kind).toBe('server');
    expect(err.status).toBe(500);
    expect(scope.isDone()).toBe(true);
  });
});
