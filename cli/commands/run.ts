/**
 * `pph run [scenario] [--seed N] [--json] [--out DIR] [--trace]`: one run of a scenario, its
 * invariants checked against the scenario's expectations. Exit 0 all matched, 1 one did not, 2
 * bad input.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { runDetailed, type RunDetail } from '../../sim/runner.js';
import { traceToJsonl, formatEvent, traceLegend } from '../../sim/trace.js';
import { runText } from '../../reports/run-text.js';
import { runSummaryMarkdown } from '../../reports/run-summary.js';
import { writeReports } from '../../reports/index.js';
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import type { Scenario } from '../../scenarios/index.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph run [scenario] [--seed N] [--json] [--out DIR] [--trace]',
  '',
  '  scenario   a YAML file, or the name of a built-in scenario (default: default)',
  '  --seed N   the seed (default: the scenario\'s seed, else 1)',
  '  --json     print the RunResult as JSON',
  '  --out DIR  write result.json, trace.jsonl and the reports into DIR (index.html with',
  '             diagrams, summary.md, junit.xml, manifest.json)',
  '  --trace    print the trace, one fixed-width line per event',
  '',
  'example: pph run scenarios/default.yaml --seed 42',
  'exit: 0 every verdict matched its expectation, 1 one did not, 2 bad input',
].join('\n');

export interface LoadedRun {
  scenario: Scenario;
  scenarioRef: string;
  detail: RunDetail;
}

/** Resolves, loads and runs a scenario (shared by `run` and `start`). */
export function loadAndRun(ref: string, seed: number | undefined, io: CliIo): LoadedRun {
  const path = resolveScenarioPath(ref, io.cwd);
  const scenario = loadScenario(path);
  const rel = relative(io.cwd, path);
  const scenarioRef = rel.startsWith('..') ? path : rel;
  const detail = runDetailed(scenario, { seed: seed ?? (scenario as { seed?: number }).seed ?? 1 });
  return { scenario, scenarioRef, detail };
}

/** Writes the results folder of a run. */
export function writeRunFolder(dir: string, run: LoadedRun): void {
  mkdirSync(dir, { recursive: true });
  const { result, trace } = run.detail;
  writeFileSync(join(dir, 'result.json'), JSON.stringify({ ...result, scenarioRef: run.scenarioRef, scenarioContent: run.scenario }, null, 2) + '\n');
  writeFileSync(join(dir, 'trace.jsonl'), traceToJsonl(trace));
  writeFileSync(join(dir, 'summary.md'), runSummaryMarkdown(result, run.scenario, run.scenarioRef));
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
    });
    if (flags.positionals.length > 1) throw new UsageError(`expected one scenario, got ${flags.positionals.length}`);
    const seedFlag = flags.str('seed');
    const seed = seedFlag === undefined ? undefined : flags.int('seed', 1, 0, 2 ** 32 - 1);
    const run = loadAndRun(flags.positionals[0] ?? 'default', seed, io);
    const { result, trace } = run.detail;
    if (flags.bool('trace') && !flags.bool('json')) {
      for (const l of traceLegend()) io.out(l);
      for (const e of trace) io.out(formatEvent(e));
    }
    if (flags.bool('json')) io.out(JSON.stringify(result));
    else for (const line of runText(result, run.scenario, trace, { scenarioRef: run.scenarioRef, color: io.isTTY && !io.env.NO_COLOR })) io.out(line);
    const out = flags.str('out');
    if (out) {
      const dir = resolve(io.cwd, out);
      writeRunFolder(dir, run);
      const reports = await writeReports(dir, { command: ['run', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: relative(io.cwd, dir) || '.' });
      if (!flags.bool('json')) {
        io.out(`results: ${relative(io.cwd, dir) || '.'}/{result.json,trace.jsonl,summary.md,junit.xml,manifest.json}`);
        io.out(`report: ${relative(io.cwd, reports.index)}`);
      }
    }
    return result.ok ? EXIT_OK : EXIT_FAILED;
  },
};
