/**
 * One attempt's signal: the caller's signal, the per-attempt timeout and the call's deadline, joined
 * into one AbortSignal for the adapter; and the mapping of whatever the attempt threw to a
 * ProviderError that says which of these ended it.
 * @module
 */
import { ProviderError, isProviderError } from './errors/provider-error.js';
import { isLLMError } from './errors/llm-error.js';

/** The reason an attempt's signal aborted. */
export class AttemptAbort extends Error {
  constructor(readonly why: 'timeout' | 'caller' | 'idle' | 'abandoned', message: string) {
    super(message);
    this.name = 'AttemptAbort';
  }
}

/** An attempt's abort scope. Call `dispose()` when the attempt ends. */
export class AttemptScope {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort: (() => void) | undefined;
  /** Rejects when the scope aborts, so an adapter that ignores its signal still ends. */
  private abortPromise: Promise<never> | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    timeoutMs: number,
    timeoutLabel = 'attempt timed out',
  ) {
    if (callerSignal) {
      if (callerSignal.aborted) this.controller.abort(new AttemptAbort('caller', 'aborted by the caller'));
      else {
        this.onCallerAbort = () => this.controller.abort(new AttemptAbort('caller', 'aborted by the caller'));
        callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
      }
    }
    if (Number.isFinite(timeoutMs)) this.arm(timeoutMs, 'timeout', `${timeoutLabel} after ${Math.round(timeoutMs)} ms`);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)arms the timer: aborts with `why` after `ms`. */
  arm(ms: number, why: 'timeout' | 'idle', message: string): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new AttemptAbort(why, message)), Math.max(0, ms));
  }

  /** Stops the timer (while a stream's consumer holds an event, provider time is not running). */
  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Aborts the attempt because the consumer left (break / return). */
  abandon(): void {
    this.controller.abort(new AttemptAbort('abandoned', 'the consumer stopped reading the stream'));
  }

  /** `p`, or a rejection as soon as the scope aborts. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.controller.signal.aborted) {
      p.catch(() => undefined);
      return Promise.reject(this.controller.signal.reason);
    }
    this.abortPromise ??= new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason), { once: true });
    });
    this.abortPromise.catch(() => undefined);
    return Promise.race([p, this.abortPromise]);
  }

  /** Why the scope aborted, if it did. */
  get abortReason(): AttemptAbort | undefined {
    const r: unknown = this.controller.signal.reason;
    return this.controller.signal.aborted && r instanceof AttemptAbort ? r : undefined;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onCallerAbort) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

/**
 * Normalises what an attempt threw. The scope's abort reason wins over the adapter's mapping: a
 * timeout that the SDK reports as a user abort is a `timeout`; the caller's abort is `aborted`.
 */
export function normalizeAttemptError(err: unknown, provider: string, scope: AttemptScope | undefined): ProviderError {
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
        ...(isProviderError(err) && err.status !== undefined ? { status: err.status } : {}),
      });
    }
  }
  if (isProviderError(err)) return err;
  if (isLLMError(err)) {
    return new ProviderError({ provider, kind: 'bad_response', message: err.message, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError({ provider, kind: 'bad_response', message: `adapter threw: ${message}`, cause: err });
}
