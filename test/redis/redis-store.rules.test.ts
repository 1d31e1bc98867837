/**
 * Each rule of src/breaker/state.ts, run through the Lua scripts of the Redis store with short real
 * durations (time comes from the Redis server).
 */
import { describe, expect, it } from 'vitest';
import { ruleConfig, sleep, uniqueName, useRedis } from './fixture.js';

const redis = useRedis();

async function openCircuit(name: string, cfg = ruleConfig()) {
  const store = redis.store();
  let s = await store.read(name, cfg);
  for (let i = 0; i < cfg.failureThreshold; i++) s = await store.recordFailure(name, cfg, 0, false);
  expect(s.state).toBe('open');
  return s;
}

describe('consecutive-failure rule', () => {
  it('a missing key reads as a fresh closed state, version 0', async () => {
    const s = await redis.store().read(uniqueName(), ruleConfig());
    expect(s).toEqual({
      state: 'closed',
      forced: false,
      failures: 0,
      successes: 0,
      openedAt: 0,
      retryAfterMs: 0,
      probesInFlight: 0,
      version: 0,
      windowCalls: 0,
      windowFailures: 0,
      transitioned: false,
    });
  });

  it('counts failures and opens exactly at failureThreshold, timed by the Redis clock', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ failureThreshold: 3, resetTimeoutMs: 5000 });
    const s1 = await store.recordFailure(name, cfg, 0, false);
    expect(s1).toMatchObject({ state: 'closed', failures: 1, transitioned: false, version: 0 });
    const s2 = await store.recordFailure(name, cfg, 0, false);
    expect(s2).toMatchObject({ state: 'closed', failures: 2, transitioned: false });
    const before = Date.now();
    const s3 = await store.recordFailure(name, cfg, 0, false);
    expect(s3).toMatchObject({ state: 'open', failures: 3, successes: 0, transitioned: true, forced: false });
    expect(Math.abs(s3.openedAt - before)).toBeLessThan(1000); // same machine: Redis TIME ≈ Date.now
    expect(s3.version).toBe(s3.openedAt); // bump = max(version + 1, now)
    expect(s3.retryAfterMs).toBe(5000);
    // failures while OPEN are ignored
    const s4 = await store.recordFailure(name, cfg, 0, false);
    expect(s4).toMatchObject({ state: 'open', failures: 3, transitioned: false, version: s3.version, openedAt: s3.openedAt });
    expect(s4.retryAfterMs).toBeLessThanOrEqual(5000);
  });

  it('a success with resetFailures resets the count; without it, it does not', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ failureThreshold: 3 });
    await store.recordFailure(name, cfg, 0, false);
    await store.recordFailure(name, cfg, 0, false);
    expect(await store.recordSuccesses(name, cfg, 4, false)).toMatchObject({ failures: 2, transitioned: false });
    expect(await store.recordSuccesses(name, cfg, 1, true)).toMatchObject({ state: 'closed', failures: 0, transitioned: false });
    // pending successes that reset are applied before the failure they precede
    await store.recordFailure(name, cfg, 0, false);
    await store.recordFailure(name, cfg, 0, false);
    expect(await store.recordFailure(name, cfg, 3, true)).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('successes are ignored unless closed', async () => {
    const name = uniqueName();
    const open = await openCircuit(name);
    const s = await redis.store().recordSuccesses(name, ruleConfig(), 5, true);
    expect(s).toMatchObject({ state: 'open', failures: open.failures, version: open.version, transitioned: false });
  });
});

