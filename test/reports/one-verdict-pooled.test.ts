/**
 * One verdict for a campaign-level test (issue 13 item 6): a campaign whose runs each hold but
 * whose pooled non-targetability test is violated fails everywhere: exit code, CLI line, HTML band,
 * summary.md, JUnit (the failure names the pooled test and its runs) and --json. The campaign is a
 * real one-run campaign under `targeting` (network side); its campaign.json is then given a violated pooled test,
 * the way a long campaign would carry it, and `pph report` regenerates the folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { pooledNonTargetability } from '../../model/invariants/non-targetability.js';
import { expectAgree, reportOutputs } from './verdict-outputs.js';

const root = mkdtempSync(join(tmpdir(), 'pph-one-verdict-pooled-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a campaign-level verdict', () => {
  it('a violated pooled test fails the campaign in every output, with the runs as proof', async () => {
    const dir = join(root, 'campaign');
    await runCli(['campaign', 'campaign-relay', '--adversary', 'targeting', '--runs', '1', '--out', dir], memoryIo());
    const k = JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8'));
    expect(k.pooled?.['non-targetability']?.[0]?.adversary).toBe('targeting');
    const tally = (n: number) => ({ adversary: 'targeting', user: 'client-0', nodes: ['enclave-0'], totalNodes: 3, n, k: n, targetEvent: 3, landed: Array.from({ length: n }, (_, i) => 40 + i) });
    const pooled = pooledNonTargetability([0, 1, 2, 3].map((run) => ({ run, seed: 10 + run, traceHash: 'a'.repeat(64), targets: [tally(3)] })));
    expect(pooled[0]!.violated).toBe(true);
    writeFileSync(join(dir, 'campaign.json'), JSON.stringify({ ...k, ok: false, violations: { ...k.violations, 'non-targetability': 0 }, missingMarks: [], requiredMarks: Object.fromEntries(Object.keys(k.requiredMarks ?? {}).map((m) => [m, 1])), pooled: { 'non-targetability': pooled } }));
    const o = await reportOutputs(dir);
    expectAgree(o, 'fail', 'report on a campaign with a violated pooled test');
    expect(o.junit!.failures).toBe(1);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('non-targetability VIOLATED by the pooled test over 1 runs, expected to hold');
    expect(junit).toMatch(/run 0 \(world seed 10, trace a{16}\): client-0 3 of 3 routed to its nodes; target fact at event 3, routed facts at events 40, 41, 42/);
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(summary).toMatch(/\| non-targetability \| targeting \| 12 \| 12 \| 1\.000 \| 0\.562 \| 1\/3 \| 0\.001 \| 1\.88e-6 \| \*\*violated\*\* \|/);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<section id="pooled"><h2>Campaign-level tests</h2>');
  }, 90_000);
});
