/**
 * Time for the stand-ins. Every emulator reads the time from a Clock so tests can move it
 * instead of sleeping; `advance` shifts it forward for everyone holding the same clock.
 */
export interface Clock {
  now(): number;
}

export class AdjustableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return (this.frozenAt ?? this.base()) + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('clock can only move forward');
    this.offsetMs += ms;
  }

  /** Stop the clock at its current reading (tests); `unfreeze` lets it run again from there. */
  freeze(): void {
    this.frozenAt ??= this.base();
  }

  unfreeze(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs += this.frozenAt - this.base();
    this.frozenAt = undefined;
  }
}
