/**
 * llm.close() releases what the client owns — its breakers' subscriptions, hence the store's
 * subscriber connection — and never the caller's Redis client.
 */
import { describe, expect, it } from 'vitest';
import { createLLMClient } from '../../src/client.js';
import { scripted } from '../helpers/scripted-adapter.js';
import { useRedis } from './fixture.js';

const redis = useRedis();

async function subscribers(channel: string): Promise<number> {
  const reply = (await redis.client.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

async function until(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('closing clients on a Redis store', () => {
  it('closing the last client releases the subscriber connection; the caller client stays usable', async () => {
    const store = redis.store({ prefix: 'close1' });
    const l1 = createLLMClient({ providers: [scripted('a'), scripted('b')], store, telemetry: false });
    const l2 = createLLMClient({ providers: [scripted('a')], store, telemetry: false });
    await l1.complete({ messages: [{ role: 'user', content: 'hi' }] });
    await until(async () => (await subscribers('close1:events')) === 1);
    await l1.close();
    await new Promise((r) => setTimeout(r, 1300));
    expect(await subscribers('close1:events')).toBe(1); // l2 still listens
    await l2.close();
    await until(async () => (await subscribers('close1:events')) === 0);
    expect(redis.client.status).toBe('ready');
    expect(await redis.client.ping()).toBe('PONG');
    // a new client on the same store subscribes again
    const l3 = createLLMClient({ providers: [scripted('a')], store, telemetry: false });
    await until(async () => (await subscribers('close1:events')) === 1);
    await l3.close();
  });
});
