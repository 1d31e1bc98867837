/** Brand shared by every copy of the package (ESM and CJS builds), so guards work across both. */
const BRAND = Symbol.for('llm-breaker.error');

/** Machine-readable code of every error the SDK throws. */
export type LLMErrorCode =
  | 'provider_error'
  | 'circuit_open'
  | 'all_providers_failed'
  | 'config'
  | 'store';

/** Base class of every error the SDK throws. Check `code` (or the type guards), not `instanceof`, across bundles. */
export class LLMError extends Error {
  readonly code: LLMErrorCode;

  constructor(code: LLMErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    Object.defineProperty(this, BRAND, { value: code, enumerable: false });
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** True for any error thrown by llm-breaker (also across ESM/CJS copies). */
export function isLLMError(err: unknown): err is LLMError {
  return typeof err === 'object' && err !== null && BRAND in err;
}

/** @internal */
export function hasCode(err: unknown, code: LLMErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === code;
}
