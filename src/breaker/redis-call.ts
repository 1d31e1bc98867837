/**
 * One Redis store command under the store-call discipline, once the connection gate (redis-gate.ts)
 * let it go: it settles with the decoded reply or with a `StoreError`, never throws, and swallows a
 * late reply or error (a late reply goes to `onLate`).
 *
 * Its timeout is bound by the connection, not by the call: it fails when the connection has not
 * answered anything for `timeoutMs` since the command was sent. A command that waits behind a burst
 * of others (every breaker's first read at start-up) while replies keep arriving waits on, up to
 * {@link BUSY_FACTOR} × `timeoutMs`. A lone call on a Redis that does not answer still fails after
 * `timeoutMs`.
 * @module
 */
import { StoreError, isStoreError } from '../errors/store-error.js';
import { corruption } from './redis-codec.js';

/** One store command: what to send, and how to settle its caller. */
export interface StoreCommand<T> {
  readonly name: string;
  readonly operation: string;
  readonly start: () => Promise<unknown>;
  readonly decode: ((reply: unknown) => T) | undefined;
  readonly onLate: ((value: T) => void) | undefined;
}

/** How long a command may wait behind others on a connection that keeps answering, in `timeoutMs`. */
export const BUSY_FACTOR = 20;

/** What a command tells, and asks, the connection it was sent on (the gate). */
export interface CommandLink {
  /** `performance.now()` of the last reply the connection delivered (0 if none). */
  readonly lastReplyAt: number;
  /** A reply (or an error reply) arrived. */
  replied(): void;
  /** A command got no answer in time: Redis is stalled. */
  stalled(reason: string): void;
}

/** Sends `command` now, on the connection `link` stands for. */
export function sendCommand<T>(command: StoreCommand<T>, timeoutMs: number, link: CommandLink): Promise<T> {
  const { name, operation, start, decode, onLate } = command;
  let pending: Promise<unknown>;
  try {
    pending = start();
  } catch (err) {
    return Promise.reject(toStoreError(name, operation, err));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const sentAt = performance.now();
    const check = () => {
      if (settled) return;
      const now = performance.now();
      // The connection answered since this command was sent: it waits behind others, not on a
      // silent Redis. Its deadline is `timeoutMs` after the last reply (capped).
      const due = Math.max(sentAt, link.lastReplyAt) + timeoutMs;
      if (due > now + 1 && now - sentAt < timeoutMs * BUSY_FACTOR) {
        timer = arm(due - now);
        return;
      }
      settled = true;
      const message = `Redis did not answer within ${timeoutMs} ms`;
      link.stalled(message);
      reject(new StoreError(name, operation, message));
    };
    // After the event loop was blocked (GC, CPU-heavy work, a starved core) a timer fires late, and
    // timers run before I/O: a reply that arrived meanwhile still waits in the socket. Let one I/O
    // poll pass first, so the timeout measures Redis, not this process's stall.
    const arm = (ms: number) => setTimeout(() => setImmediate(check), ms);
    let timer = arm(timeoutMs);
    pending.then(
      (reply) => {
        link.replied();
        let value: T;
        try {
          value = decode ? decode(reply) : (reply as T);
        } catch (err) {
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            reject(toStoreError(name, operation, err));
          }
          return;
        }
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(value);
        } else if (onLate) {
          try {
            onLate(value);
          } catch {
            // swallowed: the caller has moved on
          }
        }
      },
      (err: unknown) => {
        link.replied();
        if (settled) return; // late failure: swallowed, the caller already has its StoreError
        settled = true;
        clearTimeout(timer);
        reject(toStoreError(name, operation, err));
      },
    );
  });
}

/** A Redis or decoding error as the StoreError of breaker `name`'s `operation` (corrupt keys named as such). */
export function toStoreError(name: string, operation: string, err: unknown): StoreError {
  if (isStoreError(err)) return err;
  const repaired = corruption(err);
  if (repaired !== undefined) return new StoreError(name, operation, `corrupt breaker state in Redis: ${repaired}`, err);
  return new StoreError(name, operation, err instanceof Error ? err.message : String(err), err);
}
