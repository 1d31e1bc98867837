/**
 * llm.stream(): failover until the first event, never after.
 *
 * - Before the first event (HTTP error, in-band error event, dropped connection, or no event within
 *   `timeoutMs`), the attempt fails like any other and the chain moves on (retry, then fallback).
 * - After the first event, a failure ends the iteration with a ProviderError; the partial output
 *   stays in `stream.partial`; nothing restarts silently. `idleTimeoutMs` bounds gaps between events.
 * - Breaker: a completed stream is a success; a failure before or after the first event counts per
 *   the error table; a stream the consumer abandons (break / return / abort) counts as neither.
 * @module
 */
import type { BreakerPermit } from './breaker/circuit-breaker.js';
import { AttemptScope, normalizeAttemptError } from './attempt.js';
import { Budget } from './budget.js';
import { ConfigError } from './errors/config-error.js';
import { ProviderError } from './errors/provider-error.js';
import { recordAttempt, walkChain, type ChainEntry, type WalkContext } from './failover.js';
import type { ProviderStreamEvent } from './provider.js';
import type { ResolvedRetryOptions } from './retry.js';
import type { CallObserver } from './telemetry/telemetry.js';
import type { Attempt, CompletionRequest, CompletionResponse, FinishReason, StreamEvent, ToolCall, Usage } from './types.js';

/** @internal what the client hands a stream */
export interface StreamSettings {
  chain: ChainEntry[];
  request: CompletionRequest;
  retry: ResolvedRetryOptions;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  idleTimeoutMs: number;
  /** The client's own `timeoutMs` / `idleTimeoutMs`: a shorter timer is the caller's budget, not counted. */
  ownTimeoutMs: number;
  ownIdleTimeoutMs: number;
  deadlineMs: number;
  maxAttempts: number;
  observer: CallObserver | undefined;
  onMisconfigured?: WalkContext['onMisconfigured'];
}

interface Opened {
  entry: ChainEntry;
  permit: BreakerPermit;
  scope: AttemptScope;
  iterator: AsyncIterator<ProviderStreamEvent>;
  first: ProviderStreamEvent;
  retry: number;
  t0: number;
}

/** What a stream produced so far. */
export interface PartialOutput {
  text: string;
  toolCalls: ToolCall[];
  /** The provider serving the stream, once one produced its first event. */
  provider: string | undefined;
}

/**
 * A streaming completion: iterate it once with `for await`. `toResponse()` gives the assembled
 * {@link CompletionResponse}; `partial` what arrived so far (also after a failure).
 */
export class LLMStream implements AsyncIterable<StreamEvent> {
  /** Every attempt so far, in order. */
  readonly attempts: Attempt[] = [];
  private textParts: string[] = [];
  private calls: Array<{ id: string; name: string; args: string[] }> = [];
  /** The adapter's tool-call index → the call's position in `calls`. */
  private callIndex = new Map<number, number>();
  private provider: string | undefined;
  private iterated = false;
  private outcome: Promise<CompletionResponse> | undefined;
  private settle: { resolve(r: CompletionResponse): void; reject(e: unknown): void } | undefined;

  constructor(private readonly s: StreamSettings) {}

  /** The output received so far (kept after a failure). */
  get partial(): PartialOutput {
    return {
      text: this.textParts.join(''),
      toolCalls: this.calls.map((c) => ({ id: c.id, name: c.name, arguments: c.args.join('') })),
      provider: this.provider,
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.iterated) throw new ConfigError('stream', 'an LLMStream can be iterated only once (use toResponse() or partial for its result)');
    this.iterated = true;
    return this.run();
  }

  /**
   * Resolves with the assembled response when the stream completes (consuming it if nobody
   * iterates it); rejects with the error that ended it.
   */
  toResponse(): Promise<CompletionResponse> {
    const p = this.completion();
    if (!this.iterated) {
      void (async () => {
        try {
          for await (const _ of this) {
            // drain
          }
        } catch {
          // surfaced through the completion promise
        }
      })();
    }
    return p;
  }

  private completion(): Promise<CompletionResponse> {
    if (!this.outcome) {
      this.outcome = new Promise<CompletionResponse>((resolve, reject) => {
        this.settle = { resolve, reject };
      });
    }
    return this.outcome;
  }

  private finish(result: CompletionResponse | undefined, error?: unknown): void {
    this.s.observer?.end(result, error);
    if (!this.settle) {
      // nobody asked for the response: remember the outcome without risking an unhandled rejection
      this.outcome = error === undefined ? Promise.resolve(result as CompletionResponse) : Promise.reject(error);
      this.outcome.catch(() => undefined);
      return;
    }
    if (error === undefined) this.settle.resolve(result as CompletionResponse);
    else this.settle.reject(error);
  }

