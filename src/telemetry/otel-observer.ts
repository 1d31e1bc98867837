/**
 * Observes one `complete()` / `stream()` call for OpenTelemetry: the call's span (`chat {model}`,
 * GenAI semantic conventions), one child span per attempt, and the per-provider counters.
 *
 * An attempt is reported after it ended; its span is emitted when the next attempt (or the end of
 * the call) tells whether it was followed by a failover to another provider.
 * @module
 */
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { isLLMError } from '../errors/llm-error.js';
import { isProviderError } from '../errors/provider-error.js';
import type { CompletionRequest, CompletionResponse } from '../types.js';
import type { OtelApi } from './otel-api.js';
import type { Instruments } from './otel-metrics.js';
import type { AttemptInfo, CallObserver } from './telemetry.js';

/** What one call's observer needs. */
export interface ObserverDeps {
  api: typeof OtelApi;
  tracer: Tracer;
  instruments: Instruments;
}

/** `error.type` of a thrown error: the provider error kind, the SDK error code, or the class name. */
export function errorType(error: unknown): string {
  if (isProviderError(error)) return error.kind;
  if (isLLMError(error)) return error.code;
  if (error instanceof Error) return error.name || 'Error';
  return '_OTHER';
}

function requestAttributes(request: CompletionRequest): Attributes {
  const a: Attributes = {};
  if (request.maxTokens !== undefined) a['gen_ai.request.max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) a['gen_ai.request.temperature'] = request.temperature;
  if (request.topP !== undefined) a['gen_ai.request.top_p'] = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) a['gen_ai.request.stop_sequences'] = request.stop;
  return a;
}

export class OtelCallObserver implements CallObserver {
  private readonly span: Span;
  private readonly ctx: Context;
  /** False when no SDK samples this call: attempt spans and span attributes are skipped. */
  private readonly recording: boolean;
  private readonly started = performance.now();
  private pending: AttemptInfo | undefined;
  private lastSystem: string;
  private attempts = 0;
  private failovers = 0;
  private ended = false;

  constructor(
    private readonly deps: ObserverDeps,
    operation: 'complete' | 'stream',
    request: CompletionRequest,
    private readonly first: { provider: string; model: string; system: string },
  ) {
    const { api, tracer } = deps;
    this.lastSystem = first.system;
    this.span = tracer.startSpan(`chat ${first.model}`, {
      kind: api.SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': first.system,
        'gen_ai.provider.name': first.system,
        'gen_ai.request.model': first.model,
        'llm_breaker.operation': operation,
        'llm_breaker.provider': first.provider,
        ...requestAttributes(request),
      },
    });
    this.ctx = api.trace.setSpan(api.context.active(), this.span);
    this.recording = this.span.isRecording();
  }

  attempt(info: AttemptInfo): void {
    if (this.ended) return;
    this.attempts++;
    this.count(info);
    if (this.pending !== undefined) this.emit(this.pending, info.attempt.provider);
    this.pending = info;
  }

  end(response: CompletionResponse | undefined, error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pending !== undefined) this.emit(this.pending, undefined);
    this.pending = undefined;
    const { api, instruments } = this.deps;
    const span = this.span;
    const metricAttrs: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': this.lastSystem,
      'gen_ai.request.model': this.first.model,
    };
    if (this.recording) {
      span.setAttribute('llm_breaker.attempts', this.attempts);
      span.setAttribute('llm_breaker.failovers', this.failovers);
    }
    if (response !== undefined) {
      const unreported = response.usage.unreported ?? [];
      const reported = { input: !unreported.includes('inputTokens'), output: !unreported.includes('outputTokens') };
      if (this.recording) {
        span.setAttributes({
          'gen_ai.system': this.lastSystem,
          'gen_ai.provider.name': this.lastSystem,
          'gen_ai.response.model': response.model,
          'gen_ai.response.finish_reasons': [response.finishReason],
          ...(reported.input ? { 'gen_ai.usage.input_tokens': response.usage.inputTokens } : {}),
          ...(reported.output ? { 'gen_ai.usage.output_tokens': response.usage.outputTokens } : {}),
          'llm_breaker.provider': response.provider,
        });
      }
      metricAttrs['gen_ai.response.model'] = response.model;
      // A count the provider did not report is unknown, not 0 tokens: it is not recorded.
      if (reported.input) instruments.tokenUsage.record(response.usage.inputTokens, { ...metricAttrs, 'gen_ai.token.type': 'input' });
      if (reported.output) instruments.tokenUsage.record(response.usage.outputTokens, { ...metricAttrs, 'gen_ai.token.type': 'output' });
    } else {
      const type = errorType(error);
      metricAttrs['error.type'] = type;
      if (this.recording) {
        span.setAttribute('error.type', type);
        if (error instanceof Error) span.recordException(error);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
    }
    instruments.operationDuration.record((performance.now() - this.started) / 1000, metricAttrs);
    span.end();
  }

  /** Counters for one attempt. */
  private count(info: AttemptInfo): void {
    const { instruments } = this.deps;
    const a = info.attempt;
    const attrs: Attributes = { 'llm_breaker.provider': a.provider, 'gen_ai.system': info.system };
    if (a.outcome === 'circuit_open') {
      instruments.rejections.add(1, attrs);
      return;
    }
    instruments.calls.add(1, { ...attrs, 'llm_breaker.outcome': a.outcome });
    if (a.outcome === 'error') instruments.failures.add(1, { ...attrs, 'error.type': a.errorKind ?? '_OTHER' });
    else this.lastSystem = info.system;
  }

  /** Emits an attempt's span; `next` is the provider of the attempt that followed it, if any. */
  private emit(info: AttemptInfo, next: string | undefined): void {
    const { api, tracer, instruments } = this.deps;
    const a = info.attempt;
    const failover = next !== undefined && next !== a.provider;
    if (failover) {
      this.failovers++;
      instruments.failovers.add(1, { 'llm_breaker.provider': a.provider, 'gen_ai.system': info.system, 'llm_breaker.failover.to': next });
    }
    if (!this.recording) return;
    const attributes: Attributes = {
      'llm_breaker.provider': a.provider,
      'gen_ai.system': info.system,
      'gen_ai.request.model': a.model,
      'llm_breaker.retry': a.retry,
      'llm_breaker.attempt.outcome': a.outcome,
      'llm_breaker.breaker.state': info.breakerState,
      'llm_breaker.failover': failover,
    };
    if (failover) attributes['llm_breaker.failover.to'] = next;
    if (a.errorKind !== undefined) attributes['error.type'] = a.errorKind;
    const endTime = info.startTime + a.durationMs;
    const span = tracer.startSpan(`attempt ${a.provider}`, { kind: api.SpanKind.INTERNAL, startTime: info.startTime, attributes }, this.ctx);
    if (a.outcome !== 'success') {
      if (a.error !== undefined && a.outcome === 'error') span.recordException(a.error, endTime);
      span.setStatus({ code: api.SpanStatusCode.ERROR, ...(a.error !== undefined ? { message: a.error.message } : {}) });
    }
    span.end(endTime);
  }
}
