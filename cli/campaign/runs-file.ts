/**
 * A campaign folder's own files, read back before anything runs (issue 14, "Campaign folders"):
 *
 * - `campaign-spec.json`, written when the campaign starts: `--resume` compares it field by field
 *   with the command's configuration and refuses a different seed, profile, adversary, scenario,
 *   expectation, budget or shard ({@link checkResumeSpec}).
 * - `runs.jsonl`, one line per finished run: every line is checked against {@link RunLineSchema}
 *   and against the campaign (a run index it plans, the world seed and plans that (seed, run)
 *   draws, no conflicting duplicate) before a run starts ({@link readRunsFile}). Only a torn last
 *   line (the process died while appending it) is dropped: lines are appended with one write(2)
 *   each, so nothing else can be half-written.
 *
 * Every refusal is a {@link CampaignFileError} naming `file:line` and the field: exit 2.
 */
import { existsSync } from 'node:fs';
import { readText } from '../files.js';
import { UsageError } from '../io.js';
import { basename } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { PphError } from '../../protocol/errors.js';
import { hashSpec } from '../../sim/runner.js';
import { runArbitrary, fcSeedFor, type CampaignSpec, type RunLine } from '../../sim/campaign.js';
import { generationOf, inputArbitrary, variantSeed } from '../../sim/guided.js';
import type { Adversary } from '../../sim/adversary.js';

/**
 * A campaign folder's file does not belong to this campaign or is malformed. Codes: `line` (a
 * runs.jsonl line is not a run line), `foreign-run` (a run this campaign does not plan, or drawn
 * from another seed), `duplicate` (a run twice with different results), `spec` (campaign-spec.json
 * unreadable or missing), `resume-mismatch` (`--resume` with another configuration).
 */
export class CampaignFileError extends PphError {
  constructor(
    code: string,
    message: string,
    /** The differing field of a `resume-mismatch`, the bad field of a `line`. */
    readonly field: string | null = null,
  ) {
    super(code, message);
  }
}

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a 64-digit lowercase hex hash' });
const Nat = z.number().int().nonnegative();

/** One line of runs.jsonl, exactly as cli/campaign/pool.ts writes it (sim/campaign.ts `RunLine`). */
export const RunLineSchema = z.strictObject({
  run: Nat,
  seed: Nat,
  traceHash: Hex64,
  ok: z.boolean(),
  violated: z.array(z.string()),
  unexpected: z.array(z.string()),
  marks: z.record(z.string(), Nat),
  transitions: z.record(z.string(), Nat).optional(),
  parent: Nat.optional(),
  variant: Nat.optional(),
  plans: z.array(z.unknown()),
  shrinkSteps: Nat.optional(),
  /** The targeting adversary's tally of the run (model/invariants/non-targetability.ts TargetTally). */
  targets: z
    .array(
      z.strictObject({
        adversary: z.string(),
        user: z.string(),
        nodes: z.array(z.string()),
        totalNodes: Nat,
        n: Nat,
        k: Nat,
        targetEvent: Nat,
        landed: z.array(Nat),
      }),
    )
    .optional(),
});

function issueOf(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  return { field: issue.path.map(String).join('.') || '(top level)', message: issue.message };
}

/**
 * Parses one line of runs.jsonl (the fuzz target `runs-jsonl-line`).
 *
 * @throws {CampaignFileError} `line`, naming `<label>:<lineNo>` and the field.
 */
export function parseRunLine(text: string, label: string, lineNo: number): RunLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CampaignFileError('line', `${label}:${lineNo}: not JSON`, '(top level)');
  }
  const r = RunLineSchema.safeParse(value);
  if (!r.success) {
    const { field, message } = issueOf(r.error);
    throw new CampaignFileError('line', `${label}:${lineNo}: ${field}: ${message}`, field);
  }
  return r.data as RunLine;
}

export interface RunsFileCheck {
  cs: CampaignSpec;
  adversaries: readonly Adversary<any>[];
  /** Run indices this process plans (its shard). */
  planned: readonly number[];
}

/**
 * Reads runs.jsonl: every line valid, a torn last line dropped. With `check`, every line must
 * also belong to the campaign: a planned run index, the world seed and plans fast-check draws
 * for (campaign seed, run), and one result per run (an identical repeat is read once).
 *
 * @throws {CampaignFileError} naming `runs.jsonl:<line>`.
 */