describe('probes (HALF_OPEN)', () => {
  it('denies probes before resetTimeoutMs, grants one after it, then denies the others', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 300, probeLeaseMs: 1000 });
    expect((await store.acquireProbe(name, cfg, 'x')).outcome).toBe('closed');
    const opened = await openCircuit(name, cfg);
    const early = await store.acquireProbe(name, cfg, 'a');
    expect(early.outcome).toBe('denied');
    expect(early.snapshot).toMatchObject({ state: 'open', transitioned: false, probesInFlight: 0 });
    expect(early.snapshot.retryAfterMs).toBeGreaterThan(0);
    expect(early.snapshot.retryAfterMs).toBeLessThanOrEqual(300);
    await sleep(320);
    const granted = await store.acquireProbe(name, cfg, 'a');
    expect(granted.outcome).toBe('granted');
    expect(granted.snapshot).toMatchObject({ state: 'half_open', successes: 0, probesInFlight: 1, transitioned: true });
    expect(granted.snapshot.version).toBeGreaterThan(opened.version);
    expect(granted.snapshot.retryAfterMs).toBe(1000); // every slot taken: until the lease expires
    const denied = await store.acquireProbe(name, cfg, 'b');
    expect(denied.outcome).toBe('denied');
    expect(denied.snapshot).toMatchObject({ state: 'half_open', probesInFlight: 1, transitioned: false });
    expect(denied.snapshot.retryAfterMs).toBeGreaterThan(900);
    expect(denied.snapshot.retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it('successThreshold probe successes close it; failures reset', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 50, successThreshold: 2 });
    await openCircuit(name, cfg);
    await sleep(60);
    expect((await store.acquireProbe(name, cfg, 'p1')).outcome).toBe('granted');
    const s1 = await store.releaseProbe(name, cfg, 'p1', 'success');
    expect(s1).toMatchObject({ state: 'half_open', successes: 1, probesInFlight: 0, transitioned: false });
    expect((await store.acquireProbe(name, cfg, 'p2')).outcome).toBe('granted');
    const s2 = await store.releaseProbe(name, cfg, 'p2', 'success');
    expect(s2).toMatchObject({ state: 'closed', failures: 0, successes: 0, probesInFlight: 0, transitioned: true, retryAfterMs: 0 });
    expect(s2.version).toBeGreaterThan(s1.version);
    expect(Object.keys(await redis.client.hgetall(redis.store().keys(name).hash)).filter((f) => f.startsWith('p:'))).toEqual([]);
  });

  it('a probe failure re-opens with a new openedAt', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 50 });
    const first = await openCircuit(name, cfg);
    await sleep(60);
    const probe = await store.acquireProbe(name, cfg, 'p');
    expect(probe.outcome).toBe('granted');
    const s = await store.releaseProbe(name, cfg, 'p', 'failure');
    expect(s).toMatchObject({ state: 'open', transitioned: true, probesInFlight: 0, successes: 0 });
    expect(s.openedAt).toBeGreaterThan(first.openedAt);
    expect(s.version).toBeGreaterThan(probe.snapshot.version);
    expect(s.retryAfterMs).toBe(50);
  });

  it('a neutral report frees the slot without closing or re-opening; unknown leases are ignored', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 50 });
    await openCircuit(name, cfg);
    await sleep(60);
    const granted = await store.acquireProbe(name, cfg, 'p');
    const stranger = await store.releaseProbe(name, cfg, 'nobody', 'failure');
    expect(stranger).toMatchObject({ state: 'half_open', probesInFlight: 1, transitioned: false, version: granted.snapshot.version });
    const s = await store.releaseProbe(name, cfg, 'p', 'neutral');
    expect(s).toMatchObject({ state: 'half_open', probesInFlight: 0, successes: 0, transitioned: false, retryAfterMs: 0 });
    expect((await store.acquireProbe(name, cfg, 'q')).outcome).toBe('granted');
  });

  it('admits up to halfOpenMaxProbes at once', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 50, halfOpenMaxProbes: 3, successThreshold: 5 });
    await openCircuit(name, cfg);
    await sleep(60);
    const outcomes = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => store.acquireProbe(name, cfg, id)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['denied', 'denied', 'granted', 'granted', 'granted']);
    expect(outcomes.filter((o) => o.snapshot.transitioned)).toHaveLength(1);
    expect((await store.read(name, cfg)).probesInFlight).toBe(3);
  });

  it('a lease that is never reported frees its slot after probeLeaseMs; its late report is ignored', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 30, probeLeaseMs: 300 });
    await openCircuit(name, cfg);
    await sleep(40);
    expect((await store.acquireProbe(name, cfg, 'lost')).outcome).toBe('granted');
    expect((await store.acquireProbe(name, cfg, 'other')).outcome).toBe('denied');
    await sleep(320);
    const read = await store.read(name, cfg);
    expect(read).toMatchObject({ state: 'half_open', probesInFlight: 0, retryAfterMs: 0 });
    expect((await store.acquireProbe(name, cfg, 'other')).outcome).toBe('granted');
    const late = await store.releaseProbe(name, cfg, 'lost', 'failure');
    expect(late).toMatchObject({ state: 'half_open', probesInFlight: 1, transitioned: false });
  });
});

