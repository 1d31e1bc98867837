/**
 * Unknown option names are a {@link ConfigError} that suggests the option meant (`baseUrl` → did
 * you mean baseURL?). Checked before anything else, so a typo is named before a missing key is.
 * @module
 */
import { editDistance } from '../../src/edit-distance.js';
import { ConfigError } from '../../src/errors/config-error.js';

/** Rejects option names a factory does not know (a typo such as `baseUrl` must not be ignored). */
export function checkKnownOptions(options: object, known: ReadonlySet<string>, factory: string): void {
  for (const k of Object.keys(options)) {
    if (known.has(k)) continue;
    const close = closestOption(k, known);
    throw new ConfigError(k, `is not an option of ${factory}()${close === undefined ? '' : ` (did you mean ${close}?)`}`);
  }
}

/** The known option `name` most likely stands for: same letters in another case, or one or two edits away. */
function closestOption(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = name.length < 5 ? 2 : 3;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(k.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}
