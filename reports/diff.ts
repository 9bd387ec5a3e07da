/**
 * What differs between two results folders of the same command (`pph reproduce`): trace hashes,
 * verdicts and their proofs, per-run hashes of a campaign, matrix cells and mutants. Wall times,
 * runs per second and bench timings are not results and are ignored.
 */
import { canonicalJson } from '../sim/canonical.js';
import type { ReportInput } from './report-input.js';
import type { Manifest } from './schemas.js';

/** Differences listed at most per section (the count of the rest is given). */
export const DIFF_LINES_MAX = 20;

/** Equal as canonical JSON (key order ignored); `undefined` equals only itself. */
function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

class Differences {
  readonly lines: string[] = [];
  private readonly counts = new Map<string, number>();

  add(section: string, line: string): void {
    const n = (this.counts.get(section) ?? 0) + 1;
    this.counts.set(section, n);
    if (n <= DIFF_LINES_MAX) this.lines.push(`${section}: ${line}`);
    else if (n === DIFF_LINES_MAX + 1) this.lines.push(`${section}: … (more differences not listed)`);
  }

  field(section: string, name: string, a: unknown, b: unknown): void {
    if (!same(a, b)) this.add(section, `${name} was ${show(a)}, now ${show(b)}`);
  }
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function diffRun(d: Differences, a: NonNullable<ReportInput['run']>, b: NonNullable<ReportInput['run']>): void {
  const [x, y] = [a.result, b.result];
  for (const k of ['scenario', 'seed', 'scenarioHash', 'traceHash', 'profile', 'ablations', 'ok', 'stats'] as const) d.field('result.json', k, x[k], y[k]);
  for (const id of new Set([...Object.keys(x.verdicts), ...Object.keys(y.verdicts)])) {
    const [u, v] = [x.verdicts[id], y.verdicts[id]];
    if (!u || !v) d.add('result.json', `verdict ${id} ${u ? 'missing now' : 'is new'}`);
    else for (const k of ['holds', 'expected', 'ok', 'proof', 'measures'] as const) d.field('result.json', `verdicts.${id}.${k}`, u[k], v[k]);
  }
}

function diffCampaign(d: Differences, a: NonNullable<ReportInput['campaign']>, b: NonNullable<ReportInput['campaign']>): void {
  const [x, y] = [a.campaign, b.campaign];
  for (const k of ['scenario', 'scenarioHash', 'profile', 'seed', 'runs', 'violations', 'firstViolation', 'marks', 'shrinkSteps', 'expect'] as const) d.field('campaign.json', k, x[k], y[k]);
  d.field('campaign.json', 'replays', x.replays.map((r) => [r.file, r.invariant, r.runIndex, r.traceHash]), y.replays.map((r) => [r.file, r.invariant, r.runIndex, r.traceHash]));
  if (a.runs && b.runs) {
    if (a.runs.length !== b.runs.length) d.add('runs.jsonl', `${a.runs.length} runs, now ${b.runs.length}`);
    const byRun = new Map(b.runs.map((r) => [r.run, r] as const));
    for (const r of a.runs) {
      const s = byRun.get(r.run);
      if (!s) d.add('runs.jsonl', `run ${r.run} missing now`);
      else if (!same([r.seed, r.traceHash, r.ok, r.violated], [s.seed, s.traceHash, s.ok, s.violated])) d.add('runs.jsonl', `run ${r.run} (seed ${r.seed}) trace ${r.traceHash.slice(0, 16)} violated [${r.violated.join(',')}], now seed ${s.seed} trace ${s.traceHash.slice(0, 16)} violated [${s.violated.join(',')}]`);
    }
  } else if (a.runs || b.runs) {
    d.add('runs.jsonl', a.runs ? 'missing now' : 'is new');
  }
}

function diffMatrix(d: Differences, x: NonNullable<ReportInput['matrix']>, y: NonNullable<ReportInput['matrix']>, a: ReportInput, b: ReportInput): void {
  for (const k of ['runs', 'seed', 'profiles', 'adversaries', 'invariants'] as const) d.field('matrix.json', k, x[k], y[k]);
  const key = (c: { profile: string; adversary: string; invariant: string }) => `${c.profile} ${c.adversary} × ${c.invariant}`;
  const cells = new Map(y.cells.map((c) => [key(c), c] as const));
  for (const c of x.cells) {
    const e = cells.get(key(c));
    if (!e) d.add('matrix.json', `cell ${key(c)} missing now`);
    else if (!same([c.expected, c.observed, c.runs, c.replay], [e.expected, e.observed, e.runs, e.replay])) d.add('matrix.json', `cell ${key(c)} was ${c.observed} (expected ${c.expected}, ${c.runs} runs), now ${e.observed} (expected ${e.expected}, ${e.runs} runs)`);
  }
  for (const c of y.cells) if (!x.cells.some((o) => key(o) === key(c))) d.add('matrix.json', `cell ${key(c)} is new`);
  d.field('matrix.json', 'mutants', x.mutants.map((m) => [m.profile, m.killed, m.by, m.runsToKill]), y.mutants.map((m) => [m.profile, m.killed, m.by, m.runsToKill]));
  const hashes = (i: ReportInput) => new Map((i.matrixReplays ?? []).map((r) => [r.file, r.replay?.traceHash ?? null] as const));
  const [ha, hb] = [hashes(a), hashes(b)];
  for (const [file, h] of ha) if (hb.has(file) && hb.get(file) !== h) d.add(file, `traceHash was ${h}, now ${hb.get(file)}`);
}

function diffBench(d: Differences, x: NonNullable<ReportInput['bench']>, y: NonNullable<ReportInput['bench']>): void {
  // Timings differ run to run by nature: only what was measured is compared.
  d.field('bench.json', 'suites measured', Object.keys(x.suites).sort(), Object.keys(y.suites).sort());
  d.field('bench.json', 'hot path runners', Object.keys(x.hotPath ?? {}).sort(), Object.keys(y.hotPath ?? {}).sort());
}

function diffMetadata(d: Differences, x: NonNullable<ReportInput['metadata']>, y: NonNullable<ReportInput['metadata']>): void {
  const pts = (m: typeof x) => m.curves.map((c) => [c.defence, c.points.map((p) => [p.x, p.accuracy, p.chance])]);
  d.field('metadata.json', 'curves', pts(x), pts(y));
}

function diffExplore(d: Differences, x: NonNullable<ReportInput['explore']>, y: NonNullable<ReportInput['explore']>): void {
  // Wall time, states per minute and the worker count are the machine's; the rest is the search's.
  const part = (e: typeof x) => {
    const { wallMs: _w, statesPerMinute: _s, workers: _k, replay: _r, ...rest } = e.file as Record<string, unknown>;
    const per = Array.isArray(rest.perAdversary) ? (rest.perAdversary as Record<string, unknown>[]).map(({ wallMs: _pw, statesPerMinute: _ps, ...p }) => p) : rest.perAdversary;
    return { ...rest, perAdversary: per };
  };
  d.field('explore.json', 'search', part(x), part(y));
}

/**
 * Lists the differences between the results of two folders, one line each; empty when they are
 * identical in everything but wall-clock figures.
 *
 * @example
 * const diffs = diffResults(loadReportInput(original), loadReportInput(rerun)); // [] when reproduced
 */
export function diffResults(a: ReportInput, b: ReportInput): string[] {
  const d = new Differences();
  for (const kind of ['run', 'campaign', 'matrix', 'bench', 'metadata', 'explore'] as const) {
    if (Boolean(a[kind]) !== Boolean(b[kind])) d.add(kind, a[kind] ? 'present in the original, missing now' : 'missing in the original, present now');
  }
  if (a.run && b.run) diffRun(d, a.run, b.run);
  if (a.campaign && b.campaign) diffCampaign(d, a.campaign, b.campaign);
  if (a.matrix && b.matrix) diffMatrix(d, a.matrix, b.matrix, a, b);
  if (a.bench && b.bench) diffBench(d, a.bench, b.bench);
  if (a.metadata && b.metadata) diffMetadata(d, a.metadata, b.metadata);
  if (a.explore && b.explore) diffExplore(d, a.explore, b.explore);
  return d.lines;
}

/** Where the code reproducing now differs from the code that made the manifest (notes, not differences). */
export function provenanceNotes(m: Manifest, now: { pphVersion: string; gitCommit: string | null; node: string; lockfileSha256: string | null }): string[] {
  const out: string[] = [];
  if (m.pphVersion !== now.pphVersion) out.push(`pph ${m.pphVersion} made the results; this is pph ${now.pphVersion}`);
  if (m.gitCommit && now.gitCommit && m.gitCommit !== now.gitCommit) out.push(`commit ${m.gitCommit.slice(0, 12)} made the results; this checkout is at ${now.gitCommit.slice(0, 12)}`);
  if (m.node !== now.node) out.push(`node ${m.node} made the results; this is node ${now.node}`);
  if (m.lockfileSha256 && now.lockfileSha256 && m.lockfileSha256 !== now.lockfileSha256) out.push('package-lock.json differs from the one that made the results');
  return out;
}
