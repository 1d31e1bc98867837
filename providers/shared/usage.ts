/**
 * The three counts of a {@link Usage}, with the ones the provider left out named in `unreported`.
 * @module
 */
import type { Usage, UsageCount } from '../../src/types.js';

/**
 * A {@link Usage} from the counts a provider reported (`undefined` = not reported). A missing
 * count is 0 and named in `unreported`; a missing total is the sum of the other two (named in
 * `unreported` only when one of them is missing too).
 */
export function usageOf(input: number | undefined, output: number | undefined, total?: number): Usage {
  const inputTokens = input ?? 0;
  const outputTokens = output ?? 0;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: total ?? inputTokens + outputTokens };
  const unreported: UsageCount[] = [];
  if (input === undefined) unreported.push('inputTokens');
  if (output === undefined) unreported.push('outputTokens');
  if (total === undefined && unreported.length > 0) unreported.push('totalTokens');
  if (unreported.length > 0) usage.unreported = unreported;
  return usage;
}

/** A finite number, or `undefined` (a `null` or a string is not a report). */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
