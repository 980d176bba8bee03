/** The default WEBHOOK_RETRY_DELAYS_MS: now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_DELAYS_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];

/**
 * The retry schedule: `delays[i]` is the wait before attempt i+1, so there are `delays.length`
 * attempts and the first waits `delays[0]` after the action ends (normally 0).
 */
export class RetrySchedule {
  readonly delays: readonly number[];
  constructor(delays: readonly number[] = DEFAULT_RETRY_DELAYS_MS) {
    if (delays.length === 0 || delays.some((d) => !Number.isFinite(d) || d < 0)) {
      throw new RangeError('a webhook retry schedule needs at least one non-negative delay');
    }
    this.delays = [...delays];
  }

  get attempts(): number {
    return this.delays.length;
  }

  get firstDelay(): number {
    return this.delays[0];
  }

  /**
   * Wait after `attemptsMade` failed attempts; a receiver's Retry-After lengthens it, never shortens it.
   * Undefined when the schedule is used up.
   */
  delayAfter(attemptsMade: number, retryAfterMs?: number): number | undefined {
    if (attemptsMade < 1 || attemptsMade >= this.delays.length) return undefined;
    return Math.max(this.delays[attemptsMade], retryAfterMs ?? 0);
  }
}
