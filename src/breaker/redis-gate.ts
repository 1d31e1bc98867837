/**
 * The Redis store's connection gate: when a store command may be sent.
 *
 * - A client that is `ready` sends at once (the hot path: no allocation beyond the command).
 * - A client that is still making its first connection (`connecting`, `connect`) is not
 *   "unreachable": the command waits for `ready`, bounded by `connectTimeoutMs`. One wait per
 *   connection, shared by every waiting command, so 20,000 breakers created at once set one timer,
 *   not 20,000.
 * - Any other status (`wait` of a lazy client nobody connected, `reconnecting`, `close`, `end`) is
 *   refused at once: the breaker runs on its local state until Redis answers again.
 * - At most `maxInFlight` commands are on the wire at once; the others queue without a timer. A
 *   command's timeout starts when it is sent and runs from the connection's last reply (see
 *   redis-call.ts), so a burst (every breaker's first read) is bounded by how fast the connection
 *   answers, not by each call's place in the queue. When a sent command times out, Redis is stalled:
 *   every queued command is refused at once rather than timing out in turn.
 * @module
 */
import type { CommandLink } from './redis-call.js';
import type { RedisStoreClient } from './redis-client.js';

/** Statuses of a connection on its way to `ready` for the first time (ioredis `Redis` and `Cluster`). */
const CONNECTING: ReadonlySet<string> = new Set(['connecting', 'connect']);
/** Granularity of the connect-timeout clock. */
const TICK_MS = 50;

/** Turns the reason the gate did not send a command into the caller's error (a `StoreError`). */
export type Refuse = (reason: string) => Error;

interface Queued {
  readonly send: () => Promise<unknown>;
  readonly refuse: Refuse;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export class ConnectionGate implements CommandLink {
  lastReplyAt = 0;
  private inFlight = 0;
  private readonly queue: Queued[] = [];
  private readyWait: Promise<void> | undefined;

  constructor(
    private readonly client: RedisStoreClient,
    private readonly connectTimeoutMs: number,
    private readonly maxInFlight: number,
  ) {}

  /**
   * Sends `send()` when the connection allows it, and settles as it does. `send` must not throw and
   * must settle (the store bounds it by `timeoutMs`). Rejects with `refuse(reason)` when the
   * connection is not usable.
   */
  admit<T>(send: () => Promise<T>, refuse: Refuse): Promise<T> {
    const status = this.client.status;
    if (status === 'ready') {
      if (this.inFlight < this.maxInFlight && this.queue.length === 0) return this.start(send);
      return new Promise<T>((resolve, reject) => {
        this.queue.push({ send, refuse, resolve: resolve as (value: unknown) => void, reject });
      });
    }
    if (CONNECTING.has(status)) {
      return this.whenReady().then(
        () => this.admit(send, refuse),
        (reason: string) => Promise.reject(refuse(reason)),
      );
    }
    return Promise.reject(refuse(notConnected(status)));
  }

  replied(): void {
    this.lastReplyAt = performance.now();
  }

  /** A sent command got no answer in time: Redis is stalled, refuse everything queued behind it. */
  stalled(reason: string): void {
    for (const q of this.queue.splice(0)) q.reject(q.refuse(`${reason} (a command sent before this one timed out)`));
  }

  private start<T>(send: () => Promise<T>): Promise<T> {
    this.inFlight++;
    const p = send();
    p.then(this.release, this.release);
    return p;
  }

  private readonly release = (): void => {
    this.inFlight--;
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const q = this.queue.shift() as Queued;
      if (this.client.status !== 'ready') {
        q.reject(q.refuse(notConnected(this.client.status)));
        continue;
      }
      this.start(q.send).then(q.resolve, q.reject);
    }
  };

  /**
   * One wait per connection attempt: resolves on `ready`; rejects with the reason (a string) on
   * `close`/`end` or after `connectTimeoutMs`.
   */
  private whenReady(): Promise<void> {
    if (this.readyWait !== undefined) return this.readyWait;
    const client = this.client;
    const limit = this.connectTimeoutMs;
    this.readyWait = new Promise<void>((resolve, reject) => {
      let finished = false;
      const done = (err?: string) => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        client.off('end', onClose);
        this.readyWait = undefined;
        if (err !== undefined) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(`Redis is not connected: the connection failed before it was ready (connection status "${client.status}")`);
      // connectTimeoutMs measures Redis, not this process: time during which the event loop was
      // blocked (e.g. 20,000 breakers constructed in one go, a GC pause) does not count, or the
      // timer would fire before the `ready` waiting in the socket is read.
      const tickMs = Math.min(TICK_MS, limit);
      let waited = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        waited += Math.min(now - last, 2 * tickMs);
        last = now;
        if (waited >= limit) setImmediate(() => done(`Redis was not ready within connectTimeoutMs (${limit} ms; connection status "${client.status}")`));
      }, tickMs);
      // A waiting store call never holds the process open by itself (the connecting socket does).
      timer.unref();
      client.on('ready', onReady);
      client.on('close', onClose);
      client.on('end', onClose);
    });
    return this.readyWait;
  }
}

function notConnected(status: string): string {
  return `Redis is not connected (connection status "${status}")`;
}
