/**
 * `pph campaign <scenario> [--runs N] [--seed S] [--workers K] [--shard i/n] [--time-limit S]
 * [--out DIR] [--json] [--resume] [--adversary NAME]...`: fast-check draws workload seeds and
 * adversary plans, each run is a simulation, the invariants against the scenario's expectations
 * are the property. Exit 0 when every expectation held and every required mark was reached, 1
 * otherwise, 2 on bad input.
 */
import { relative, resolve } from 'node:path';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { knownAttackers } from '../../adversaries/index.js';
import { isProfile, PROFILES } from '../../model/profile.js';
import type { CampaignSpec, CampaignSummary } from '../../sim/campaign.js';
import { runCampaign } from '../campaign/pool.js';
import { campaignLines, progressLine } from '../campaign/text.js';
import { wallClockIso, Stopwatch } from '../../bench/stopwatch.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph campaign <scenario> [--runs N] [--seed S] [--workers K] [--shard i/n] [--time-limit S]',
  '             [--out DIR] [--json] [--resume] [--adversary NAME]... [--shrink-runs N]',
  '',
  '  scenario         a YAML file or a built-in name; its `adversaries` and `expect` are used',
  '  --runs N         runs to draw (default 50)',
  '  --seed S         campaign seed (default 1): run i depends only on (S, i)',
  '  --workers K      worker threads (default 1); results are identical for any K',
  '  --shard i/n      run only the runs j with j mod n = i-1 (merge shards with pph merge)',
  '  --time-limit S   stop starting runs after S seconds (finished runs are kept)',
  '  --out DIR        write runs.jsonl, campaign.json, replay-*.json and the reports',
  '                   (default pph-results/campaign-<scenario>)',
  '  --resume         keep the finished runs of DIR/runs.jsonl and run the rest',
  '  --adversary A    attack with A instead of the scenario\'s adversaries (repeatable)',
  '  --profile P      run the scenario under profile P (pp, pcc or a mutant such as pp-no-spent-record)',
  '  --shrink-runs N  runs fast-check may spend shrinking one counterexample (default 40)',
  '  --json           print campaign.json on stdout',
  '',
  'example: pph campaign scenarios/campaign-relay.yaml --runs 40 --workers 2',
  'exit: 0 every run matched its expectations and every required mark was hit, 1 otherwise, 2 bad input',
].join('\n');

export function parseShard(raw: string | undefined): { index: number; count: number } | null {
  if (raw === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard expects i/n with 1 ≤ i ≤ n, got '${raw}'`);
  return { index, count };
}

export function checkAttackers(names: readonly string[]): void {
  const known = knownAttackers();
  for (const n of names) if (!known.includes(n)) throw new UsageError(`unknown adversary '${n}' (known: ${known.join(', ')})`);
}

export const command: Command = {
  name: 'campaign',
  summary: 'property-based campaign: adversary plans drawn by fast-check, shrunk counterexamples, replay files',
  usage: USAGE,
  async run(argv, io) {
    const startedAt = wallClockIso();
    const watch = new Stopwatch();
    const flags = parseFlags(argv, {
      runs: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
      'time-limit': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      resume: { type: 'boolean' },
      adversary: { type: 'string', multiple: true },
      'shrink-runs': { type: 'string' },
      profile: { type: 'string' },
    });
    if (flags.positionals.length !== 1) throw new UsageError('expected one scenario');
    const path = resolveScenarioPath(flags.positionals[0]!, io.cwd);
    const loaded = loadScenario(path);
    const profile = flags.str('profile');
    if (profile !== undefined && !isProfile(profile)) throw new UsageError(`--profile: unknown profile '${profile}' (one of: ${PROFILES.join(', ')})`);
    const scenario = profile === undefined ? loaded : { ...loaded, profile };
    const attackers = flags.strs('adversary').length ? flags.strs('adversary') : [...(scenario.adversaries ?? [])];
    if (attackers.length === 0) throw new UsageError(`${relative(io.cwd, path)}: adversaries: the scenario names no adversary (add one, or pass --adversary)`);
    checkAttackers(attackers);
    const cs: CampaignSpec = {
      spec: scenario,
      attackers,
      expect: { ...scenario.expect },
      seed: flags.int('seed', 1, 0, 2 ** 31 - 1),
      runs: flags.int('runs', 50, 1, 1_000_000),
      shrinkRuns: flags.int('shrink-runs', 40, 0, 10_000),
    };
    const workers = flags.int('workers', 1, 1, 64);
    const shard = parseShard(flags.str('shard'));
    const limitRaw = flags.str('time-limit');
    const timeLimitS = limitRaw === undefined ? null : flags.int('time-limit', 0, 1, 86_400);
    const dir = resolve(io.cwd, flags.str('out') ?? `pph-results/campaign-${scenario.name}`);
    const json = flags.bool('json');
    const stop = { requested: false };
    const onSigint = () => {
      stop.requested = true;
      io.err('interrupted: finishing the runs in progress, keeping every finished run');
    };
    process.once('SIGINT', onSigint);
    let result;
    try {
      result = await runCampaign(cs, {
        workers,
        shard,
        timeLimitS,
        outDir: dir,
        resume: flags.bool('resume'),
        stop,
        onRun: json ? undefined : progressReporter(io, watch),
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const { writeReports } = await import('../../reports/index.js');
    const label = relative(io.cwd, dir) || '.';
    const reports = await writeReports(dir, { command: ['campaign', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: label });
    if (json) io.out(JSON.stringify(result.summary));
    else {
      for (const l of campaignLines(result.summary, label)) io.out(l);
      if (result.interrupted) io.out(`stopped early (${stop.requested ? 'interrupted' : 'time limit'}): ${result.summary.runs} of ${result.summary.runsPlanned} runs kept; --resume continues`);
      io.out(`report: ${relative(io.cwd, reports.index)}`);
    }
    return exitFor(result.summary);
  },
};

function exitFor(s: CampaignSummary): number {
  return s.ok ? EXIT_OK : EXIT_FAILED;
}

/** A progress line per run: rewritten in place on a TTY, one plain line every 10% otherwise. */
function progressReporter(io: CliIo, watch: Stopwatch) {
  let violations = 0;
  let lastDecile = -1;
  return (line: { ok: boolean }, done: number, total: number) => {
    if (!line.ok) violations++;
    const text = progressLine(done, total, watch.elapsedMs(), violations);
    if (io.isTTY) {
      process.stderr.write(`\r${text}${done === total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((done / total) * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      io.err(text);
    }
  };
}
