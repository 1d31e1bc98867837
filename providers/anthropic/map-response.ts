/**
 * Anthropic Messages API response body → {@link ProviderResult}.
 * @module
 */
import type { ProviderResult } from '../../src/provider.js';
import type { ToolCall } from '../../src/types.js';
import { badResponse } from '../shared/provider-errors.js';
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
  if (typeof data !== 'object' || data === null) {
    const got = typeof data === 'string' ? `text: ${JSON.stringify(data.slice(0, 80))}` : data === null ? 'null' : typeof data;
    throw badResponse(provider, `response body is not a JSON object (got ${got})`, requestId);
  }
  const body = data as Record<string, unknown>;
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
