/**
 * `pph run [scenario] [--seed N] [--json] [--out DIR] [--trace]`: one run of a scenario, its
 * invariants checked against the scenario's expectations. Exit 0 all matched, 1 one did not, 2
 * bad input.
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { openResultsDir } from '../results-dir.js';
import { join, relative, resolve } from 'node:path';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { runDetailed, type RunDetail } from '../../sim/runner.js';
import { runAttackedDetailed } from '../../adversaries/run.js';
import { knownAttackers } from '../../adversaries/index.js';
import type { ReportInput } from '../../reports/report-input.js';
import { decideVerdict, verdictJson, type Verdict } from '../../reports/verdict.js';
import { traceToJsonl, formatEvent, traceLegend } from '../../sim/trace.js';
import { runText } from '../../reports/run-text.js';
import { runSummaryMarkdown } from '../../reports/run-summary.js';
import { writeReports } from '../../reports/index.js';
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { EXIT_INTERRUPTED, runWithin } from '../run-within.js';
import type { Scenario } from '../../scenarios/index.js';
import { didYouMean, parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph run [scenario] [--seed N] [--json] [--out DIR] [--trace] [--time-limit S]',
  '',
  '  scenario   a YAML file, or the name of a built-in scenario (default: default)',
  '  --seed N   the seed (default: the scenario\'s seed, else 1)',
  '  --json     print the RunResult as JSON',
  '  --out DIR  write result.json, trace.jsonl and the reports into DIR (index.html with',
  '             diagrams, summary.md, junit.xml, manifest.json)',
  '  --trace    print the trace, one fixed-width line per event',
  '  --force    DIR is not empty: replace what pph run wrote there (other files stay)',
  '  --time-limit S  stop after S seconds (exit 130), printing progress on stderr every 10 s',
  '',
  'example: pph run scenarios/default.yaml --seed 42',
  'a scenario that lists adversaries: runs under them (plans drawn from the seed); expect.answered',
  '(default "> 0") is the share of sent requests that must be answered (docs/verdicts.md)',
  'exit: 0 every verdict matched its expectation and goodput met expect.answered, 1 not, 2 bad input',
].join('\n');

export interface LoadedRun {
  scenario: Scenario;
  scenarioRef: string;
  detail: RunDetail;
}

/**
 * Checks the adversary names a scenario lists: an unknown one is a usage error (exit 2) naming
 * the file, the field and the closest known name.
 */
export function checkScenarioAdversaries(names: readonly string[], where: string): void {
  const known = knownAttackers();
  names.forEach((n, i) => {
    if (!known.includes(n)) throw new UsageError(`${where}: adversaries.${i}: unknown adversary '${n}'${didYouMean(n, known)} (pph list adversaries)`);
  });
}

/**
 * Resolves, loads and runs a scenario (shared by `run` and `start`). A scenario that lists
 * `adversaries:` runs under them (adversaries/run.ts runAttacked: the plans drawn from the seed,
 * as a campaign's run 0 draws them).
 */
export function loadAndRun(ref: string, seed: number | undefined, io: CliIo): LoadedRun {
  const path = resolveScenarioPath(ref, io.cwd);
  const scenario = loadScenario(path);
  const rel = relative(io.cwd, path);
  const scenarioRef = rel.startsWith('..') ? path : rel;
  const adversaries = scenario.adversaries ?? [];
  checkScenarioAdversaries(adversaries, scenarioRef);
  const runSeed = seed ?? (scenario as { seed?: number }).seed ?? 1;
  const detail = adversaries.length > 0 ? runAttackedDetailed(scenario, { seed: runSeed, adversaries }) : runDetailed(scenario, { seed: runSeed });
  return { scenario, scenarioRef, detail };
}

/** The run as a results folder in memory (what result.json and trace.jsonl hold). */
export function runReportInput(run: LoadedRun, dir: string): ReportInput {
  const { result, trace } = run.detail;
  const file = { ...result, scenarioRef: run.scenarioRef, scenarioContent: run.scenario } as unknown as NonNullable<ReportInput['run']>['result'];
  return { dir, run: { result: file, trace: [...trace] } };
}

