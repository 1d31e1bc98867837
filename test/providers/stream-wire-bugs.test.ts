/**
 * Stream shapes from real servers that broke the adapters (issue 11 §2.1, §2.2, §2.5), through the
 * real SDKs (nock) and `llm.stream()`: what the caller assembles, not only the adapter's events.
 */
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { ProviderAdapter } from '../../src/provider.js';
import type { CompletionResponse } from '../../src/types.js';
import { HELLO, collect, ctx } from './_helpers.js';
import { useNock } from './_nock.js';

useNock();

const OPENAI = 'http://127.0.0.1:9';
const SSE = { 'content-type': 'text/event-stream' };
/** The local server's next answer to `path`: a 200 event stream with `body`. */
const serve = (path: string, body: string) => nock(OPENAI).post(path).reply(200, body, SSE);
const clients: LLMClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** `data: <json>` events, each closed by a blank line. */
const sse = (...events: unknown[]) => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

function oa(): ProviderAdapter {
  return openai({ model: 'm', apiKey: 'sk-test-wire-0001', baseURL: `${OPENAI}/v1` });
}
function an(): ProviderAdapter {
  return anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-wire-0001', baseURL: OPENAI });
}
async function streamed(adapter: ProviderAdapter): Promise<CompletionResponse> {
  const llm = createLLMClient({ providers: [adapter], telemetry: false, retry: { retries: 0 } });
  clients.push(llm);
  return llm.stream(HELLO).toResponse();
}

