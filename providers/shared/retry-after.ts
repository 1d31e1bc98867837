/**
 * Parses the wait a provider asks for before a retry.
 * @module
 */
import { getHeader, type HeadersLike } from './headers.js';

/** Longest wait we report (1 day): anything longer is a misconfigured server, not advice. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** A plain non-negative decimal number (no sign, no unit, no trailing garbage). */
const DECIMAL = /^\s*\d+(?:\.\d+)?\s*$/;
/** An HTTP date starts with a day name in all three formats of RFC 9110 §5.6.7. */
const HTTP_DATE = /^\s*(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s/i;

/**
 * The wait, in ms, from `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds, OpenAI and Azure)
 * or else `retry-after` (delta-seconds or an HTTP date, RFC 9110 §10.2.3). `undefined` when absent,
 * negative or unparsable (`-5`, `5abc`, `soon`); never negative; at most one day.
 */
export function parseRetryAfterMs(headers: HeadersLike | null | undefined, now: number = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = getHeader(headers, name);
    if (ms !== undefined && DECIMAL.test(ms)) return clampWaitMs(Number.parseFloat(ms));
  }
  const after = getHeader(headers, 'retry-after');
  if (after === undefined) return undefined;
  if (DECIMAL.test(after)) return clampWaitMs(Number.parseFloat(after) * 1000);
  if (!HTTP_DATE.test(after)) return undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : clampWaitMs(date - now);
}

/** Rounds up to whole ms, within [0, {@link MAX_RETRY_AFTER_MS}]. */
export function clampWaitMs(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}
