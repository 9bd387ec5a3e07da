/**
 * The simulator's speed: runs per second of a scenario (the default one for `pph bench`), and its
 * overhead over the cryptography it performs.
 *
 * How the crypto time is measured: one extra run of the same (scenario, seed) under V8's sampling
 * CPU profiler (node:inspector, 100 µs interval). A sample counts as protocol work when any frame
 * of its stack is in protocol/ (HPKE, OHTTP, BHTTP, tokens, attestation, Merkle, notes: every
 * byte the protocol really computes, with the node:crypto and noble calls beneath them);
 * everything else is the simulator's overhead (machines, scheduler, network, trace hashing,
 * invariant checks, workload generation, garbage collection). Samples are weighted by their time
 * deltas; idle time is left out. overheadRatio = overhead time / protocol time, which equals
 * (run time − crypto time) / crypto time. The harness is also broken down by the module of the
 * sampled frame, to say where the overhead goes.
 */
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { runScenario, type RunOptions } from '../sim/runner.js';
import type { RunSpec } from '../sim/spec.js';

export interface SimFigures {
  runsPerSec: number;
  overheadRatio: number | null;
  runMsMean: number;
  runs: number;
  /** Protocol (crypto) time per run, ms: its share of the profile times the mean run time. */
  cryptoMsPerRun: number | null;
  /** Share of the profiled run's busy time by bucket (crypto, then the harness's parts). */
  shares: Record<string, number>;
  /** Share of the crypto time by the innermost protocol/ file (where the crypto goes). */
  cryptoShares: Record<string, number>;
}

export interface MeasureSimOptions {
  scenario: RunSpec & { seed?: number };
  /** Keep running until this many ms have passed (and at least `runsMin` runs). */
  timeMs: number;
  runsMin?: number;
  /** Profile one run to split crypto from overhead (default true). */
  profile?: boolean;
}

/** A limit on everything: timed runs per measurement. */
const RUNS_MAX = 50;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const PROTOCOL_DIR = fileURLToPath(new URL('../protocol/', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('../', import.meta.url));

function pathOf(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/** Where a harness frame's self time goes, by module. */
function bucketOf(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)') return 'v8 (program)';
  const path = pathOf(frame.url);
  if (path.includes('node_modules/xstate')) return 'xstate';
  if (path.includes('node_modules/@noble') || path.startsWith('node:internal/crypto')) return 'hashing outside protocol (trace, rng, view)';
  if (path.includes('node_modules/')) return 'other libraries';
  const inRepo = path.startsWith(ROOT_DIR) ? path.slice(ROOT_DIR.length).replace(/^dist\//, '') : '';
  const top = inRepo.split('/')[0];
  if (top === 'sim' || top === 'model' || top === 'tee' || top === 'scenarios' || top === 'adversaries') return top;
  if (path.startsWith('node:')) return 'node internals';
  // No script: a V8 builtin or native function (JSON, RegExp, typed-array copies, ...).
  return frame.url === '' ? 'v8 builtins (JSON, RegExp, copies)' : 'other';
}

/** Busy time (µs) by bucket and, for crypto, by the innermost protocol/ file of the stack. */
export interface ProfileSplit {
  /** 'crypto' = stacks that pass through protocol/; the rest by the module of the sampled frame. */
  buckets: Record<string, number>;
  cryptoByFile: Record<string, number>;
}

/** Splits a CPU profile's busy time into protocol work and the harness's parts (idle left out). */
export function classifyProfile(profile: CpuProfile): ProfileSplit {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const memo = new Map<number, { bucket: string; file?: string }>();
  const bucket = (id: number): { bucket: string; file?: string } => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const node = byId.get(id)!;
    let b: { bucket: string; file?: string } = { bucket: 'idle' };
    if (node.callFrame.functionName !== '(idle)') {
      let file: string | undefined;
      // The innermost protocol/ frame names the operation (e.g. tokens/voprf-p384).
      for (let at: number | undefined = id; at !== undefined && file === undefined; at = parent.get(at)) {
        const path = pathOf(byId.get(at)!.callFrame.url);
        if (path.startsWith(PROTOCOL_DIR)) file = path.slice(PROTOCOL_DIR.length).replace(/\.(ts|js)$/, '');
      }
      b = file !== undefined ? { bucket: 'crypto', file } : { bucket: bucketOf(node.callFrame) };
    }
    memo.set(id, b);
    return b;
  };
  const buckets: Record<string, number> = {};
  const cryptoByFile: Record<string, number> = {};
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample: it belongs to the interval ending at sample i.
    const dt = Math.max(0, deltas[i] ?? 0);
    const b = bucket(samples[i]!);
    buckets[b.bucket] = (buckets[b.bucket] ?? 0) + dt;
    if (b.file !== undefined) cryptoByFile[b.file] = (cryptoByFile[b.file] ?? 0) + dt;
  }
  delete buckets.idle;
  return { buckets, cryptoByFile };
}

async function profiledRun(spec: RunSpec, options: RunOptions): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    runScenario(spec, options);
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    await session.post('Profiler.disable');
    return profile;
  } finally {
    session.disconnect();
  }
}

/**
 * Runs/s of `scenario` and its overhead over the crypto it performs (see the file comment).
 *
 * @example
 * const sim = await measureSim({ scenario: defaultScenario(), timeMs: 10_000 });
 */
export async function measureSim(options: MeasureSimOptions): Promise<SimFigures> {
  const spec = options.scenario;
  const first = spec.seed ?? 1;
  const runOptions: RunOptions = { seed: first, keepTrace: false };
  // Warm-up (JIT, the per-process caches a campaign has) on a seed the timed runs do not use; each
  // timed run has a seed of its own, as a campaign's runs do, so nothing derived from a run's seed
  // (per-run keys, the simulated vendor's chips) comes from a cache the previous run filled.
  runScenario(spec, { ...runOptions, seed: first + RUNS_MAX + 1 });
  const times: number[] = [];
  const started = performance.now();
  const runsMin = options.runsMin ?? 2;
  while (times.length < RUNS_MAX && (times.length < runsMin || performance.now() - started < options.timeMs)) {
    const t0 = performance.now();
    runScenario(spec, { ...runOptions, seed: first + times.length });
    times.push(performance.now() - t0);
  }
  const runMsMean = times.reduce((a, b) => a + b, 0) / times.length;
  const figures: SimFigures = { runsPerSec: 1000 / runMsMean, overheadRatio: null, runMsMean, runs: times.length, cryptoMsPerRun: null, shares: {}, cryptoShares: {} };
  if (options.profile === false) return figures;
  const { buckets: busy, cryptoByFile } = classifyProfile(await profiledRun(spec, { ...runOptions, seed: first + RUNS_MAX + 2 }));
  const total = Object.values(busy).reduce((a, b) => a + b, 0);
  const crypto = busy.crypto ?? 0;
  for (const [k, v] of Object.entries(busy).sort((a, b) => b[1] - a[1])) figures.shares[k] = total > 0 ? v / total : 0;
  for (const [k, v] of Object.entries(cryptoByFile).sort((a, b) => b[1] - a[1])) figures.cryptoShares[k] = crypto > 0 ? v / crypto : 0;
  if (crypto > 0) {
    figures.overheadRatio = (total - crypto) / crypto;
    figures.cryptoMsPerRun = runMsMean * (crypto / total);
  }
  return figures;
}
