/**
 * The data contract of a results folder: zod schemas for every JSON file `pph report` reads
 * (`result.json`, `campaign.json` + `runs.jsonl` + `replay-*.json`, `matrix.json`, `bench.json`,
 * `metadata.json`, `explore.json`) and for the `manifest.json` it writes. The commands that produce these files
 * conform to these schemas; the report generators trust nothing else.
 *
 * Objects are loose (`z.looseObject`): a producer may add fields without breaking old reports.
 */
import { z } from 'zod';
import { TRACE_KINDS } from '../sim/trace.js';
import { PphError } from '../protocol/errors.js';

/** A results file is missing, not JSON, or does not match its schema. Codes: io, json, schema, empty. */
export class ReportInputError extends PphError {}

const Expectation = z.enum(['holds', 'violated']);
const Hex = z.string().regex(/^[0-9a-f]+$/, { error: 'expected lowercase hex' });
const Count = z.number().int().nonnegative();
const NumberOrNull = z.number().nullable();

export const TraceValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/** One line of `trace.jsonl` (sim/trace.ts `TraceEvent`). */
export const TraceEventSchema = z.looseObject({
  i: Count,
  t: z.number(),
  kind: z.enum(Object.keys(TRACE_KINDS) as [keyof typeof TRACE_KINDS, ...(keyof typeof TRACE_KINDS)[]]),
  party: z.string(),
  what: z.string(),
  data: z.record(z.string(), TraceValueSchema).optional(),
});

export const ProofEventSchema = z.looseObject({ event: Count, why: z.string() });

/** A verdict as `pph run` writes it (sim/runner.ts `VerdictResult`). */
export const VerdictResultSchema = z.looseObject({
  holds: z.boolean(),
  expected: Expectation,
  ok: z.boolean(),
  proof: z.array(ProofEventSchema),
  measures: z.record(z.string(), z.unknown()).optional(),
});

/** `result.json` of `pph run` / `pph start`: a RunResult plus where its scenario came from. */
export const RunFileSchema = z.looseObject({
  scenario: z.string(),
  seed: Count,
  scenarioHash: Hex,
  traceHash: Hex,
  profile: z.string(),
  ablations: z.array(z.string()),
  verdicts: z.record(z.string(), VerdictResultSchema),
  ok: z.boolean(),
  stats: z.looseObject({
    events: Count,
    traceEvents: Count,
    virtualMs: z.number(),
    requests: Count,
    blocked: Count,
    ok: Count,
    errors: Count,
    unfinished: Count,
    messages: Count,
    bytesOnWire: Count,
  }),
  scenarioRef: z.string().optional(),
  /** The normalised scenario the run used (a `Scenario`); lets `pph reproduce` run it again. */
  scenarioContent: z.record(z.string(), z.unknown()).optional(),
});

/** One line of `runs.jsonl` of a campaign. */
export const CampaignRunLineSchema = z.looseObject({
  run: Count,
  seed: Count,
  traceHash: Hex,
  ok: z.boolean(),
  violated: z.array(z.string()),
});

/** A pooled (campaign-level) test of one targeting adversary (model/invariants/non-targetability.ts). */
export const PooledTestSchema = z.looseObject({
  invariant: z.string(),
  adversary: z.string(),
  alpha: z.number(),
  f: Count,
  N: Count,
  bound: z.number(),
  n: Count,
  k: Count,
  share: z.number(),
  lower: z.number(),
  pValue: z.number(),
  violated: z.boolean(),
  why: z.string(),
  proof: z.array(z.looseObject({ run: Count, seed: Count, traceHash: Hex, user: z.string(), n: Count, k: Count, targetEvent: Count, landed: z.array(Count) })),
});

/** Transition coverage of a set of runs (sim/coverage.ts `CoverageSummary`): per machine, and what no run took. */
export const CoverageSchema = z.looseObject({
  transitions: z.looseObject({ total: Count, reached: Count, percent: z.number().nonnegative() }),
  machines: z.array(z.looseObject({ machine: z.string(), total: Count, reached: Count, percent: z.number().nonnegative(), never: z.array(z.string()) })),
  /** Hits per transition id (reached ones only). */
  hits: z.record(z.string(), Count).optional(),
  /** Distinct coverage marks reached. */
  marks: Count.optional(),
});

/**
 * Model-rule coverage of a symbolic exploration (sim/explore/rules.ts `ModelRuleCoverage`): the
 * steps and branches of the symbolic model, per party; not machine transitions.
 */
export const ModelCoverageSchema = z.looseObject({
  base: z.enum(['pp', 'pcc']),
  rules: z.looseObject({ total: Count, reached: Count, percent: z.number().nonnegative() }),
  parties: z.array(z.looseObject({ party: z.string(), total: Count, reached: Count, percent: z.number().nonnegative(), never: z.array(z.string()) })),
  hits: z.record(z.string(), Count).optional(),
  /** Never-reached rules of adversaries the exploration did not search. */
  notExplored: z.array(z.string()).optional(),
  /** Rule id → sim/coverage.ts transition id, for reached rules that have one. */
  transitions: z.record(z.string(), z.string()).optional(),
});

