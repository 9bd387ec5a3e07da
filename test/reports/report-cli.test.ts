import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { withOut } from '../../cli/commands/reproduce.js';
import { diffResults } from '../../reports/diff.js';
import { loadReportInput } from '../../reports/report-input.js';
import { once } from '../invariants/small-world.js';
import { makeCampaignFolder, makeMatrixFolder, tempDir } from './fixtures.js';

const TINY = `name: tiny-report
world: { users: 1, chats: 2, excludedChats: 1, optedOutUsers: 0, messagesPerChat: 3, nodes: 2, requests: 2, tokensPerUser: 2, witnesses: 1, witnessQuorum: 1 }
network: { loss: 0 }
`;

const base = once(() => tempDir('cli'));
/** `pph run <tiny> --seed 3 --out <dir>`, once per file. */
const ran = once(async () => {
  const file = join(base(), 'tiny.yaml');
  writeFileSync(file, TINY);
  const out = join(base(), 'run');
  const io = memoryIo();
  const code = await runCli(['run', file, '--seed', '3', '--out', out], io);
  return { file, out, io, code };
});

describe('pph run --out writes the reports', () => {
  it('index.html, junit.xml and manifest.json beside result.json; prints where the report is', async () => {
    const { out, io, code, file } = await ran();
    expect(code).toBe(0);
    for (const f of ['result.json', 'trace.jsonl', 'summary.md', 'index.html', 'junit.xml', 'manifest.json', 'mermaid.min.js']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(io.stdout[io.stdout.length - 1]).toMatch(/^report: .*run\/index\.html$/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.command).toEqual(['run', file, '--seed', '3', '--out', out]);
    expect(manifest.wallMs).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| confidentiality | holds | holds | yes |');
  });
});

describe('pph report', () => {
  it('regenerates the reports of a folder without re-running (exit 0)', async () => {
    const { out } = await ran();
    const dir = join(base(), 'report-copy');
    cpSync(out, dir, { recursive: true });
    for (const f of ['index.html', 'summary.md', 'junit.xml', 'mermaid.min.js']) rmSync(join(dir, f));
    const before = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const io = memoryIo();
    expect(await runCli(['report', dir], io)).toBe(0);
    for (const f of ['index.html', 'summary.md', 'junit.xml', 'mermaid.min.js']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    expect(io.stdout[0]).toMatch(/^PASS {2}run tiny-report · seed 3 · (\d+)\/\1 verdicts as expected · /);
    expect(io.stdout[io.stdout.length - 1]).toMatch(/^report: .*report-copy\/index\.html$/);
  });

  it('exit 2 naming the file and the field of a malformed folder; exit 2 on usage errors', async () => {
    const { out } = await ran();
    const dir = join(base(), 'report-bad');
    cpSync(out, dir, { recursive: true });
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    result.traceHash = 'NOT-HEX';
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    const io = memoryIo();
    expect(await runCli(['report', dir], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/ReportInputError \[schema\]: .*report-bad\/result\.json: traceHash: expected lowercase hex/);
    const empty = memoryIo();
    expect(await runCli(['report', tempDir('nothing')], empty)).toBe(2);
    expect(empty.stderr.join('\n')).toContain('[empty]');
    expect(await runCli(['report'], memoryIo())).toBe(2);
    expect(await runCli(['report', dir, '--frobnicate'], memoryIo())).toBe(2);
  });
});

describe('pph reproduce', () => {
  it('re-runs the manifest command and finds the results identical (exit 0)', async () => {
    const { out } = await ran();
    const io = memoryIo();
    expect(await runCli(['reproduce', join(out, 'manifest.json')], io)).toBe(0);
    expect(io.stdout.some((l) => l.startsWith('  re-running: pph run ') && l.includes('--seed 3 --out '))).toBe(true);
    expect(io.stdout[io.stdout.length - 1]).toMatch(/^identical: trace [0-9a-f]{16} and \d+ verdicts$/);
  });

  it('prints the differences and exits 1 when the results differ', async () => {
    const { out } = await ran();
    const dir = join(base(), 'reproduce-changed');
    cpSync(out, dir, { recursive: true });
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    const original = result.traceHash;
    result.traceHash = '0'.repeat(64);
    result.verdicts.consent.holds = false;
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    const keep = join(base(), 'reproduce-rerun');
    const io = memoryIo();
    expect(await runCli(['reproduce', join(dir, 'manifest.json'), '--out', keep], io)).toBe(1);
    expect(io.stdout).toContain(`  result.json: traceHash was ${'0'.repeat(64)}, now ${original}`);
    expect(io.stdout).toContain('  result.json: verdicts.consent.holds was false, now true');
    expect(io.stdout.some((l) => l.startsWith('DIFFERENT: 2 differences'))).toBe(true);
    expect(existsSync(join(keep, 'result.json'))).toBe(true);
  });

  it('exit 2 on a bad manifest, a manifest without a command, or one whose command writes no results', async () => {
    const { out } = await ran();
    const dir = join(base(), 'reproduce-bad');
    cpSync(out, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const cases: [unknown, RegExp][] = [
      [{ ...manifest, seeds: ['one'] }, /manifest\.json: seeds\.0: /],
      [{ ...manifest, command: null }, /manifest\.json: command: null/],
      [{ ...manifest, command: ['report', dir] }, /command\.0: 'report' does not write a results folder/],
    ];
    for (const [value, message] of cases) {
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(value));
      const io = memoryIo();
      expect(await runCli(['reproduce', join(dir, 'manifest.json')], io)).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
    }
    writeFileSync(join(dir, 'manifest.json'), 'not json');
    expect(await runCli(['reproduce', join(dir, 'manifest.json')], memoryIo())).toBe(2);
    expect(await runCli(['reproduce', join(dir, 'missing.json')], memoryIo())).toBe(2);
    // The command itself fails to start (its scenario is gone): exit 2 with the command's own error.
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, command: ['run', join(dir, 'gone.yaml')] }));
    const gone = memoryIo();
    expect(await runCli(['reproduce', join(dir, 'manifest.json')], gone)).toBe(2);
    expect(gone.stderr.join('\n')).toContain('gone.yaml');
  });

  it('withOut replaces every --out of the recorded command', () => {
    expect(withOut(['run', 'x.yaml', '--out', 'a', '--seed', '2', '--out=b'], '/tmp/z')).toEqual(['run', 'x.yaml', '--seed', '2', '--out', '/tmp/z']);
    expect(withOut(['start'], '/tmp/z')).toEqual(['start', '--out', '/tmp/z']);
  });
});

