/**
 * `pph start` (what `npm start` runs): the main job on its built-in default. It runs the default
 * scenario once (every invariant checked, trace and reports written), then the threat matrix on
 * a quick budget (every adversary against the baseline, every real-finding mutant searched until
 * killed), and prints where the HTML report is. Results go under pph-results/ (git-ignored).
 */
import { join, relative, resolve } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { UsageError, type Command } from '../io.js';
import { combineVerdicts } from '../../reports/verdict.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { openResultsDir } from '../results-dir.js';
import { loadAndRun, writeRunFolder } from './run.js';
import { matrixJob, parseMatrixFlags } from './matrix.js';
import { matrixLines } from '../campaign/matrix-text.js';

const USAGE = [
  'pph start [--out DIR] [--runs N] [--kill-rounds N] [--workers K] [--no-matrix] [--force]',
  '',
  '  runs scenarios/default.yaml, then the threat matrix on a quick budget (runs 3, kill rounds 10),',
  '  and writes both under pph-results/ (or DIR) with their HTML reports: DIR/run-default-seed-1/',
  '  and DIR/matrix/. Each folder\'s manifest.json records the command that makes that folder alone',
  '  (pph run ..., pph matrix ...), so pph reproduce re-runs only that part.',
  '  --force   the folders are not empty: replace what pph start wrote there (npm start passes it)',
].join('\n');

export const command: Command = {
  name: 'start',
  summary: 'the main job on its default: the default scenario, then the threat matrix on a quick budget',
  usage: USAGE,
  async run(argv, io) {
    const startedAt = wallClockIso();
    const watch = new Stopwatch();
    const noMatrix = argv.includes('--no-matrix');
    const force = argv.includes('--force');
    const rest = argv.filter((a) => a !== '--no-matrix' && a !== '--force');
    const outIdx = rest.indexOf('--out');
    const root = resolve(io.cwd, outIdx >= 0 ? (rest[outIdx + 1] ?? '') : 'pph-results');
    if (outIdx >= 0 && rest[outIdx + 1] === undefined) throw new UsageError('--out expects a folder');
    const matrixArgv = outIdx >= 0 ? [...rest.slice(0, outIdx), ...rest.slice(outIdx + 2)] : rest;
    for (const a of matrixArgv) if (a.startsWith('--') && !['--runs', '--kill-rounds', '--workers'].includes(a)) throw new UsageError(`unknown option '${a}' (pph start takes --out, --runs, --kill-rounds, --workers, --no-matrix, --force)`);
    const o = { ...parseMatrixFlags([...matrixArgv, '--out', join(root, 'matrix')], { out: join(root, 'matrix'), runs: 3, killRounds: 10 }), force };

    // Both folders are checked before any run (writable, not locked, empty or --force); the run
    // folder stays locked while it is written, the matrix folder is locked again by matrixJob.
    const scenario = loadScenario(resolveScenarioPath('default', io.cwd));
    const seed = (scenario as { seed?: number }).seed ?? 1;
    const runDir = join(root, `run-${scenario.name}-seed-${seed}`);
    const commandLine = ['pph', 'start', ...argv].join(' ');
    const runLock = openResultsDir(runDir, { command: 'run', commandLine, force, label: relative(io.cwd, runDir) || '.', notice: (l) => io.err(l) });
    let r;
    let runReport;
    try {
      if (!noMatrix) openResultsDir(resolve(io.cwd, o.out), { command: 'matrix', commandLine, force, label: relative(io.cwd, resolve(io.cwd, o.out)) || '.', notice: (l) => io.err(l) }).release();
      const run = loadAndRun('default', undefined, io);
      writeRunFolder(runDir, run);
      // The command that makes this folder alone (`pph reproduce` re-runs just the run).
      runReport = await writeReports(runDir, { command: ['run', 'default', '--seed', String(run.detail.result.seed), '--out', relative(io.cwd, runDir) || '.'], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: relative(io.cwd, runDir) });
      r = run.detail.result;
    } finally {
      runLock.release();
    }
    const runVerdict = runReport.verdict;
    io.out(runVerdict.headline);
    for (const reason of runVerdict.reasons) io.out(`      ${reason}`);
    io.out(`      report: ${relative(io.cwd, runReport.index)}`);
    if (noMatrix) return runVerdict.exitCode;

    io.out('');
    // Recorded as the `pph matrix` command of the same budget, so the folder reproduces alone.
    const matrixArgs = ['--runs', String(o.runs), '--kill-rounds', String(o.killRounds), '--seed', String(o.seed), '--profiles', o.profiles.join(','), '--out', relative(io.cwd, resolve(io.cwd, o.out)) || '.'];
    const { result, dir, index, verdict: matrixVerdict } = await matrixJob(o, io, matrixArgs, 'matrix');
    for (const l of matrixLines(result, relative(io.cwd, dir) || '.', matrixVerdict)) io.out(l);
    io.out(`report: ${relative(io.cwd, index)}`);
    // Both folders' verdicts (reports/verdict.ts); the worst decides the exit code.
    return combineVerdicts('start', 'pph start', [runVerdict, matrixVerdict]).exitCode;
  },
};
