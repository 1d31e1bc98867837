/**
 * `llm-breaker/openai`: the OpenAI adapter (also for any OpenAI-compatible server: Ollama, vLLM,
 * llama.cpp, LM Studio, LiteLLM, Groq, Together…).
 *
 * ```ts
 * import { openai } from 'llm-breaker/openai';
 * const primary = openai({ model: 'gpt-4o-mini' });
 * const local = openai({ name: 'local', baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3' });
 * ```
 * @module llm-breaker/openai
 */
import OpenAI from 'openai';
import type { BreakerOptions } from '../../src/breaker/options.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { registerSecret } from '../../src/errors/redact.js';
import type { ProviderAdapter, ProviderCallContext, ProviderResult, ProviderStreamEvent } from '../../src/provider.js';
import type { CompletionRequest } from '../../src/types.js';
import type { AdapterDescription } from '../shared/adapter-description.js';
import { sdkComplete } from '../shared/sdk-complete.js';
import { closingLastSseEvent } from '../shared/sse-last-event.js';
import { resolveCommonOptions, SDK_TIMEOUT_MS, sdkLogLevel } from '../shared/resolve-options.js';
import { checkHeaderValue } from '../shared/transport-options.js';
import { convertRequest, type MaxTokensParam } from './convert-request.js';
import { mapOpenAIError } from './map-error.js';
import { mapResponse } from './map-response.js';
import { streamOpenAI } from './stream.js';

export type { MaxTokensParam } from './convert-request.js';
export { mapOpenAIError } from './map-error.js';

/** Options of {@link openai}. */
export interface OpenAIProviderOptions {
  /**
   * Unique provider name within a client; it names the circuit breaker (and the Redis keys).
   * @default 'openai'
   */
  name?: string;
  /** Default model, e.g. `gpt-4o-mini`. A request's `model` overrides it. Required. */
  model: string;
  /**
   * API key. Never appears in errors, events or logs (it is registered for redaction).
   * Without a key and without a `client`, the factory throws — unless `baseURL` is set, in which
   * case `'none'` is sent (local servers usually need no key).
   * @default process.env.OPENAI_API_KEY
   */
  apiKey?: string;
  /**
   * Base URL of the API, including the version path, e.g. `http://127.0.0.1:11434/v1`. Credentials
   * (`user:password@`) are a ConfigError: pass the key as `apiKey` or in `defaultHeaders`.
   * @default process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'
   */
  baseURL?: string;
  /** OpenAI organization id (`OpenAI-Organization` header). @default process.env.OPENAI_ORG_ID */
  organization?: string;
  /** OpenAI project id (`OpenAI-Project` header). @default process.env.OPENAI_PROJECT_ID */
  project?: string;
  /**
   * Headers sent with every request. Their values are treated as secrets, like `apiKey` (they often
   * hold keys): redacted wherever they appear, except protocol headers such as `anthropic-version`
   * and `openai-beta`, and values shorter than 10 characters (labels such as `x-team: search`). A value with a CR, LF or NUL, or a name that is not an HTTP token, is a
   * ConfigError here, which never repeats the value.
   * @default undefined
   */
  defaultHeaders?: Record<string, string>;
  /**
   * Body field that carries `maxTokens`: `max_completion_tokens` is what OpenAI's reasoning models
   * require; `max_tokens` is what OpenAI-compatible servers understand.
   * @default 'max_completion_tokens' for api.openai.com (and Azure OpenAI), else 'max_tokens'
   */
  maxTokensParam?: MaxTokensParam;
  /**
   * An OpenAI SDK client you built. It is used as is (its timeout too), except that SDK-internal
   * retries are turned off per request (`maxRetries: 0`): llm-breaker's own retry loop decides.
   * `close()` never closes it. A client built here also mends a stream whose last SSE event lacks
   * its closing blank line (its own `fetch`); one you build uses your `fetch` as is.
   * @default a client built on first use with `maxRetries: 0`
   */
  client?: OpenAI;
  /** Breaker options for this provider, layered over the client's `breaker` defaults. @default undefined */
  breaker?: Partial<BreakerOptions>;
}

const ADAPTER: AdapterDescription = {
  factory: 'openai',
  exampleModel: 'gpt-4o-mini',
  apiKeyEnv: 'OPENAI_API_KEY',
  optionKeys: new Set(['name', 'model', 'apiKey', 'baseURL', 'organization', 'project', 'defaultHeaders', 'maxTokensParam', 'client', 'breaker']),
};

