/**
 * createLLMClient: validates options and builds one guarded pipeline per provider
 * (retry → breaker → adapter), walked primary → fallbacks by failover.ts.
 * @module
 */
import { CircuitBreaker, type BreakerSnapshot } from './breaker/circuit-breaker.js';
import { MemoryStore } from './breaker/memory-store.js';
import type { BreakerStore } from './breaker/store.js';
import { AttemptScope, normalizeAttemptError } from './attempt.js';
import { Budget } from './budget.js';
import { checkRequestOptions, resolveClientOptions, type LLMClientOptions, type RequestOptions, type ResolvedClientOptions } from './client-options.js';
import type { ResolvedBreakerOptions } from './breaker/options.js';
import type { EventSubscription } from './breaker/events.js';
import { claimCircuit } from './client-circuits.js';
import { ClientEvents, type LLMClientEvents } from './client-events.js';
import { ConfigError } from './errors/config-error.js';
import type { ProviderError } from './errors/provider-error.js';
import { recordAttempt, walkChain, type ChainEntry } from './failover.js';
import type { ProviderAdapter, ProviderResult } from './provider.js';
import { LLMStream, type StreamSettings } from './stream.js';
import type { CallObserver, Telemetry } from './telemetry/telemetry.js';
import type { Attempt, CompletionRequest, CompletionResponse } from './types.js';
import { validateRequest } from './validate-request.js';

function firstOf(chain: ChainEntry[]): { provider: string; model: string; system: string } {
  const e = chain[0] as ChainEntry;
  return { provider: e.adapter.name, model: e.model, system: e.adapter.system };
}

/** A provider's health, from {@link LLMClient.health}. */
export interface ProviderHealth extends BreakerSnapshot {
  provider: string;
  model: string;
}

/** The LLM client. Create it with {@link createLLMClient}. */
export class LLMClient {
  private readonly o: ResolvedClientOptions;
  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly order: string[];
  private readonly names: ReadonlySet<string>;
  /** The store breakers use (the caller's, or one this client owns). */
  readonly store: BreakerStore;
  private readonly ownsStore: boolean;
  private closed = false;
  private readonly telemetry: Telemetry | undefined;
  private defaultChain: ChainEntry[] | undefined;
  private readonly events = new ClientEvents();
  private readonly releases: Array<() => void> = [];
  private readonly onMisconfigured = (entry: ChainEntry, error: ProviderError, next: ChainEntry): void => {
    this.events.misconfigured({ provider: entry.adapter.name, model: entry.model, kind: error.kind as 'auth' | 'not_found', error, fallback: next.adapter.name });
  };

  /**
   * The time the client's own settings give an attempt: its `timeoutMs`, or its `deadlineMs` when
   * shorter. An attempt given less (a tighter per-request budget, or a deadline nearly spent) that
   * times out is the caller's budget, not a provider failure.
   */
  private readonly ownTimeoutMs: number;

  constructor(options: LLMClientOptions) {
    this.o = resolveClientOptions(options);
    this.ownTimeoutMs = Math.min(this.o.timeoutMs, this.o.deadlineMs);
    this.telemetry = this.o.telemetry;
    this.ownsStore = this.o.store === undefined;
    this.store = this.o.store ?? new MemoryStore();
    for (const p of this.o.providers) {
      this.adapters.set(p.name, p);
      const options = this.o.perProvider.get(p.name) as ResolvedBreakerOptions;
      const name = this.o.breakerNames.get(p.name) as string;
      this.breakers.set(p.name, new CircuitBreaker(name, { ...options, store: this.store }));
      this.releases.push(claimCircuit(this.store, name, options));
    }
    this.order = [(this.o.providers[0] as ProviderAdapter).name, ...this.o.fallback];
    this.names = new Set(this.adapters.keys());
  }

  /** The chain for one call: forced provider, or primary + fallbacks (or the primary alone). */
  private chainFor(request: CompletionRequest, options: RequestOptions | undefined): ChainEntry[] {
    // The common call (no override) walks a chain built once: no allocation per request.
    if (options?.provider === undefined && options?.model === undefined && request.model === undefined) {
      if (options?.fallback !== false) return (this.defaultChain ??= this.buildChain(undefined, undefined));
    }
    return this.buildChain(request.model, options);
  }

  private buildChain(requestModel: string | undefined, options: RequestOptions | undefined): ChainEntry[] {
    const names = options?.provider !== undefined ? [options.provider] : options?.fallback === false ? this.order.slice(0, 1) : this.order;
    const override = options?.model;
    return names.map((name, i) => {
      const adapter = this.adapters.get(name) as ProviderAdapter;
      let model: string | undefined;
      if (typeof override === 'string') model = i === 0 ? override : undefined;
      else if (override !== undefined) model = override[name];
      if (model === undefined && i === 0 && requestModel !== undefined) model = requestModel;
      return { adapter, breaker: this.breakers.get(name) as CircuitBreaker, model: model ?? adapter.model };
    });
  }

  private check(request: CompletionRequest, options: RequestOptions | undefined): void {
    if (this.closed) throw new ConfigError('client', 'this client is closed');
    checkRequestOptions(options, this.names);
    validateRequest(request);
  }

