/**
 * Reading a replay file (`replay-*.json`) for `pph replay` (issue 14, "Replay files"): a zod schema
 * for its shape, then an integrity check of its content, before anything runs.
 *
 * 1. Shape ({@link ReplayFileStrictSchema}): every field of sim/campaign.ts `ReplayFile`, typed.
 * 2. The embedded scenario is validated with the scenario schema (scenarios/schema.ts), so a file
 *    cannot ask for `nodes: 100000` or `requests: 1e9`; it must be in normal form, and its hash must
 *    equal `scenarioHash`.
 * 3. `attackers` are known adversaries, none twice; `plan` holds one plan per adversary, each one
 *    the adversary's own plan arbitrary could draw for that scenario (fast-check's
 *    `canShrinkWithoutContext`: the same bounds as generation, e.g. no restart of node 99 in a
 *    3-node world).
 * 4. `fcSeed` is the fast-check seed of (`campaignSeed`, `run`), and `integrity` (the sha256 of the
 *    canonical JSON of every other field, written by every writer) matches the content.
 *
 * Any failure is a {@link ReplayFileError} (exit 2) naming the field. A file that passes is
 * intact, so a different trace hash when it is re-run is a real divergence of the simulator
 * (`pph replay` exit 3).
 */
import fc from 'fast-check';
import { z } from 'zod';
import { PphError } from '../protocol/errors.js';
import { ScenarioSchema } from '../scenarios/index.js';
import { hashSpec } from '../sim/runner.js';
import { canonicalJson } from '../sim/canonical.js';
import { fcSeedFor, replayIntegrity, sealReplay, type ReplayFile } from '../sim/campaign.js';
import type { Adversary } from '../sim/adversary.js';
import { TraceEventSchema } from '../reports/schemas.js';
import { resolveAttacker } from '../adversaries/index.js';

/**
 * A replay file is malformed or was edited. Codes: `json` (not JSON), `schema` (a field of the
 * wrong shape), `scenario` (the embedded scenario is not a valid scenario in normal form),
 * `attackers` (unknown or repeated adversary), `plan` (not a plan the adversary can draw),
 * `edited` (scenarioHash, fcSeed or integrity do not match the content).
 */
export class ReplayFileError extends PphError {
  constructor(
    code: string,
    message: string,
    /** The offending field, e.g. `scenario.world.nodes`, `plan.0`, `integrity`. */
    readonly field: string,
  ) {
    super(code, message);
  }
}

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a 64-digit lowercase hex hash' });
const Nat = z.number().int().nonnegative();
const Expectation = z.enum(['holds', 'violated']);

/** The shape of a replay file as sim/campaign.ts `shrinkRun` writes it (extra fields are allowed, and covered by `integrity`). */
export const ReplayFileStrictSchema = z.looseObject({
  kind: z.literal('replay'),
  scenarioHash: Hex64,
  scenario: z.record(z.string(), z.unknown()),
  attackers: z.array(z.string().min(1)).min(1).max(64),
  campaignSeed: Nat.max(2 ** 32 - 1),
  run: Nat.max(1_000_000),
  fcSeed: z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1),
  path: z.string().max(100_000),
  seed: Nat.max(2 ** 32 - 1),
  plan: z.array(z.unknown()).min(1).max(64),
  shrinkSteps: Nat,
  expected: z.record(z.string(), Expectation),
  verdicts: z.record(z.string(), z.looseObject({ holds: z.boolean(), proof: z.array(z.looseObject({ event: Nat, why: z.string() })) })),
  unexpected: z.array(z.string()),
  violated: z.array(z.string()),
  traceHash: Hex64,
  trace: z.array(TraceEventSchema),
  integrity: z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: 'expected sha256:<64 hex digits> (a file written by this version of pph)' }),
});

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}

/** A resolver of adversary names (adversaries/index.ts `resolveAttacker`). */
export type ResolveAttacker = (name: string) => Adversary<any>[] | null;

/**
 * Parses and checks a replay file's text (the fuzz target `replay-file`).
 *
 * @throws {ReplayFileError} naming `<label>: <field>`.
 * @example
 * const file = parseReplayFile(readFileSync(path, 'utf8'), 'replay-freshness-0.json');
 */
export function parseReplayFile(text: string, label: string, resolve: ResolveAttacker = resolveAttacker): ReplayFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ReplayFileError('json', `${label}: not JSON`, '(top level)');
  }
  return checkReplayFile(value, label, resolve);
}

