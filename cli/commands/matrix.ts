/**
 * `pph matrix [--runs N] [--seed S] [--profiles LIST] [--adversaries LIST] [--workers K]
 * [--out DIR] [--json]`: every adversary × profile × invariant, expectations from
 * scenarios/expected/pp.yaml, and the mutant kill table. Exit 0 when every observed outcome equals
 * its expectation and every mutant is killed (or is a listed survivor), 1 otherwise, 2 bad input.
 */
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { openResultsDir } from '../results-dir.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { expectedDir, loadExpected, type ExpectedOutcomes } from '../../scenarios/expected.js';
import { knownAttackers } from '../../adversaries/index.js';
import { FAMILIES, FINDING_PROFILES, MUTATION_PROFILES, isProfile } from '../../model/profile.js';
import { runMatrix, type MatrixResult } from '../campaign/matrix.js';
import { matrixLines, matrixMarkdown } from '../campaign/matrix-text.js';
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { didYouMean, parseFlags, UsageError, type CliIo, type Command } from '../io.js';
import { verdictJson, type Verdict } from '../../reports/verdict.js';
import { parseSearch } from './campaign.js';
import type { SearchMode } from '../../sim/guided.js';

const USAGE = [
  'pph matrix [--runs N] [--kill-rounds N] [--seed S] [--profiles LIST] [--adversaries LIST]',
  '           [--workers K] [--scenario FILE] [--expected FILE] [--out DIR] [--json]',
  '',
  '  --runs N          runs per adversary on the baseline profile (default 6)',
  '  --kill-rounds N   rounds of the mutant search: each adversary gets one run per round (default 12)',
  '  --profiles LIST   comma-separated: pp, pcc, mutant names, `findings` (the 8 real findings),',
  '                    `mutations` (one per defence switch) or `all` (default: pp,pcc,findings)',
  '  --adversaries L   comma-separated adversaries, coalitions or conditions (default: every one',
  '                    in the expectations file)',
  '  --workers K       worker threads (default: min(2, cores))',
  '  --scenario FILE   the world (default: the built-in scenarios/matrix.yaml)',
  '  --expected FILE   expected outcomes; `{base}` in the name stands for pp, pcc, pp-tdx, pp-gpu',
  '                    (default: the built-in scenarios/expected/{base}.yaml)',
  '  --out DIR         write matrix.json, matrix.md, replay files and the reports (default pph-results/matrix)',
  '  --force           DIR is not empty: replace what pph matrix wrote there (other files stay)',
  '  --shrink-runs N   runs fast-check may spend shrinking one counterexample (default 12; 0: keep the run as found)',
  '  --search MODE     random (default) or guided: each cell keeps the inputs that reached a new',
  '                    transition or mark and mutates them (docs/coverage.md)',
  '  --json            print matrix.json on stdout',
  '',
  'exit: 0 every outcome as expected and every mutant killed, 1 otherwise, 2 bad input',
].join('\n');

export function expandProfiles(raw: string): string[] {
  const out: string[] = [];
  for (const p of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (p === 'findings') out.push(...Object.keys(FINDING_PROFILES));
    else if (p === 'mutations') out.push(...Object.keys(MUTATION_PROFILES));
    else if (p === 'all') out.push('pp', 'pcc', ...Object.keys(FINDING_PROFILES), ...Object.keys(MUTATION_PROFILES));
    else if (isProfile(p)) out.push(p);
    else throw new UsageError(`--profiles: unknown profile '${p}' (pp, findings, mutations, all, or one of: ${[...Object.keys(FINDING_PROFILES), ...Object.keys(MUTATION_PROFILES)].join(', ')})`);
  }
  return [...new Set(out)];
}

export interface MatrixRunOptions {
  runs: number;
  killRounds: number;
  seed: number;
  profiles: string[];
  adversaries: string[] | null;
  workers: number;
  scenario: string | null;
  expected: string | null;
  out: string;
  progress: boolean;
  /** `--force`: replace what a matrix wrote into a non-empty `out`. */
  force: boolean;
  /** Runs fast-check may spend shrinking one counterexample (default 12). */
  shrinkRuns: number;
  /** `--search`: how each cell's inputs are drawn. */
  search: SearchMode;
}

