/**
 * `pph campaign <scenario> [--runs N] [--seed S] [--workers K] [--shard i/n] [--time-limit S]
 * [--out DIR] [--json] [--resume] [--adversary NAME]...`: fast-check draws workload seeds and
 * adversary plans, each run is a simulation, the invariants against the scenario's expectations
 * are the property. Exit 0 when every expectation held and every required mark was reached, 1
 * otherwise, 2 on bad input.
 */
import { parseShardSpec, resolveShard } from '../shard-env.js';
import { relative, resolve } from 'node:path';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { knownAttackers } from '../../adversaries/index.js';
import { isProfile, PROFILES } from '../../model/profile.js';
import type { CampaignSpec } from '../../sim/campaign.js';
import { runCampaign } from '../campaign/pool.js';
import { SEARCH_MODES, type SearchMode } from '../../sim/guided.js';
import { campaignLines, progressLine } from '../campaign/text.js';
import { verdictJson } from '../../reports/verdict.js';
import { wallClockIso, Stopwatch } from '../../bench/stopwatch.js';
import { parseFlags, UsageError, type CliIo, type Command } from '../io.js';
import { openResultsDir } from '../results-dir.js';

/** Exit code of a campaign stopped before its last run (SIGINT, --time-limit): 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130;

const USAGE = [
  'pph campaign <scenario> [--runs N] [--seed S] [--workers K] [--shard i/n] [--time-limit S]',
  '             [--out DIR] [--json] [--resume] [--adversary NAME]... [--shrink-runs N]',
  '',
  '  scenario         a YAML file or a built-in name; its `adversaries` and `expect` are used',
  '  --runs N         runs to draw (default 50)',
  '  --seed S         campaign seed (default 1): run i depends only on (S, i)',
  '  --workers K      worker threads (default 1); results are identical for any K',
  '  --shard i/n      run only the runs j with j mod n = i-1 (merge shards with pph merge); default from',
  '                   PPH_SHARD, a Kubernetes Indexed Job (JOB_COMPLETION_INDEX of JOB_COMPLETIONS) or a CI',
  '                   matrix (CI_NODE_INDEX/CI_NODE_TOTAL, CIRCLE_NODE_*, BUILDKITE_PARALLEL_JOB*)',
  '  --time-limit S   stop starting runs after S seconds (finished runs are kept)',
  '  --out DIR        write runs.jsonl, campaign.json, replay-*.json and the reports (default',
  '                   pph-results/campaign-<scenario>-<profile>-<adversaries>-seed-<S>[-shard-i-of-n])',
  '  --resume         keep the finished runs of DIR/runs.jsonl and run the rest (refused when the',
  '                   folder holds another configuration: seed, profile, adversary, scenario, runs)',
  '  --force          DIR is not empty: remove what pph campaign wrote there and start again',
  '  --adversary A    attack with A instead of the scenario\'s adversaries (repeatable)',
  '  --profile P      run the scenario under profile P (pp, pcc or a mutant such as pp-no-spent-record)',
  '  --shrink-runs N  runs fast-check may spend shrinking one counterexample (default 40)',
  '  --search MODE    random (default): every run drawn independently from (S, i); guided: keep the',
  '                   inputs that reached a new transition or mark and mutate them (docs/coverage.md;',
  '                   deterministic per seed and for any --workers, not with --shard)',
  '  --json           print campaign.json on stdout',
  '',
  'example: pph campaign scenarios/campaign-relay.yaml --runs 40 --workers 2',
  'exit: 0 every run matched its expectations and every required mark was hit, 1 otherwise, 2 bad input',
  '      (also: DIR locked by another campaign, not empty, not writable), 130 interrupted (SIGINT or',
  '      --time-limit before the last run: the finished runs are kept, --resume continues)',
].join('\n');

export function parseShard(raw: string | undefined): { index: number; count: number } | null {
  return raw === undefined ? null : parseShardSpec(raw, '--shard');
}

/** `--search`: random (default) or guided (sim/guided.ts). */
export function parseSearch(raw: string | undefined): SearchMode {
  if (raw === undefined) return 'random';
  if (!(SEARCH_MODES as readonly string[]).includes(raw)) throw new UsageError(`--search: unknown mode '${raw}' (one of: ${SEARCH_MODES.join(', ')})`);
  return raw as SearchMode;
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
      force: { type: 'boolean' },
      adversary: { type: 'string', multiple: true },
      'shrink-runs': { type: 'string' },
      profile: { type: 'string' },
      search: { type: 'string' },
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
    const search = parseSearch(flags.str('search'));
    if (search === 'guided') cs.search = search;
    const workers = flags.int('workers', 1, 1, 64);
    const { shard, source: shardSource } = resolveShard(flags.str('shard'), io.env);
    if (shard && cs.search === 'guided') throw new UsageError(`--search guided: runs depend on earlier runs of the same campaign, so it cannot be split into shards (${shardSource}); use --search random with shards`);
    if (shard && shardSource !== '--shard') io.err(`shard ${shard.index}/${shard.count} (from ${shardSource})`);
    const limitRaw = flags.str('time-limit');
    const timeLimitS = limitRaw === undefined ? null : flags.int('time-limit', 0, 1, 86_400);
    const resume = flags.bool('resume');
    if (resume && flags.bool('force')) throw new UsageError('--resume and --force: choose one (--resume keeps the finished runs, --force removes them)');
    const dir = resolve(io.cwd, flags.str('out') ?? defaultCampaignDir(cs, shard));
    const label = relative(io.cwd, dir) || '.';
    const json = flags.bool('json');
    // Before a single run: the folder exists, is writable, is ours alone, and is empty (or --resume, --force).
    const lock = openResultsDir(dir, { command: 'campaign', commandLine: shellLine(['pph', 'campaign', ...argv]), force: flags.bool('force'), resume, label, notice: (l) => io.err(l) });
    try {
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
          resume,
          stop,
          onRun: json ? undefined : progressReporter(io, watch),
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
      const { writeReports } = await import('../../reports/index.js');
      const reports = await writeReports(dir, { command: ['campaign', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: label });
      const verdict = reports.verdict; // reports/verdict.ts: the exit code, this line, the reports agree
      if (json) io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, ...result.summary, ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
      else {
        if (!result.interrupted) for (const l of campaignLines(result.summary, label, verdict)) io.out(l);
        else io.out(verdict.headline); // INTERRUPTED  campaign …: the same word as the exit code (130) and the reports
        io.out(`report: ${relative(io.cwd, reports.index)}`);
      }
      if (result.interrupted) {
        // Never a PASS: the runs not done prove nothing. On stderr with --json (stdout stays one object).
        const say = json ? (l: string) => io.err(l) : (l: string) => io.out(l);
        const why = stop.requested ? 'SIGINT' : `time limit of ${timeLimitS} s`;
        say(`interrupted: ${result.summary.runs} of ${result.summary.runsPlanned} runs kept (${why}); ${label}/campaign.json is marked incomplete`);
        say(`resume: ${resumeLine(argv, flags.str('out') === undefined ? label : null)}`);
        return EXIT_INTERRUPTED;
      }
      return verdict.exitCode;
    } finally {
      lock.release();
    }
  },
};

/** The default folder of a campaign: one per configuration, so two campaigns never share one. */
export function defaultCampaignDir(cs: CampaignSpec, shard: { index: number; count: number } | null): string {
  const parts = ['campaign', cs.spec.name, cs.spec.profile, cs.attackers.join('+'), 'seed', String(cs.seed)];
  if (cs.search === 'guided') parts.push('guided');
  if (shard) parts.push('shard', String(shard.index), 'of', String(shard.count));
  return `pph-results/${parts.join('-')}`;
}

function shellWord(a: string): string {
  return /^[A-Za-z0-9_./:=+@%,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** The command that continues an interrupted campaign: the same arguments with --resume. */
export function resumeLine(argv: readonly string[], defaultOut: string | null): string {
  const words = ['pph', 'campaign', ...argv.filter((a) => a !== '--resume' && a !== '--force')];
  if (defaultOut !== null) words.push('--out', defaultOut);
  return shellLine([...words, '--resume']);
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
