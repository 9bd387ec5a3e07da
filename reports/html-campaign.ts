/** The sections of `index.html` for a campaign: per-invariant table, chart, coverage marks, counterexamples. */
import { join } from 'node:path';
import { campaignExpectation, type ReportInput } from './report-input.js';
import { campaignChart } from './charts.js';
import { replayCounterexample } from './html-counterexample.js';
import { anchorId, cmd, esc, table, type Diagrams } from './html-kit.js';
import { campaignMissingMarks, campaignObserved, campaignPooled, pooledLines, type PooledTestView } from './verdict.js';
import { coverageHtml } from './coverage.js';

export type CampaignInput = NonNullable<ReportInput['campaign']>;

/** Counterexample diagrams of a campaign at most. */
export const CAMPAIGN_COUNTEREXAMPLES_MAX = 12;

export interface CampaignRow {
  invariant: string;
  expected: 'holds' | 'violated';
  observed: 'holds' | 'violated';
  violatingRuns: number;
  firstViolation: number | null;
  replays: string[];
  /** The campaign-level tests of this invariant (the pooled non-targetability test). */
  pooled: PooledTestView[];
}

/** One row per checked invariant: what the campaign expected and saw. */
export function campaignRows(c: CampaignInput): CampaignRow[] {
  const k = c.campaign;
  return Object.entries(k.violations).map(([invariant, count]) => ({
    invariant,
    expected: campaignExpectation(c, invariant),
    observed: campaignObserved(c, invariant),
    pooled: campaignPooled(c, invariant),
    violatingRuns: count,
    firstViolation: k.firstViolation[invariant] ?? null,
    replays: k.replays.filter((r) => r.invariant === invariant).map((r) => r.file),
  }));
}

export function campaignMismatches(c: CampaignInput): number {
  return campaignRows(c).filter((r) => r.expected !== r.observed).length;
}

export function campaignVerdictTable(c: CampaignInput): string {
  const rows = campaignRows(c).map((r) => ({
    cls: r.expected === r.observed ? 'ok' : 'fail',
    cells: [
      `<span class="inv">${esc(r.invariant)}</span>`,
      esc(r.expected),
      (r.violatingRuns > 0 ? `<strong>${r.violatingRuns}</strong> of ${c.campaign.runs}` : `0 of ${c.campaign.runs}`) + r.pooled.map((t) => `<br>pooled: ${t.k} of ${t.n} on ${t.f}/${t.N} nodes${t.violated ? ' <strong>violated</strong>' : ''}`).join(''),
      r.firstViolation === null ? '-' : `run ${r.firstViolation}`,
      r.expected === r.observed ? '✓ as expected' : '✗ <strong>unexpected</strong>',
      r.replays.map((f) => `<a href="#${anchorId('cx', f)}">${esc(f)}</a>`).join('<br>') || '-',
    ],
  }));
  return table(['invariant', 'expected', 'violating runs', 'first violation', 'result', 'counterexample'], rows, 'data verdicts');
}

export function campaignSections(d: Diagrams, c: CampaignInput, dirLabel: string): string {
  const k = c.campaign;
  const out: string[] = [];
  const chart = campaignChart(k, c.runs);
  if (chart) out.push(`<section id="chart-campaign"><h2>${esc(chart.title)}</h2>`, d.figure('chart', chart.id, chart.title, chart.source, esc(chart.caption)), '</section>');
  const required = k.requiredMarks ?? {};
  const missing = new Set(campaignMissingMarks(c));
  const all = new Map<string, number>(Object.entries(k.marks));
  for (const [m, n] of Object.entries(required)) if (!all.has(m)) all.set(m, n);
  for (const m of missing) if (!all.has(m)) all.set(m, 0);
  const marks = [...all.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  if (marks.length > 0) {
    const rows = marks.map(([mark, n]) => {
      const req = mark in required || missing.has(mark);
      const hits = req ? (required[mark] ?? n) : n;
      return { cls: missing.has(mark) ? 'fail' : '', cells: [`<code>${esc(mark)}</code>`, String(hits), req ? (missing.has(mark) ? '✗ <strong>required, never reached</strong>' : 'required') : '-'] };
    });
    out.push('<section id="marks"><h2>Coverage marks</h2>', '<p>How often each rejection branch was reached; a required mark at 0 means the campaign never tested that defence (the campaign fails on a baseline profile).</p>', table(['mark', 'hits', 'required'], rows, 'data marks'), '</section>');
  }
  const pooled = Object.keys(k.violations).flatMap((inv) => campaignPooled(c, inv).map((t) => ({ inv, t })));
  if (pooled.length > 0) {
    out.push('<section id="pooled"><h2>Campaign-level tests</h2>', `<p>One exact binomial test over every run of the campaign: k of the n routed requests of the user the adversary chose (its <code>target</code> fact) landed on the f nodes it holds. Violated when the one-sided Clopper–Pearson lower bound of the share at confidence 1 − α exceeds f/N. Each run below can be recomputed from its trace (its world seed and trace hash, the events of its facts).</p>`);
    out.push(table(['invariant', 'adversary', 'n', 'k', 'share', 'lower bound', 'f/N', 'α', 'P[X ≥ k]', 'result'], pooled.map(({ inv, t }) => ({ cls: t.violated ? 'fail' : 'ok', cells: [esc(inv), esc(t.adversary), String(t.n), String(t.k), t.share.toFixed(3), t.lower.toFixed(3), `${t.f}/${t.N} = ${t.bound.toFixed(3)}`, String(t.alpha), t.pValue.toExponential(2), t.violated ? '✗ <strong>violated</strong>' : '✓ holds'] })), 'data pooled'));
    for (const { t } of pooled) out.push(`<pre class="proof">${esc(pooledLines(t, 40).join('\n'))}</pre>`);
    out.push('</section>');
  }
  if (k.coverage) out.push(coverageHtml('coverage', `Transition coverage (${k.search ?? 'random'} search, profile ${k.profile})`, k.coverage));
  if (c.replays.length > 0) {
    out.push('<section id="counterexamples"><h2>Counterexamples (shrunk)</h2>');
    c.replays.slice(0, CAMPAIGN_COUNTEREXAMPLES_MAX).forEach((entry, n) => {
      const meta = k.replays[n]!;
      out.push(replayCounterexample(d, entry, { anchor: anchorId('cx', entry.file), heading: `${meta.invariant}, first seen in run ${meta.runIndex}`, invariant: meta.invariant, reproduce: `pph replay ${join(dirLabel, entry.file)}` }));
    });
    for (const entry of c.replays.slice(CAMPAIGN_COUNTEREXAMPLES_MAX)) out.push(`<p>${cmd(`pph replay ${join(dirLabel, entry.file)}`)}</p>`);
    out.push('</section>');
  }
  return out.join('\n');
}

export function campaignFacts(c: CampaignInput): string {
  const k = c.campaign;
  return [
    `scenario <b>${esc(k.scenario)}</b> (${esc(k.scenarioHash.slice(0, 16))})`,
    `profile ${esc(k.profile)}`,
    `seed <b>${k.seed}</b>`,
    k.runsPlanned !== undefined && k.runsPlanned !== k.runs ? `${k.runs} of ${k.runsPlanned} runs` : `${k.runs} runs`,
    `${k.runsPerSec.toFixed(1)} runs/s`,
    `${(k.wallMs / 1000).toFixed(1)} s`,
    `${k.shrinkSteps} shrink steps`,
  ].join(' · ');
}