  /**
   * Sends one completion through the chain: each attempt passes its provider's breaker; retryable
   * failures are retried (one budget for the whole call); the fallbacks serve when the primary
   * fails or its circuit is open.
   * @throws ProviderError for errors that do not fail over (invalid_request, content_filter, aborted)
   * @throws AllProvidersFailedError when every provider failed (carries every attempt)
   */
  async complete(request: CompletionRequest, options?: RequestOptions): Promise<CompletionResponse> {
    this.check(request, options);
    const started = performance.now();
    const timeoutMs = options?.timeoutMs ?? this.o.timeoutMs;
    const budget = new Budget(options?.deadlineMs ?? this.o.deadlineMs, options?.maxAttempts ?? this.o.maxAttempts, started);
    const attempts: Attempt[] = [];
    const signal = options?.signal;
    const chain = this.chainFor(request, options);
    const observer = this.telemetry?.startCall('complete', request, firstOf(chain));
    let value: ProviderResult;
    let entry: ChainEntry;
    try {
      ({ value, entry } = await walkChain({ chain, budget, retry: this.o.retry, signal, attempts, observer, onMisconfigured: this.onMisconfigured }, (e, retry) =>
        this.attempt(e, retry, request, signal, Math.min(timeoutMs, budget.remainingMs()), attempts, observer),
      ));
    } catch (err) {
      observer?.end(undefined, err);
      throw err;
    }
    const response: CompletionResponse = {
      text: value.text,
      toolCalls: value.toolCalls,
      finishReason: value.finishReason,
      usage: value.usage,
      provider: entry.adapter.name,
      model: value.model || entry.model,
      attempts,
      latencyMs: performance.now() - started,
      ...(value.requestId !== undefined ? { requestId: value.requestId } : {}),
      raw: value.raw,
    };
    observer?.end(response, undefined);
    return response;
  }

  private async attempt(
    entry: ChainEntry,
    retry: number,
    request: CompletionRequest,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    attempts: Attempt[],
    observer: CallObserver | undefined,
  ): Promise<ProviderResult> {
    const t0 = performance.now();
    const scope = new AttemptScope(signal, timeoutMs, undefined, this.ownTimeoutMs);
    const name = entry.adapter.name;
    try {
      const result = await entry.breaker.execute(() =>
        scope.race(entry.adapter.complete(request, { signal: scope.signal, model: entry.model })).catch((err: unknown) => {
          throw normalizeAttemptError(err, name, scope);
        }),
      );
      recordAttempt(attempts, entry, retry, t0, undefined, observer);
      return result;
    } catch (err) {
      recordAttempt(attempts, entry, retry, t0, err, observer);
      throw err;
    } finally {
      scope.dispose();
    }
  }

  /**
   * Streams one completion. Failover is allowed until the first event is yielded; after that a
   * failure ends the iteration with a ProviderError (the partial output stays in `stream.partial`).
   */
  stream(request: CompletionRequest, options?: RequestOptions): LLMStream {
    this.check(request, options);
    const chain = this.chainFor(request, options);
    const settings: StreamSettings = {
      chain,
      observer: this.telemetry?.startCall('stream', request, firstOf(chain)),
      request,
      retry: this.o.retry,
      signal: options?.signal,
      timeoutMs: options?.timeoutMs ?? this.o.timeoutMs,
      idleTimeoutMs: options?.idleTimeoutMs ?? this.o.idleTimeoutMs,
      ownTimeoutMs: this.ownTimeoutMs,
      ownIdleTimeoutMs: this.o.idleTimeoutMs,
      deadlineMs: options?.deadlineMs ?? this.o.deadlineMs,
      maxAttempts: options?.maxAttempts ?? this.o.maxAttempts,
      onMisconfigured: this.onMisconfigured,
    };
    return new LLMStream(settings);
  }

  /**
   * Listens to a client event: `misconfigured` when a provider's configuration error (`auth`,
   * `not_found`) makes a call fail over. Returns a subscription whose `dispose()` stops listening.
   * Without any listener, the first such failure of each provider is logged once (`console.warn`).
   */
  on<K extends keyof LLMClientEvents>(event: K, listener: (e: LLMClientEvents[K]) => void): EventSubscription {
    return this.events.on(event, listener);
  }

  /** The circuit breaker guarding provider `name`. */
  breaker(name: string): CircuitBreaker {
    const b = this.breakers.get(name);
    if (!b) throw new ConfigError('name', `unknown provider "${name}"; known: ${[...this.breakers.keys()].join(', ')}`);
    return b;
  }

  /** Every provider's breaker state (read from the store), in priority order. */
  async health(): Promise<ProviderHealth[]> {
    return Promise.all(
      this.o.providers.map(async (p) => ({
        provider: p.name,
        model: p.model,
        ...(await (this.breakers.get(p.name) as CircuitBreaker).snapshot()),
      })),
    );
  }

  /** The provider names in failover order (primary first). */
  get providers(): readonly string[] {
    return this.order;
  }

  /**
   * Releases what the client owns: breaker timers and subscriptions, adapters' SDK clients it built,
   * its own memory store. Never the caller's Redis client or the SDK clients passed in.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const release of this.releases.splice(0)) release();
    this.events.removeAll();
    await Promise.all([...this.breakers.values()].map((b) => b.close()));
    await Promise.all([...this.adapters.values()].map(async (a) => a.close?.()));
    if (this.ownsStore) await this.store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Creates an LLM client. Throws {@link ConfigError} naming the bad option. */
export function createLLMClient(options: LLMClientOptions): LLMClient {
  return new LLMClient(options);
}
