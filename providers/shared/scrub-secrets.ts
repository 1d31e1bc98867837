/**
 * Redacts secrets from an SDK error before it becomes a {@link ProviderError}'s `cause`, so that
 * `util.inspect(err)` (which prints the cause chain), `JSON.stringify`, loggers and error trackers
 * cannot leak a key a server echoed back — in the message, the body (`error`, `param`,
 * `error.error.detail`), the response `headers`, or any deeper `cause`.
 * @module
 */
import { scrubChain } from '../../src/errors/scrub-chain.js';

/**
 * `err` with every reachable string redacted: `err` itself when it holds no secret, else a scrubbed
 * copy (same prototype, so `instanceof` holds). `err` is never modified. Use the returned value.
 */
export function scrubSecrets<T>(err: T): T {
  return scrubChain(err);
}
