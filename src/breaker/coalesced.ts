/**
 * An async task run on request, at most once at a time: requests made while it runs are folded
 * into one more run after it. A flood of requests (e.g. messages on a pub/sub channel anyone can
 * publish on) therefore costs at most one task in flight, never one per request.
 * @module
 */
export class Coalesced {
  private running = false;
  private again = false;

  /** `task` must not reject (its failures are its own business). */
  constructor(private readonly task: () => Promise<void>) {}

  /** Runs the task now, or once more after the run under way. */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.task().catch(() => undefined);
      } while (this.again);
    } finally {
      this.running = false;
    }
  }
}
