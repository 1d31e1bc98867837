/**
 * "Did you mean …?" for a misspelt key: the known key with the same letters once case, `_` and `-`
 * are ignored (`max_tokens` → `maxTokens`), else the closest one within two edits (only on the
 * error path: never on a valid call).
 * @module
 */

import { editDistance } from './edit-distance.js';

function fold(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The known key `key` was probably meant as, or `undefined`. `aliases` maps other spellings (e.g. a
 * provider's own field names) to the key.
 */
export function didYouMean(key: string, known: Iterable<string>, aliases?: Readonly<Record<string, string>>): string | undefined {
  const alias = aliases?.[key];
  if (alias !== undefined) return alias;
  const folded = fold(key);
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(folded, fold(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** `' (did you mean "x"?)'`, or `''` when nothing is close. */
export function didYouMeanHint(key: string, known: Iterable<string>, aliases?: Readonly<Record<string, string>>): string {
  const s = didYouMean(key, known, aliases);
  return s === undefined ? '' : `; did you mean ${s}?`;
}