  private async open(entry: ChainEntry, retry: number, budget: Budget): Promise<Opened> {
    const t0 = performance.now();
    let permit: BreakerPermit;
    try {
      permit = await entry.breaker.acquire();
    } catch (err) {
      recordAttempt(this.attempts, entry, retry, t0, err, this.s.observer);
      throw err;
    }
    const ttft = Math.min(this.s.timeoutMs, budget.remainingMs());
    const scope = new AttemptScope(this.s.signal, ttft, 'no stream event (time to first token)', this.s.ownTimeoutMs);
    let iterator: AsyncIterator<ProviderStreamEvent> | undefined;
    try {
      iterator = entry.adapter.stream(this.s.request, { signal: scope.signal, model: entry.model })[Symbol.asyncIterator]();
      const first = await scope.race(iterator.next());
      if (first.done) {
        throw new ProviderError({ provider: entry.adapter.name, kind: 'connection', message: 'stream ended before its first event' });
      }
      return { entry, permit, scope, iterator, first: first.value, retry, t0 };
    } catch (e) {
      const err = normalizeAttemptError(e, entry.adapter.name, scope);
      scope.abandon();
      scope.dispose();
      if (iterator?.return) iterator.return().catch(() => undefined);
      recordAttempt(this.attempts, entry, retry, t0, err, this.s.observer);
      await permit.failure(err);
      throw err;
    }
  }

  private async *run(): AsyncGenerator<StreamEvent, void, undefined> {
    const started = performance.now();
    const budget = new Budget(this.s.deadlineMs, this.s.maxAttempts, started);
    let opened: Opened;
    try {
      ({ value: opened } = await walkChain(
        { chain: this.s.chain, budget, retry: this.s.retry, signal: this.s.signal, attempts: this.attempts, observer: this.s.observer, onMisconfigured: this.s.onMisconfigured },
        (entry, retry) => this.open(entry, retry, budget),
      ));
    } catch (err) {
      this.finish(undefined, err);
      throw err;
    }

    const { entry, permit, scope, iterator, retry, t0 } = opened;
    const name = entry.adapter.name;
    this.provider = name;
    let ev: ProviderStreamEvent = opened.first;
    let completed = false;
    let failed = false;
    try {
      for (;;) {
        if (ev.type === 'finish') {
          scope.disarm();
          recordAttempt(this.attempts, entry, retry, t0, undefined, this.s.observer);
          await permit.success();
          completed = true;
          const result = this.assemble(ev.finishReason, ev.usage, name, ev.model || entry.model, started, ev.requestId);
          this.finish(result);
          yield {
            type: 'finish',
            finishReason: result.finishReason,
            usage: result.usage,
            provider: name,
            model: result.model,
            attempts: this.attempts,
            latencyMs: result.latencyMs,
            ...(ev.requestId !== undefined ? { requestId: ev.requestId } : {}),
          };
          return;
        }
        scope.disarm();
        if (ev.type === 'text') {
          this.textParts.push(ev.delta);
          yield { type: 'text', delta: ev.delta };
        } else {
          // Dense positions whatever the adapter's indexes: toolCalls never has holes.
          let index = this.callIndex.get(ev.index);
          if (index === undefined) {
            index = this.calls.push({ id: ev.id, name: ev.name, args: [] }) - 1;
            this.callIndex.set(ev.index, index);
          }
          const call = this.calls[index]!;
          if (ev.id && !call.id) call.id = ev.id;
          if (ev.name && !call.name) call.name = ev.name;
          call.args.push(ev.argumentsDelta);
          yield { type: 'tool_call_delta', index, id: call.id, name: call.name, argumentsDelta: ev.argumentsDelta };
        }
        const idle = Math.min(this.s.idleTimeoutMs, budget.remainingMs());
        scope.arm(idle, 'idle', `stream stalled: no event for ${Math.round(idle)} ms`, this.s.ownIdleTimeoutMs);
        const next = await scope.race(iterator.next());
        if (next.done) throw new ProviderError({ provider: name, kind: 'connection', message: 'stream ended before its final event' });
        ev = next.value;
      }
    } catch (e) {
      if (completed) throw e;
      failed = true;
      const err = normalizeAttemptError(e, name, scope);
      recordAttempt(this.attempts, entry, retry, t0, err, this.s.observer);
      await permit.failure(err);
      this.finish(undefined, err);
      throw err;
    } finally {
      if (!completed && !failed) {
        // the consumer left (break / return): close the request, count neither success nor failure
        scope.abandon();
        const err = new ProviderError({ provider: name, kind: 'aborted', message: 'the consumer stopped reading the stream' });
        recordAttempt(this.attempts, entry, retry, t0, err, this.s.observer);
        await permit.release();
        this.finish(undefined, err);
      }
      // Not awaited: an adapter suspended inside next() would make return() wait for it. The abort
      // above is what closes the HTTP request; return() lets the adapter run its cleanup.
      if (!completed && iterator.return) iterator.return().catch(() => undefined);
      scope.dispose();
    }
  }

  private assemble(finishReason: FinishReason, usage: Usage, provider: string, model: string, started: number, requestId: string | undefined): CompletionResponse {
    const p = this.partial;
    return {
      text: p.text,
      toolCalls: p.toolCalls,
      finishReason,
      usage,
      provider,
      model,
      attempts: this.attempts,
      latencyMs: performance.now() - started,
      ...(requestId !== undefined ? { requestId } : {}),
      raw: undefined,
    };
  }
}
