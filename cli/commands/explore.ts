/**
 * `pph explore <scenario> [--profile P] [--adversary A]... [--depth N] [--max-states S]
 * [--workers K] [--out DIR] [--force] [--json] [--no-confirm]` (issue 12): bounded exhaustive exploration of
 * the symbolic model (sim/explore/), breadth-first, so a counterexample is a shortest one; then
 * its concrete confirmation with real crypto and a replay file. docs/explore.md.
 *
 * The results folder is a first-class one (issue 11): explore.json, the replay file, and the
 * reports (index.html, summary.md, junit.xml, manifest.json), all saying the folder's one verdict
 * (reports/verdict.ts), which is also the PASS/FAIL line, the exit code and `--json`'s `ok`.
 *
 * Exit: 0 no violation up to the depth; 1 a violation was found (on a mutant that is the desired
 * result, and still exit 1: the command reports a violation) or it did not confirm concretely (a
 * model discrepancy); 2 usage or an unusable --out.
 */
import { join, relative, resolve } from 'node:path';
import { loadScenario, resolveScenarioPath, scenarioHash } from '../../scenarios/index.js';
import { isProfile, PROFILES } from '../../model/profile.js';
import { SYMBOLIC_ADVERSARIES, type SymbolicAdversary } from '../../sim/explore/model.js';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { Stopwatch, wallClockIso } from '../../bench/stopwatch.js';
import { decideVerdict, verdictJson, type Verdict } from '../../reports/verdict.js';
import type { ExploreFileData } from '../../reports/schemas.js';
import { openResultsDir } from '../results-dir.js';
import { adversariesFor, runExplore, type ExploreFile } from '../explore/run-explore.js';
import { CONCRETE_ADVERSARIES } from '../explore/concrete.js';
import { parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph explore <scenario> [--engine symbolic|concrete] [--profile P] [--adversary A]... [--depth N] [--max-states S] [--requests R] [--attacks N] [--seed S] [--workers K] [--out DIR] [--force] [--json] [--no-confirm]',
  '',
  '  bounded exhaustive exploration of the symbolic model (messages as terms, Dolev-Yao attacker',
  '  knowledge), breadth-first: the first counterexample is a shortest one; it is then confirmed in',
  '  the real simulator with real crypto and written as a replay file (pph replay <file>: exit 1)',
  '  --profile P      pp, pcc or a mutant (default: the scenario\'s)',
  `  --adversary A    one of ${SYMBOLIC_ADVERSARIES.join(', ')} (repeatable; default: every one for the profile)`,
  '  --depth N        deepest level explored, in transitions (default 48; concrete: 16)',
  '  --max-states S   stop each adversary\'s search after S distinct states (default 2000000)',
  '  --requests R     requests in the symbolic world, 1-3 (default: the scenario\'s, at most 2)',
  '  --attacks N      attacker actions per behaviour, 0-4 (default 2)',
  '  --workers K      worker threads, one adversary per job (default 1)',
  '  --out DIR        results folder (default pph-results/explore-<scenario>-<profile>): explore.json, replay-explore-*.json,',
  '                   index.html, summary.md, junit.xml (one test case per adversary), manifest.json',
  '  --force          DIR is not empty: replace what pph explore wrote there (other files stay)',
  '  --no-confirm     skip the concrete confirmation',
  '  --engine E       symbolic (default) or concrete: breadth-first over the real simulator (real crypto),',
  `                   each state reached by re-running a choice prefix from the seed; drives ${CONCRETE_ADVERSARIES.join(', ')}; far slower`,
  '  --seed S         world seed of the concrete engine (default 1)',
  '  --json           print explore.json with the verdict (ok, status, verdict)',
  'exit: 0 no violation up to the depth, 1 a violation (or a model discrepancy), 2 usage or an unusable --out',
  '',
  'example: pph explore scenarios/matrix.yaml --profile pp-no-spent-record',
].join('\n');