export function readRunsFile(file: string, check?: RunsFileCheck): RunLine[] {
  if (!existsSync(file)) return [];
  const label = basename(file);
  const text = readText(file, 'runs file', 'runsJsonlBytesMax');
  const rows = text.split('\n');
  let last = rows.length - 1;
  while (last >= 0 && rows[last]!.trim() === '') last--;
  const byRun = new Map<number, { line: RunLine; lineNo: number; text: string }>();
  const out: RunLine[] = [];
  const planned = check ? new Set(check.planned) : null;
  const arb = check ? runArbitrary(check.cs.spec, check.adversaries) : null;
  for (let i = 0; i <= last; i++) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    let line: RunLine;
    try {
      line = parseRunLine(row, label, i + 1);
    } catch (e) {
      // A torn last line: the process died in the middle of appending it. Only a line that is not
      // JSON at all can be torn; a complete JSON line of the wrong shape is someone else's.
      if (i === last && (e as CampaignFileError).message.endsWith('not JSON')) break;
      throw e;
    }
    if (check) {
      const { cs } = check;
      if (line.run >= cs.runs) throw new CampaignFileError('foreign-run', `${label}:${i + 1}: run: ${line.run} is not a run of this campaign (runs 0..${cs.runs - 1})`, 'run');
      if (!planned!.has(line.run)) throw new CampaignFileError('foreign-run', `${label}:${i + 1}: run: ${line.run} is not in this shard`, 'run');
      // A guided run mutates an earlier generation's run (sim/guided.ts): drawn from its parent's input.
      let runArb = arb!;
      if (line.parent !== undefined) {
        const parent = byRun.get(line.parent)?.line;
        if (cs.search !== 'guided' || !parent || generationOf(line.parent) >= generationOf(line.run)) throw new CampaignFileError('foreign-run', `${label}:${i + 1}: parent: run ${line.parent} is not an earlier generation's run of this guided campaign`, 'parent');
        runArb = inputArbitrary(cs.spec, check.adversaries, [parent.seed, ...parent.plans]);
      }
      if (line.variant !== undefined && cs.search !== 'guided') throw new CampaignFileError('foreign-run', `${label}:${i + 1}: variant: a guided run in a random campaign`, 'variant');
      const [seed, ...plans] = fc.sample(runArb, { seed: variantSeed(fcSeedFor(cs.seed, line.run), line.variant ?? 0), numRuns: 1 })[0]!;
      if (line.seed !== seed) throw new CampaignFileError('foreign-run', `${label}:${i + 1}: seed: ${line.seed} is not the world seed campaign seed ${cs.seed} draws for run ${line.run} (${seed}): a line of another campaign`, 'seed');
      if (JSON.stringify(line.plans) !== JSON.stringify(plans)) throw new CampaignFileError('foreign-run', `${label}:${i + 1}: plans: not the plans campaign seed ${cs.seed} draws for run ${line.run}: a line of another campaign`, 'plans');
    }
    const seen = byRun.get(line.run);
    if (seen) {
      if (seen.text !== JSON.stringify(line)) throw new CampaignFileError('duplicate', `${label}:${i + 1}: run: ${line.run} again, with another result than line ${seen.lineNo}`, 'run');
      continue;
    }
    byRun.set(line.run, { line, lineNo: i + 1, text: JSON.stringify(line) });
    out.push(line);
  }
  return out;
}

/** What `campaign-spec.json` holds: the campaign spec, and the shard this folder runs. */
export type SpecFile = CampaignSpec & { shard?: string | null };

export function specFileOf(cs: CampaignSpec, shard: { index: number; count: number } | null): SpecFile {
  return { ...cs, shard: shard ? `${shard.index}/${shard.count}` : null };
}

/** Reads campaign-spec.json (null when absent). @throws {CampaignFileError} `spec` when unreadable. */
export function readSpecFile(file: string): SpecFile | null {
  if (!existsSync(file)) return null;
  let v: unknown;
  try {
    v = JSON.parse(readText(file, 'campaign spec', 'manifestBytesMax'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new CampaignFileError('spec', `${basename(file)}: not JSON`, '(top level)');
  }
  const s = v as Partial<SpecFile>;
  if (typeof s !== 'object' || s === null || typeof s.spec !== 'object' || s.spec === null || !Array.isArray(s.attackers) || typeof s.seed !== 'number' || typeof s.runs !== 'number') {
    throw new CampaignFileError('spec', `${basename(file)}: not a campaign spec (spec, attackers, seed, runs)`, '(top level)');
  }
  return s as SpecFile;
}

function without<T extends object>(o: T, key: string): Record<string, unknown> {
  const { [key]: _drop, ...rest } = o as Record<string, unknown>;
  return rest;
}

/**
 * The first field in which the configuration of a `--resume` differs from the folder's
 * campaign-spec.json, or null when they are the same campaign.
 */
export function specDifference(previous: SpecFile, now: SpecFile): { field: string; was: string; now: string } | null {
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  const fields: [string, unknown, unknown][] = [
    ['seed', previous.seed, now.seed],
    ['profile', previous.spec.profile, now.spec.profile],
    ['adversary', previous.attackers, now.attackers],
    ['scenario', previous.spec.name, now.spec.name],
    ['scenario', hashSpec(without(previous.spec, 'profile') as never), hashSpec(without(now.spec, 'profile') as never)],
    ['expect', previous.expect, now.expect],
    ['runs', previous.runs, now.runs],
    ['shrink-runs', previous.shrinkRuns ?? 40, now.shrinkRuns ?? 40],
    ['stop-on-failure', previous.stopOnFailure ?? false, now.stopOnFailure ?? false],
    ['search', previous.search ?? 'random', now.search ?? 'random'],
    ['shard', previous.shard ?? null, now.shard ?? null],
  ];
  for (const [field, a, b] of fields) {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      if (field === 'scenario' && typeof a === 'string' && a.length === 64) return { field, was: 'another scenario content (hash ' + a.slice(0, 12) + ')', now: 'hash ' + (b as string).slice(0, 12) };
      return { field, was: show(a), now: show(b) };
    }
  }
  return null;
}

/** @throws {CampaignFileError} `resume-mismatch` naming the field that differs. */
export function checkResumeSpec(previous: SpecFile, now: SpecFile, label: string): void {
  const d = specDifference(previous, now);
  if (d) throw new CampaignFileError('resume-mismatch', `${label}: ${d.field}: --resume with a different ${d.field} (the folder's campaign has ${d.was}, this command ${d.now}); run without --resume into another --out, or repeat the original configuration`, d.field);
}
