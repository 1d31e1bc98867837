/**
 * "Did you mean …?": the closest candidate to a mistyped word (flags, commands, breaker names).
 * @module
 */
import { editDistance } from '../edit-distance.js';

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo (at most a third
 * of its length, and at least one edit, away), else undefined.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
}
