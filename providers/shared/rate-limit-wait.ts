/**
 * How long a rate-limited (429) reply asks us to wait, from every place providers put it.
 * @module
 */
import { getHeader, type HeadersLike } from './headers.js';
import { clampWaitMs, parseRetryAfterMs } from './retry-after.js';

/** A Go-style duration as OpenAI writes it: `1s`, `6m0s`, `20ms`, `2.476s`, `1h2m3.5s`. */
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const GO_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };

/** "Please try again in 2.476s." / "try again in 6m0s" (OpenAI). */
const MESSAGE_GO = /\b(?:try again|retry) (?:in|after) ((?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+)(?![a-z])/i;
/** "Please retry after 20 seconds." / "Try again in 86400 seconds." (Azure OpenAI). */
const MESSAGE_WORDS = /\b(?:try again|retry) (?:in|after) (\d+(?:\.\d+)?) ?(milliseconds?|seconds?|secs?|minutes?)\b/i;
const WORD_MS: Record<string, number> = { millisecond: 1, second: 1000, sec: 1000, minute: 60_000 };

/** Rate-limit buckets and their header names: OpenAI, Azure OpenAI, then Anthropic. */
const BUCKETS: ReadonlyArray<{ remaining: string; reset: string; format: 'duration' | 'date' }> = [
  ...['requests', 'tokens'].flatMap((b) => [
    { remaining: `x-ratelimit-remaining-${b}`, reset: `x-ratelimit-reset-${b}`, format: 'duration' as const },
    { remaining: `x-ratelimit-remaining-${b}`, reset: `x-rate-limit-reset-${b}`, format: 'duration' as const },
  ]),
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].map((b) => ({
    remaining: `anthropic-ratelimit-${b}-remaining`,
    reset: `anthropic-ratelimit-${b}-reset`,
    format: 'date' as const,
  })),
];

/**
 * The wait, in ms, before retrying a rate-limited request. The first of:
 *
 * 1. `retry-after-ms` / `x-ms-retry-after-ms` / `retry-after` ({@link parseRetryAfterMs});
 * 2. the error message: "try again in 2.476s" (OpenAI), "retry after 20 seconds" (Azure);
 * 3. the reset time of the exhausted buckets (their `remaining` is 0), or of every bucket when none
 *    says it is exhausted, taking the longest: `x-ratelimit-reset-requests` / `-tokens` (durations
 *    such as `1s`, `6m0s`, `20ms`, OpenAI; or whole seconds, `x-rate-limit-reset-tokens: 55`,
 *    Azure OpenAI) and `anthropic-ratelimit-*-reset` (RFC 3339 times).
 *
 * `undefined` when none is there or parsable; never negative; at most one day.
 */
export function rateLimitWaitMs(headers: HeadersLike | null | undefined, message: string | undefined, now: number = Date.now()): number | undefined {
  return parseRetryAfterMs(headers, now) ?? messageWaitMs(message) ?? resetWaitMs(headers, now);
}

/** A Go-style duration (`6m0s`) in ms, or `undefined`. */
export function parseGoDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!GO_DURATION.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, value, unit] of trimmed.matchAll(GO_PART)) ms += Number.parseFloat(value!) * UNIT_MS[unit!]!;
  return ms;
}

function messageWaitMs(message: string | undefined): number | undefined {
  if (message === undefined) return undefined;
  const go = MESSAGE_GO.exec(message);
  if (go) {
    const ms = parseGoDurationMs(go[1]!);
    if (ms !== undefined) return clampWaitMs(ms);
  }
  const words = MESSAGE_WORDS.exec(message);
  if (!words) return undefined;
  const unit = words[2]!.toLowerCase().replace(/s$/, '');
  return clampWaitMs(Number.parseFloat(words[1]!) * WORD_MS[unit]!);
}

function resetWaitMs(headers: HeadersLike | null | undefined, now: number): number | undefined {
  let exhausted: number | undefined;
  let any: number | undefined;
  for (const bucket of BUCKETS) {
    const raw = getHeader(headers, bucket.reset);
    if (raw === undefined) continue;
    const ms = bucket.format === 'duration' ? durationOrSecondsMs(raw) : dateWaitMs(raw, now);
    if (ms === undefined) continue;
    any = Math.max(any ?? 0, ms);
    if (getHeader(headers, bucket.remaining)?.trim() === '0') exhausted = Math.max(exhausted ?? 0, ms);
  }
  const wait = exhausted ?? any;
  return wait === undefined ? undefined : clampWaitMs(wait);
}

/** A Go-style duration, or a plain number of seconds (Azure). */
function durationOrSecondsMs(text: string): number | undefined {
  return /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? Number.parseFloat(text) * 1000 : parseGoDurationMs(text);
}

/** An RFC 3339 time (`2026-11-28T12:00:30Z`) → ms from `now`. */
function dateWaitMs(text: string, now: number): number | undefined {
  if (!/^\s*\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at - now;
}
