/**
 * What `scrubChain` (every ProviderError's cause goes through it) promises beyond the echo tests in
 * cause-chain.test.ts: it reaches every string (Maps, Sets, arrays, symbol keys, hidden fields,
 * cycles), it never modifies what it was given — a cause may be the caller's own object, such as
 * an adapter's config holding the live key — and it stays bounded and calls no getter.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors/provider-error.js';
import { registerSecret } from '../../src/errors/redact.js';
import { scrubChain } from '../../src/errors/scrub-chain.js';
import { expectNoSecret } from '../providers/_helpers.js';

const KEY = `zq_SCRUBUNIT_${randomBytes(6).toString('hex')}`;
registerSecret(KEY);

describe('scrubChain', () => {
  it('reaches strings in Maps, Sets, nested arrays, symbol keys and non-enumerable fields', () => {
    const sym = Symbol('detail');
    const body = { list: [[{ deep: `x ${KEY}` }]], map: new Map([['k', `m ${KEY}`]]), set: new Set([`s ${KEY}`]), [sym]: KEY };
    Object.defineProperty(body, 'hidden', { value: `h ${KEY}`, enumerable: false });
    const err = Object.assign(new Error('request failed'), { body });
    const clean = scrubChain(err);
    expectNoSecret(clean, KEY);
    expect(inspect(clean, { depth: 10, showHidden: true })).toContain('[REDACTED]');
    expect((clean.body.map as Map<string, string>).get('k')).toBe('m [REDACTED]');
  });

  it("never modifies the caller's objects: a cause holding an adapter's live config keeps its key", () => {
    const config = { apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1' };
    const adapterError = Object.assign(new Error('adapter failed'), { config });
    const pe = new ProviderError({ provider: 'custom', kind: 'server', message: 'adapter failed', cause: adapterError });
    expect(config.apiKey).toBe(KEY);
    expect(adapterError.config).toBe(config);
    expectNoSecret(pe, KEY);
    expect((pe.cause as typeof adapterError).config.apiKey).toBe('[REDACTED]');
  });

  it('shares what holds no secret, and keeps the class, fields and flags of what it copies', () => {
    const headers = new Headers({ 'x-request-id': 'req_1', 'x-echo': KEY });
    const sdk = APIError.generate(401, { error: { message: 'bad key', param: KEY } }, undefined, headers);
    const innocent = { note: 'nothing here' };
    Object.assign(sdk, { innocent });
    const clean = scrubChain(sdk);
    expect(clean).not.toBe(sdk);
    expect(clean).toBeInstanceOf(APIError);
    expect(clean.status).toBe(401);
    expect(clean.headers?.get('x-request-id')).toBe('req_1');
    expect(clean.headers?.get('x-echo')).toBe('[REDACTED]');
    expect((clean as unknown as { innocent: object }).innocent).toBe(innocent);
    expect(Object.getOwnPropertyDescriptor(clean, 'stack')?.enumerable).toBe(false);
    expect(sdk.headers?.get('x-echo')).toBe(KEY);
    const none = new Error('no secret');
    expect(scrubChain(none)).toBe(none);
  });

  it('copies a cycle as a cycle of copies', () => {
    const a: Record<string, unknown> = { name: 'a', secret: KEY };
    const b: Record<string, unknown> = { name: 'b', back: a };
    a['next'] = b;
    const err = Object.assign(new Error('cyclic'), { a });
    const clean = scrubChain(err);
    const ca = clean.a as Record<string, unknown>;
    const cb = ca['next'] as Record<string, unknown>;
    expect(cb['back']).toBe(ca);
    expect(ca).not.toBe(a);
    // (JSON.stringify cannot render a cycle; inspect can)
    for (const text of [inspect(clean, { depth: 10, showHidden: true }), String(clean), clean.stack]) expect(text).not.toContain(KEY);
    expect(a['secret']).toBe(KEY);
  });

  it('calls no getter, and returns from a huge graph without throwing', () => {
    let calls = 0;
    const err = Object.assign(new Error(`bad ${KEY}`), {});
    Object.defineProperty(err, 'lazy', { enumerable: true, get: () => ++calls });
    const clean = scrubChain(err);
    expect(calls).toBe(0);
    expect(clean.message).toBe('bad [REDACTED]');
    const wide = { items: Array.from({ length: 50_000 }, (_, i) => ({ i })) };
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 10_000; i++) cur = (cur['next'] = {}) as Record<string, unknown>;
    expect(() => scrubChain(Object.assign(new Error('big'), { wide, deep }))).not.toThrow();
  });
});

describe('scrubChain on SDK-shaped errors', () => {
  it('returns a scrubbed copy of an SDK-like error (message, stack, body messages) and leaves the original alone', () => {
    const key = 'sk-test-SCRUB-0123456789';
    const err = Object.assign(new Error(`401 bad key ${key}`), {
      error: { message: `bad key ${key}`, error: { message: `nested ${key}` } },
      apiMessage: `bad key ${key}`,
    });
    const clean = scrubChain(err);
    expect(clean).not.toBe(err);
    expect(clean).toBeInstanceOf(Error);
    expect(JSON.stringify({ m: clean.message, s: clean.stack, e: clean.error, a: clean.apiMessage })).not.toContain(key);
    expect(err.message).toContain(key);
  });
  it('scrubs frozen bodies too; errors without secrets and non-errors come back as they are', () => {
    const frozen = Object.assign(new Error('x'), { error: Object.freeze({ message: 'sk-test-FROZEN-0123456789' }) });
    expect(JSON.stringify(scrubChain(frozen).error)).not.toContain('sk-test-FROZEN');
    const clean = new Error('nothing secret here');
    expect(scrubChain(clean)).toBe(clean);
    expect(scrubChain('plain')).toBe('plain');
    expect(scrubChain(undefined)).toBeUndefined();
  });
});
