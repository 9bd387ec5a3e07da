/**
 * `pph start` (what `npm start` runs): the main job on its built-in default. It runs the default
 * scenario once (every invariant checked, trace and reports written), then the threat matrix on
 * a quick budget (every adversary against the baseline, every real-finding mutant searched until
 * killed), and prints where the HTML report is. Results go under pph-results/ (git-ignored).
 */
import { join, relative, resolve } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../io.js';
import { loadAndRun, writeRunFolder } from './run.js';
import { matrixJob, parseMatrixFlags } from './matrix.js';
import { matrixLines } from '../campaign/matrix-text.js';

const USAGE = [
  'pph start [--out DIR] [--runs N] [--kill-rounds N] [--workers K] [--no-matrix]',
  '',
  '  runs scenarios/default.yaml, then the threat matrix on a quick budget (runs 3, kill rounds 10),',
  '  and writes both under pph-results/ (or DIR) with their HTML reports',
].join('\n');

export const command: Command = {
  name: 'start',
  summary: 'the main job on its default: the default scenario, then the threat matrix on a quick budget',
  usage: USAGE,
  async run(argv, io) {
    const startedAt = wallClockIso();
    const watch = new Stopwatch();
    const noMatrix = argv.includes('--no-matrix');
    const rest = argv.filter((a) => a !== '--no-matrix');
    const outIdx = rest.indexOf('--out');
    const root = resolve(io.cwd, outIdx >= 0 ? (rest[outIdx + 1] ?? '') : 'pph-results');
    if (outIdx >= 0 && rest[outIdx + 1] === undefined) throw new UsageError('--out expects a folder');
    const matrixArgv = outIdx >= 0 ? [...rest.slice(0, outIdx), ...rest.slice(outIdx + 2)] : rest;
    for (const a of matrixArgv) if (a.startsWith('--') && !['--runs', '--kill-rounds', '--workers'].includes(a)) throw new UsageError(`unknown option '${a}' (pph start takes --out, --runs, --kill-rounds, --workers, --no-matrix)`);
    const o = parseMatrixFlags([...matrixArgv, '--out', join(root, 'matrix')], { out: join(root, 'matrix'), runs: 3, killRounds: 10 });

    const run = loadAndRun('default', undefined, io);
    const runDir = join(root, `run-${run.scenario.name}-seed-${run.detail.result.seed}`);
    writeRunFolder(runDir, run);
    const runReport = await writeReports(runDir, { command: ['start', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: relative(io.cwd, runDir) });
    const r = run.detail.result;
    const held = Object.values(r.verdicts).filter((v) => v.ok).length;
    const sent = r.stats.requests - r.stats.blocked;
    io.out(`${r.ok ? 'PASS' : 'FAIL'}  run ${r.scenario} · seed ${r.seed} · ${held}/${Object.keys(r.verdicts).length} verdicts as expected · ${r.stats.ok}/${sent} sent requests answered, ${r.stats.errors} explicit errors, ${r.stats.blocked} kept on the device by consent · trace ${r.traceHash.slice(0, 16)}`);
    io.out(`      report: ${relative(io.cwd, runReport.index)}`);
    if (noMatrix) return r.ok ? EXIT_OK : EXIT_FAILED;

    io.out('');
    const { result, dir, index } = await matrixJob(o, io, argv, 'start');
    for (const l of matrixLines(result, relative(io.cwd, dir) || '.')) io.out(l);
    io.out(`report: ${relative(io.cwd, index)}`);
    return r.ok && result.ok ? EXIT_OK : EXIT_FAILED;
  },
};
