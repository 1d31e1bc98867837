/**
 * A probe as long as its call (issue 10 §3), on the memory store with fake timers (the store's
 * clock is the faked Date.now, so the lease renewal timers and the lease expiry move together).
 * A probe that outlives `probeLeaseMs` keeps its slot while it runs: no second probe is admitted,
 * and its success counts. A probe whose holder stops renewing (it died) still frees its slot.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/breaker/circuit-breaker.js';
import { MemoryStore } from '../../src/breaker/memory-store.js';
import { renewalIntervalMs } from '../../src/breaker/lease-renewer.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';

class Boom extends Error {
  override name = 'Boom';
}
const ok = () => Promise.resolve('ok');
const fail = () => Promise.reject(new Boom());

const OPTS = { failureThreshold: 1, resetTimeoutMs: 1000, successThreshold: 1, halfOpenMaxProbes: 1, probeLeaseMs: 3000 } as const;
const breakers: CircuitBreaker[] = [];
let store: MemoryStore;
let counter = 0;
let name: string;

function breaker(options: Partial<CircuitBreakerOptions> = {}): CircuitBreaker {
  const b = new CircuitBreaker(name, { store, ...OPTS, ...options });
  breakers.push(b);
  return b;
}

/** A function whose promise the test settles. */
function pending(): { fn: () => Promise<string>; finish: (v: string) => void; started: () => number } {
  let resolve: ((v: string) => void) | undefined;
  let starts = 0;
  return {
    fn: () => {
      starts++;
      return new Promise<string>((r) => (resolve = r));
    },
    finish: (v) => resolve?.(v),
    started: () => starts,
  };
}

/** Opens the circuit through `a`, waits out the reset timeout, and starts a probe that runs until `finish`. */
async function startLongProbe(a: CircuitBreaker) {
  await openThenWait(a);
  const renew = vi.spyOn(store, 'renewProbe');
  const call = pending();
  const probe = a.execute(call.fn);
  return { renew, call, probe };
}

/** Opens the circuit through `b` and waits out the reset timeout. */
async function openThenWait(b: CircuitBreaker): Promise<void> {
  await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom);
  expect(b.localState).toBe('open');
  await vi.advanceTimersByTimeAsync(OPTS.resetTimeoutMs);
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  store = new MemoryStore({ clock: () => Date.now() });
  name = `lease-${++counter}`;
});
afterEach(async () => {
  await Promise.all(breakers.splice(0).map((b) => b.close()));
  vi.useRealTimers();
});

describe('a probe longer than probeLeaseMs (memory store, fake timers)', () => {
  it('execute(): keeps its slot for the whole call, and its success closes the circuit', async () => {
    const a = breaker();
    const other = breaker(); // a second instance on the same shared state
    await openThenWait(a);
    const call = pending();
    const probe = a.execute(call.fn);
    await vi.advanceTimersByTimeAsync(4 * OPTS.probeLeaseMs);
    // Still one probe in flight: neither this instance nor the other may start a second one.
    await expect(other.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(a.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    expect((await a.snapshot()).probesInFlight).toBe(1);
    call.finish('done');
    await expect(probe).resolves.toBe('done');
    expect(await a.getState()).toBe('closed'); // the long probe's success counted
    expect(call.started()).toBe(1);
  });

  it('acquire(): a permit (a stream) keeps its slot until it settles, and its success counts', async () => {
    const a = breaker({ successThreshold: 2 });
    const other = breaker({ successThreshold: 2 });
    await openThenWait(a);
    const permit = await a.acquire();
    expect(permit.probe).toBe(true);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(OPTS.probeLeaseMs);
      await expect(other.acquire()).rejects.toBeInstanceOf(CircuitOpenError);
    }
    expect((await other.snapshot()).probesInFlight).toBe(1);
    await permit.success();
    const s = await a.snapshot();
    expect(s).toMatchObject({ state: 'half_open', successes: 1, probesInFlight: 0 });
    // the next probe is admitted at once (the slot was freed by the report, not by expiry)
    await expect(a.execute(ok)).resolves.toBe('ok');
    expect(await a.getState()).toBe('closed');
  });

  it('halfOpenMaxProbes: 2 long probes hold exactly two slots for as long as they run', async () => {
    const a = breaker({ halfOpenMaxProbes: 2, successThreshold: 2 });
    const other = breaker({ halfOpenMaxProbes: 2, successThreshold: 2 });
    await openThenWait(a);
    const first = await a.acquire();
    const second = await other.acquire();
    expect([first.probe, second.probe]).toEqual([true, true]);
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(OPTS.probeLeaseMs);
      await expect(a.acquire()).rejects.toBeInstanceOf(CircuitOpenError);
      expect((await a.snapshot()).probesInFlight).toBe(2);
    }
    await first.success();
    await second.success();
    expect(await other.getState()).toBe('closed'); // both long probes counted
  });

  it('renews every third of probeLeaseMs while the probe runs, and not after it reported', async () => {
    const a = breaker();
    const { renew, call, probe } = await startLongProbe(a);
    const interval = renewalIntervalMs(OPTS.probeLeaseMs);
    expect(interval).toBe(1000);
    await vi.advanceTimersByTimeAsync(3 * interval);
    expect(renew).toHaveBeenCalledTimes(3);
    call.finish('done');
    await probe;
    await vi.advanceTimersByTimeAsync(10 * interval);
    expect(renew).toHaveBeenCalledTimes(3);
  });

  it('a probe whose holder stops renewing (its process died) still frees its slot after probeLeaseMs', async () => {
    const a = breaker();
    const other = breaker();
    await openThenWait(a);
    const permit = await a.acquire();
    expect(permit.probe).toBe(true);
    await a.close(); // stops its renewals, as a dead process would
    await vi.advanceTimersByTimeAsync(OPTS.probeLeaseMs - 1);
    await expect(other.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await vi.advanceTimersByTimeAsync(1000); // past the lease (and the local re-check delay)
    await expect(other.execute(ok)).resolves.toBe('ok');
    expect(await other.getState()).toBe('closed');
  });

  it('stops renewing when the episode ends under it (an operator re-opened the circuit)', async () => {
    const a = breaker();
    const { renew, call, probe } = await startLongProbe(a);
    await vi.advanceTimersByTimeAsync(1000);
    await a.forceOpen();
    await vi.advanceTimersByTimeAsync(10 * OPTS.probeLeaseMs);
    expect(renew.mock.calls.length).toBeLessThanOrEqual(1);
    call.finish('late');
    await expect(probe).resolves.toBe('late');
    expect((await a.snapshot()).state).toBe('open'); // the stale probe's report is ignored
  });
});
