/**
 * The curves of `pph metadata`: each defence varied on its own over the same drawn traffic (common
 * random numbers, so differences between points are the defence's, not the draw's), plus one curve
 * that raises them together. The output conforms to `MetadataFileSchema` (reports/schemas.ts).
 */
import { analysePool, drawPool, settingsOf, BASELINE, type DefenceSettings, type MetadataPoint, type WorldOptions } from './analyse.js';
import { MAX_PAIRS_DEFAULT, MetadataInputError } from './link.js';

export interface DefenceCurve {
  /** What x is. */
  parameter: string;
  unit: string;
  xs: readonly number[];
  apply(base: DefenceSettings, x: number): Partial<DefenceSettings>;
}

/** Levels of the `combined` curve: padding, batching and cover raised together. */
export const COMBINED_LEVELS: readonly Partial<DefenceSettings>[] = [
  {},
  { paddingBytes: 1024, batchSize: 10, coverHz: 0.5 },
  { paddingBytes: 4096, batchSize: 100, coverHz: 1 },
  { paddingBytes: 65536, batchSize: 1000, coverHz: 2 },
];

export const DEFENCES = {
  jitter: { parameter: 'delayMsMax', unit: 'ms', xs: [30, 100, 300, 1000], apply: (_b, x) => ({ delayMsMax: x }) },
  padding: { parameter: 'paddingBytes', unit: 'B', xs: [0, 256, 1024, 4096, 16384, 65536], apply: (_b, x) => ({ paddingBytes: x }) },
  batching: { parameter: 'batchSize', unit: 'requests', xs: [1, 10, 100, 1000], apply: (_b, x) => ({ batchSize: x }) },
  cover: { parameter: 'coverHz', unit: 'dummies/client/s', xs: [0, 0.5, 1, 2], apply: (_b, x) => ({ coverHz: x }) },
  relays: { parameter: 'relays', unit: 'relays', xs: [1, 2, 4, 8], apply: (_b, x) => ({ relays: x }) },
  combined: { parameter: 'level', unit: 'level', xs: [0, 1, 2, 3], apply: (_b, x) => COMBINED_LEVELS[x] ?? {} },
} as const satisfies Record<string, DefenceCurve>;

export type DefenceName = keyof typeof DEFENCES;
export const DEFENCE_NAMES = Object.keys(DEFENCES) as DefenceName[];

export interface CurvesOptions extends WorldOptions {
  /** Settings every point starts from (default: no defence). */
  base?: Partial<DefenceSettings>;
  /** Curves to compute (default: all). */
  defences?: readonly DefenceName[];
}

export type MetadataCurve = {
  defence: DefenceName;
  parameter: string;
  unit: string;
  /** The x-axis title of this curve, e.g. `paddingBytes (B)`. */
  xLabel: string;
  points: MetadataPoint[];
};

/** `metadata.json`: conforms to MetadataFileSchema (reports/schemas.ts), with extra fields. */
export type MetadataResult = {
  kind: 'metadata';
  /** The x-axis title when every curve shares one (a single curve), else absent: see each curve's. */
  xLabel?: string;
  seed: number;
  requests: number;
  clients: number;
  rateHz: number;
  /** The bound on candidate pairs scored per point (see MetadataPoint.stride). */
  maxPairs: number;
  base: DefenceSettings;
  attacker: string;
  curves: MetadataCurve[];
};

const ATTACKER =
  'passive relay+gateway coalition: sees (address, time, size) at the relay ingress of the relays it holds and (time, size, relay) at the gateway; ' +
  'links each request to the max-posterior send among same-relay, same-size sends whose predicted release fits the triangular delay window';

/** The distinct points a set of curves needs (the baseline appears in most curves: computed once). */
export interface CurvesPlan {
  base: DefenceSettings;
  curves: { defence: DefenceName; parameter: string; unit: string; points: { x: number; job: number }[] }[];
  /** Distinct settings, in order of first appearance; `job` above indexes this list. */
  jobs: DefenceSettings[];
  /** The highest cover rate among the jobs: the traffic pool must hold that many cover layers. */
  coverHzMax: number;
}

