import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { summaryMarkdown, mdTable } from '../../reports/summary.js';
import { loadReportInput, type ReportInput } from '../../reports/report-input.js';
import { once } from '../invariants/small-world.js';
import { makeBenchFile, makeCampaignFolder, makeMatrixFolder, makeMetadataFile, makeRunFolder, tempDir } from './fixtures.js';

const base = once(() => tempDir('summary'));
const broken = once(() => {
  const dir = join(base(), 'run');
  makeRunFolder(dir, { bugs: { enclaveLogsPlaintextToHost: true } });
  return loadReportInput(dir);
});
const campaign = once(() => {
  const dir = join(base(), 'campaign');
  makeCampaignFolder(dir);
  return loadReportInput(dir);
});
const matrixWithBench = once(() => {
  const dir = join(base(), 'matrix');
  makeMatrixFolder(dir);
  makeMetadataFile(dir);
  makeBenchFile(dir);
  return loadReportInput(dir);
});

/** Splits a Markdown table row into its cells, honouring `\|` escapes. */
function cells(row: string): string[] {
  expect(row.startsWith('| ') && row.endsWith(' |'), row).toBe(true);
  return row.slice(2, -2).split(/(?<!\\) \| /);
}

/** Every table: header, `|---|` separator with the same column count, rows with the same count. */
function tables(md: string): string[][][] {
  const out: string[][][] = [];
  const lines = md.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (!lines[k]!.startsWith('|')) continue;
    const block: string[] = [];
    while (k < lines.length && lines[k]!.startsWith('|')) block.push(lines[k++]!);
    expect(block.length, block.join('\n')).toBeGreaterThanOrEqual(2);
    const head = cells(block[0]!);
    expect(block[1]).toBe(`|${head.map(() => '---').join('|')}|`);
    const rows = block.slice(2).map(cells);
    for (const r of rows) expect(r.length, `row ${r.join(' | ')}`).toBe(head.length);
    expect(lines[k] ?? '', 'a blank line ends a table').toBe('');
    out.push([head, ...rows]);
  }
  return out;
}

describe('summary.md', () => {
  it('a run: the outcome first, the verdict table with one row per invariant, the reproduce line', () => {
    const input = broken();
    const md = summaryMarkdown(input, { dirLabel: 'r', manifest: null });
    const lines = md.split('\n');
    expect(lines[0]).toBe('# pph run tiny · seed 1');
    expect(lines[2]).toMatch(/^\*\*FAIL\*\*: run tiny · seed 1 · \d+\/\d+ verdicts as expected · .* · \d+ expectations? failed$/);
    expect(lines[4]).toMatch(/^- confidentiality VIOLATED, expected to hold$/);
    const [verdicts] = tables(md);
    expect(verdicts![0]).toEqual(['invariant', 'verdict', 'expected', 'matches', 'proof']);
    expect(verdicts!.slice(1).map((r) => r[0])).toEqual(Object.keys(input.run!.result.verdicts));
    const conf = verdicts!.find((r) => r[0] === 'confidentiality')!;
    expect(conf.slice(1, 4)).toEqual(['VIOLATED', 'holds', '**no**']);
    expect(conf[4]).toContain(`#${input.run!.result.verdicts.confidentiality!.proof[0]!.event}`);
    expect(md).toContain('- options: profile=pp');
    expect(md).toContain('Reproduce: `pph run tiny.yaml --seed 1`');
  });

  it('a campaign: a row per invariant with violating runs and replay', () => {
    const input = campaign();
    const md = summaryMarkdown(input, { dirLabel: 'c', manifest: null });
    const [table] = tables(md);
    const k = input.campaign!.campaign;
    expect(table!.length - 1).toBe(Object.keys(k.violations).length);
    const live = table!.find((r) => r[0] === 'liveness')!;
    expect(live[2]).toBe(`${k.violations.liveness} of ${k.runs}`);
    expect(md).toContain(`\`pph replay c/${k.replays[0]!.file}\``);
    expect(md).toContain('Coverage marks never hit: `client.quote-rejected.signature`');
  });

  it('a matrix with bench and metadata: a grid per profile, mutants, bench and metadata tables', () => {
    const input = matrixWithBench();
    const md = summaryMarkdown(input, { dirLabel: 'm', manifest: null });
    const all = tables(md);
    const m = input.matrix!;
    const grid = all[0]!;
    expect(grid[0]).toEqual(['adversary', ...m.invariants]);
    expect(grid.slice(1).map((r) => r[0])).toEqual(m.adversaries);
    const marks = grid.slice(1).flatMap((r) => r.slice(1));
    expect(marks).toHaveLength(m.cells.length);
    expect(marks.filter((x) => x === '**!**')).toHaveLength(m.cells.filter((c) => c.expected !== c.observed).length);
    expect(all[1]![0]).toEqual(['mutant', 'killed', 'by', 'runs to kill', 'replay']);
    expect(all[1]!.length - 1).toBe(m.mutants.length);
    expect(all.some((t) => t[0]![0] === 'runner')).toBe(true);
    expect(all.some((t) => t[0]![0] === 'defence' && t[0]![1] === 'requests observed per user')).toBe(true);
  });

  it('escapes pipes and newlines inside cells', () => {
    const input = broken();
    const run = structuredClone(input.run!);
    run.result.verdicts.confidentiality!.proof = [{ event: 3, why: 'a | b\nc' }];
    const md = summaryMarkdown({ ...input, run } as ReportInput, { dirLabel: 'r', manifest: null });
    const row = tables(md)[0]!.find((r) => r[0] === 'confidentiality')!;
    expect(row[4]).toBe('#3: a \\| b c');
    expect(mdTable(['a', 'b'], [['1'], ['1', '2', '3']]).slice(2)).toEqual(['| 1 |  |', '| 1 | 2 |']);
  });
});
