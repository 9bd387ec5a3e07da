/**
 * `pph merge <dir>... [--out DIR] [--json]`: merges the output folders of campaign shards (same
 * scenario, adversaries and seed) into one campaign.json identical, in its deterministic part, to
 * the unsharded campaign's; runs.jsonl and the replay files are gathered too.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { resolveAll, summarise, type CampaignSpec, type CampaignSummary, type Catalogue, type RunLine } from '../../sim/campaign.js';
import * as catalogue from '../../adversaries/index.js';
import { readRunLines } from '../campaign/pool.js';
import { campaignLines } from '../campaign/text.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type Command } from '../io.js';

const USAGE = [
  'pph merge <shard-dir>... [--out DIR] [--json]',
  '',
  '  merges the folders of `pph campaign --shard i/n` runs into DIR (default: merged)',
  'exit: 0 the merged campaign passed, 1 it did not, 2 the folders do not belong together',
].join('\n');

export const command: Command = {
  name: 'merge',
  summary: 'merge campaign shards',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { out: { type: 'string' }, json: { type: 'boolean' } });
    if (flags.positionals.length === 0) throw new UsageError('expected at least one shard folder');
    const dirs = flags.positionals.map((d) => resolve(io.cwd, d));
    const summaries: { dir: string; s: CampaignSummary & { spec?: unknown } }[] = [];
    for (const d of dirs) {
      const f = join(d, 'campaign.json');
      if (!existsSync(f)) throw new UsageError(`${relative(io.cwd, f)}: missing (not a campaign folder)`);
      try {
        summaries.push({ dir: d, s: JSON.parse(readFileSync(f, 'utf8')) as CampaignSummary });
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
      if (replay && !spec) spec = (JSON.parse(readFileSync(join(dir, replay), 'utf8')) as { scenario: CampaignSpec['spec'] }).scenario;
    }
    const specFile = join(dirs[0]!, 'campaign-spec.json');
    if (existsSync(specFile)) spec = (JSON.parse(readFileSync(specFile, 'utf8')) as CampaignSpec).spec;
    if (!spec) throw new UsageError(`${relative(io.cwd, dirs[0]!)}: campaign-spec.json: missing (write shards with this version of pph)`);
    const cs: CampaignSpec = { spec, attackers: first.attackers, expect: first.expect, seed: first.seed, runs: totalRuns };
    const merged = summarise(cs, resolveAll(catalogue as Catalogue, first.attackers), [...lines.values()], {
      wallMs: summaries.reduce((a, { s }) => Math.max(a, s.wallMs), 0),
      workers: summaries.reduce((a, { s }) => a + s.workers, 0),
      shards: summaries.flatMap(({ s }) => s.shards),
      planned: totalRuns,
    });
    const out = resolve(io.cwd, flags.str('out') ?? 'merged');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'runs.jsonl'), [...lines.values()].sort((a, b) => a.run - b.run).map((l) => JSON.stringify(l) + '\n').join(''));
    writeFileSync(join(out, 'campaign-spec.json'), JSON.stringify(cs, null, 1) + '\n');
    for (const d of dirs) for (const f of readdirSync(d)) if (f.startsWith('replay-') && f.endsWith('.json')) copyFileSync(join(d, f), join(out, f));
    writeFileSync(join(out, 'campaign.json'), JSON.stringify(merged, null, 2) + '\n');
    if (flags.bool('json')) io.out(JSON.stringify(merged));
    else for (const l of campaignLines(merged, relative(io.cwd, out) || '.')) io.out(l);
    return merged.ok ? EXIT_OK : EXIT_FAILED;
  },
};
