/**
 * Laws of campaigns (issue 5): a shrunk counterexample still fails when replayed; replay files are
 * byte-identical across two runs of the same campaign; worker threads, shards merged with
 * `pph merge`, and an interrupted campaign continued with `--resume` all give the result of one
 * uninterrupted process. The campaign attacks a mutant (`pp-no-spent-record`, token double-spend
 * not recorded) with the generic `replay` adversary, so some of its runs fail and shrink.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as catalogue from '../../adversaries/index.js';
import { runCampaign, readRunLines, type CampaignResult, type PoolOptions } from '../../cli/campaign/pool.js';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { checkValue, ReplayFileSchema } from '../../reports/schemas.js';
import { deterministicPart, replayRun, resolveAll, runArbitrary, type CampaignSpec, type CampaignSummary, type Catalogue, type ReplayFile } from '../../sim/campaign.js';
import { matrixWorld, onProfile } from '../adversaries/catalogue.js';

const CS: CampaignSpec = { spec: onProfile(matrixWorld(), 'pp-no-spent-record'), attackers: ['replay'], expect: {}, seed: 1, runs: 5, shrinkRuns: 3 };

const root = mkdtempSync(join(tmpdir(), 'pph-campaign-laws-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => join(root, name);
const options = (o: Partial<PoolOptions>): PoolOptions => ({ workers: 1, shard: null, timeLimitS: null, outDir: null, resume: false, ...o });

const replayNames = (d: string) => readdirSync(d).filter((f) => f.startsWith('replay-') && f.endsWith('.json')).sort();
const readReplay = (d: string, f: string) => checkValue(ReplayFileSchema, JSON.parse(readFileSync(join(d, f), 'utf8')), f) as unknown as ReplayFile;
const hashesByRun = (r: CampaignResult) => Object.fromEntries(r.lines.map((l) => [l.run, l.traceHash]));
const sortedLines = (d: string) => readFileSync(join(d, 'runs.jsonl'), 'utf8').split('\n').filter(Boolean).sort();

let one: CampaignResult;
let two: CampaignResult;

beforeAll(async () => {
  one = await runCampaign(CS, options({ workers: 1, outDir: dir('one') }));
  two = await runCampaign(CS, options({ workers: 2, outDir: dir('two') }));
}, 120_000);

describe('a campaign against a mutant', () => {
  it('has failing and passing runs, each failure shrunk and saved as a replay file', () => {
    const failing = one.lines.filter((l) => !l.ok);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(CS.runs);
    expect(one.summary.ok).toBe(false);
    expect(one.replays).toHaveLength(failing.length);
    expect(one.summary.shrinkSteps, 'no failure shrank at all').toBeGreaterThan(0);
    expect(replayNames(dir('one'))).toEqual(one.summary.replays.map((r) => r.file).sort());
  });
});

describe('a shrunk counterexample still fails when replayed', () => {
  it('same trace hash, same verdicts, the same invariant broken', () => {
    const adversaries = resolveAll(catalogue as Catalogue, CS.attackers);
    for (const name of replayNames(dir('one'))) {
      const file = readReplay(dir('one'), name);
      expect(file.unexpected.length, name).toBeGreaterThan(0);
      expect(name).toBe(`replay-${file.unexpected[0]}-${file.run}.json`);
      const again = replayRun(file, catalogue as Catalogue);
      expect(again.detail.result.traceHash, name).toBe(file.traceHash);
      expect(again.violated).toEqual(file.violated);
      expect(again.unexpected).toEqual(file.unexpected);
      for (const [id, v] of Object.entries(file.verdicts)) expect(again.detail.result.verdicts[id]?.holds, `${name}: ${id}`).toBe(v.holds);
      // The fast-check seed and path of the file regenerate exactly its shrunk input.
      let regenerated: unknown;
      fc.check(
        fc.property(runArbitrary(file.scenario, adversaries), (v) => {
          regenerated ??= v;
          return true;
        }),
        { seed: file.fcSeed, path: file.path, numRuns: 1 },
      );
      expect(regenerated).toEqual([file.seed, ...file.plan]);
    }
  });

  it('the shrunk input is no bigger than the run it came from', () => {
    for (const r of one.replays) {
      const line = one.lines.find((l) => l.run === r.run)!;
      expect(JSON.stringify(r.plan).length).toBeLessThanOrEqual(JSON.stringify(line.plans).length);
      expect(r.shrinkSteps).toBe(line.shrinkSteps);
    }
  });
});

describe('two runs of the same campaign', () => {
  it('write byte-identical replay files and the same run lines', () => {
    expect(replayNames(dir('two'))).toEqual(replayNames(dir('one')));
    for (const f of replayNames(dir('one'))) expect(readFileSync(join(dir('two'), f), 'utf8'), f).toBe(readFileSync(join(dir('one'), f), 'utf8'));
    expect(sortedLines(dir('two'))).toEqual(sortedLines(dir('one')));
  });

  it('workers: 2 gives the summary and per-run trace hashes of workers: 1', () => {
    expect(two.summary.workers).toBe(2);
    expect(deterministicPart(two.summary)).toEqual(deterministicPart(one.summary));
    expect(hashesByRun(two)).toEqual(hashesByRun(one));
    expect(Object.keys(hashesByRun(one))).toHaveLength(CS.runs);
  });
});

describe('shards', () => {
  it('shards 1/2 and 2/2 merged with `pph merge` equal the unsharded campaign', async () => {
    const a = await runCampaign(CS, options({ shard: { index: 1, count: 2 }, outDir: dir('shard-1') }));
    const b = await runCampaign(CS, options({ shard: { index: 2, count: 2 }, outDir: dir('shard-2') }));
    expect(a.lines.map((l) => l.run)).toEqual([0, 2, 4]);
    expect(b.lines.map((l) => l.run)).toEqual([1, 3]);
    const io = memoryIo();
    const code = await runCli(['merge', dir('shard-1'), dir('shard-2'), '--out', dir('merged'), '--json'], io);
    expect(code, io.stderr.join('\n')).toBe(one.summary.ok ? 0 : 1);
    const merged = JSON.parse(readFileSync(join(dir('merged'), 'campaign.json'), 'utf8')) as CampaignSummary;
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject(merged);
    expect(merged.shards.sort()).toEqual(['1/2', '2/2']);
    expect(deterministicPart(merged)).toEqual(deterministicPart(one.summary));
    expect(replayNames(dir('merged'))).toEqual(replayNames(dir('one')));
    for (const f of replayNames(dir('one'))) expect(readFileSync(join(dir('merged'), f), 'utf8')).toBe(readFileSync(join(dir('one'), f), 'utf8'));
    expect(sortedLines(dir('merged'))).toEqual(sortedLines(dir('one')));
  });

  it('`pph merge` refuses folders of different campaigns (exit 2, naming the field)', async () => {
    const other = dir('other-seed');
    mkdirSync(other, { recursive: true });
    const summary = JSON.parse(readFileSync(join(dir('shard-2'), 'campaign.json'), 'utf8')) as CampaignSummary;
    writeFileSync(join(other, 'campaign.json'), JSON.stringify({ ...summary, seed: summary.seed + 1 }));
    const io = memoryIo();
    expect(await runCli(['merge', dir('shard-1'), other, '--out', dir('merged-bad')], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('seed');
  });
});

describe('resume', () => {
  it('an interrupted campaign with a torn last line, resumed, equals the uninterrupted one', async () => {
    const d = dir('resumed');
    // Interrupted (as by SIGINT) after two finished runs: both are kept.
    const stop = { requested: false };
    const cut = await runCampaign(CS, options({ outDir: d, stop, onRun: (_l, done) => void (done >= 2 && (stop.requested = true)) }));
    expect(cut.interrupted).toBe(true);
    expect(cut.summary.runs).toBe(2);
    expect(cut.summary.complete).toBe(false);
    // The process died while writing the third line.
    const third = readFileSync(join(dir('one'), 'runs.jsonl'), 'utf8').split('\n')[2]!;
    appendFileSync(join(d, 'runs.jsonl'), third.slice(0, Math.floor(third.length / 2)));
    expect(readRunLines(join(d, 'runs.jsonl')).map((l) => l.run)).toEqual([0, 1]);

    const resumed = await runCampaign(CS, options({ outDir: d, resume: true }));
    expect(resumed.interrupted).toBe(false);
    expect(deterministicPart(resumed.summary)).toEqual(deterministicPart(one.summary));
    expect(hashesByRun(resumed)).toEqual(hashesByRun(one));
    expect(JSON.parse(readFileSync(join(d, 'campaign.json'), 'utf8'))).toEqual(resumed.summary);
    // The file holds every run once, readable by the next --resume or `pph merge`.
    expect(readRunLines(join(d, 'runs.jsonl')).map((l) => l.run).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(sortedLines(d)).toEqual(sortedLines(dir('one')));
    for (const f of replayNames(dir('one'))) expect(readFileSync(join(d, f), 'utf8')).toBe(readFileSync(join(dir('one'), f), 'utf8'));
  });

  it('resuming a finished campaign runs nothing and changes nothing', async () => {
    const d = dir('one');
    const before = readFileSync(join(d, 'runs.jsonl'), 'utf8');
    let ran = 0;
    const again = await runCampaign(CS, options({ outDir: d, resume: true, onRun: () => void ran++ }));
    expect(ran).toBe(0);
    expect(readFileSync(join(d, 'runs.jsonl'), 'utf8')).toBe(before);
    expect(deterministicPart(again.summary)).toEqual(deterministicPart(one.summary));
  });
});