export function planCurves(options: CurvesOptions): CurvesPlan {
  const base = settingsOf(options.base ?? {});
  const names = options.defences ?? DEFENCE_NAMES;
  for (const name of names) if (!(name in DEFENCES)) throw new MetadataInputError('option', `defence expected one of ${DEFENCE_NAMES.join(', ')}, got ${String(name)}`);
  const jobs: DefenceSettings[] = [];
  const jobOf = new Map<string, number>();
  const curves = names.map((name) => {
    const d: DefenceCurve = DEFENCES[name];
    const points = d.xs.map((x) => {
      const settings = settingsOf({ ...base, ...d.apply(base, x) });
      const key = JSON.stringify(settings);
      let job = jobOf.get(key);
      if (job === undefined) {
        jobOf.set(key, (job = jobs.length));
        jobs.push(settings);
      }
      return { x, job };
    });
    return { defence: name, parameter: d.parameter, unit: d.unit, points };
  });
  return { base, curves, jobs, coverHzMax: Math.max(0, ...jobs.map((j) => j.coverHz)) };
}

/** Puts the computed points (`points[i]` for `plan.jobs[i]`) into curves. */
export function assembleCurves(options: CurvesOptions, plan: CurvesPlan, points: readonly MetadataPoint[]): MetadataResult {
  if (points.length !== plan.jobs.length) throw new RangeError(`points expected ${plan.jobs.length}, got ${points.length}`);
  const curves = plan.curves.map((c) => ({
    ...c,
    xLabel: `${c.parameter} (${c.unit})`,
    points: c.points.map(({ x, job }) => roundPoint({ ...points[job]!, x })),
  }));
  return {
    kind: 'metadata',
    ...(curves.length === 1 ? { xLabel: curves[0]!.xLabel } : {}),
    seed: options.seed,
    requests: options.requests,
    clients: options.clients,
    rateHz: options.rateHz ?? 1,
    maxPairs: options.maxPairs ?? MAX_PAIRS_DEFAULT,
    base: plan.base,
    attacker: ATTACKER,
    curves,
  };
}

/** Computes some of a plan's jobs over one drawing of the traffic (what one worker does). */
export function analyseJobs(options: WorldOptions, jobs: readonly DefenceSettings[], coverHzMax: number): MetadataPoint[] {
  const pool = drawPool(options, coverHzMax);
  return jobs.map((settings) => analysePool(pool, options, settings, 0));
}

/**
 * Every requested curve over one drawing of the traffic, in this thread. (`pph metadata
 * --workers K` spreads the same jobs over worker threads; the result is identical.)
 *
 * @example
 * const file = metadataCurves({ requests: 50_000, seed: 1, clients: 1000, defences: ['padding'] });
 * // file.curves[0].points.map((p) => [p.x, p.accuracy, p.chance, p.latencyMs])
 */
export function metadataCurves(options: CurvesOptions): MetadataResult {
  const plan = planCurves(options);
  return assembleCurves(options, plan, analyseJobs(options, plan.jobs, plan.coverHzMax));
}

/** Six decimals: stable, readable files; the measures' own sampling error is far larger. */
function roundPoint(p: MetadataPoint): MetadataPoint {
  const r = (v: number): number => Math.round(v * 1e6) / 1e6;
  return {
    ...p,
    accuracy: r(p.accuracy),
    chance: r(p.chance),
    latencyMs: r(p.latencyMs),
    anonymityDegree: r(p.anonymityDegree),
    auprc: r(p.auprc),
    candidates: r(p.candidates),
    concurrent: r(p.concurrent),
    entropyBits: r(p.entropyBits),
    bandwidthOverhead: r(p.bandwidthOverhead),
  };
}

export { BASELINE };
