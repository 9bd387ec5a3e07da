/**
 * The one verdict of a results folder. Every output that says "pass" or "fail" comes from
 * {@link decideVerdict}: the exit code of the command, its PASS/FAIL line, the band of
 * `index.html`, the first lines of `summary.md`, the test cases and failure count of `junit.xml`
 * and the `ok` field of `--json`. The rules, per folder kind (docs/verdicts.md):
 *
 * - run: every invariant's verdict matches its expectation, and the answered share of sent
 *   requests meets `expect.answered` (default `> 0`: a run where nothing was answered fails).
 * - campaign (and a merged one): every invariant behaved as expected over the runs, and on a
 *   baseline profile every coverage mark the adversaries must reach was reached. A campaign that
 *   holds fewer runs than it was to (Ctrl-C, `--time-limit`, missing shards) is `interrupted`.
 * - matrix: every baseline cell as expected, every mutant killed or a listed survivor. The cells of
 *   a mutant profile are not expectations: the search stops at the kill, which is the desired result.
 * - bench: a measurement. It fails only when a figure is missing or not a number; a missed goal is
 *   a fact in the report, never a failure (benchmarks on a shared machine are not tests).
 * - metadata: a measurement too: it fails only when a curve has no point or a point is out of range.
 * - explore: every adversary searched finds no violation up to the depth bound, and a counterexample
 *   that was run concretely violated its invariant there too (else a model discrepancy, a failure).
 *   A violation found on a mutant is the desired finding and still a failure: the folder reports a violation.
 *
 * Status and exit code: `pass` 0; `fail` 1; `interrupted` 130 (not every run was made: it wins over
 * `fail`, the failed expectations are still listed as reasons and JUnit failures); `error` 2 (the
 * folder is unreadable: {@link verdictOfError}).
 */
import { formatEvent, type TraceEvent } from '../sim/trace.js';
import { DEFAULT_ANSWERED, answeredMeets, parseAnswered, type AnsweredExpectation } from '../scenarios/goodput.js';
import { campaignExpectation, primaryKind, type ReportInput } from './report-input.js';
import type { ExploreFileData, MatrixFile } from './schemas.js';

/** The bench goal for the hot path: at most this multiple of its node:crypto floor (paired). A missed goal is reported, not a failure. */
export const BENCH_RATIO_TO_FLOOR_MAX = 1.5;

export const VERDICT_SCHEMA_VERSION = 1;

export type VerdictStatus = 'pass' | 'fail' | 'interrupted' | 'error';
export type VerdictKind = 'run' | 'campaign' | 'matrix' | 'bench' | 'metadata' | 'explore' | 'start';
export type ExitCode = 0 | 1 | 2 | 130;

/** One expectation of the folder: a JUnit test case. */
export interface Check {
  /** Which JUnit suite it belongs to, e.g. `run`, `campaign`, `matrix:pp`, `matrix:mutants`, `bench`. */
  group: string;
  /** The test case name, e.g. `confidentiality`, `replay x freshness`, `mutant pp-no-k-cap is killed`. */
  name: string;
  ok: boolean;
  /** Why it failed, one line (absent when ok). */
  message?: string;
  /** The failure's body: proof events, seeds, the line that reproduces it. */
  detail?: string[];
  /** A fact worth a line that is not a failure (a bench goal missed, a listed survivor). */
  note?: string;
}

export interface Verdict {
  schemaVersion: typeof VERDICT_SCHEMA_VERSION;
  kind: VerdictKind;
  ok: boolean;
  status: VerdictStatus;
  exitCode: ExitCode;
  /** What the results are, e.g. `pph run default · seed 1`. */
  title: string;
  /** The one line every output starts with, e.g. `PASS  run default · seed 1 · 11/11 verdicts as expected · …`. */
  headline: string;
  /** Why it is not a pass: one line per failed expectation (then the interruption), empty on a pass. */
  reasons: string[];
  /** Facts that are not failures: goodput, missed bench goals, listed survivors. */
  facts: string[];
  counts: { expectations: number; failed: number; passed: number };
  checks: Check[];
}

