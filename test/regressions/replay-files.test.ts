/**
 * Issue 14, "Replay files": of 117 corrupted replay files, 11 crashed with exit 70 (unknown or
 * duplicated attacker, `plan` null/5/[]/bad op, `scenario: {}`, `users: 0`, restart of node 99), 2
 * hung (`nodes: 100000`, `requests: 1e9`: the embedded scenario was never validated), edits to
 * scenario, seed or plan gave exit 3 "the simulator is not deterministic", and edits to
 * scenarioHash, verdicts, campaignSeed, run, ablations were ignored (`invariants: []` gave exit 0).
 * Now: a schema, the embedded scenario validated and hashed, the plans checked against the
 * adversaries' own arbitraries, and an integrity digest over the whole content. Every case is
 * exit 2 naming the field (and a ReplayFileError with its code); exit 3 stays for the trace of an
 * intact file that differs; exit 1 is a reproduced violation.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { parseReplayFile, ReplayFileError, sampleReplayFile } from '../../cli/replay-file.js';
import { TARGETS, fuzzProperty } from '../../cli/commands/fuzz.js';
import { resolveScenarioPath } from '../../scenarios/index.js';
import { replayIntegrity, sealReplay } from '../../sim/campaign.js';
import fc from 'fast-check';

const root = mkdtempSync(join(tmpdir(), 'pph-regress-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Json = Record<string, any>;
let original: Json;
let originalFile: string;

async function pph(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

/** A real counterexample: the mutant without a spent-token record, attacked by `replay`. */
beforeAll(async () => {
  const yaml = readFileSync(resolveScenarioPath('matrix', process.cwd()), 'utf8').replace(/^name: matrix$/m, 'name: regress-replay').replace(/^profile: pp$/m, 'profile: pp-no-spent-record');
  writeFileSync(join(root, 'mutant.yaml'), yaml);
  const out = join(root, 'campaign');
  const r = await pph('campaign', join(root, 'mutant.yaml'), '--adversary', 'replay', '--runs', '1', '--shrink-runs', '2', '--out', out, '--json');
  expect(r.code, r.err).toBe(1);
  const name = readdirSync(out).find((f) => f.startsWith('replay-'))!;
  originalFile = join(out, name);
  original = JSON.parse(readFileSync(originalFile, 'utf8')) as Json;
}, 120_000);

let n = 0;
/** Writes a variant of the real replay file; `edit` changes the parsed copy. */
function variant(edit: (f: Json) => void): string {
  const f = structuredClone(original);
  edit(f);
  const file = join(root, `variant-${n++}.json`);
  writeFileSync(file, JSON.stringify(f));
  return file;
}

/** `pph replay` on the variant: exit 2, the field named in the message, and the typed error's code. */
async function refused(edit: (f: Json) => void, field: string, code: string) {
  const file = variant(edit);
  const r = await pph('replay', file, '--json');
  expect(r.code, r.err).toBe(2);
  expect(r.err).toContain(`: ${field}`);
  expect(r.out).toBe('');
  let thrown: unknown;
  try {
    parseReplayFile(readFileSync(file, 'utf8'), 'variant.json');
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ReplayFileError);
  expect((thrown as ReplayFileError).code).toBe(code);
  expect((thrown as ReplayFileError).field).toBe(field);
}

describe('the intact file', () => {
  it('is sealed by the campaign writer and reproduces (exit 1)', async () => {
    expect(original.integrity).toBe(replayIntegrity(original));
    const r = await pph('replay', originalFile, '--json');
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ reproduced: true, sameTrace: true, traceHash: original.traceHash });
  });

  it('a true divergence of an intact file (a different recorded trace, sealed again) stays exit 3', async () => {
    const f = sealReplay({ ...structuredClone(original), traceHash: original.traceHash.replace(/^./, (c: string) => (c === '0' ? '1' : '0')) });
    const file = join(root, 'diverged.json');
    writeFileSync(file, JSON.stringify(f));
    const r = await pph('replay', file, '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ sameTrace: false, traceHash: original.traceHash });
  });
});

