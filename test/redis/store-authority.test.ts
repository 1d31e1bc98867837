/**
 * The store decides, not a message and not the mirror: forged pub/sub messages (any version,
 * any state) never stick, and a key that is lost while OPEN (DEL, FLUSHALL, expiry) brings every
 * mirror back to the store's CLOSED, with the hot path back to zero store commands.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { Boom, fail, ok, useInstances } from './instances.js';
import { sleep, uniqueName, useRedis, waitFor } from './fixture.js';
import { markerMessage, untilApplied } from './propagation.js';

const redis = useRedis();
const { instance, breaker, pair } = useInstances(redis);
let prefixes = 0;

/** A well-formed message of the store's format, claiming whatever the forger likes. */
function forged(name: string, claim: { state: string; forced: 0 | 1; version: number }): string {
  const m = JSON.parse(markerMessage(name)) as Record<string, unknown>;
  return JSON.stringify({ ...m, ...claim, openedAt: Date.now(), retryAfterMs: claim.forced ? -1 : 60_000 });
}

/** Whether a call through `b` reaches the provider (`ok`), rather than being rejected. */
async function reaches(b: CircuitBreaker): Promise<boolean> {
  let reached = false;
  await b
    .execute(() => {
      reached = true;
      return 'ok';
    })
    .catch((e: unknown) => {
      if (!(e instanceof CircuitOpenError)) throw e;
    });
  return reached;
}

/** Script calls (EVALSHA + EVAL) the server has run so far. */
async function scriptCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) n += Number(m[1]);
  return n;
}

describe('forged pub/sub messages', () => {
  it.each([
    ['forced open, version 1e300', { state: 'open', forced: 1 as const, version: 1e300 }],
    ['open, version 1e300', { state: 'open', forced: 0 as const, version: 1e300 }],
    ['half_open, version 2^53', { state: 'half_open', forced: 0 as const, version: 2 ** 53 }],
  ])('a forged "%s" while CLOSED: every call still reaches the provider, and real transitions still propagate', async (_label, claim) => {
    const { name, b, first: operator, second: victim } = await pair('forge', { failureThreshold: 2, resetTimeoutMs: 60_000 });
    await expect(victim.execute(ok)).resolves.toBe('ok');
    await redis.client.publish(b.store.channel, forged(name, claim));
    await untilApplied(redis.client, b.store);
    expect(victim.localState).toBe('closed');
    for (let i = 0; i < 5; i++) expect(await reaches(victim)).toBe(true);
    // a real transition (with a real, lower version) still reaches the victim …
    for (let i = 0; i < 2; i++) await expect(operator.execute(fail)).rejects.toBeInstanceOf(Boom);
    await waitFor(() => victim.localState === 'open', 1000, 'the victim to follow the real OPEN');
    expect(await reaches(victim)).toBe(false);
    // … and so does the operator's close
    await operator.forceClose();
    await waitFor(() => victim.localState === 'closed', 1000, 'the victim to follow forceClose');
    expect(await reaches(victim)).toBe(true);
  });

  it('a forged "closed, version 1e300" while OPEN: calls stay rejected, and a later forceOpen still holds', async () => {
    const { name, b, first: operator, second: victim } = await pair('forge', { failureThreshold: 1, resetTimeoutMs: 60_000 });
    await expect(operator.execute(fail)).rejects.toBeInstanceOf(Boom);
    await waitFor(() => victim.localState === 'open', 1000, 'the victim to see OPEN');
    await redis.client.publish(b.store.channel, forged(name, { state: 'closed', forced: 0, version: 1e300 }));
    await untilApplied(redis.client, b.store);
    expect(victim.localState).toBe('open');
    expect(await reaches(victim)).toBe(false);
    // the operator closes, the forger claims closed again, then the operator forces open: it holds
    await operator.forceClose();
    await waitFor(() => victim.localState === 'closed', 1000, 'the victim to follow forceClose');
    await redis.client.publish(b.store.channel, forged(name, { state: 'closed', forced: 0, version: 1e300 }));
    await operator.forceOpen();
    await waitFor(() => victim.localState === 'open', 1000, 'the victim to follow forceOpen');
    await sleep(50);
    expect(await reaches(victim)).toBe(false);
    expect((await victim.snapshot()).forced).toBe(true);
  });

  it('a flood of forged messages costs each breaker at most one store read at a time', async () => {
    const prefix = `forge${process.pid}-${++prefixes}`;
    const name = uniqueName('flood');
    const b = await instance(prefix);
    const victim = breaker(name, b.store);
    await expect(victim.execute(ok)).resolves.toBe('ok');
    const before = await scriptCalls(redis.client);
    const messages = 500;
    for (let i = 0; i < messages; i++) void redis.client.publish(b.store.channel, forged(name, { state: 'open', forced: 1, version: 1e12 + i }));
    await untilApplied(redis.client, b.store);
    await sleep(50);
    const reads = (await scriptCalls(redis.client)) - before;
    expect(victim.localState).toBe('closed');
    expect(reads).toBeGreaterThan(0); // each message is a hint to re-read …
    expect(reads).toBeLessThan(messages / 2); // … folded together while a read is under way
  });
});

describe('a key lost while OPEN', () => {
  it.each([
    ['DEL', (c: Redis, keys: { hash: string }) => c.del(keys.hash)],
    ['FLUSHALL', (c: Redis) => c.flushall()],
    ['expiry', (c: Redis, keys: { hash: string }) => c.pexpire(keys.hash, 1)],
  ])('%s: every mirror returns to the store\'s CLOSED within 1 s, then the hot path sends 0 commands', async (_label, lose) => {
    const { name, a, first: opener, second: other } = await pair('lost', { failureThreshold: 1, resetTimeoutMs: 60_000 });
    await expect(other.execute(ok)).resolves.toBe('ok');
    await expect(opener.execute(fail)).rejects.toBeInstanceOf(Boom);
    await waitFor(() => other.localState === 'open', 1000, 'the other instance to see OPEN');
    await lose(redis.client, a.store.keys(name));
    const t0 = Date.now();
    // callers keep calling; both mirrors must find the store's CLOSED by themselves
    await waitFor(async () => (await reaches(opener)) && (await reaches(other)), 2500, 'both instances to call the provider again', 20);
    const recoveredMs = Date.now() - t0;
    console.log(`[timing] key lost (${_label}) while OPEN: both mirrors CLOSED again after ${recoveredMs} ms`);
    expect(recoveredMs).toBeLessThanOrEqual(1000); // an OPEN mirror re-reads every 500 ms while it rejects
    expect(opener.localState).toBe('closed');
    expect(other.localState).toBe('closed');
    await sleep(50); // let any read still under way finish
    const before = await scriptCalls(redis.client);
    for (let i = 0; i < 50; i++) {
      await expect(opener.execute(ok)).resolves.toBe('ok');
      await expect(other.execute(ok)).resolves.toBe('ok');
    }
    await sleep(50);
    expect((await scriptCalls(redis.client)) - before).toBe(0);
  });
});