export const STATUS_WORD: Record<VerdictStatus, string> = { pass: 'PASS', fail: 'FAIL', interrupted: 'INTERRUPTED', error: 'ERROR' };
const EXIT: Record<VerdictStatus, ExitCode> = { pass: 0, fail: 1, interrupted: 130, error: 2 };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The proof events of a verdict as text lines, in the order they happened, each with its trace event when the trace is at hand. */
export function proofLines(proof: readonly { event: number; why: string }[], trace: readonly TraceEvent[] | null | undefined): string[] {
  const out: string[] = [];
  for (const p of [...proof].sort((a, b) => a.event - b.event)) {
    out.push(`event ${p.event}: ${p.why}`);
    const e = trace?.find((x) => x.i === p.event);
    if (e) out.push(`  ${formatEvent(e).trim()}`);
  }
  return out;
}

interface Part {
  checks: Check[];
  /** The kind's clause of the headline, after `PASS  `. */
  summary: string;
  facts: string[];
  /** Runs missing from a campaign: the interruption, or null. */
  interrupted: string | null;
}

// ---------------------------------------------------------------------------------------------- run

/** The goodput expectation of a run folder: the scenario's `expect.answered`, else {@link DEFAULT_ANSWERED}. */
export function runAnsweredExpectation(run: NonNullable<ReportInput['run']>): { expectation: AnsweredExpectation; stated: boolean } {
  const content = run.result.scenarioContent as { expectAnswered?: unknown; expect?: { answered?: unknown } } | undefined;
  const raw = content?.expectAnswered ?? content?.expect?.answered;
  const parsed = raw === undefined ? null : parseAnswered(raw);
  return parsed ? { expectation: parsed, stated: true } : { expectation: DEFAULT_ANSWERED, stated: false };
}

function runPart(run: NonNullable<ReportInput['run']>): Part {
  const r = run.result;
  const reproduce = `reproduce: pph run ${r.scenarioRef ?? r.scenario} --seed ${r.seed}`;
  const checks: Check[] = Object.entries(r.verdicts).map(([id, v]) => {
    const c: Check = { group: 'run', name: id, ok: v.ok };
    if (!v.ok) {
      c.message = v.holds ? `${id} holds, expected a violation` : `${id} VIOLATED, expected to hold`;
      c.detail = [c.message, `seed ${r.seed}  scenario ${r.scenarioHash}  trace ${r.traceHash}`, ...proofLines(v.proof, run.trace), reproduce];
    }
    return c;
  });
  const sent = r.stats.requests - r.stats.blocked;
  const answered = r.stats.ok;
  const { expectation, stated } = runAnsweredExpectation(run);
  const goodput = `${answered}/${sent} sent requests answered`;
  const facts: string[] = [`${goodput}, ${r.stats.errors} explicit errors, ${r.stats.blocked} kept on the device by consent, ${r.stats.unfinished} unfinished`];
  if (sent > 0) {
    const ok = answeredMeets(expectation, { answered, sent });
    const c: Check = { group: 'run', name: `answered ${expectation.text}`, ok };
    if (!ok) {
      const share = (answered / sent).toFixed(3);
      c.message = `${goodput} (share ${share}), expected ${expectation.text}${stated ? '' : ' (the default when the scenario states no expect.answered)'}`;
      c.detail = [c.message, `seed ${r.seed}  scenario ${r.scenarioHash}  trace ${r.traceHash}`, reproduce];
    }
    checks.push(c);
  } else facts.push('no request was sent (every request was kept on the device), so goodput is not checked');
  const invOk = checks.filter((c) => c.name !== `answered ${expectation.text}`);
  const held = invOk.filter((c) => c.ok).length;
  const adversaries = (r as { adversaries?: string[] }).adversaries ?? [];
  const against = adversaries.length ? ` · against ${adversaries.join(' + ')}` : '';
  return {
    checks,
    summary: `run ${r.scenario} · seed ${r.seed}${against} · ${held}/${invOk.length} verdicts as expected · ${goodput} (expected ${expectation.text}) · trace ${r.traceHash.slice(0, 16)}`,
    facts,
    interrupted: null,
  };
}

// ----------------------------------------------------------------------------------------- campaign

const BASELINE_PROFILES = new Set(['pp', 'pcc']);

/** The required marks that stayed at zero where they count (baseline profiles). */
export function campaignMissingMarks(c: NonNullable<ReportInput['campaign']>): string[] {
  const k = c.campaign;
  if (k.missingMarks) return [...k.missingMarks];
  if (!k.requiredMarks || !BASELINE_PROFILES.has(k.profile)) return [];
  return Object.entries(k.requiredMarks).filter(([, n]) => n === 0).map(([m]) => m);
}

