/**
 * A virtual-time event queue. Events run in (time, insertion order): ties break by the order of
 * scheduling, so a run is deterministic. Every run is bounded in events and virtual time; hitting
 * a bound is a clear error, not a hang (STYLE.md habit 5).
 */
import { PphError } from '../protocol/errors.js';
import type { SimClock } from './clock.js';

export class SchedulerLimitError extends PphError {}

interface Scheduled {
  atMs: number;
  seq: number;
  label: string;
  run: () => void;
}

export interface SchedulerLimits {
  maxEvents: number;
  maxTimeMs: number;
}

export class Scheduler {
  private heap: Scheduled[] = [];
  private seq = 0;
  private executed = 0;

  constructor(
    private readonly clock: SimClock,
    private readonly limits: SchedulerLimits,
  ) {}

  get eventsExecuted(): number {
    return this.executed;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** The events waiting, in the order they will run (time, then scheduling order): part of a paused run's state (`pph explore --engine concrete`). */
  pendingEvents(): { atMs: number; label: string }[] {
    return [...this.heap].sort((a, b) => (this.less(a, b) ? -1 : 1)).map((e) => ({ atMs: e.atMs, label: e.label }));
  }

  /** Runs `run` at virtual time `atMs` (not before now). */
  at(atMs: number, label: string, run: () => void): void {
    const t = Math.max(atMs, this.clock.nowMs());
    this.push({ atMs: t, seq: this.seq++, label, run });
  }

  /** Runs `run` `delayMs` after now. */
  after(delayMs: number, label: string, run: () => void): void {
    this.at(this.clock.nowMs() + Math.max(0, delayMs), label, run);
  }

  /** Runs events until the queue is empty or `untilMs` is passed. Throws SchedulerLimitError at a bound. */
  runUntilIdle(untilMs = Number.POSITIVE_INFINITY): void {
    while (this.heap.length > 0) {
      const next = this.heap[0]!;
      if (next.atMs > untilMs) return;
      if (next.atMs > this.limits.maxTimeMs) {
        throw new SchedulerLimitError('max-time', `virtual time limit of ${this.limits.maxTimeMs} ms reached (next event '${next.label}' at ${next.atMs} ms)`);
      }
      if (this.executed >= this.limits.maxEvents) {
        throw new SchedulerLimitError('max-events', `event limit of ${this.limits.maxEvents} reached at ${this.clock.nowMs()} ms (next event '${next.label}')`);
      }
      this.pop();
      this.clock.advanceTo(next.atMs);
      this.executed++;
      next.run();
    }
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(item: Scheduled): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Scheduled {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
