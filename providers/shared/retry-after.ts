/**
 * Parses the wait a provider asks for before a retry.
 * @module
 */
import { getHeader, type HeadersLike } from './headers.js';

/** Longest wait we report (1 day): anything longer is a misconfigured server, not advice. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * The wait, in ms, from `retry-after-ms` (milliseconds, OpenAI) or else `retry-after` (delta-seconds
 * or an HTTP date, RFC 9110 §10.2.3). `undefined` when absent or unparsable; never negative.
 */
export function parseRetryAfterMs(headers: HeadersLike | null | undefined, now: number = Date.now()): number | undefined {
  const ms = getHeader(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number.parseFloat(ms);
    if (Number.isFinite(value) && value >= 0) return clamp(value);
  }
  const after = getHeader(headers, 'retry-after');
  if (after === undefined || after.trim() === '') return undefined;
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(after)) return clamp(Number.parseFloat(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : clamp(date - now);
}

function clamp(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}
