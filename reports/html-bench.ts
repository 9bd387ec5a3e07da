/** The sections of `index.html` for `bench.json` and `metadata.json`: tables and their charts. */
import type { BenchFile, MetadataFile } from './schemas.js';
import { benchChart, chartNumber, metadataCharts, metadataTradeoffSvg } from './charts.js';
import { BENCH_RATIO_TO_FLOOR_MAX } from './junit.js';
import { esc, table, type Diagrams } from './html-kit.js';

const n = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '-' : v.toFixed(digits));

/** Hot-path runners whose paired ratio to the floor misses the goal (reported, not failures). */
export function benchOverGate(b: BenchFile): string[] {
  return Object.entries(b.hotPath ?? {})
    .filter(([, h]) => h.ratioToFloor !== null && h.ratioToFloor > BENCH_RATIO_TO_FLOOR_MAX)
    .map(([k]) => k);
}

export function benchSections(d: Diagrams, b: BenchFile): string {
  const out: string[] = ['<section id="bench"><h2>Bench</h2>'];
  const m = b.machine;
  out.push(`<p>machine: ${esc(m.cpu ?? 'unknown cpu')} · ${m.cores ?? '?'} cores · node ${esc(m.node ?? '?')} · floor ${b.floorUs === null ? 'not measured' : `${chartNumber(b.floorUs)} µs`}</p>`);
  const chart = benchChart(b);
  if (chart) out.push(d.figure('chart', chart.id, chart.title, chart.source, esc(chart.caption)));
  if (b.hotPath) {
    const rows = Object.entries(b.hotPath).map(([k, h]) => {
      const over = h.ratioToFloor !== null && h.ratioToFloor > BENCH_RATIO_TO_FLOOR_MAX;
      return { cls: '', cells: [esc(k), n(h.meanUs), n(h.paired?.meanUs), n(h.paired?.floorUs), n(h.ratioToFloor, 2), h.ratioToFloor === null ? '-' : over ? 'missed' : '✓ met'] };
    });
    out.push(
      '<h3>Hot path against the floor</h3>',
      `<p>The ratio comes from the request and the floor measured alternating in one loop (paired, same load for both): paired request µs ÷ paired floor µs. The unpaired mean is measured alone and may differ. The goal (≤ ${BENCH_RATIO_TO_FLOOR_MAX}×) is reported; a missed goal is not a failure.</p>`,
      table(['runner', 'mean µs (alone)', 'paired: request µs', 'paired: floor µs', '× floor (paired)', `goal ≤ ${BENCH_RATIO_TO_FLOOR_MAX}×`], rows, 'data bench'),
    );
  }
  if (b.goals && Object.keys(b.goals).length > 0) {
    const rows = Object.entries(b.goals).map(([k, g]) => ({ cls: '', cells: [esc(k), g.value === null ? '-' : chartNumber(g.value), esc(g.goal), g.met === null ? 'not measured' : g.met ? '✓ met' : 'missed'] }));
    out.push('<h3>Goals</h3>', table(['goal', 'value', 'target', 'result'], rows, 'data goals'));
  }
  const suites = Object.entries(b.suites).map(([k, s]) => ({ cells: [esc(k), n(s.meanUs), n(s.p99Us), s.samples === null ? '-' : String(s.samples), s.rme === null ? '-' : `±${s.rme.toFixed(2)}%`] }));
  if (suites.length > 0) out.push('<h3>Suites</h3>', table(['suite', 'mean µs', 'p99 µs', 'samples', 'rme'], suites, 'data bench'));
  const facts: string[] = [];
  if (b.peer) facts.push(`OHTTP speed-up over the peer implementation: ${n(b.peer.ohttpSpeedup, 2)}×`);
  if (b.sim) facts.push(`simulator: ${n(b.sim.runsPerSec)} runs/s, overhead ${n(b.sim.overheadRatio, 2)}× the crypto alone`);
  if (b.campaign) facts.push(`campaign: ${n(b.campaign.runsPerSec1)} runs/s on 1 worker, ${n(b.campaign.runsPerSec2)} on 2 (scaling ${n(b.campaign.scaling, 2)}×)`);
  if (facts.length > 0) out.push(`<ul>${facts.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`);
  out.push('</section>');
  return out.join('\n');
}

export function metadataSections(d: Diagrams, m: MetadataFile): string {
  const out: string[] = ['<section id="metadata"><h2>Metadata correlation</h2>', '<p>How well a colluding relay and gateway link requests to users, with each defence against traffic analysis.</p>'];
  const tradeoff = metadataTradeoffSvg(m);
  if (tradeoff) out.push(`<figure class="diagram diagram-svg" id="metadata-tradeoff"><div class="scroll">${tradeoff}</div><figcaption>What each defence buys and costs: a point low and to the left is a defence that works cheaply; a line that stays high does not stop the linking whatever latency it adds. Hover a point for its setting.</figcaption></figure>`);
  for (const chart of metadataCharts(m)) out.push(d.figure('chart', chart.id, chart.title, chart.source, esc(chart.caption)));
  const rows = m.curves.flatMap((c) => c.points.map((p) => ({ cells: [esc(c.defence), chartNumber(p.x), p.accuracy.toFixed(3), p.chance.toFixed(3), n(p.latencyMs)] })));
  out.push(table(['defence', m.xLabel ?? 'x', 'accuracy', 'chance', 'latency ms'], rows, 'data metadata'), '</section>');
  return out.join('\n');
}
