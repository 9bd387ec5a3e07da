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
import { campaignRows } from './html-campaign.js';
import { cellStatus, matrixCounts } from './html-matrix.js';
import { benchOverGate } from './html-bench.js';
import { runReproduceLine } from './html-run.js';
import { chartNumber } from './charts.js';

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
    v.proof.slice(0, 3).map((p) => `#${p.event}: ${p.why}`).join('; '),
  ]);
  out.push(...mdTable(['invariant', 'verdict', 'expected', 'matches', 'proof'], rows), '', `Reproduce: \`${runReproduceLine(run)}\``, '');
  return out;
}

function campaignPart(c: NonNullable<ReportInput['campaign']>, dirLabel: string): string[] {
  const k = c.campaign;
  const out = [`## Campaign ${k.scenario} (profile ${k.profile})`, '', `- seed: \`${k.seed}\`, runs: ${k.runs}, ${k.runsPerSec.toFixed(1)} runs/s, shrink steps: ${k.shrinkSteps}`, `- scenario hash: \`${k.scenarioHash}\``, ''];
  const rows = campaignRows(c).map((r) => [r.invariant, r.expected, `${r.violatingRuns} of ${k.runs}`, r.firstViolation ?? '-', r.expected === r.observed ? 'yes' : '**no**', r.replays.join(', ') || '-']);
  out.push(...mdTable(['invariant', 'expected', 'violating runs', 'first violation', 'as expected', 'replay'], rows), '');
  const zero = Object.entries(k.marks).filter(([, n]) => n === 0).map(([m]) => m);
  if (zero.length > 0) out.push(`Coverage marks never hit: ${zero.map((m) => `\`${m}\``).join(', ')}`, '');
  for (const r of k.replays) out.push(`- ${r.invariant}: \`pph replay ${join(dirLabel, r.file)}\``);
  if (k.replays.length > 0) out.push('');
  return out;
}

const MATRIX_MARK = { held: '✓', violated: '✗ (expected)', unexpected: '**!**' } as const;

function matrixPart(m: NonNullable<ReportInput['matrix']>, dirLabel: string): string[] {
  const n = matrixCounts(m);
  const out = [`## Threat matrix`, '', `- seed: \`${m.seed}\`, runs per cell: ${m.runs}`, `- ${m.cells.length} cells: ${n.held} held, ${n.violated} violated as expected, ${n.unexpected} unexpected`, '', 'Legend: ✓ held as expected, ✗ violated as expected, **!** unexpected, · not run.', ''];
  for (const profile of m.profiles) {
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
    out.push('### Mutants', '', ...mdTable(['mutant', 'killed', 'by', 'runs to kill', 'replay'], m.mutants.map((x) => [x.profile, x.killed ? 'yes' : '**no**', x.by ?? '-', x.runsToKill ?? '-', x.replay ? `\`pph replay ${join(dirLabel, x.replay)}\`` : '-'])), '');
  }
  const unexpected = m.cells.filter((c) => cellStatus(c) === 'unexpected');
  for (const c of unexpected) out.push(`- unexpected: ${c.invariant} under ${c.adversary} (${c.profile}): ${c.replay ? `\`pph replay ${join(dirLabel, c.replay)}\`` : 'no replay file'}`);
  if (unexpected.length > 0) out.push('');
  return out;
}

function benchPart(b: NonNullable<ReportInput['bench']>): string[] {
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const out = ['## Bench', '', `- machine: ${b.machine.cpu ?? '?'}, ${b.machine.cores ?? '?'} cores, node ${b.machine.node ?? '?'}; floor ${b.floorUs === null ? '-' : `${chartNumber(b.floorUs)} µs`}`, ''];
  if (b.hotPath) {
    const over = new Set(benchOverGate(b));
    out.push(...mdTable(['runner', 'mean µs', '× floor', 'within gate'], Object.entries(b.hotPath).map(([k, h]) => [k, f(h.meanUs), h.ratioToFloor === null ? '-' : h.ratioToFloor.toFixed(2), over.has(k) ? '**no**' : 'yes'])), '');
  }
  out.push(...mdTable(['suite', 'mean µs', 'p99 µs', 'samples', 'rme %'], Object.entries(b.suites).map(([k, s]) => [k, f(s.meanUs), f(s.p99Us), s.samples ?? '-', s.rme === null ? '-' : s.rme.toFixed(2)])), '');
  return out;
}

function metadataPart(m: NonNullable<ReportInput['metadata']>): string[] {
  const rows = m.curves.flatMap((c) => c.points.map((p) => [c.defence, chartNumber(p.x), p.accuracy.toFixed(3), p.chance.toFixed(3), p.latencyMs.toFixed(1)]));
  return ['## Metadata correlation', '', ...mdTable(['defence', m.xLabel ?? 'x', 'accuracy', 'chance', 'latency ms'], rows), ''];
}

/**
 * `summary.md` text of a results folder.
 *
 * @example
 * writeFileSync('results/summary.md', summaryMarkdown(loadReportInput('results'), { dirLabel: 'results', manifest: null }));
 */
export function summaryMarkdown(input: ReportInput, opts: { dirLabel: string; manifest: Manifest | null }): string {
  const outcome = reportOutcome(input);
  const out = [`# ${outcome.title}`, '', ...outcome.lines.map((l) => `**${outcome.ok ? 'PASS' : 'FAIL'}**: ${l}`), ''];
  if (input.matrix) out.push(...matrixPart(input.matrix, opts.dirLabel));
  if (input.campaign) out.push(...campaignPart(input.campaign, opts.dirLabel));
  if (input.run) out.push(...runPart(input.run));
  if (input.bench) out.push(...benchPart(input.bench));
  if (input.metadata) out.push(...metadataPart(input.metadata));
  out.push('## Files', '', '- `index.html`: the report with sequence, state and chart diagrams (opens offline)', '- `junit.xml`: one test case per invariant, cell, mutant or bench gate', '- `manifest.json`: versions, seeds, scenario hashes, command line');
  if (opts.manifest?.command) out.push('', `Re-run and compare: \`pph reproduce ${join(opts.dirLabel, 'manifest.json')}\` (command: \`pph ${opts.manifest.command.join(' ')}\`)`);
  out.push('');
  return out.join('\n');
}
