/**
 * `non-targetability` (PROTOCOL.md): an adversary holding f of N nodes gets a chosen user's request
 * with probability ≤ f/N. A statistical test with a confidence bound, not a fixed threshold: the
 * adversary picks its best node after the fact (f = 1), so for every user and node the number k of
 * the user's n routed requests that went there is tested against Binomial(n, 1/N); the verdict is
 * violated when the exact tail P[X ≥ k] is below α / (users · N) (Bonferroni over every choice the
 * adversary could make), α = 10⁻³: a uniform router is wrongly accused at most once in a thousand runs.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const nonTargetability: Invariant = {
  id: 'non-targetability',
  description: 'An adversary holding f of N nodes gets a chosen user\'s request with probability ≤ f/N + ε.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    const n = world.nodes;
    const p = 1 / n;
    const perUser = new Map<string, Map<string, number>>();
    const lastEvent = new Map<string, number>();
    for (const r of world.routing) {
      let m = perUser.get(r.user);
      if (!m) perUser.set(r.user, (m = new Map()));
      m.set(r.node, (m.get(r.node) ?? 0) + 1);
      lastEvent.set(`${r.user}/${r.node}`, r.event);
    }
    const worst: Record<string, number> = {};
    const tests = Math.max(1, perUser.size * n);
    const threshold = ALPHA / tests;
    let smallestTail = 1;
    for (const [user, m] of perUser) {
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      const max = Math.max(...m.values());
      const busiest = [...m.entries()].find(([, c]) => c === max)![0];
      const tail = binomialTail(total, max, p);
      smallestTail = Math.min(smallestTail, tail);
      worst[user] = max / total;
      if (n > 1 && tail < threshold) {
        proof.push({ event: lastEvent.get(`${user}/${busiest}`) ?? 0, why: `${user}: ${max} of ${total} requests went to ${busiest} (share ${(max / total).toFixed(2)} > ${p.toFixed(2)}; P[X ≥ ${max}] = ${tail.toExponential(1)} < ${threshold.toExponential(1)})` });
      }
    }
    // pcc: one request may reach at most `cap` nodes (target diffusion with a cap): a request
    // sealed to more widens the set of nodes that can read it beyond what the client promised.
    const cap = world.diffusionCap ?? null;
    let widest = 0;
    if (cap !== null) {
      for (const r of world.requests) {
        const byAttempt = new Map<number, Set<string>>();
        const eventOf = new Map<number, number>();
        for (const s of r.sealedTo) {
          byAttempt.set(s.attempt, (byAttempt.get(s.attempt) ?? new Set()).add(s.node));
          eventOf.set(s.attempt, s.event);
        }
        for (const [attempt, nodes] of byAttempt) {
          const event = eventOf.get(attempt) ?? 0;
          widest = Math.max(widest, nodes.size);
          if (nodes.size > cap) proof.push({ event, why: `${r.requestId} (${r.user}) was sealed to ${nodes.size} nodes (${[...nodes].join(', ')}), more than the cap ${cap}` });
        }
      }
    }
    return verdict('non-targetability', proof, { nodes: n, worstShareByUser: worst, smallestTail, threshold, ...(cap !== null ? { diffusionCap: cap, widestDiffusion: widest } : {}) });
  },
};

/** The confidence of the test: a uniform router is wrongly accused with probability at most α. */
export const ALPHA = 1e-3;

/** P[X ≥ k] for X ~ Binomial(n, p), exactly (n is small: requests of one user in one run). */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p >= 1) return 1;
  let term = Math.pow(1 - p, n); // P[X = 0]
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    if (i >= k) sum += term;
    term = (term * (n - i) * p) / ((i + 1) * (1 - p));
  }
  return Math.min(1, sum);
}
