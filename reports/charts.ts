/**
 * Charts as mermaid `xychart-beta` source, rendered to SVG by mermaid in the page like every other
 * diagram (no hand-built SVG): campaign violations over runs, linking accuracy of a colluding
 * relay+gateway per defence, bench bars against the node:crypto floor. Each chart is data in,
 * text out; a chart with nothing to show is null, never an empty axis.
 */
import type { BenchFile, CampaignFile, CampaignRunLine, MetadataFile } from './schemas.js';
import { BENCH_RATIO_TO_FLOOR_MAX } from './junit.js';
import { mermaidLabel } from './mermaid-text.js';

export interface Chart {
  /** Stable id (used for anchors and by tests). */
  id: string;
  title: string;
  /** Mermaid source (`xychart-beta`). */
  source: string;
  /** One sentence under the chart: what it shows and how to read it. */
  caption: string;
}

interface Series {
  type: 'line' | 'bar';
  name: string;
  values: readonly number[];
}

interface XyChart {
  title: string;
  xTitle: string;
  xLabels: readonly string[];
  yTitle: string;
  yMin: number;
  yMax: number;
  series: readonly Series[];
}

/** Points on the x-axis of the campaign chart at most (runs are bucketed beyond). */
export const CAMPAIGN_CHART_POINTS_MAX = 40;
/** Invariants drawn as their own line at most (the others are in "any invariant"). */
export const CHART_SERIES_MAX = 9;

/** Colours of the series in order; the first is the "any"/bar series. */
export const CHART_PALETTE = ['#444444', '#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/** A number as xychart's grammar reads it: no exponent, at most 3 decimals. */
export function chartNumber(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const s = n.toFixed(3).replace(/\.?0+$/, '');
  return s === '-0' || s === '' ? '0' : s;
}

const quoted = (s: string, max = 60) => `"${mermaidLabel(s, max)}"`;

function xychartSource(c: XyChart): string {
  const palette = CHART_PALETTE.slice(0, Math.max(1, c.series.length)).join(', ');
  const lines = [
    '---',
    'config:',
    '  xyChart:',
    '    width: 860',
    '    height: 420',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${palette}"`,
    '---',
    'xychart-beta',
    `  title ${quoted(c.title, 90)}`,
    `  x-axis ${quoted(c.xTitle)} [${c.xLabels.map((l) => quoted(l, 24)).join(', ')}]`,
    `  y-axis ${quoted(c.yTitle)} ${chartNumber(c.yMin)} --> ${chartNumber(c.yMax > c.yMin ? c.yMax : c.yMin + 1)}`,
  ];
  for (const s of c.series) lines.push(`  ${s.type} ${quoted(s.name, 40)} [${s.values.map(chartNumber).join(', ')}]`);
  return lines.join('\n') + '\n';
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (v <= m * mag) return m * mag;
  return 10 * mag;
}

/**
 * Cumulative runs violating each invariant over the runs of a campaign, from `campaign.byRun`
 * (or `runs.jsonl`). Runs are bucketed to at most {@link CAMPAIGN_CHART_POINTS_MAX} points; a
 * sparse `byRun` (only the violating runs) reads the same as a dense one.
 *
 * @example
 * const chart = campaignChart(campaign, runs); // chart?.source starts with '---\nconfig:'
 */
export function campaignChart(c: CampaignFile, runs: readonly CampaignRunLine[] | null): Chart | null {
  const byRun = c.byRun ?? runs?.map((r) => ({ run: r.run, violated: r.violated }));
  if (!byRun || c.runs === 0) return null;
  const total = Math.max(c.runs, ...byRun.map((r) => r.run + 1));
  const points = Math.min(total, CAMPAIGN_CHART_POINTS_MAX);
  const ends = Array.from({ length: points }, (_, k) => Math.ceil(((k + 1) * total) / points) - 1);
  const invariants = Object.entries(c.violations)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, CHART_SERIES_MAX)
    .map(([id]) => id);
  const sorted = [...byRun].sort((a, b) => a.run - b.run);
  const series: Series[] = [{ type: 'line', name: 'any invariant', values: [] }, ...invariants.map((id): Series => ({ type: 'line', name: id, values: [] }))];
  const counts = new Array<number>(series.length).fill(0);
  let next = 0;
  for (const end of ends) {
    while (next < sorted.length && sorted[next]!.run <= end) {
      const v = sorted[next]!.violated;
      if (v.length > 0) counts[0]!++;
      invariants.forEach((id, k) => {
        if (v.includes(id)) counts[k + 1]!++;
      });
      next++;
    }
    series.forEach((s, k) => (s.values as number[]).push(counts[k]!));
  }
  const bucketed = points < total ? ` (runs grouped in ${points} points)` : '';
  return {
    id: 'campaign-violations',
    title: 'Violations over runs',
    source: xychartSource({
      title: `Runs violating an invariant, cumulative, over ${total} runs`,
      xTitle: 'run',
      xLabels: ends.map((e) => String(e)),
      yTitle: 'violating runs so far',
      yMin: 0,
      yMax: niceMax(Math.max(...counts)),
      series,
    }),
    caption: `How soon each invariant broke: a line that rises early was found by the first runs; a flat line at 0 never broke${bucketed}.`,
  };
}