/** `campaign.json` of `pph campaign`. */
export const CampaignFileSchema = z.looseObject({
  kind: z.literal('campaign'),
  scenario: z.string(),
  scenarioHash: Hex,
  profile: z.string(),
  seed: Count,
  runs: Count,
  runsPerSec: z.number().nonnegative(),
  wallMs: z.number().nonnegative(),
  /** Runs that violated each checked invariant (0 for one that always held). */
  violations: z.record(z.string(), Count),
  /** The index of the first run that violated each invariant. */
  firstViolation: z.record(z.string(), Count),
  /** Coverage marks (STYLE.md habit 9): how often each rejection branch was hit. */
  marks: z.record(z.string(), Count),
  shrinkSteps: Count,
  replays: z.array(z.looseObject({ file: z.string(), invariant: z.string(), runIndex: Count, traceHash: Hex })),
  byRun: z.array(z.looseObject({ run: Count, violated: z.array(z.string()) })).optional(),
  /** Optional: what the scenario expects of each invariant (absent ones are expected to hold). */
  expect: z.record(z.string(), Expectation).optional(),
  /** Optional (sim/campaign.ts CampaignSummary): the attackers, the runs this folder was to hold, and whether it holds them all. */
  attackers: z.array(z.string()).optional(),
  runsPlanned: Count.optional(),
  runsTotal: Count.optional(),
  complete: z.boolean().optional(),
  /** Optional: hits of each coverage mark the adversaries must reach (0 = never reached). */
  requiredMarks: z.record(z.string(), Count).optional(),
  /** Optional: the required marks that stayed at 0 where they are enforced (baseline profiles). */
  missingMarks: z.array(z.string()).optional(),
  /** Optional: the campaign-level tests per invariant (the pooled non-targetability test). */
  pooled: z.record(z.string(), z.array(PooledTestSchema)).optional(),
  /** Optional: how the inputs were drawn (`random` or `guided`, sim/guided.ts). */
  search: z.enum(['random', 'guided']).optional(),
  /** Optional: transition coverage of the campaign's runs. */
  coverage: CoverageSchema.optional(),
});

/** `replay-<invariant>-<n>.json`: a shrunk counterexample that `pph replay` re-runs. */
export const ReplayFileSchema = z.looseObject({
  kind: z.literal('replay'),
  scenarioHash: Hex,
  scenario: z.record(z.string(), z.unknown()),
  seed: Count,
  path: z.string(),
  plan: z.unknown(),
  expected: z.record(z.string(), Expectation),
  verdicts: z.record(z.string(), z.looseObject({ holds: z.boolean(), proof: z.array(ProofEventSchema) })),
  traceHash: Hex,
  /** The shrunk counterexample's events. */
  trace: z.array(TraceEventSchema).optional(),
});

/** `matrix.json` of `pph matrix`: adversary × invariant per profile, and the mutant kill table. */
export const MatrixFileSchema = z.looseObject({
  kind: z.literal('matrix'),
  runs: Count,
  seed: Count,
  profiles: z.array(z.string()),
  adversaries: z.array(z.string()),
  invariants: z.array(z.string()),
  cells: z.array(
    z.looseObject({
      adversary: z.string(),
      profile: z.string(),
      invariant: z.string(),
      expected: Expectation,
      observed: Expectation,
      runs: Count,
      replay: z.string().nullable(),
      status: z.string().optional(),
      /** Optional: the cell's pooled test over its runs (non-targetability under a targeting adversary). */
      pooled: z.array(PooledTestSchema).optional(),
    }),
  ),
  mutants: z.array(
    z.looseObject({
      profile: z.string(),
      killed: z.boolean(),
      by: z.string().nullable(),
      runsToKill: Count.nullable(),
      replay: z.string().nullable(),
      invariant: z.string().nullable().optional(),
      /** Why the catalogue cannot kill it, when it is a listed survivor (a survivor with a reason is as expected). */
      survivorReason: z.string().nullable().optional(),
      /** The mutant breaks an invariant with no adversary acting: caught, not a survivor. */
      baselineViolation: z.looseObject({ invariant: z.string(), replay: z.string().optional() }).nullable().optional(),
    }),
  ),
  /** Optional: rounds of the mutant search (each attacker one run per round). */
  killRounds: Count.optional(),
  /** Optional: runs the whole matrix spent, and its wall time. */
  totals: z.looseObject({ runs: Count }).optional(),
  wallMs: z.number().nonnegative().optional(),
  /** Optional: the scenarios the matrix ran (for manifest.json); absent, the replays' scenarios are used. */
  scenarios: z.array(z.looseObject({ name: z.string(), ref: z.string().nullable().optional(), hash: Hex })).optional(),
  /** Optional: how the inputs were drawn (`random` or `guided`, sim/guided.ts). */
  search: z.enum(['random', 'guided']).optional(),
  /** Optional: transition coverage per profile, over every run of that profile (all adversaries). */
  coverage: z.record(z.string(), CoverageSchema).optional(),
});

