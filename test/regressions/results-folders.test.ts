/**
 * Issue 11, "Results a researcher can find again":
 *
 * - `pph reproduce pph-results/run-default-seed-1/manifest.json` re-ran all of `pph start` (272 s)
 *   and then failed with `no results`, leaving an 8.7 MB temporary folder. Now each folder's
 *   manifest records the command that makes that folder alone (a start folder says `pph run ...`
 *   or `pph matrix ...`; an old manifest saying `start` is mapped to its part), reproduce works on
 *   every kind of results folder (run, campaign, merged shards, matrix, bench, metadata), and its
 *   temporary folder is removed whatever the outcome.
 * - Two campaigns on the same scenario with another --profile wrote the same default folder, the
 *   second silently over the first. Now the default folder is named after the configuration, and
 *   an identical configuration is refused (not empty) unless --force or --resume.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { folderCommand } from '../../cli/commands/reproduce.js';
import { loadReportInput } from '../../reports/report-input.js';

const root = mkdtempSync(join(tmpdir(), 'pph-regress-results-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function pph(argv: string[], cwd = root) {
  const io = { ...memoryIo(), cwd };
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

// Every `pph reproduce` here gets its own system temporary directory, so that what it leaves
// behind (nothing) can be seen.
let tmp = '';
let savedTmp: string | undefined;
beforeEach(() => {
  savedTmp = process.env.TMPDIR;
  tmp = mkdtempSync(join(root, 'tmp-'));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

/** What reproduce left in the temporary directory (workers may keep a tsx cache there: not ours). */
const leftovers = () => readdirSync(tmp).filter((f) => f.startsWith('pph-reproduce-'));

const manifestCommand = (dir: string) => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { command: string[] }).command;

async function reproduces(dir: string): Promise<string> {
  const r = await pph(['reproduce', join(dir, 'manifest.json')]);
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  expect(r.out).toMatch(/^identical: /m);
  expect(leftovers(), 'the temporary re-run folder is removed').toEqual([]);
  return r.out;
}

