/**
 * 429 waits without a `Retry-After` header (issue 11 §2.4): OpenAI's `x-ratelimit-reset-*`
 * durations and "try again in 2.476s" messages, Anthropic's `anthropic-ratelimit-*-reset` times,
 * Azure's `retry-after-ms`, through the real SDKs (nock) and the adapters.
 */
import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { parseGoDurationMs, rateLimitWaitMs } from '../../providers/shared/rate-limit-wait.js';
import { HELLO, ctx, rejection } from './_helpers.js';
import { useNock } from './_nock.js';

useNock();

const NOW = Date.parse('2026-11-28T12:00:00Z');

describe('parseGoDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['2.476s', 2476],
    ['1h2m3.5s', 3_723_500],
    ['-1s', undefined],
    ['', undefined],
    ['5', undefined],
    ['soon', undefined],
  ])('%s → %s', (text, ms) => {
    expect(parseGoDurationMs(text)).toBe(ms);
  });
});

describe('rateLimitWaitMs', () => {
  it.each([
    ['retry-after wins over the rest', { 'retry-after': '7', 'x-ratelimit-reset-requests': '1s' }, 'try again in 2s', 7000],
    ['message "try again in 2.476s"', { 'x-ratelimit-reset-tokens': '6m0s' }, 'Rate limit reached for gpt-4o. Please try again in 2.476s. Visit https://platform.openai.com/account/rate-limits', 2476],
    ['message "try again in 20ms"', {}, 'Please try again in 20ms.', 20],
    ['message "try again in 6m0s"', {}, 'Please try again in 6m0s.', 360_000],
    ['Azure "retry after 20 seconds"', {}, 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit. Please retry after 20 seconds.', 20_000],
    ['exhausted bucket: requests', { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '9000', 'x-ratelimit-reset-tokens': '6m0s' }, undefined, 1000],
    ['exhausted bucket: tokens', { 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '20ms' }, undefined, 20],
    ['no remaining: the longest reset', { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' }, undefined, 360_000],
    ['Anthropic RFC 3339 reset of the exhausted bucket', { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2026-11-28T12:00:30Z', 'anthropic-ratelimit-tokens-remaining': '1000', 'anthropic-ratelimit-tokens-reset': '2026-11-28T12:05:00Z' }, undefined, 30_000],
    ['Anthropic output tokens', { 'anthropic-ratelimit-output-tokens-remaining': '0', 'anthropic-ratelimit-output-tokens-reset': '2026-11-28T12:00:01.500Z' }, undefined, 1500],
    ['Anthropic reset in the past', { 'anthropic-ratelimit-requests-reset': '2026-11-28T11:00:00Z' }, undefined, 0],
    ['Azure: x-rate-limit-reset-tokens in whole seconds (openai-python#937)', { 'x-rate-limit-reset-tokens': '55', 'x-ratelimit-remaining-requests': '119' }, undefined, 55_000],
    ['whole seconds in x-ratelimit-reset-tokens (Azure)', { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '12' }, undefined, 12_000],
    ['garbage resets are ignored', { 'x-ratelimit-reset-requests': 'later', 'anthropic-ratelimit-requests-reset': 'Sat' }, 'slow down', undefined],
    ['nothing', {}, undefined, undefined],
  ])('%s', (_name, headers, message, expected) => {
    expect(rateLimitWaitMs(headers, message, NOW)).toBe(expected);
    expect(rateLimitWaitMs(new Headers(headers), message, NOW)).toBe(expected);
  });
});

const OPENAI_BASE = 'http://127.0.0.1:9/v1';
const ANTHROPIC_BASE = 'http://127.0.0.1:9';

describe('adapters read the waits of a 429 without Retry-After', () => {
  it('OpenAI: x-ratelimit-reset-requests of the exhausted bucket', async () => {
    nock('http://127.0.0.1:9')
      .post('/v1/chat/completions')
      .reply(429, { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '6m0s',
        'x-ratelimit-remaining-tokens': '149000',
        'x-ratelimit-reset-tokens': '20ms',
      });
    const e = await rejection(openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-rl-0001', baseURL: OPENAI_BASE }).complete(HELLO, ctx()));
    expect(e.kind).toBe('rate_limit');
    expect(e.retryAfterMs).toBe(360_000);
  });

  it('OpenAI: "try again in 2.476s" in the message', async () => {
    nock('http://127.0.0.1:9')
      .post('/v1/chat/completions')
      .reply(429, {
        error: {
          message: 'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29523, Requested 1715. Please try again in 2.476s. Visit https://platform.openai.com/account/rate-limits to learn more.',
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      });
    const e = await rejection(openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-rl-0001', baseURL: OPENAI_BASE }).complete(HELLO, ctx()));
    expect(e.retryAfterMs).toBe(2476);
  });

  it('Azure OpenAI: retry-after-ms', async () => {
    nock('http://127.0.0.1:9')
      .post('/v1/chat/completions')
      .reply(429, { error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier.' } }, {
        'retry-after-ms': '1750',
        'x-ms-region': 'East US',
      });
    const e = await rejection(openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-rl-0001', baseURL: OPENAI_BASE }).complete(HELLO, ctx()));
    expect(e.retryAfterMs).toBe(1750);
  });

  it('Anthropic: anthropic-ratelimit-*-reset (RFC 3339)', async () => {
    const reset = new Date(Date.now() + 600_000).toISOString();
    nock('http://127.0.0.1:9')
      .post('/v1/messages')
      .reply(429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }, {
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': reset,
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': new Date(Date.now() + 1000).toISOString(),
      });
    const e = await rejection(anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-rl-0001', baseURL: ANTHROPIC_BASE }).complete(HELLO, ctx()));
    expect(e.kind).toBe('rate_limit');
    // computed against the clock when the error was mapped: a little under 10 minutes
    expect(e.retryAfterMs).toBeGreaterThan(500_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(600_000);
  });

  it('a 400 does not take its wait from the rate-limit headers every response carries', async () => {
    nock('http://127.0.0.1:9')
      .post('/v1/chat/completions')
      .reply(400, { error: { message: 'bad', type: 'invalid_request_error' } }, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' });
    const e = await rejection(openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-rl-0001', baseURL: OPENAI_BASE }).complete(HELLO, ctx()));
    expect(e.retryAfterMs).toBeUndefined();
  });
});
