/**
 * OpenAI Chat Completions response body → {@link ProviderResult}.
 * @module
 */
import type { ProviderResult } from '../../src/provider.js';
import type { ToolCall } from '../../src/types.js';
import { badResponse } from '../shared/provider-errors.js';
import { responseObject } from '../shared/response-body.js';
import { mapFinishReason } from './map-finish-reason.js';
import { mapUsage } from './map-usage.js';

/**
 * Maps the first choice. Text is `message.content` (or, when the model refused, its `refusal`);
 * tool calls keep the model's raw JSON arguments. Throws `bad_response` when the body is not a
 * chat completion (not an object, no `choices`, no `message`).
 */
export function mapResponse(
  data: unknown,
  provider: string,
  requestId: string | undefined,
  requestedModel: string,
): ProviderResult {
  const body = responseObject(data, provider, requestId);
  const choices = body['choices'];
  if (!Array.isArray(choices) || choices.length === 0) {
    throw badResponse(provider, 'response has no `choices`', requestId);
  }
  const choice = choices[0] as Record<string, unknown> | null;
  const message = choice?.['message'];
  if (typeof message !== 'object' || message === null) {
    throw badResponse(provider, 'response choice has no `message`', requestId);
  }
  const msg = message as Record<string, unknown>;
  const refusal = typeof msg['refusal'] === 'string' && msg['refusal'] !== '' ? (msg['refusal'] as string) : undefined;
  const text = contentText(msg['content']) || refusal || '';
  const toolCalls = mapToolCalls(msg['tool_calls']);
  const model = body['model'];
  return {
    text,
    toolCalls,
    finishReason: mapFinishReason(choice?.['finish_reason'], toolCalls.length > 0, refusal !== undefined),
    usage: mapUsage(body['usage']),
    model: typeof model === 'string' && model !== '' ? model : requestedModel,
    requestId,
    raw: data,
  };
}

/** `content` is a string (or null); a few compatible servers send an array of text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') {
      text += (part as { text: string }).text;
    }
  }
  return text;
}

function mapToolCalls(raw: unknown): ToolCall[] {
  if (!Array.isArray(raw) || raw.length === 0) return [];
  const calls: ToolCall[] = [];
  for (const call of raw) {
    const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
    if (typeof fn !== 'object' || fn === null || typeof fn.name !== 'string') continue; // custom (non-function) tools
    const id = (call as { id?: unknown }).id;
    calls.push({
      id: typeof id === 'string' ? id : '',
      name: fn.name,
      arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
    });
  }
  return calls;
}