/**
 * Creates an OpenAI (or OpenAI-compatible) provider adapter.
 * @throws {ConfigError} naming the option: `model` missing, `name` empty, `baseURL` not a URL,
 *   `apiKey` missing (no `OPENAI_API_KEY`, no `client`, no `baseURL`)…
 */
export function openai(options: OpenAIProviderOptions): ProviderAdapter {
  const common = resolveCommonOptions(options, ADAPTER);
  if (options.organization !== undefined) checkHeaderValue('organization', options.organization);
  if (options.project !== undefined) checkHeaderValue('project', options.project);
  const { maxTokensParam } = options;
  if (maxTokensParam !== undefined && maxTokensParam !== 'max_tokens' && maxTokensParam !== 'max_completion_tokens') {
    throw new ConfigError('maxTokensParam', "must be 'max_tokens' or 'max_completion_tokens'");
  }
  const { client } = options;
  if (client !== undefined && typeof (client as { chat?: { completions?: { create?: unknown } } }).chat?.completions?.create !== 'function') {
    throw new ConfigError('client', 'must be an OpenAI SDK client (new OpenAI(…))');
  }
  if (client !== undefined) registerSecret(client.apiKey);
  const baseURL = common.baseURL ?? process.env['OPENAI_BASE_URL'];
  return new OpenAIProvider({ ...options }, common, maxTokensParam ?? defaultMaxTokensParam(baseURL));
}

/** OpenAI's own API (and Azure OpenAI) take `max_completion_tokens`; compatible servers `max_tokens`. */
function defaultMaxTokensParam(baseURL: string | undefined): MaxTokensParam {
  if (baseURL === undefined || baseURL === '') return 'max_completion_tokens';
  let host: string;
  try {
    host = new URL(baseURL).hostname;
  } catch {
    return 'max_tokens';
  }
  return host === 'api.openai.com' || host.endsWith('.openai.azure.com') ? 'max_completion_tokens' : 'max_tokens';
}

class OpenAIProvider implements ProviderAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly system = 'openai';
  readonly name: string;
  readonly model: string;
  readonly breaker?: Partial<BreakerOptions>;
  readonly #options: OpenAIProviderOptions;
  readonly #apiKey: string | undefined;
  readonly #maxTokensParam: MaxTokensParam;
  #client: OpenAI | undefined;

  constructor(options: OpenAIProviderOptions, common: ReturnType<typeof resolveCommonOptions>, maxTokensParam: MaxTokensParam) {
    this.name = common.name;
    this.model = common.model;
    if (common.breaker !== undefined) this.breaker = common.breaker;
    this.#options = options;
    this.#apiKey = common.apiKey;
    this.#maxTokensParam = maxTokensParam;
    this.#client = options.client;
  }

  complete(request: CompletionRequest, ctx: ProviderCallContext): Promise<ProviderResult> {
    return sdkComplete(
      this.name,
      ctx,
      () => this.#sdk().chat.completions.create(convertRequest(request, ctx.model, this.#maxTokensParam, this.name), { signal: ctx.signal, maxRetries: 0 }).withResponse(),
      (data, requestId) => mapResponse(data, this.name, requestId, ctx.model),
      mapOpenAIError,
    );
  }

  stream(request: CompletionRequest, ctx: ProviderCallContext): AsyncIterable<ProviderStreamEvent> {
    return streamOpenAI(this.#sdkThunk, request, ctx, this.name, this.#maxTokensParam);
  }

  close(): void {
    // Our client holds no sockets of its own (it uses the global fetch dispatcher): drop it.
    if (this.#client !== this.#options.client) this.#client = undefined;
  }

  readonly #sdkThunk = (): OpenAI => this.#sdk();

  #sdk(): OpenAI {
    return (this.#client ??= new OpenAI({
      apiKey: this.#apiKey,
      baseURL: this.#options.baseURL,
      organization: this.#options.organization,
      project: this.#options.project,
      defaultHeaders: this.#options.defaultHeaders,
      maxRetries: 0,
      timeout: SDK_TIMEOUT_MS,
      logLevel: sdkLogLevel('OPENAI_LOG'),
      fetch: closingLastSseEvent(),
    }));
  }
}
