/**
 * OpenAI `finish_reason` → {@link FinishReason}.
 * @module
 */
import type { FinishReason } from '../../src/types.js';

/**
 * Maps an OpenAI (or OpenAI-compatible) `finish_reason`.
 *
 * | OpenAI `finish_reason` | `FinishReason` |
 * | --- | --- |
 * | `stop` | `stop` |
 * | `length` | `length` |
 * | `tool_calls`, `function_call` (legacy) | `tool_calls` |
 * | `content_filter` | `content_filter` |
 * | a `refusal` in the message, with no `content_filter` reason | `content_filter` |
 * | `stop` while the message carries tool calls (some compatible servers: Ollama, older vLLM) | `tool_calls` |
 * | `null`, missing, or anything else | `other` |
 *
 * @param reason the choice's `finish_reason`
 * @param hasToolCalls whether the message carries tool calls
 * @param refused whether the message carries a `refusal`
 */
export function mapFinishReason(reason: unknown, hasToolCalls: boolean, refused = false): FinishReason {
  switch (reason) {
    case 'stop':
      if (hasToolCalls) return 'tool_calls';
      return refused ? 'content_filter' : 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return refused ? 'content_filter' : 'other';
  }
}