/** What the verdict reads of a pooled test (campaign.json `pooled`, matrix cells' `pooled`). */
export interface PooledTestView {
  adversary: string;
  n: number;
  k: number;
  share: number;
  lower: number;
  bound: number;
  f: number;
  N: number;
  alpha: number;
  pValue: number;
  violated: boolean;
  why: string;
  proof: { run: number; seed: number; traceHash: string; user: string; n: number; k: number; targetEvent: number; landed: number[] }[];
}

/** The proof of a pooled test, one line per run: a reader re-runs the run and checks the events. */
export function pooledLines(t: PooledTestView, max = 12): string[] {
  const lines = [`pooled ${t.violated ? 'VIOLATED' : 'holds'}: ${t.why}`];
  for (const p of t.proof.slice(0, max)) lines.push(`  run ${p.run} (world seed ${p.seed}, trace ${p.traceHash.slice(0, 16)}): ${p.user} ${p.k} of ${p.n} routed to its nodes; target fact at event ${p.targetEvent}${p.landed.length ? `, routed facts at events ${p.landed.join(', ')}` : ''}`);
  if (t.proof.length > max) lines.push(`  … ${t.proof.length - max} more runs (campaign.json pooled.proof)`);
  return lines;
}

/** The pooled (campaign-level) tests of one invariant of a campaign folder (none for most). */
export function campaignPooled(c: NonNullable<ReportInput['campaign']>, invariant: string): PooledTestView[] {
  return (c.campaign.pooled?.[invariant] ?? []) as PooledTestView[];
}

/** What a campaign observed of an invariant: violated when some run violated it or a pooled test did. */
export function campaignObserved(c: NonNullable<ReportInput['campaign']>, invariant: string): 'holds' | 'violated' {
  return (c.campaign.violations[invariant] ?? 0) > 0 || campaignPooled(c, invariant).some((t) => t.violated) ? 'violated' : 'holds';
}

function campaignPart(c: NonNullable<ReportInput['campaign']>, dirLabel: string): Part {
  const k = c.campaign;
  const checks: Check[] = Object.entries(k.violations).map(([inv, count]) => {
    const expected = campaignExpectation(c, inv);
    const pooled = campaignPooled(c, inv);
    const pooledBad = pooled.filter((t) => t.violated);
    const observed = campaignObserved(c, inv);
    const ch: Check = { group: 'campaign', name: inv, ok: observed === expected };
    if (pooled.length && ch.ok) ch.note = pooled.map((t) => `pooled: ${t.why}`).join('; ');
    if (!ch.ok) {
      const where = [count > 0 ? `in ${count} of ${k.runs} runs` : '', pooledBad.length ? `by the pooled test over ${k.runs} runs` : ''].filter(Boolean).join(' and ');
      ch.message = observed === 'violated' ? `${inv} VIOLATED ${where}, expected to hold` : `${inv} held in all ${k.runs} runs${pooled.length ? ' and in the pooled test' : ''}, expected a violation (the adversary never reached it)`;
      const body = [ch.message, `seed ${k.seed}  scenario ${k.scenarioHash}  profile ${k.profile}`];
      for (const t of pooled) body.push(...pooledLines(t));
      if (k.firstViolation[inv] !== undefined) body.push(`first violation: run ${k.firstViolation[inv]}`);
      for (const entry of c.replays.filter((r) => r.replay?.verdicts[inv] && !r.replay.verdicts[inv]!.holds)) body.push(...proofLines(entry.replay!.verdicts[inv]!.proof, entry.replay!.trace));
      for (const r of k.replays.filter((x) => x.invariant === inv)) body.push(`reproduce: pph replay ${dirLabel === '.' ? '' : `${dirLabel}/`}${r.file}`);
      ch.detail = body;
    }
    return ch;
  });
  const missing = new Set(campaignMissingMarks(c));
  const required = k.requiredMarks ?? {};
  const baseline = BASELINE_PROFILES.has(k.profile);
  for (const [mark, hits] of Object.entries(required)) {
    if (!baseline) continue;
    const ch: Check = { group: 'campaign', name: `coverage mark ${mark} reached`, ok: !missing.has(mark) };
    if (!ch.ok) {
      ch.message = `coverage mark ${mark} stayed at ${hits}: the adversary never reached that defence (an attack that never reaches the defence proves nothing)`;
      ch.detail = [ch.message, `seed ${k.seed}  scenario ${k.scenarioHash}  profile ${k.profile}  runs ${k.runs}`, `reproduce: pph campaign ${k.scenario} --runs ${k.runsPlanned ?? k.runs} --seed ${k.seed} (more runs reach more branches)`];
    }
    checks.push(ch);
  }
  for (const mark of missing) {
    if (mark in required) continue;
    checks.push({ group: 'campaign', name: `coverage mark ${mark} reached`, ok: false, message: `coverage mark ${mark} stayed at 0: the adversary never reached that defence` });
  }
  const facts: string[] = [];
  if (!baseline && Object.keys(required).length > 0) facts.push(`coverage marks are required on the baseline profiles only (profile ${k.profile} switches a defence off)`);
  const planned = k.runsPlanned ?? k.runsTotal ?? k.runs;
  const incomplete = k.complete === false || k.runs < planned;
  const interrupted = incomplete ? `interrupted: ${k.runs} of ${planned} runs kept (pph campaign --resume continues)` : null;
  const invChecks = checks.filter((x) => !x.name.startsWith('coverage mark '));
  const markChecks = checks.filter((x) => x.name.startsWith('coverage mark '));
  const attackers = k.attackers?.length ? ` · ${k.attackers.join(' + ')}` : '';
  const marks = markChecks.length ? ` · ${markChecks.filter((x) => x.ok).length}/${markChecks.length} required marks reached` : '';
  return {
    checks,
    summary: `campaign ${k.scenario} · profile ${k.profile}${attackers} · seed ${k.seed} · ${k.runs}/${planned} runs · ${invChecks.filter((x) => x.ok).length}/${invChecks.length} invariants as expected${marks}`,
    facts,
    interrupted,
  };
}

