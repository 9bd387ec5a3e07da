/**
 * `non-targetability` (PROTOCOL.md): an adversary holding f of N nodes gets a chosen user's request
 * with probability ≤ f/N. Three nodes, one user with eight requests: enough for the exact binomial
 * test at α = 10⁻³ to separate a uniform router (holds) from one that sends everything to node 0.
 */
import { describe, expect, it } from 'vitest';
import { ALPHA, binomialTail } from '../../model/invariants/non-targetability.js';
import { expectHolds, expectViolated, once, run, smallWorld } from './small-world.js';

const targeted = { world: { users: 1, chats: 2, nodes: 3, requests: 8, tokensPerUser: 8 } } as const;
const benign = once(() => run(smallWorld('nt-benign', targeted)));
const nodeZero = once(() => run(smallWorld('nt-node-zero', targeted), { routeAllToNodeZero: true }));

function worst(measures: Record<string, unknown> | undefined): Record<string, number> {
  expect(measures?.worstShareByUser).toBeTypeOf('object');
  return measures!.worstShareByUser as Record<string, number>;
}

describe('non-targetability', () => {
  it('the binomial tail is exact, and a skewed but plausible spread is not accused (regression: ablation-no-token-spend seed 5)', () => {
    expect(binomialTail(8, 8, 1 / 3)).toBeCloseTo(Math.pow(1 / 3, 8), 12);
    expect(binomialTail(4, 0, 0.5)).toBe(1);
    expect(binomialTail(4, 5, 0.5)).toBe(0);
    expect(binomialTail(4, 2, 0.5)).toBeCloseTo(11 / 16, 12);
    // 14 of 20 requests on one of three nodes, two users: P = 8.8e-4, above 10⁻³ / 6.
    expect(binomialTail(20, 14, 1 / 3)).toBeGreaterThan(ALPHA / 6);
  });

  it('holds on a benign small world: requests spread over the three nodes', () => {
    const d = benign();
    const v = expectHolds(d, 'non-targetability');
    expect(v.measures?.nodes).toBe(3);
    expect(d.view.routing.length).toBe(8);
    expect(new Set(d.view.routing.map((r) => r.node)).size).toBeGreaterThan(1);
    expect(worst(v.measures)['client-0']).toBeLessThan(0.9);
  });

  it('is violated when the gateway routes every request to node 0', () => {
    const d = nodeZero();
    const v = expectViolated(d, 'non-targetability');
    expect(d.view.routing.length).toBe(8);
    expect(d.view.routing.every((r) => r.node === 'enclave-0')).toBe(true);
    expect(worst(v.measures)).toEqual({ 'client-0': 1 });
    expect(v.proof.length).toBe(1);
    expect(v.proof[0]!.why).toMatch(/^client-0: 8 of 8 requests went to enclave-0 \(share 1\.00 > 0\.33; P\[X ≥ 8\] = 1\.5e-4 < 3\.3e-4\)$/);
    // The proof points at the last routing decision to the busiest node.
    expect(v.proof[0]!.event).toBe(d.view.routing[d.view.routing.length - 1]!.event);
  });
});