/** Writes the results folder of a run. */
export function writeRunFolder(dir: string, run: LoadedRun): void {
  mkdirSync(dir, { recursive: true });
  const { result, trace } = run.detail;
  writeFileAtomic(join(dir, 'result.json'), JSON.stringify({ ...result, scenarioRef: run.scenarioRef, scenarioContent: run.scenario }, null, 2) + '\n');
  writeFileAtomic(join(dir, 'trace.jsonl'), traceToJsonl(trace));
  writeFileAtomic(join(dir, 'summary.md'), runSummaryMarkdown(result, run.scenario, run.scenarioRef));
}

export const command: Command = {
  name: 'run',
  summary: 'run one scenario with one seed and check its invariants',
  usage: USAGE,
  async run(argv, io) {
    const startedAt = wallClockIso();
    const watch = new Stopwatch();
    const flags = parseFlags(argv, {
      seed: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      trace: { type: 'boolean' },
      force: { type: 'boolean' },
      'time-limit': { type: 'string' },
    });
    if (flags.positionals.length > 1) throw new UsageError(`expected one scenario, got ${flags.positionals.length}`);
    const timeLimitS = flags.str('time-limit') === undefined ? null : flags.int('time-limit', 0, 1, 86_400);
    const seedFlag = flags.str('seed');
    const seed = seedFlag === undefined ? undefined : flags.int('seed', 1, 0, 2 ** 32 - 1);
    const out = flags.str('out');
    const outDir = out ? resolve(io.cwd, out) : null;
    // Before the run: the folder is writable, ours alone, and empty (or --force).
    const lock = outDir ? openResultsDir(outDir, { command: 'run', commandLine: ['pph', 'run', ...argv].join(' '), force: flags.bool('force'), label: relative(io.cwd, outDir) || '.', notice: (l) => io.err(l) }) : null;
    try {
      const ref = flags.positionals[0] ?? 'default';
      // --time-limit: the run goes to a worker with progress on stderr, and stops at the limit (cli/run-within.ts).
      let run: LoadedRun;
      if (timeLimitS === null) run = loadAndRun(ref, seed, io);
      else {
        const within = await runWithin(ref, seed, io, timeLimitS, `${ref} seed ${seed ?? 'default'}`);
        if (!within.finished) {
          io.err(`pph run: interrupted: --time-limit ${timeLimitS} s reached before the run of ${ref} (seed ${seed ?? 'default'}) finished; nothing was written (docs/limits.md)`);
          return EXIT_INTERRUPTED;
        }
        run = within.run;
      }
      const { result, trace } = run.detail;
      if (flags.bool('trace') && !flags.bool('json')) {
        for (const l of traceLegend()) io.out(l);
        for (const e of trace) io.out(formatEvent(e));
      }
      // The one verdict (reports/verdict.ts): the same with or without --out, read back from the folder when written.
      let verdict: Verdict = decideVerdict(runReportInput(run, outDir ?? io.cwd), { dirLabel: outDir ? relative(io.cwd, outDir) || '.' : '.' });
      let index: string | null = null;
      if (outDir) {
        const dir = outDir;
        writeRunFolder(dir, run);
        const reports = await writeReports(dir, { command: ['run', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: relative(io.cwd, dir) || '.' });
        verdict = reports.verdict;
        index = reports.index;
      }
      if (flags.bool('json')) io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, kind: 'run', ...result, scenarioRef: run.scenarioRef, ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
      else {
        for (const line of runText(result, run.scenario, trace, { scenarioRef: run.scenarioRef, color: io.isTTY && !io.env.NO_COLOR, verdict })) io.out(line);
        if (outDir && index) {
          io.out(`results: ${relative(io.cwd, outDir) || '.'}/{result.json,trace.jsonl,summary.md,junit.xml,manifest.json}`);
          io.out(`report: ${relative(io.cwd, index)}`);
        }
      }
      return verdict.exitCode;
    } finally {
      lock?.release();
    }
  },
};
