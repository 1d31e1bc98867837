/**
 * The process's set of open breakers (for `resetAllBreakers()`), held weakly: a breaker nobody
 * references any more — e.g. of an LLM client a serverless handler created per request and never
 * closed — is garbage-collected, and its cleanup (dropping its store subscription) runs then. A
 * strong set kept every such breaker, and everything it references, alive for ever.
 * @module
 */

export class LiveSet<T extends object> {
  private readonly refs = new Set<WeakRef<T>>();
  private readonly index = new WeakMap<T, WeakRef<T>>();
  private readonly finalizer = new FinalizationRegistry<{ ref: WeakRef<T>; cleanup: (() => void) | undefined }>((held) => {
    this.refs.delete(held.ref);
    try {
      held.cleanup?.();
    } catch {
      // a cleanup's failure must not reach the GC's callback
    }
  });

  /**
   * Adds `item`. `cleanup` runs if `item` is collected without having been deleted; it must not
   * reference `item` (it would keep it alive).
   */
  add(item: T, cleanup?: () => void): void {
    if (this.index.has(item)) return;
    const ref = new WeakRef(item);
    this.index.set(item, ref);
    this.refs.add(ref);
    this.finalizer.register(item, { ref, cleanup }, ref);
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  delete(item: T): boolean {
    const ref = this.index.get(item);
    if (ref === undefined) return false;
    this.index.delete(item);
    this.refs.delete(ref);
    this.finalizer.unregister(ref);
    return true;
  }

  /** The items still alive, in insertion order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const ref of this.refs) {
      const item = ref.deref();
      if (item !== undefined) yield item;
    }
  }

  /** How many items are tracked (collected items leave when their finalizer has run). */
  get size(): number {
    return this.refs.size;
  }
}
