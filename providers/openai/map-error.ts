/**
 * Anything the OpenAI SDK throws → {@link ProviderError} with its normalised `kind`.
 * @module
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ErrorKind } from '../../src/errors/error-kind.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import { getHeader, type HeadersLike } from '../shared/headers.js';
import { mapSdkError, type SdkErrorMapping } from '../shared/map-sdk-error.js';
import { rateLimitWaitMs } from '../shared/rate-limit-wait.js';
import { parseRetryAfterMs } from '../shared/retry-after.js';
import { CONTEXT_LENGTH_MESSAGE, kindForStatus } from '../shared/status-kind.js';

const CONTENT_FILTER_CODES = new Set(['content_policy_violation', 'content_filter', 'content_filtered']);
/** "Request too large for gpt-4o … Requested 45411. The input or output tokens must be reduced …" */
const REQUEST_TOO_LARGE = /\brequest too large\b|\btokens must be reduced\b/i;
const CONTENT_FILTER_MESSAGE = /content management policy|content[_ ]policy|safety system|content filter/i;

const OPENAI_ERRORS: SdkErrorMapping<ApiErrorLike> = {
  classes: { userAbort: APIUserAbortError, connectionTimeout: APIConnectionTimeoutError, connection: APIConnectionError, api: APIError },
  fromApiError,
};

/**
 * Normalises an OpenAI SDK failure.
 *
 * | failure | kind |
 * | --- | --- |
 * | `signal` aborted, `APIUserAbortError`, `AbortError` | `aborted` |
 * | `APIConnectionTimeoutError`, socket timeouts | `timeout` |
 * | `APIConnectionError`: refused, reset, DNS, TLS; a body cut mid-way | `connection` |
 * | 429 | `rate_limit` (`retryAfterMs`: see {@link rateLimitWaitMs}) |
 * | 429 with code `insufficient_quota` | `rate_limit`, `retryable: false` |
 * | 429 "Request too large … must be reduced" (one request above the TPM limit) | `context_length` |
 * | 503 | `overloaded` |
 * | 500, 502, 504, other 5xx | `server` |
 * | 401, 403, code `invalid_api_key` | `auth` |
 * | 404, code `model_not_found` | `not_found` |
 * | 400 code `context_length_exceeded` (or its message), 413 | `context_length` |
 * | 400 code `content_policy_violation` / `content_filter` | `content_filter` |
 * | other 400, 422, other 4xx | `invalid_request` |
 * | in-band SSE `{"error":…}` | by its `code` / `type`; `server` when unknown |
 * | malformed JSON (`SyntaxError`), any other SDK error | `bad_response` |
 *
 * @param requestId the response's `x-request-id` when the caller already has it (streams)
 */
export function mapOpenAIError(
  err: unknown,
  provider: string,
  signal?: AbortSignal,
  requestId?: string,
): ProviderError {
  return mapSdkError(OPENAI_ERRORS, err, provider, signal, requestId);
}

/** The fields of an SDK `APIError` we read (also from another copy of the SDK). */
interface ApiErrorLike {
  status: number | undefined;
  headers: HeadersLike | undefined;
  error: unknown;
  code?: unknown;
  type?: unknown;
  message: string;
  requestID?: string | null;
}

function fromApiError(err: ApiErrorLike, provider: string, requestId: string | undefined): ProviderError {
  const { status } = err;
  const code = typeof err.code === 'string' ? err.code : undefined;
  const type = typeof err.type === 'string' ? err.type : undefined;
  const providerCode = code ?? type;
  let kind: ErrorKind;
  let retryable: boolean | undefined;
  if (code === 'insufficient_quota' || type === 'insufficient_quota') {
    kind = 'rate_limit';
    retryable = false; // billing: waiting does not help
  } else if (status === undefined) {
    kind = inBandKind(code, type, err.message);
  } else {
    kind = kindForStatus(status);
    if (kind === 'invalid_request' || kind === 'not_found' || kind === 'auth') kind = refine(kind, code, err.message);
    // one request above the per-minute token limit: waiting never helps; a bigger provider may serve it
    else if (kind === 'rate_limit' && REQUEST_TOO_LARGE.test(err.message)) kind = 'context_length';
  }
  return new ProviderError({
    provider,
    kind,
    message: err.message,
    status,
    retryable,
    retryAfterMs: kind === 'rate_limit' ? rateLimitWaitMs(err.headers, err.message) : parseRetryAfterMs(err.headers),
    requestId: err.requestID ?? getHeader(err.headers, 'x-request-id') ?? requestId,
    providerCode,
    cause: err,
  });
}

/** 4xx refinements by `code` (or message, for compatible servers that send no code). */
function refine(kind: ErrorKind, code: string | undefined, message: string): ErrorKind {
  if (code === 'context_length_exceeded' || code === 'string_above_max_length') return 'context_length';
  if (code !== undefined && CONTENT_FILTER_CODES.has(code)) return 'content_filter';
  if (code === 'model_not_found') return 'not_found';
  if (code === 'invalid_api_key') return 'auth';
  if (kind !== 'invalid_request') return kind;
  if (CONTEXT_LENGTH_MESSAGE.test(message)) return 'context_length';
  if (CONTENT_FILTER_MESSAGE.test(message)) return 'content_filter';
  return kind;
}

/** An error event inside a 200 SSE stream carries no status: classify by its code and type. */
function inBandKind(code: string | undefined, type: string | undefined, message: string): ErrorKind {
  const key = code ?? type ?? '';
  if (key === 'rate_limit_exceeded' || type === 'requests' || type === 'tokens') return 'rate_limit';
  if (/overload/i.test(key) || /overloaded/i.test(message)) return 'overloaded';
  if (code === 'context_length_exceeded') return 'context_length';
  if (code !== undefined && CONTENT_FILTER_CODES.has(code)) return 'content_filter';
  if (type === 'invalid_request_error') return refine('invalid_request', code, message);
  if (type === 'authentication_error' || code === 'invalid_api_key') return 'auth';
  return 'server';
}