describe('pph reproduce: one folder, its own command, every kind, no leftovers', () => {
  it('a pph start run folder re-runs only that run (and an old manifest saying `start` too)', async () => {
    const s = join(root, 'start');
    const r = await pph(['start', '--out', s, '--no-matrix']);
    expect(r.code, r.err).toBe(0);
    const runDir = join(s, 'run-default-seed-1');
    expect(manifestCommand(runDir).slice(0, 4)).toEqual(['run', 'default', '--seed', '1']);
    const out = await reproduces(runDir);
    expect(out).toMatch(/re-running: pph run default --seed 1 --out /);
    // A manifest written before says `start` for the run folder: mapped to the run it holds.
    const legacy = folderCommand(['start'], loadReportInput(runDir));
    expect(legacy[0]).toBe('run');
    expect(legacy[1]).toMatch(/default(\.yaml)?$/);
    expect(legacy.slice(2)).toEqual(['--seed', '1']);
  }, 120_000);

  it('an old `start` manifest of a matrix folder maps to pph matrix with start\'s budget', () => {
    const input = { dir: '/x', matrix: {} } as unknown as Parameters<typeof folderCommand>[1];
    expect(folderCommand(['start', '--runs', '2', '--workers', '1'], input)).toEqual(['matrix', '--runs', '2', '--kill-rounds', '10', '--workers', '1']);
    expect(folderCommand(['campaign', 'x'], input)).toEqual(['campaign', 'x']);
  });

  it('a campaign folder, and the merge of its two shards', async () => {
    const c = join(root, 'campaign');
    const argv = ['campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '2'];
    expect((await pph([...argv, '--out', c])).code).toBe(0);
    expect(await reproduces(c)).toMatch(/identical: 2 campaign runs \(per-run trace hashes\)/);
    for (const i of [1, 2]) expect((await pph([...argv, '--shard', `${i}/2`, '--out', join(root, `shard-${i}`)])).code).toBe(0);
    const merged = join(root, 'merged');
    const m = await pph(['merge', join(root, 'shard-1'), join(root, 'shard-2'), '--out', merged]);
    expect(m.code, m.err).toBe(0);
    expect(await reproduces(merged)).toMatch(/identical: 2 campaign runs/);
  }, 120_000);

  it('a matrix folder', async () => {
    const d = join(root, 'matrix');
    const r = await pph(['matrix', '--profiles', 'pp', '--adversaries', 'metadata-correlation', '--runs', '1', '--kill-rounds', '1', '--workers', '1', '--out', d]);
    expect(r.code, r.err).toBe(0);
    expect(await reproduces(d)).toMatch(/identical: \d+ matrix cells and 0 mutants/);
  }, 120_000);

  it('a bench folder (what was measured, not the timings) and a metadata folder (the curves)', async () => {
    const b = join(root, 'bench');
    expect((await pph(['bench', '--suite', 'bhttp', '--time', '1', '--out', b])).code).toBe(0);
    expect(await reproduces(b)).toContain('identical: the bench suites measured (timings not compared)');
    const m = join(root, 'metadata');
    expect((await pph(['metadata', '--requests', '100', '--clients', '10', '--out', m])).code).toBe(0);
    expect(manifestCommand(m)[0]).toBe('metadata');
    expect(await reproduces(m)).toContain('identical: the metadata curves');
  }, 120_000);

  it('the temporary folder is removed when the results differ and when the command cannot run', async () => {
    const d = join(root, 'differs');
    const tiny = join(root, 'tiny.yaml');
    writeFileSync(tiny, 'name: tiny\nworld: { users: 2, optedOutUsers: 0, chats: 2, excludedChats: 0, requests: 2 }\n');
    expect((await pph(['run', tiny, '--seed', '4', '--out', d])).code).toBe(0);
    const result = JSON.parse(readFileSync(join(d, 'result.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'result.json'), JSON.stringify({ ...result, traceHash: '0'.repeat(64) }));
    const diff = await pph(['reproduce', join(d, 'manifest.json')]);
    expect(diff.code).toBe(1);
    expect(leftovers()).toEqual([]);
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, command: ['run', join(root, 'gone.yaml')] }));
    expect((await pph(['reproduce', join(d, 'manifest.json')])).code).toBe(2);
    expect(leftovers()).toEqual([]);
  }, 120_000);
});

describe('default output folders never collide', () => {
  it('campaigns differing in --profile, --seed or --adversary get their own folder; the same one is refused', async () => {
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    const base = ['campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '1'];
    expect((await pph([...base, '--profile', 'pp'], cwd)).code).toBe(0);
    expect((await pph([...base, '--profile', 'pcc'], cwd)).code).toBe(0);
    expect((await pph([...base, '--profile', 'pp', '--seed', '2'], cwd)).code).toBe(0);
    expect((await pph(['campaign', 'matrix', '--adversary', 'replay', '--runs', '1'], cwd)).code).toBe(0);
    const folders = readdirSync(join(cwd, 'pph-results')).sort();
    expect(folders).toEqual([
      'campaign-matrix-pcc-key-seizure-later-seed-1',
      'campaign-matrix-pp-key-seizure-later-seed-1',
      'campaign-matrix-pp-key-seizure-later-seed-2',
      'campaign-matrix-pp-replay-seed-1',
    ]);
    for (const f of folders) expect(loadReportInput(join(cwd, 'pph-results', f)).campaign).toBeTruthy();
    const pp = join(cwd, 'pph-results', 'campaign-matrix-pp-key-seizure-later-seed-1', 'campaign.json');
    const before = readFileSync(pp, 'utf8');
    const again = await pph([...base, '--profile', 'pp'], cwd);
    expect(again.code).toBe(2);
    expect(again.err).toContain('ResultsDirError [not-empty]');
    expect(readFileSync(pp, 'utf8')).toBe(before);
    expect(existsSync(join(cwd, 'pph-results', 'campaign-matrix'))).toBe(false);
  }, 120_000);
});
