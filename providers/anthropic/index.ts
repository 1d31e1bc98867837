/**
 * `llm-breaker/anthropic`: the Anthropic (Claude) adapter.
 *
 * ```ts
 * import { anthropic } from 'llm-breaker/anthropic';
 * const fallback = anthropic({ model: 'claude-haiku-4-5' });
 * ```
 * @module llm-breaker/anthropic
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BreakerOptions } from '../../src/breaker/options.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { registerSecret } from '../../src/errors/redact.js';
import type { ProviderAdapter, ProviderCallContext, ProviderResult, ProviderStreamEvent } from '../../src/provider.js';
import type { CompletionRequest } from '../../src/types.js';
import type { AdapterDescription } from '../shared/adapter-description.js';
import { sdkComplete } from '../shared/sdk-complete.js';
import { closingLastSseEvent } from '../shared/sse-last-event.js';
import { resolveCommonOptions, SDK_TIMEOUT_MS, sdkLogLevel } from '../shared/resolve-options.js';
import { convertRequest, type ConvertOptions } from './convert-request.js';
import { mapAnthropicError } from './map-error.js';
import { mapResponse } from './map-response.js';
import { streamAnthropic } from './stream.js';

export { mapAnthropicError } from './map-error.js';

/** Options of {@link anthropic}. */
export interface AnthropicProviderOptions {
  /**
   * Unique provider name within a client; it names the circuit breaker (and the Redis keys).
   * @default 'anthropic'
   */
  name?: string;
  /** Default model, e.g. `claude-haiku-4-5`. A request's `model` overrides it. Required. */
  model: string;
  /**
   * API key. Never appears in errors, events or logs (it is registered for redaction).
   * Without a key and without a `client`, the factory throws — unless `baseURL` is set, in which
   * case `'none'` is sent.
   * @default process.env.ANTHROPIC_API_KEY
   */
  apiKey?: string;
  /**
   * Base URL of the API, without the version path (the SDK appends `/v1/messages`). Credentials
   * (`user:password@`) are a ConfigError: pass the key as `apiKey` or in `defaultHeaders`.
   * @default process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com'
   */
  baseURL?: string;
  /** `max_tokens` for requests that set no `maxTokens` (Anthropic requires one). @default 4096 */
  defaultMaxTokens?: number;
  /**
   * Send `temperature` and `topP`. API version 2026-10-21 — the one `@anthropic-ai/sdk` ≥ 1.0
   * sends — rejects them with a 400 even at their defaults, so they are dropped unless you pin
   * `anthropic-version: 2023-06-01` (through `defaultHeaders` or your `client`) and set this.
   * @default false
   */
  samplingParams?: boolean;
  /**
   * Headers sent with every request. Their values are treated as secrets, like `apiKey` (they often
   * hold keys): redacted wherever they appear, except protocol headers such as `anthropic-version`
   * and `openai-beta`, and values shorter than 10 characters (labels such as `x-team: search`). A value with a CR, LF or NUL, or a name that is not an HTTP token, is a
   * ConfigError here, which never repeats the value.
   * @default undefined
   */
  defaultHeaders?: Record<string, string>;
  /**
   * An Anthropic SDK client you built. It is used as is (its timeout too), except that SDK-internal
   * retries are turned off per request (`maxRetries: 0`): llm-breaker's own retry loop decides.
   * `close()` never closes it. A client built here also mends a stream whose last SSE event lacks
   * its closing blank line (its own `fetch`); one you build uses your `fetch` as is.
   * @default a client built on first use with `maxRetries: 0`
   */
  client?: Anthropic;
  /** Breaker options for this provider, layered over the client's `breaker` defaults. @default undefined */
  breaker?: Partial<BreakerOptions>;
}

const ADAPTER: AdapterDescription = {
  factory: 'anthropic',
  exampleModel: 'claude-haiku-4-5',
  apiKeyEnv: 'ANTHROPIC_API_KEY',
  optionKeys: new Set(['name', 'model', 'apiKey', 'baseURL', 'defaultMaxTokens', 'samplingParams', 'defaultHeaders', 'client', 'breaker']),
};

/**
 * Creates an Anthropic provider adapter.
 * @throws {ConfigError} naming the option: `model` missing, `name` empty, `baseURL` not a URL,
 *   `defaultMaxTokens` not a positive integer, `apiKey` missing (no `ANTHROPIC_API_KEY`, no
 *   `client`, no `baseURL`)…
 */
export function anthropic(options: AnthropicProviderOptions): ProviderAdapter {
  const common = resolveCommonOptions(options, ADAPTER);
  const defaultMaxTokens = options.defaultMaxTokens ?? 4096;
  if (!Number.isInteger(defaultMaxTokens) || defaultMaxTokens <= 0) {
    throw new ConfigError('defaultMaxTokens', 'must be a positive integer');
  }
  if (options.samplingParams !== undefined && typeof options.samplingParams !== 'boolean') {
    throw new ConfigError('samplingParams', 'must be a boolean');
  }
  const { client } = options;
  if (client !== undefined && typeof (client as { messages?: { create?: unknown } }).messages?.create !== 'function') {
    throw new ConfigError('client', 'must be an Anthropic SDK client (new Anthropic(…))');
  }
  if (client !== undefined) {
    registerSecret(client.apiKey);
    registerSecret(client.authToken);
  }
  return new AnthropicProvider({ ...options }, common, { defaultMaxTokens, samplingParams: options.samplingParams ?? false });
}

class AnthropicProvider implements ProviderAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly system = 'anthropic';
  readonly name: string;
  readonly model: string;
  readonly breaker?: Partial<BreakerOptions>;
  readonly #options: AnthropicProviderOptions;
  readonly #apiKey: string | undefined;
  readonly #convert: ConvertOptions;
  #client: Anthropic | undefined;
  readonly #sdkThunk = (): Anthropic => this.#sdk();

  constructor(options: AnthropicProviderOptions, common: ReturnType<typeof resolveCommonOptions>, convert: ConvertOptions) {
    this.name = common.name;
    this.model = common.model;
    if (common.breaker !== undefined) this.breaker = common.breaker;
    this.#options = options;
    this.#apiKey = common.apiKey;
    this.#convert = convert;
    this.#client = options.client;
  }

  complete(request: CompletionRequest, ctx: ProviderCallContext): Promise<ProviderResult> {
    return sdkComplete(
      this.name,
      ctx,
      () => this.#sdk().messages.create(convertRequest(request, ctx.model, this.#convert, this.name), { signal: ctx.signal, maxRetries: 0 }).withResponse(),
      (data, requestId) => mapResponse(data, this.name, requestId, ctx.model),
      mapAnthropicError,
    );
  }

  stream(request: CompletionRequest, ctx: ProviderCallContext): AsyncIterable<ProviderStreamEvent> {
    return streamAnthropic(this.#sdkThunk, request, ctx, this.name, this.#convert);
  }

  close(): void {
    // Our client holds no sockets of its own (it uses the global fetch dispatcher): drop it.
    if (this.#client !== this.#options.client) this.#client = undefined;
  }

  #sdk(): Anthropic {
    return (this.#client ??= new Anthropic({
      apiKey: this.#apiKey,
      baseURL: this.#options.baseURL,
      defaultHeaders: this.#options.defaultHeaders,
      maxRetries: 0,
      timeout: SDK_TIMEOUT_MS,
      logLevel: sdkLogLevel('ANTHROPIC_LOG'),
      fetch: closingLastSseEvent(),
    }));
  }
}