// ------------------------------------------------------------------------------------------- matrix

/** The profiles of a matrix that are mutants (one defence switched off). */
export function matrixMutantProfiles(m: MatrixFile): Set<string> {
  return new Set(m.mutants.map((x) => x.profile));
}

/** Runs one baseline cell had, and runs the mutant search spent in total. */
export function matrixRunCounts(m: MatrixFile): { perCell: number; total: number | null } {
  return { perCell: m.runs, total: m.totals?.runs ?? null };
}

function matrixPart(m: MatrixFile, replays: ReportInput['matrixReplays'], dirLabel: string): Part {
  const replayOf = (file: string | null) => (file === null ? null : (replays ?? []).find((r) => r.file === file)?.replay ?? null);
  const mutantProfiles = matrixMutantProfiles(m);
  const at = (f: string) => (dirLabel === '.' ? f : `${dirLabel}/${f}`);
  const checks: Check[] = [];
  for (const c of m.cells) {
    if (mutantProfiles.has(c.profile)) continue;
    const ch: Check = { group: `matrix:${c.profile}`, name: `${c.adversary} x ${c.invariant}`, ok: c.observed === c.expected };
    if (!ch.ok) {
      ch.message = `${c.invariant} under ${c.adversary} on ${c.profile}: ${c.observed === 'violated' ? 'VIOLATED, expected to hold' : 'held, expected a violation'} (${c.runs} runs)`;
      const body = [ch.message];
      for (const t of ((c as { pooled?: PooledTestView[] }).pooled ?? [])) body.push(...pooledLines(t));
      const replay = replayOf(c.replay);
      const verdict = replay?.verdicts[c.invariant];
      if (replay && verdict) body.push(`seed ${replay.seed}  scenario ${replay.scenarioHash}  trace ${replay.traceHash}`, ...proofLines(verdict.proof, replay.trace as TraceEvent[] | undefined));
      body.push(c.replay ? `reproduce: pph replay ${at(c.replay)}` : `reproduce: pph matrix --profiles ${c.profile} --adversaries ${c.adversary} --runs ${m.runs} --seed ${m.seed}`);
      ch.detail = body;
    }
    checks.push(ch);
  }
  const facts: string[] = [];
  for (const mu of m.mutants) {
    const baseline = mu.baselineViolation ?? null;
    const ok = mu.killed || baseline !== null || (mu.survivorReason ?? null) !== null;
    const ch: Check = { group: 'matrix:mutants', name: `mutant ${mu.profile} is killed`, ok };
    if (mu.killed) ch.note = `killed by ${mu.by ?? '?'}${mu.invariant ? ` (${mu.invariant})` : ''} after ${mu.runsToKill ?? '?'} runs`;
    else if (baseline) {
      ch.note = `caught without an adversary: baseline violation of ${baseline.invariant}${baseline.replay ? ` (pph replay ${at(baseline.replay)})` : ''}`;
      facts.push(`mutant ${mu.profile} breaks ${baseline.invariant} with no adversary acting (a baseline violation)`);
    } else if (ok) {
      ch.note = `survived, a listed survivor: ${mu.survivorReason}`;
      facts.push(`mutant ${mu.profile} survived as listed: ${mu.survivorReason!.split('.')[0]}`);
    } else {
      ch.message = `mutant ${mu.profile} survived ${m.killRounds ?? m.runs} kill rounds: no invariant caught it (a hole in the harness)`;
      ch.detail = [ch.message, `reproduce: pph matrix --profiles ${mu.profile} --kill-rounds ${m.killRounds ?? m.runs} --seed ${m.seed}`];
    }
    if (mu.killed && mu.replay) ch.detail = [`reproduce: pph replay ${at(mu.replay)}`];
    const pooledKill = ((mu as { killedBy?: { pooled?: { active: PooledTestView; passive: PooledTestView } } | null }).killedBy ?? (mu.baselineViolation as { pooled?: { active: PooledTestView; passive: PooledTestView } } | null))?.pooled;
    if (pooledKill) {
      // A kill by the campaign-level test: no single run shows it; the proof is the runs, and the
      // same test on their passive re-runs (no adversary acting).
      ch.note = `${ch.note ?? ''}${ch.note ? '; ' : ''}by the pooled test over ${pooledKill.active.proof.length} runs`;
      ch.detail = [...pooledLines(pooledKill.active), `passive re-runs (same world seeds, no adversary): ${pooledKill.passive.why}`, `reproduce: pph matrix --profiles ${mu.profile} --adversaries ${pooledKill.active.adversary} --kill-rounds ${m.killRounds ?? m.runs} --seed ${m.seed}`];
    }
    checks.push(ch);
  }
  const cellChecks = checks.filter((c) => c.group !== 'matrix:mutants');
  const mutantChecks = checks.filter((c) => c.group === 'matrix:mutants');
  const baselines = m.profiles.filter((p) => !mutantProfiles.has(p));
  const killed = m.mutants.filter((x) => x.killed).length;
  const runs = m.totals?.runs !== undefined ? ` · ${m.totals.runs} runs` : '';
  const mutants = mutantChecks.length ? ` · mutants ${killed}/${m.mutants.length} killed${mutantChecks.filter((c) => c.ok).length > killed ? ` (${mutantChecks.filter((c) => c.ok).length - killed} listed survivor${mutantChecks.filter((c) => c.ok).length - killed === 1 ? '' : 's'})` : ''}` : '';
  return {
    checks,
    summary: `threat matrix · ${plural(m.adversaries.length, 'attacker')} · ${plural(baselines.length, 'baseline profile')} · ${plural(m.mutants.length, 'mutant')}${runs} · ${cellChecks.filter((c) => c.ok).length}/${cellChecks.length} cells as expected${mutants}`,
    facts,
    interrupted: null,
  };
}