describe('cases that crashed with exit 70: now exit 2 naming the field', () => {
  it('an unknown attacker, a duplicated attacker', async () => {
    await refused((f) => (f.attackers = ['no-such-adversary']), 'attackers.0', 'attackers');
    await refused((f) => (f.attackers = ['replay', 'replay']), 'attackers.1', 'attackers');
    // A coalition that already holds a member.
    await refused((f) => (f.attackers = ['relay+gateway', 'malicious-relay']), 'attackers.1', 'attackers');
  });

  it('plan null, 5, [], a bad op, one plan too many', async () => {
    await refused((f) => (f.plan = null), 'plan', 'schema');
    await refused((f) => (f.plan = 5), 'plan', 'schema');
    await refused((f) => (f.plan = []), 'plan', 'schema');
    await refused((f) => (f.plan[0][0].op = 'explode'), 'plan.0', 'plan');
    await refused((f) => f.plan.push(f.plan[0]), 'plan', 'plan');
  });

  it('scenario {}, users 0, a restart of node 99 (in the scenario and in a plan)', async () => {
    await refused((f) => (f.scenario = {}), 'scenario.name', 'scenario');
    await refused((f) => (f.scenario.world.users = 0), 'scenario.world.users', 'scenario');
    await refused((f) => (f.scenario.faults.nodeRestarts = [{ node: 99, atMs: 100 }]), 'scenario.faults.nodeRestarts.0.node', 'scenario');
    await refused(
      (f) => {
        f.attackers = ['curious-host'];
        f.plan = [{ restarts: [{ node: 99, atMs: 100 }], io: [] }];
      },
      'plan.0',
      'plan',
    );
  });
});

describe('cases that hung: refused before anything runs', () => {
  it('nodes 100000, requests 1e9', async () => {
    await refused((f) => (f.scenario.world.nodes = 100_000), 'scenario.world.nodes', 'scenario');
    await refused((f) => (f.scenario.world.requests = 1e9), 'scenario.world.requests', 'scenario');
  });
});

describe('edited files: exit 2 "edited", never exit 3 and never ignored', () => {
  it('scenario (valid but different), ablations, invariants: [] → scenarioHash does not match', async () => {
    await refused((f) => (f.scenario.world.users = f.scenario.world.users + 1), 'scenarioHash', 'edited');
    await refused((f) => (f.scenario.ablations = ['token-spend']), 'scenarioHash', 'edited');
    await refused((f) => ((f.scenario.invariants = []), (f.scenario.expect = {})), 'scenarioHash', 'edited');
  });

  it('scenarioHash itself', async () => {
    await refused((f) => (f.scenarioHash = '0'.repeat(64)), 'scenarioHash', 'edited');
  });

  it('seed, plan (a plan the adversary could draw), verdicts, shrinkSteps, expected → integrity', async () => {
    await refused((f) => (f.seed = f.seed + 1), 'integrity', 'edited');
    await refused((f) => (f.plan[0][0].arg = (f.plan[0][0].arg + 1) % 1000), 'integrity', 'edited');
    await refused((f) => (f.verdicts.freshness.holds = !f.verdicts.freshness.holds), 'integrity', 'edited');
    await refused((f) => (f.shrinkSteps = f.shrinkSteps + 5), 'integrity', 'edited');
    await refused((f) => (f.expected.freshness = 'violated'), 'integrity', 'edited');
  });

  it('campaignSeed, run → fcSeed no longer theirs', async () => {
    await refused((f) => (f.campaignSeed = f.campaignSeed + 1), 'fcSeed', 'edited');
    await refused((f) => (f.run = f.run + 3), 'fcSeed', 'edited');
  });

  it('integrity missing or malformed (a file of an older pph, or hand-made)', async () => {
    await refused((f) => delete f.integrity, 'integrity', 'schema');
    await refused((f) => (f.integrity = 'md5:abc'), 'integrity', 'schema');
  });
});

describe('pph fuzz targets replay-file and runs-jsonl-line', () => {
  it('the sample replay file is intact; mutations of it only ever give ReplayFileError', () => {
    expect(parseReplayFile(JSON.stringify(sampleReplayFile()), 'sample.json').kind).toBe('replay');
    const details = fc.check(fuzzProperty(TARGETS['replay-file']!), { numRuns: 300, seed: 14 });
    expect(details.failed, String(details.errorInstance)).toBe(false);
  });

  it('runs-jsonl-line: only typed errors', () => {
    const details = fc.check(fuzzProperty(TARGETS['runs-jsonl-line']!), { numRuns: 500, seed: 14 });
    expect(details.failed, String(details.errorInstance)).toBe(false);
  });
});
