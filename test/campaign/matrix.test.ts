/**
 * The threat matrix runs in CI on a small budget and must match its expectations (issue 5): the
 * default profiles (pp, pcc and every real-finding mutant), every attacker of
 * scenarios/expected/pp.yaml and pcc.yaml, two runs per attacker on the baselines and twelve kill
 * rounds per mutant, no shrinking (shrinking is tested by the campaign tests; here it only cost
 * time). One matrix run is shared by every assertion below (issue 11: the old test ran the matrix
 * with shrinking inside one test and hit its 300 s timeout on a loaded machine).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { FINDING_PROFILES } from '../../model/profile.js';
import { checkValue, MatrixFileSchema, type MatrixFile } from '../../reports/schemas.js';
import { baseOf, expectedFor } from '../adversaries/catalogue.js';
import { readFolderOutputs } from '../reports/verdict-outputs.js';

const out = mkdtempSync(join(tmpdir(), 'pph-matrix-ci-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
let code = -1;
let stdout: string[] = [];
let stderr: string[] = [];
let matrix: MatrixFile;

beforeAll(async () => {
  const io = memoryIo();
  code = await runCli(['matrix', '--runs', '2', '--kill-rounds', '12', '--shrink-runs', '0', '--workers', '2', '--out', out, '--json'], io);
  stdout = io.stdout;
  stderr = io.stderr;
  matrix = checkValue(MatrixFileSchema, JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')), 'matrix.json');
}, 900_000);

describe('pph matrix on the CI budget', () => {
  it('every baseline cell as THREATS.md expects, for every attacker of the expectations files', () => {
    const findings = Object.keys(FINDING_PROFILES);
    expect(matrix.profiles).toEqual(expect.arrayContaining(['pp', 'pcc', ...findings]));
    // Baseline profiles are compared cell by cell, for every attacker of their expectations file
    // and every invariant; on a mutant the search stops at its first kill.
    const mutants = new Set(matrix.mutants.map((m) => m.profile));
    const baselines = matrix.profiles.filter((p) => !mutants.has(p));
    const baselineCells = matrix.cells.filter((c) => !mutants.has(c.profile));
    for (const p of baselines) {
      const attackers = Object.keys(expectedFor(p).expected);
      expect(matrix.adversaries, `${p}: every attacker of scenarios/expected/${baseOf(p)}.yaml`).toEqual(expect.arrayContaining(attackers));
      const cells = baselineCells.filter((c) => c.profile === p);
      expect(new Set(cells.map((c) => c.adversary)), p).toEqual(new Set(attackers));
      expect(cells, p).toHaveLength(attackers.length * matrix.invariants.length);
    }
    const wrongCells = baselineCells.filter((c) => c.observed !== c.expected).map((c) => `${c.profile}: ${c.adversary}/${c.invariant}: expected ${c.expected}, observed ${c.observed}`);
    expect(wrongCells, 'baseline cells that differ from THREATS.md').toEqual([]);
  });

  it('every real finding is caught by the generic search', () => {
    const findings = Object.keys(FINDING_PROFILES);
    expect(matrix.mutants.map((m) => m.profile)).toEqual(expect.arrayContaining(findings));
    const survivors = matrix.mutants.filter((m) => !m.killed && !m.baselineViolation).map((m) => m.profile);
    expect(survivors, 'real-finding mutants the search did not kill').toEqual([]);
  });

  it('one verdict: exit 0, --json ok, green band, summary PASS, junit failures 0 (the mutant cells whose kill is the desired result are not failures)', () => {
    expect(code, stderr.join('\n')).toBe(0);
    const json = JSON.parse(stdout.find((l) => l.startsWith('{'))!);
    expect(json).toMatchObject({ schemaVersion: 1, kind: 'matrix', ok: true, status: 'pass' });
    const folder = readFolderOutputs(out);
    expect(folder.band).toEqual({ status: 'pass', failed: 0 });
    expect(folder.summaryWord).toBe('PASS');
    expect(folder.junit!.failures).toBe(0);
    // Some mutant cells differ from the baseline expectations (that is the kill) and none is a test case.
    const mutants = new Set(matrix.mutants.map((m) => m.profile));
    expect(matrix.cells.some((c) => mutants.has(c.profile) && c.observed !== c.expected)).toBe(true);
    const baseline = matrix.cells.filter((c) => !mutants.has(c.profile)).length;
    expect(folder.junit!.tests).toBe(baseline + matrix.mutants.length);
  });

  it('junit.xml reports the runs each suite really spent: baseline runs per cell, the mutant search in all', () => {
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    const mutants = new Set(matrix.mutants.map((m) => m.profile));
    const spent = matrix.cells.filter((c) => mutants.has(c.profile) && c.invariant === matrix.invariants[0]).reduce((a, c) => a + c.runs, 0);
    expect(spent).toBeGreaterThan(matrix.mutants.length);
    expect(junit).toContain(`<testsuite name="pph matrix mutants seed=1 kill-rounds=12 runs=${spent}"`);
    expect(junit).toMatch(/<property name="runs" value="\d+"\/>/);
    expect(junit).toContain('<testsuite name="pph matrix profile=pp seed=1 runs=2 per cell');
  });
});
