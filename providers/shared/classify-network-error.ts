/**
 * Recognises socket-level failures (refused, reset, DNS, socket timeouts) anywhere in an error's
 * `cause` chain: the SDKs wrap undici's `TypeError: fetch failed`, which wraps the system error.
 * @module
 */

/** What a network failure means for us. */
export interface NetworkFailure {
  kind: 'connection' | 'timeout';
  /** The system or undici code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  code: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_ABORTED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Undici's message when the server closes a response body mid-way (no code on the outer error). */
const TERMINATED = /^(?:terminated|other side closed|socket hang up)$/i;

/** The network failure in `err`'s cause chain (5 levels at most), or `undefined`. */
export function classifyNetworkError(err: unknown): NetworkFailure | undefined {
  let current: unknown = err;
  let terminated = false;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', code };
      if (CONNECTION_CODES.has(code)) return { kind: 'connection', code };
    }
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && TERMINATED.test(message)) terminated = true;
    current = (current as { cause?: unknown }).cause;
  }
  return terminated ? { kind: 'connection', code: 'TERMINATED' } : undefined;
}
