import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { hashEvents, parseTraceJsonl } from '../../sim/trace.js';
import { INVARIANT_IDS } from '../../model/invariant-ids.js';

const TINY = `name: tiny-cli
world: { users: 1, chats: 2, excludedChats: 0, optedOutUsers: 0, messagesPerChat: 3, nodes: 2, requests: 2, tokensPerUser: 2, witnesses: 1, witnessQuorum: 1 }
network: { loss: 0 }
`;

function scenarioFile(text = TINY): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pph-run-'));
  const file = join(dir, 'tiny.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('pph run', () => {
  it('prints the seed and scenario hash first, a line per invariant, the reproduce line last; exit 0', async () => {
    const { file } = scenarioFile();
    const io = memoryIo();
    const code = await runCli(['run', file, '--seed', '7'], io);
    expect(code).toBe(0);
    expect(io.stdout[0]).toMatch(/^pph run tiny-cli {2}seed=7 {2}scenario=[0-9a-f]{16}/);
    expect(io.stdout[1]).toContain('profile=pp');
    for (const id of ['confidentiality', 'attestation', 'liveness', 'non-targetability']) expect(io.stdout.some((l) => l.includes(id) && l.includes('holds'))).toBe(true);
    expect(io.stdout[io.stdout.length - 1]).toBe(`reproduce: pph run ${file} --seed 7`);
  });

  it('--json prints the RunResult; the same seed gives the same traceHash', async () => {
    const { file } = scenarioFile();
    const a = memoryIo();
    const b = memoryIo();
    expect(await runCli(['run', file, '--seed', '3', '--json'], a)).toBe(0);
    await runCli(['run', file, '--seed', '3', '--json'], b);
    const ra = JSON.parse(a.stdout.join('\n'));
    expect(ra.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ra.verdicts.confidentiality).toMatchObject({ holds: true, expected: 'holds' });
    expect(Object.keys(ra.verdicts)).toHaveLength(INVARIANT_IDS.length);
    expect(ra).toMatchObject({ schemaVersion: 1, kind: 'run', ok: true, status: 'pass' });
    expect(JSON.parse(b.stdout.join('\n')).traceHash).toBe(ra.traceHash);
  });

  it('--out writes result.json, trace.jsonl and summary.md; the trace file hashes to traceHash', async () => {
    const { dir, file } = scenarioFile();
    const out = join(dir, 'out');
    expect(await runCli(['run', file, '--seed', '2', '--out', out], memoryIo())).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    const trace = parseTraceJsonl(readFileSync(join(out, 'trace.jsonl'), 'utf8'));
    expect(hashEvents(trace)).toBe(result.traceHash);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| confidentiality | holds | holds | yes |');
    const show = memoryIo();
    expect(await runCli(['trace', 'show', join(out, 'trace.jsonl'), '--kind', 'verify'], show)).toBe(0);
    expect(show.stdout[show.stdout.length - 1]).toBe(`${trace.length} events, trace hash ${result.traceHash}`);
  });

  it('exits 1 when a verdict does not match its expectation', async () => {
    const { file } = scenarioFile(TINY + 'expect: { liveness: violated }\n');
    const io = memoryIo();
    expect(await runCli(['run', file, '--seed', '1'], io)).toBe(1);
    expect(io.stdout.some((l) => l.includes('FAIL') && l.includes('liveness'))).toBe(true);
  });

  it('exits 2 with file, line and field on a bad scenario', async () => {
    const { file } = scenarioFile('name: bad\nworld:\n  nodes: 1000\n');
    const io = memoryIo();
    expect(await runCli(['run', file], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/ScenarioError \[schema\]: .*tiny\.yaml:3: world\.nodes/);
  });

  it('exits 2 on a missing file, an unknown flag or a bad seed', async () => {
    expect(await runCli(['run', '/nonexistent/x.yaml'], memoryIo())).toBe(2);
    expect(await runCli(['run', '--frobnicate'], memoryIo())).toBe(2);
    expect(await runCli(['run', 'default', '--seed', 'abc'], memoryIo())).toBe(2);
  });
});

