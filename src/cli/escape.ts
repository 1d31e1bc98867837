/**
 * Neutralizing terminal control characters in what the CLI prints: breaker names, values read from
 * Redis and messages. Text output shows them as visible escapes (`\x1b`, `\u202e`), so a hostile
 * name cannot clear the screen, set the window title, ring the bell, erase text or reorder a line.
 * @module
 */

/**
 * C0 controls and DEL, C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B), the bidi controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line/paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same without C0 (JSON.stringify already escapes C0 inside strings). */
const UNSAFE_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character shown as a visible escape (`\x1b`, `\x9b`, `\u202e`). */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE_TEXT, visible);
}

/** A message for stderr: like {@link escapeTerminal}, but its own line breaks are kept. */
export function escapeMessage(text: string): string {
  return text.split('\n').map(escapeTerminal).join('\n');
}

/**
 * `JSON.stringify(value)` with C1 controls, DEL and the bidi controls written as `\uXXXX` escapes
 * too (these characters only occur inside JSON strings, so the result is the same JSON value).
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
