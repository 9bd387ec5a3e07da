/**
 * The pooled non-targetability test at campaign level (issue 13 item 6): the campaign summary and
 * the one verdict read it (synthetic runs, no simulation), and in the matrix world the
 * `targeting-operator` adversary makes it fire on `pp-no-key-consistency` (per-user issuance keys let the gateway
 * recognise the chosen user and drop its requests to other nodes), the kill surviving the passive
 * re-run, while it holds on `pp`. A proof run is recomputed from its seed: same trace hash, and the
 * named events are `routed` facts of the chosen user to the adversary's node.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as catalogue from '../../adversaries/index.js';
import { runMatrix, type MatrixResult } from '../../cli/campaign/matrix.js';
import { fcSeedFor, resolveAll, runArbitrary, summarise, type CampaignSpec, type Catalogue, type RunLine } from '../../sim/campaign.js';
import { runDetailed } from '../../sim/runner.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/load.js';
import { expectedDir, loadExpected } from '../../scenarios/expected.js';
import { join } from 'node:path';
import { decideVerdict } from '../../reports/verdict.js';
import type { ReportInput } from '../../reports/report-input.js';
import { matrixWorld } from '../adversaries/catalogue.js';

const hash = (d: number) => String(d).repeat(64);
function line(run: number, n: number, k: number): RunLine {
  return { run, seed: 100 + run, traceHash: hash(run % 10), ok: true, violated: [], unexpected: [], marks: { 'client.attest-retry': 1 }, plans: [], targets: [{ adversary: 'targeting-operator', user: 'client-0', nodes: ['enclave-0'], totalNodes: 3, n, k, targetEvent: 7, landed: Array.from({ length: k }, (_, i) => 50 + i) }] };
}

describe('the campaign summary and its verdict', () => {
  const spec = { ...matrixWorld(), profile: 'pp-no-key-consistency' };
  const cs: CampaignSpec = { spec, attackers: ['targeting-operator'], expect: {}, seed: 1, runs: 6 };
  const adversaries = resolveAll(catalogue as Catalogue, cs.attackers);
  const timing = { wallMs: 1, workers: 1, shards: [] };
  const verdictOf = (lines: RunLine[]) => {
    const summary = summarise(cs, adversaries, lines, timing);
    const input = { campaign: { campaign: summary, runs: lines, replays: [] } } as unknown as ReportInput;
    return { summary, verdict: decideVerdict(input) };
  };

  it('fires: no run violates, the pooled test does, and the one verdict fails with its proof', () => {
    const { summary, verdict } = verdictOf([line(0, 2, 2), line(1, 3, 3), line(2, 1, 1), line(3, 2, 2), line(4, 2, 1), line(5, 0, 0)]);
    expect(summary.violations['non-targetability']).toBe(0);
    const [t] = summary.pooled!['non-targetability']!;
    expect([t!.n, t!.k, t!.violated]).toEqual([10, 9, true]);
    expect(summary.ok).toBe(false);
    expect(verdict.ok).toBe(false);
    expect(verdict.exitCode).toBe(1);
    const check = verdict.checks.find((c) => c.name === 'non-targetability')!;
    expect(check.ok).toBe(false);
    expect(check.message).toBe('non-targetability VIOLATED by the pooled test over 6 runs, expected to hold');
    expect(check.detail!.join('\n')).toMatch(/run 0 \(world seed 100, trace 0{16}\): client-0 2 of 2 routed to its nodes; target fact at event 7, routed facts at events 50, 51/);
  });

  it('holds on an honest share: the campaign passes and the check notes the pooled figures', () => {
    const { summary, verdict } = verdictOf([line(0, 3, 1), line(1, 3, 1), line(2, 3, 2), line(3, 3, 0), line(4, 3, 1), line(5, 3, 1)]);
    expect(summary.pooled!['non-targetability']![0]!.violated).toBe(false);
    expect(summary.ok).toBe(true);
    const check = verdict.checks.find((c) => c.name === 'non-targetability')!;
    expect(check.ok).toBe(true);
    expect(check.note).toMatch(/^pooled: targeting-operator: 6 of 18 routed requests/);
  });
});

describe('in the matrix world', () => {
  // The matrix world with non-targetability and liveness checked only: with every invariant the
  // mutant is killed first by unlinkability and the search stops before the pooled test decides.
  const base = loadScenario(resolveScenarioPath('matrix-non-targetability', process.cwd()));
  let result: MatrixResult;

  it('targeting-operator kills pp-no-key-consistency by the pooled test (caused: the passive re-runs hold) and holds on pp', async () => {
    result = await runMatrix({
      base,
      baseRef: 'matrix-non-targetability',
      expected: { pp: loadExpected(join(expectedDir(), 'pp.yaml'), catalogue.knownAttackers()) },
      profiles: ['pp', 'pp-no-key-consistency'],
      attackers: ['targeting-operator'],
      runs: 3,
      killRounds: 10,
      seed: 1,
      workers: 1,
      outDir: null,
      shrinkRuns: 0,
    });
    const pp = result.cells.find((c) => c.profile === 'pp' && c.invariant === 'non-targetability')!;
    expect(pp.status).toBe('held');
    expect(pp.pooled?.[0]?.violated).toBe(false);
    const mu = result.mutants.find((m) => m.profile === 'pp-no-key-consistency')!;
    expect([mu.killed, mu.by, mu.invariant]).toEqual([true, 'targeting-operator', 'non-targetability']);
    expect(mu.baselineViolation).toBeNull();
    const pooled = mu.killedBy!.pooled!;
    expect(pooled.active.violated).toBe(true);
    expect(pooled.active.lower).toBeGreaterThan(1 / 3);
    expect(pooled.passive.violated).toBe(false);
    expect(mu.runsToKill).toBeLessThanOrEqual(10);
    expect(result.ok).toBe(true);
  }, 150_000);

  it('a proof run recomputes from its seed: the same trace hash, the named events are the user\'s routed facts to enclave-0', () => {
    const mu = result.mutants.find((m) => m.profile === 'pp-no-key-consistency')!;
    const proof = mu.killedBy!.pooled!.active.proof.find((p) => p.k > 0)!;
    const spec = { ...base, name: `${base.name}-pp-no-key-consistency`, profile: 'pp-no-key-consistency' };
    const adversaries = resolveAll(catalogue as Catalogue, ['targeting-operator']);
    const [seed, ...plans] = fc.sample(runArbitrary(spec, adversaries), { seed: fcSeedFor(1, proof.run), numRuns: 1 })[0]!;
    expect(seed).toBe(proof.seed);
    const d = runDetailed(spec, { seed, adversaries: adversaries.map((adversary, i) => ({ adversary, plan: plans[i] })), keepTrace: true });
    expect(d.result.traceHash).toBe(proof.traceHash);
    const target = d.trace[proof.targetEvent]!;
    expect(target.data).toMatchObject({ fact: 'target', user: proof.user, nodes: ['enclave-0'] });
    for (const i of proof.landed) expect(d.trace[i]!.data).toMatchObject({ fact: 'routed', user: proof.user, node: 'enclave-0' });
  }, 60_000);
});
