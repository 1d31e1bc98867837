/**
 * Checks of what the SDK puts on the wire: `baseURL` (an http(s) URL without credentials) and
 * `defaultHeaders` (valid names, single-line Latin-1 values). Each failure is a {@link ConfigError}
 * that never repeats the URL or the value: both may hold a secret.
 * @module
 */
import { ConfigError } from '../../src/errors/config-error.js';

/** An absolute http(s) URL without credentials. Never repeats the URL (it may hold a password). */
export function checkBaseURL(baseURL: unknown, option: string): void {
  let url: URL | undefined;
  try {
    url = typeof baseURL === 'string' ? new URL(baseURL) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(option, 'must be an absolute http(s) URL, e.g. http://127.0.0.1:11434/v1');
  }
  checkNoCredentials(baseURL as string, option);
}

/**
 * A URL's `user:password@` would travel in every connection error's cause chain: keys belong in
 * `apiKey` (or a header in `defaultHeaders`), which are redacted.
 */
export function checkNoCredentials(text: string, option: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return; // not a URL: the SDK reports it, and credentials cannot be parsed out of it either
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(option, 'must not contain credentials (user:password@host): pass the key as apiKey, or as a header in defaultHeaders');
  }
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `defaultHeaders`: an object of valid header names to single-line Latin-1 strings (or `null`, which
 * the SDKs read as "do not send this header"). A CR or LF
 * would otherwise fail every call as a `bad_response` that repeats the value. Values are never
 * repeated in the error (they often hold keys).
 */
export function checkHeaders(headers: unknown): void {
  if (headers === undefined) return;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new ConfigError('defaultHeaders', 'must be an object of header names to values');
  }
  for (const [key, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(key)) {
      throw new ConfigError('defaultHeaders', `has a header name of ${key.length} characters that is not a valid HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`);
    }
    // `null` is the SDKs' way to remove a header they would send: nothing goes on the wire.
    if (value === null || value === undefined) continue;
    checkHeaderValue(`defaultHeaders.${key}`, value);
  }
}

/** A header value (also `organization` / `project`, sent as headers): a single-line Latin-1 string, never repeated. */
export function checkHeaderValue(option: string, value: unknown): void {
  if (typeof value !== 'string') throw new ConfigError(option, `must be a string, got ${typeof value}`);
  const bad = /[\r\n\0]/.exec(value);
  if (bad !== null) {
    const which = bad[0] === '\0' ? 'NUL' : bad[0] === '\r' ? 'CR' : 'LF';
    throw new ConfigError(option, `must be a single line: the value contains a ${which} character at index ${bad.index} (value not shown)`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u00ff]/.test(value)) throw new ConfigError(option, 'must contain only Latin-1 characters (value not shown)');
}
