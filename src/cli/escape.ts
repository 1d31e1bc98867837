/**
 * Neutralizing terminal control characters in what the CLI prints: breaker names, values read from
 * Redis and messages. Text output shows them as visible escapes (`\x1b`, `\u202e`), so a hostile
 * name cannot clear the screen, set the window title, ring the bell, erase text or reorder a line.
 * The characters are those the SDK refuses in breaker names ({@link CONTROL_CHARACTER}): C0
 * controls, DEL, C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B) and the bidi controls.
 * @module
 */
import { CONTROL_CHARACTER } from '../breaker/options.js';

const UNSAFE = new RegExp(CONTROL_CHARACTER.source, 'gu');

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character shown as a visible escape (`\x1b`, `\x9b`, `\u202e`). */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** A message for stderr: like {@link escapeTerminal}, but its own line breaks are kept. */
export function escapeMessage(text: string): string {
  return text.split('\n').map(escapeTerminal).join('\n');
}

/**
 * `JSON.stringify(value)` with C1 controls, DEL and the bidi controls written as `\uXXXX` escapes
 * too (JSON.stringify escapes C0 already; these characters only occur inside JSON strings, so the
 * result is the same JSON value).
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
