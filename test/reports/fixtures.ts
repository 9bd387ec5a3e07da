/**
 * Results folders for the report tests, made from real small runs (sim/runner.ts runDetailed with
 * planted bugs and ablations): a run, a campaign, a threat matrix, a bench and metadata curves.
 * Campaign and matrix files are assembled here from those runs in the shape reports/schemas.ts
 * fixes, until `pph campaign` / `pph matrix` write them; every object is checked against its
 * schema before it is written.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDetailed, type RunDetail } from '../../sim/runner.js';
import type { PlantedBugs } from '../../sim/spec.js';
import type { TraceEvent } from '../../sim/trace.js';
import { INVARIANT_IDS } from '../../model/invariant-ids.js';
import type { Ablation } from '../../model/profile.js';
import type { Scenario } from '../../scenarios/index.js';
import { writeRunFolder } from '../../cli/commands/run.js';
import {
  BenchFileSchema,
  CampaignFileSchema,
  CampaignRunLineSchema,
  MatrixFileSchema,
  MetadataFileSchema,
  ReplayFileSchema,
  checkValue,
  type BenchFile,
  type CampaignFile,
  type MatrixFile,
  type MetadataFile,
  type ReplayFile,
} from '../../reports/schemas.js';
import { tinyWorld } from '../helpers/small-worlds.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pph-reports-${prefix}-`));
}

/** The tiny world with one excluded chat (so consent has something to keep on the device). */
export function reportWorld(extra: { ablations?: Ablation[]; network?: Record<string, unknown>; expect?: Record<string, string> } = {}): Scenario {
  return tinyWorld({ world: { excludedChats: 1 }, ...extra });
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** A `pph run --out` folder (result.json, trace.jsonl) of a real run. */
export function makeRunFolder(dir: string, opts: { bugs?: PlantedBugs; seed?: number; scenario?: Scenario } = {}): RunDetail {
  mkdirSync(dir, { recursive: true });
  const scenario = opts.scenario ?? reportWorld();
  const detail = runDetailed(scenario, { seed: opts.seed ?? 1, bugs: opts.bugs ?? {} });
  writeRunFolder(dir, { scenario, scenarioRef: 'tiny.yaml', detail });
  return detail;
}

/** A replay file of a real run: its scenario, seed, verdicts and trace. */
export function replayOf(scenario: Scenario, seed: number, detail: RunDetail): ReplayFile {
  const expected = Object.fromEntries(Object.entries(detail.result.verdicts).map(([id, v]) => [id, v.expected]));
  const verdicts = Object.fromEntries(Object.entries(detail.result.verdicts).map(([id, v]) => [id, { holds: v.holds, proof: v.proof }]));
  const replay = { kind: 'replay', scenarioHash: detail.result.scenarioHash, scenario, seed, path: '', plan: null, expected, verdicts, traceHash: detail.result.traceHash, trace: detail.trace };
  return checkValue(ReplayFileSchema, JSON.parse(JSON.stringify(replay)), 'fixture replay');
}

/**
 * A campaign of `runs` real runs of a lossy tiny world whose client never times out: liveness
 * breaks on some seeds. One replay file per violated invariant (its first violating run).
 */
export function makeCampaignFolder(dir: string, runs = 5): CampaignFile {
  mkdirSync(dir, { recursive: true });
  const scenario = reportWorld({ network: { loss: 0.08 } });
  const seed = 7;
  const lines: string[] = [];
  const violations: Record<string, number> = Object.fromEntries(INVARIANT_IDS.map((id) => [id, 0]));
  const firstViolation: Record<string, number> = {};
  const replays: CampaignFile['replays'] = [];
  const byRun: { run: number; violated: string[] }[] = [];
  let scenarioHash = '';
  for (let run = 0; run < runs; run++) {
    const d = runDetailed(scenario, { seed: seed + run, bugs: { noClientTimeouts: true } });
    scenarioHash = d.result.scenarioHash;
    const violated = Object.entries(d.result.verdicts).filter(([, v]) => !v.holds).map(([id]) => id);
    lines.push(JSON.stringify(checkValue(CampaignRunLineSchema, { run, seed: seed + run, traceHash: d.result.traceHash, ok: d.result.ok, violated }, 'runs.jsonl')));
    byRun.push({ run, violated });
    for (const id of violated) {
      violations[id] = (violations[id] ?? 0) + 1;
      if (firstViolation[id] === undefined) {
        firstViolation[id] = run;
        const file = `replay-${id}-${run}.json`;
        writeJson(join(dir, file), replayOf(scenario, seed + run, d));
        replays.push({ file, invariant: id, runIndex: run, traceHash: d.result.traceHash });
      }
    }
  }
  writeFileSync(join(dir, 'runs.jsonl'), lines.join('\n') + '\n');
  const campaign = checkValue(
    CampaignFileSchema,
    {
      kind: 'campaign',
      scenario: scenario.name,
      scenarioHash,
      profile: 'pp',
      seed,
      runs,
      runsPerSec: 5.5,
      wallMs: 730,
      violations,
      firstViolation,
      marks: { 'client.quote-rejected.signature': 0, 'client.response-timeout': 3, 'gateway.token-double-spend': 1 },
      shrinkSteps: 0,
      replays,
      byRun,
    },
    'campaign.json',
  );
  writeJson(join(dir, 'campaign.json'), campaign);
  return campaign;
}

/** The "adversaries" of the fixture matrix: planted bugs, each expected to break one invariant. */
export const MATRIX_ADVERSARIES: { name: string; bugs: PlantedBugs; breaks: string | null }[] = [
  { name: 'none', bugs: {}, breaks: null },
  { name: 'consent-ignoring-client', bugs: { ignoreConsent: true }, breaks: 'consent' },
  { name: 'plaintext-logging-enclave', bugs: { enclaveLogsPlaintextToHost: true }, breaks: 'confidentiality' },
  { name: 'address-forwarding-relay', bugs: { relayForwardsClientAddress: true }, breaks: 'unlinkability' },
  { name: 'targeting-gateway', bugs: { routeAllToNodeZero: true }, breaks: 'non-targetability' },
];

/** Mutants of the fixture matrix: one ablation each. */
export const MATRIX_MUTANTS: Ablation[] = ['state-erasure', 'relay', 'padding'];

/**
 * A threat matrix of real runs: one run per adversary (a planted bug) and per mutant (an
 * ablation) of the tiny world; the cells hold what the runs observed, so an adversary the tiny
 * world cannot expose shows up as an unexpected cell, as it would in `pph matrix`.
 */
export function makeMatrixFolder(dir: string): MatrixFile {
  mkdirSync(dir, { recursive: true });
  const seed = 1;
  const scenario = reportWorld();
  const cells: MatrixFile['cells'] = [];
  for (const adv of MATRIX_ADVERSARIES) {
    const d = runDetailed(scenario, { seed, bugs: adv.bugs });
    const file = `replay-${adv.name}.json`;
    let wroteReplay = false;
    for (const id of INVARIANT_IDS) {
      const v = d.result.verdicts[id]!;
      const observed = v.holds ? 'holds' : 'violated';
      const expected = adv.breaks === id ? 'violated' : 'holds';
      const replay = observed === 'violated' ? file : null;
      if (replay && !wroteReplay) {
        writeJson(join(dir, file), replayOf(scenario, seed, d));
        wroteReplay = true;
      }
      cells.push({ adversary: adv.name, profile: 'pp', invariant: id, expected, observed, runs: 1, replay });
    }
  }
  const mutants: MatrixFile['mutants'] = MATRIX_MUTANTS.map((ablation) => {
    const mutantScenario = reportWorld({ ablations: [ablation] });
    const d = runDetailed(mutantScenario, { seed });
    const by = Object.entries(d.result.verdicts).find(([, v]) => !v.holds)?.[0] ?? null;
    const file = `replay-mutant-${ablation}.json`;
    if (by) writeJson(join(dir, file), replayOf(mutantScenario, seed, d));
    return { profile: `pp-no-${ablation}`, killed: by !== null, by, runsToKill: by ? 1 : null, replay: by ? file : null };
  });
  const matrix = checkValue(
    MatrixFileSchema,
    { kind: 'matrix', runs: 1, seed, profiles: ['pp'], adversaries: MATRIX_ADVERSARIES.map((a) => a.name), invariants: [...INVARIANT_IDS], cells, mutants },
    'matrix.json',
  );
  writeJson(join(dir, 'matrix.json'), matrix);
  return matrix;
}

/** A bench.json as `pph bench` writes it (figures of PITFALLS.md's table; one runner over the gate). */
export function makeBenchFile(dir: string): BenchFile {
  mkdirSync(dir, { recursive: true });
  const bench = checkValue(
    BenchFileSchema,
    {
      machine: { cpu: 'Test CPU <2 cores> & "quotes"', cores: 2, node: process.version },
      suites: {
        'hpke seal+open 1KiB': { meanUs: 330, p99Us: 410, samples: 1000, rme: 0.8 },
        'p384 verify': { meanUs: 627, p99Us: 700, samples: 500, rme: 1.1 },
        'floor primitives': { meanUs: 165, p99Us: 190, samples: 2000, rme: 0.5 },
      },
      floorUs: 165,
      hotPath: { 'ohttp encapsulate+decapsulate': { meanUs: 210, ratioToFloor: 1.27 }, 'inner session seal+open': { meanUs: 300, ratioToFloor: 1.82 } },
      peer: { ohttpSpeedup: 7.9 },
      sim: { runsPerSec: 2.4, overheadRatio: 1.3 },
      campaign: { runsPerSec1: 2.4, runsPerSec2: 4.5, scaling: 1.88 },
    },
    'bench.json',
  );
  writeJson(join(dir, 'bench.json'), bench);
  return bench;
}

/** A metadata.json with two defences over the same x values. */
export function makeMetadataFile(dir: string): MetadataFile {
  const xs = [1, 2, 4, 8, 16];
  const metadata = checkValue(
    MetadataFileSchema,
    {
      kind: 'metadata',
      xLabel: 'requests observed per user',
      curves: [
        { defence: 'none', points: xs.map((x) => ({ x, accuracy: Math.min(1, 0.25 + x * 0.05), chance: 0.25, latencyMs: 0 })) },
        { defence: 'padding+batching', points: xs.map((x) => ({ x, accuracy: 0.25 + x * 0.005, chance: 0.25, latencyMs: 40 + x })) },
      ],
    },
    'metadata.json',
  );
  writeJson(join(dir, 'metadata.json'), metadata);
  return metadata;
}

/**
 * The real trace with adversary actions spliced in after the first `ohttp-req` send: a tamper of
 * that message and an adversary drop of the next one (the shapes sim/trace.ts defines).
 */
export function traceWithAdversary(trace: readonly TraceEvent[]): TraceEvent[] {
  const at = trace.findIndex((e) => e.kind === 'send' && e.what === 'ohttp-req');
  const next = trace.slice(at + 1).find((e) => e.kind === 'send')!;
  const sent = trace[at]!;
  const extra: TraceEvent[] = [
    { i: 0, t: sent.t, kind: 'tamper', party: 'adversary', what: 'flip byte 7 of ohttp-req; keep #len', data: { msg: sent.data!.msg as number, to: String(sent.data!.to) } },
    { i: 0, t: next.t, kind: 'drop', party: 'adversary', what: String(next.what), data: { msg: next.data!.msg as number, reason: 'adversary' } },
  ];
  const out = [...trace.slice(0, at + 1), extra[0]!, ...trace.slice(at + 1, trace.indexOf(next) + 1), extra[1]!, ...trace.slice(trace.indexOf(next) + 1)];
  return out.map((e, i) => ({ ...e, i }));
}
