/**
 * The normalised failure kinds and what each one does (retry, count toward the breaker, fail over).
 * @module
 */

export type ErrorKind =
  | 'rate_limit'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'bad_response'
  | 'auth'
  | 'not_found'
  | 'context_length'
  | 'invalid_request'
  | 'content_filter'
  | 'aborted';

export interface ErrorPolicy {
  /** Retry on the same provider. */
  readonly retry: boolean;
  /** Counts as a failure in the provider's circuit breaker. */
  readonly countsTowardBreaker: boolean;
  /** Move on to the next provider. */
  readonly failover: boolean;
}

/** What each kind does, as data: the single source of truth used by retry, breaker and failover. */
export const ERROR_POLICY: Readonly<Record<ErrorKind, ErrorPolicy>> = Object.freeze({
  rate_limit: { retry: true, countsTowardBreaker: true, failover: true },
  overloaded: { retry: true, countsTowardBreaker: true, failover: true },
  server: { retry: true, countsTowardBreaker: true, failover: true },
  timeout: { retry: true, countsTowardBreaker: true, failover: true },
  connection: { retry: true, countsTowardBreaker: true, failover: true },
  bad_response: { retry: true, countsTowardBreaker: true, failover: true },
  auth: { retry: false, countsTowardBreaker: true, failover: true },
  not_found: { retry: false, countsTowardBreaker: false, failover: true },
  context_length: { retry: false, countsTowardBreaker: false, failover: true },
  invalid_request: { retry: false, countsTowardBreaker: false, failover: false },
  content_filter: { retry: false, countsTowardBreaker: false, failover: false },
  aborted: { retry: false, countsTowardBreaker: false, failover: false },
});

export const ERROR_KINDS = Object.freeze(Object.keys(ERROR_POLICY) as ErrorKind[]);
