/**
 * A tiny typed event emitter. `on` returns a disposable; emitting with no listeners costs one
 * property read.
 * @module
 */

import { ConfigError } from '../errors/config-error.js';

/** Returned by `on()`: call `dispose()` (or use `using`) to stop listening. */
export interface EventSubscription {
  dispose(): void;
  [Symbol.dispose](): void;
}

export class Emitter<E extends { [K in keyof E]: unknown }> {
  private readonly listeners: { [K in keyof E]?: Array<(event: E[K]) => void> } = {};

  on<K extends keyof E>(name: K, listener: (event: E[K]) => void): EventSubscription {
    if (typeof listener !== 'function') throw new ConfigError('listener', `the "${String(name)}" listener must be a function`);
    const list = (this.listeners[name] ??= []);
    list.push(listener);
    let done = false;
    const dispose = (): void => {
      if (done) return;
      done = true;
      const current = this.listeners[name];
      if (!current) return;
      const next = current.filter((l) => l !== listener);
      if (next.length === 0) delete this.listeners[name];
      else this.listeners[name] = next;
    };
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** True when `name` has at least one listener. */
  has<K extends keyof E>(name: K): boolean {
    return this.listeners[name] !== undefined;
  }

  emit<K extends keyof E>(name: K, event: E[K]): void {
    const list = this.listeners[name];
    if (list === undefined) return;
    for (const l of list) {
      try {
        l(event);
      } catch (err) {
        // A listener's bug must never break a guarded call; surface it without crashing.
        process.emitWarning(`llm-breaker: a "${String(name)}" listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  removeAll(): void {
    for (const k of Object.keys(this.listeners)) delete this.listeners[k as keyof E];
  }
}
