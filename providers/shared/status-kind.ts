/**
 * The normalised error kind an HTTP status means before any provider-specific refinement.
 * @module
 */
import type { ErrorKind } from '../../src/errors/error-kind.js';

/**
 * | status | kind |
 * | --- | --- |
 * | 401, 403 | `auth` |
 * | 404 | `not_found` |
 * | 408 | `timeout` |
 * | 409 | `server` (a transient lock conflict; both SDKs retry it by default) |
 * | 413 | `context_length` (the request is too large for this provider; another may take it) |
 * | 429 | `rate_limit` |
 * | 499 | `connection` (the server saw the client go away) |
 * | 503, 529 | `overloaded` |
 * | other 5xx | `server` |
 * | other 4xx (400, 422, …) | `invalid_request` |
 */
export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 401:
    case 403:
      return 'auth';
    case 404:
      return 'not_found';
    case 408:
      return 'timeout';
    case 409:
      return 'server';
    case 413:
      return 'context_length';
    case 429:
      return 'rate_limit';
    case 499:
      return 'connection';
    case 503:
    case 529:
      return 'overloaded';
    default:
      return status >= 500 ? 'server' : 'invalid_request';
  }
}

/** Provider messages that mean "the prompt does not fit" (OpenAI, Anthropic, vLLM, llama.cpp, Ollama). */
export const CONTEXT_LENGTH_MESSAGE =
  /maximum context length|context[ _-]?(?:length|window)|prompt is too long|too many (?:input )?tokens|exceeds? (?:the )?(?:model'?s? )?context|input length .* exceed/i;
