/**
 * A malformed request never reaches a breaker (issue 10 §4, issue 11 §4): validateRequest checks
 * everything the adapters read and names the field; through the client, with the real OpenAI and
 * Anthropic SDKs against the local mock server, such a request sends nothing, counts nothing,
 * retries nothing and does not fail over. An error an adapter throws while building the body (before
 * anything is sent) is a ConfigError, never a provider failure.
 */
import { describe, expect, it } from 'vitest';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import { ConfigError, isConfigError } from '../../src/errors/config-error.js';
import type { ProviderAdapter } from '../../src/provider.js';
import type { CompletionRequest } from '../../src/types.js';
import { validateRequest } from '../../src/validate-request.js';
import { useMockLLM } from '../helpers/mock-llm.js';
import { scripted } from '../helpers/scripted-adapter.js';

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
const assistant = (extra: Record<string, unknown>) => ({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '', ...extra }] });

/** [label, request, the field the ConfigError must name, a fragment of its message] */
const BAD: Array<[string, unknown, string, string?]> = [
  ['misspelt part type', user([{ type: 'txt', text: 'hi' }]), 'request.messages[0].content[0].type', "must be 'text' or 'image'"],
  ['null part', user([null]), 'request.messages[0].content[0]'],
  ['number part', user([42]), 'request.messages[0].content[0]'],
  ['text part without text', user([{ type: 'text' }]), 'request.messages[0].content[0].text'],
  ['image part with neither url nor data', user([{ type: 'image' }]), 'request.messages[0].content[0]', 'needs `url` or `data`'],
  ['image url not a string', user([{ type: 'image', url: 5 }]), 'request.messages[0].content[0].url'],
  ['toolCalls a string', assistant({ toolCalls: 'abc' }), 'request.messages[1].toolCalls'],
  ['tool call null', assistant({ toolCalls: [null] }), 'request.messages[1].toolCalls[0]'],
  ['tool call without id', assistant({ toolCalls: [{ name: 'f', arguments: '{}' }] }), 'request.messages[1].toolCalls[0].id'],
  ['tool call without name', assistant({ toolCalls: [{ id: 'c1', arguments: '{}' }] }), 'request.messages[1].toolCalls[0].name'],
  ['tool call arguments an object', assistant({ toolCalls: [{ id: 'c1', name: 'f', arguments: { a: 1 } }] }), 'request.messages[1].toolCalls[0].arguments'],
  ['tool message isError not a boolean', { messages: [{ role: 'tool', toolCallId: 'c1', content: 'x', isError: 'yes' }] }, 'request.messages[0].isError'],
  ['responseFormat null', { ...user('hi'), responseFormat: null }, 'request.responseFormat'],
  ['responseFormat unknown type', { ...user('hi'), responseFormat: { type: 'xml' } }, 'request.responseFormat.type'],
  ['json_schema without schema', { ...user('hi'), responseFormat: { type: 'json_schema' } }, 'request.responseFormat.schema'],
  ['json_schema schema a string', { ...user('hi'), responseFormat: { type: 'json_schema', schema: '{}' } }, 'request.responseFormat.schema'],
  ['json_schema bad name', { ...user('hi'), responseFormat: { type: 'json_schema', schema: {}, name: 'a b' } }, 'request.responseFormat.name'],
  ['model a number', { ...user('hi'), model: 5 }, 'request.model'],
  ['model empty', { ...user('hi'), model: '' }, 'request.model'],
  ['tool parameters a string', { ...user('hi'), tools: [{ name: 'f', parameters: 'x' }] }, 'request.tools[0].parameters'],
  ['tool null', { ...user('hi'), tools: [null] }, 'request.tools[0]'],
  ['toolChoice name a number', { ...user('hi'), tools: [{ name: 'f' }], toolChoice: { name: 5 } }, 'request.toolChoice.name'],
  ['toolChoice unknown string', { ...user('hi'), toolChoice: 'any' }, 'request.toolChoice'],
  ['stop holding a number', { ...user('hi'), stop: ['x', 1] }, 'request.stop[1]'],
  ['max_tokens', { ...user('hi'), max_tokens: 10 }, 'request.max_tokens', 'did you mean maxTokens?'],
  ['top_p', { ...user('hi'), top_p: 0.5 }, 'request.top_p', 'did you mean topP?'],
  ['stop_sequences', { ...user('hi'), stop_sequences: ['x'] }, 'request.stop_sequences', 'did you mean stop?'],
  ['temprature', { ...user('hi'), temprature: 0.5 }, 'request.temprature', 'did you mean temperature?'],
  ['an unrelated key', { ...user('hi'), frobnicate: 1 }, 'request.frobnicate', 'is not a request field'],
  ['assistant tool_calls (OpenAI spelling)', assistant({ tool_calls: [] }), 'request.messages[1].tool_calls', 'did you mean toolCalls?'],
  ['tool tool_call_id (OpenAI spelling)', { messages: [{ role: 'tool', tool_call_id: 'c1', toolCallId: 'c1', content: 'x' }] }, 'request.messages[0].tool_call_id', 'did you mean toolCallId?'],
];

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(isConfigError(err), `expected a ConfigError, got ${String(err)}`).toBe(true);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('validateRequest', () => {
  it.each(BAD)('%s → ConfigError naming the field', (_label, request, option, fragment) => {
    const err = configErrorOf(() => validateRequest(request as CompletionRequest));
    expect(err.option).toBe(option);
    if (fragment !== undefined) expect(err.message).toContain(fragment);
  });

  it('accepts every field an adapter reads, well formed', () => {
    const request: CompletionRequest = {
      system: 'be brief',
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', url: 'https://example.invalid/a.png' }, { type: 'image', data: 'AAAA', mediaType: 'image/png' }] },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: 'ok', isError: false },
      ],
      tools: [{ name: 'f', description: 'd', parameters: { type: 'object', properties: {} } }],
      toolChoice: { name: 'f' },
      responseFormat: { type: 'json_schema', schema: { type: 'object' }, name: 'answer', strict: true },
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 100,
      stop: ['END'],
    };
    expect(() => validateRequest(request)).not.toThrow();
  });
});