/** Runs and writes a matrix (shared by `pph matrix` and `pph start`). */
export async function matrixJob(o: MatrixRunOptions, io: CliIo, argv: string[], command: string): Promise<{ result: MatrixResult; dir: string; index: string; verdict: Verdict }> {
  const startedAt = wallClockIso();
  const watch = new Stopwatch();
  const scenarioPath = resolveScenarioPath(o.scenario ?? 'matrix', io.cwd);
  const base = loadScenario(scenarioPath);
  const expected: Record<string, ExpectedOutcomes> = {};
  for (const base of FAMILIES) expected[base] = loadExpected(o.expected ? resolve(io.cwd, o.expected.replace('{base}', base)) : join(expectedDir(), `${base}.yaml`), knownAttackers());
  const attackers = o.adversaries ?? [...new Set(Object.values(expected).flatMap((e) => Object.keys(e.expected)))];
  for (const a of attackers) if (!knownAttackers().includes(a)) throw new UsageError(`--adversaries: unknown adversary '${a}'${didYouMean(a, knownAttackers())} (known: ${knownAttackers().join(', ')})`);
  const dir = resolve(io.cwd, o.out);
  // Before any run: the folder is writable, ours alone, and empty (or --force).
  const lock = openResultsDir(dir, { command: 'matrix', commandLine: ['pph', command, ...argv].join(' '), force: o.force, label: relative(io.cwd, dir) || '.', notice: (l) => io.err(l) });
  try {
    let lastPct = -1;
    const result = await runMatrix({
      base,
      baseRef: relative(io.cwd, scenarioPath).startsWith('..') ? scenarioPath : relative(io.cwd, scenarioPath),
      expected,
      profiles: o.profiles,
      attackers,
      runs: o.runs,
      killRounds: o.killRounds,
      seed: o.seed,
      workers: o.workers,
      outDir: dir,
      shrinkRuns: o.shrinkRuns,
      search: o.search,
      onJob: o.progress
        ? (done, total) => {
            const pct = Math.floor((done / total) * 10);
            if (io.isTTY) process.stderr.write(`\rmatrix: ${done}/${total} runs (at most; mutant searches stop at their first kill)`);
            else if (pct !== lastPct) io.err(`matrix: ${done}/${total} runs (at most)`);
            lastPct = pct;
          }
        : undefined,
    });
    if (o.progress && io.isTTY) process.stderr.write('\n');
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'matrix.json'), `${JSON.stringify(result, null, 1)}\n`);
    writeFileAtomic(join(dir, 'matrix.md'), matrixMarkdown(result));
    const { writeReports } = await import('../../reports/index.js');
    const reports = await writeReports(dir, { command: [command, ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: relative(io.cwd, dir) || '.' });
    return { result, dir, index: reports.index, verdict: reports.verdict };
  } finally {
    lock.release();
  }
}

export function parseMatrixFlags(argv: string[], defaults: { out: string; runs: number; killRounds: number }): MatrixRunOptions & { json: boolean } {
  const flags = parseFlags(argv, {
    runs: { type: 'string' },
    'kill-rounds': { type: 'string' },
    seed: { type: 'string' },
    profiles: { type: 'string' },
    adversaries: { type: 'string' },
    workers: { type: 'string' },
    scenario: { type: 'string' },
    expected: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    force: { type: 'boolean' },
    'shrink-runs': { type: 'string' },
    search: { type: 'string' },
  });
  if (flags.positionals.length) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
  const adv = flags.str('adversaries');
  return {
    runs: flags.int('runs', defaults.runs, 1, 100_000),
    killRounds: flags.int('kill-rounds', defaults.killRounds, 1, 100_000),
    seed: flags.int('seed', 1, 0, 2 ** 31 - 1),
    profiles: expandProfiles(flags.str('profiles') ?? 'pp,pcc,findings'),
    adversaries: adv ? adv.split(',').map((s) => s.trim()).filter(Boolean) : null,
    workers: flags.int('workers', Math.min(2, availableParallelism()), 1, 64),
    scenario: flags.str('scenario') ?? null,
    expected: flags.str('expected') ?? null,
    out: flags.str('out') ?? defaults.out,
    json: flags.bool('json'),
    progress: !flags.bool('json'),
    force: flags.bool('force'),
    shrinkRuns: flags.int('shrink-runs', 12, 0, 10_000),
    search: parseSearch(flags.str('search')),
  };
}

export const command: Command = {
  name: 'matrix',
  summary: 'threat matrix and mutant kill table',
  usage: USAGE,
  async run(argv, io) {
    const o = parseMatrixFlags(argv, { out: 'pph-results/matrix', runs: 6, killRounds: 12 });
    const { result, dir, index, verdict } = await matrixJob(o, io, argv, 'matrix');
    if (o.json) io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, ...result, ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
    else {
      for (const l of matrixLines(result, relative(io.cwd, dir) || '.', verdict)) io.out(l);
      io.out(`results: ${relative(io.cwd, dir) || '.'}/{matrix.json,matrix.md,replay-*.json}`);
      io.out(`report: ${relative(io.cwd, index)}`);
    }
    return verdict.exitCode;
  },
};
