/**
 * Anthropic Messages SSE stream → {@link ProviderStreamEvent}s.
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ProviderCallContext, ProviderStreamEvent } from '../../src/provider.js';
import type { CompletionRequest, FinishReason } from '../../src/types.js';
import { badResponse, streamEndedEarly } from '../shared/provider-errors.js';
import { sdkStream } from '../shared/sdk-stream.js';
import { convertRequest, type ConvertOptions } from './convert-request.js';
import { mapAnthropicError } from './map-error.js';
import { mapStopReason } from './map-stop-reason.js';
import { finishUsage, mergeUsage, newUsageAccumulator } from './map-usage.js';

/**
 * Streams one message through the raw event stream (`messages.create({ stream: true })`, not the
 * accumulating `messages.stream()` helper). Yields `text` deltas, `tool_call_delta`s (`index`
 * counts tool calls only, not content blocks; id and name repeat on every fragment; a call whose
 * input came whole in its start block, or with no input, gets it (`{}`) as one fragment when the
 * block stops, as `complete()` gives) and one final `finish` once `message_stop` arrives.
 *
 * - `event: error` (e.g. `overloaded_error`), before or after content, throws the mapped error.
 * - A stream that ends without `message_stop` throws `connection` ("stream ended before completion").
 * - Malformed JSON throws `bad_response`.
 * - `return()` (a consumer's `break`), an error, or `ctx.signal` aborting closes the HTTP request.
 */
export function streamAnthropic(
  sdk: () => Anthropic,
  request: CompletionRequest,
  ctx: ProviderCallContext,
  provider: string,
  options: ConvertOptions,
): AsyncGenerator<ProviderStreamEvent, void, undefined> {
  return sdkStream(
    provider,
    ctx,
    () => {
      const params = convertRequest(request, ctx.model, options, provider);
      return sdk().messages.create({ ...params, stream: true }, { signal: ctx.signal, maxRetries: 0 }).withResponse();
    },
    (events, requestId) => mapEvents(events, requestId, provider, ctx.model),
    mapAnthropicError,
  );
}

async function* mapEvents(
  stream: AsyncIterable<RawMessageStreamEvent>,
  requestId: string | undefined,
  provider: string,
  requestedModel: string,
): AsyncGenerator<ProviderStreamEvent, () => ProviderStreamEvent[], undefined> {
  let model = requestedModel;
  let stopReason: FinishReason = 'other';
  let stopped = false;
  const usage = newUsageAccumulator();
  // Per content-block index: the tool call's ordinal, id and name (undefined for text blocks).
  const toolIndex: number[] = [];
  const toolIds: string[] = [];
  const toolNames: string[] = [];
  // Tool blocks whose input_json_deltas have not started: the arguments they end with if none
  // come (the start block's own `input`, or `{}` for a call with no input, as complete() gives).
  const pendingArgs = new Map<number, string>();
  let tools = 0;
  const closePendingTool = (i: number): ProviderStreamEvent | undefined => {
    const args = pendingArgs.get(i);
    if (args === undefined) return undefined;
    pendingArgs.delete(i);
    return { type: 'tool_call_delta', index: toolIndex[i]!, id: toolIds[i]!, name: toolNames[i]!, argumentsDelta: args };
  };

  for await (const event of stream) {
    if (typeof event !== 'object' || event === null) throw badResponse(provider, 'stream event is not a JSON object', requestId);
    switch (event.type) {
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta.type === 'text_delta') {
          if (typeof delta.text !== 'string') throw badResponse(provider, 'text_delta without a text string', requestId);
          if (delta.text !== '') yield { type: 'text', delta: delta.text };
        } else if (delta.type === 'input_json_delta') {
          const i = event.index;
          const index = toolIndex[i];
          if (typeof delta.partial_json !== 'string') throw badResponse(provider, 'input_json_delta without a partial_json string', requestId);
          if (index !== undefined && delta.partial_json !== '') {
            // The deltas carry the whole input: a start block that also sent it (some compatible
            // servers) must not have it twice (`{…}{…}`).
            pendingArgs.delete(i);
            yield { type: 'tool_call_delta', index, id: toolIds[i]!, name: toolNames[i]!, argumentsDelta: delta.partial_json };
          }
        }
        break;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          if (typeof block.text !== 'string') throw badResponse(provider, 'text block without a text string', requestId);
          if (block.text !== '') yield { type: 'text', delta: block.text };
        } else if (block.type === 'tool_use') {
          if (typeof block.id !== 'string' || typeof block.name !== 'string') {
            throw badResponse(provider, 'tool_use block without an id and name', requestId);
          }
          const i = event.index;
          toolIndex[i] = tools++;
          toolIds[i] = block.id;
          toolNames[i] = block.name;
          const input = block.input;
          const initial = typeof input === 'object' && input !== null && Object.keys(input).length > 0 ? JSON.stringify(input) : '{}';
          pendingArgs.set(i, initial);
          yield { type: 'tool_call_delta', index: toolIndex[i]!, id: block.id, name: block.name, argumentsDelta: '' };
        }
        break;
      }
      case 'message_start':
        if (typeof event.message?.model === 'string' && event.message.model !== '') model = event.message.model;
        mergeUsage(usage, event.message?.usage);
        break;
      case 'message_delta':
        if (event.delta?.stop_reason != null) stopReason = mapStopReason(event.delta.stop_reason);
        mergeUsage(usage, event.usage);
        break;
      case 'content_block_stop': {
        const pending = closePendingTool(event.index);
        if (pending) yield pending;
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      default:
        break; // event types newer than this adapter
    }
  }

  return () => {
    if (!stopped) throw streamEndedEarly(provider, requestId);
    const tail = [...pendingArgs.keys()].map((i) => closePendingTool(i)!);
    tail.push({ type: 'finish', finishReason: stopReason, usage: finishUsage(usage), model, requestId });
    return tail;
  };
}
