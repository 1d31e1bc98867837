/**
 * Script replies carry exact integer versions: a reply whose version JavaScript cannot hold exactly
 * is rejected (the store turns it into a StoreError) instead of freezing the mirror.
 */
import { describe, expect, it } from 'vitest';
import { decodeReply } from '../../src/breaker/redis-codec.js';

const reply = (version: unknown): unknown[] => ['open', 0, 0, 0, 1_700_000_000_000, '1000', 0, version, 0, 0, 1, ''];

describe('decodeReply: versions', () => {
  it.each([[0], [1_700_000_000_123], [2 ** 52], ['4503599627370496']])('accepts the exact integer %j', (v) => {
    expect(decodeReply(reply(v)).snapshot.version).toBe(Number(v));
  });

  it.each([[1e16], ['10000000000000000'], [2 ** 53 + 2], [1.5], [-1], ['1e300']])('rejects %j', (v) => {
    expect(() => decodeReply(reply(v))).toThrow(/unexpected version/);
  });
});
