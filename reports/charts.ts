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
      // Counts of runs: an axis of at least 10 keeps mermaid's ticks on whole runs.
      yMax: Math.max(10, niceMax(Math.max(...counts))),
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
 * Bench bars: each hot-path runner's paired ratio to the node:crypto floor (the same figure as the
 * table), with the goal line at {@link BENCH_RATIO_TO_FLOOR_MAX}×; without a hot path, µs per suite.
 */
export function benchChart(b: BenchFile): Chart | null {
  const hot = b.hotPath ? Object.entries(b.hotPath).filter(([, v]) => v.ratioToFloor !== null) : [];
  if (hot.length > 0) {
    const ratios = hot.map(([, v]) => v.ratioToFloor!);
    return {
      id: 'bench-bars',
      title: 'Hot path against the floor',
      source: xychartSource({
        title: 'Hot path: paired ratio to the node crypto floor, per runner',
        xTitle: 'runner',
        xLabels: hot.map(([k]) => k),
        yTitle: '× floor (paired)',
        yMin: 0,
        yMax: niceMax(Math.max(...ratios, BENCH_RATIO_TO_FLOOR_MAX) * 1.1),
        series: [
          { type: 'bar', name: '× floor', values: ratios },
          { type: 'line', name: `goal ${BENCH_RATIO_TO_FLOOR_MAX}×`, values: hot.map(() => BENCH_RATIO_TO_FLOOR_MAX) },
          { type: 'line', name: 'floor 1×', values: hot.map(() => 1) },
        ],
      }),
      caption: `Each bar is the request's cost over the floor (${b.floorUs === null ? '-' : chartNumber(b.floorUs)} µs alone) measured in one alternating loop, the figure of the table; a bar above the goal line misses the ${BENCH_RATIO_TO_FLOOR_MAX}× goal (reported, not a failure).`,
    };
  }
  const bars: [string, number][] = Object.entries(b.suites).map(([k, v]) => [k, v.meanUs]);
  if (bars.length === 0) return null;
  return {
    id: 'bench-bars',
    title: 'Bench suites',
    source: xychartSource({
      title: 'Mean µs per operation, per suite',
      xTitle: 'suite',
      xLabels: bars.map(([k]) => k),
      yTitle: 'µs per op',
      yMin: 0,
      yMax: niceMax(Math.max(...bars.map(([, v]) => v))),
      series: [{ type: 'bar', name: 'mean µs', values: bars.map(([, v]) => v) }],
    }),
    caption: b.floorUs === null ? 'No floor was measured: the bars stand alone.' : `The floor of the node:crypto primitives of one request is ${chartNumber(b.floorUs)} µs.`,
  };
}

const svgEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Linking accuracy against the latency each defence costs, one line per defence (its points in the
 * order of its setting), as inline SVG drawn here (offline, no script): the trade-off a deployer
 * chooses on. The x-axis is log-scaled (`log10(1 + ms)`) because latencies run from 0 to seconds;
 * the dashed line is chance (the best chance level of any point).
 *
 * @example
 * const svg = metadataTradeoffSvg(metadata); // '<svg ...' or null when there is no point
 */
export function metadataTradeoffSvg(m: MetadataFile): string | null {
  const curves = m.curves.filter((c) => c.points.length > 0);
  if (curves.length === 0) return null;
  const W = 860;
  const H = 460;
  const L = 70;
  const R = 190;
  const T = 40;
  const B = 60;
  const pw = W - L - R;
  const ph = H - T - B;
  const lx = (ms: number) => Math.log10(1 + Math.max(0, ms));
  const maxMs = Math.max(1, ...curves.flatMap((c) => c.points.map((p) => p.latencyMs)));
  const decades = Math.max(1, Math.ceil(lx(maxMs)));
  const x = (ms: number) => L + (lx(ms) / decades) * pw;
  const y = (acc: number) => T + (1 - Math.min(1, Math.max(0, acc))) * ph;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="tradeoff" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Linking accuracy against added latency, per defence" font-family="system-ui, sans-serif" font-size="13">`];
  out.push(`<text x="${L}" y="22" font-size="15" font-weight="600">Linking accuracy against added latency, per defence</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="#fff" stroke="#999"/>`);
  for (let k = 0; k <= 10; k += 2) {
    const v = k / 10;
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${k * 10}%</text>`);
  }
  for (let d = 0; d <= decades; d++) {
    const ms = d === 0 ? 0 : 10 ** d - 1;
    const label = d === 0 ? '0' : `${chartNumber(10 ** d)}`;
    out.push(`<line x1="${x(ms)}" x2="${x(ms)}" y1="${T}" y2="${T + ph}" stroke="#eee"/><text x="${x(ms)}" y="${T + ph + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<text x="${L + pw / 2}" y="${H - 14}" text-anchor="middle">added latency (virtual ms, log scale)</text>`);
  out.push(`<text x="18" y="${T + ph / 2}" text-anchor="middle" transform="rotate(-90 18 ${T + ph / 2})">linking accuracy</text>`);
  const chance = Math.max(...curves.flatMap((c) => c.points.map((p) => p.chance)));
  out.push(`<line x1="${L}" x2="${L + pw}" y1="${y(chance)}" y2="${y(chance)}" stroke="#444" stroke-dasharray="6 4"/><text x="${L + pw - 4}" y="${y(chance) - 5}" text-anchor="end" fill="#444">chance ${(chance * 100).toFixed(1)}%</text>`);
  curves.forEach((c, k) => {
    const colour = CHART_PALETTE[(k + 1) % CHART_PALETTE.length]!;
    const pts = c.points.map((p) => `${x(p.latencyMs).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ');
    out.push(`<g class="curve" data-defence="${svgEsc(c.defence)}"><polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2.5"/>`);
    for (const p of c.points) out.push(`<circle cx="${x(p.latencyMs).toFixed(1)}" cy="${y(p.accuracy).toFixed(1)}" r="4" fill="${colour}"><title>${svgEsc(`${c.defence} x=${chartNumber(p.x)}: accuracy ${(p.accuracy * 100).toFixed(2)}%, chance ${(p.chance * 100).toFixed(2)}%, +${p.latencyMs.toFixed(1)} ms`)}</title></circle>`);
    out.push('</g>');
    const ly = T + 14 + k * 22;
    out.push(`<line x1="${L + pw + 16}" x2="${L + pw + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/><text x="${L + pw + 46}" y="${ly}">${svgEsc(c.defence)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
