/**
 * Garbage in the Redis keys (issue 5, part 5.2), seen from the CircuitBreaker: a non-numeric or
 * out-of-range field, an unknown state, a state hash or probe zset of the wrong type (string, list,
 * set, hash…). Whatever the breaker was doing (fresh, counting failures, OPEN, probing), the next
 * store operation must:
 *   - emit `storeError` (a StoreError saying the state was corrupt), never crash or reject a call
 *     because of Redis, never leave an unhandled rejection;
 *   - keep serving calls (on its local state meanwhile);
 *   - read as CLOSED once the key is repaired (the script rewrites a fresh CLOSED state) and come
 *     back to the shared state in Redis (`degraded: false`), where calls are counted again.
 *
 * Reproduce: FC_SEED=<seed> [FC_PATH=<path>] [FC_GARBAGE_RUNS=25] npx vitest run test/robustness/redis-garbage.test.ts
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { redisStore, type RedisStore } from '../../src/breaker/redis-store.js';
import { isCircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { isStoreError, type StoreError } from '../../src/errors/store-error.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';

const SEED = Number.parseInt(process.env.FC_SEED ?? '20251128', 10);
const PATH = process.env.FC_PATH;
const RUNS = Number.parseInt(process.env.FC_GARBAGE_RUNS ?? '25', 10);

let server: RedisServer;
let client: Redis;
let store: RedisStore;
beforeAll(async () => {
  server = await startRedisServer();
  client = await server.createClient();
  store = redisStore(client, { prefix: 'garbage', timeoutMs: 1000, recoveryIntervalMs: 20, writeBehindMs: 10 });
  // Bring the store's subscriber up first: its first subscription asks every breaker to re-read its
  // state (`resync`), and such a background re-read repairs a corrupt key without a storeError
  // (refresh() swallows errors). The runs below test what a breaker's own operations report.
  const sub = store.subscribe(() => undefined);
  await waitFor(async () => Number(((await client.pubsub('NUMSUB', store.channel)) as [string, number])[1]) >= 1, 3000, 'the store subscribing');
  await sleep(20);
  sub.dispose();
});
afterAll(async () => {
  await store?.close();
  await server?.close();
});

class Boom extends Error {
  override name = 'Boom';
}
const ok = () => Promise.resolve('ok');
const boom = () => Promise.reject(new Boom('down'));

type Garbage =
  | { kind: 'field'; field: string; value: string }
  | { kind: 'hashType'; as: 'string' | 'list' | 'set' | 'zset' }
  | { kind: 'lease'; value: string }
  | { kind: 'missingState' };

const garbageArb: fc.Arbitrary<Garbage> = fc.oneof(
  fc.record({
    kind: fc.constant('field' as const),
    field: fc.constantFrom('state', 'forced', 'failures', 'successes', 'openedAt', 'version', 'w170000c', 'w1f'),
    value: fc.oneof(
      fc.constantFrom('', 'abc', '-1', '1.5', '1e99', 'NaN', 'Infinity', '99999999999999999999', ' 3', '0x10', 'melting', 'OPEN', 'true', '2'),
      fc.string({ maxLength: 12 }),
    ),
  }).filter((g) => !isValidField(g.field, g.value)),
  fc.record({ kind: fc.constant('hashType' as const), as: fc.constantFrom('string' as const, 'list' as const, 'set' as const, 'zset' as const) }),
  // a probe lease (a p:<id> field of the hash) that is not a time, or that would never expire
  fc.record({ kind: fc.constant('lease' as const), value: fc.constantFrom('inf', '+inf', '-1', 'soon', '1e999', String(Date.now() + 30 * 86_400_000)) }),
  fc.constant({ kind: 'missingState' as const }),
);

/** Values the scripts accept (so the filter keeps only real garbage). */
function isValidField(field: string, value: string): boolean {
  if (field === 'state') return ['closed', 'open', 'half_open'].includes(value);
  if (field === 'forced') return value === '0' || value === '1';
  return /^\d{1,16}$/.test(value);
}

async function corrupt(name: string, g: Garbage): Promise<void> {
  const { hash } = store.keys(name);
  const retype = async (key: string, as: string) => {
    await client.del(key);
    if (as === 'string') await client.set(key, 'garbage');
    else if (as === 'list') await client.rpush(key, 'a', 'b');
    else if (as === 'set') await client.sadd(key, 'a');
    else if (as === 'zset') await client.zadd(key, 1, 'a');
    else await client.hset(key, 'state', 'closed');
  };
  if (g.kind === 'field') await client.hset(hash, g.field, g.value);
  else if (g.kind === 'missingState') {
    await client.hset(hash, 'failures', '1');
    await client.hdel(hash, 'state');
  } else if (g.kind === 'hashType') await retype(hash, g.as);
  else await client.hset(hash, 'p:garbage-lease', g.value);
}

type Before = 'fresh' | 'failures' | 'open' | 'probing';
type Trigger = 'read' | 'failure' | 'probe-or-call' | 'forceOpen' | 'reset';

let counter = 0;

