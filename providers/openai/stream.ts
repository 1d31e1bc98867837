/**
 * OpenAI Chat Completions SSE stream → {@link ProviderStreamEvent}s.
 * @module
 */
import type OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ProviderCallContext, ProviderStreamEvent } from '../../src/provider.js';
import type { CompletionRequest } from '../../src/types.js';
import { badResponse, streamEndedEarly } from '../shared/provider-errors.js';
import { sdkStream } from '../shared/sdk-stream.js';
import { convertRequest, type MaxTokensParam } from './convert-request.js';
import { mapOpenAIError } from './map-error.js';
import { mapFinishReason } from './map-finish-reason.js';
import { mapUsage } from './map-usage.js';
import { StreamToolCalls } from './stream-tool-calls.js';

/**
 * Streams one completion. Yields `text` deltas, `tool_call_delta`s (`index` is the call's dense
 * position in this response, calls matched by id then index: {@link StreamToolCalls}; the id and
 * name repeat on every fragment) and one final `finish` with the usage of the `include_usage` chunk.
 *
 * - An in-band `data: {"error":…}` event throws the mapped {@link ProviderError}.
 * - A stream that ends without a `finish_reason` throws `connection` ("stream ended before completion").
 * - Malformed JSON throws `bad_response`.
 * - `return()` (a consumer's `break`), an error, or `ctx.signal` aborting closes the HTTP request.
 */
export function streamOpenAI(
  sdk: () => OpenAI,
  request: CompletionRequest,
  ctx: ProviderCallContext,
  provider: string,
  maxTokensParam: MaxTokensParam,
): AsyncGenerator<ProviderStreamEvent, void, undefined> {
  return sdkStream(
    provider,
    ctx,
    () => {
      const params = convertRequest(request, ctx.model, maxTokensParam, provider);
      return sdk()
        .chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal: ctx.signal, maxRetries: 0 })
        .withResponse();
    },
    (events, requestId) => mapChunks(events, requestId, provider, ctx.model),
    mapOpenAIError,
  );
}

async function* mapChunks(
  stream: AsyncIterable<ChatCompletionChunk>,
  requestId: string | undefined,
  provider: string,
  requestedModel: string,
): AsyncGenerator<ProviderStreamEvent, () => ProviderStreamEvent[], undefined> {
  let model = requestedModel;
  let finishReason: unknown = null;
  let usage: ChatCompletionChunk['usage'];
  let refused = false;
  const toolCalls = new StreamToolCalls();

  for await (const chunk of stream) {
    if (typeof chunk !== 'object' || chunk === null) throw badResponse(provider, 'stream chunk is not a JSON object', requestId);
    if (chunk.usage) usage = chunk.usage;
    if (typeof chunk.model === 'string' && chunk.model !== '') model = chunk.model;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice === undefined) continue;
    const delta = choice.delta;
    if (delta != null) {
      const content = delta.content;
      if (typeof content === 'string' && content !== '') yield { type: 'text', delta: content };
      if (typeof delta.refusal === 'string' && delta.refusal !== '') {
        refused = true;
        yield { type: 'text', delta: delta.refusal };
      }
      const calls = delta.tool_calls;
      if (calls != null) {
        for (let i = 0; i < calls.length; i++) {
          const call = calls[i]!;
          if (call.index != null && !(Number.isInteger(call.index) && call.index >= 0)) {
            throw badResponse(provider, 'tool call delta with an invalid index', requestId);
          }
          const id = typeof call.id === 'string' && call.id !== '' ? call.id : undefined;
          const name = typeof call.function?.name === 'string' && call.function.name !== '' ? call.function.name : undefined;
          const args = call.function?.arguments ?? '';
          if (typeof args !== 'string') throw badResponse(provider, 'tool call arguments are not a string', requestId);
          const placed = toolCalls.place(id, call.index ?? i, name, args);
          if (args === '' && !placed.opened) continue;
          yield { type: 'tool_call_delta', index: placed.position, id: placed.id, name: placed.name, argumentsDelta: args };
        }
      }
    }
    if (choice.finish_reason != null) finishReason = choice.finish_reason;
  }

  return () => {
    if (finishReason === null) throw streamEndedEarly(provider, requestId);
    return [{
      type: 'finish',
      finishReason: mapFinishReason(finishReason, toolCalls.count > 0, refused),
      usage: mapUsage(usage),
      model,
      requestId,
    }];
  };
}
