/**
 * `summary.md` of any results folder: the outcome first, then one Markdown table per kind of
 * result (run verdicts, campaign invariants, the threat matrix per profile, mutants, bench,
 * metadata), then the reproduce lines. Tables are plain GitHub Markdown: every row has the
 * header's column count and cells never contain a raw `|` or newline.
 */
import { join } from 'node:path';
import { scenarioFromObject } from '../scenarios/index.js';
import type { ReportInput } from './report-input.js';
import type { Manifest } from './schemas.js';
import { derivedOptions } from './run-text.js';
import { reportOutcome } from './outcome.js';
import { STATUS_WORD, campaignMissingMarks, pooledLines, exploreReplayLine, exploreReproduceLine, matrixMutantProfiles } from './verdict.js';
import { campaignRows } from './html-campaign.js';
import { cellStatus, matrixCounts } from './html-matrix.js';
import { benchOverGate } from './html-bench.js';
import { BENCH_RATIO_TO_FLOOR_MAX } from './junit.js';
import { runReproduceLine } from './html-run.js';
import { chartNumber } from './charts.js';
import { coverageMarkdown, matrixCoverageMarkdown, modelCoverageMarkdown } from './coverage.js';

/** A Markdown table cell: one line, `|` escaped. */
export function mdCell(s: string | number): string {
  return String(s).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** A Markdown table; every row is padded or cut to the header's column count. */
export function mdTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const line = (cells: readonly (string | number)[]) => `| ${head.map((_, k) => mdCell(cells[k] ?? '')).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)];
}

function runPart(run: NonNullable<ReportInput['run']>): string[] {
  const r = run.result;
  const out = [`## Run ${r.scenario}`, '', `- seed: \`${r.seed}\``, `- scenario hash: \`${r.scenarioHash}\``, `- trace hash: \`${r.traceHash}\``];
  if (r.scenarioContent) {
    try {
      out.push(`- options: ${derivedOptions(scenarioFromObject(r.scenarioContent, 'result.json scenarioContent'))}`);
    } catch {
      // An old or foreign scenarioContent: the options line is a courtesy, the hashes identify the run.
    }
  }
  const s = r.stats;
  out.push(`- requests: ${s.ok} answered, ${s.errors} errors, ${s.blocked} kept on device, ${s.unfinished} unfinished`, '');
  const rows = Object.entries(r.verdicts).map(([id, v]) => [
    id,
    v.holds ? 'holds' : 'VIOLATED',
    v.expected,
    v.ok ? 'yes' : '**no**',
    [...v.proof].sort((a, b) => a.event - b.event).slice(0, 3).map((p) => `#${p.event}: ${p.why}`).join('; '),
  ]);
  out.push(...mdTable(['invariant', 'verdict', 'expected', 'matches', 'proof'], rows), '', `Reproduce: \`${runReproduceLine(run)}\``, '');
  return out;
}

function campaignPart(c: NonNullable<ReportInput['campaign']>, dirLabel: string): string[] {
  const k = c.campaign;
  const out = [`## Campaign ${k.scenario} (profile ${k.profile})`, '', `- seed: \`${k.seed}\`, runs: ${k.runs}, ${k.runsPerSec.toFixed(1)} runs/s, shrink steps: ${k.shrinkSteps}`, `- scenario hash: \`${k.scenarioHash}\``, ''];
  const rows = campaignRows(c).map((r) => [r.invariant, r.expected, `${r.violatingRuns} of ${k.runs}${r.pooled.map((t) => `; pooled ${t.k} of ${t.n}${t.violated ? ' **violated**' : ''}`).join('')}`, r.firstViolation ?? '-', r.expected === r.observed ? 'yes' : '**no**', r.replays.join(', ') || '-']);
  out.push(...mdTable(['invariant', 'expected', 'violating runs', 'first violation', 'as expected', 'replay'], rows), '');
  const pooled = campaignRows(c).flatMap((r) => r.pooled.map((t) => ({ inv: r.invariant, t })));
  if (pooled.length) {
    out.push('Campaign-level tests (pooled over every run; violated when the lower bound exceeds f/N):', '');
    out.push(...mdTable(['invariant', 'adversary', 'n', 'k', 'share', `lower bound`, 'f/N', 'α', 'P[X ≥ k]', 'result'], pooled.map(({ inv, t }) => [inv, t.adversary, String(t.n), String(t.k), t.share.toFixed(3), t.lower.toFixed(3), `${t.f}/${t.N}`, String(t.alpha), t.pValue.toExponential(2), t.violated ? '**violated**' : 'holds'])), '');
    for (const { t } of pooled) out.push('```', ...pooledLines(t), '```', '');
  }
  const missing = campaignMissingMarks(c);
  const required = k.requiredMarks ?? {};
  if (Object.keys(required).length > 0) {
    out.push(...mdTable(['required coverage mark', 'hits', 'reached'], Object.entries(required).map(([m, n]) => [`\`${m}\``, n, missing.includes(m) ? '**no**' : n > 0 ? 'yes' : 'no (not required on this profile)'])), '');
  }
  const zero = [...new Set([...Object.entries(k.marks).filter(([, n]) => n === 0).map(([m]) => m), ...missing])];
  if (zero.length > 0) out.push(`Coverage marks never hit: ${zero.map((m) => `\`${m}\``).join(', ')}`, '');
  if (k.coverage) out.push(...coverageMarkdown(`Transition coverage (${k.search ?? 'random'} search, profile ${k.profile})`, k.coverage));
  for (const r of k.replays) out.push(`- ${r.invariant}: \`pph replay ${join(dirLabel, r.file)}\``);
  if (k.replays.length > 0) out.push('');
  return out;
}

