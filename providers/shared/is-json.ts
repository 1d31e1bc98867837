/**
 * Whether a text is one whole JSON value.
 * @module
 */

/** `true` when `text` parses as JSON (so `''`, `{"a":` and `{}{}` do not). */
export function isJsonText(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
