/**
 * `pph reproduce <manifest.json>`: runs the manifest's command again, in-process, into a fresh
 * folder, and compares the results with the folder the manifest sits in: trace hashes, verdicts and
 * proofs, per-run hashes of a campaign, matrix cells and mutants (wall times are ignored). Exit 0
 * identical, 1 different (the differences are printed), 2 bad manifest or a command that cannot run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { loadReportInput, type ReportInput } from '../../reports/report-input.js';
import { ManifestSchema, ReportInputError, parseJsonFile } from '../../reports/schemas.js';
import { diffResults, provenanceNotes } from '../../reports/diff.js';
import { currentProvenance } from '../../reports/manifest.js';
import { readText } from '../files.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph reproduce <manifest.json> [--out DIR]',
  '',
  '  manifest.json  the manifest of a results folder (written by run --out, start, campaign,',
  '                 matrix, bench, metadata, merge, explore)',
  '  --out DIR      write the re-run there and keep it (default: a temporary folder in the system\'s',
  '                 temporary directory, always removed)',
  '',
  'runs the command of the manifest again from the current directory and compares trace hashes,',
  'verdicts and per-run hashes with the results beside the manifest (wall times are ignored; of a',
  'bench only which suites and runners were measured, of metadata the curves without latencies)',
  'example: pph reproduce pph-results/run-default-seed-1/manifest.json',
  'exit: 0 identical, 1 different (the differences are printed), 2 bad manifest',
].join('\n');

/** Commands whose results a manifest can describe: each writes a results folder with --out. */
export const REPRODUCIBLE_COMMANDS = ['run', 'start', 'campaign', 'matrix', 'bench', 'metadata', 'merge', 'explore'] as const;

/**
 * The command that makes this folder alone. Manifests record it (a `pph start` folder records
 * `pph run ...` or `pph matrix ...`); a manifest written before that says `start` for both of
 * its folders, and is mapped to the part the folder holds, with start's budget.
 */
export function folderCommand(command: readonly string[], input: ReportInput): string[] {
  if (command[0] !== 'start') return [...command];
  const opt = (name: string): string | undefined => {
    const i = command.indexOf(name);
    return i >= 0 ? command[i + 1] : undefined;
  };
  if (input.matrix) {
    const out = ['matrix', '--runs', opt('--runs') ?? '3', '--kill-rounds', opt('--kill-rounds') ?? '10'];
    const workers = opt('--workers');
    if (workers !== undefined) out.push('--workers', workers);
    return out;
  }
  if (input.run) return ['run', input.run.result.scenarioRef ?? input.run.result.scenario, '--seed', String(input.run.result.seed)];
  return [...command];
}

/** The same arguments with every `--out X` / `--out=X` replaced by `--out <dir>`. */
export function withOut(command: readonly string[], dir: string): string[] {
  const out: string[] = [];
  for (let k = 0; k < command.length; k++) {
    const a = command[k]!;
    if (a === '--out') {
      k++;
      continue;
    }
    if (a.startsWith('--out=')) continue;
    out.push(a);
  }
  return [...out, '--out', dir];
}

function quietIo(io: CliIo): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return { stderr, out: () => {}, err: (l) => stderr.push(l), env: io.env, cwd: io.cwd, isTTY: false };
}

function identicalLine(input: ReportInput): string {
  const parts: string[] = [];
  if (input.run) parts.push(`trace ${input.run.result.traceHash.slice(0, 16)} and ${Object.keys(input.run.result.verdicts).length} verdicts`);
  if (input.campaign) parts.push(`${input.campaign.campaign.runs} campaign runs${input.campaign.runs ? ' (per-run trace hashes)' : ''} and ${input.campaign.replays.length} replays`);
  if (input.matrix) parts.push(`${input.matrix.cells.length} matrix cells and ${input.matrix.mutants.length} mutants`);
  if (input.bench) parts.push('the bench suites measured (timings not compared)');
  if (input.metadata) parts.push('the metadata curves');
  if (input.explore) parts.push(`the exploration (${input.explore.file.states} states, counterexample and confirmation)`);
  return parts.join('; ');
}

export const command: Command = {
  name: 'reproduce',
  summary: "re-run a results folder's manifest.json and compare the results (exit 0 identical)",
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { out: { type: 'string' } });
    if (flags.positionals.length !== 1) throw new UsageError(`expected one manifest.json, got ${flags.positionals.length}`);
    const path = resolve(io.cwd, flags.positionals[0]!);
    const label = relative(io.cwd, path) || path;
    const manifest = parseJsonFile(ManifestSchema, readText(path, 'manifest'), label);
    if (manifest.command === null || manifest.command.length === 0) throw new ReportInputError('schema', `${label}: command: null, the manifest does not say which command made the results`);
    const name = manifest.command[0]!;
    if (!(REPRODUCIBLE_COMMANDS as readonly string[]).includes(name)) throw new ReportInputError('schema', `${label}: command.0: '${name}' does not write a results folder (expected one of ${REPRODUCIBLE_COMMANDS.join(', ')})`);
    const original = loadReportInput(dirname(path));
    const outFlag = flags.str('out');
    // The re-run goes to a fresh folder in the system's temporary directory, removed whatever
    // happens (finally); --out keeps it instead.
    const dir = outFlag ? resolve(io.cwd, outFlag) : mkdtempSync(join(tmpdir(), 'pph-reproduce-'));
    try {
      const argvAgain = withOut(folderCommand(manifest.command, original), dir);
      io.out(`pph reproduce ${label}`);
      io.out(`  re-running: pph ${argvAgain.join(' ')}`);
      for (const note of provenanceNotes(manifest, currentProvenance())) io.out(`  note: ${note}`);
      const { runCli } = await import('../main.js');
      const sub = quietIo(io);
      const code = await runCli(argvAgain, sub);
      if (code !== EXIT_OK && code !== EXIT_FAILED) {
        for (const l of sub.stderr) io.err(l);
        io.err(`pph reproduce: the command of ${label} could not run again (exit ${code})`);
        return EXIT_USAGE;
      }
      const again = loadReportInput(dir);
      const diffs = diffResults(original, again);
      if (diffs.length === 0) {
        io.out(`identical: ${identicalLine(original)}`);
        return EXIT_OK;
      }
      io.out(`DIFFERENT: ${diffs.length} difference${diffs.length === 1 ? '' : 's'}`);
      for (const d of diffs) io.out(`  ${d}`);
      io.out(outFlag ? `re-run kept in ${relative(io.cwd, dir) || dir}` : 're-run removed (pass --out DIR to keep it)');
      return EXIT_FAILED;
    } finally {
      if (!outFlag) rmSync(dir, { recursive: true, force: true });
    }
  },
};
