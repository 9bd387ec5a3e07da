/**
 * `pph bench`: per-layer suites, the hot path per TEE runner against its floor, the OHTTP peer and
 * the simulator's speed, measured with tinybench in one run; writes bench.json (reports/schemas.ts
 * BenchFileSchema) and bench.md, then the folder's reports (index.html, summary.md, manifest.json).
 */
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { openResultsDir } from '../results-dir.js';
import { join, relative, resolve } from 'node:path';
import { BENCH_SECTIONS, BenchRunnerError, GOALS, runBench, type BenchSection } from '../../bench/run.js';
import { renderBenchMarkdown } from '../../bench/markdown.js';
import { TEE_RUNNER_NAMES, type TeeRunnerName } from '../../tee/runner.js';
import { writeReports } from '../../reports/index.js';
import { decideVerdict, verdictJson } from '../../reports/verdict.js';
import type { BenchFile } from '../../reports/schemas.js';
import { EXIT_USAGE, parseFlags, UsageError, type Command } from '../io.js';

const USAGE = [
  'pph bench [--suite LIST] [--runner LIST] [--time MS] [--json] [--out DIR]',
  '',
  `  --suite LIST   comma-separated sections (default all but search): ${BENCH_SECTIONS.join(', ')}`,
  '                 search: runs-to-kill per real-finding mutant, random vs guided search (minutes; docs/coverage.md)',
  '                 hot-path brings floor with it (the ratio needs a floor from the same run)',
  `  --runner LIST  TEE runners for the hot path (default: every one that works here): ${TEE_RUNNER_NAMES.join(', ')}`,
  '  --time MS      time budget per benchmark task (default 1000); the simulator gets 5× that',
  '  --json         print bench.json on stdout',
  '  --out DIR      where bench.json, bench.md and the reports go (default pph-results/bench)',
  '  --force        DIR is not empty: replace what pph bench wrote there (other files stay)',
  '',
  `goals: hot path ≤ ${GOALS.ratioToFloorMax}× its floor, OHTTP ≥ ${GOALS.ohttpSpeedupMin}× the peer, simulator overhead ≤ ${GOALS.simOverheadMax}× its crypto,`,
  `       campaign ≥ ${GOALS.campaignScalingMin}× with 2 workers; a missed goal is reported, not a failure`,
  '       (in the exit code, junit.xml, summary.md and index.html alike: docs/verdicts.md)',
  'exit codes: 0 measured, 1 a benchmarked path failed, 2 bad usage or a runner that does not work here',
].join('\n');

function list<T extends string>(raw: string[], allowed: readonly T[], flag: string): T[] | undefined {
  if (raw.length === 0) return undefined;
  const items = raw.flatMap((r) => r.split(',')).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag} expects a comma-separated list`);
  for (const it of items) if (!(allowed as readonly string[]).includes(it)) throw new UsageError(`${flag}: unknown '${it}' (one of ${allowed.join(', ')})`);
  return [...new Set(items)] as T[];
}

export const command: Command = {
  name: 'bench',
  summary: 'benchmark the hot path per TEE runner against its floor, each layer, the OHTTP peer and the simulator',
  usage: USAGE,
  async run(argv, io) {
    const startedAt = wallClockIso();
    const watch = new Stopwatch();
    const flags = parseFlags(argv, {
      suite: { type: 'string', multiple: true },
      runner: { type: 'string', multiple: true },
      time: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const sections = list<BenchSection>(flags.strs('suite'), BENCH_SECTIONS, '--suite');
    const runners = list<TeeRunnerName>(flags.strs('runner'), TEE_RUNNER_NAMES, '--runner');
    const timeMs = flags.int('time', 1000, 1, 600_000);
    const dir = resolve(io.cwd, flags.str('out') ?? join('pph-results', 'bench'));
    // Before any work: the folder is writable, ours alone, and empty (or --force).
    const lock = openResultsDir(dir, { command: 'bench', commandLine: ['pph', 'bench', ...argv].join(' '), force: flags.bool('force'), label: relative(io.cwd, dir) || '.', notice: (l) => io.err(l) });
    try {
      let bench;
      try {
        bench = await runBench({
          sections,
          runners,
          timeMs,
          runnerOptions: io.env.PPH_CONFIGFS_ROOT ? { configfsRoot: io.env.PPH_CONFIGFS_ROOT } : {},
          log: (line) => io.err(`[bench] ${line}`),
        });
      } catch (e) {
        if (e instanceof BenchRunnerError) {
          io.err(`pph bench: ${e.message} (see pph tee probe)`);
          return EXIT_USAGE;
        }
        if (e instanceof Error && (e.name === 'MeasureError' || e.name === 'HotPathError')) {
          io.err(`pph bench: ${e.message}`);
          return 1;
        }
        throw e;
      }

      mkdirSync(dir, { recursive: true });
      const json = JSON.stringify(bench, null, 2) + '\n';
      writeFileAtomic(join(dir, 'bench.json'), json);
      writeFileAtomic(join(dir, 'bench.md'), renderBenchMarkdown(bench));
      const label = relative(io.cwd, dir) || '.';
      // The one verdict (reports/verdict.ts): a bench fails only when a figure is missing; a missed goal is a fact.
      let verdict = decideVerdict({ dir, bench: bench as BenchFile }, { dirLabel: label });
      try {
        verdict = (await writeReports(dir, { command: ['bench', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: label })).verdict;
      } catch (e) {
        io.err(`pph bench: bench.json and bench.md are written, the HTML report is not: ${(e as Error).message}`);
      }

      if (flags.bool('json')) {
        io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, kind: 'bench', ...bench, ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
        return verdict.exitCode;
      }
      const goals = (bench as { goals?: Record<string, { goal: string; value: number | null; met: boolean | null }> }).goals ?? {};
      for (const [k, g] of Object.entries(goals)) io.out(`${k.padEnd(26)} ${g.value === null ? '–' : g.value.toFixed(2).padStart(8)}  goal ${g.goal}: ${g.met === null ? 'not measured' : g.met ? 'met' : 'missed'}`);
      io.out(verdict.headline);
      for (const r of verdict.reasons) io.out(`  ${r}`);
      io.out(`results: ${label}/{bench.json,bench.md,index.html}`);
      return verdict.exitCode;
    } finally {
      lock.release();
    }
  },
};
