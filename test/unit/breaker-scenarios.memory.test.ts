import { memoryStore } from '../../src/breaker/memory-store.js';
import { defineBreakerScenarios } from '../scenarios/breaker-scenarios.js';
import { fakeClock } from '../helpers/fake-clock.js';

defineBreakerScenarios('memory store, fake clock', async () => {
  const clock = fakeClock();
  const store = memoryStore({ clock: clock.now });
  return {
    store,
    secondStore: async () => store,
    advance: async (ms) => clock.advance(ms),
    resetTimeoutMs: 30_000,
    probeLeaseMs: 60_000,
    failureRateLagMs: 0,
    propagate: async () => undefined,
    teardown: () => store.close(),
  };
});
