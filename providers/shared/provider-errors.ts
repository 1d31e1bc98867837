/**
 * ProviderErrors both adapters raise for the same reasons.
 * @module
 */
import { ProviderError } from '../../src/errors/provider-error.js';

/** The caller's signal (or the client's timeout/deadline, which abort it) ended the attempt. */
export function abortedError(provider: string, cause?: unknown, requestId?: string): ProviderError {
  return new ProviderError({ provider, kind: 'aborted', message: 'request aborted', requestId, cause });
}

/** A streaming response ended without its terminal event. */
export function streamEndedEarly(provider: string, requestId: string | undefined): ProviderError {
  return new ProviderError({ provider, kind: 'connection', message: 'stream ended before completion', requestId });
}

/** A 200 whose body (or SSE event) is not what the provider's API promises. */
export function badResponse(provider: string, message: string, requestId?: string, cause?: unknown): ProviderError {
  return new ProviderError({ provider, kind: 'bad_response', message, requestId, cause });
}

/** True for a DOM/undici `AbortError` (also what `AbortSignal.timeout()` rejects with: `TimeoutError`). */
export function isAbortError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const name = (err as { name?: unknown }).name;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

/**
 * The connection-level class of an SDK error by name, for errors from another copy of the SDK
 * (a caller's client from a different install), where `instanceof` fails. Both SDKs name these
 * classes alike.
 */
export function sdkConnectionClass(err: unknown): 'abort' | 'timeout' | 'connection' | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const name = (err as { constructor?: { name?: unknown } }).constructor?.name;
  const own = (err as { name?: unknown }).name;
  for (const n of [name, own]) {
    if (n === 'APIUserAbortError') return 'abort';
    if (n === 'APIConnectionTimeoutError') return 'timeout';
    if (n === 'APIConnectionError') return 'connection';
  }
  return undefined;
}
