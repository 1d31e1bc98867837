/**
 * The default telemetry: none until the OpenTelemetry integration registers itself.
 * @module
 */
import type { Telemetry } from './telemetry.js';

let factory: (() => Telemetry | undefined) | undefined;

/** @internal set by the OpenTelemetry integration when `@opentelemetry/api` is available */
export function setDefaultTelemetryFactory(f: (() => Telemetry | undefined) | undefined): void {
  factory = f;
}

/** The telemetry a client uses when its `telemetry` option is not given. */
export function defaultTelemetry(): Telemetry | undefined {
  return factory?.();
}
