/**
 * `pph bench` without the CLI: measures the selected sections and returns bench.json's content,
 * checked against reports/schemas.ts `BenchFileSchema`.
 *
 * Sections: the per-layer suite groups (bench/suites.ts), `floor` (bench/floor.ts), `hot-path`
 * (bench/hot-path.ts, once per runner; implies `floor`, since the ratio needs a floor from the
 * same run), `peer` (bench/peer.ts), `sim` (bench/sim.ts), `campaign` (bench/campaign.ts), `explore` and `metadata`
 * (`pph metadata`'s analysis, every curve at a million requests, on its default worker threads).
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { checkValue, BenchFileSchema, type BenchFile } from '../reports/schemas.js';
import type { RunSpec } from '../sim/spec.js';
import { createRunner, probeRunners, type CreateRunnerOptions, type RunnerProbe } from '../tee/runners.js';
import { TEE_RUNNER_NAMES, type TeeRunnerName } from '../tee/runner.js';
import { InProcessRunner } from '../tee/in-process.js';
import { measureCampaign } from './campaign.js';
import { BenchKeys, benchChat, defaultScenario, smallWorldScenario } from './fixtures.js';
import { floorTasks } from './floor.js';
import { HotPath, type HotPathSample } from './hot-path.js';
import { measure, measurePaired, settingsFor, type Figure, type MeasureSettings } from './measure.js';
import { ourRoundTrip, peerRoundTrip } from './peer.js';
import { measureSim } from './sim.js';
import { Stopwatch } from './stopwatch.js';
import { makeWorld } from '../sim/explore/model.js';
import { explore as exploreWorld } from '../sim/explore/explorer.js';
import { adversariesFor, worldOf } from '../sim/explore/worlds.js';
import { metadataCurvesParallel } from '../adversaries/metadata/parallel.js';
import { CONCRETE_ADVERSARIES, exploreConcrete } from '../cli/explore/concrete.js';
import { concreteSpec, MODEL_INVARIANTS } from '../cli/explore/run-explore.js';
import { measureSearch } from './search.js';
import { GROUPS_ON_SAMPLE, SUITE_GROUPS, suiteTasks, type SuiteGroup } from './suites.js';

export const BENCH_SECTIONS = [...SUITE_GROUPS, 'floor', 'hot-path', 'peer', 'sim', 'campaign', 'explore', 'search', 'metadata'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** The goals of issue 7 (bench.md reports each as met or missed). */
export const GOALS = { ratioToFloorMax: 1.5, ohttpSpeedupMin: 10, simOverheadMax: 1, campaignScalingMin: 1.8, exploreStatesPerMinuteMin: 1_000_000, metadataWallMsMax: 10_000 } as const;

/** The metadata section's world: `pph metadata --requests 1000000` with every other flag at its default. */
const METADATA_REQUESTS = 1_000_000;

/** The bounds of the explore section: `pph explore`'s defaults. */
const EXPLORE_DEPTH = 48;
const EXPLORE_STATES_MAX = 2_000_000;
/** The concrete engine's depth bound on the same scenario (it re-runs the real simulator per state: far slower). */
const EXPLORE_CONCRETE_DEPTH = 6;

/** The hot path carries a chat of the default scenario's size. */
const HOT_PATH_CHAT_MESSAGES = 12;

export interface BenchOptions {
  /** Sections to measure (default: all). */
  sections?: readonly BenchSection[];
  /** Runners for the hot path (default: every runner that works here). */
  runners?: readonly TeeRunnerName[];
  /** Time budget per task, ms (default 1000). */
  timeMs?: number;
  /** Minimum samples per task (default 10). */
  iterationsMin?: number;
  /** The scenario of the `sim` section (default: scenarios/default.yaml). */
  simScenario?: RunSpec & { seed?: number };
  /** Minimum simulator runs (default 2). */
  simRunsMin?: number;
  /** Real requests of the metadata section (default 1,000,000: the goal's size; tests pass less). */
  metadataRequests?: number;
  runnerOptions?: CreateRunnerOptions;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** A runner was asked for by name but does not work on this machine. */
export class BenchRunnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchRunnerError';
  }
}