export const command: Command = {
  name: 'explore',
  summary: 'bounded exhaustive exploration (symbolic, breadth-first): shortest counterexample, confirmed with real crypto',
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const flags = parseFlags(argv, {
      profile: { type: 'string' },
      adversary: { type: 'string', multiple: true },
      depth: { type: 'string' },
      'max-states': { type: 'string' },
      requests: { type: 'string' },
      attacks: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
      'no-confirm': { type: 'boolean' },
      engine: { type: 'string' },
      seed: { type: 'string' },
    });
    if (flags.positionals.length !== 1) throw new UsageError('expected one scenario');
    const path = resolveScenarioPath(flags.positionals[0]!, io.cwd);
    const loaded = loadScenario(path);
    const profile = flags.str('profile');
    if (profile !== undefined && !isProfile(profile)) throw new UsageError(`--profile: unknown profile '${profile}' (one of: ${PROFILES.join(', ')})`);
    const spec = profile === undefined ? loaded : { ...loaded, profile };
    const engine = flags.str('engine') ?? 'symbolic';
    if (engine !== 'symbolic' && engine !== 'concrete') throw new UsageError(`--engine: expected symbolic or concrete, got '${engine}'`);
    const applicable = engine === 'concrete' ? adversariesFor(spec.profile).filter((a) => (CONCRETE_ADVERSARIES as string[]).includes(a)) : adversariesFor(spec.profile);
    const named = flags.strs('adversary');
    for (const a of named) {
      if (!(SYMBOLIC_ADVERSARIES as readonly string[]).includes(a)) throw new UsageError(`--adversary: '${a}' has no symbolic model (one of: ${SYMBOLIC_ADVERSARIES.join(', ')})`);
      if (engine === 'concrete' && !(CONCRETE_ADVERSARIES as string[]).includes(a)) throw new UsageError(`--adversary: the concrete engine drives ${CONCRETE_ADVERSARIES.join(', ')}, not '${a}'`);
      if (!applicable.includes(a as SymbolicAdversary)) throw new UsageError(`--adversary: '${a}' does not act on profile ${spec.profile}`);
    }
    const adversaries = named.length ? (named as SymbolicAdversary[]) : applicable;
    const depth = flags.int('depth', engine === 'concrete' ? 16 : 48, 1, 200);
    const seed = flags.int('seed', 1, 0, 2 ** 32 - 1);
    const maxStates = flags.int('max-states', 2_000_000, 1, 16_000_000);
    const workers = flags.int('workers', 1, 1, 64);
    const requests = flags.str('requests') === undefined ? undefined : flags.int('requests', 2, 1, 3);
    const attacks = flags.int('attacks', 2, 0, 4);
    const dir = resolve(io.cwd, flags.str('out') ?? `pph-results/explore-${spec.name}-${spec.profile}`);
    const label = relative(io.cwd, dir) || '.';
    // Before any work: the folder is writable, ours alone, and empty (or --force).
    const lock = openResultsDir(dir, { command: 'explore', commandLine: ['pph', 'explore', ...argv].join(' '), force: flags.bool('force'), label, notice: (l) => io.err(l) });
    try {
      const watch = new Stopwatch();
      const startedAt = wallClockIso();
      const { file, replay } = await runExplore({ spec, adversaries, bounds: { depth, maxStates }, workers, requests, attacks, confirm: !flags.bool('no-confirm'), engine, seed }, () => watch.elapsedMs());
      file.scenarioRef = flags.positionals[0]!;
      file.scenarioHash = scenarioHash(spec);
      let replayName: string | null = null;
      if (replay && file.counterexample) {
        replayName = `replay-explore-${spec.profile}-${file.counterexample.adversary}-${file.counterexample.invariants[0]}.json`;
        writeFileAtomic(join(dir, replayName), `${JSON.stringify(replay, null, 1)}\n`);
        file.replay = join(label, replayName);
      }
      writeFileAtomic(join(dir, 'explore.json'), `${JSON.stringify(file, null, 1)}\n`);
      // The one verdict (reports/verdict.ts): the line printed, the exit code, --json's ok and every report.
      let verdict: Verdict = decideVerdict({ dir, explore: { file: file as unknown as ExploreFileData, replay: replayName ? { file: replayName, replay: null } : null } }, { dirLabel: label });
      let index: string | null = null;
      try {
        const { writeReports } = await import('../../reports/index.js');
        const written = await writeReports(dir, { command: ['explore', ...argv], wallMs: Math.round(watch.elapsedMs()), startedAt, dirLabel: label });
        verdict = written.verdict;
        index = written.index;
      } catch (e) {
        io.err(`pph explore: explore.json is written, the reports are not: ${(e as Error).message}`);
      }
      if (flags.bool('json')) {
        io.out(JSON.stringify({ ...file, schemaVersion: verdict.schemaVersion, kind: 'explore', ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
        return verdict.exitCode;
      }
      for (const l of exploreLines(file, label, verdict)) io.out(l);
      if (index) io.out(`report: ${relative(io.cwd, index) || index}`);
      return verdict.exitCode;
    } finally {
      lock.release();
    }
  },
};

/** The human summary of an exploration: the verdict's headline (and reasons) first. */
export function exploreLines(f: ExploreFile, label: string, verdict: Verdict): string[] {
  const out: string[] = [verdict.headline, ...verdict.reasons.map((r) => `  ${r}`)];
  out.push(`world: ${f.world.nodes} nodes, ${f.world.users} users, ${f.world.requests} requests, ≤ ${f.world.maxAttacks} attacker actions`);
  out.push(`states ${f.states} · transitions ${f.transitions} · depth ${f.depthReached} · ${f.statesPerMinute} states/min · ${(f.wallMs / 1000).toFixed(1)} s · ${f.workers} worker(s)`);
  out.push('adversary             states  transitions  depth  result');
  for (const a of f.perAdversary) {
    const res = a.counterexample ? `${a.counterexample.invariants.join(', ')} violated at depth ${a.counterexample.depth}` : a.exhausted ? 'no violation (every behaviour ended)' : a.truncated ? 'no violation (state bound reached)' : 'no violation';
    out.push(`${a.adversary.padEnd(20)} ${String(a.states).padStart(8)} ${String(a.transitions).padStart(12)} ${String(a.depthReached).padStart(6)}  ${res}`);
  }
  if (f.modelCoverage) out.push(`model rules reached: ${f.modelCoverage.rules.reached} of ${f.modelCoverage.rules.total} (${f.modelCoverage.parties.map((p) => `${p.party} ${p.reached}/${p.total}`).join(', ')}); never reached: see summary.md`);
  if (f.coverage) out.push(`machine transitions reached: ${f.coverage.transitions.reached} of ${f.coverage.transitions.total} (${f.coverage.machines.map((m) => `${m.machine} ${m.reached}/${m.total}`).join(', ')}); never reached: see summary.md`);
  if (!f.counterexample) {
    out.push(`no violation of ${f.invariants.join(', ')} up to depth ${f.bounds.depth} (${f.states} states)`);
    return out;
  }
  const c = f.counterexample;
  out.push(`shortest counterexample: ${c.invariants.join(', ')} at depth ${c.depth} by ${c.adversary}`);
  for (const a of c.actions) out.push(`  ${a}`);
  if (f.confirmation?.confirmed) {
    out.push(`confirmed concretely (real crypto) on world seed ${f.confirmation.seed} (${f.confirmation.seedsTried} seed(s) tried), plan ${JSON.stringify(f.confirmation.plan)}`);
    out.push(`replay: pph replay ${f.replay}`);
  } else if (f.discrepancy) {
    out.push(`MODEL DISCREPANCY: ${f.discrepancy.reason}`);
    for (const c2 of f.discrepancy.concrete) out.push(`  seed ${c2.seed}: concrete run violated ${c2.violated.length ? c2.violated.join(', ') : 'nothing'}`);
    out.push(`plan tried: ${JSON.stringify(f.confirmation?.plan)}`);
  } else out.push('not confirmed (--no-confirm)');
  out.push(`results: ${label}/{explore.json,index.html,summary.md,junit.xml,manifest.json}`);
  return out;
}
