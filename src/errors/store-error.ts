import { LLMError, hasCode } from './llm-error.js';

/** A breaker store failed (Redis down, slow, or its keys corrupt). Emitted as `storeError`, never thrown from a guarded call. */
export class StoreError extends LLMError {
  readonly breakerName: string;
  readonly operation: string;

  constructor(breakerName: string, operation: string, message: string, cause?: unknown) {
    super('store', `breaker "${breakerName}" store ${operation} failed: ${message}`, { cause });
    this.breakerName = breakerName;
    this.operation = operation;
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return hasCode(err, 'store');
}
