/**
 * One verdict everywhere (issue 11) for `pph explore`: the exit code, the CLI's PASS/FAIL line, the
 * HTML band, summary.md, junit.xml and `--json`'s ok agree, on a passing exploration, on a mutant
 * whose counterexample is found and confirmed with real crypto, and (through `pph report`) on a
 * model discrepancy. Budgets: the smallest searches that reach each outcome (well under a second of
 * exploration each).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { ResultsDirError } from '../../cli/results-dir.js';
import { command } from '../../cli/commands/explore.js';
import { loadReportInput } from '../../reports/report-input.js';
import { decideVerdict } from '../../reports/verdict.js';
import { ReportInputError } from '../../reports/schemas.js';
import { commandOutputs, expectAgree, reportOutputs } from './verdict-outputs.js';

const root = mkdtempSync(join(tmpdir(), 'pph-one-verdict-explore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string) => join(root, name);

describe('pph explore', () => {
  it('pass: no violation up to the depth; one JUnit case per adversary searched; pph report agrees', async () => {
    const dir = at('explore-pass');
    const o = await commandOutputs(['explore', 'scenarios/matrix.yaml', '--profile', 'pp', '--adversary', 'forged-quote', '--adversary', 'malicious-gateway', '--depth', '16', '--out', dir], dir);
    expectAgree(o, 'pass', 'explore pass');
    expect(o.json?.kind).toBe('explore');
    expect(o.junit!.tests).toBe(2); // forged-quote, malicious-gateway
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testcase name="forged-quote" classname="pph.explore.matrix.pp"');
    expect(junit).toContain('<property name="depth.bound" value="16"/>');
    expect(junit).toContain('<property name="engine" value="symbolic"/>');
    expect(junit).toMatch(/<property name="states" value="\d+"\/>/);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<section id="explore">');
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toMatchObject({ results: 'explore', budgets: { depth: 16 } });
    expectAgree(await reportOutputs(dir), 'pass', 'pph report on the explore folder');
  });

  it('fail: a mutant (pp-no-k-cap) found by k-inflation at depth 8 and confirmed; the failure carries the actions and the replay line', async () => {
    const dir = at('explore-fail');
    const o = await commandOutputs(['explore', 'scenarios/matrix.yaml', '--profile', 'pp-no-k-cap', '--adversary', 'k-inflation', '--out', dir], dir);
    expectAgree(o, 'fail', 'explore on a mutant');
    expect(o.junit).toMatchObject({ tests: 2, failures: 1 }); // the adversary (failed) + the concrete confirmation (held)
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase name="k-inflation"[^>]*>\s*<failure message="non-targetability VIOLATED at depth 8 by k-inflation/);
    expect(junit).toContain('  8. client seals req-0 to 3 node(s)');
    expect(junit).toMatch(/replay: pph replay \S*replay-explore-pp-no-k-cap-k-inflation-non-targetability\.json/);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<section id="counterexamples">');
    expect(html).toContain('<figure class="diagram diagram-sequence"'); // the concrete run of the replay file, drawn
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('### Shortest counterexample: non-targetability at depth 8 by k-inflation');
    const v = decideVerdict(loadReportInput(dir));
    expect(v.kind).toBe('explore');
    expect(v.checks.find((c) => c.name === 'k-inflation')?.detail?.some((l) => l.startsWith('reproduce: pph explore scenarios/matrix.yaml --profile pp-no-k-cap --adversary k-inflation --depth 48'))).toBe(true);
  });

  it('fail: a model discrepancy (the counterexample did not confirm) fails everywhere (pph report), even with no violation left', async () => {
    const dir = at('explore-discrepancy');
    expect(await runCli(['explore', 'scenarios/matrix.yaml', '--profile', 'pp-no-k-cap', '--adversary', 'k-inflation', '--out', dir], memoryIo())).toBe(1);
    const f = JSON.parse(readFileSync(join(dir, 'explore.json'), 'utf8'));
    const concrete = [{ seed: 1, violated: [] }];
    writeFileSync(join(dir, 'explore.json'), JSON.stringify({ ...f, confirmation: { ...f.confirmation, confirmed: false, seed: null, concrete }, discrepancy: { reason: 'did not violate non-targetability concretely', concrete }, replay: null }));
    const o = await reportOutputs(dir);
    expectAgree(o, 'fail', 'discrepancy');
    expect(o.junit!.failures).toBe(2);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testcase name="counterexample confirmed concretely"[^>]*>\s*<failure message="MODEL DISCREPANCY: /);
    // The discrepancy alone (the violation taken away) still fails.
    writeFileSync(join(dir, 'explore.json'), JSON.stringify({ ...f, perAdversary: f.perAdversary.map((a: object) => ({ ...a, counterexample: null })), confirmation: { ...f.confirmation, confirmed: false }, discrepancy: { reason: 'x', concrete }, replay: null }));
    expectAgree(await reportOutputs(dir), 'fail', 'discrepancy without a violation');
  });

  it('--no-confirm: the violation fails, no confirmation case; a malformed explore.json is exit 2 naming the field', async () => {
    const dir = at('explore-noconfirm');
    const o = await commandOutputs(['explore', 'scenarios/matrix.yaml', '--profile', 'pp-no-k-cap', '--adversary', 'k-inflation', '--no-confirm', '--out', dir], dir);
    expectAgree(o, 'fail', 'no-confirm');
    expect(o.junit).toMatchObject({ tests: 1, failures: 1 });
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('not confirmed concretely (--no-confirm)');
    const f = JSON.parse(readFileSync(join(dir, 'explore.json'), 'utf8'));
    writeFileSync(join(dir, 'explore.json'), JSON.stringify({ ...f, states: -1 }));
    expect(() => loadReportInput(dir)).toThrow(ReportInputError);
    expect(await runCli(['report', dir], memoryIo())).toBe(2);
  });

  it('the results folder is opened before any search: a non-empty --out is refused without --force', async () => {
    const dir = at('explore-busy');
    await runCli(['explore', 'scenarios/matrix.yaml', '--profile', 'pp-no-k-cap', '--adversary', 'k-inflation', '--no-confirm', '--out', dir], memoryIo());
    const err = await command.run(['scenarios/matrix.yaml', '--profile', 'pp-no-k-cap', '--adversary', 'k-inflation', '--no-confirm', '--out', dir], memoryIo()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultsDirError);
    expect((err as ResultsDirError).code).toBe('not-empty');
  });
});
