/**
 * Anthropic `usage` → {@link Usage}.
 * @module
 */
import type { Usage } from '../../src/types.js';
import { tokenCount as num, usageOf } from '../shared/usage.js';

/**
 * Anthropic's `input_tokens` counts only the uncached part of the prompt. So that `inputTokens`
 * means the same thing for every provider (OpenAI's `prompt_tokens` includes cached tokens), it is
 * the whole prompt here: `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`.
 *
 * | Anthropic | `Usage` |
 * | --- | --- |
 * | `input_tokens` + `cache_read_input_tokens` + `cache_creation_input_tokens` | `inputTokens` |
 * | `output_tokens` | `outputTokens` |
 * | inputTokens + outputTokens | `totalTokens` |
 * | `cache_read_input_tokens` | `cachedInputTokens` |
 * | `cache_creation_input_tokens` | `cacheWriteInputTokens` |
 * | `output_tokens_details.thinking_tokens` | `reasoningTokens` |
 *
 * Optional fields are set only when reported (a `null` is not a report). A message without
 * `input_tokens` or `output_tokens` gives 0 for it, named in `unreported`.
 */
export function mapUsage(raw: unknown): Usage {
  const acc = newUsageAccumulator();
  mergeUsage(acc, raw);
  return finishUsage(acc);
}

/** Usage as it arrives over a stream: `message_start`, then cumulative `message_delta`s. */
export interface UsageAccumulator {
  input: number | undefined;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  thinking: number | undefined;
}

export function newUsageAccumulator(): UsageAccumulator {
  return { input: undefined, output: undefined, cacheRead: undefined, cacheWrite: undefined, thinking: undefined };
}

/** Merges one usage object; its non-null fields replace earlier values (Anthropic's are cumulative). */
export function mergeUsage(acc: UsageAccumulator, raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const u = raw as Record<string, unknown>;
  const input = num(u['input_tokens']);
  if (input !== undefined) acc.input = input;
  const output = num(u['output_tokens']);
  if (output !== undefined) acc.output = output;
  const read = num(u['cache_read_input_tokens']);
  if (read !== undefined) acc.cacheRead = read;
  const write = num(u['cache_creation_input_tokens']);
  if (write !== undefined) acc.cacheWrite = write;
  const details = u['output_tokens_details'];
  if (typeof details === 'object' && details !== null) {
    const thinking = num((details as Record<string, unknown>)['thinking_tokens']);
    if (thinking !== undefined) acc.thinking = thinking;
  }
}

export function finishUsage(acc: UsageAccumulator): Usage {
  const cached = (acc.cacheRead ?? 0) + (acc.cacheWrite ?? 0);
  const input = acc.input === undefined ? (cached > 0 ? cached : undefined) : acc.input + cached;
  const usage = usageOf(input, acc.output);
  if (acc.cacheRead !== undefined) usage.cachedInputTokens = acc.cacheRead;
  if (acc.cacheWrite !== undefined) usage.cacheWriteInputTokens = acc.cacheWrite;
  if (acc.thinking !== undefined) usage.reasoningTokens = acc.thinking;
  return usage;
}
