/**
 * The message an instance's own transition publishes can overtake the script reply that carries
 * the same state (pub/sub and commands travel on two connections). It must not cost that instance
 * an extra read: a failing probe that re-opens the circuit is its two scripts (acquire and release),
 * nothing more. Counted on a real redis-server with INFO commandstats.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { Boom, fail, ok, useInstances } from './instances.js';
import { sleep, useRedis } from './fixture.js';

const redis = useRedis();
const { instance, breaker } = useInstances(redis);

/** Script calls (EVALSHA + EVAL) the server has run so far. */
async function scriptCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) n += Number(m[1]);
  return n;
}

describe("an instance's own transition message", () => {
  it('costs no extra read: a failing probe that re-opens sends exactly 2 scripts', async () => {
    const { store } = await instance(`own-msg-${process.pid}`);
    const b = breaker(`own-msg-${process.pid}`, store, { failureThreshold: 1, resetTimeoutMs: 40, successThreshold: 1 });
    await expect(b.execute(ok)).resolves.toBe('ok');
    const ROUNDS = 12;
    const perRound: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom); // CLOSED → OPEN
      await sleep(60); // past resetTimeoutMs: the next call is a probe
      const before = await scriptCalls(redis.client);
      await expect(b.execute(fail)).rejects.toBeInstanceOf(Boom); // the probe fails: OPEN again
      await sleep(150); // any read the message would trigger has been sent by now
      perRound.push((await scriptCalls(redis.client)) - before);
      await b.forceClose();
    }
    expect(perRound).toEqual(Array.from({ length: ROUNDS }, () => 2));
    expect(b.localState).toBe('closed');
  });
});
