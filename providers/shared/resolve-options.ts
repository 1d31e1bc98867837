/**
 * Validation shared by the `openai()` and `anthropic()` factories. Every failure is a
 * {@link ConfigError} naming the option; no message ever contains a key.
 * @module
 */
import type { BreakerOptions } from '../../src/breaker/options.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { registerSecret } from '../../src/errors/redact.js';

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
  for (const k of Object.keys(options)) if (!known.has(k)) throw new ConfigError(k, `is not an option of ${factory}()`);
}

/** Key used for servers that need none (a local OpenAI-compatible server, the mock server). */
export const NO_API_KEY = 'none';

export function resolveCommonOptions(
  options: CommonInput,
  factory: 'openai' | 'anthropic',
  envVar: string,
): ResolvedCommon {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `${factory}() expects an options object, e.g. ${factory}({ model: '…' })`);
  }
  const name = options.name ?? factory;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigError('name', 'must be a non-empty string');
  }
  const { model } = options;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new ConfigError('model', `missing: pass the default model, e.g. ${factory}({ model: '${factory === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5'}' })`);
  }
  const { baseURL } = options;
  if (baseURL !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof baseURL === 'string' ? new URL(baseURL) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError('baseURL', 'must be an absolute http(s) URL, e.g. http://127.0.0.1:11434/v1');
    }
  }
  if (options.defaultHeaders !== undefined && (typeof options.defaultHeaders !== 'object' || options.defaultHeaders === null)) {
    throw new ConfigError('defaultHeaders', 'must be an object of header names to values');
  }
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
  return { name, model, apiKey, baseURL, breaker: options.breaker };
}

/** A very long SDK timeout: attempts are bounded by `ctx.signal` (the client's timeout and deadline). */
export const SDK_TIMEOUT_MS = 86_400_000;

/** The SDK log level for clients we build: silent unless the SDK's own env variable asks for logs. */
export function sdkLogLevel(envVar: string): 'off' | undefined {
  return process.env[envVar] ? undefined : 'off';
}
