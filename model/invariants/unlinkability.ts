/**
 * `unlinkability` (PROTOCOL.md): no single party learns both who (account or network address) and
 * what (request content or token). For coalitions we report the linking matrix: for each pair of
 * parties, the share of requests whose who and what the pair holds together.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import type { Exposure } from '../world-view.js';

function byParty(exposures: readonly Exposure[]): Map<string, { who: Map<string, Exposure>; what: Map<string, Exposure> }> {
  const m = new Map<string, { who: Map<string, Exposure>; what: Map<string, Exposure> }>();
  for (const e of exposures) {
    let p = m.get(e.party);
    if (!p) m.set(e.party, (p = { who: new Map(), what: new Map() }));
    if (!p[e.kind].has(e.requestId)) p[e.kind].set(e.requestId, e);
  }
  return m;
}

export const unlinkability: Invariant = {
  id: 'unlinkability',
  description: 'No single party learns both who (account or address) and what (content or token) of a request.',
  check(_trace, world) {
    const clients = new Set(world.parties.filter((p) => p.role === 'client').map((p) => p.name));
    const parties = byParty(world.exposures.filter((e) => !clients.has(e.party)));
    const proof: ProofEvent[] = [];
    for (const [party, { who, what }] of parties) {
      for (const [requestId, w] of what) {
        const h = who.get(requestId);
        if (h) proof.push({ event: Math.max(h.event, w.event), why: `${party} links ${h.label} to ${w.label} of ${requestId}` });
      }
    }
    const sent = world.requests.filter((r) => r.sentCount > 0).length;
    const names = [...parties.keys()].sort();
    const matrix: Record<string, number> = {};
    for (let a = 0; a < names.length; a++) {
      for (let b = a + 1; b < names.length; b++) {
        const pa = parties.get(names[a]!)!;
        const pb = parties.get(names[b]!)!;
        let linked = 0;
        for (const r of world.requests) {
          const who = pa.who.has(r.requestId) || pb.who.has(r.requestId);
          const what = pa.what.has(r.requestId) || pb.what.has(r.requestId);
          if (who && what) linked++;
        }
        if (linked > 0) matrix[`${names[a]}+${names[b]}`] = sent ? linked / sent : 0;
      }
    }
    return verdict('unlinkability', proof, { coalitionLinkedShare: matrix, requestsSent: sent });
  },
};
