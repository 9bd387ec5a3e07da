/**
 * `pph campaign`, `pph replay` and a small `pph matrix`, run in-process: exit codes (0 held, 1 an
 * expectation failed, 2 bad input naming the file or flag, 3 a replay whose trace differs) and the
 * files they write.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { resolveScenarioPath } from '../../scenarios/index.js';
import { CampaignFileSchema, checkValue, MatrixFileSchema, ReplayFileSchema } from '../../reports/schemas.js';
import { sealReplay, type CampaignSummary } from '../../sim/campaign.js';

const root = mkdtempSync(join(tmpdir(), 'pph-campaign-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MATRIX_YAML = readFileSync(resolveScenarioPath('matrix', process.cwd()), 'utf8');

/** The matrix world on another profile, as a scenario file. */
function scenarioOn(profile: string): string {
  const file = join(root, `matrix-${profile}.yaml`);
  const text = MATRIX_YAML.replace(/^name: matrix$/m, `name: cli-${profile}`).replace(/^profile: pp$/m, `profile: ${profile}`);
  expect(text).toContain(`profile: ${profile}\n`);
  writeFileSync(file, text);
  return file;
}

async function pph(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const replayFiles = (d: string) => readdirSync(d).filter((f) => f.startsWith('replay-') && f.endsWith('.json'));

describe('pph campaign', () => {
  it('exit 0 on a passing campaign; writes runs.jsonl, campaign.json and campaign-spec.json', async () => {
    const out = join(root, 'pass');
    const r = await pph('campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '2', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const summary = checkValue(CampaignFileSchema, JSON.parse(r.out), 'stdout') as unknown as CampaignSummary;
    expect(summary).toMatchObject({ ok: true, runs: 2, complete: true, missingMarks: [], unexpectedRuns: 0, attackers: ['key-seizure-later'] });
    // stdout is campaign.json plus the verdict (reports/verdict.ts)
    expect(summary).toMatchObject(JSON.parse(readFileSync(join(out, 'campaign.json'), 'utf8')));
    expect(readFileSync(join(out, 'runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(existsSync(join(out, 'campaign-spec.json'))).toBe(true);
    expect(replayFiles(out)).toEqual([]);
  });

  it('exit 2 on an unknown adversary, a bad --shard, a missing scenario (named), a scenario without adversaries', async () => {
    const unknown = await pph('campaign', 'matrix', '--adversary', 'no-such-adversary', '--out', join(root, 'x'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no-such-adversary');
    for (const shard of ['3/2', '0/2', '1/0', 'a/b', '1']) {
      const r = await pph('campaign', 'matrix', '--adversary', 'replay', '--shard', shard, '--out', join(root, 'x'));
      expect(r.code, shard).toBe(2);
      expect(r.err).toContain('--shard');
    }
    const missing = join(root, 'no-such-scenario.yaml');
    const m = await pph('campaign', missing, '--adversary', 'replay', '--out', join(root, 'x'));
    expect(m.code).toBe(2);
    expect(m.err).toContain('no-such-scenario.yaml');
    const none = await pph('campaign', 'matrix', '--out', join(root, 'x'));
    expect(none.code).toBe(2);
    expect(none.err).toContain('adversaries');
  });

  it('exit 2 when --resume finds a runs.jsonl broken before its last line, naming the file and line', async () => {
    const out = join(root, 'corrupt');
    mkdirSync(out, { recursive: true });
    // The folder of that same campaign (campaign-spec.json), whose runs.jsonl is broken on line 1.
    writeFileSync(join(out, 'campaign-spec.json'), readFileSync(join(root, 'pass', 'campaign-spec.json')));
    writeFileSync(join(out, 'runs.jsonl'), '{"run": 0, "torn\n{"run":1,"seed":1,"traceHash":"00","ok":true,"violated":[],"unexpected":[],"marks":{},"plans":[]}\n');
    const r = await pph('campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '2', '--resume', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain('runs.jsonl:1');
  });
});

describe('a campaign against a mutant, and pph replay of its counterexample', () => {
  const out = join(root, 'mutant');
  let campaign: { code: number; out: string; err: string };
  let replayFile: string;

  beforeAll(async () => {
    campaign = await pph('campaign', scenarioOn('pp-no-spent-record'), '--adversary', 'replay', '--runs', '1', '--shrink-runs', '2', '--out', out, '--json');
    replayFile = join(out, replayFiles(out)[0] ?? 'none.json');
  }, 60_000);

  it('pph campaign exits 1 when the mutant is broken, and saves the shrunk counterexample', () => {
    expect(campaign.code, campaign.err).toBe(1);
    const summary = JSON.parse(campaign.out) as CampaignSummary;
    expect(summary.ok).toBe(false);
    expect(summary.unexpectedRuns).toBe(1);
    expect(replayFiles(out)).toEqual(summary.replays.map((r) => r.file));
    const file = checkValue(ReplayFileSchema, JSON.parse(readFileSync(replayFile, 'utf8')), replayFile);
    expect((file.scenario as { profile: string }).profile).toBe('pp-no-spent-record');
  });

  it('pph replay exits 1 when the violation reproduces, with the same trace hash', async () => {
    const file = JSON.parse(readFileSync(replayFile, 'utf8')) as { traceHash: string; unexpected: string[] };
    const r = await pph('replay', replayFile, '--json');
    expect(r.code, r.err).toBe(1);
    const got = JSON.parse(r.out) as { reproduced: boolean; sameTrace: boolean; traceHash: string; unexpected: string[] };
    expect(got).toMatchObject({ reproduced: true, sameTrace: true, traceHash: file.traceHash, unexpected: file.unexpected });
    const text = await pph('replay', replayFile);
    expect(text.code).toBe(1);
    expect(text.out).toContain(file.traceHash);
  });

  it('pph replay exits 3 when the trace of an intact file differs, 2 when the file was edited', async () => {
    const file = JSON.parse(readFileSync(replayFile, 'utf8')) as { traceHash: string };
    const other = file.traceHash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    // Intact (sealed with its integrity digest) but recording another trace: a real divergence.
    const diverged = join(root, 'diverged.json');
    writeFileSync(diverged, JSON.stringify(sealReplay({ ...file, traceHash: other })));
    const r = await pph('replay', diverged, '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ sameTrace: false, expectedTraceHash: other, traceHash: file.traceHash });
    // The same change without the digest: an edited file, bad input.
    const tampered = join(root, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...file, traceHash: other }));
    const edited = await pph('replay', tampered, '--json');
    expect(edited.code).toBe(2);
    expect(edited.err).toContain('edited: integrity');
  });

  it('pph replay exits 2 on a missing, a non-JSON or an incomplete file, naming it', async () => {
    const missing = await pph('replay', join(root, 'no-such-replay.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no-such-replay.json');
    const notJson = join(root, 'not-json.json');
    writeFileSync(notJson, '{"kind": "replay", ');
    const bad = await pph('replay', notJson);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('not-json.json');
    const incomplete = join(root, 'incomplete.json');
    writeFileSync(incomplete, JSON.stringify({ kind: 'replay', seed: 1 }));
    const inc = await pph('replay', incomplete);
    expect(inc.code).toBe(2);
    expect(inc.err).toContain('incomplete.json');
  });
});

describe('pph matrix (small)', () => {
  it('pp and one mutant, two adversaries: exit 0, matrix.json in the schema, the mutant killed', async () => {
    const out = join(root, 'matrix');
    const r = await pph('matrix', '--profiles', 'pp,pp-no-spent-record', '--adversaries', 'replay,metadata-correlation', '--runs', '2', '--kill-rounds', '3', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const text = readFileSync(join(out, 'matrix.json'), 'utf8');
    const matrix = checkValue(MatrixFileSchema, JSON.parse(text), 'matrix.json');
    expect(JSON.parse(r.out)).toMatchObject(JSON.parse(text));
    expect(matrix.profiles).toEqual(['pp', 'pp-no-spent-record']);
    expect(matrix.adversaries).toEqual(['replay', 'metadata-correlation']);
    // Every adversary × invariant on pp, each as expected; a cell's replay file exists.
    const pp = matrix.cells.filter((c) => c.profile === 'pp');
    expect(pp).toHaveLength(2 * matrix.invariants.length);
    for (const c of pp) {
      expect(c.observed, `${c.adversary}/${c.invariant}`).toBe(c.expected);
      expect(c.runs).toBe(2);
      if (c.replay) expect(existsSync(join(out, c.replay)), c.replay).toBe(true);
    }
    expect(pp.find((c) => c.adversary === 'metadata-correlation' && c.invariant === 'unlinkability')).toMatchObject({ expected: 'violated', observed: 'violated' });
    const [mutant] = matrix.mutants;
    expect(matrix.mutants).toHaveLength(1);
    expect(mutant).toMatchObject({ profile: 'pp-no-spent-record', killed: true });
    expect(['replay', 'metadata-correlation']).toContain(mutant!.by);
    expect(mutant!.runsToKill).toBeGreaterThan(0);
    expect(mutant!.runsToKill).toBeLessThanOrEqual(2 * 3);
    expect(existsSync(join(out, mutant!.replay!))).toBe(true);
    expect(existsSync(join(out, 'matrix.md'))).toBe(true);
    // The kill is a counterexample that reproduces.
    expect((await pph('replay', join(out, mutant!.replay!))).code).toBe(1);
  });

  it('exit 2 on an unknown profile or adversary', async () => {
    expect((await pph('matrix', '--profiles', 'pp,pp-no-such', '--out', join(root, 'm2'))).code).toBe(2);
    const r = await pph('matrix', '--adversaries', 'replay,nobody', '--out', join(root, 'm2'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('nobody');
  });
});
