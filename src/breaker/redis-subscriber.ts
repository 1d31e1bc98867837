/**
 * The Redis store's one subscriber connection: created lazily with `client.duplicate()` (works for
 * `Redis` and `Cluster`), subscribed to the store's channel, turning each published transition into
 * a `change` and each reconnection into a `resync` (messages may have been missed meanwhile).
 * @module
 */
import { isClusterClient, type RedisStoreClient, type RedisStoreConnection } from './redis-client.js';
import { decodeMessage } from './redis-codec.js';
import type { StoreChange } from './store.js';

/** ioredis' standalone `Redis#duplicate`, which takes option overrides (`Cluster#duplicate` takes startup nodes first). */
interface StandaloneClient {
  duplicate(override: { autoResubscribe: boolean }): RedisStoreConnection;
}

export class RedisSubscriber {
  private connection: RedisStoreConnection | undefined;
  private everSubscribed = false;
  private closed = false;

  constructor(
    private readonly client: RedisStoreClient,
    private readonly channel: string,
    private readonly emit: (change: StoreChange) => void,
  ) {}

  /**
   * The subscriber follows the caller's client: when that client ends (`quit()`, `disconnect()`),
   * the subscriber connection ends too, so it never holds the process open by itself.
   */
  private readonly onClientEnd = (): void => this.stop();

  /** Creates and connects the subscriber connection, once. Never throws. */
  start(): void {
    if (this.connection !== undefined || this.closed || this.client.status === 'end') return;
    let sub: RedisStoreConnection;
    try {
      // Standalone: we resubscribe ourselves on every `ready`, so that `resync` is emitted only once
      // the subscription is active again. A Cluster resubscribes on its own; subscribing again is harmless.
      sub = isClusterClient(this.client) ? this.client.duplicate() : (this.client as unknown as StandaloneClient).duplicate({ autoResubscribe: false });
    } catch {
      return; // no subscriber: changes still reach each instance through its own store replies
    }
    this.connection = sub;
    this.client.on('end', this.onClientEnd);
    // Errors are retried by ioredis; store calls report Redis problems, not the subscriber.
    sub.on('error', () => undefined);
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const change = decodeMessage(message);
      if (change) this.emit(change);
    });
    sub.on('ready', () => this.subscribe(sub));
    if (sub.status === 'ready') this.subscribe(sub);
    else if (sub.status === 'wait') sub.connect().catch(() => undefined);
  }

  private subscribe(sub: RedisStoreConnection): void {
    if (this.closed) return;
    sub.subscribe(this.channel).then(
      () => {
        if (this.closed || this.connection !== sub) return;
        this.everSubscribed = true;
        // Transitions published before the subscription was active were missed: on the first
        // subscription (a breaker read its state just before) as after a reconnection.
        this.emit({ type: 'resync' });
      },
      () => undefined, // retried on the next `ready`
    );
  }

  /** Disconnects the subscriber connection (never the caller's client) for good. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  /** Disconnects the subscriber connection; a later `start()` opens a new one. */
  stop(): void {
    const sub = this.connection;
    this.connection = undefined;
    this.everSubscribed = false;
    if (sub === undefined) return;
    this.client.off('end', this.onClientEnd);
    sub.removeAllListeners('message');
    sub.removeAllListeners('ready');
    try {
      sub.disconnect();
    } catch {
      // already gone
    }
  }
}