describe('diffResults of campaigns and matrices', () => {
  it('names per-run hashes, cells and mutants that changed; nothing when identical', () => {
    const c = join(base(), 'diff-campaign');
    makeCampaignFolder(c, 3);
    const a = loadReportInput(c);
    expect(diffResults(a, loadReportInput(c))).toEqual([]);
    const b = structuredClone(a);
    b.campaign!.runs![1]!.traceHash = 'ff';
    b.campaign!.campaign.wallMs += 1000; // wall time is not a result
    b.campaign!.campaign.runsPerSec *= 2;
    expect(diffResults(a, b)).toEqual([expect.stringMatching(/^runs\.jsonl: run 1 \(seed 8\) trace [0-9a-f]{16} violated \[.*\], now seed 8 trace ff violated/)]);
    const m = join(base(), 'diff-matrix');
    makeMatrixFolder(m);
    const x = loadReportInput(m);
    const y = structuredClone(x);
    y.matrix!.cells[0]!.observed = 'violated';
    y.matrix!.mutants[0]!.killed = false;
    const diffs = diffResults(x, y);
    expect(diffs).toHaveLength(2);
    expect(diffs[0]).toBe(`matrix.json: cell pp ${x.matrix!.cells[0]!.adversary} × ${x.matrix!.cells[0]!.invariant} was holds (expected holds, 1 runs), now violated (expected holds, 1 runs)`);
    expect(diffs[1]).toMatch(/^matrix\.json: mutants was /);
    expect(diffResults(x, { ...y, matrix: undefined })).toContain('matrix: present in the original, missing now');
  });
});
