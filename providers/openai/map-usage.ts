/**
 * OpenAI `usage` → {@link Usage}.
 * @module
 */
import type { Usage } from '../../src/types.js';
import { tokenCount, usageOf } from '../shared/usage.js';

/**
 * | OpenAI | `Usage` |
 * | --- | --- |
 * | `prompt_tokens` (cached tokens included) | `inputTokens` |
 * | `completion_tokens` (reasoning tokens included) | `outputTokens` |
 * | `total_tokens` (or the sum) | `totalTokens` |
 * | `prompt_tokens_details.cached_tokens` | `cachedInputTokens` |
 * | `prompt_tokens_details.cache_write_tokens` | `cacheWriteInputTokens` |
 * | `completion_tokens_details.reasoning_tokens` | `reasoningTokens` |
 *
 * Some servers (xAI) count reasoning outside `completion_tokens`: there `total_tokens` =
 * prompt + completion + reasoning (or completion < reasoning). Then `outputTokens` is
 * `completion_tokens + reasoning_tokens`, so that outputTokens includes reasoning and
 * total = input + output as everywhere else.
 *
 * Optional fields are set only when the provider reports them. Counts it did not report are 0
 * and named in `unreported` (no `usage` at all: all three).
 */
export function mapUsage(raw: unknown): Usage {
  const u = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const input = tokenCount(u['prompt_tokens']);
  let output = tokenCount(u['completion_tokens']);
  const total = tokenCount(u['total_tokens']);
  const reasoning = tokenCount(details(u['completion_tokens_details'])['reasoning_tokens']);
  if (reasoning !== undefined && reasoning > 0 && input !== undefined && output !== undefined) {
    const excludesReasoning = total !== undefined ? total === input + output + reasoning : output < reasoning;
    if (excludesReasoning) output += reasoning;
  }
  const usage = usageOf(input, output, total);
  const prompt = details(u['prompt_tokens_details']);
  const cached = tokenCount(prompt['cached_tokens']);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  const written = tokenCount(prompt['cache_write_tokens']);
  if (written !== undefined) usage.cacheWriteInputTokens = written;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

function details(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
