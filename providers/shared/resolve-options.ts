/**
 * Validation shared by every adapter factory. Every failure is a
 * {@link ConfigError} naming the option; no message ever contains a key.
 * @module
 */
import { checkBreakerName, type BreakerOptions } from '../../src/breaker/options.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { registerHeaderSecrets, registerSecret } from '../../src/errors/redact.js';
import type { AdapterDescription } from './adapter-description.js';
import { checkKnownOptions } from './known-options.js';
import { checkBaseURL, checkHeaders, checkNoCredentials } from './transport-options.js';

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

/** Key used for servers that need none (a local OpenAI-compatible server, the mock server). */
export const NO_API_KEY = 'none';

/**
 * Validates the options both factories share, in this order: an object; no unknown option (so a
 * typo is named before a missing key is); `name`, `model`, `baseURL`, `defaultHeaders`, `breaker`;
 * then the API key. Registers the key and the header values as secrets.
 */
export function resolveCommonOptions(options: CommonInput, adapter: AdapterDescription): ResolvedCommon {
  const { factory, apiKeyEnv: envVar } = adapter;
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `${factory}() expects an options object, e.g. ${factory}({ model: '…' })`);
  }
  checkKnownOptions(options, adapter.optionKeys, factory);
  const name = options.name ?? factory;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigError('name', 'must be a non-empty string');
  }
  checkBreakerName(name, 'name');
  const { model } = options;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new ConfigError('model', `missing: pass the default model, e.g. ${factory}({ model: '${adapter.exampleModel}' })`);
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

/** A very long SDK timeout: attempts are bounded by `ctx.signal` (the client's timeout and deadline). */
export const SDK_TIMEOUT_MS = 86_400_000;

/** The SDK log level for clients we build: silent unless the SDK's own env variable asks for logs. */
export function sdkLogLevel(envVar: string): 'off' | undefined {
  return process.env[envVar] ? undefined : 'off';
}
