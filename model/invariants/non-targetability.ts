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

/**
 * P[X ≥ k] for X ~ Binomial(n, p), exactly up to floating point: the probability mass function is
 * built in log space (log P[X = 0] = n·log(1 − p), then the ratio of consecutive terms) and the
 * upper tail summed with log-sum-exp, so that the pooled counts of a whole campaign (hundreds of
 * requests, where (1 − p)ⁿ underflows) stay exact. Hand-written: no statistics library is a
 * dependency, and the function is twenty lines with an independent check in the tests
 * (the regularised incomplete beta I_p(k, n − k + 1)).
 */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let log = n * lq; // log P[X = 0]
  const tail: number[] = [];
  for (let i = 0; i <= n; i++) {
    if (i >= k) tail.push(log);
    if (i < n) log += Math.log(n - i) - Math.log(i + 1) + lp - lq;
  }
  const max = Math.max(...tail);
  if (max === -Infinity) return 0;
  let sum = 0;
  for (const t of tail) sum += Math.exp(t - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
}

// ------------------------------------------------------------------------------ the pooled test

/**
 * The significance of the pooled (campaign-level) test: a uniform router is wrongly accused in at
 * most one campaign cell in a thousand. One look per cell (the test runs once, on every run the
 * cell kept), so no correction over looks is needed.
 */
export const POOLED_ALPHA = 1e-3;

/**
 * ε of `≤ f/N + ε`: zero. The honest client picks the node uniformly per attempt, so an honest
 * router gives the attacker's nodes exactly the share f/N; the sampling error is what the
 * confidence bound (α) accounts for, and any ε > 0 would only hide a steering of that size.
 */
export const POOLED_EPSILON = 0;

/** One run's routing facts for a targeting adversary's choice: `target` and `routed` facts alone. */
export interface TargetTally {
  adversary: string;
  /** The user it targets (its `target` fact). */
  user: string;
  /** The nodes it holds (f = nodes.length). */
  nodes: string[];
  /** N: the world's nodes (`world` fact). */
  totalNodes: number;
  /** Routed requests of the user (one per `routed` fact: an attempt the gateway forwarded). */
  n: number;
  /** Of them, routed to one of the adversary's nodes. */
  k: number;
  /** The event of the `target` fact. */
  targetEvent: number;
  /** Events of the `routed` facts that landed on the adversary's nodes. */
  landed: number[];
}

/** The tallies of one trace, one per `target` fact (pure over the trace's facts). */
export function targetTallies(trace: Parameters<Invariant['check']>[0]): TargetTally[] {
  const world = viewFromTrace(trace);
  return world.targets.map((t) => tallyFor(trace, { adversary: t.adversary, user: t.user, nodes: t.nodes, targetEvent: t.event }));
}

/**
 * The tally of a given choice (user, nodes) over a trace's `routed` facts: used on the passive
 * re-run of a kill, where no adversary acted (so no `target` fact) but the same world ran.
 */
export function tallyFor(trace: Parameters<Invariant['check']>[0], choice: { adversary: string; user: string; nodes: readonly string[]; targetEvent: number }): TargetTally {
  const world = viewFromTrace(trace);
  const mine = new Set(choice.nodes);
  const routed = world.routing.filter((r) => r.user === choice.user);
  const landed = routed.filter((r) => mine.has(r.node)).map((r) => r.event);
  return { adversary: choice.adversary, user: choice.user, nodes: [...choice.nodes], totalNodes: world.nodes, n: routed.length, k: landed.length, targetEvent: choice.targetEvent, landed };
}

/** A run's tallies as a campaign keeps them (runs.jsonl `targets`). */
export interface PooledRun {
  run: number;
  seed: number;
  traceHash: string;
  targets: readonly TargetTally[];
}

/** One line of the pooled test's proof: a run, its tally, the events to recompute it from. */
export interface PooledProofRun {
  run: number;
  seed: number;
  traceHash: string;
  user: string;
  nodes: string[];
  n: number;
  k: number;
  targetEvent: number;
  landed: number[];
}

