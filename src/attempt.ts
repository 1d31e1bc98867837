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

/** An attempt's abort scope. Call `dispose()` when the attempt ends. */
export class AttemptScope {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly unhook: (() => void) | undefined;
  /** Rejects the pending race when the scope aborts, so an adapter that ignores its signal still ends. */
  private rejectRace: ((reason: unknown) => void) | undefined;
  private racePromise: Promise<never> | undefined;

  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number, timeoutLabel = 'attempt timed out') {
    if (callerSignal) {
      if (callerSignal.aborted) this.abortWith(new AttemptAbort('caller', CALLER_ABORT_MESSAGE));
      else this.unhook = onCallerAbort(callerSignal, () => this.abortWith(new AttemptAbort('caller', CALLER_ABORT_MESSAGE)));
    }
    if (Number.isFinite(timeoutMs)) this.arm(timeoutMs, 'timeout', `${timeoutLabel} after ${Math.round(timeoutMs)} ms`);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private abortWith(reason: AttemptAbort): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    this.rejectRace?.(reason);
  }

  /** (Re)arms the timer: aborts with `why` after `ms`. */
  arm(ms: number, why: 'timeout' | 'idle', message: string): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abortWith(new AttemptAbort(why, message)), Math.max(0, ms));
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
