/**
 * The write-behind of a breaker's successes: counted locally on the hot path, written to the store
 * in batches (at once when a failure count must be reset), and awaited on `settle()`.
 * @module
 */

/** Writes `successes` (and, when `reset`, clears the shared failure count). Must never reject. */
export type SuccessWriter = (successes: number, reset: boolean) => Promise<void>;

export class WriteBehind {
  private pending = 0;
  private reset = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<unknown>>();

  /** `delayMs()` is read per batch: 0 or less writes at once. */
  constructor(
    private readonly write: SuccessWriter,
    private readonly delayMs: () => number,
  ) {}

  /** A success after a failure: the shared count must be reset; sent at once (not awaited). */
  addReset(): void {
    this.pending++;
    this.reset = true;
    void this.flush();
  }

  /** A success counted for the failure-rate window: batched. */
  add(): void {
    this.pending++;
    const delay = this.delayMs();
    if (delay <= 0) {
      void this.flush();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, delay);
      this.timer.unref();
    }
  }

  /** Hands the pending batch to the caller (e.g. to send with a failure) and clears it. */
  take(): { successes: number; reset: boolean } {
    const taken = { successes: this.pending, reset: this.reset };
    this.clear();
    return taken;
  }

  /** Drops the pending batch and its timer. */
  clear(): void {
    this.pending = 0;
    this.reset = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Writes the pending batch now. Never rejects. */
  flush(): Promise<void> {
    const { successes, reset } = this.take();
    if (successes === 0 && !reset) return Promise.resolve();
    const p = this.write(successes, reset);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  /** Writes the pending batch and waits for every write in flight. */
  async settle(): Promise<void> {
    if (this.pending > 0 || this.reset) await this.flush();
    if (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}
