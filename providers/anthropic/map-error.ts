/**
 * Anything the Anthropic SDK throws → {@link ProviderError} (DESIGN §3).
 * @module
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { ErrorKind } from '../../src/errors/error-kind.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import { getHeader, type HeadersLike } from '../shared/headers.js';
import { mapSdkError, type SdkErrorMapping } from '../shared/map-sdk-error.js';
import { rateLimitWaitMs } from '../shared/rate-limit-wait.js';
import { parseRetryAfterMs } from '../shared/retry-after.js';
import { CONTEXT_LENGTH_MESSAGE, kindForStatus } from '../shared/status-kind.js';

/** Anthropic's wording when its output classifiers stop a response ("Output blocked by content filtering policy"). */
const CONTENT_FILTER_MESSAGE = /content filtering policy|blocked by (?:our )?content|content policy|usage policy/i;

const ANTHROPIC_ERRORS: SdkErrorMapping<ApiErrorLike> = {
  classes: { userAbort: APIUserAbortError, connectionTimeout: APIConnectionTimeoutError, connection: APIConnectionError, api: APIError },
  fromApiError,
  mapOther: streamingRequired,
};

/**
 * Normalises an Anthropic SDK failure.
 *
 * | failure | kind |
 * | --- | --- |
 * | `signal` aborted, `APIUserAbortError`, `AbortError` | `aborted` |
 * | `APIConnectionTimeoutError`, socket timeouts | `timeout` |
 * | `APIConnectionError`: refused, reset, DNS, TLS; a body cut mid-way | `connection` |
 * | 429 `rate_limit_error` | `rate_limit` (`retryAfterMs`: see {@link rateLimitWaitMs}) |
 * | 402 / `billing_error` (credit exhausted) | `rate_limit`, `retryable: false` |
 * | 529, 503, `overloaded_error` (also in-band `event: error`) | `overloaded` |
 * | 500 `api_error`, 502, 504, other 5xx | `server` |
 * | 401 `authentication_error`, 403 `permission_error` | `auth` |
 * | 404 `not_found_error` (unknown model) | `not_found` |
 * | 400 "prompt is too long" / context window exceeded, 413 `request_too_large` | `context_length` |
 * | 400 "Output blocked by content filtering policy" | `content_filter` |
 * | other 400 `invalid_request_error`, 422, other 4xx | `invalid_request` |
 * | in-band `event: error` | by its `error.type`; `server` when unknown |
 * | malformed JSON (`SyntaxError`), any other SDK error | `bad_response` |
 *
 * A stop_reason of `refusal` is not an error: it is a response with finishReason `content_filter`.
 *
 * @param requestId the response's `request-id` when the caller already has it (streams)
 */
export function mapAnthropicError(
  err: unknown,
  provider: string,
  signal?: AbortSignal,
  requestId?: string,
): ProviderError {
  return mapSdkError(ANTHROPIC_ERRORS, err, provider, signal, requestId);
}

/** The fields of an SDK `APIError` we read (also from another copy of the SDK). */
interface ApiErrorLike {
  status: number | undefined;
  headers: HeadersLike | undefined;
  /** The whole error body: `{ type: 'error', error: { type, message }, request_id }`. */
  error: unknown;
  type?: string | null;
  errorCode?: string | null;
  apiMessage?: string | null;
  message: string;
  requestID?: string | null;
}

function fromApiError(err: ApiErrorLike, provider: string, requestId: string | undefined): ProviderError {
  const { status } = err;
  const body = err.error as { error?: { type?: unknown; message?: unknown }; request_id?: unknown } | undefined;
  const type = err.type ?? (typeof body?.error?.type === 'string' ? body.error.type : undefined) ?? undefined;
  const providerCode = err.errorCode ?? type;
  const apiMessage = err.apiMessage ?? (typeof body?.error?.message === 'string' ? body.error.message : undefined);
  const message = apiMessage ?? err.message;
  let kind: ErrorKind;
  let retryable: boolean | undefined;
  if (status === 402 || type === 'billing_error') {
    kind = 'rate_limit';
    retryable = false; // credit exhausted: waiting does not help
  } else if (type === 'overloaded_error' || status === 529) {
    kind = 'overloaded';
  } else if (status === undefined) {
    kind = inBandKind(type, message);
  } else {
    kind = kindForStatus(status);
    if (kind === 'invalid_request') kind = refine(message);
  }
  const bodyRequestId = typeof body?.request_id === 'string' ? body.request_id : undefined;
  return new ProviderError({
    provider,
    kind,
    // The SDK's own message is the whole JSON body; "529 overloaded_error: Overloaded" reads better.
    message: apiMessage === undefined ? err.message : `${status === undefined ? '' : `${status} `}${type === undefined ? '' : `${type}: `}${apiMessage}`,
    status,
    retryable,
    retryAfterMs: kind === 'rate_limit' ? rateLimitWaitMs(err.headers, message) : parseRetryAfterMs(err.headers),
    requestId: err.requestID ?? getHeader(err.headers, 'request-id') ?? bodyRequestId ?? requestId,
    providerCode: providerCode ?? undefined,
    cause: err,
  });
}

function refine(message: string): ErrorKind {
  if (CONTEXT_LENGTH_MESSAGE.test(message)) return 'context_length';
  if (CONTENT_FILTER_MESSAGE.test(message)) return 'content_filter';
  return 'invalid_request';
}

/** An `event: error` inside a 200 SSE stream carries no status: classify by `error.type`. */
function inBandKind(type: string | undefined, message: string): ErrorKind {
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limit';
    case 'api_error':
      return 'server';
    case 'timeout_error':
      return 'timeout';
    case 'authentication_error':
    case 'permission_error':
      return 'auth';
    case 'not_found_error':
      return 'not_found';
    case 'request_too_large':
      return 'context_length';
    case 'invalid_request_error':
      return refine(message);
    default:
      return /overloaded/i.test(message) ? 'overloaded' : 'server';
  }
}

/** The SDK refuses, before sending, a non-streaming call it expects to outlast 10 minutes. */
function streamingRequired(err: unknown, provider: string): ProviderError | undefined {
  if (err instanceof Error && /Streaming is required/i.test(err.message)) {
    return new ProviderError({ provider, kind: 'invalid_request', message: err.message, cause: err });
  }
  return undefined;
}