const BenchSuite = z.looseObject({ meanUs: z.number(), p99Us: NumberOrNull, samples: Count.nullable(), rme: NumberOrNull });

/** `bench.json` of `pph bench`; a partial bench leaves the sections it did not measure null. */
export const BenchFileSchema = z.looseObject({
  machine: z.looseObject({ cpu: z.string().nullable(), cores: Count.nullable(), node: z.string().nullable() }),
  suites: z.record(z.string(), BenchSuite),
  floorUs: NumberOrNull,
  hotPath: z
    .record(
      z.string(),
      z.looseObject({
        meanUs: z.number(),
        ratioToFloor: NumberOrNull,
        /** The request and the floor measured alternating in one loop: ratioToFloor = meanUs / floorUs of this pair. */
        paired: z.looseObject({ meanUs: z.number(), floorUs: z.number(), rounds: Count.optional() }).nullable().optional(),
      }),
    )
    .nullable(),
  peer: z.looseObject({ ohttpSpeedup: NumberOrNull }).nullable(),
  sim: z.looseObject({ runsPerSec: NumberOrNull, overheadRatio: NumberOrNull }).nullable(),
  campaign: z.looseObject({ runsPerSec1: NumberOrNull, runsPerSec2: NumberOrNull, scaling: NumberOrNull }).nullable(),
  /** Optional: the symbolic explorer's rate on the small world (`pph explore`'s search, one thread), and both engines' figures on it. */
  explore: z
    .looseObject({
      statesPerMinute: NumberOrNull,
      states: Count,
      engine: z.literal('symbolic'),
      symbolic: z.looseObject({ statesPerMinute: NumberOrNull, states: Count, depth: Count }).optional(),
      concrete: z.looseObject({ statesPerMinute: NumberOrNull, states: Count, depth: Count }).optional(),
    })
    .nullable()
    .optional(),
  /** Optional (`--suite search`): runs-to-kill per real-finding mutant, random vs guided search, per seed and median (bench/search.ts). */
  search: z
    .looseObject({
      seeds: z.array(Count),
      maxRuns: Count,
      rows: z.array(z.looseObject({ mutant: z.string(), adversary: z.string(), random: z.array(Count.nullable()), guided: z.array(Count.nullable()), randomMedian: z.number(), guidedMedian: z.number(), verdict: z.string().optional() })),
      guidedFewer: Count,
      ties: Count,
      guidedMore: Count,
    })
    .nullable()
    .optional(),
  /** Optional: `pph metadata`'s analysis, every curve at a million requests (wall and CPU over all threads, ms). */
  metadata: z.looseObject({ wallMs: z.number(), cpuMs: z.number(), requests: Count, points: Count, workers: Count }).nullable().optional(),
  /** Optional: each goal of the bench and whether this run met it (a missed goal is a fact, not a failure). */
  goals: z.record(z.string(), z.looseObject({ goal: z.string(), value: NumberOrNull, met: z.boolean().nullable() })).optional(),
});

/** Optional `metadata.json`: linking accuracy of a colluding relay+gateway per defence. */
export const MetadataFileSchema = z.looseObject({
  kind: z.literal('metadata'),
  seed: Count.optional(),
  requests: Count.optional(),
  /** Optional: what the x of every point measures (the chart's x-axis title), e.g. "requests observed". */
  xLabel: z.string().optional(),
  curves: z.array(
    z.looseObject({
      defence: z.string(),
      xLabel: z.string().optional(),
      points: z.array(z.looseObject({ x: z.number(), accuracy: z.number(), chance: z.number(), latencyMs: z.number() })),
    }),
  ),
});

