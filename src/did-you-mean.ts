/**
 * "Did you mean …?" for a misspelt key: the known key with the same letters once case, `_` and `-`
 * are ignored (`max_tokens` → `maxTokens`), else the closest one within two edits.
 * @module
 */

function fold(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length] as number;
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
    const d = distance(folded, fold(k), 2);
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
