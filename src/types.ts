/**
 * Provider-neutral request / response / stream types. Every adapter maps to and from these.
 * @module
 */

/** A JSON Schema object (kept structural; we never interpret it). */
export type JSONSchema = { [key: string]: unknown };

/** A text part of a user message. */
export interface TextPart {
  type: 'text';
  text: string;
}

/** An image part of a user message, by URL or base64 data. */
export interface ImagePart {
  type: 'image';
  /** `https:` URL or `data:` URL. Mutually exclusive with `data`. */
  url?: string;
  /** Base64-encoded bytes (no `data:` prefix). */
  data?: string;
  /** e.g. `image/png`. Required with `data`. */
  mediaType?: string;
}

export type ContentPart = TextPart | ImagePart;

/** A system instruction. Anthropic receives it as the top-level `system`; OpenAI as a `system` message. */
export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
}

export interface AssistantMessage {
  role: 'assistant';
  /** Text the assistant produced (may be empty when it only called tools). */
  content?: string;
  /** Tool calls the assistant made, to be answered by `tool` messages. */
  toolCalls?: ToolCall[];
}

/** The result of a tool call, answering `toolCallId`. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
  /** Set when the tool failed; Anthropic receives `is_error: true`. */
  isError?: boolean;
}

export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A function the model may call. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. @default `{ type: 'object', properties: {} }` */
  parameters?: JSONSchema;
}

/** How the model may use tools. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Output format. `json` asks for any JSON object; `json_schema` for one matching `schema`. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json_schema'; schema: JSONSchema; name?: string; description?: string; strict?: boolean };

/** One provider-neutral completion request. */
export interface CompletionRequest {
  messages: Message[];
  /** Convenience system prompt, placed before any `system` messages. */
  system?: string;
  tools?: ToolDefinition[];
  /** @default 'auto' when tools are given */
  toolChoice?: ToolChoice;
  /** @default { type: 'text' } */
  responseFormat?: ResponseFormat;
  temperature?: number;
  /** Upper bound of output tokens. Anthropic requires one: its adapter defaults to 4096. */
  maxTokens?: number;
  topP?: number;
  /** Stop sequences. */
  stop?: string[];
  /** Overrides the adapter's model for this request (same as the per-request `model` option). */
  model?: string;
}

/** A tool call made by the model. */
export interface ToolCall {
  /** The provider's id, echoed back in the answering `tool` message. */
  id: string;
  name: string;
  /** Arguments as the raw JSON text the model produced. */
  arguments: string;
}

/**
 * Why generation stopped, normalised across providers:
 * - `stop`: natural end or a stop sequence
 * - `length`: the token limit
 * - `tool_calls`: the model wants tool results
 * - `content_filter`: output withheld by policy
 * - `other`: anything else the provider reported
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

/** A count of {@link Usage} that a provider may leave out. */
export type UsageCount = 'inputTokens' | 'outputTokens' | 'totalTokens';

/**
 * Token usage. Optional fields are present only when the provider reports them.
 *
 * The same rule holds for every provider: `inputTokens` is the whole prompt (cached tokens
 * included), `outputTokens` includes reasoning tokens, and `totalTokens` = input + output. Usage
 * reported otherwise (Anthropic's uncached `input_tokens`, xAI's `completion_tokens` without the
 * reasoning) is normalised to it.
 *
 * **Missing usage is not 0 tokens.** When the provider did not report a count (an
 * OpenAI-compatible server that sends no `usage`, a stream cut before its usage chunk), that count
 * is 0 here *and* named in {@link Usage.unreported}:
 *
 * ```ts
 * if (res.usage.unreported === undefined) bill(res.usage); // every count is the provider's own
 * else if (res.usage.unreported.includes('outputTokens')) estimate(res.text); // 0 means "unknown"
 * ```
 */
export interface Usage {
  /** Prompt tokens, cached ones included. 0 and listed in `unreported` when not reported. */
  inputTokens: number;
  /** Generated tokens, reasoning included. 0 and listed in `unreported` when not reported. */
  outputTokens: number;
  /** `inputTokens + outputTokens` (as the provider reported it). 0 and listed in `unreported` when unknown. */
  totalTokens: number;
  /**
   * The counts the provider did not report, whose 0 means "unknown". Absent when every count was
   * reported (a reported 0 is a real 0). @default undefined
   */
  unreported?: UsageCount[];
  /** Input tokens served from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Input tokens written to the prompt cache (Anthropic). */
  cacheWriteInputTokens?: number;
  /** Output tokens spent on hidden reasoning (OpenAI o-series, xAI, DeepSeek…); part of `outputTokens`. */
  reasoningTokens?: number;
}

/** The outcome of one attempt on one provider. */
export type AttemptOutcome = 'success' | 'error' | 'circuit_open';

/** One attempt in a call's history (every attempt, in order). */
export interface Attempt {
  provider: string;
  model: string;
  outcome: AttemptOutcome;
  /** The normalised error kind for `error`; `circuit_open` for rejected attempts. */
  errorKind?: string;
  /** The error itself (never carries an API key). */
  error?: Error;
  /** 0 for the first try on this provider, 1 for the first retry, … */
  retry: number;
  durationMs: number;
}

/** The assembled result of `llm.complete()` (and of a finished stream). */
export interface CompletionResponse {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** Name of the provider that served the call. */
  provider: string;
  /** The model the provider reported (or the one requested). */
  model: string;
  attempts: Attempt[];
  /** Whole call, from `complete()` to the result, every retry and fallback included. */
  latencyMs: number;
  /** The provider's request id when it sent one. */
  requestId?: string;
  /** The provider's raw response body (for streams: undefined). */
  raw: unknown;
}

/** A normalised stream event. */
export type StreamEvent =
  | { type: 'text'; delta: string }
  | {
      type: 'tool_call_delta';
      /** Position of the tool call in this response. */
      index: number;
      id: string;
      name: string;
      /** A fragment of the JSON arguments. */
      argumentsDelta: string;
    }
  | {
      type: 'finish';
      finishReason: FinishReason;
      usage: Usage;
      provider: string;
      model: string;
      attempts: Attempt[];
      latencyMs: number;
      requestId?: string;
    };