describe('garbage in the Redis keys, through a CircuitBreaker', () => {
  it(`every kind of garbage: storeError, calls keep working, reads closed once repaired (${RUNS} runs, seed ${SEED})`, async () => {
    const arb = fc.record({
      garbage: garbageArb,
      before: fc.constantFrom<Before>('fresh', 'failures', 'open', 'probing'),
      trigger: fc.constantFrom<Trigger>('read', 'failure', 'probe-or-call', 'forceOpen', 'reset'),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ garbage, before, trigger }) => {
        const name = `g${process.pid}-${++counter}`;
        const b = new CircuitBreaker(name, { store, failureThreshold: 2, resetTimeoutMs: 40, probeLeaseMs: 5000 });
        const errors: StoreError[] = [];
        b.on('storeError', (e) => errors.push(e.error));
        let releaseProbe: (() => void) | undefined;
        let probe: Promise<unknown> | undefined;
        try {
          // --- bring the breaker into the `before` state ---
          if (before === 'failures') await expect(b.execute(boom)).rejects.toBeInstanceOf(Boom);
          if (before === 'open' || before === 'probing') {
            for (let i = 0; i < 2; i++) await expect(b.execute(boom)).rejects.toBeInstanceOf(Boom);
            expect(b.localState).toBe('open');
          }
          if (before === 'probing') {
            await sleep(50);
            probe = b.execute(() => new Promise<string>((r) => (releaseProbe = () => r('late'))));
            await waitFor(() => releaseProbe !== undefined, 2000, 'the probe to start');
            expect(b.localState).toBe('half_open');
          }
          expect(errors).toEqual([]);

          // --- garbage, then a store operation finds it ---
          await corrupt(name, garbage);
          if (trigger === 'read') await b.snapshot();
          else if (trigger === 'failure') await b.execute(boom).catch((e: unknown) => expect(e instanceof Boom || isCircuitOpenError(e)).toBe(true));
          else if (trigger === 'probe-or-call') {
            if (b.localState === 'closed') await b.execute(boom).catch(() => undefined);
            else {
              await sleep(50);
              await b.execute(ok).catch((e: unknown) => expect(isCircuitOpenError(e)).toBe(true));
            }
          } else {
            // An operator action that meets garbage did not take effect: it rejects with the
            // StoreError (the key is repaired) instead of changing this instance only.
            const err = await b[trigger]().then(
              () => undefined,
              (e: unknown) => e,
            );
            if (err !== undefined) {
              expect(isStoreError(err), String(err)).toBe(true);
              errors.push(err as StoreError);
            }
          }
          if (probe) {
            releaseProbe?.();
            await expect(probe).resolves.toBe('late'); // the probe's own report meets the garbage or the repair: still fine
          }

          // the corruption may already have been met by the probe's report; force a store round trip otherwise
          if (errors.length === 0) await b.snapshot();
          expect(errors.length, 'storeError emitted').toBeGreaterThanOrEqual(1);
          for (const e of errors) {
            expect(isStoreError(e)).toBe(true);
            expect(e.breakerName).toBe(name);
          }
          expect(errors.some((e) => /corrupt breaker state/.test(e.message)), errors.map((e) => e.message).join('\n')).toBe(true);

          // --- calls keep working meanwhile (a call is either served or cleanly refused) ---
          const r = await b.execute(ok).then(
            (v) => v,
            (e: unknown) => e,
          );
          expect(r === 'ok' || isCircuitOpenError(r), String(r)).toBe(true);

          // --- the key was repaired: back on the shared state, CLOSED ---
          await waitFor(async () => !(await b.snapshot()).degraded, 3000, 'the breaker to return to Redis');
          const s = await b.snapshot();
          if (trigger === 'forceOpen' && s.state === 'open') {
            // the operator's forceOpen was applied after the repair: legitimately open
            expect(s.forced).toBe(true);
            await b.forceClose();
          } else if (s.state === 'open') {
            // a failure met the garbage, was counted on the local state and opened it there; the
            // breaker offered that opening to the fleet when it rejoined (adopt-open): legitimately open
            expect(trigger === 'failure' || trigger === 'probe-or-call', `${trigger} opened it`).toBe(true);
            expect(errors.some((e) => e.operation === 'recordFailure')).toBe(true);
            await b.forceClose();
          }
          expect(await b.getState()).toBe('closed');
          expect(await client.type(store.keys(name).hash)).toBe('hash');
          expect(await client.hexists(store.keys(name).hash, 'p:garbage-lease')).toBe(0);
          // counted in Redis again
          await expect(b.execute(ok)).resolves.toBe('ok');
          await expect(b.execute(boom)).rejects.toBeInstanceOf(Boom);
          expect(await client.hget(store.keys(name).hash, 'failures')).toBe('1');
        } finally {
          releaseProbe?.();
          await probe?.catch(() => undefined);
          await b.close();
        }
      }),
      { seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}) },
    );
  }, 60_000);

  it('garbage that keeps coming back: every call is still served, nothing crashes', async () => {
    const name = `g${process.pid}-${++counter}`;
    const b = new CircuitBreaker(name, { store, failureThreshold: 3 });
    let storeErrors = 0;
    b.on('storeError', () => storeErrors++);
    const stop = { now: false };
    const vandal = (async () => {
      while (!stop.now) {
        await client.set(store.keys(name).hash, 'vandalised').catch(() => undefined);
        await sleep(3);
      }
    })();
    try {
      let served = 0;
      for (let i = 0; i < 60; i++) {
        // successes and failures alternate: the circuit never has 3 consecutive failures
        if (i % 2 === 0) {
          await expect(b.execute(ok)).resolves.toBe('ok');
          served++;
        } else await expect(b.execute(boom)).rejects.toBeInstanceOf(Boom);
        if (i % 10 === 0) await b.snapshot();
        await sleep(2);
      }
      expect(served).toBe(30);
      expect(storeErrors).toBeGreaterThan(0);
    } finally {
      stop.now = true;
      await vandal;
      await client.del(store.keys(name).hash);
      await b.close();
    }
  });
});