const MATRIX_MARK = { held: '✓', violated: '✗ (expected)', unexpected: '**!**' } as const;

function matrixPart(m: NonNullable<ReportInput['matrix']>, dirLabel: string): string[] {
  const n = matrixCounts(m);
  const mutantProfiles = matrixMutantProfiles(m);
  const baselineCells = m.cells.filter((c) => !mutantProfiles.has(c.profile)).length;
  const out = [
    `## Threat matrix`,
    '',
    `- seed: \`${m.seed}\`, runs per baseline cell: ${m.runs}${m.killRounds !== undefined ? `, kill rounds per mutant: ${m.killRounds}` : ''}${m.totals ? `, runs in all: ${m.totals.runs}` : ''}`,
    `- ${baselineCells} baseline cells: ${n.held} held, ${n.violated} violated as expected, ${n.unexpected} not as expected`,
    '',
    'Legend: ✓ held as expected, ✗ violated as expected, **!** not as expected, · not run. Mutant profiles are in the mutant table: their kill is the expected result.',
    '',
  ];
  for (const profile of m.profiles.filter((p) => !mutantProfiles.has(p))) {
    const cells = m.cells.filter((c) => c.profile === profile);
    const invariants = m.invariants.filter((i) => cells.some((c) => c.invariant === i));
    const adversaries = m.adversaries.filter((a) => cells.some((c) => c.adversary === a));
    const rows = adversaries.map((a) => [a, ...invariants.map((i) => {
      const c = cells.find((x) => x.adversary === a && x.invariant === i);
      return c ? MATRIX_MARK[cellStatus(c)] : '·';
    })]);
    out.push(`### profile ${profile}`, '', ...mdTable(['adversary', ...invariants], rows), '');
  }
  if (m.mutants.length > 0) {
    out.push('### Mutants', '', ...mdTable(['mutant', 'killed', 'by', 'runs to kill', 'replay'], m.mutants.map((x) => [x.profile, x.killed ? 'yes' : x.survivorReason ? `no (a listed survivor: ${x.survivorReason.split('.')[0]})` : '**no**', x.by ?? '-', x.runsToKill ?? '-', x.replay ? `\`pph replay ${join(dirLabel, x.replay)}\`` : '-'])), '');
  }
  if (m.coverage) out.push(...matrixCoverageMarkdown(m.coverage));
  const unexpected = m.cells.filter((c) => !mutantProfiles.has(c.profile) && cellStatus(c) === 'unexpected');
  for (const c of unexpected) out.push(`- unexpected: ${c.invariant} under ${c.adversary} (${c.profile}): ${c.replay ? `\`pph replay ${join(dirLabel, c.replay)}\`` : 'no replay file'}`);
  if (unexpected.length > 0) out.push('');
  return out;
}

function benchPart(b: NonNullable<ReportInput['bench']>): string[] {
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const out = ['## Bench', '', `- machine: ${b.machine.cpu ?? '?'}, ${b.machine.cores ?? '?'} cores, node ${b.machine.node ?? '?'}; floor ${b.floorUs === null ? '-' : `${chartNumber(b.floorUs)} µs`}`, ''];
  if (b.hotPath) {
    const over = new Set(benchOverGate(b));
    out.push(
      ...mdTable(
        ['runner', 'mean µs', 'paired: request µs', 'paired: floor µs', '× floor (paired)', `goal ≤ ${BENCH_RATIO_TO_FLOOR_MAX}×`],
        Object.entries(b.hotPath).map(([k, h]) => [k, f(h.meanUs), f(h.paired?.meanUs ?? null), f(h.paired?.floorUs ?? null), h.ratioToFloor === null ? '-' : h.ratioToFloor.toFixed(2), h.ratioToFloor === null ? '-' : over.has(k) ? 'missed' : 'met']),
      ),
      '',
    );
  }
  if (b.goals && Object.keys(b.goals).length > 0) {
    out.push(...mdTable(['goal', 'value', 'target', 'result'], Object.entries(b.goals).map(([k, g]) => [k, g.value === null ? '-' : chartNumber(g.value), g.goal, g.met === null ? 'not measured' : g.met ? 'met' : 'missed (reported, not a failure)'])), '');
  }
  out.push(...mdTable(['suite', 'mean µs', 'p99 µs', 'samples', 'rme %'], Object.entries(b.suites).map(([k, s]) => [k, f(s.meanUs), f(s.p99Us), s.samples ?? '-', s.rme === null ? '-' : s.rme.toFixed(2)])), '');
  return out;
}

function metadataPart(m: NonNullable<ReportInput['metadata']>): string[] {
  const rows = m.curves.flatMap((c) => c.points.map((p) => [c.defence, chartNumber(p.x), p.accuracy.toFixed(3), p.chance.toFixed(3), p.latencyMs.toFixed(1)]));
  return ['## Metadata correlation', '', ...mdTable(['defence', m.xLabel ?? 'x', 'accuracy', 'chance', 'latency ms'], rows), ''];
}

function explorePart(e: NonNullable<ReportInput['explore']>, dirLabel: string): string[] {
  const f = e.file;
  const out = [
    `## Exploration ${f.scenario} (profile ${f.profile})`,
    '',
    `- engine: ${f.engine}, breadth-first (a counterexample is a shortest one); world: ${f.world.nodes} nodes, ${f.world.users} users, ${f.world.requests} requests, ≤ ${f.world.maxAttacks} attacker actions`,
    `- bounds: depth ≤ ${f.bounds.depth}, ≤ ${f.bounds.maxStates} states per adversary; searched: ${f.states} states, ${f.transitions} transitions, depth ${f.depthReached} reached`,
    `- invariants checked in every state: ${f.invariants.join(', ')}`,
    '',
  ];
  const rows = f.perAdversary.map((a) => [
    a.adversary,
    a.states,
    a.transitions,
    a.depthReached,
    a.counterexample ? `**${a.counterexample.invariants.join(', ')} violated at depth ${a.counterexample.depth}**` : a.exhausted ? 'no violation (every behaviour ended)' : a.truncated ? 'no violation (state bound reached)' : 'no violation',
  ]);
  out.push(...mdTable(['adversary', 'states', 'transitions', 'depth', 'result'], rows), '');
  if (f.modelCoverage) out.push(...modelCoverageMarkdown(`Model-rule coverage (symbolic engine, profile ${f.profile})`, f.modelCoverage));
  if (f.coverage) out.push(...coverageMarkdown(`Transition coverage (concrete engine: every simulator run of the exploration, profile ${f.profile})`, f.coverage));
  const cx = f.counterexample;
  if (cx) {
    out.push(`### Shortest counterexample: ${cx.invariants.join(', ')} at depth ${cx.depth} by ${cx.adversary}`, '', ...cx.actions.map((a, k) => `${k + 1}. ${a.replace(/[\r\n]+/g, ' ')}`), '');
    if (f.confirmation?.confirmed) out.push(`Confirmed concretely (real crypto) on world seed ${f.confirmation.seed} (${f.confirmation.seedsTried} seed(s) tried), plan \`${JSON.stringify(f.confirmation.plan)}\`.`, '');
    else if (f.discrepancy) out.push(`**Model discrepancy**: ${mdCell(f.discrepancy.reason)}`, '');
    else out.push('Not confirmed concretely (`--no-confirm`).', '');
    const replay = exploreReplayLine(e, dirLabel);
    if (replay) out.push(`Replay: \`${replay}\``, '');
    if (f.confirmationCoverage) out.push(...coverageMarkdown(`Transition coverage of the confirmation (the counterexample's concrete runs, ${f.confirmation?.seedsTried ?? 0} seed(s))`, f.confirmationCoverage, '####'));
  }
  out.push(`Reproduce: \`${exploreReproduceLine(f)}\``, '');
  return out;
}