describe('OpenAI-compatible stream tool calls: by id, then by index (§2.1)', () => {
  it('LiteLLM passthrough: text, then one call numbered 1 with no 0 → toolCalls[0], no hole', async () => {
    serve('/v1/chat/completions', sse(
      chunk({ role: 'assistant', content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 1, id: 'toolu_01X', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"Paris"}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ));
    const res = await streamed(oa());
    expect(res.toolCalls).toEqual([{ id: 'toolu_01X', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    expect(Object.keys(res.toolCalls)).toEqual(['0']);
    for (const c of res.toolCalls) expect(c.name).toBe('get_weather');
    expect(res.text).toBe('Let me check.');
    expect(res.finishReason).toBe('tool_calls');
  });

  it('Ollama: every call labelled index 0, with distinct ids → two calls, each valid JSON', async () => {
    serve('/v1/chat/completions', sse(
      chunk({ role: 'assistant', content: '', tool_calls: [{ id: 'call_hello', index: 0, type: 'function', function: { name: 'file_write', arguments: '{"filePath":"hello.py","content":"print(\\"hello\\")"}' } }] }),
      chunk({ role: 'assistant', content: '', tool_calls: [{ id: 'call_world', index: 0, type: 'function', function: { name: 'file_write', arguments: '{"filePath":"world.py","content":"print(\\"world\\")"}' } }] }),
      chunk({ role: 'assistant', content: '' }, 'tool_calls'),
      '[DONE]',
    ));
    const res = await streamed(oa());
    expect(res.toolCalls).toEqual([
      { id: 'call_hello', name: 'file_write', arguments: '{"filePath":"hello.py","content":"print(\\"hello\\")"}' },
      { id: 'call_world', name: 'file_write', arguments: '{"filePath":"world.py","content":"print(\\"world\\")"}' },
    ]);
    for (const c of res.toolCalls) expect(() => JSON.parse(c.arguments)).not.toThrow();
  });

  it('a fresh id on every fragment of one unfinished call (same index) stays one call', async () => {
    serve('/v1/chat/completions', sse(
      chunk({ tool_calls: [{ index: 0, id: 'frag_1', function: { name: 'f', arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'frag_2', function: { arguments: '"Paris"' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'frag_3', function: { arguments: '}' } }] }),
      chunk({}, 'tool_calls'),
    ));
    const res = await streamed(oa());
    expect(res.toolCalls).toEqual([{ id: 'frag_1', name: 'f', arguments: '{"city":"Paris"}' }]);
  });

  it('tool_call_delta.index is the dense position; a server repeating the id on every fragment stays one call', async () => {
    serve('/v1/chat/completions', sse(
      chunk({ tool_calls: [{ index: 3, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 3, id: 'a', function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 7, id: 'b', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ));
    const events = await collect(oa().stream(HELLO, ctx('m')));
    const deltas = events.flatMap((e) => (e.type === 'tool_call_delta' ? [[e.index, e.id, e.argumentsDelta]] : []));
    expect(deltas).toEqual([
      [0, 'a', '{"x":'],
      [0, 'a', '1}'],
      [1, 'b', '{}'],
    ]);
  });
});

const anthropicEvents = (...events: Array<Record<string, unknown>>) => events.map((e) => `event: ${String(e['type'])}\ndata: ${JSON.stringify(e)}\n\n`).join('');
const MESSAGE_START = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5-20251001', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } };

describe('Anthropic stream: a tool call with no input (§2.2)', () => {
  it('gives arguments "{}" like complete() does for the same message', async () => {
    serve('/v1/messages', anthropicEvents(
      MESSAGE_START,
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_01N', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ));
    nock(OPENAI)
      .post('/v1/messages')
      .reply(200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5-20251001',
        content: [{ type: 'tool_use', id: 'toolu_01N', name: 'get_time', input: {} }],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 9 },
      });
    const res = await streamed(an());
    const done = await an().complete(HELLO, ctx('claude-haiku-4-5'));
    expect(res.toolCalls).toEqual([{ id: 'toolu_01N', name: 'get_time', arguments: '{}' }]);
    expect(res.toolCalls).toEqual(done.toolCalls);
  });
});

describe('Anthropic-compatible stream: a start block that carries the input', () => {
  const toolStream = (...deltas: string[]) =>
    anthropicEvents(
      MESSAGE_START,
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_K', name: 'bash', input: { command: 'rg --files' } } },
      ...deltas.map((partial_json) => ({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json } })),
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    );

  it('and then streams the same input again: the arguments appear once, valid JSON', async () => {
    serve('/v1/messages', toolStream('{"command":', '"rg --files"}'));
    const res = await streamed(an());
    expect(res.toolCalls).toEqual([{ id: 'toolu_K', name: 'bash', arguments: '{"command":"rg --files"}' }]);
  });

  it('and streams nothing more: the arguments are that input', async () => {
    serve('/v1/messages', toolStream());
    const res = await streamed(an());
    expect(res.toolCalls).toEqual([{ id: 'toolu_K', name: 'bash', arguments: '{"command":"rg --files"}' }]);
  });
});

describe('the last SSE event without its closing blank line (§2.5)', () => {
  it('Anthropic: message_stop unclosed after the stop reason → success, not a connection failure', async () => {
    const body = `${anthropicEvents(
      MESSAGE_START,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } },
    )}event: message_stop\ndata: {"type":"message_stop"}`;
    serve('/v1/messages', body);
    const res = await streamed(an());
    expect(res.text).toBe('Hi');
    expect(res.finishReason).toBe('stop');
    expect(res.usage).toEqual({ inputTokens: 12, outputTokens: 2, totalTokens: 14 });
    expect(res.attempts.map((a) => a.outcome)).toEqual(['success']);
  });

  it('OpenAI-compatible: the final usage chunk unclosed (no [DONE]) still counts', async () => {
    const body = `${sse(chunk({ content: 'Hi' }), chunk({}, 'stop'))}data: ${JSON.stringify(chunk({}, null, { choices: [], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } }))}`;
    serve('/v1/chat/completions', body);
    const res = await streamed(oa());
    expect(res.usage).toEqual({ inputTokens: 4, outputTokens: 1, totalTokens: 5 });
  });

  it('a body cut inside its last event (truncated JSON) is still a cut stream', async () => {
    const body = `${anthropicEvents(MESSAGE_START, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_del`;
    serve('/v1/messages', body);
    await expect(collect(an().stream(HELLO, ctx('claude-haiku-4-5')))).rejects.toMatchObject({ kind: 'connection' });
  });
});