describe('failure-rate rule', () => {
  it('opens when the ratio over the window reaches the threshold, once minimumCalls is met', async () => {
    const store = redis.store({ writeBehindMs: 0 }); // successes written at once: no lag to wait out
    const name = uniqueName();
    const cfg = ruleConfig({ failureThreshold: 1, failureRate: { threshold: 0.5, windowMs: 10_000, minimumCalls: 6 } });
    expect(await store.recordSuccesses(name, cfg, 3, false)).toMatchObject({ windowCalls: 3, windowFailures: 0 });
    // the consecutive rule is replaced: failureThreshold 1 does not open it
    expect(await store.recordFailure(name, cfg, 0, false)).toMatchObject({ state: 'closed', windowCalls: 4, windowFailures: 1 });
    expect(await store.recordFailure(name, cfg, 0, false)).toMatchObject({ state: 'closed', windowCalls: 5, windowFailures: 2 });
    const s = await store.recordFailure(name, cfg, 0, false);
    expect(s).toMatchObject({ state: 'open', transitioned: true, windowCalls: 0, windowFailures: 0 });
    const fields = Object.keys(await redis.client.hgetall(redis.store().keys(name).hash));
    expect(fields.filter((f) => f.startsWith('w'))).toEqual([]); // the window is cleared on open
  });

  it('leaves failures younger than the success lag (2 × writeBehindMs) out of the trip decision', async () => {
    const store = redis.store({ writeBehindMs: 100 });
    expect(store.successLagMs).toBe(200);
    const name = uniqueName();
    const cfg = ruleConfig({ failureRate: { threshold: 0.5, windowMs: 60_000, minimumCalls: 4 } });
    // A cold window: four failures at once do not open it; other instances' successes may be on their way.
    for (let i = 0; i < 4; i++) expect(await store.recordFailure(name, cfg, 0, false)).toMatchObject({ state: 'closed', windowFailures: i + 1 });
    const fields = Object.keys(await redis.client.hgetall(store.keys(name).hash));
    expect(fields.some((f) => /^y\d+$/.test(f))).toBe(true);
    // ... and here they are: another instance's batch of the same period (4/16 = 0.25).
    expect(await store.recordSuccesses(name, cfg, 12, false)).toMatchObject({ windowCalls: 16, windowFailures: 4 });
    await sleep(2 * store.successLagMs + 50); // those failures are now judged
    expect(await store.recordFailure(name, cfg, 0, false)).toMatchObject({ state: 'closed', windowCalls: 17 });
    // A burst: the ratio reaches 0.5 (13/25 + this one), but the burst is young
    for (let i = 0; i < 8; i++) expect((await store.recordFailure(name, cfg, 0, false)).state).toBe('closed');
    await sleep(2 * store.successLagMs + 50);
    // ... once it is older than the lag, the next failure opens the circuit (13/25 judged, this one young)
    const s = await store.recordFailure(name, cfg, 0, false);
    expect(s).toMatchObject({ state: 'open', transitioned: true, windowCalls: 0 });
    expect(Object.keys(await redis.client.hgetall(store.keys(name).hash)).filter((f) => /^[wy]\d+/.test(f))).toEqual([]);
  });

  it('keeps the window in hash fields and forgets (deletes) buckets older than the window', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ failureRate: { threshold: 0.5, windowMs: 500, minimumCalls: 4 } });
    await store.recordFailure(name, cfg, 0, false);
    await store.recordFailure(name, cfg, 0, false);
    const s = await store.recordFailure(name, cfg, 0, false);
    expect(s).toMatchObject({ state: 'closed', windowCalls: 3, windowFailures: 3 });
    const hash = redis.store().keys(name).hash;
    const before = Object.keys(await redis.client.hgetall(hash)).filter((f) => /^w\d+[cf]$/.test(f));
    expect(before.length).toBeGreaterThanOrEqual(2);
    await sleep(560);
    expect(await store.read(name, cfg)).toMatchObject({ windowCalls: 0, windowFailures: 0 });
    await store.recordSuccesses(name, cfg, 3, true); // a write: prunes the old buckets
    expect(Object.keys(await redis.client.hgetall(hash)).filter((f) => before.includes(f))).toEqual([]);
    const after = await store.recordFailure(name, cfg, 0, false); // 1/4: the old failures left the window
    expect(after).toMatchObject({ state: 'closed', windowCalls: 4, windowFailures: 1 });
  });
});

