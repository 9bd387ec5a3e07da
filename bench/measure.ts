/**
 * The one place that times things: a thin layer over tinybench 6. Every figure carries its spread
 * (tinybench's relative margin of error at 95 %, and the number of samples), in microseconds.
 * bench/ is the only folder allowed to read the real clock (ARCHITECTURE.md).
 */
import { Bench } from 'tinybench';

/** How long to measure each task. */
export interface MeasureSettings {
  /** Time budget per task, ms (tinybench `time`). */
  timeMs: number;
  /** Minimum samples per task (tinybench `iterations`); a slow task still gets this many. */
  iterationsMin: number;
  /** Warm-up budget per task, ms (0: no warm-up). */
  warmupMs: number;
}

/** A measured figure (bench.json `suites.<name>`). */
export interface Figure {
  meanUs: number;
  p99Us: number | null;
  samples: number | null;
  /** Relative margin of error of the mean, percent (95 % confidence). */
  rme: number | null;
}

export interface TaskSpec {
  name: string;
  fn: () => unknown;
  /** The function returns a promise (tinybench awaits it inside the timed region). */
  async?: boolean;
}

/** A task that failed: its name and error. */
export class MeasureError extends Error {
  constructor(
    readonly task: string,
    cause: unknown,
  ) {
    super(`benchmark task ${task} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MeasureError';
  }
}

/** Settings from a `--time` budget: warm-up is a quarter of it, capped at 250 ms. */
export function settingsFor(timeMs: number, iterationsMin = 10): MeasureSettings {
  return { timeMs, iterationsMin, warmupMs: Math.min(250, Math.floor(timeMs / 4)) };
}

/**
 * Runs `tasks` one after the other and returns a figure per task name. A task that throws fails
 * the whole measurement (a benchmark of a broken path measures nothing).
 *
 * @example
 * const figures = await measure([{ name: 'sha256', fn: () => sha256(data) }], settingsFor(500));
 */
export async function measure(tasks: readonly TaskSpec[], settings: MeasureSettings): Promise<Record<string, Figure>> {
  const bench = new Bench({
    time: settings.timeMs,
    iterations: settings.iterationsMin,
    warmup: settings.warmupMs > 0,
    warmupTime: settings.warmupMs,
    warmupIterations: settings.warmupMs > 0 ? Math.min(4, settings.iterationsMin) : 0,
    throws: false,
  });
  for (const t of tasks) bench.add(t.name, t.fn, { async: t.async ?? false });
  await bench.run();
  const out: Record<string, Figure> = {};
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state === 'errored') throw new MeasureError(task.name, r.error);
    if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') throw new MeasureError(task.name, new Error(`ended in state ${r.state}`));
    const l = r.latency;
    out[task.name] = {
      meanUs: l.mean * 1000,
      p99Us: Number.isFinite(l.p99) ? l.p99 * 1000 : null,
      samples: l.samplesCount,
      rme: Number.isFinite(l.rme) ? l.rme : null,
    };
  }
  return out;
}

/** A limit on everything: rounds of a paired measurement. */
const PAIRED_ROUNDS_MAX = 100_000;

/**
 * Times `a` and `b` alternately, one call of each per round, until the time budget and the
 * minimum rounds are met: both see the same machine load, so `bUs / aUs` stays meaningful on a
 * shared machine where two separate measurements a second apart can differ by 2×.
 *
 * @example
 * const { aUs, bUs } = await measurePaired(floor, hotPath, settingsFor(1000));
 */
export async function measurePaired(a: TaskSpec, b: TaskSpec, settings: MeasureSettings): Promise<{ aUs: number; bUs: number; rounds: number }> {
  const once = async (t: TaskSpec): Promise<number> => {
    const t0 = performance.now();
    try {
      if (t.async) await t.fn();
      else t.fn();
    } catch (e) {
      throw new MeasureError(t.name, e);
    }
    return performance.now() - t0;
  };
  const warmupEnd = performance.now() + settings.warmupMs;
  while (performance.now() < warmupEnd) {
    await once(a);
    await once(b);
  }
  let aMs = 0;
  let bMs = 0;
  let rounds = 0;
  const started = performance.now();
  while (rounds < PAIRED_ROUNDS_MAX && (rounds < settings.iterationsMin || performance.now() - started < settings.timeMs)) {
    aMs += await once(a);
    bMs += await once(b);
    rounds++;
  }
  return { aUs: (aMs / rounds) * 1000, bUs: (bMs / rounds) * 1000, rounds };
}
