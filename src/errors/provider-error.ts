import { ERROR_POLICY, type ErrorKind } from './error-kind.js';
import { LLMError, hasCode } from './llm-error.js';
import { redactSecrets } from './redact.js';
import { scrubChain } from './scrub-chain.js';

export interface ProviderErrorInit {
  provider: string;
  kind: ErrorKind;
  message: string;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Overrides the kind's default (e.g. OpenAI `insufficient_quota` is a 429 that is not retryable). */
  retryable?: boolean;
  /** Wait the provider asked for (`retry-after-ms` / `retry-after`), in ms. */
  retryAfterMs?: number;
  /** The provider's request id (`x-request-id` / `request-id`). */
  requestId?: string;
  /** The provider's own error code or type, e.g. `insufficient_quota`, `overloaded_error`. */
  providerCode?: string;
  /**
   * Overrides the kind's default: e.g. a `timeout` that the caller's own tight budget caused is not
   * the provider's failure.
   */
  countsTowardBreaker?: boolean;
  /** The underlying failure. Every string reachable from it is redacted ({@link scrubChain}). */
  cause?: unknown;
}

/** A failure of one provider attempt, normalised to a {@link ErrorKind}. */
export class ProviderError extends LLMError {
  readonly provider: string;
  readonly kind: ErrorKind;
  readonly status: number | undefined;
  /** Whether retrying the same provider may help. */
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;
  readonly providerCode: string | undefined;
  /** Marker field for duck typing. */
  readonly isProviderError = true as const;
  readonly #counts: boolean | undefined;

  constructor(init: ProviderErrorInit) {
    super('provider_error', redactSecrets(`[${init.provider}] ${init.kind}: ${init.message}`), {
      cause: scrubChain(init.cause),
    });
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status;
    this.retryable = init.retryable ?? ERROR_POLICY[init.kind].retry;
    this.retryAfterMs = init.retryAfterMs;
    // both come from the server's reply, which may echo what it was sent
    this.requestId = init.requestId === undefined ? undefined : redactSecrets(init.requestId);
    this.providerCode = init.providerCode === undefined ? undefined : redactSecrets(init.providerCode);
    this.#counts = init.countsTowardBreaker;
  }

  /** Counts toward the provider's circuit breaker (decided by `kind`, see {@link ERROR_POLICY}, unless the error says otherwise). */
  get countsTowardBreaker(): boolean {
    return this.#counts ?? ERROR_POLICY[this.kind].countsTowardBreaker;
  }

  /** Another provider may serve the request (decided by `kind`, see {@link ERROR_POLICY}). */
  get failover(): boolean {
    return ERROR_POLICY[this.kind].failover;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      provider: this.provider,
      kind: this.kind,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      requestId: this.requestId,
      providerCode: this.providerCode,
    };
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return hasCode(err, 'provider_error');
}
