/**
 * The rule that brings a circuit one instance opened alone (while the store was unreachable) back to
 * the fleet: `applyAdoptOpen` (memory store, fake clock). The later event wins.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/breaker/memory-store.js';
import type { RuleConfig } from '../../src/breaker/state.js';
import { fakeClock } from '../helpers/fake-clock.js';

const cfg: RuleConfig = { failureThreshold: 2, resetTimeoutMs: 10_000, successThreshold: 1, halfOpenMaxProbes: 1, probeLeaseMs: 5000, failureRate: undefined };

function setup() {
  const clock = fakeClock(1_000_000);
  const store = new MemoryStore({ clock: clock.now });
  return { clock, store };
}

describe('adoptOpen (a circuit opened alone, offered to the fleet)', () => {
  it('a store that holds no state takes it: OPEN, with the offered openedAt, published as a transition', async () => {
    const { clock, store } = setup();
    const changes: string[] = [];
    store.subscribe((c) => c.type === 'change' && changes.push(c.snapshot.state));
    const s = await store.adoptOpen('a', cfg, 3000);
    expect(s).toMatchObject({ state: 'open', forced: false, openedAt: clock.now() - 3000, transitioned: true });
    expect(s.retryAfterMs).toBe(7000);
    expect(changes).toEqual(['open']);
  });

  it('a CLOSED state whose last transition is older than the local opening is not kept over it', async () => {
    const { clock, store } = setup();
    await store.recordFailure('a', cfg, 0, false);
    await store.recordFailure('a', cfg, 0, false); // opens at t0
    clock.advance(20_000);
    await store.acquireProbe('a', cfg, 'p');
    await store.releaseProbe('a', cfg, 'p', 'success'); // closed at t0 + 20 s
    clock.advance(60_000);
    const s = await store.adoptOpen('a', cfg, 1000); // opened alone 59 s after the close
    expect(s).toMatchObject({ state: 'open', openedAt: clock.now() - 1000 });
  });

  it('the store keeps what it learned later: a close after the local opening, a later opening, a forced hold', async () => {
    const { clock, store } = setup();
    await store.recordFailure('closedLater', cfg, 0, false);
    await store.recordFailure('closedLater', cfg, 0, false);
    clock.advance(10_000);
    await store.acquireProbe('closedLater', cfg, 'p');
    await store.releaseProbe('closedLater', cfg, 'p', 'success'); // the fleet closed it just now
    expect(await store.adoptOpen('closedLater', cfg, 2000)).toMatchObject({ state: 'closed', transitioned: false });

    await store.recordFailure('openedLater', cfg, 0, false);
    const later = await store.recordFailure('openedLater', cfg, 0, false);
    expect(await store.adoptOpen('openedLater', cfg, 2000)).toMatchObject({ state: 'open', openedAt: later.openedAt, version: later.version, transitioned: false });

    const forced = await store.forceOpen('forced', cfg);
    clock.advance(5000);
    expect(await store.adoptOpen('forced', cfg, 1000)).toMatchObject({ state: 'open', forced: true, version: forced.version, transitioned: false });
  });

  it('an earlier opening of the store is replaced by the later local one (the later openedAt wins)', async () => {
    const { clock, store } = setup();
    await store.recordFailure('a', cfg, 0, false);
    const first = await store.recordFailure('a', cfg, 0, false);
    clock.advance(4000);
    const s = await store.adoptOpen('a', cfg, 1000);
    expect(s.openedAt).toBe(first.openedAt + 3000);
    expect(s.version).toBeGreaterThan(first.version);
  });
});
