/**
 * Anthropic `stop_reason` → {@link FinishReason}.
 * @module
 */
import type { FinishReason } from '../../src/types.js';

/**
 * Maps an Anthropic Messages API `stop_reason`.
 *
 * | Anthropic `stop_reason` | `FinishReason` |
 * | --- | --- |
 * | `end_turn`, `stop_sequence` | `stop` |
 * | `max_tokens`, `model_context_window_exceeded` | `length` |
 * | `tool_use` | `tool_calls` |
 * | `refusal` (streaming classifiers stopped the output) | `content_filter` |
 * | `pause_turn` (a server tool paused a long turn), `null`, anything else | `other` |
 */
export function mapStopReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}
