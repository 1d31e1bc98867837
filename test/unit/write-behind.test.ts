import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteBehind } from '../../src/breaker/write-behind.js';

describe('WriteBehind: the batcher of successes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function batcher(delayMs: number): { wb: WriteBehind; writes: Array<[number, boolean]> } {
    const writes: Array<[number, boolean]> = [];
    const wb = new WriteBehind((n, reset) => {
      writes.push([n, reset]);
      return Promise.resolve();
    }, () => delayMs);
    return { wb, writes };
  }

  it('batches window successes until the delay passes', () => {
    const { wb, writes } = batcher(50);
    wb.add();
    wb.add();
    wb.add();
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(writes).toEqual([[3, false]]);
  });

  it('sends a reset at once, with the successes batched before it', () => {
    const { wb, writes } = batcher(50);
    wb.add();
    wb.addReset();
    expect(writes).toEqual([[2, true]]);
    vi.advanceTimersByTime(50);
    expect(writes).toEqual([[2, true]]);
  });

  it('writes at once when the delay is 0', () => {
    const { wb, writes } = batcher(0);
    wb.add();
    expect(writes).toEqual([[1, false]]);
  });

  it('hands the batch to a failure report and clears it', () => {
    const { wb, writes } = batcher(50);
    wb.add();
    wb.add();
    expect(wb.take()).toEqual({ successes: 2, reset: false });
    vi.advanceTimersByTime(50);
    expect(writes).toEqual([]);
    expect(wb.take()).toEqual({ successes: 0, reset: false });
  });

  it('settle() writes the pending batch and waits for it', async () => {
    const { wb, writes } = batcher(1000);
    wb.add();
    await wb.settle();
    expect(writes).toEqual([[1, false]]);
  });
});
