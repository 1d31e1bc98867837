/**
 * Loads `@opentelemetry/api` (an optional peer dependency) synchronously, once. When it is not
 * installed the SDK records nothing and pays nothing: no import, no span, no instrument.
 * @module
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type { OtelApi };

let api: typeof OtelApi | null | undefined;

/** `@opentelemetry/api`, or `undefined` when it cannot be loaded. Tried once per process. */
export function loadOtelApi(): typeof OtelApi | undefined {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
    } catch {
      api = null;
    }
  }
  return api ?? undefined;
}
