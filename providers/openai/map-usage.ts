/**
 * OpenAI `usage` → {@link Usage}.
 * @module
 */
import type { Usage } from '../../src/types.js';

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
 * Optional fields are set only when the provider reports them. Missing usage gives zeros.
 */
export function mapUsage(raw: unknown): Usage {
  if (typeof raw !== 'object' || raw === null) return { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  const u = raw as Record<string, unknown>;
  const inputTokens = num(u['prompt_tokens']) ?? 0;
  const outputTokens = num(u['completion_tokens']) ?? 0;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: num(u['total_tokens']) ?? inputTokens + outputTokens };
  const prompt = u['prompt_tokens_details'];
  if (typeof prompt === 'object' && prompt !== null) {
    const cached = num((prompt as Record<string, unknown>)['cached_tokens']);
    if (cached !== undefined) usage.cachedInputTokens = cached;
    const written = num((prompt as Record<string, unknown>)['cache_write_tokens']);
    if (written !== undefined) usage.cacheWriteInputTokens = written;
  }
  const completion = u['completion_tokens_details'];
  if (typeof completion === 'object' && completion !== null) {
    const reasoning = num((completion as Record<string, unknown>)['reasoning_tokens']);
    if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  }
  return usage;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
