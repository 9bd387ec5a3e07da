/**
 * Issue 13, the issuer's per-account limit: a malicious client asking for more tokens than the
 * limit in one window is refused on pp (authorization holds, the refusal fired) and issued on the
 * `rate-limit` ablation (authorization violated, the proof names the issuance past the limit).
 */
import { describe, expect, it } from 'vitest';
import { runDetailed } from '../../sim/runner.js';
import { issuanceLimitOf } from '../../sim/spec.js';
import { maliciousClient, type ClientPlan } from '../../adversaries/malicious-client.js';
import { authorization } from '../../model/invariants/authorization.js';
import { matrixWorld, onProfile } from '../adversaries/catalogue.js';

const flood: ClientPlan = { actions: [{ kind: 'flood', atMs: 100, node: 0, extra: 2 }] };

function run(profile: string) {
  return runDetailed(onProfile(matrixWorld(), profile), { seed: 7, adversaries: [{ adversary: maliciousClient as never, plan: flood }] });
}

describe('issuer rate limit', () => {
  it('the default limit covers every honest need: benign pp runs never hit it', () => {
    const d = runDetailed(matrixWorld(), { seed: 3 });
    expect(d.result.marks['issuer.rate-limited'] ?? 0).toBe(0);
    expect(d.result.verdicts.authorization!.holds).toBe(true);
    expect(d.view.issuances.length).toBeGreaterThan(0);
    expect(issuanceLimitOf(matrixWorld())).toEqual({ tokens: 2 * 2 + 3 * 2, windowMs: 60_000 });
  });

  it('pp: the flood past the limit is refused, authorization holds', () => {
    const d = run('pp');
    expect(d.result.marks['issuer.rate-limited']).toBeGreaterThan(0);
    const mine = d.view.issuances.filter((i) => i.account === 'malicious-client-client');
    expect(mine.reduce((s, i) => s + i.count, 0)).toBeLessThanOrEqual(d.view.issuanceLimit!.tokens);
    expect(d.result.verdicts.authorization!.holds).toBe(true);
  });

  it('pp-off-rate-limit: the flood is issued, authorization is violated at the issuance past the limit', () => {
    const d = run('pp-off-rate-limit');
    const v = d.result.verdicts.authorization!;
    expect(v.holds).toBe(false);
    const proof = authorization.check(d.trace).proof;
    expect(proof.some((p) => /issuer issued malicious-client-client 1[12] tokens in window 0 .* over its limit of 10/.test(p.why))).toBe(true);
    const e = d.trace[proof[0]!.event]!;
    expect(e.data).toMatchObject({ fact: 'issuance', account: 'malicious-client-client' });
  });

  it('the window is part of the rule: the same counts in two windows hold', () => {
    const base = onProfile(matrixWorld(), 'pp-off-rate-limit');
    const spec = { ...base, world: { ...base.world, issuanceLimit: { windowMs: 50 } } };
    const plan: ClientPlan = { actions: [{ kind: 'flood', atMs: 100, node: 0, extra: 1 }] };
    // Both batches in window 2 (100–150 ms) or straddling: judged by the issuance times, never by a label.
    const d = runDetailed(spec, { seed: 7, adversaries: [{ adversary: maliciousClient as never, plan }] });
    const mine = d.view.issuances.filter((i) => i.account === 'malicious-client-client');
    const windows = new Set(mine.map((i) => Math.floor(i.atMs / 50)));
    expect(d.result.verdicts.authorization!.holds).toBe(windows.size !== 1);
  });
});
