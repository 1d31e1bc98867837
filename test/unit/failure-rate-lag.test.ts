/**
 * The failure-rate trip rule with a success lag (state.ts, the twin of rules.lua's apply_failure):
 * failures younger than the store's success lag are left out of the trip decision, so a cold window
 * cannot trip on failures whose instances' successes are still being batched. Pure rules, exact time.
 */
import { describe, expect, it } from 'vitest';
import { applyFailure, applySuccesses, initialData, snapshotOf, type RuleConfig } from '../../src/breaker/state.js';

const cfg: RuleConfig = {
  failureThreshold: 1,
  resetTimeoutMs: 1000,
  successThreshold: 1,
  halfOpenMaxProbes: 1,
  probeLeaseMs: 1000,
  failureRate: { threshold: 0.5, windowMs: 60_000, minimumCalls: 4 },
};
const LAG = 200;
const T0 = 1_700_000_000_000; // a multiple of LAG: slot boundaries are exact

describe('failure-rate rule with a success lag', () => {
  it('without a lag (memory store) a cold window trips on failures alone', () => {
    const d = initialData();
    const opened = [0, 1, 2, 3].map((i) => applyFailure(d, T0 + i, cfg, 0, false));
    expect(opened).toEqual([false, false, false, true]);
  });

  it('with a lag, failures count once they are older than it, and then against the successes of their time', () => {
    const d = initialData();
    for (let i = 0; i < 6; i++) expect(applyFailure(d, T0 + i, cfg, 0, false, LAG)).toBe(false);
    expect(snapshotOf(d, T0 + 10, cfg, false)).toMatchObject({ windowCalls: 6, windowFailures: 6 });
    applySuccesses(d, T0 + 150, cfg, 30, false); // the fleet's batched successes of that period arrive
    expect(applyFailure(d, T0 + 2 * LAG, cfg, 0, false, LAG)).toBe(false); // 6/36 judged
    expect(d.young.size).toBe(1); // the matured slot was forgotten
  });

  it('opens once the judged failures reach the ratio (at most 2 lags after they happened)', () => {
    const d = initialData();
    for (let i = 0; i < 4; i++) applyFailure(d, T0 + i, cfg, 0, false, LAG);
    expect(applyFailure(d, T0 + LAG + 199, cfg, 0, false, LAG)).toBe(false); // the first four are still young
    expect(applyFailure(d, T0 + 2 * LAG, cfg, 0, false, LAG)).toBe(true); // slot 0 matured: 4/4 ≥ 0.5, minimumCalls 4
    expect(d.state).toBe('open');
    expect(d.young.size).toBe(0);
  });

  it('a failure reported with pending successes (its own instance) is judged against them once old enough', () => {
    const d = initialData();
    applyFailure(d, T0, cfg, 3, false, LAG); // 1 failure after 3 successes of the reporter
    for (let i = 1; i < 4; i++) applyFailure(d, T0 + i, cfg, 0, false, LAG);
    expect(applyFailure(d, T0 + 2 * LAG, cfg, 0, false, LAG)).toBe(true); // 4/7 judged ≥ 0.5
  });
});
