/**
 * Keeps the probe leases of one breaker alive while their calls run. A probe (notably a stream
 * admitted by `acquire()`) may run longer than `probeLeaseMs`; without renewal its lease would
 * expire mid-call, a second probe would be admitted (more than `halfOpenMaxProbes` in flight), and
 * the first probe's success would be ignored. So while a probe runs, its lease is renewed every
 * third of `probeLeaseMs`; the lease then only lapses when the process holding it stops renewing
 * (it died, or lost its store), which is what the lease is for.
 *
 * Timers are unref'd (a running probe never holds the process open by itself) and stopped when the
 * probe reports, when the store says the lease is gone, and when the breaker closes.
 * @module
 */

/** The longest delay Node's timers accept; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** How often a lease of `probeLeaseMs` is renewed: a third of it, so one late or lost renewal is survived. */
export function renewalIntervalMs(probeLeaseMs: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(probeLeaseMs / 3)));
}

export class LeaseRenewer {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly busy = new Set<string>();

  /**
   * @param intervalMs time between renewals of one lease
   * @param renew extends one lease; resolves `false` when the lease is gone (renewal then stops). Must not reject.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly renew: (leaseId: string) => Promise<boolean>,
  ) {}

  /** Starts renewing `leaseId` until {@link stop}. */
  start(leaseId: string): void {
    if (this.timers.has(leaseId)) return;
    const timer = setInterval(() => this.tick(leaseId), this.intervalMs);
    timer.unref();
    this.timers.set(leaseId, timer);
  }

  /** Stops renewing `leaseId` (its probe reported, or it lost its slot). */
  stop(leaseId: string): void {
    const timer = this.timers.get(leaseId);
    if (timer === undefined) return;
    clearInterval(timer);
    this.timers.delete(leaseId);
  }

  /** Stops every renewal (the HALF_OPEN episode ended, or the breaker closed). */
  stopAll(): void {
    for (const timer of this.timers.values()) clearInterval(timer);
    this.timers.clear();
  }

  /** Leases being renewed. */
  get size(): number {
    return this.timers.size;
  }

  private tick(leaseId: string): void {
    if (this.busy.has(leaseId)) return; // the previous renewal has not answered yet
    this.busy.add(leaseId);
    this.renew(leaseId).then(
      (held) => {
        this.busy.delete(leaseId);
        if (!held) this.stop(leaseId);
      },
      () => this.busy.delete(leaseId), // never expected; the next tick tries again
    );
  }
}
