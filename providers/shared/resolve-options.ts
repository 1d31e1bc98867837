/**
 * Validation shared by the `openai()` and `anthropic()` factories. Every failure is a
 * {@link ConfigError} naming the option; no message ever contains a key.
 * @module
 */
import { checkBreakerName, type BreakerOptions } from '../../src/breaker/options.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { registerHeaderSecrets, registerSecret } from '../../src/errors/redact.js';

/** Options both factories take. */
export interface CommonInput {
  name?: string | undefined;
  model?: string | undefined;
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  defaultHeaders?: Record<string, string> | undefined;
  breaker?: Partial<BreakerOptions> | undefined;
  client?: unknown;
}

export interface ResolvedCommon {
  name: string;
  model: string;
  /** `undefined` only when the caller passed a `client`. */
  apiKey: string | undefined;
  baseURL: string | undefined;
  breaker: Partial<BreakerOptions> | undefined;
}

/** Rejects option names a factory does not know (a typo such as `baseUrl` must not be ignored). */
export function checkKnownOptions(options: object, known: ReadonlySet<string>, factory: 'openai' | 'anthropic'): void {
  for (const k of Object.keys(options)) {
    if (known.has(k)) continue;
    const close = closestOption(k, known);
    throw new ConfigError(k, `is not an option of ${factory}()${close === undefined ? '' : ` (did you mean ${close}?)`}`);
  }
}

/** The known option `name` most likely stands for: same letters in another case, or one or two edits away. */
function closestOption(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = name.length < 5 ? 2 : 3;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(k.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Key used for servers that need none (a local OpenAI-compatible server, the mock server). */
export const NO_API_KEY = 'none';

/**
 * Validates the options both factories share, in this order: an object; no unknown option (so a
 * typo is named before a missing key is); `name`, `model`, `baseURL`, `defaultHeaders`, `breaker`;
 * then the API key. Registers the key and the header values as secrets.
 */
export function resolveCommonOptions(
  options: CommonInput,
  factory: 'openai' | 'anthropic',
  envVar: string,
  known: ReadonlySet<string>,
): ResolvedCommon {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `${factory}() expects an options object, e.g. ${factory}({ model: '…' })`);
  }
  checkKnownOptions(options, known, factory);
  const name = options.name ?? factory;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigError('name', 'must be a non-empty string');
  }
  checkBreakerName(name, 'name');
  const { model } = options;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new ConfigError('model', `missing: pass the default model, e.g. ${factory}({ model: '${factory === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5'}' })`);
  }
  const { baseURL } = options;
  if (baseURL !== undefined) checkBaseURL(baseURL, 'baseURL');
  const envBaseURL = process.env[`${factory.toUpperCase()}_BASE_URL`];
  if (baseURL === undefined && envBaseURL) checkNoCredentials(envBaseURL, `${factory.toUpperCase()}_BASE_URL`);
  checkHeaders(options.defaultHeaders);
  if (options.breaker !== undefined && (typeof options.breaker !== 'object' || options.breaker === null)) {
    throw new ConfigError('breaker', 'must be an object of breaker options');
  }
  let apiKey: string | undefined;
  if (options.apiKey !== undefined) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new ConfigError('apiKey', 'must be a non-empty string');
    }
    apiKey = options.apiKey;
  } else {
    const fromEnv = process.env[envVar];
    if (fromEnv !== undefined && fromEnv.trim() !== '') apiKey = fromEnv;
  }
  if (apiKey === undefined && options.client === undefined) {
    if (baseURL === undefined) {
      throw new ConfigError('apiKey', `missing: set ${envVar} or pass apiKey (or a baseURL for a server that needs no key)`);
    }
    apiKey = NO_API_KEY;
  }
  registerSecret(apiKey);
  registerHeaderSecrets(options.defaultHeaders);
  return { name, model, apiKey, baseURL, breaker: options.breaker };
}

/** An absolute http(s) URL without credentials. Never repeats the URL (it may hold a password). */
function checkBaseURL(baseURL: unknown, option: string): void {
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
function checkNoCredentials(text: string, option: string): void {
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
 * `defaultHeaders`: an object of valid header names to single-line Latin-1 strings. A CR or LF
 * would otherwise fail every call as a `bad_response` that repeats the value. Values are never
 * repeated in the error (they often hold keys).
 */
function checkHeaders(headers: unknown): void {
  if (headers === undefined) return;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new ConfigError('defaultHeaders', 'must be an object of header names to values');
  }
  for (const [key, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(key)) {
      throw new ConfigError('defaultHeaders', `has a header name of ${key.length} characters that is not a valid HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`);
    }
    const option = `defaultHeaders.${key}`;
    if (typeof value !== 'string') throw new ConfigError(option, `must be a string, got ${value === null ? 'null' : typeof value}`);
    const bad = /[\r\n\0]/.exec(value);
    if (bad !== null) {
      const which = bad[0] === '\0' ? 'NUL' : bad[0] === '\r' ? 'CR' : 'LF';
      throw new ConfigError(option, `must be a single line: the value contains a ${which} character at index ${bad.index} (value not shown)`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[^\u0000-\u00ff]/.test(value)) throw new ConfigError(option, 'must contain only Latin-1 characters (value not shown)');
  }
}

/** A very long SDK timeout: attempts are bounded by `ctx.signal` (the client's timeout and deadline). */
export const SDK_TIMEOUT_MS = 86_400_000;

/** The SDK log level for clients we build: silent unless the SDK's own env variable asks for logs. */
export function sdkLogLevel(envVar: string): 'off' | undefined {
  return process.env[envVar] ? undefined : 'off';
}
