/**
 * The LLM client's own events. `misconfigured`: a provider failed because of its configuration (a
 * wrong API key, an unknown model) and the call moved on to a fallback, which may well succeed: the
 * mistake must not hide behind it. Without a listener, each provider's first such failure is logged
 * once with `console.warn` (the message is redacted like every error's).
 * @module
 */
import { Emitter, type EventSubscription } from './breaker/events.js';
import type { ProviderError } from './errors/provider-error.js';
import { redactSecrets } from './errors/redact.js';

/** A provider's configuration error (`auth`: 401/403, `not_found`: unknown model) that a failover hides. */
export interface MisconfiguredEvent {
  /** The provider whose configuration is wrong. */
  provider: string;
  /** The model the attempt asked for. */
  model: string;
  kind: 'auth' | 'not_found';
  /** The provider's error (its message says what is wrong, e.g. "The model `gpt-4o-mni` does not exist"). */
  error: ProviderError;
  /** The provider the call moves on to. */
  fallback: string;
}

/** Events of an `LLMClient` (`llm.on(…)`). Names may grow, never change. */
export interface LLMClientEvents {
  misconfigured: MisconfiguredEvent;
}

/** The client's emitter, with the once-per-provider warning when nobody listens. @internal */
export class ClientEvents {
  private readonly emitter = new Emitter<LLMClientEvents>();
  private readonly warned = new Set<string>();

  on<K extends keyof LLMClientEvents>(event: K, listener: (e: LLMClientEvents[K]) => void): EventSubscription {
    return this.emitter.on(event, listener);
  }

  misconfigured(e: MisconfiguredEvent): void {
    if (this.emitter.has('misconfigured')) {
      this.emitter.emit('misconfigured', e);
      return;
    }
    if (this.warned.has(e.provider)) return;
    this.warned.add(e.provider);
    console.warn(
      redactSecrets(
        `llm-breaker: provider "${e.provider}" (model ${e.model}) is misconfigured (${e.kind}); calls fail over to "${e.fallback}". ` +
          `${e.error.message}. Listen to llm.on('misconfigured') to handle this; this warning is printed once per provider.`,
      ),
    );
  }

  removeAll(): void {
    this.emitter.removeAll();
  }
}