/**
 * `summary.md` text of a results folder.
 *
 * @example
 * writeFileSync('results/summary.md', summaryMarkdown(loadReportInput('results'), { dirLabel: 'results', manifest: null }));
 */
export function summaryMarkdown(input: ReportInput, opts: { dirLabel: string; manifest: Manifest | null }): string {
  const { verdict } = reportOutcome(input, opts.dirLabel);
  const out = [`# ${verdict.title}`, '', `**${STATUS_WORD[verdict.status]}**: ${mdCell(verdict.headline.replace(/^[A-Z]+ {2}/, ''))}`, ''];
  if (verdict.reasons.length > 0) out.push(...verdict.reasons.map((r) => `- ${mdCell(r)}`), '');
  if (verdict.facts.length > 0) out.push(...verdict.facts.map((f) => `- ${mdCell(f)}`), '');
  if (input.matrix) out.push(...matrixPart(input.matrix, opts.dirLabel));
  if (input.campaign) out.push(...campaignPart(input.campaign, opts.dirLabel));
  if (input.run) out.push(...runPart(input.run));
  if (input.bench) out.push(...benchPart(input.bench));
  if (input.metadata) out.push(...metadataPart(input.metadata));
  if (input.explore) out.push(...explorePart(input.explore, opts.dirLabel));
  out.push('## Files', '', '- `index.html`: the report with sequence, state and chart diagrams (opens offline)', '- `junit.xml`: one test case per invariant, cell, mutant, bench gate or adversary explored', '- `manifest.json`: versions, seeds, scenario hashes, command line');
  if (opts.manifest?.command) out.push('', `Re-run and compare: \`pph reproduce ${join(opts.dirLabel, 'manifest.json')}\` (command: \`pph ${opts.manifest.command.join(' ')}\`)`);
  out.push('');
  return out.join('\n');
}
