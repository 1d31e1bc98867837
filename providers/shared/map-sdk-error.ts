/**
 * The part of "anything an SDK throws → {@link ProviderError}" (with its normalised `kind`) that both adapters
 * share: aborts, timeouts, connection failures, API errors, bare network errors and malformed
 * JSON. Each adapter supplies its SDK's error classes and how it reads an `APIError`.
 * @module
 */
import { isConfigError } from '../../src/errors/config-error.js';
import { ProviderError, isProviderError } from '../../src/errors/provider-error.js';
import { classifyNetworkError } from './classify-network-error.js';
import { abortedError, badResponse, isAbortError, sdkConnectionClass } from './provider-errors.js';

/** One of an SDK's error classes, for `instanceof`. */
type ErrorClass = abstract new (...args: never[]) => Error;

/** What {@link mapSdkError} needs to know about one SDK. */
export interface SdkErrorMapping<ApiError> {
  /** The SDK's classes (errors from another copy of the SDK are also recognised by name). */
  classes: {
    userAbort: ErrorClass;
    connectionTimeout: ErrorClass;
    connection: ErrorClass;
    api: ErrorClass;
  };
  /** An `APIError` (or an error shaped like one) → its ProviderError. */
  fromApiError(err: ApiError, provider: string, requestId: string | undefined): ProviderError;
  /** Checked last, before any other error becomes `bad_response`: `undefined` to let it. */
  mapOther?(err: unknown, provider: string, requestId: string | undefined): ProviderError | undefined;
}

/**
 * Normalises an SDK failure, in this order:
 *
 * | failure | kind |
 * | --- | --- |
 * | already a ProviderError | itself |
 * | a ConfigError (the request body could not be built: nothing was sent) | rethrown as is |
 * | `signal` aborted, the SDK's user-abort error, `AbortError` | `aborted` |
 * | the SDK's connection-timeout error | `timeout` |
 * | the SDK's connection error | `connection`, or what the network failure in its `cause` means |
 * | the SDK's `APIError` (or an error with `status`, `headers` and `error`) | `mapping.fromApiError` |
 * | a network failure anywhere in the cause chain | `connection` / `timeout` |
 * | `SyntaxError` | `bad_response` ("malformed JSON: …") |
 * | anything else | `mapping.mapOther`, else `bad_response` |
 *
 * `err` becomes the cause as it is: the ProviderError keeps a scrubbed copy of it (`scrubChain`).
 */
export function mapSdkError<ApiError>(
  mapping: SdkErrorMapping<ApiError>,
  err: unknown,
  provider: string,
  signal?: AbortSignal,
  requestId?: string,
): ProviderError {
  if (isProviderError(err)) return err;
  // the request body could not be built (conversion-error.ts): nothing was sent; not the provider's
  if (isConfigError(err)) throw err;
  const { classes } = mapping;
  const sdkClass = sdkConnectionClass(err);
  if (signal?.aborted || err instanceof classes.userAbort || sdkClass === 'abort' || isAbortError(err)) {
    return abortedError(provider, signal?.aborted ? (signal.reason ?? err) : err, requestId);
  }
  if (err instanceof classes.connectionTimeout || sdkClass === 'timeout') {
    return new ProviderError({ provider, kind: 'timeout', message: messageOf(err), requestId, cause: err });
  }
  if (err instanceof classes.connection || sdkClass === 'connection') {
    const net = classifyNetworkError((err as { cause?: unknown }).cause);
    const detail = net ? `${messageOf(err)} (${net.code})` : messageOf(err);
    return new ProviderError({ provider, kind: net?.kind ?? 'connection', message: detail, requestId, cause: err });
  }
  if (err instanceof classes.api || isApiErrorLike(err)) return mapping.fromApiError(err as ApiError, provider, requestId);
  const net = classifyNetworkError(err);
  if (net) {
    return new ProviderError({ provider, kind: net.kind, message: `${messageOf(err)} (${net.code})`, requestId, cause: err });
  }
  if (err instanceof SyntaxError) return badResponse(provider, `malformed JSON: ${err.message}`, requestId, err);
  return mapping.mapOther?.(err, provider, requestId) ?? badResponse(provider, messageOf(err), requestId, err);
}

/** An SDK `APIError` from another copy of the SDK, where `instanceof` fails. */
function isApiErrorLike(err: unknown): boolean {
  return err instanceof Error && 'status' in err && 'headers' in err && 'error' in err;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
