/**
 * The simulated clock: virtual milliseconds since the start of a run. With sim/rng.ts, the only
 * source of time in a run; it moves only when the scheduler delivers the next event.
 */
export class SimClock {
  private now = 0;

  /** Virtual milliseconds since the run started. */
  nowMs(): number {
    return this.now;
  }

  /** Moves time forward to `ms`; time never runs backwards. */
  advanceTo(ms: number): void {
    if (!Number.isFinite(ms) || ms < this.now) throw new RangeError(`clock cannot move from ${this.now} ms to ${ms} ms`);
    this.now = ms;
  }
}

/**
 * The wall-clock instant a run pretends to start at, for certificate validity checks. Fixed, so
 * that a run does not depend on the day it runs: 2026-01-01T00:00:00Z.
 */
export const SIM_EPOCH_MS = 1_767_225_600_000;
