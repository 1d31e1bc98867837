/**
 * The Lua scripts implement exactly the rules of state.ts: random operation sequences run through
 * the Redis store and through the memory store (the reference), and every reply must agree.
 * Durations are chosen so that time cannot matter (reset timeout 0, leases and window that never
 * expire during a run); the time-valued fields are compared by their meaning only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/breaker/memory-store.js';
import type { BreakerStore } from '../../src/breaker/store.js';
import type { RuleConfig, Snapshot } from '../../src/breaker/state.js';
import { uniqueName, useRedis } from './fixture.js';

const redis = useRedis();

type Op =
  | { op: 'successes'; count: number; reset: boolean }
  | { op: 'failure'; pending: number; reset: boolean }
  | { op: 'acquire'; lease: string }
  | { op: 'renew'; lease: string }
  | { op: 'release'; lease: string; outcome: 'success' | 'failure' | 'neutral' }
  | { op: 'forceOpen' }
  | { op: 'forceClose' }
  | { op: 'reset' }
  | { op: 'read' };

const lease = fc.constantFrom('l1', 'l2');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('successes' as const), count: fc.integer({ min: 0, max: 3 }), reset: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('failure' as const), pending: fc.integer({ min: 0, max: 2 }), reset: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('acquire' as const), lease }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('renew' as const), lease }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('release' as const), lease, outcome: fc.constantFrom('success' as const, 'failure' as const, 'neutral' as const) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'forceOpen' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'forceClose' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'read' as const }) },
);

const cfgArb: fc.Arbitrary<RuleConfig> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  resetTimeoutMs: fc.constant(0),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
  probeLeaseMs: fc.constant(1e9),
  failureRate: fc.option(
    fc.record({ threshold: fc.constantFrom(0.25, 0.5, 0.75, 1), windowMs: fc.constant(1e15), minimumCalls: fc.integer({ min: 1, max: 6 }) }),
    { nil: undefined },
  ),
});

async function run(store: BreakerStore, name: string, cfg: RuleConfig, op: Op): Promise<{ snapshot: Snapshot; outcome?: string }> {
  switch (op.op) {
    case 'successes':
      return { snapshot: await store.recordSuccesses(name, cfg, op.count, op.reset) };
    case 'failure':
      return { snapshot: await store.recordFailure(name, cfg, op.pending, op.reset) };
    case 'acquire': {
      const r = await store.acquireProbe(name, cfg, op.lease);
      return { snapshot: r.snapshot, outcome: r.outcome };
    }
    case 'renew': {
      const r = await store.renewProbe(name, cfg, op.lease);
      return { snapshot: r.snapshot, outcome: r.renewed ? 'renewed' : 'lost' };
    }
    case 'release':
      return { snapshot: await store.releaseProbe(name, cfg, op.lease, op.outcome) };
    case 'forceOpen':
      return { snapshot: await store.forceOpen(name, cfg) };
    case 'forceClose':
      return { snapshot: await store.forceClose(name, cfg) };
    case 'reset':
      return { snapshot: await store.reset(name, cfg) };
    case 'read':
      return { snapshot: await store.read(name, cfg) };
  }
}

/** The time-independent meaning of a snapshot. */
function meaning(s: Snapshot) {
  return {
    state: s.state,
    forced: s.forced,
    failures: s.failures,
    successes: s.successes,
    everOpened: s.openedAt > 0,
    waitsForever: s.retryAfterMs === Number.POSITIVE_INFINITY,
    waits: s.retryAfterMs > 0,
    probesInFlight: s.probesInFlight,
    windowCalls: s.windowCalls,
    windowFailures: s.windowFailures,
    transitioned: s.transitioned,
  };
}

describe('Lua scripts vs state.ts (differential)', () => {
  it('agree on every reply of random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(cfgArb, fc.array(opArb, { minLength: 20, maxLength: 60 }), async (cfg, ops) => {
        const mem = memoryStore();
        const red = redis.store({ writeBehindMs: 0 }); // no success lag: the memory store has none
        const name = uniqueName('diff');
        let memVersion = 0;
        let redVersion = 0;
        for (const [i, op] of ops.entries()) {
          const m = await run(mem, name, cfg, op);
          const r = await run(red, name, cfg, op);
          const where = `step ${i} ${JSON.stringify(op)}`
          expect({ where, outcome: r.outcome, ...meaning(r.snapshot) }).toEqual({ where, outcome: m.outcome, ...meaning(m.snapshot) });
          // versions move together, and only forward
          expect(r.snapshot.version > redVersion, where).toBe(m.snapshot.version > memVersion);
          expect(r.snapshot.version).toBeGreaterThanOrEqual(redVersion);
          memVersion = m.snapshot.version;
          redVersion = r.snapshot.version;
        }
      }),
      { numRuns: 100 },
    );
  });
});