/** `explore.json` of `pph explore` (cli/explore/run-explore.ts `ExploreFile`): a bounded exhaustive search of the symbolic model. */
export const ExploreFileSchema = z.looseObject({
  kind: z.literal('explore'),
  schemaVersion: z.number().int().positive(),
  ok: z.boolean(),
  engine: z.string(),
  scenario: z.string(),
  /** Optional: the scenario as it was named on the command line, and its hash (with the profile applied). */
  scenarioRef: z.string().optional(),
  scenarioHash: Hex.optional(),
  profile: z.string(),
  world: z.looseObject({ nodes: Count, users: Count, requests: Count, maxAttacks: Count }),
  bounds: z.looseObject({ depth: Count, maxStates: Count }),
  adversaries: z.array(z.string()),
  invariants: z.array(z.string()),
  states: Count,
  transitions: Count,
  depthReached: Count,
  wallMs: z.number().nonnegative(),
  statesPerMinute: z.number().nonnegative(),
  workers: Count,
  perAdversary: z.array(
    z.looseObject({
      adversary: z.string(),
      states: Count,
      transitions: Count,
      depthReached: Count,
      exhausted: z.boolean(),
      truncated: z.boolean(),
      counterexample: z.looseObject({ invariants: z.array(z.string()), depth: Count }).nullable(),
    }),
  ),
  /** The shortest counterexample over all adversaries (breadth-first: none is shorter). */
  counterexample: z.looseObject({ adversary: z.string(), invariants: z.array(z.string()), depth: Count, actions: z.array(z.string()), attack: z.array(z.string()) }).nullable(),
  /** Its concrete run with real crypto; null with --no-confirm or without a counterexample. */
  confirmation: z.looseObject({ confirmed: z.boolean(), seed: Count.nullable(), seedsTried: Count, plan: z.unknown(), concrete: z.array(z.looseObject({ seed: Count, violated: z.array(z.string()) })) }).nullable(),
  /** Optional: machine-transition coverage of the concrete engine's simulator runs (null for the symbolic engine). */
  coverage: CoverageSchema.nullable().optional(),
  /** Optional: model-rule coverage of the symbolic engine (null for the concrete engine). */
  modelCoverage: ModelCoverageSchema.nullable().optional(),
  /** Optional: machine-transition coverage of the confirmation's concrete runs (null when none ran). */
  confirmationCoverage: CoverageSchema.nullable().optional(),
  /** The counterexample did not violate its invariant concretely: a bug in the model or the simulator. */
  discrepancy: z.looseObject({ reason: z.string(), concrete: z.array(z.looseObject({ seed: Count, violated: z.array(z.string()) })) }).nullable(),
  /** The replay file of the confirmed counterexample (a path; its file name is looked up in the folder). */
  replay: z.string().nullable(),
});

export const RESULT_KINDS = ['run', 'campaign', 'matrix', 'bench', 'metadata', 'explore'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

/** `manifest.json`: what it takes to reproduce a results folder (USERS.md, researcher). */
export const ManifestSchema = z.looseObject({
  kind: z.literal('manifest'),
  pphVersion: z.string(),
  gitCommit: z.string().nullable(),
  /** Optional: the checkout had uncommitted changes when the results were made (null: not a git checkout). */
  gitDirty: z.boolean().nullable().optional(),
  node: z.string(),
  lockfileSha256: Hex.nullable(),
  /** The pph arguments after `pph` (e.g. `["run", "default", "--seed", "1"]`), or null when unknown. */
  command: z.array(z.string()).nullable(),
  results: z.enum(RESULT_KINDS),
  scenarios: z.array(z.looseObject({ name: z.string(), ref: z.string().nullable(), hash: Hex })),
  seeds: z.array(Count),
  budgets: z.record(z.string(), z.number().nullable()),
  wallMs: z.number().nonnegative().nullable(),
  startedAt: z.string().nullable(),
  /** Optional: the machine that made the results (JUnit `hostname`). */
  hostname: z.string().optional(),
});

export type TraceEventFile = z.output<typeof TraceEventSchema>;
export type RunFile = z.output<typeof RunFileSchema>;
export type CampaignRunLine = z.output<typeof CampaignRunLineSchema>;
export type CampaignFile = z.output<typeof CampaignFileSchema>;
export type CoverageFile = z.output<typeof CoverageSchema>;
export type ModelCoverageFile = z.output<typeof ModelCoverageSchema>;
export type ReplayFile = z.output<typeof ReplayFileSchema>;
export type MatrixFile = z.output<typeof MatrixFileSchema>;
export type MatrixCell = MatrixFile['cells'][number];
export type MatrixMutant = MatrixFile['mutants'][number];
export type BenchFile = z.output<typeof BenchFileSchema>;
export type MetadataFile = z.output<typeof MetadataFileSchema>;
export type ExploreFileData = z.output<typeof ExploreFileSchema>;
export type Manifest = z.output<typeof ManifestSchema>;

/**
 * Parses JSON text against a schema; a ReportInputError names the file and the first bad field.
 *
 * @example
 * const matrix = parseJsonFile(MatrixFileSchema, text, 'results/matrix.json');
 */
export function parseJsonFile<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ReportInputError('json', `${file}: not JSON`);
  }
  return checkValue(schema, data, file);
}

/** Validates parsed data against a schema (see {@link parseJsonFile}). */
export function checkValue<S extends z.ZodType>(schema: S, data: unknown, file: string): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(top level)';
  throw new ReportInputError('schema', `${file}: ${field}: ${issue.message}`);
}
