/**
 * llm-breaker: a provider-agnostic LLM client with a fleet-wide circuit breaker per provider.
 * @module llm-breaker
 */
export { CircuitState } from './breaker/state.js';
export type { Snapshot as StoreSnapshot, RuleConfig, ProbeOutcome, AcquireOutcome } from './breaker/state.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerEvents,
  type BreakerSnapshot,
} from './breaker/circuit-breaker.js';
export type { EventSubscription } from './breaker/events.js';
export { getCircuitBreaker, resetAllBreakers, closeAllBreakers } from './breaker/registry.js';
export {
  DEFAULT_BREAKER_OPTIONS,
  defaultIsFailure,
  MAX_DURATION_MS,
  type BreakerOptions,
  type FailureRateOptions,
} from './breaker/options.js';
export type { BreakerStore, StoreChange, Disposable } from './breaker/store.js';
export { memoryStore, MemoryStore, type MemoryStoreOptions } from './breaker/memory-store.js';
export { redisStore, RedisStore, type RedisStoreOptions, type RedisStoreClient, type RedisStoreConnection } from './breaker/redis-store.js';
export * from './errors/index.js';
export type * from './types.js';
export type { ProviderAdapter, ProviderCallContext, ProviderResult, ProviderStreamEvent } from './provider.js';
export { createLLMClient, LLMClient, type ProviderHealth } from './client.js';
export type { LLMClientOptions, RequestOptions } from './client-options.js';
export type { LLMClientEvents, MisconfiguredEvent } from './client-events.js';
export { LLMStream, type PartialOutput } from './stream.js';
export { DEFAULT_RETRY, backoffDelay, type RetryOptions } from './retry.js';
export type { BreakerPermit } from './breaker/circuit-breaker.js';
export type { Telemetry, CallObserver, AttemptInfo } from './telemetry/telemetry.js';
export {
  otelTelemetry,
  OTEL_METRICS,
  OTEL_BREAKER_STATE_VALUES,
  INSTRUMENTATION_SCOPE,
  type OtelTelemetryOptions,
  type OtelTracerProvider,
  type OtelMeterProvider,
} from './telemetry/otel.js';
export { VERSION } from './version.js';
