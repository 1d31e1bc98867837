/**
 * The stream lifecycle every adapter shares: open the SDK stream, map its events, report an abort,
 * map any error, and close the HTTP request unless the stream completed.
 * @module
 */
import type { ProviderCallContext, ProviderStreamEvent } from '../../src/provider.js';
import { abortedError } from './provider-errors.js';
import type { MapSdkError, SdkResponse } from './sdk-complete.js';

/** An SDK stream: its events, and the controller that closes its HTTP request. */
export interface SdkStream<E> extends AsyncIterable<E> {
  readonly controller: AbortController;
}

/**
 * Maps one adapter's SDK events to {@link ProviderStreamEvent}s. It returns, once the events end,
 * the closing events (the last one being `finish`); it throws there when the stream ended early.
 */
export type MapStreamEvents<E> = (
  events: AsyncIterable<E>,
  requestId: string | undefined,
) => AsyncGenerator<ProviderStreamEvent, () => ProviderStreamEvent[], undefined>;

/**
 * Streams one completion. `open` converts the request and starts the SDK stream (with
 * `ctx.signal` and `maxRetries: 0`). `return()` (a consumer's `break`), an error, or `ctx.signal`
 * aborting closes the HTTP request.
 */
export async function* sdkStream<E>(
  provider: string,
  ctx: ProviderCallContext,
  open: () => PromiseLike<SdkResponse<SdkStream<E>>>,
  mapEvents: MapStreamEvents<E>,
  mapError: MapSdkError,
): AsyncGenerator<ProviderStreamEvent, void, undefined> {
  const { signal } = ctx;
  let requestId: string | undefined;
  let controller: AbortController | undefined;
  let completed = false;
  try {
    const { data: stream, request_id } = await open();
    controller = stream.controller;
    requestId = request_id ?? undefined;
    const closing = yield* mapEvents(stream, requestId);
    // The SDK ends the iteration quietly when the request is aborted: report it as an abort.
    if (signal.aborted) throw abortedError(provider, signal.reason, requestId);
    const tail = closing();
    for (let i = 0; i < tail.length; i++) {
      if (i === tail.length - 1) completed = true;
      yield tail[i]!;
    }
  } catch (err) {
    throw mapError(err, provider, signal, requestId);
  } finally {
    if (!completed) controller?.abort();
  }
}
