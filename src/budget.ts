/**
 * One budget for a whole call: a deadline and a cap on total attempts, shared by every retry and
 * every fallback so retries never multiply across providers.
 * @module
 */
const MIN_ATTEMPT_MS = 1;

export class Budget {
  private attemptsLeft: number;
  readonly deadline: number;

  constructor(deadlineMs: number, maxAttempts: number, readonly startedAt: number = performance.now()) {
    this.deadline = startedAt + deadlineMs;
    this.attemptsLeft = maxAttempts;
  }

  remainingMs(): number {
    return this.deadline - performance.now();
  }

  /** True while an attempt may still start (timers may fire a hair early: under 1 ms left is none). */
  canAttempt(): boolean {
    return this.attemptsLeft > 0 && this.remainingMs() >= MIN_ATTEMPT_MS;
  }

  /** Takes one attempt from the budget. */
  take(): void {
    this.attemptsLeft--;
  }

  /** Gives an attempt back (a breaker rejected it: nothing was sent). */
  refund(): void {
    this.attemptsLeft++;
  }

  get exhaustedReason(): string | undefined {
    if (this.attemptsLeft <= 0) return 'attempt cap reached';
    if (this.remainingMs() < MIN_ATTEMPT_MS) return 'deadline exceeded';
    return undefined;
  }
}
