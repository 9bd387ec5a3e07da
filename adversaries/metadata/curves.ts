/**
 * The curves of `pph metadata`: each defence varied on its own over the same drawn traffic (common
 * random numbers, so differences between points are the defence's, not the draw's), plus one curve
 * that raises them together. The output conforms to `MetadataFileSchema` (reports/schemas.ts).
 */
import { analysePool, drawPool, settingsOf, BASELINE, type DefenceSettings, type MetadataPoint, type WorldOptions } from './analyse.js';
import { MetadataInputError } from './link.js';

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

export interface MetadataCurve {
  defence: DefenceName;
  parameter: string;
  unit: string;
  points: MetadataPoint[];
}

export interface MetadataResult {
  kind: 'metadata';
  seed: number;
  requests: number;
  clients: number;
  rateHz: number;
  base: DefenceSettings;
  attacker: string;
  curves: MetadataCurve[];
}

const ATTACKER =
  'passive relay+gateway coalition: sees (address, time, size) at the relay ingress of the relays it holds and (time, size, relay) at the gateway; ' +
  'links each request to the max-posterior send among same-relay, same-size sends whose predicted release fits the triangular delay window';

/**
 * Every requested curve over one drawing of the traffic. Points with identical settings (the
 * baseline appears in most curves) are computed once.
 *
 * @example
 * const file = metadataCurves({ requests: 50_000, seed: 1, clients: 1000, defences: ['padding'] });
 * // file.curves[0].points.map((p) => [p.x, p.accuracy, p.chance, p.latencyMs])
 */
export function metadataCurves(options: CurvesOptions): MetadataResult {
  const base = settingsOf(options.base ?? {});
  const names = options.defences ?? DEFENCE_NAMES;
  for (const name of names) if (!(name in DEFENCES)) throw new MetadataInputError('option', `defence expected one of ${DEFENCE_NAMES.join(', ')}, got ${String(name)}`);
  const plan = names.map((name) => {
    const d: DefenceCurve = DEFENCES[name];
    return { name, d, points: d.xs.map((x) => ({ x, settings: settingsOf({ ...base, ...d.apply(base, x) }) })) };
  });
  const coverHzMax = Math.max(0, ...plan.flatMap((c) => c.points.map((p) => p.settings.coverHz)));
  const pool = drawPool(options, coverHzMax);
  const cache = new Map<string, MetadataPoint>();
  const curves = plan.map(({ name, d, points }) => ({
    defence: name,
    parameter: d.parameter,
    unit: d.unit,
    points: points.map(({ x, settings }) => {
      const key = JSON.stringify(settings);
      let p = cache.get(key);
      if (!p) cache.set(key, (p = analysePool(pool, options, settings, x)));
      return roundPoint({ ...p, x });
    }),
  }));
  return { kind: 'metadata', seed: options.seed, requests: options.requests, clients: options.clients, rateHz: options.rateHz ?? 1, base, attacker: ATTACKER, curves };
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