// -------------------------------------------------------------------------------------------- bench

const finitePositive = (v: number | null | undefined) => typeof v === 'number' && Number.isFinite(v) && v > 0;

function benchPart(b: NonNullable<ReportInput['bench']>): Part {
  const checks: Check[] = [];
  for (const [name, s] of Object.entries(b.suites)) {
    const ok = finitePositive(s.meanUs);
    checks.push({ group: 'bench', name: `${name} measured`, ok, ...(ok ? {} : { message: `${name}: no valid measurement (mean ${s.meanUs} µs)` }) });
  }
  const facts: string[] = [];
  let met = 0;
  let missed = 0;
  for (const [runner, h] of Object.entries(b.hotPath ?? {})) {
    const ok = finitePositive(h.meanUs) && (h.ratioToFloor === null || finitePositive(h.ratioToFloor));
    const c: Check = { group: 'bench', name: `hot path on ${runner} measured`, ok, ...(ok ? {} : { message: `hot path on ${runner}: no valid measurement` }) };
    if (ok && h.ratioToFloor !== null) {
      // The ratio is paired: request and floor alternating in one loop. Quote the paired pair, never the unpaired mean.
      const p = h.paired;
      const pair = p ? `${p.meanUs.toFixed(1)} µs against a floor of ${p.floorUs.toFixed(1)} µs measured with it${p.rounds !== undefined ? ` over ${p.rounds} paired rounds` : ''}` : 'paired with the floor';
      const within = h.ratioToFloor <= BENCH_RATIO_TO_FLOOR_MAX;
      c.note = `${runner}: ${h.ratioToFloor.toFixed(2)}× the floor (${pair}); goal ≤ ${BENCH_RATIO_TO_FLOOR_MAX}×: ${within ? 'met' : 'missed (reported, not a failure)'}`;
      if (!b.goals) {
        if (within) met++;
        else {
          missed++;
          facts.push(`goal missed: ${runner} at ${h.ratioToFloor.toFixed(2)}× the floor, paired (goal ≤ ${BENCH_RATIO_TO_FLOOR_MAX}×)`);
        }
      }
    }
    checks.push(c);
  }
  for (const [name, g] of Object.entries(b.goals ?? {})) {
    if (g.met === null) continue;
    if (g.met) met++;
    else {
      missed++;
      facts.push(`goal missed: ${name} ${g.value === null ? '-' : g.value} (goal ${g.goal})`);
    }
  }
  const goals = met + missed > 0 ? ` · goals ${met} met, ${missed} missed (a missed goal is reported, not a failure)` : '';
  return { checks, summary: `bench · ${checks.filter((c) => c.ok).length}/${checks.length} figures measured${goals}`, facts, interrupted: null };
}

