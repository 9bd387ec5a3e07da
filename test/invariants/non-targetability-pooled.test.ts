/**
 * The pooled (campaign-level) non-targetability test: the exact binomial tail against hand-computed
 * values and an independent formula (the regularised incomplete beta function, by its continued
 * fraction), the one-sided Clopper–Pearson lower bound, the pooling of runs' tallies, and the
 * tally of a trace's `target` and `routed` facts.
 */
import { describe, expect, it } from 'vitest';
import { binomialTail, clopperPearsonLower, pooledNonTargetability, POOLED_ALPHA, targetTallies, tallyFor, type PooledRun, type TargetTally } from '../../model/invariants/non-targetability.js';
import type { TraceEventView } from '../../model/invariants/types.js';

/** ln Γ(x), Lanczos (g = 7, n = 9): independent of the code under test. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** I_x(a, b) by the continued fraction of Numerical Recipes (betacf, modified Lentz). */
function regularisedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - regularisedBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return (front * h) / a;
}

/** P[X ≥ k], X ~ Bin(n, p) = I_p(k, n − k + 1). */
const tailByBeta = (n: number, k: number, p: number) => regularisedBeta(p, k, n - k + 1);

const tally = (over: Partial<TargetTally>): TargetTally => ({ adversary: 'targeting', user: 'client-0', nodes: ['enclave-0'], totalNodes: 3, n: 0, k: 0, targetEvent: 1, landed: [], ...over });
const runOf = (run: number, n: number, k: number, over: Partial<TargetTally> = {}): PooledRun => ({
  run,
  seed: 1000 + run,
  traceHash: String(run % 10).repeat(64),
  targets: [tally({ n, k, landed: Array.from({ length: k }, (_, i) => 100 + i), ...over })],
});

describe('pooled non-targetability: the exact binomial tail', () => {
  it('matches hand-computed values', () => {
    // Bin(3, 1/3): P[X ≥ 2] = 3·(1/3)²·(2/3) + (1/3)³ = 6/27 + 1/27.
    expect(binomialTail(3, 2, 1 / 3)).toBeCloseTo(7 / 27, 14);
    // Bin(5, 1/2): P[X ≥ 4] = (5 + 1)/32.
    expect(binomialTail(5, 4, 0.5)).toBeCloseTo(6 / 32, 14);
    // Bin(19, 1/3): P[X ≥ 16] = Σ_{i=16}^{19} C(19, i) 2^{19−i} / 3^19 = (969·8 + 171·4 + 19·2 + 1)/3^19.
    expect(binomialTail(19, 16, 1 / 3)).toBeCloseTo((969 * 8 + 171 * 4 + 19 * 2 + 1) / 3 ** 19, 18);
    expect(binomialTail(10, 0, 0.2)).toBe(1);
    expect(binomialTail(10, 11, 0.2)).toBe(0);
  });

  it('matches the regularised incomplete beta function I_p(k, n − k + 1), also where (1 − p)ⁿ underflows', () => {
    for (const [n, k, p] of [
      [20, 14, 1 / 3],
      [40, 20, 1 / 3],
      [100, 45, 1 / 3],
      [250, 100, 0.3],
      [2000, 700, 1 / 3],
      [5000, 1800, 1 / 3],
    ] as const) {
      const mine = binomialTail(n, k, p);
      const beta = tailByBeta(n, k, p);
      expect(Math.abs(mine - beta) / beta, `Bin(${n}, ${p}) P[X ≥ ${k}]`).toBeLessThan(1e-9);
    }
    // (2/3)^5000 underflows a double: the log-space sum must not return 0 or NaN.
    const middle = binomialTail(5000, 1667, 1 / 3);
    expect(middle).toBeGreaterThan(0.45);
    expect(middle).toBeLessThan(0.55);
  });
});

describe('pooled non-targetability: the Clopper–Pearson lower bound', () => {
  it('is the p at which P[X ≥ k] = α, 0 for k = 0 and α^(1/n) for k = n', () => {
    expect(clopperPearsonLower(20, 0, 1e-3)).toBe(0);
    expect(clopperPearsonLower(12, 12, 1e-3)).toBeCloseTo(Math.pow(1e-3, 1 / 12), 12);
    for (const [n, k] of [[19, 16], [30, 10], [200, 90]] as const) {
      const lower = clopperPearsonLower(n, k, 1e-3);
      expect(lower).toBeGreaterThan(0);
      expect(lower).toBeLessThan(k / n);
      expect(tailByBeta(n, k, lower)).toBeCloseTo(1e-3, 8);
    }
  });

  it('exceeds p0 exactly when the exact one-sided test rejects at α', () => {
    for (const [n, k] of [[19, 16], [19, 12], [30, 18], [30, 19], [60, 33], [60, 34]] as const) {
      const lower = clopperPearsonLower(n, k, POOLED_ALPHA);
      expect(lower > 1 / 3, `${k} of ${n}`).toBe(binomialTail(n, k, 1 / 3) < POOLED_ALPHA);
    }
  });
});

