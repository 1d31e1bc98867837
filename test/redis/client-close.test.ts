/**
 * llm.close() releases what the client owns — its breakers' subscriptions, hence the store's
 * subscriber connection — and never the caller's Redis client.
 */
import { describe, expect, it } from 'vitest';
import { createLLMClient } from '../../src/client.js';
import { scripted } from '../helpers/scripted-adapter.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { useRedis } from './fixture.js';

const redis = useRedis();

async function subscribers(channel: string): Promise<number> {
  const reply = (await redis.client.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

/** Polls (every 20 ms, for up to 3 s) until `channel` has `n` subscribers. */
const untilSubscribers = (channel: string, n: number) =>
  waitFor(async () => (await subscribers(channel)) === n, 3000, `${n} subscriber(s) on ${channel}`, 20);

describe('closing clients on a Redis store', () => {
  it('closing the last client releases the subscriber connection; the caller client stays usable', async () => {
    const store = redis.store({ prefix: 'close1' });
    const l1 = createLLMClient({ providers: [scripted('a'), scripted('b')], store, telemetry: false });
    const l2 = createLLMClient({ providers: [scripted('a')], store, telemetry: false });
    await l1.complete({ messages: [{ role: 'user', content: 'hi' }] });
    await untilSubscribers('close1:events', 1);
    await l1.close();
    await sleep(1300);
    expect(await subscribers('close1:events')).toBe(1); // l2 still listens
    await l2.close();
    await untilSubscribers('close1:events', 0);
    expect(redis.client.status).toBe('ready');
    expect(await redis.client.ping()).toBe('PONG');
    // a new client on the same store subscribes again
    const l3 = createLLMClient({ providers: [scripted('a')], store, telemetry: false });
    await untilSubscribers('close1:events', 1);
    await l3.close();
  });
});