// ----------------------------------------------------------------------------------------- metadata

function metadataPart(m: NonNullable<ReportInput['metadata']>): Part {
  const inUnit = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  const checks: Check[] = m.curves.map((c) => {
    const bad = c.points.find((p) => !inUnit(p.accuracy) || !inUnit(p.chance) || !(Number.isFinite(p.latencyMs) && p.latencyMs >= 0));
    const ok = c.points.length > 0 && bad === undefined;
    const ch: Check = { group: 'metadata', name: `${c.defence} measured`, ok };
    if (!ok) ch.message = c.points.length === 0 ? `${c.defence}: the curve has no point` : `${c.defence}: point x=${bad!.x} out of range (accuracy ${bad!.accuracy}, chance ${bad!.chance}, latency ${bad!.latencyMs} ms)`;
    return ch;
  });
  if (checks.length === 0) checks.push({ group: 'metadata', name: 'curves measured', ok: false, message: 'metadata.json holds no curve' });
  const facts: string[] = [];
  for (const c of m.curves) {
    const last = c.points[c.points.length - 1];
    if (last) facts.push(`${c.defence}: accuracy ${(last.accuracy * 100).toFixed(2)}% against chance ${(last.chance * 100).toFixed(2)}% at x=${last.x}, ${last.latencyMs.toFixed(1)} ms added`);
  }
  const points = m.curves.reduce((a, c) => a + c.points.length, 0);
  const seed = m.seed !== undefined ? ` · seed ${m.seed}` : '';
  const requests = m.requests !== undefined ? ` · ${m.requests} requests` : '';
  return { checks, summary: `metadata correlation${seed}${requests} · ${plural(m.curves.length, 'defence curve')} · ${points} points · ${checks.filter((c) => c.ok).length}/${checks.length} curves measured`, facts, interrupted: null };
}

// ------------------------------------------------------------------------------------------ explore

/** The line that runs the same exploration again, for one adversary or all the file searched. */
export function exploreReproduceLine(f: ExploreFileData, adversary?: string): string {
  const advs = adversary === undefined ? f.adversaries : [adversary];
  return [
    `pph explore ${f.scenarioRef ?? f.scenario}${f.engine === 'concrete' ? ' --engine concrete' : ''} --profile ${f.profile}`,
    ...advs.map((a) => `--adversary ${a}`),
    `--depth ${f.bounds.depth} --max-states ${f.bounds.maxStates} --requests ${f.world.requests} --attacks ${f.world.maxAttacks}`,
  ].join(' ');
}

/** The replay line of an exploration's confirmed counterexample, or null. */
export function exploreReplayLine(e: NonNullable<ReportInput['explore']>, dirLabel: string): string | null {
  if (!e.replay) return null;
  return `pph replay ${dirLabel === '.' ? '' : `${dirLabel}/`}${e.replay.file}`;
}

