/**
 * An error thrown while an adapter builds the request body: nothing was sent, so it is the
 * caller's request that is wrong, never the provider. It becomes a {@link ConfigError} (not
 * counted by the breaker, not retried, not failed over); the adapters' own typed errors stay as
 * they are.
 * @module
 */
import { ConfigError } from '../../src/errors/config-error.js';
import { isLLMError, type LLMError } from '../../src/errors/llm-error.js';

export function conversionError(err: unknown, provider: string): LLMError {
  if (isLLMError(err)) return err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new ConfigError('request', `the "${provider}" adapter could not build the request body (nothing was sent): ${detail}`);
}