/** The pooled test of one targeting adversary over a campaign cell. */
export interface PooledNonTargetability {
  invariant: 'non-targetability';
  adversary: string;
  alpha: number;
  epsilon: number;
  /** f and N (the largest f/N over the runs when they differ: the test is then conservative). */
  f: number;
  N: number;
  /** f/N + ε, the share the attacker's nodes may get. */
  bound: number;
  /** Runs of the cell and runs with a `target` fact of this adversary. */
  runs: number;
  targetedRuns: number;
  /** Pooled routed requests of the chosen users, and those on the attacker's nodes. */
  n: number;
  k: number;
  share: number;
  /** One-sided Clopper–Pearson lower bound of the share at confidence 1 − α. */
  lower: number;
  /** P[X ≥ k] for X ~ Bin(n, f/N + ε): the exact one-sided p-value. */
  pValue: number;
  /** lower > f/N + ε (equivalently pValue < α). */
  violated: boolean;
  why: string;
  /** Every run that contributed (n > 0), in run order. */
  proof: PooledProofRun[];
}

/**
 * The one-sided Clopper–Pearson lower bound at confidence 1 − α: the p at which P[X ≥ k] = α for
 * X ~ Bin(n, p) (0 when k = 0). P[X ≥ k] increases with p, so bisection finds it; 60 halvings
 * reach the double's precision.
 */
export function clopperPearsonLower(n: number, k: number, alpha: number): number {
  if (k <= 0 || n <= 0) return 0;
  if (k >= n) return Math.pow(alpha, 1 / n); // P[X ≥ n] = pⁿ = α
  let lo = 0;
  let hi = k / n;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialTail(n, k, mid) < alpha) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Pools the runs of one campaign cell per targeting adversary: Σk of Σn routed requests of the
 * chosen user landed on the adversary's nodes. Violated when the lower confidence bound of that
 * share exceeds f/N + ε, i.e. an honest router would produce k or more with probability below α.
 */
export function pooledNonTargetability(runs: readonly PooledRun[], alpha = POOLED_ALPHA, epsilon = POOLED_EPSILON): PooledNonTargetability[] {
  const byAdversary = new Map<string, { run: PooledRun; t: TargetTally }[]>();
  for (const r of [...runs].sort((a, b) => a.run - b.run)) {
    for (const t of r.targets) byAdversary.set(t.adversary, [...(byAdversary.get(t.adversary) ?? []), { run: r, t }]);
  }
  const out: PooledNonTargetability[] = [];
  for (const [adversary, list] of [...byAdversary.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    let f = 0;
    let N = 1;
    for (const { t } of list) {
      if (t.totalNodes > 0 && t.nodes.length / t.totalNodes > f / N) {
        f = t.nodes.length;
        N = t.totalNodes;
      }
    }
    const n = list.reduce((a, x) => a + x.t.n, 0);
    const k = list.reduce((a, x) => a + x.t.k, 0);
    const bound = Math.min(1, f / N + epsilon);
    const lower = clopperPearsonLower(n, k, alpha);
    const pValue = binomialTail(n, k, bound);
    const violated = n > 0 && N > 1 && lower > bound;
    const share = n > 0 ? k / n : 0;
    const why = `${adversary}: ${k} of ${n} routed requests of its chosen users over ${list.length} runs landed on its ${f} of ${N} nodes (share ${share.toFixed(3)}, ${((1 - alpha) * 100).toFixed(1)}% lower bound ${lower.toFixed(3)} ${violated ? '>' : '≤'} f/N${epsilon ? ' + ε' : ''} = ${bound.toFixed(3)}; P[X ≥ ${k}] = ${pValue.toExponential(2)} for Bin(${n}, ${bound.toFixed(3)}))`;
    const proof = list
      .filter(({ t }) => t.n > 0)
      .map(({ run, t }) => ({ run: run.run, seed: run.seed, traceHash: run.traceHash, user: t.user, nodes: [...t.nodes], n: t.n, k: t.k, targetEvent: t.targetEvent, landed: [...t.landed] }));
    out.push({ invariant: 'non-targetability', adversary, alpha, epsilon, f, N, bound, runs: runs.length, targetedRuns: list.length, n, k, share, lower, pValue, violated, why, proof });
  }
  return out;
}

/** The pooled verdict of a cell: violated when any targeting adversary's pooled test is. */
export function pooledViolated(tests: readonly PooledNonTargetability[] | undefined): boolean {
  return (tests ?? []).some((t) => t.violated);
}
