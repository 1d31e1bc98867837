/**
 * The `complete()` skeleton every adapter shares: convert, call the SDK, map the response, map any
 * error (with the request id once the response headers came).
 * @module
 */
import type { ProviderCallContext, ProviderResult } from '../../src/provider.js';

/** What an SDK's `.withResponse()` resolves to. */
export interface SdkResponse<T> {
  data: T;
  request_id?: string | null | undefined;
}

/** How one adapter maps its SDK's errors to a `ProviderError`. */
export type MapSdkError = (err: unknown, provider: string, signal: AbortSignal, requestId: string | undefined) => Error;

/**
 * Runs one non-streaming call. `call` converts the request and starts the SDK call (with
 * `ctx.signal` and `maxRetries: 0`); `map` turns its body into a {@link ProviderResult}.
 */
export async function sdkComplete<T>(
  provider: string,
  ctx: ProviderCallContext,
  call: () => PromiseLike<SdkResponse<T>>,
  map: (data: T, requestId: string | undefined) => ProviderResult,
  mapError: MapSdkError,
): Promise<ProviderResult> {
  let requestId: string | undefined;
  try {
    const { data, request_id } = await call();
    requestId = request_id ?? undefined;
    return map(data, requestId);
  } catch (err) {
    throw mapError(err, provider, ctx.signal, requestId);
  }
}
