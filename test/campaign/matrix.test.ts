/**
 * The threat matrix runs in CI on a small budget and must match its expectations (issue 5): the
 * default profiles (pp and every real-finding mutant, at least), every attacker of
 * scenarios/expected/pp.yaml, two runs per attacker on pp and ten kill rounds per mutant. Exit 0
 * means every pp cell is as THREATS.md expects and every finding is killed by search.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { FINDING_PROFILES } from '../../model/profile.js';
import { checkValue, MatrixFileSchema } from '../../reports/schemas.js';
import { baseOf, expectedFor } from '../adversaries/catalogue.js';

describe('pph matrix on the CI budget', () => {
  it('every pp cell as expected, every real finding killed: exit 0', { timeout: 300_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'pph-matrix-ci-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const io = memoryIo();
    const code = await runCli(['matrix', '--runs', '2', '--kill-rounds', '10', '--workers', '2', '--out', out, '--json'], io);
    const matrix = checkValue(MatrixFileSchema, JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')), 'matrix.json');
    const findings = Object.keys(FINDING_PROFILES);
    expect(matrix.profiles).toEqual(expect.arrayContaining(['pp', ...findings]));
    // Baseline profiles (pp, and pcc when the defaults include it) are compared cell by cell, for
    // every attacker of their expectations file and every invariant; on a mutant the search stops
    // at its first kill.
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
    const survivors = matrix.mutants.filter((m) => !m.killed).map((m) => m.profile);
    expect(wrongCells, 'baseline cells that differ from THREATS.md').toEqual([]);
    expect(survivors, 'real-finding mutants the search did not kill').toEqual([]);
    expect(matrix.mutants.map((m) => m.profile)).toEqual(expect.arrayContaining(findings));
    expect(code, io.stderr.join('\n')).toBe(0);
  });
});
