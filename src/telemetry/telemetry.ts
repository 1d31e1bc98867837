/**
 * The client's telemetry hooks. The OpenTelemetry implementation lives in ./otel.ts; with no
 * telemetry configured the client makes no calls at all.
 * @module
 */
import type { CircuitState } from '../breaker/state.js';
import type { Attempt, CompletionRequest, CompletionResponse } from '../types.js';

/** What telemetry learns about one attempt. */
export interface AttemptInfo {
  attempt: Attempt;
  /** Provider family (`gen_ai.system`): `openai`, `anthropic`, … */
  system: string;
  /** The provider's breaker state as this instance saw it after the attempt. */
  breakerState: CircuitState;
  /** ms since the epoch when the attempt started. */
  startTime: number;
}

/** Observes one `complete()` / `stream()` call. */
export interface CallObserver {
  attempt(info: AttemptInfo): void;
  /** The call ended: with a response, or with the error it threw. */
  end(response: CompletionResponse | undefined, error: unknown): void;
}

/** A telemetry sink for the client (OpenTelemetry by default when `@opentelemetry/api` is installed). */
export interface Telemetry {
  /** Starts observing a call; `undefined` when there is nothing to record it to (no cost for the call). */
  startCall(operation: 'complete' | 'stream', request: CompletionRequest, first: { provider: string; model: string; system: string }): CallObserver | undefined;
}