function sameXs(curves: MetadataFile['curves']): boolean {
  const key = (c: MetadataFile['curves'][number]) => c.points.map((p) => p.x).join(',');
  return curves.every((c) => key(c) === key(curves[0]!));
}

/**
 * Linking accuracy of a colluding relay and gateway per defence, against chance: one chart with a
 * line per defence when every curve has the same x values, else one chart per defence.
 */
export function metadataCharts(m: MetadataFile): Chart[] {
  const curves = m.curves.filter((c) => c.points.length > 0);
  if (curves.length === 0) return [];
  const xTitle = m.xLabel ?? 'x';
  const caption = 'A defence works when its line stays near chance: above it, the colluding relay and gateway link requests to users.';
  if (sameXs(curves) && curves.length <= CHART_SERIES_MAX) {
    const pts = curves[0]!.points;
    const top = Math.max(1, ...curves.flatMap((c) => c.points.map((p) => Math.max(p.accuracy, p.chance))));
    const charts: Chart[] = [
      {
        id: 'metadata-accuracy',
        title: 'Metadata correlation',
        source: xychartSource({
          title: 'Linking accuracy of a colluding relay+gateway, per defence',
          xTitle,
          xLabels: pts.map((p) => chartNumber(p.x)),
          yTitle: 'accuracy',
          yMin: 0,
          yMax: top,
          series: [{ type: 'line', name: 'chance', values: pts.map((p) => p.chance) }, ...curves.map((c): Series => ({ type: 'line', name: c.defence, values: c.points.map((p) => p.accuracy) }))],
        }),
        caption,
      },
    ];
    const latencyTop = Math.max(...curves.flatMap((c) => c.points.map((p) => p.latencyMs)));
    if (latencyTop > 0) {
      charts.push({
        id: 'metadata-latency',
        title: 'Latency cost of each defence',
        source: xychartSource({
          title: 'Added latency per defence (virtual ms)',
          xTitle,
          xLabels: pts.map((p) => chartNumber(p.x)),
          yTitle: 'latency ms',
          yMin: 0,
          yMax: niceMax(latencyTop),
          series: [{ type: 'line', name: 'none', values: pts.map(() => 0) }, ...curves.map((c): Series => ({ type: 'line', name: c.defence, values: c.points.map((p) => p.latencyMs) }))],
        }),
        caption: 'What each defence costs in latency, at the same x as the accuracy chart.',
      });
    }
    return charts;
  }
  return curves.map((c, k) => ({
    id: `metadata-${k}`,
    title: `Metadata correlation: ${c.defence}`,
    source: xychartSource({
      title: `Linking accuracy with defence ${c.defence}`,
      xTitle,
      xLabels: c.points.map((p) => chartNumber(p.x)),
      yTitle: 'accuracy',
      yMin: 0,
      yMax: Math.max(1, ...c.points.map((p) => Math.max(p.accuracy, p.chance))),
      series: [
        { type: 'line', name: 'chance', values: c.points.map((p) => p.chance) },
        { type: 'line', name: c.defence, values: c.points.map((p) => p.accuracy) },
      ],
    }),
    caption,
  }));
}

/**
 * Bench bars (µs per operation) against the node:crypto floor and the gate at
 * {@link BENCH_RATIO_TO_FLOOR_MAX}× the floor: the hot path when measured, else every suite.
 */
export function benchChart(b: BenchFile): Chart | null {
  const hot = b.hotPath && Object.keys(b.hotPath).length > 0 ? b.hotPath : null;
  const bars: [string, number][] = hot ? Object.entries(hot).map(([k, v]) => [k, v.meanUs]) : Object.entries(b.suites).map(([k, v]) => [k, v.meanUs]);
  if (bars.length === 0) return null;
  const series: Series[] = [{ type: 'bar', name: 'mean µs', values: bars.map(([, v]) => v) }];
  if (b.floorUs !== null) {
    series.push({ type: 'line', name: 'floor', values: bars.map(() => b.floorUs!) });
    series.push({ type: 'line', name: `gate ${BENCH_RATIO_TO_FLOOR_MAX}× floor`, values: bars.map(() => b.floorUs! * BENCH_RATIO_TO_FLOOR_MAX) });
  }
  const top = Math.max(...bars.map(([, v]) => v), b.floorUs === null ? 0 : b.floorUs * BENCH_RATIO_TO_FLOOR_MAX);
  return {
    id: 'bench-bars',
    title: hot ? 'Hot path against the floor' : 'Bench suites',
    source: xychartSource({
      title: hot ? 'Hot path: mean µs per operation against the node crypto floor' : 'Mean µs per operation, per suite',
      xTitle: hot ? 'runner' : 'suite',
      xLabels: bars.map(([k]) => k),
      yTitle: 'µs per op',
      yMin: 0,
      yMax: niceMax(top),
      series,
    }),
    caption:
      b.floorUs === null
        ? 'No floor was measured: the bars stand alone.'
        : `A bar above the gate line (${BENCH_RATIO_TO_FLOOR_MAX}× the ${chartNumber(b.floorUs)} µs floor of the node:crypto primitives) fails the bench.`,
  };
}
