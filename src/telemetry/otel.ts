/**
 * OpenTelemetry for the LLM client, through `@opentelemetry/api` (an optional peer dependency).
 *
 * - Spans: one `chat {model}` span per `complete()` / `stream()` (GenAI semantic conventions), with
 *   one child span per attempt (provider, retry, breaker state, error kind, failover).
 * - Metrics: `llm_breaker.breaker.state` (gauge per breaker), and per provider
 *   `llm_breaker.provider.calls` / `.failures` / `.rejections` / `.failovers`, plus the GenAI
 *   `gen_ai.client.operation.duration` and `gen_ai.client.token.usage` histograms.
 *
 * A client uses it by default when `@opentelemetry/api` is installed (spans and metrics go wherever
 * the application's OpenTelemetry SDK sends them; with no SDK registered they are no-ops). Without
 * the package nothing is loaded and the client makes no telemetry calls at all.
 * @module
 */
import type { Meter, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { describe } from '../breaker/options.js';
import { ConfigError } from '../errors/config-error.js';
import type { CompletionRequest } from '../types.js';
import { VERSION } from '../version.js';
import { loadOtelApi, type OtelApi } from './otel-api.js';
import { instrumentsFor } from './otel-metrics.js';
import { OtelCallObserver } from './otel-observer.js';
import type { CallObserver, Telemetry } from './telemetry.js';

export { METRIC as OTEL_METRICS, STATE_VALUE as OTEL_BREAKER_STATE_VALUES } from './otel-metrics.js';

/** Instrumentation scope name of every tracer and meter llm-breaker creates. */
export const INSTRUMENTATION_SCOPE = 'llm-breaker';

/**
 * Any OpenTelemetry `TracerProvider` (e.g. a `BasicTracerProvider` / `NodeTracerProvider`).
 * Structural, so these types need no OpenTelemetry install.
 */
export interface OtelTracerProvider {
  getTracer(name: string, version?: string): unknown;
}

/** Any OpenTelemetry `MeterProvider` (e.g. the SDK's `MeterProvider`). Structural, like {@link OtelTracerProvider}. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string): unknown;
}

/** Options of {@link otelTelemetry}. */
export interface OtelTelemetryOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`), looked up at each call, so an
   * SDK registered after the client was created is used
   */
  tracerProvider?: OtelTracerProvider;
  /**
   * Where metrics go.
   * @default the global meter provider (`metrics.getMeterProvider()`), looked up at each call, so an
   * SDK registered after the client was created is used
   */
  meterProvider?: OtelMeterProvider;
}

const OPTION_KEYS = new Set(['tracerProvider', 'meterProvider']);

class OtelTelemetry implements Telemetry {
  private readonly tracerProvider: TracerProvider | undefined;
  private readonly meterProvider: MeterProvider | undefined;
  private fixedTracer: Tracer | undefined;
  private fixedMeter: Meter | undefined;

  constructor(
    private readonly api: typeof OtelApi,
    options: OtelTelemetryOptions,
  ) {
    this.tracerProvider = options.tracerProvider as TracerProvider | undefined;
    this.meterProvider = options.meterProvider as MeterProvider | undefined;
    // register the instruments (and the breaker state gauge) now, not at the first call
    instrumentsFor(this.meter());
  }

  private tracer(): Tracer {
    if (this.tracerProvider === undefined) return this.api.trace.getTracer(INSTRUMENTATION_SCOPE, VERSION);
    return (this.fixedTracer ??= this.tracerProvider.getTracer(INSTRUMENTATION_SCOPE, VERSION));
  }

  private meter(): Meter {
    if (this.meterProvider === undefined) return this.api.metrics.getMeter(INSTRUMENTATION_SCOPE, VERSION);
    return (this.fixedMeter ??= this.meterProvider.getMeter(INSTRUMENTATION_SCOPE, VERSION));
  }

  startCall(operation: 'complete' | 'stream', request: CompletionRequest, first: { provider: string; model: string; system: string }): CallObserver | undefined {
    // Nothing registered globally (the API's no-op providers): skip the call's spans and counters
    // entirely. Checked at every call, so an SDK registered later is picked up.
    if (this.tracerProvider === undefined && this.meterProvider === undefined && globalsAreNoop(this.api)) return undefined;
    return new OtelCallObserver({ api: this.api, tracer: this.tracer(), instruments: instrumentsFor(this.meter()) }, operation, request, first);
  }
}

/** True while neither a tracer provider nor a meter provider is registered globally. */
function globalsAreNoop(api: typeof OtelApi): boolean {
  const tp = api.trace.getTracerProvider() as { getDelegate?: () => object };
  const tracer = typeof tp.getDelegate === 'function' ? tp.getDelegate() : tp;
  return tracer.constructor.name === 'NoopTracerProvider' && api.metrics.getMeterProvider().constructor.name === 'NoopMeterProvider';
}

function checkProvider(value: unknown, key: string, method: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new ConfigError(`telemetry.${key}`, `must be an OpenTelemetry ${key === 'tracerProvider' ? 'TracerProvider' : 'MeterProvider'} (with ${method}()), got ${describe(value)}`);
  }
}

/**
 * OpenTelemetry telemetry for `createLLMClient({ telemetry })`. A client already uses it by default
 * when `@opentelemetry/api` is installed; call this to send to specific providers instead of the
 * global ones.
 *
 * ```ts
 * const llm = createLLMClient({ providers, telemetry: otelTelemetry({ tracerProvider, meterProvider }) });
 * ```
 * @throws {ConfigError} when `@opentelemetry/api` is not installed, or an option is not a provider
 */
export function otelTelemetry(options: OtelTelemetryOptions = {}): Telemetry {
  if (typeof options !== 'object' || options === null) throw new ConfigError('telemetry', `otelTelemetry() options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) if (!OPTION_KEYS.has(k)) throw new ConfigError(`telemetry.${k}`, 'is not an option of otelTelemetry()');
  checkProvider(options.tracerProvider, 'tracerProvider', 'getTracer');
  checkProvider(options.meterProvider, 'meterProvider', 'getMeter');
  const api = loadOtelApi();
  if (api === undefined) {
    throw new ConfigError('telemetry', 'otelTelemetry() needs the optional peer dependency @opentelemetry/api (npm i @opentelemetry/api)');
  }
  return new OtelTelemetry(api, options);
}

let shared: Telemetry | null | undefined;

/**
 * The client's default telemetry: OpenTelemetry through the global providers when
 * `@opentelemetry/api` is installed, else `undefined` (no telemetry calls at all).
 * @internal the default of `createLLMClient({ telemetry })`
 */
export function defaultOtelTelemetry(): Telemetry | undefined {
  if (shared === undefined) {
    const api = loadOtelApi();
    shared = api === undefined ? null : new OtelTelemetry(api, {});
  }
  return shared ?? undefined;
}
