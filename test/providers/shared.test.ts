import { describe, expect, it } from 'vitest';
import { classifyNetworkError } from '../../providers/shared/classify-network-error.js';
import { getHeader } from '../../providers/shared/headers.js';
import { parseRetryAfterMs } from '../../providers/shared/retry-after.js';
import { kindForStatus } from '../../providers/shared/status-kind.js';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it.each([
    [{ 'retry-after-ms': '1500' }, 1500],
    [{ 'retry-after-ms': '12.3' }, 13],
    [{ 'retry-after-ms': '250', 'retry-after': '10' }, 250],
    [{ 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': '20' }, 20_000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': 'Sat, 28 Nov 2026 12:00:30 GMT' }, 30_000],
    [{ 'retry-after': 'Sat, 28 Nov 2026 11:59:00 GMT' }, 0],
    [{ 'retry-after': 'tomorrow-ish' }, undefined],
    [{ 'retry-after': '' }, undefined],
    [{ 'retry-after': '99999999' }, 86_400_000],
    // issue 10 §4: negative or garbage values are ignored (`-5` used to parse as a date in 2001)
    [{ 'retry-after': '-5' }, undefined],
    [{ 'retry-after': '-1.5' }, undefined],
    [{ 'retry-after': '5abc' }, undefined],
    [{ 'retry-after': '12 34' }, undefined],
    [{ 'retry-after': '2026' }, 2_026_000],
    [{ 'retry-after': '2026-11-28' }, undefined],
    [{ 'retry-after-ms': '-250' }, undefined],
    [{ 'retry-after-ms': '-250', 'retry-after': '3' }, 3000],
    [{ 'retry-after-ms': '250abc' }, undefined],
    [{ 'x-ms-retry-after-ms': '1200' }, 1200],
    [{}, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(parseRetryAfterMs(headers, now)).toBe(expected);
    expect(parseRetryAfterMs(new Headers(headers), now)).toBe(expected);
  });

  it('handles no headers', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

describe('getHeader', () => {
  it('reads Headers, records and arrays', () => {
    expect(getHeader(new Headers({ 'X-Request-Id': 'a' }), 'x-request-id')).toBe('a');
    expect(getHeader({ 'x-request-id': ['b', 'c'] }, 'x-request-id')).toBe('b');
    expect(getHeader({}, 'x-request-id')).toBeUndefined();
    expect(getHeader(null, 'x')).toBeUndefined();
  });
});

describe('classifyNetworkError', () => {
  const wrap = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'UND_ERR_SOCKET'])('%s → connection', (code) => {
    expect(classifyNetworkError(wrap(code))).toEqual({ kind: 'connection', code });
  });
  it.each(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])('%s → timeout', (code) => {
    expect(classifyNetworkError(wrap(code))).toEqual({ kind: 'timeout', code });
  });
  it('recognises a body cut mid-way ("terminated") and ignores other errors', () => {
    expect(classifyNetworkError(new TypeError('terminated'))).toEqual({ kind: 'connection', code: 'TERMINATED' });
    expect(classifyNetworkError(new Error('boom'))).toBeUndefined();
    expect(classifyNetworkError('ECONNRESET')).toBeUndefined();
  });
  it('stops at a cyclic cause chain', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(classifyNetworkError(a)).toBeUndefined();
  });
});

describe('kindForStatus', () => {
  it.each([
    [400, 'invalid_request'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not_found'],
    [408, 'timeout'],
    [409, 'server'],
    [413, 'context_length'],
    [422, 'invalid_request'],
    [429, 'rate_limit'],
    [499, 'connection'],
    [500, 'server'],
    [502, 'server'],
    [503, 'overloaded'],
    [504, 'server'],
    [529, 'overloaded'],
  ])('%i → %s', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });
});

