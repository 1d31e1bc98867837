/**
 * Deterministic waiting for pub/sub: publish a marker change (for a breaker name nobody uses) and
 * wait until the store's subscriber delivers it. Redis delivers a connection's messages in order,
 * so every transition published before the marker has then reached the store's listeners.
 */
import type { BreakerStore } from '../../src/breaker/store.js';
import { sleep } from '../helpers/wait.js';

/** Anything that can publish on a channel: a `Redis` connection, a `Cluster` client, … */
export interface Publisher {
  publish(channel: string, message: string): Promise<unknown>;
}

let markers = 0;

/** The pub/sub message of a fresh CLOSED state for breaker `name` (as the store publishes it). */
export function markerMessage(name: string): string {
  return JSON.stringify({
    v: 1,
    name,
    state: 'closed',
    forced: 0,
    failures: 0,
    successes: 0,
    openedAt: 0,
    retryAfterMs: 0,
    probesInFlight: 0,
    version: 0,
    windowCalls: 0,
    windowFailures: 0,
  });
}

/**
 * Resolves once `store`'s subscriber delivered a marker published through `publisher` on the
 * store's channel (re-published every 20 ms until then, which also covers a subscriber that is
 * still connecting). Rejects after `timeoutMs`.
 */
export async function untilDelivered(publisher: Publisher, store: BreakerStore & { channel: string }, timeoutMs = 3000): Promise<void> {
  const name = `__marker__${process.pid}-${++markers}`;
  let seen = false;
  const sub = store.subscribe((c) => {
    if (c.type === 'change' && c.name === name) seen = true;
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (!seen) {
      if (Date.now() > deadline) throw new Error(`pub/sub marker not delivered within ${timeoutMs} ms`);
      await publisher.publish(store.channel, markerMessage(name));
      for (let i = 0; i < 20 && !seen; i++) await sleep(1);
    }
  } finally {
    sub.dispose();
  }
}

/** What {@link untilApplied} pings: a `Redis` connection, or a `Cluster` (each of its master connections). */
export interface Pingable {
  ping(): Promise<unknown>;
  nodes?: (role: 'master') => Array<{ ping(): Promise<unknown> }>;
}

/**
 * Resolves once a transition published before now has reached the breakers of `store` AND their
 * re-read of the store (a message only makes a breaker re-read) has been applied: the marker is
 * delivered after the message, each breaker sent its read when the message arrived, and one more
 * round trip on each connection the store's client uses answers after that read.
 */
export async function untilApplied(publisher: Publisher, store: BreakerStore & { channel: string; client: Pingable }, timeoutMs = 3000): Promise<void> {
  await untilDelivered(publisher, store, timeoutMs);
  const { client } = store;
  await Promise.all(typeof client.nodes === 'function' ? client.nodes('master').map((n) => n.ping()) : [client.ping()]);
  await new Promise((resolve) => setImmediate(resolve));
}