function explorePart(e: NonNullable<ReportInput['explore']>, dirLabel: string): Part {
  const f = e.file;
  const cx = f.counterexample;
  const replayLine = exploreReplayLine(e, dirLabel);
  const facts: string[] = [];
  const checks: Check[] = f.perAdversary.map((a) => {
    const c: Check = { group: 'explore', name: a.adversary, ok: a.counterexample === null };
    const reached = a.exhausted ? 'every behaviour ended' : a.truncated ? `state bound ${f.bounds.maxStates} reached at depth ${a.depthReached}` : `depth ${a.depthReached} reached`;
    if (a.counterexample === null) {
      c.note = `no violation up to depth ${f.bounds.depth}: ${a.states} states, ${reached}`;
      if (a.truncated) facts.push(`${a.adversary}: the state bound (${f.bounds.maxStates}) stopped the search at depth ${a.depthReached}, short of ${f.bounds.depth}: no violation up to depth ${a.depthReached} only`);
      return c;
    }
    const inv = a.counterexample.invariants.join(', ');
    c.message = `${inv} VIOLATED at depth ${a.counterexample.depth} by ${a.adversary} on ${f.profile} (${a.states} states searched)`;
    const body = [c.message];
    if (cx && cx.adversary === a.adversary) {
      body.push(`shortest counterexample, ${cx.actions.length} transitions:`, ...cx.actions.map((x, k) => `  ${k + 1}. ${x}`));
      if (f.confirmation?.confirmed) body.push(`confirmed concretely (real crypto) on world seed ${f.confirmation.seed}, plan ${JSON.stringify(f.confirmation.plan)}`);
      else if (f.discrepancy) body.push(`NOT confirmed concretely: ${f.discrepancy.reason}`);
      else body.push('not confirmed concretely (--no-confirm)');
      if (replayLine) body.push(`replay: ${replayLine}`);
    } else body.push('(a longer counterexample than the shortest one of the exploration: run this adversary alone to see it)');
    body.push(`reproduce: ${exploreReproduceLine(f, a.adversary)}`);
    c.detail = body;
    return c;
  });
  if (f.confirmation || f.discrepancy) {
    const ok = f.discrepancy === null && f.confirmation?.confirmed === true;
    const c: Check = { group: 'explore', name: 'counterexample confirmed concretely', ok };
    if (ok) c.note = `confirmed on world seed ${f.confirmation!.seed} (${f.confirmation!.seedsTried} seed(s) tried)`;
    else {
      c.message = `MODEL DISCREPANCY: ${f.discrepancy?.reason ?? 'the counterexample did not violate its invariant in the real simulator'}`;
      c.detail = [c.message, ...(f.discrepancy?.concrete ?? f.confirmation?.concrete ?? []).map((x) => `seed ${x.seed}: concrete run violated ${x.violated.length ? x.violated.join(', ') : 'nothing'}`), `plan tried: ${JSON.stringify(f.confirmation?.plan ?? null)}`, `reproduce: ${exploreReproduceLine(f, cx?.adversary)}`];
    }
    checks.push(c);
  } else if (cx) facts.push('the counterexample was not run concretely (--no-confirm)');
  const clean = checks.filter((c) => c.group === 'explore' && c.name !== 'counterexample confirmed concretely' && c.ok).length;
  const found = cx ? ` · shortest counterexample: ${cx.invariants.join(', ')} at depth ${cx.depth} by ${cx.adversary}${f.discrepancy ? ' (MODEL DISCREPANCY)' : f.confirmation?.confirmed ? ' (confirmed)' : ''}` : '';
  return {
    checks,
    summary: `explore ${f.scenario} · profile ${f.profile} · ${f.engine} · depth ≤ ${f.bounds.depth} · ${f.states} states · ${clean}/${f.perAdversary.length} adversaries without a violation${found}`,
    facts,
    interrupted: null,
  };
}

// ----------------------------------------------------------------------------------------- decision

function titleOf(input: ReportInput): string {
  switch (primaryKind(input)) {
    case 'run':
      return `pph run ${input.run!.result.scenario} · seed ${input.run!.result.seed}`;
    case 'campaign': {
      const k = input.campaign!.campaign;
      return `pph campaign ${k.scenario} · profile ${k.profile} · seed ${k.seed} · ${k.runs} runs`;
    }
    case 'matrix': {
      const m = input.matrix!;
      return `pph matrix · seed ${m.seed} · ${plural(m.runs, 'run')} per baseline cell${m.killRounds !== undefined ? ` · ${m.killRounds} kill rounds` : ''}`;
    }
    case 'bench':
      return 'pph bench';
    case 'metadata':
      return 'pph metadata';
    case 'explore': {
      const f = input.explore!.file;
      return `pph explore ${f.scenario} · profile ${f.profile} · depth ≤ ${f.bounds.depth}`;
    }
    default:
      return 'pph results';
  }
}

