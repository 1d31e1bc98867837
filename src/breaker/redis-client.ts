/**
 * The part of an ioredis client the Redis store uses, described structurally. ioredis is an
 * optional peer dependency: the public declarations must not import it, or a project without it
 * (compiled with `skipLibCheck: false`) fails on "Cannot find module 'ioredis'". An ioredis `Redis`
 * and a `Cluster` (5.x and 6.x) are assignable to these interfaces as they are, no cast needed;
 * `test/package/redis-client-type.test.ts` checks that against the installed ioredis.
 * @module
 */

/**
 * A connection the store opened with {@link RedisStoreClient.duplicate}: its subscriber connection,
 * which it connects, subscribes to the store's channel, listens to and disconnects.
 */
export interface RedisStoreConnection {
  /** The ioredis connection status (`'wait'`, `'ready'`, `'end'`, ...). */
  readonly status: string;
  connect(): Promise<void>;
  disconnect(): void;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: string, listener: () => void): unknown;
  removeAllListeners(event: string): unknown;
}

/**
 * The client a `RedisStore` works with: an ioredis `Redis` or `Cluster` (this interface only
 * names what the store uses, so that the package's types do not depend on ioredis). The store
 * defines its Lua scripts on it as custom commands (`defineCommand`) and calls them by name.
 */
export interface RedisStoreClient {
  /** The ioredis connection status: the store only sends commands while it is `'ready'`. */
  readonly status: string;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
  ping(): Promise<unknown>;
  /**
   * Connection events: the store waits for `ready` while the client is still connecting, and its
   * subscriber connection follows the client's `end` (it ends when the caller's client ends).
   */
  on(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
  off(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
  /** Opens the store's subscriber connection (a `Redis` or `Cluster` like this one). */
  duplicate(): RedisStoreConnection;
}

/** True for an ioredis `Cluster` (which marks itself with `isCluster`). */
export function isClusterClient(client: object): boolean {
  return (client as { isCluster?: unknown }).isCluster === true;
}
