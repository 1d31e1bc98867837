import { LLMError, hasCode } from './llm-error.js';

/**
 * Thrown (as a rejection) when a breaker refuses a call: OPEN, or HALF_OPEN with every probe slot taken.
 * It is never retried. It carries no stack trace: rejections are a hot path, and a stack would cost
 * ~20× the rest of the rejection while pointing only into the breaker.
 */
export class CircuitOpenError extends LLMError {
  readonly breakerName: string;
  /** Time until the breaker admits a probe; `Infinity` while an operator holds it open. */
  readonly retryAfterMs: number;
  /** Marker field for duck typing. */
  readonly isCircuitOpenError = true as const;

  constructor(breakerName: string, retryAfterMs: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super('circuit_open', `circuit "${breakerName}" is open; retry after ${Number.isFinite(retryAfterMs) ? `${Math.max(0, Math.ceil(retryAfterMs))} ms` : 'it is closed by an operator'}`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.breakerName = breakerName;
    this.retryAfterMs = retryAfterMs;
  }
}

export function isCircuitOpenError(err: unknown): err is CircuitOpenError {
  return hasCode(err, 'circuit_open');
}
