/**
 * `pph merge <dir>... [--out DIR] [--json]`: merges the output folders of campaign shards (same
 * scenario, adversaries and seed) into one campaign.json identical, in its deterministic part, to
 * the unsharded campaign's; runs.jsonl and the replay files are gathered too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readBytes, readText } from '../files.js';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { openResultsDir } from '../results-dir.js';
import { join, relative, resolve } from 'node:path';
import { wallClockIso } from '../../bench/stopwatch.js';
import { resolveAll, summarise, type CampaignSpec, type CampaignSummary, type Catalogue, type RunLine } from '../../sim/campaign.js';
import * as catalogue from '../../adversaries/index.js';
import { readRunLines } from '../campaign/pool.js';
import { campaignLines } from '../campaign/text.js';
import { parseFlags, UsageError, type Command } from '../io.js';
import { verdictJson } from '../../reports/verdict.js';

const USAGE = [
  'pph merge <shard-dir>... [--out DIR] [--json]',
  '',
  '  merges the folders of `pph campaign --shard i/n` runs into DIR (default: merged)',
  '  --force   DIR is not empty: replace what pph merge wrote there (other files stay)',
  'exit: 0 the merged campaign passed, 1 it did not, 2 the folders do not belong together',
].join('\n');

export const command: Command = {
  name: 'merge',
  summary: 'merge campaign shards',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { out: { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' } });
    if (flags.positionals.length === 0) throw new UsageError('expected at least one shard folder');
    const dirs = flags.positionals.map((d) => resolve(io.cwd, d));
    const summaries: { dir: string; s: CampaignSummary & { spec?: unknown } }[] = [];
    for (const d of dirs) {
      const f = join(d, 'campaign.json');
      if (!existsSync(f)) throw new UsageError(`${relative(io.cwd, f)}: missing (not a campaign folder)`);
      const text = readText(f, 'campaign.json');
      try {
        summaries.push({ dir: d, s: JSON.parse(text) as CampaignSummary });
      } catch {
        throw new UsageError(`${relative(io.cwd, f)}: not JSON`);
      }
    }
    const first = summaries[0]!.s;
    for (const { dir, s } of summaries) {
      for (const key of ['scenarioHash', 'seed', 'runsTotal'] as const) {
        if (JSON.stringify(s[key]) !== JSON.stringify(first[key])) throw new UsageError(`${relative(io.cwd, dir)}/campaign.json: ${key}: differs from the first shard (${JSON.stringify(s[key])} vs ${JSON.stringify(first[key])})`);
      }
      if (s.attackers.join('+') !== first.attackers.join('+')) throw new UsageError(`${relative(io.cwd, dir)}/campaign.json: attackers: differs from the first shard`);
    }
    const lines = new Map<number, RunLine>();
    let spec: CampaignSpec['spec'] | null = null;
    let totalRuns = 0;
    for (const { dir, s } of summaries) {
      for (const l of readRunLines(join(dir, 'runs.jsonl'))) {
        if (lines.has(l.run) && lines.get(l.run)!.traceHash !== l.traceHash) throw new UsageError(`${relative(io.cwd, dir)}/runs.jsonl: run ${l.run}: a different result than another shard's (non-determinism)`);
        lines.set(l.run, l);
      }
      totalRuns = Math.max(totalRuns, s.runsTotal);
      const replay = readdirSync(dir).find((f) => f.startsWith('replay-') && f.endsWith('.json'));
      if (replay && !spec) spec = (JSON.parse(readText(join(dir, replay), 'replay')) as { scenario: CampaignSpec['spec'] }).scenario;
    }
    const specFile = join(dirs[0]!, 'campaign-spec.json');
    if (existsSync(specFile)) spec = (JSON.parse(readText(specFile, 'campaign-spec.json')) as CampaignSpec).spec;
    if (!spec) throw new UsageError(`${relative(io.cwd, dirs[0]!)}: campaign-spec.json: missing (write shards with this version of pph)`);
    const cs: CampaignSpec = { spec, attackers: first.attackers, expect: first.expect, seed: first.seed, runs: totalRuns };
    const merged = summarise(cs, resolveAll(catalogue as Catalogue, first.attackers), [...lines.values()], {
      wallMs: summaries.reduce((a, { s }) => Math.max(a, s.wallMs), 0),
      workers: summaries.reduce((a, { s }) => a + s.workers, 0),
      shards: summaries.flatMap(({ s }) => s.shards),
      planned: totalRuns,
    });
    const out = resolve(io.cwd, flags.str('out') ?? 'merged');
    // The merged folder: writable, ours alone, empty (or --force); then every file written atomically.
    const lock = openResultsDir(out, { command: 'merge', commandLine: ['pph', 'merge', ...argv].join(' '), force: flags.bool('force'), label: relative(io.cwd, out) || '.', notice: (l) => io.err(l) });
    writeFileAtomic(join(out, 'runs.jsonl'), [...lines.values()].sort((a, b) => a.run - b.run).map((l) => JSON.stringify(l) + '\n').join(''));
    writeFileAtomic(join(out, 'campaign-spec.json'), JSON.stringify(cs, null, 1) + '\n');
    for (const d of dirs) for (const f of readdirSync(d)) if (f.startsWith('replay-') && f.endsWith('.json')) writeFileAtomic(join(out, f), readBytes(join(d, f), 'replay'));
    writeFileAtomic(join(out, 'campaign.json'), JSON.stringify(merged, null, 2) + '\n');
    // The full report of the merged campaign: the same HTML, summary, JUnit and manifest as the
    // unsharded campaign's (they render the same campaign.json), apart from wall time.
    const { writeReports } = await import('../../reports/index.js');
    const label = relative(io.cwd, out) || '.';
    let reports;
    try {
      reports = await writeReports(out, { command: unshardedCommand(dirs[0]!, out, argv, io.cwd), wallMs: merged.wallMs, startedAt: wallClockIso(), dirLabel: label });
    } finally {
      lock.release();
    }
    const verdict = reports.verdict; // reports/verdict.ts: the exit code, this line, the reports agree
    if (flags.bool('json')) io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, ...merged, ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
    else {
      for (const l of campaignLines(merged, label, verdict)) io.out(l);
      for (const r of verdict.status === 'interrupted' ? verdict.reasons.filter((x) => x.startsWith('interrupted')) : []) io.out(r);
      io.out(`report: ${relative(io.cwd, reports.index)}`);
    }
    return verdict.exitCode;
  },
};

/**
 * The command the merged folder stands for: the first shard's campaign command without its shard
 * and with the merged folder as --out, so `pph reproduce merged/manifest.json` re-runs the
 * unsharded campaign and compares. Falls back to the merge command when the shard has no manifest.
 */
function unshardedCommand(shardDir: string, out: string, argv: string[], cwd: string): string[] {
  let command: unknown;
  try {
    command = (JSON.parse(readText(join(shardDir, 'manifest.json'), 'manifest')) as { command?: unknown }).command;
  } catch {
    command = null;
  }
  if (!Array.isArray(command) || command[0] !== 'campaign' || !command.every((a) => typeof a === 'string')) return ['merge', ...argv];
  const result: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const a = command[i] as string;
    if (a === '--shard' || a === '--out') {
      i++;
      continue;
    }
    if (a.startsWith('--shard=') || a.startsWith('--out=')) continue;
    result.push(a);
  }
  return [...result, '--out', relative(cwd, out) || '.'];
}