function assemble(kind: VerdictKind, title: string, parts: Part[]): Verdict {
  const checks = parts.flatMap((p) => p.checks);
  const failed = checks.filter((c) => !c.ok);
  const interruptions = parts.map((p) => p.interrupted).filter((x): x is string => x !== null);
  // An interruption wins: the runs not made prove nothing either way, and the exit code (130) says so.
  const status: VerdictStatus = interruptions.length > 0 ? 'interrupted' : failed.length > 0 ? 'fail' : 'pass';
  const reasons = [...failed.map((c) => c.message ?? `${c.name} failed`), ...interruptions];
  const word = STATUS_WORD[status];
  const tail = failed.length > 0 ? ` · ${plural(failed.length, 'expectation')} failed` : '';
  const interruptedTail = interruptions.length ? ` · ${interruptions[0]}` : '';
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    kind,
    ok: status === 'pass',
    status,
    exitCode: EXIT[status],
    title,
    headline: `${word}  ${parts.map((p) => p.summary).join(' | ')}${tail}${interruptedTail}`,
    reasons,
    facts: parts.flatMap((p) => p.facts),
    counts: { expectations: checks.length, failed: failed.length, passed: checks.length - failed.length },
    checks,
  };
}

export interface VerdictOptions {
  /** How the folder is named in reproduce lines (default `input.dir`). */
  dirLabel?: string;
}

/**
 * The verdict of a results folder (or of results held in memory in the same shape).
 *
 * @example
 * const v = decideVerdict(loadReportInput('pph-results/matrix'));
 * console.log(v.headline); process.exitCode = v.exitCode;
 */
export function decideVerdict(input: ReportInput, opts: VerdictOptions = {}): Verdict {
  const dirLabel = opts.dirLabel ?? input.dir;
  const parts: Part[] = [];
  if (input.matrix) parts.push(matrixPart(input.matrix, input.matrixReplays, dirLabel));
  if (input.campaign) parts.push(campaignPart(input.campaign, dirLabel));
  if (input.run) parts.push(runPart(input.run));
  if (input.bench) parts.push(benchPart(input.bench));
  if (input.metadata) parts.push(metadataPart(input.metadata));
  if (input.explore) parts.push(explorePart(input.explore, dirLabel));
  const kind = (primaryKind(input) ?? 'run') as VerdictKind;
  if (parts.length === 0) return verdictOfError(kind, `${input.dir}: no results`);
  return assemble(kind, titleOf(input), parts);
}

/** The verdict of a folder that could not be read (exit 2). */
export function verdictOfError(kind: VerdictKind, message: string): Verdict {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    kind,
    ok: false,
    status: 'error',
    exitCode: 2,
    title: `pph ${kind}`,
    headline: `ERROR  ${message}`,
    reasons: [message],
    facts: [],
    counts: { expectations: 0, failed: 0, passed: 0 },
    checks: [],
  };
}

/** Several folders' verdicts as one (`pph start`: the run and the matrix): the worst status wins. */
export function combineVerdicts(kind: VerdictKind, title: string, verdicts: readonly Verdict[]): Verdict {
  // The same order as decideVerdict: an interruption outranks a failure (the runs not made prove nothing).
  const rank: Record<VerdictStatus, number> = { pass: 0, fail: 1, interrupted: 2, error: 3 };
  const status = verdicts.reduce<VerdictStatus>((s, v) => (rank[v.status] > rank[s] ? v.status : s), 'pass');
  const checks = verdicts.flatMap((v) => v.checks);
  const failed = checks.filter((c) => !c.ok).length;
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    kind,
    ok: status === 'pass',
    status,
    exitCode: EXIT[status],
    title,
    headline: `${STATUS_WORD[status]}  ${verdicts.map((v) => v.headline.replace(/^[A-Z]+ {2}/, '')).join(' | ')}`,
    reasons: verdicts.flatMap((v) => v.reasons),
    facts: verdicts.flatMap((v) => v.facts),
    counts: { expectations: checks.length, failed, passed: checks.length - failed },
    checks,
  };
}

/** The verdict without its checks, as `--json` outputs carry it. */
export function verdictJson(v: Verdict): Omit<Verdict, 'checks'> {
  const { checks: _checks, ...rest } = v;
  return rest;
}