describe('pph trace show / fuzz / help', () => {
  it('trace show refuses a file that is not a trace (exit 2, names the line)', async () => {
    const { dir } = scenarioFile();
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"i":0,"t":0,"kind":"send","party":"a","what":"x"}\nnot json\n');
    const io = memoryIo();
    expect(await runCli(['trace', 'show', f], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('bad.jsonl:2');
  });

  it('fuzz runs a parser and reports only typed errors', async () => {
    const io = memoryIo();
    expect(await runCli(['fuzz', 'bhttp-request', '--runs', '500'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^bhttp-request +inputs +500 +typed errors +\d+ +accepted +\d+ +crashes 0 +\(seed 1[^)]*\)$/);
    expect(await runCli(['fuzz', 'nope'], memoryIo())).toBe(2);
  });

  it('--help lists every command; each command has its own --help', async () => {
    const io = memoryIo();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const c of ['run', 'start', 'trace', 'evidence', 'ohttp', 'tlog', 'fuzz']) {
      expect(io.stdout.some((l) => l.trimStart().startsWith(c))).toBe(true);
      const h = memoryIo();
      expect(await runCli([c, '--help'], h)).toBe(0);
      expect(h.stdout.join('\n')).toContain(`pph ${c}`);
    }
    expect(await runCli([], memoryIo())).toBe(2);
    expect(await runCli(['nope'], memoryIo())).toBe(2);
  });

  it('start --no-matrix writes the default run and its report under the given folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pph-start-'));
    const io = memoryIo();
    expect(await runCli(['start', '--out', join(dir, 'r'), '--no-matrix'], io)).toBe(0);
    expect(existsSync(join(dir, 'r', 'run-default-seed-1', 'result.json'))).toBe(true);
    expect(existsSync(join(dir, 'r', 'run-default-seed-1', 'index.html'))).toBe(true);
    expect(io.stdout[0]).toMatch(/^PASS  run default · seed 1 · (\d+)\/\1 verdicts as expected/);
    expect(io.stdout[io.stdout.length - 1]).toMatch(/report: .*r\/run-default-seed-1\/index\.html$/);
  });

  it('start rejects a bad flag with exit 2 before running anything', async () => {
    const io = memoryIo();
    expect(await runCli(['start', '--runs', 'many'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/--runs expects an unsigned integer, got 'many'/);
  });
});

