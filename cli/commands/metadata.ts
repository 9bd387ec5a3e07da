/**
 * `pph metadata`: the metadata-correlation analysis (THREATS.md adversary 4) as curves: how well a
 * passive relay+gateway coalition links client addresses to requests from timing and sizes, per
 * defence setting, with the latency each costs. Writes metadata.json (MetadataFileSchema) and
 * metadata.md; prints a short table. Exit 0 done, 2 bad flags.
 */
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { decideVerdict, verdictJson } from '../../reports/verdict.js';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { openResultsDir } from '../results-dir.js';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  BASELINE,
  DEFENCE_NAMES,
  MAX_PAIRS_DEFAULT,
  MetadataInputError,
  metadataMarkdown,
  metadataTable,
  type DefenceName,
  type DefenceSettings,
  type MetadataResult,
} from '../../adversaries/metadata/index.js';
import { metadataCurvesParallel } from '../../adversaries/metadata/parallel.js';
import { checkValue, MetadataFileSchema, type MetadataFile } from '../../reports/schemas.js';
import { parseFlags, UsageError, type Command } from '../io.js';

const SETTING_NAMES = Object.keys(BASELINE) as (keyof DefenceSettings)[];

const USAGE = [
  'pph metadata [--requests N] [--clients N] [--rate HZ] [--seed S] [--defence LIST] [--base SETTINGS]',
  '             [--coalition one|all] [--workers K] [--max-pairs N] [--out DIR] [--json]',
  '',
  '  --requests N     real requests to simulate (default 200000, ~7 s of CPU; 1000000: ~19–22 s of CPU (user + sys) over the two threads, 0.1–2.2 s a point)',
  '  --clients N      clients (default 1000)',
  '  --rate HZ        real requests per client per second (default 1)',
  '  --seed S         seed (default 1); same seed, same files',
  `  --defence LIST   curves to compute, comma-separated (default all): ${DEFENCE_NAMES.join(',')}`,
  '  --base SETTINGS  settings every point starts from, e.g. paddingBytes=4096,batchSize=10',
  `                   (${SETTING_NAMES.join(', ')})`,
  '  --coalition C    the coalition holds one relay (default) or all of them (same as --base coalition=C)',
  '  --workers K      worker threads (default: 2, or 1 on a single core); the output does not depend on K',
  '  --max-pairs N    bound on candidate pairs scored per point (default 2^25); beyond it every s-th',
  '                   request is scored and the point says so (scored 1/s in metadata.md)',
  '  --out DIR        where to write metadata.json and metadata.md (default pph-results/metadata-seed-S)',
  '  --force          DIR is not empty: replace what pph metadata wrote there (other files stay)',
  '  --json           print metadata.json instead of the table',
  '',
  'example: pph metadata --requests 1000000 --defence padding,batching --base coverHz=1',
  'writes metadata.json, metadata.md and the reports: index.html with the plots, summary.md, junit.xml, manifest.json',
  'exit: 0 measured, 1 a curve without valid points, 2 bad flags',
].join('\n');

function parseDefences(raw: string | undefined): DefenceName[] {
  if (raw === undefined) return DEFENCE_NAMES;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new UsageError('--defence expects a comma-separated list, got an empty one');
  for (const n of names) if (!(DEFENCE_NAMES as string[]).includes(n)) throw new UsageError(`--defence: unknown defence '${n}' (expected ${DEFENCE_NAMES.join(', ')})`);
  return [...new Set(names)] as DefenceName[];
}

function parseBase(raw: string | undefined, coalition: string | undefined): Partial<DefenceSettings> {
  const base: Record<string, number | string> = {};
  for (const part of (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (!(SETTING_NAMES as string[]).includes(key)) throw new UsageError(`--base: unknown setting '${key}' (expected ${SETTING_NAMES.join(', ')})`);
    if (key === 'coalition') base[key] = value;
    else {
      if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`--base: ${key} expects a non-negative number, got '${value}'`);
      base[key] = Number(value);
    }
  }
  if (coalition !== undefined) {
    if (coalition !== 'one' && coalition !== 'all') throw new UsageError(`--coalition expects one or all, got '${coalition}'`);
    base.coalition = coalition;
  }
  return base as Partial<DefenceSettings>;
}