/** {@link parseReplayFile} on an already parsed value. */
export function checkReplayFile(value: unknown, label: string, resolve: ResolveAttacker = resolveAttacker): ReplayFile {
  const shape = ReplayFileStrictSchema.safeParse(value);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    const field = fieldOf(issue.path);
    throw new ReplayFileError('schema', `${label}: ${field}: ${issue.message}`, field);
  }
  const file = shape.data as unknown as ReplayFile;

  // 2. The scenario: valid, in normal form, and the one scenarioHash names.
  const scenario = ScenarioSchema.safeParse(file.scenario);
  if (!scenario.success) {
    const issue = scenario.error.issues[0]!;
    const field = `scenario.${fieldOf(issue.path)}`;
    throw new ReplayFileError('scenario', `${label}: ${field}: ${issue.message}`, field);
  }
  if (canonicalJson(scenario.data) !== canonicalJson(file.scenario)) {
    throw new ReplayFileError('scenario', `${label}: scenario: not in normal form (a scenario written by pph has every default filled in and its sets sorted): the file was edited`, 'scenario');
  }
  if (hashSpec(file.scenario) !== file.scenarioHash) {
    throw new ReplayFileError('edited', `${label}: edited: scenarioHash does not match the scenario (the file says ${file.scenarioHash.slice(0, 16)}…, the scenario hashes to ${hashSpec(file.scenario).slice(0, 16)}…)`, 'scenarioHash');
  }

  // 3. Who attacks, and with what.
  const adversaries: Adversary<any>[] = [];
  const names = new Set<string>();
  file.attackers.forEach((name, i) => {
    const resolved = resolve(name);
    if (!resolved) throw new ReplayFileError('attackers', `${label}: attackers.${i}: unknown adversary ${JSON.stringify(name)}`, `attackers.${i}`);
    for (const a of resolved) {
      if (names.has(a.name)) throw new ReplayFileError('attackers', `${label}: attackers.${i}: adversary ${JSON.stringify(a.name)} more than once`, `attackers.${i}`);
      names.add(a.name);
      adversaries.push(a);
    }
  });
  if (file.plan.length !== adversaries.length) {
    throw new ReplayFileError('plan', `${label}: plan: expected ${adversaries.length} plan(s), one per adversary (${adversaries.map((a) => a.name).join(', ')}), got ${file.plan.length}`, 'plan');
  }
  adversaries.forEach((a, i) => {
    let ok = false;
    try {
      ok = a.plan(file.scenario).canShrinkWithoutContext(file.plan[i]);
    } catch {
      ok = false;
    }
    if (!ok) throw new ReplayFileError('plan', `${label}: plan.${i}: not a plan ${a.name} can draw for this scenario (${JSON.stringify(file.plan[i])?.slice(0, 80) ?? 'undefined'})`, `plan.${i}`);
  });

  // 4. The rest of the content, as written.
  if (file.fcSeed !== fcSeedFor(file.campaignSeed, file.run)) {
    throw new ReplayFileError('edited', `${label}: edited: fcSeed is not the fast-check seed of campaignSeed ${file.campaignSeed}, run ${file.run}`, 'fcSeed');
  }
  if (replayIntegrity(value as object) !== file.integrity) {
    throw new ReplayFileError('edited', `${label}: edited: integrity does not match the content (a field was changed after the file was written)`, 'integrity');
  }
  return file;
}

/**
 * A small intact replay file (no trace, no verdicts): the seed of the `replay-file` fuzz target
 * and of tests that edit one field at a time. Not a counterexample: nothing here runs it.
 */
export function sampleReplayFile(): ReplayFile & { integrity: string } {
  const scenario = ScenarioSchema.parse({ name: 'fuzz-sample', world: { users: 2, optedOutUsers: 0, requests: 4 } });
  const attackers = ['metadata-correlation', 'curious-host'];
  const adversaries = attackers.flatMap((n) => resolveAttacker(n)!);
  const plan = adversaries.map((a) => fc.sample(a.plan(scenario), { seed: 7, numRuns: 1 })[0]);
  return sealReplay({
    kind: 'replay' as const,
    scenarioHash: hashSpec(scenario),
    scenario,
    attackers,
    campaignSeed: 1,
    run: 0,
    fcSeed: fcSeedFor(1, 0),
    path: '0',
    seed: 12345,
    plan,
    shrinkSteps: 0,
    expected: Object.fromEntries(scenario.invariants.map((id) => [id, scenario.expect[id] ?? 'holds'])),
    verdicts: {},
    unexpected: [],
    violated: [],
    traceHash: '0'.repeat(64),
    trace: [],
  });
}