describe('pooled non-targetability over a campaign', () => {
  it('fires when the chosen user lands on the attacker node far more than f/N, naming every run', () => {
    // The measured pp-no-key-consistency campaign: 16 of 19 routed requests on enclave-0.
    const runs = [runOf(0, 2, 2), runOf(1, 0, 0), runOf(2, 3, 3), runOf(3, 2, 1), runOf(4, 4, 4), runOf(5, 3, 2), runOf(6, 2, 2), runOf(7, 3, 2)];
    const [t] = pooledNonTargetability(runs);
    expect(t).toBeDefined();
    expect([t!.n, t!.k, t!.f, t!.N]).toEqual([19, 16, 1, 3]);
    expect(t!.bound).toBeCloseTo(1 / 3, 15);
    expect(t!.pValue).toBeCloseTo(tailByBeta(19, 16, 1 / 3), 15);
    expect(t!.lower).toBeGreaterThan(1 / 3);
    expect(t!.violated).toBe(true);
    // The proof: every run with a routed request, with its seed, hash and the routed facts' events.
    expect(t!.proof.map((p) => p.run)).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(t!.proof.reduce((a, p) => a + p.k, 0)).toBe(16);
    expect(t!.proof[0]).toMatchObject({ seed: 1000, n: 2, k: 2, landed: [100, 101], targetEvent: 1 });
    expect(t!.why).toMatch(/^targeting: 16 of 19 routed requests .* over 8 runs .* > f\/N = 0\.333/);
  });

  it('holds on a share an honest router produces, and with no routed request at all', () => {
    const honest = Array.from({ length: 12 }, (_, i) => runOf(i, 3, i % 3 === 0 ? 2 : 1));
    const [t] = pooledNonTargetability(honest);
    expect([t!.n, t!.k]).toEqual([36, 16]);
    expect(t!.violated).toBe(false);
    expect(t!.lower).toBeLessThan(1 / 3);
    const [none] = pooledNonTargetability([runOf(0, 0, 0)]);
    expect(none!.violated).toBe(false);
    expect(none!.lower).toBe(0);
    expect(pooledNonTargetability([{ run: 0, seed: 1, traceHash: '0'.repeat(64), targets: [] }])).toEqual([]);
  });

  it('tests against the largest f/N when runs differ (conservative)', () => {
    const [t] = pooledNonTargetability([runOf(0, 6, 6, { nodes: ['enclave-0', 'enclave-1'] }), runOf(1, 6, 6)]);
    expect([t!.f, t!.N]).toEqual([2, 3]);
    // 12 of 12 against 2/3: P = (2/3)¹² = 7.7·10⁻³ ≥ α, so it holds (against 1/3 it would not: 1.9·10⁻⁶).
    expect(t!.pValue).toBeCloseTo(Math.pow(2 / 3, 12), 12);
    expect(t!.violated).toBe(false);
    expect(binomialTail(12, 12, 1 / 3)).toBeLessThan(POOLED_ALPHA);
  });
});

describe('the tally of a trace', () => {
  const ev = (i: number, party: string, data: Record<string, unknown>): TraceEventView => ({ i, t: i, kind: 'fact', party, what: String(data.fact), data });
  const trace: TraceEventView[] = [
    ev(0, 'world', { fact: 'world', nodes: 3, diffusionCap: null, users: ['client-0', 'client-1'], invariants: [], expectViolated: [], scenario: 's', profile: 'pp' }),
    ev(1, 'targeting', { fact: 'target', user: 'client-1', nodes: ['enclave-0'] }),
    ev(2, 'gateway', { fact: 'routed', requestId: 'r0', user: 'client-1', node: 'enclave-0' }),
    ev(3, 'gateway', { fact: 'routed', requestId: 'r1', user: 'client-0', node: 'enclave-0' }),
    ev(4, 'gateway', { fact: 'routed', requestId: 'r2', user: 'client-1', node: 'enclave-2' }),
    ev(5, 'gateway', { fact: 'routed', requestId: 'r3', user: 'client-1', node: 'enclave-0' }),
  ];

  it('counts the chosen user\'s routed facts and those on the declared nodes, with their events', () => {
    expect(targetTallies(trace)).toEqual([{ adversary: 'targeting', user: 'client-1', nodes: ['enclave-0'], totalNodes: 3, n: 3, k: 2, targetEvent: 1, landed: [2, 5] }]);
  });

  it('has no tally without a target fact; a given choice is tallied over the same facts (the passive re-run)', () => {
    const passive = trace.filter((e) => e.data?.fact !== 'target');
    expect(targetTallies(passive)).toEqual([]);
    expect(tallyFor(passive, { adversary: 'targeting', user: 'client-1', nodes: ['enclave-0'], targetEvent: 1 })).toMatchObject({ n: 3, k: 2, landed: [2, 5] });
  });
});
