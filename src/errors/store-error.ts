import { LLMError, hasCode } from './llm-error.js';

/**
 * A breaker store failed (Redis down, slow, or its keys corrupt). Emitted as `storeError`, never
 * thrown from a guarded call; thrown by an operator action (`forceOpen`, `forceClose`, `reset`) that
 * could not change the shared state.
 */
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

/** `err` as a StoreError of breaker `breakerName`'s `operation` (itself when it already is one). */
export function asStoreError(breakerName: string, operation: string, err: unknown): StoreError {
  return isStoreError(err) ? err : new StoreError(breakerName, operation, err instanceof Error ? err.message : String(err), err);
}
