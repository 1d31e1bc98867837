/**
 * Redacts secrets from an SDK error before it becomes a {@link ProviderError}'s `cause`, so that
 * `util.inspect(err)` (which prints the cause chain), `JSON.stringify`, loggers and error trackers
 * cannot leak a key a server echoed back — in the message, the body (`error`, `param`,
 * `error.error.detail`), the response `headers`, or any deeper `cause`.
 * @module
 */
import { scrubChain } from '../../src/errors/scrub-chain.js';

/**
 * Redacts every string reachable from `err`, in place where it can; returns `err`, or a scrubbed
 * copy when `err` itself is read-only. Use the returned value.
 */
export function scrubSecrets<T>(err: T): T {
  return scrubChain(err);
}