describe('a malformed request never reaches the providers (real SDKs, local mock server)', () => {
  const mock = useMockLLM();
  const llm = (): LLMClient => mock.client({ breaker: { failureThreshold: 2 }, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 } });

  const CASES: Array<[string, unknown, string]> = [
    ['responseFormat: null', { ...user('hi'), responseFormat: null }, 'request.responseFormat'],
    ['a null content part', user([null]), 'request.messages[0].content[0]'],
    ['a 42 content part', user([42]), 'request.messages[0].content[0]'],
    ["toolCalls: 'abc'", assistant({ toolCalls: 'abc' }), 'request.messages[1].toolCalls'],
    ["{ type: 'txt' }", user([{ type: 'txt', text: 'hi' }]), 'request.messages[0].content[0].type'],
  ];

  it.each(CASES)('complete() with %s: ConfigError, no request sent, breaker untouched', async (_label, request, option) => {
    const c = llm();
    for (let i = 0; i < 3; i++) {
      const err: unknown = await c.complete(request as CompletionRequest).catch((e: unknown) => e);
      expect(isConfigError(err), String(err)).toBe(true);
      expect((err as ConfigError).option).toBe(option);
    }
    expect(mock.server.requests).toBe(0);
    for (const h of await c.health()) expect(h).toMatchObject({ state: 'closed', failures: 0 });
  });

  it.each(CASES)('stream() with %s: ConfigError before anything is sent', (_label, request, option) => {
    const c = llm();
    const err = configErrorOf(() => c.stream(request as CompletionRequest));
    expect(err.option).toBe(option);
    expect(mock.server.requests).toBe(0);
  });

  it('an adapter that cannot build the body throws a ConfigError and sends nothing (complete and stream)', async () => {
    // bypasses the client's validation: what the adapter itself does with a body it cannot build
    const [adapter, claude] = mock.providers() as [ProviderAdapter, ProviderAdapter];
    const ctx = { model: 'gpt-4o-mini', signal: new AbortController().signal };
    const bad = { messages: [{ role: 'user', content: [null] }] } as unknown as CompletionRequest;
    const e1: unknown = await adapter.complete(bad, ctx).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ConfigError);
    expect((e1 as ConfigError).message).toMatch(/could not build the request body \(nothing was sent\): TypeError/);
    const e2: unknown = await (async () => {
      for await (const _ of adapter.stream(bad, ctx)) {
        // nothing
      }
    })().catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ConfigError);
    expect(await claude.complete(bad, ctx).catch((e: unknown) => e)).toBeInstanceOf(ConfigError);
    expect(mock.server.requests).toBe(0);
  });
});

describe('an adapter error thrown before sending is the caller\'s, not the provider\'s', () => {
  it('is not counted, not retried, not failed over: the caller gets the ConfigError', async () => {
    const a = scripted('a');
    const b = scripted('b');
    let calls = 0;
    a.complete = () => {
      calls++;
      return Promise.reject(new ConfigError('request', 'the "a" adapter could not build the request body (nothing was sent): TypeError: x'));
    };
    const c = createLLMClient({ providers: [a, b], breaker: { failureThreshold: 1 }, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 }, telemetry: false });
    try {
      for (let i = 0; i < 3; i++) await expect(c.complete({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(ConfigError);
      expect(calls).toBe(3); // one attempt per call: no retry
      expect(b.calls).toBe(0); // no failover
      expect(await c.breaker('a').snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    } finally {
      await c.close();
    }
  });
});

describe('"did you mean" for misspelt options too', () => {
  it('names the option a misspelt request or client option was meant as', async () => {
    const c = createLLMClient({ providers: [scripted('a')], telemetry: false });
    try {
      const err: unknown = await c.complete({ messages: [{ role: 'user', content: 'hi' }] }, { timeout: 5 } as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toContain('is not a request option; did you mean timeoutMs?');
    } finally {
      await c.close();
    }
    expect(() => createLLMClient({ providers: [scripted('a')], dedlineMs: 5 } as never)).toThrow('did you mean deadlineMs?');
  });
});