describe('pph run and its scenario adversaries, the goodput expectation', () => {
  const ATTACKED = TINY + 'adversaries: [malicious-relay]\n';

  it('a scenario that lists adversaries runs under them (plans drawn from the seed, deterministic)', async () => {
    const { file } = scenarioFile(ATTACKED);
    const a = memoryIo();
    const b = memoryIo();
    await runCli(['run', file, '--seed', '4', '--json'], a);
    await runCli(['run', file, '--seed', '4', '--json'], b);
    const ra = JSON.parse(a.stdout.join('\n'));
    expect(ra).toMatchObject({ schemaVersion: 1, kind: 'run', adversaries: ['malicious-relay'] });
    expect(ra.marks['gateway.decap-failed'] ?? 0).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(b.stdout.join('\n')).traceHash).toBe(ra.traceHash);
    const plain = memoryIo();
    await runCli(['run', scenarioFile().file, '--seed', '4', '--json'], plain);
    expect(JSON.parse(plain.stdout.join('\n')).adversaries).toEqual([]);
  });

  it('an unknown adversary in the scenario: exit 2, file, field and a did-you-mean', async () => {
    const { file } = scenarioFile(TINY + 'adversaries: [malicious-rely]\n');
    const io = memoryIo();
    expect(await runCli(['run', file], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/tiny\.yaml: adversaries\.0: unknown adversary 'malicious-rely' \(did you mean malicious-relay\?\)/);
  });

  it('runScenario refuses a scenario with adversaries (typed error, code adversaries)', async () => {
    const { runScenario, ScenarioAdversariesError } = await import('../../sim/runner.js');
    const { scenarioFromObject } = await import('../../scenarios/index.js');
    const spec = scenarioFromObject({ name: 'with-adv', adversaries: ['replay'] });
    let err: unknown;
    try {
      runScenario(spec, { seed: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioAdversariesError);
    expect((err as { code: string }).code).toBe('adversaries');
  });

  it('expect.answered is checked: a stated goodput the run misses fails (exit 1), a bad one is exit 2', async () => {
    const { file } = scenarioFile(TINY + 'expect: { answered: "== 0" }\n');
    const io = memoryIo();
    expect(await runCli(['run', file, '--seed', '1', '--json'], io)).toBe(1);
    const r = JSON.parse(io.stdout.join('\n'));
    expect(r).toMatchObject({ ok: false, status: 'fail' });
    expect(r.verdict.reasons).toEqual([expect.stringMatching(/^2\/2 sent requests answered \(share 1\.000\), expected == 0$/)]);
    const bad = memoryIo();
    expect(await runCli(['run', scenarioFile(TINY + 'expect: { answered: "lots" }\n').file], bad)).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(/tiny\.yaml:\d+: expect\.answered: expected a comparison/);
  });
});

describe('CLI habits: option errors, pph list, --json envelope, EPIPE', () => {
  it('an unknown option names the closest one; a negative seed says unsigned', async () => {
    const sed = memoryIo();
    expect(await runCli(['run', '--sed', '3'], sed)).toBe(2);
    expect(sed.stderr[0]).toBe('pph run: unknown option --sed (did you mean --seed?)');
    for (const argv of [['run', '--seed', '-1'], ['run', '--seed=-1']]) {
      const io = memoryIo();
      expect(await runCli(argv, io)).toBe(2);
      expect(io.stderr[0]).toBe('pph run: --seed expects an unsigned integer, got -1');
    }
    const cmd = memoryIo();
    expect(await runCli(['rnu'], cmd)).toBe(2);
    expect(cmd.stderr[0]).toContain("unknown command 'rnu' (did you mean run?)");
  });

  it('pph list: every kind, or one; --json with schemaVersion and kind; an unknown kind is exit 2', async () => {
    const io = memoryIo();
    expect(await runCli(['list'], io)).toBe(0);
    for (const k of ['scenarios', 'adversaries', 'profiles', 'invariants']) expect(io.stdout.some((l) => l.startsWith(`${k} (`))).toBe(true);
    const json = memoryIo();
    expect(await runCli(['list', 'adversaries', '--json'], json)).toBe(0);
    const v = JSON.parse(json.stdout[0]!);
    expect(v).toMatchObject({ schemaVersion: 1, kind: 'list' });
    expect(v.adversaries.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['malicious-relay', 'replay', 'relay+gateway', 'malicious-image']));
    const inv = memoryIo();
    await runCli(['list', 'invariants', '--json'], inv);
    expect(JSON.parse(inv.stdout[0]!).invariants).toHaveLength(INVARIANT_IDS.length);
    const bad = memoryIo();
    expect(await runCli(['list', 'adversary'], bad)).toBe(2);
    expect(bad.stderr[0]).toContain('(did you mean adversaries?)');
  });

  it('a --json output of a command that sets no schemaVersion gets one, with its kind', async () => {
    const io = memoryIo();
    expect(await runCli(['tee', 'probe', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ schemaVersion: 1, kind: 'tee' });
  });

  it('pph trace show … | head -1 exits quietly: no EPIPE stack, the exit code of the command', async () => {
    const { dir, file } = scenarioFile();
    const out = join(dir, 'o');
    expect(await runCli(['run', file, '--seed', '2', '--out', out], memoryIo())).toBe(0);
    const { spawnSync } = await import('node:child_process');
    const main = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${tsx}" "${main}" trace show "${join(out, 'trace.jsonl')}" | head -1`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.status).toBe(0);
  });
});
