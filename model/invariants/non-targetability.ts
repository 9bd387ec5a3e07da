/**
 * `non-targetability` (PROTOCOL.md): an adversary holding f of N nodes receives a chosen user's
 * request with probability ≤ f/N + ε. We take f = 1 (the adversary picks its best node after the
 * fact) and ε from a binomial bound: 3 standard deviations plus one request of slack.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';

export const nonTargetability: Invariant = {
  id: 'non-targetability',
  description: 'An adversary holding f of N nodes gets a chosen user\'s request with probability ≤ f/N + ε.',
  check(_trace, world) {
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
    for (const [user, m] of perUser) {
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      const max = Math.max(...m.values());
      const busiest = [...m.entries()].find(([, c]) => c === max)![0];
      const share = max / total;
      const eps = 3 * Math.sqrt((p * (1 - p)) / total) + 1 / total;
      worst[user] = share;
      if (n > 1 && total >= 4 && share > p + eps) {
        proof.push({ event: lastEvent.get(`${user}/${busiest}`) ?? 0, why: `${user}: ${max} of ${total} requests went to ${busiest} (share ${share.toFixed(2)} > ${(p + eps).toFixed(2)})` });
      }
    }
    // pcc: one request may reach at most `cap` nodes (target diffusion with a cap): a request
    // sealed to more widens the set of nodes that can read it beyond what the client promised.
    const cap = world.diffusionCap ?? null;
    let widest = 0;
    if (cap !== null) {
      for (const r of world.requests) {
        const byAttempt = new Map<number, Set<string>>();
        for (const s of r.sealedTo) byAttempt.set(s.event, (byAttempt.get(s.event) ?? new Set()).add(s.node));
        for (const [event, nodes] of byAttempt) {
          widest = Math.max(widest, nodes.size);
          if (nodes.size > cap) proof.push({ event, why: `${r.requestId} (${r.user}) was sealed to ${nodes.size} nodes (${[...nodes].join(', ')}), more than the cap ${cap}` });
        }
      }
    }
    return verdict('non-targetability', proof, { nodes: n, worstShareByUser: worst, ...(cap !== null ? { diffusionCap: cap, widestDiffusion: widest } : {}) });
  },
};
