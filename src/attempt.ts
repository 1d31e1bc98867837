/**
 * One attempt's signal: the caller's signal, the per-attempt timeout and the call's deadline, joined
 * into one AbortSignal for the adapter; and the mapping of whatever the attempt threw to a
 * ProviderError that says which of these ended it.
 * @module
 */
import { ProviderError, isProviderError } from './errors/provider-error.js';
import { isConfigError, type ConfigError } from './errors/config-error.js';
import { isLLMError } from './errors/llm-error.js';

/**
 * The reason an attempt's signal aborted. `budget`: a timer shorter than the client's own
 * (`timeoutMs` / `idleTimeoutMs`) fired, because the caller's per-request `timeoutMs`,
 * `idleTimeoutMs` or `deadlineMs`, or the call's remaining deadline, left the attempt less time:
 * the caller's budget ended it, not the provider.
 */
export class AttemptAbort extends Error {
  constructor(readonly why: 'timeout' | 'budget' | 'caller' | 'idle' | 'abandoned', message: string) {
    super(message);
    this.name = 'AttemptAbort';
  }
}

/**
 * One listener per caller signal, however many attempts (or concurrent calls) share it: fans the
 * abort out to the scopes registered now. Avoids piling listeners onto a long-lived signal.
 */
interface CallerHub {
  readonly scopes: Set<() => void>;
  readonly onAbort: () => void;
}
const callerHubs = new WeakMap<AbortSignal, CallerHub>();

function onCallerAbort(signal: AbortSignal, fn: () => void): () => void {
  let hub = callerHubs.get(signal);
  if (!hub) {
    const scopes = new Set<() => void>();
    const onAbort = (): void => {
      callerHubs.delete(signal);
      for (const f of scopes) f();
    };
    hub = { scopes, onAbort };
    callerHubs.set(signal, hub);
    signal.addEventListener('abort', onAbort, { once: true });
  }
  hub.scopes.add(fn);
  const h = hub;
  return () => {
    if (!h.scopes.delete(fn) || h.scopes.size > 0) return;
    // the last attempt on this signal ended: leave nothing behind on the caller's signal
    signal.removeEventListener('abort', h.onAbort);
    if (callerHubs.get(signal) === h) callerHubs.delete(signal);
  };
}

const CALLER_ABORT_MESSAGE = 'aborted by the caller';

/** Timers fire to the millisecond: an attempt given its full time less a hair was not cut short. */
const BUDGET_SLACK_MS = 1;

function cutByBudget(ms: number, ownMs: number): boolean {
  return ms < ownMs - BUDGET_SLACK_MS;
}

/** An attempt's abort scope. Call `dispose()` when the attempt ends. */
export class AttemptScope {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly unhook: (() => void) | undefined;
  /** Rejects the pending race when the scope aborts, so an adapter that ignores its signal still ends. */
  private rejectRace: ((reason: unknown) => void) | undefined;
  private racePromise: Promise<never> | undefined;

  /**
   * @param timeoutMs the attempt's time: the smaller of its timeout and the call's remaining deadline
   * @param ownTimeoutMs the client's own `timeoutMs`: when `timeoutMs` is shorter, the caller's
   *   budget cut the attempt short, and its expiry is not the provider's failure
   */
  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number, timeoutLabel = 'attempt timed out', ownTimeoutMs = timeoutMs) {
    if (callerSignal) {
      if (callerSignal.aborted) this.abortWith(new AttemptAbort('caller', CALLER_ABORT_MESSAGE));
      else this.unhook = onCallerAbort(callerSignal, () => this.abortWith(new AttemptAbort('caller', CALLER_ABORT_MESSAGE)));
    }
    if (Number.isFinite(timeoutMs)) this.arm(timeoutMs, 'timeout', `${timeoutLabel} after ${Math.round(timeoutMs)} ms`, ownTimeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private abortWith(reason: AttemptAbort): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    this.rejectRace?.(reason);
  }

  /**
   * (Re)arms the timer: aborts with `why` after `ms`, or with `budget` when `ms` is shorter than
   * the client's own `ownMs` (the caller's budget, not the provider, then ends the attempt).
   */
  arm(ms: number, why: 'timeout' | 'idle', message: string, ownMs = ms): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const reason = cutByBudget(ms, ownMs) ? 'budget' : why;
    const text = reason === 'budget' ? `${message}: the caller's budget (per-request timeout or deadline) ended it` : message;
    this.timer = setTimeout(() => this.abortWith(new AttemptAbort(reason, text)), Math.max(0, ms));
  }

  /** Stops the timer (while a stream's consumer holds an event, provider time is not running). */
  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Aborts the attempt because the consumer left (break / return). */
  abandon(): void {
    this.abortWith(new AttemptAbort('abandoned', 'the consumer stopped reading the stream'));
  }

  /** `p`, or a rejection as soon as the scope aborts. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.controller.signal.aborted) {
      p.catch(() => undefined);
      return Promise.reject(this.controller.signal.reason);
    }
    if (this.racePromise === undefined) {
      this.racePromise = new Promise<never>((_, reject) => {
        this.rejectRace = reject;
      });
      this.racePromise.catch(() => undefined);
    }
    return Promise.race([p, this.racePromise]);
  }

  /** Why the scope aborted, if it did. */
  get abortReason(): AttemptAbort | undefined {
    const r: unknown = this.controller.signal.reason;
    return this.controller.signal.aborted && r instanceof AttemptAbort ? r : undefined;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.unhook?.();
  }
}

/**
 * Normalises what an attempt threw. The scope's abort reason wins over the adapter's mapping: a
 * timeout that the SDK reports as a user abort is a `timeout`; the caller's abort is `aborted`; a
 * timer the caller's budget shortened gives a `timeout` that does not count toward the breaker.
 * A {@link ConfigError} (the adapter could not build the request: nothing was sent) is the
 * caller's mistake, never a provider failure: it is returned as is.
 */
export function normalizeAttemptError(err: unknown, provider: string, scope: AttemptScope | undefined): ProviderError | ConfigError {
  const reason = scope?.abortReason;
  if (reason) {
    if (reason.why === 'caller' || reason.why === 'abandoned') {
      return new ProviderError({ provider, kind: 'aborted', message: reason.message, cause: err });
    }
    if (!isProviderError(err) || err.kind === 'aborted' || err.kind === 'connection' || err.kind === 'timeout') {
      return new ProviderError({
        provider,
        kind: 'timeout',
        message: reason.message,
        cause: err,
        ...(reason.why === 'budget' ? { countsTowardBreaker: false } : {}),
        ...(isProviderError(err) && err.status !== undefined ? { status: err.status } : {}),
      });
    }
  }
  if (isProviderError(err) || isConfigError(err)) return err;
  if (isLLMError(err)) {
    return new ProviderError({ provider, kind: 'bad_response', message: err.message, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError({ provider, kind: 'bad_response', message: `adapter threw: ${message}`, cause: err });
}
