/**
 * Which store reply the mirror follows (src/breaker/mirror-order.ts), and the coalesced re-read
 * (src/breaker/coalesced.ts). Pure logic: no store, no clock.
 */
import { describe, expect, it } from 'vitest';
import { Coalesced } from '../../src/breaker/coalesced.js';
import { AUTHORITATIVE, MirrorOrder, UNORDERED } from '../../src/breaker/mirror-order.js';

describe('MirrorOrder', () => {
  it('a reply to a request sent after the held reply arrived wins, whatever its version (rollback, lost key)', () => {
    const o = new MirrorOrder();
    expect(o.accept(o.mark(), 1_000)).toBe(true);
    expect(o.accept(o.mark(), 5)).toBe(true); // sent after: the store went back, follow it
    expect(o.version).toBe(5);
    expect(o.accept(o.mark(), 0)).toBe(true); // the key was lost: version 0 wins too
  });

  it('a reply that may have crossed the held one is compared by version, and ignored when older', () => {
    const o = new MirrorOrder();
    const early = o.mark();
    const late = o.mark(); // both sent before any reply arrived
    expect(o.accept(late, 20)).toBe(true);
    expect(o.accept(early, 10)).toBe(false); // crossed, older: ignored
    expect(o.version).toBe(20);
    const sameTime = o.mark();
    const other = o.mark();
    expect(o.accept(other, 30)).toBe(true);
    expect(o.accept(sameTime, 30)).toBe(true); // same version (e.g. a failure count): followed
  });

  it('AUTHORITATIVE always wins; UNORDERED only with a version not older', () => {
    const o = new MirrorOrder();
    expect(o.accept(o.mark(), 50)).toBe(true);
    expect(o.accept(UNORDERED, 49)).toBe(false);
    expect(o.accept(UNORDERED, 51)).toBe(true);
    expect(o.accept(AUTHORITATIVE, 1)).toBe(true);
    expect(o.version).toBe(1);
  });
});

describe('Coalesced', () => {
  it('runs at most one task at a time and folds the requests made meanwhile into one more run', async () => {
    let runs = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const gates: Array<() => void> = [];
    const c = new Coalesced(async () => {
      runs++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => gates.push(r));
      inFlight--;
    });
    for (let i = 0; i < 100; i++) c.request();
    expect(runs).toBe(1);
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2); // the 99 requests made during the first run: one more run
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    expect(maxInFlight).toBe(1);
    c.request();
    expect(runs).toBe(3); // idle again: runs at once
    gates.shift()!();
  });

  it('a failing task does not stop later requests', async () => {
    let runs = 0;
    const c = new Coalesced(() => {
      runs++;
      return Promise.reject(new Error('read failed'));
    });
    c.request();
    await new Promise((r) => setImmediate(r));
    c.request();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
  });
});