function machine(): BenchFile['machine'] & Record<string, unknown> {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? null,
    cores: availableParallelism(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    // Other processes share the cores: the 1-minute load average when the bench started.
    loadAvg1: Math.round(loadavg()[0]! * 100) / 100,
  };
}

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits + 2));

function roundFigure(f: Figure): Figure {
  return { meanUs: round(f.meanUs), p99Us: f.p99Us === null ? null : round(f.p99Us), samples: f.samples, rme: f.rme === null ? null : round(f.rme, 2) };
}

/**
 * Measures and returns bench.json's content (validated). Throws BenchRunnerError when a runner
 * named in `runners` does not work here, MeasureError when a benchmarked path fails.
 *
 * @example
 * const bench = await runBench({ sections: ['ohttp', 'hot-path'], timeMs: 500 });
 * console.log(bench.hotPath?.['in-process']?.ratioToFloor);
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchFile> {
  const log = options.log ?? (() => undefined);
  // `search` runs minutes of campaigns: only when asked for by name.
  const wanted = new Set<BenchSection>(options.sections ?? BENCH_SECTIONS.filter((x) => x !== 'search'));
  if (wanted.has('hot-path')) wanted.add('floor');
  const settings: MeasureSettings = settingsFor(options.timeMs ?? 1000, options.iterationsMin ?? 10);
  const keys = new BenchKeys();
  const chat = benchChat(HOT_PATH_CHAT_MESSAGES);
  const started = new Date().toISOString();
  const host = machine();

  // One request on the reference runner: the bytes and sizes the suites, floor and peer reuse.
  let sample: HotPathSample | null = null;
  const needsSample = [...GROUPS_ON_SAMPLE, 'floor', 'peer'].some((s) => wanted.has(s as BenchSection));
  if (needsSample) {
    const reference = new HotPath(keys, new InProcessRunner(), chat);
    await reference.boot();
    sample = await reference.request();
    await reference.stop();
  }

  const suites: Record<string, Figure> = {};
  for (const group of SUITE_GROUPS) {
    if (!wanted.has(group)) continue;
    log(`suite ${group}`);
    Object.assign(suites, await measure(suiteTasks(group as SuiteGroup, keys, sample), settings));
  }

  let floorUs: number | null = null;
  let floorParts: Record<string, Figure> | null = null;
  const floor = sample ? floorTasks(sample.sizes, keys.rng.fork('floor')) : null;
  if (wanted.has('floor') && floor) {
    log('floor (node:crypto primitives of one request)');
    const { total, parts } = floor;
    const measured = await measure([total, ...parts], settings);
    floorUs = measured.floor!.meanUs;
    floorParts = Object.fromEntries(parts.map((p) => [p.name, roundFigure(measured[p.name]!)]));
    suites.floor = measured.floor!;
  }

  let probes: RunnerProbe[] | null = null;
  let hotPath: BenchFile['hotPath'] = null;
  if (wanted.has('hot-path')) {
    const names = options.runners ?? TEE_RUNNER_NAMES;
    probes = await probeRunners({ ...options.runnerOptions, names });
    const missing = options.runners ? probes.filter((p) => !p.ok) : [];
    if (missing.length > 0) throw new BenchRunnerError(missing.map((p) => `runner ${p.name} does not work here: ${p.why}`).join('; '));
    hotPath = {};
    for (const probe of probes.filter((p) => p.ok)) {
      log(`hot path on ${probe.name}`);
      const path = new HotPath(keys, createRunner(probe.name, options.runnerOptions), chat);
      await path.boot();
      try {
        const request = { name: probe.name, fn: () => path.request(), async: true };
        const m = await measure([request], settings);
        const f = roundFigure(m[probe.name]!);
        // The ratio comes from the floor and the request alternating in one loop (same load for both).
        const paired = floor ? await measurePaired(floor.total, request, settings) : null;
        hotPath[probe.name] = {
          ...f,
          ratioToFloor: paired ? round(paired.bUs / paired.aUs) : null,
          paired: paired ? { meanUs: round(paired.bUs), floorUs: round(paired.aUs), rounds: paired.rounds } : null,
        };
      } finally {
        await path.stop();
      }
    }
  }

  let peer: BenchFile['peer'] = null;
  if (wanted.has('peer') && sample) {
    log('peer OHTTP round trip (@hpke/core)');
    const gateway = keys.gateway();
    const rng = keys.rng.fork('peer');
    const ours = { name: 'ours', fn: ourRoundTrip(gateway, sample.bhttpRequest, sample.bhttpResponse, rng) };
    const peers = [
      { name: 'hpke-core', fn: peerRoundTrip(gateway, sample.bhttpRequest, sample.bhttpResponse, 'core'), async: true },
      { name: 'hpke-core+noble-x25519', fn: peerRoundTrip(gateway, sample.bhttpRequest, sample.bhttpResponse, 'noble'), async: true },
    ];
    const m = await measure([ours, ...peers], settings);
    // Each speed-up from a paired loop (same load for both); reported against the faster peer.
    const speedups: Record<string, number> = {};
    for (const p of peers) {
      const paired = await measurePaired(ours, p, settings);
      speedups[p.name] = round(paired.bUs / paired.aUs);
    }
    peer = {
      ohttpSpeedup: Math.min(...Object.values(speedups)),
      speedups,
      ours: roundFigure(m.ours!),
      peers: Object.fromEntries(peers.map((p) => [p.name, roundFigure(m[p.name]!)])),
      note: '@hpke/ohttp is not on npm: the peer is RFC 9458 OHTTP written on @hpke/core\'s async CipherSuite; speed-up against the faster peer, each measured paired',
    };
  }

  let sim: BenchFile['sim'] = null;
  if (wanted.has('sim')) {
    const scenario = options.simScenario ?? defaultScenario();
    log(`simulator: scenario ${scenario.name}`);
    const s = await measureSim({ scenario, timeMs: Math.max(settings.timeMs * 5, 1), runsMin: options.simRunsMin ?? 2 });
    // Issue 12's figure: the small world (scenarios/matrix.yaml) on this one thread, no profiler.
    const small = smallWorldScenario();
    log(`simulator: small world ${small.name}`);
    const w = await measureSim({ scenario: small, timeMs: Math.max(settings.timeMs * 5, 1), runsMin: Math.max(3, options.simRunsMin ?? 2), profile: false });
    // The code path the key seed replaced, still there: the same world with fresh keys every run.
    log(`simulator: small world ${small.name}, keys per run`);
    const perRun = await measureSim({ scenario: { ...small, world: { ...small.world, keySeed: undefined } }, timeMs: Math.max(settings.timeMs * 5, 1), runsMin: Math.max(3, options.simRunsMin ?? 2), profile: false });
    sim = {
      runsPerSecond: round(w.runsPerSec),
      smallWorld: {
        scenario: small.name,
        runs: w.runs,
        runMsMean: round(w.runMsMean),
        workers: 1,
        keySeed: small.world.keySeed ?? null,
        perRunKeys: { runs: perRun.runs, runMsMean: round(perRun.runMsMean) },
        keySeedSpeedup: round(perRun.runMsMean / w.runMsMean, 2),
      },
      runsPerSec: round(s.runsPerSec),
      overheadRatio: s.overheadRatio === null ? null : round(s.overheadRatio),
      scenario: scenario.name,
      runMsMean: round(s.runMsMean),
      runs: s.runs,
      cryptoMsPerRun: s.cryptoMsPerRun === null ? null : round(s.cryptoMsPerRun),
      shares: Object.fromEntries(Object.entries(s.shares).map(([k, v]) => [k, round(v, 2)])),
      cryptoShares: Object.fromEntries(Object.entries(s.cryptoShares).filter(([, v]) => v >= 0.005).map(([k, v]) => [k, round(v, 2)])),
      method: 'V8 CPU profile of one extra run (100 µs sampling): time in stacks through protocol/ is crypto, the rest overhead; overheadRatio = overhead / crypto',
    };
  }

  let campaign: BenchFile['campaign'] = null;
  if (wanted.has('campaign')) {
    log('campaign');
    const c = await measureCampaign({ runs: Math.max(4, Math.round(settings.timeMs / 30)) });
    campaign = { runsPerSec1: round(c.runsPerSec1), runsPerSec2: round(c.runsPerSec2), scaling: round(c.scaling, 2), workers: [1, 2], cpuMsPerRun1: round(c.cpuMsPerRun1), cpuMsPerRun2: round(c.cpuMsPerRun2), coresUsed1: round(c.coresUsed1, 2), coresUsed2: round(c.coresUsed2, 2), runs: c.runs, scenario: c.scenario, adversary: c.adversary };
  }

  let explore: BenchFile['explore'] = null;
  if (wanted.has('explore')) {
    // Issue 12's figure: the search `pph explore matrix --profile pp` makes, on one thread, to the
    // same bounds (every world of the small scenario ends before depth 48).
    const spec = smallWorldScenario();
    log(`explore: symbolic, ${spec.name}, profile ${spec.profile}`);
    const watch = new Stopwatch();
    let states = 0;
    let transitions = 0;
    const adversaries = adversariesFor(spec.profile);
    for (const a of adversaries) {
      const r = exploreWorld(makeWorld(worldOf(spec, a)), { depth: EXPLORE_DEPTH, maxStates: EXPLORE_STATES_MAX });
      states += r.states;
      transitions += r.transitions;
    }
    const ms = Math.max(1, watch.elapsedMs());
    const symbolic = { statesPerMinute: round(states / (ms / 60_000)), states, transitions, wallMs: round(ms), depth: EXPLORE_DEPTH, adversaries: adversaries.length };
    // The concrete engine (`pph explore --engine concrete`) on the same scenario and profile, with
    // the adversaries it drives, to a small depth (each state is a re-run of the real simulator).
    const concreteDepth = (options.timeMs ?? 1000) >= 100 ? EXPLORE_CONCRETE_DEPTH : 2;
    const cspec = concreteSpec(spec);
    const cadv = adversaries.filter((a) => (CONCRETE_ADVERSARIES as string[]).includes(a)) as typeof CONCRETE_ADVERSARIES;
    log(`explore: concrete, ${spec.name}, profile ${spec.profile}, depth ${concreteDepth}`);
    const cwatch = new Stopwatch();
    let cstates = 0;
    let ctransitions = 0;
    let runs = 0;
    const invariants = cspec.invariants.filter((i) => (MODEL_INVARIANTS as readonly string[]).includes(i));
    for (const a of cadv) {
      const r = exploreConcrete(cspec, 1, a, { depth: concreteDepth, maxStates: EXPLORE_STATES_MAX }, 2, invariants);
      cstates += r.states;
      ctransitions += r.transitions;
      runs += r.runs;
    }
    const cms = Math.max(1, cwatch.elapsedMs());
    const concrete = { statesPerMinute: round(cstates / (cms / 60_000)), states: cstates, transitions: ctransitions, wallMs: round(cms), depth: concreteDepth, adversaries: cadv.length, simulatorRuns: runs };
    // explore.statesPerMinute (and states) stay the symbolic figures, as before; both engines side by side below.
    explore = { engine: 'symbolic', ...symbolic, scenario: spec.name, profile: spec.profile, workers: 1, symbolic, concrete };
  }

  let search: BenchFile['search'] = null;
  if (wanted.has('search')) {
    // Runs-to-kill of the real-finding mutants, random vs guided (bench/search.ts): run counts are
    // deterministic; only the wall time is measured. Asked for by name only (minutes of runs).
    log('search: runs-to-kill of the real-finding mutants, random vs guided');
    const f = await measureSearch({ log });
    search = { ...f, rows: f.rows.map((r) => ({ ...r })) };
  }

  let metadata: BenchFile['metadata'] = null;
  if (wanted.has('metadata')) {
    // Issue 12 item 5: `pph metadata --requests 1000000`'s analysis (all curves, default workers),
    // timed in-process: the CLI adds its start-up and the report files (~1 s) to this.
    const requests = options.metadataRequests ?? METADATA_REQUESTS;
    const workers = Math.min(2, availableParallelism());
    log(`metadata: all curves, ${requests} requests, ${workers} workers`);
    const cpu0 = process.cpuUsage();
    const mwatch = new Stopwatch();
    const result = await metadataCurvesParallel({ requests, clients: 1000, seed: 1, rateHz: 1 }, workers);
    const wallMs = mwatch.elapsedMs();
    const cpu = process.cpuUsage(cpu0);
    const points = result.curves.reduce((n, c) => n + c.points.length, 0);
    metadata = { wallMs: round(wallMs), cpuMs: round((cpu.user + cpu.system) / 1000), requests, clients: 1000, seed: 1, curves: result.curves.length, points, workers };
  }

  const file = {
    machine: host,
    suites: Object.fromEntries(Object.entries(suites).map(([k, v]) => [k, roundFigure(v)])),
    floorUs: floorUs === null ? null : round(floorUs),
    floorParts,
    hotPath,
    peer,
    sim,
    campaign,
    explore,
    search,
    metadata,
    goals: goalsOf(hotPath, peer, sim, campaign, explore, metadata),
    runners: probes,
    settings: { timeMs: settings.timeMs, iterationsMin: settings.iterationsMin, warmupMs: settings.warmupMs, sections: [...wanted], hotPathChatMessages: HOT_PATH_CHAT_MESSAGES },
    startedAt: started,
  };
  return checkValue(BenchFileSchema, file, 'bench.json');
}

export interface Goal {
  goal: string;
  value: number | null;
  met: boolean | null;
}

function goalsOf(hotPath: BenchFile['hotPath'], peer: BenchFile['peer'], sim: BenchFile['sim'], campaign: BenchFile['campaign'], explore: BenchFile['explore'], metadata: BenchFile['metadata']): Record<string, Goal> {
  const goals: Record<string, Goal> = {};
  for (const [runner, h] of Object.entries(hotPath ?? {})) {
    goals[`ratioToFloor.${runner}`] = { goal: `≤ ${GOALS.ratioToFloorMax}`, value: h.ratioToFloor, met: h.ratioToFloor === null ? null : h.ratioToFloor <= GOALS.ratioToFloorMax };
  }
  if (peer) goals.ohttpSpeedup = { goal: `≥ ${GOALS.ohttpSpeedupMin}×`, value: peer.ohttpSpeedup, met: peer.ohttpSpeedup === null ? null : peer.ohttpSpeedup >= GOALS.ohttpSpeedupMin };
  if (sim) goals.simOverhead = { goal: `≤ ${GOALS.simOverheadMax}× the crypto`, value: sim.overheadRatio, met: sim.overheadRatio === null ? null : sim.overheadRatio <= GOALS.simOverheadMax };
  goals.campaignScaling = campaign
    ? { goal: `≥ ${GOALS.campaignScalingMin}× with 2 workers`, value: campaign.scaling, met: campaign.scaling === null ? null : campaign.scaling >= GOALS.campaignScalingMin }
    : { goal: `≥ ${GOALS.campaignScalingMin}× with 2 workers`, value: null, met: null };
  if (explore) goals.exploreStatesPerMinute = { goal: `≥ ${GOALS.exploreStatesPerMinuteMin} states/min (symbolic)`, value: explore.statesPerMinute, met: explore.statesPerMinute === null ? null : explore.statesPerMinute >= GOALS.exploreStatesPerMinuteMin };
  if (metadata) goals.metadataWallMs = { goal: `≤ ${GOALS.metadataWallMsMax / 1000} s wall (all curves, ${METADATA_REQUESTS} requests)`, value: metadata.wallMs, met: metadata.requests === METADATA_REQUESTS ? metadata.wallMs <= GOALS.metadataWallMsMax : null };
  return goals;
}