function parseRate(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const v = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(v > 0) || v > 1e6) throw new UsageError(`--rate expects a number in (0, 1000000], got '${raw}'`);
  return v;
}

export const command: Command = {
  name: 'metadata',
  summary: 'metadata correlation: linking accuracy vs chance per defence, with its latency (curves as data)',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, {
      requests: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      defence: { type: 'string' },
      base: { type: 'string' },
      coalition: { type: 'string' },
      workers: { type: 'string' },
      'max-pairs': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
    });
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const requests = flags.int('requests', 200_000, 1, 20_000_000);
    const clients = flags.int('clients', 1000, 1, 100_000_000);
    const seed = flags.int('seed', 1, 0, 2 ** 32 - 1);
    const rateHz = parseRate(flags.str('rate'));
    const defences = parseDefences(flags.str('defence'));
    const base = parseBase(flags.str('base'), flags.str('coalition'));
    const workers = flags.int('workers', Math.min(2, availableParallelism()), 1, 64);
    const maxPairs = flags.int('max-pairs', MAX_PAIRS_DEFAULT, 1, 2 ** 40);
    const dir = resolve(io.cwd, flags.str('out') ?? join('pph-results', `metadata-seed-${seed}`));
    // Before any work: the folder is writable, ours alone, and empty (or --force).
    const lock = openResultsDir(dir, { command: 'metadata', commandLine: ['pph', 'metadata', ...argv].join(' '), force: flags.bool('force'), label: relative(io.cwd, dir) || '.', notice: (l) => io.err(l) });
    try {
      // Wall-clock timing of the command, for the human (not in the files: they are a function of the flags).
      const watch = new Stopwatch();
      const startedAt = wallClockIso();
      let result: MetadataResult;
      try {
        // The jobs spread over worker threads (adversaries/metadata/parallel.ts); same result for any K.
        result = await metadataCurvesParallel({ requests, clients, seed, rateHz, maxPairs, base, defences }, workers);
      } catch (e) {
        if (e instanceof MetadataInputError) throw new UsageError(`--base: ${e.message}`);
        throw e;
      }
      checkValue(MetadataFileSchema, result, 'metadata.json'); // our own output: a mismatch is a bug, loud
      const wallMs = watch.elapsedMs();

      mkdirSync(dir, { recursive: true });
      writeFileAtomic(join(dir, 'metadata.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileAtomic(join(dir, 'metadata.md'), metadataMarkdown(result));
      // manifest.json (and the reports) make the folder one `pph reproduce` can re-run.
      const label = relative(io.cwd, dir) || '.';
      // The one verdict (reports/verdict.ts): a measurement, failing only on a curve without valid points.
      let verdict = decideVerdict({ dir, metadata: result as unknown as MetadataFile }, { dirLabel: label });
      let index: string | null = null;
      try {
        const { writeReports } = await import('../../reports/index.js');
        const written = await writeReports(dir, { command: ['metadata', ...argv], wallMs: Math.round(wallMs), startedAt, dirLabel: label });
        verdict = written.verdict;
        index = written.index;
      } catch (e) {
        io.err(`pph metadata: metadata.json and metadata.md are written, the reports are not: ${(e as Error).message}`);
      }

      if (flags.bool('json')) {
        io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, ...result, ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
        return verdict.exitCode;
      }
      io.out(`pph metadata  seed=${seed}  requests=${requests}  clients=${clients}  rate=${rateHz}/s  base=${JSON.stringify(base)}`);
      for (const line of metadataTable(result)) io.out(line);
      io.out(verdict.headline);
      for (const r of verdict.reasons) io.out(`  ${r}`);
      io.out(`results: ${label}/{metadata.json,metadata.md,index.html,summary.md,junit.xml,manifest.json}  (${(wallMs / 1000).toFixed(1)} s)`);
      if (index) io.out(`report: ${relative(io.cwd, index)}`);
      return verdict.exitCode;
    } finally {
      lock.release();
    }
  },
};
