import { systemClock, type Clock, type Sleep } from '../core/time';
import { realSleep } from './retry';

export interface RateOptions {
  /** Calls per second in the long run. */
  perSecond: number;
  /** Calls that may go at once after a quiet spell (default: half a second's worth, at least 1). */
  burst?: number;
}

/**
 * A token bucket that every ECS call of a sweep (and of warm invocations after it) goes through, so the
 * sweep spends the account's API rate instead of tripping over it. It is kept as a virtual schedule
 * (GCRA): each `take` reserves the next free slot and sleeps once until it, so waiters go in order.
 *
 * `pause(ms)` is the server's `x-acs-retry-after`: when ECS throttles anyway (another client shares the
 * account's quota), no call of ours goes out before that time, and they resume at the steady rate, not
 * in a burst. Waiters that reserved a slot before the pause re-reserve after it.
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  /** The theoretical arrival time of the next call at the steady rate. */
  private tat = 0;
  private pausedUntil = 0;
  private pauses = 0;

  constructor(
    readonly options: RateOptions,
    private readonly clock: Clock = systemClock,
    private readonly sleep: Sleep = realSleep,
  ) {
    if (!(options.perSecond > 0)) throw new RangeError('perSecond must be positive');
    const burst = Math.max(1, Math.floor(options.burst ?? options.perSecond / 2));
    this.intervalMs = 1000 / options.perSecond;
    this.toleranceMs = (burst - 1) * this.intervalMs;
  }

  /** Resolves when one call may go. */
  async take(): Promise<void> {
    for (;;) {
      const t = this.clock.now();
      const start = Math.max(this.tat, t, this.pausedUntil);
      const at = Math.max(t, this.pausedUntil, start - this.toleranceMs);
      this.tat = start + this.intervalMs;
      if (at <= t) return;
      const pausesBefore = this.pauses;
      await this.sleep(Math.ceil(at - t));
      // A pause that came while we slept moves our slot behind it: reserve again.
      if (this.pauses === pausesBefore || this.clock.now() >= this.pausedUntil) return;
    }
  }

  /** Nothing goes out for `ms` from now; then calls resume one interval apart. */
  pause(ms: number): void {
    const until = this.clock.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.pauses++;
    // Start afresh after the pause: one call at `until`, the next one interval later, no burst.
    this.tat = until + this.toleranceMs;
  }
}