describe('operator controls', () => {
  it('forceOpen holds it open (no probes, retryAfterMs Infinity) and is idempotent', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig({ resetTimeoutMs: 30 });
    const s = await store.forceOpen(name, cfg);
    expect(s).toMatchObject({ state: 'open', forced: true, transitioned: true, retryAfterMs: Number.POSITIVE_INFINITY });
    const again = await store.forceOpen(name, cfg);
    expect(again).toMatchObject({ state: 'open', forced: true, transitioned: false, version: s.version });
    await sleep(40);
    const probe = await store.acquireProbe(name, cfg, 'p');
    expect(probe.outcome).toBe('denied');
    expect(probe.snapshot.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
    expect((await store.read(name, cfg)).retryAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('forceOpen on a circuit that opened by itself marks it forced (a transition)', async () => {
    const name = uniqueName();
    const opened = await openCircuit(name);
    const s = await redis.store().forceOpen(name, ruleConfig());
    expect(s).toMatchObject({ state: 'open', forced: true, transitioned: true });
    expect(s.version).toBeGreaterThan(opened.version);
  });

  it('forceClose closes; on a closed circuit it only clears the failure count', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig();
    await store.forceOpen(name, cfg);
    const closed = await store.forceClose(name, cfg);
    expect(closed).toMatchObject({ state: 'closed', forced: false, failures: 0, transitioned: true, retryAfterMs: 0 });
    await store.recordFailure(name, cfg, 0, false);
    const again = await store.forceClose(name, cfg);
    expect(again).toMatchObject({ state: 'closed', failures: 0, transitioned: false, version: closed.version });
  });

  it('reset writes a fresh closed state (openedAt 0) and the version still increases', async () => {
    const store = redis.store();
    const name = uniqueName();
    const cfg = ruleConfig();
    const opened = await openCircuit(name, cfg);
    const r1 = await store.reset(name, cfg);
    expect(r1).toMatchObject({ state: 'closed', forced: false, failures: 0, successes: 0, openedAt: 0, transitioned: true });
    expect(r1.version).toBeGreaterThan(opened.version);
    const r2 = await store.reset(name, cfg); // reset of a closed circuit: no transition, still a newer version
    expect(r2).toMatchObject({ state: 'closed', transitioned: false });
    expect(r2.version).toBeGreaterThan(r1.version);
    expect(await redis.client.hget(store.keys(name).hash, 'version')).toBe(String(r2.version));
  });
});
