/**
 * Anthropic Messages API response body → {@link ProviderResult}.
 * @module
 */
import type { ProviderResult } from '../../src/provider.js';
import type { ToolCall } from '../../src/types.js';
import { badResponse } from '../shared/provider-errors.js';
import { responseObject } from '../shared/response-body.js';
import { mapStopReason } from './map-stop-reason.js';
import { mapUsage } from './map-usage.js';

/**
 * Text is every `text` block joined (thinking blocks are left out); tool calls come from `tool_use`
 * blocks with `input` serialised back to JSON text. Throws `bad_response` when the body is not a
 * message (not an object, no `content` array).
 */
export function mapResponse(
  data: unknown,
  provider: string,
  requestId: string | undefined,
  requestedModel: string,
): ProviderResult {
  const body = responseObject(data, provider, requestId);
  const content = body['content'];
  if (!Array.isArray(content)) throw badResponse(provider, 'response has no `content` array', requestId);
  let text = '';
  let toolCalls: ToolCall[] | undefined;
  for (const block of content) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as Record<string, unknown>;
    if (b['type'] === 'text' && typeof b['text'] === 'string') {
      text += b['text'];
    } else if (b['type'] === 'tool_use') {
      (toolCalls ??= []).push({
        id: typeof b['id'] === 'string' ? b['id'] : '',
        name: typeof b['name'] === 'string' ? b['name'] : '',
        arguments: JSON.stringify(b['input'] ?? {}),
      });
    }
  }
  const model = body['model'];
  return {
    text,
    toolCalls: toolCalls ?? [],
    finishReason: mapStopReason(body['stop_reason']),
    usage: mapUsage(body['usage']),
    model: typeof model === 'string' && model !== '' ? model : requestedModel,
    requestId,
    raw: data,
  };
}
