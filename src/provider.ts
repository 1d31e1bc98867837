/**
 * The provider adapter interface (version `v1`). `openai()` and `anthropic()` implement it; so can
 * any object, for a custom or self-hosted model.
 * @module
 */
import type { BreakerOptions } from './breaker/options.js';
import type { CompletionRequest, FinishReason, ToolCall, Usage } from './types.js';

/** What the client hands an adapter for one attempt. */
export interface ProviderCallContext {
  /**
   * Aborts the attempt: the caller's signal, the per-attempt timeout, the deadline, or the consumer
   * leaving a stream. Pass it to the HTTP client. Adapters need not tell these apart: the client does.
   */
  signal: AbortSignal;
  /** The model to use for this attempt (request/option override or the adapter's default). */
  model: string;
}

/** An adapter's answer to one non-streaming attempt. */
export interface ProviderResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** The model the provider reported. */
  model: string;
  requestId?: string;
  raw: unknown;
}

/** Events an adapter's stream yields. The client adds provider, attempts and timing. */
export type ProviderStreamEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call_delta'; index: number; id: string; name: string; argumentsDelta: string }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage; model: string; requestId?: string };

/**
 * A provider adapter. Adapters throw {@link ProviderError} for every failure (use
 * `normalizeError`-style mapping); anything else they throw is treated as `bad_response`.
 */
export interface ProviderAdapter {
  /** Interface version, so the client can support old adapters when the interface grows. */
  readonly specificationVersion: 'v1';
  /** Unique name within a client; names the breaker. */
  readonly name: string;
  /** Provider family, for telemetry (`gen_ai.system`), e.g. `openai`, `anthropic`. */
  readonly system: string;
  /** Default model. */
  readonly model: string;
  /** Breaker options for this provider, layered over the client's `breaker` defaults. */
  readonly breaker?: Partial<BreakerOptions>;
  /** One non-streaming completion. */
  complete(request: CompletionRequest, ctx: ProviderCallContext): Promise<ProviderResult>;
  /**
   * One streaming completion. The iterator must stop the HTTP request when `return()` is called or
   * `ctx.signal` aborts, and must throw a {@link ProviderError} for in-band error events.
   */
  stream(request: CompletionRequest, ctx: ProviderCallContext): AsyncIterable<ProviderStreamEvent>;
  /** Releases resources the adapter owns (never an SDK client the caller passed in). */
  close?(): Promise<void> | void;
}
