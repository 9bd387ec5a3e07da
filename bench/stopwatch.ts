/**
 * Wall-clock time for the commands that report their own speed (campaign runs/s, time limits).
 * bench/ is the one place outside the simulator's Clock allowed to read the real clock; nothing
 * measured here feeds back into a run, so runs stay pure functions of (scenario, seed).
 */
export class Stopwatch {
  private readonly start = performance.now();

  /** Milliseconds since the stopwatch was made. */
  elapsedMs(): number {
    return performance.now() - this.start;
  }
}

/** The current date as ISO text, for manifests (never for a run). */
export function wallClockIso(): string {
  return new Date(Date.now()).toISOString();
}

/** Milliseconds since the epoch now: `pph evidence verify` checks real certificates against today. */
export function wallClockMs(): number {
  return Date.now();
}
