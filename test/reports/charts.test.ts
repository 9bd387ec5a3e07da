import { describe, expect, it } from 'vitest';
import { CAMPAIGN_CHART_POINTS_MAX, benchChart, campaignChart, chartNumber, metadataCharts } from '../../reports/charts.js';
import { BenchFileSchema, CampaignFileSchema, MetadataFileSchema, checkValue, type CampaignFile } from '../../reports/schemas.js';

/** The `line "name" [values]` / `bar ...` series of an xychart source. */
function series(src: string): { type: string; name: string; values: number[] }[] {
  return [...src.matchAll(/^ {2}(line|bar) "([^"]*)" \[([^\]]*)\]$/gm)].map((m) => ({ type: m[1]!, name: m[2]!, values: m[3]!.split(', ').map(Number) }));
}

function xLabels(src: string): string[] {
  const m = /^ {2}x-axis "[^"]*" \[(.*)\]$/m.exec(src);
  return m ? [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!) : [];
}

function campaign(runs: number, byRun: { run: number; violated: string[] }[]): CampaignFile {
  const violations: Record<string, number> = { freshness: 0, liveness: 0, integrity: 0 };
  for (const r of byRun) for (const v of r.violated) violations[v]!++;
  return checkValue(
    CampaignFileSchema,
    { kind: 'campaign', scenario: 's', scenarioHash: 'ab', profile: 'pp', seed: 1, runs, runsPerSec: 1, wallMs: 1, violations, firstViolation: {}, marks: {}, shrinkSteps: 0, replays: [], byRun },
    'campaign.json',
  );
}

describe('charts as mermaid xychart-beta source', () => {
  it('campaign: cumulative violating runs per invariant, bucketed; a sparse byRun reads like a dense one', () => {
    const violating = [{ run: 3, violated: ['freshness'] }, { run: 50, violated: ['freshness', 'liveness'] }, { run: 199, violated: ['liveness'] }];
    const sparse = campaignChart(campaign(200, violating), null)!;
    const dense = campaignChart(campaign(200, Array.from({ length: 200 }, (_, run) => violating.find((v) => v.run === run) ?? { run, violated: [] })), null)!;
    expect(sparse.source).toBe(dense.source);
    expect(sparse.source).toContain('\nxychart-beta\n');
    const s = series(sparse.source);
    expect(s.map((x) => x.name)).toEqual(['any invariant', 'freshness', 'liveness']); // integrity never broke: no line
    for (const x of s) expect(x.values).toHaveLength(CAMPAIGN_CHART_POINTS_MAX);
    expect(s.map((x) => x.values[x.values.length - 1])).toEqual([3, 2, 2]);
    expect(s[1]!.values[0]).toBe(1); // run 3 is in the first bucket (runs 0-4)
    expect(xLabels(sparse.source)).toHaveLength(CAMPAIGN_CHART_POINTS_MAX);
    expect(xLabels(sparse.source).at(-1)).toBe('199');
  });

  it('campaign: a few runs are not bucketed; no byRun and no runs.jsonl is no chart', () => {
    const c = campaign(3, [{ run: 0, violated: [] }, { run: 1, violated: ['integrity'] }, { run: 2, violated: [] }]);
    expect(xLabels(campaignChart(c, null)!.source)).toEqual(['0', '1', '2']);
    expect(series(campaignChart(c, null)!.source)[1]!.values).toEqual([0, 1, 1]);
    const { byRun: _drop, ...noByRun } = c;
    expect(campaignChart(noByRun as CampaignFile, null)).toBeNull();
    expect(campaignChart(noByRun as CampaignFile, [{ run: 0, seed: 1, traceHash: 'aa', ok: false, violated: ['integrity'] }])).not.toBeNull();
  });

  it('metadata: one chart with a line per defence against chance when the x values agree, else one per defence', () => {
    const pts = (xs: number[], acc: number) => xs.map((x) => ({ x, accuracy: acc, chance: 0.25, latencyMs: x }));
    const same = checkValue(MetadataFileSchema, { kind: 'metadata', curves: [{ defence: 'none', points: pts([1, 2, 4], 0.9) }, { defence: 'padding', points: pts([1, 2, 4], 0.3) }] }, 'm');
    const charts = metadataCharts(same);
    expect(charts.map((c) => c.id)).toEqual(['metadata-accuracy', 'metadata-latency']);
    expect(series(charts[0]!.source).map((s) => s.name)).toEqual(['chance', 'none', 'padding']);
    expect(series(charts[0]!.source)[1]!.values).toEqual([0.9, 0.9, 0.9]);
    expect(xLabels(charts[0]!.source)).toEqual(['1', '2', '4']);
    const differ = checkValue(MetadataFileSchema, { kind: 'metadata', curves: [{ defence: 'none', points: pts([1, 2], 0.9) }, { defence: 'padding', points: pts([1, 3, 9], 0.3) }] }, 'm');
    expect(metadataCharts(differ).map((c) => series(c.source).map((s) => s.name))).toEqual([['chance', 'none'], ['chance', 'padding']]);
  });

  it('bench: bars of the paired ratio per runner (the table\'s figure) with the goal and the floor as lines; suites when there is no hot path', () => {
    const bench = checkValue(
      BenchFileSchema,
      { machine: { cpu: null, cores: null, node: null }, suites: { a: { meanUs: 5, p99Us: null, samples: null, rme: null } }, floorUs: 100, hotPath: { x: { meanUs: 120, ratioToFloor: 1.2 }, y: { meanUs: 200, ratioToFloor: 2 } }, peer: null, sim: null, campaign: null },
      'bench.json',
    );
    const s = series(benchChart(bench)!.source);
    expect(s).toEqual([
      { type: 'bar', name: '× floor', values: [1.2, 2] },
      { type: 'line', name: 'goal 1.5×', values: [1.5, 1.5] },
      { type: 'line', name: 'floor 1×', values: [1, 1] },
    ]);
    const noHot = { ...bench, hotPath: null, floorUs: null };
    expect(series(benchChart(noHot)!.source)).toEqual([{ type: 'bar', name: 'mean µs', values: [5] }]);
    expect(benchChart({ ...noHot, suites: {} })).toBeNull();
  });

  it('numbers never use exponents (xychart cannot read them)', () => {
    expect(chartNumber(1e-7)).toBe('0');
    expect(chartNumber(0.12345)).toBe('0.123');
    expect(chartNumber(1234567)).toBe('1234567');
    expect(chartNumber(-0.0001)).toBe('0');
    expect(chartNumber(Number.NaN)).toBe('0');
  });
});
