/**
 * One Redis store command under the store-call discipline, once the connection gate (redis-gate.ts)
 * let it go: it settles within `timeoutMs` of being sent — with the decoded reply, or with a
 * `StoreError` — never throws, and swallows a late reply or error (a late reply goes to `onLate`).
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

/** Sends `command` now. `onStall(reason)` is told when it timed out (Redis did not answer). */
export function sendCommand<T>(command: StoreCommand<T>, timeoutMs: number, onStall: (reason: string) => void): Promise<T> {
  const { name, operation, start, decode, onLate } = command;
  let pending: Promise<unknown>;
  try {
    pending = start();
  } catch (err) {
    return Promise.reject(toStoreError(name, operation, err));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      // After the event loop was blocked (GC, CPU-heavy work, a starved core) this timer fires
      // late, and timers run before I/O: a reply that arrived meanwhile still waits in the socket.
      // Let one I/O poll pass first, so the timeout measures Redis, not this process's stall.
      setImmediate(() => {
        if (settled) return;
        settled = true;
        const message = `Redis did not answer within ${timeoutMs} ms`;
        onStall(message);
        reject(new StoreError(name, operation, message));
      });
    }, timeoutMs);
    pending.then(
      (reply) => {
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
