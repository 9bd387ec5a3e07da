/**
 * `unlinkability` (PROTOCOL.md): no single party learns both who (an identity of a user: account
 * id, network address, user name, a per-user key or tag) and what (the content or the token of
 * that same user's request). Knowledge, not labels: within one message a party received or
 * opened, the identities are the sender's address (bytes straight from a client), the identity
 * canaries the observer found in the bytes and the owner of a per-user key that verified a token;
 * the whats are the content canaries found and the token verified. A linker's claim (the
 * metadata-correlation coalition) counts when it is right against the request's user. For
 * coalitions we also report the linking matrix: per pair of parties, the share of sent requests
 * whose who and what the pair's knowledge holds together.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

interface Group {
  party: string;
  msg: string;
  who: Map<string, { event: number; how: string }>;
  what: Map<string, { event: number; how: string }>;
}

export const unlinkability: Invariant = {
  id: 'unlinkability',
  description: 'No single party learns both who (account, address, per-user key) and what (content or token) of the same user\'s request.',
  check(trace) {
    const world = viewFromTrace(trace);
    const clients = new Set(world.parties.filter((p) => p.role === 'client').map((p) => p.name));
    const userOf = new Map(world.requests.map((r) => [r.requestId, r.user]));
    const groups = new Map<string, Group>();
    const group = (party: string, msg: number | null, event: number): Group => {
      const key = `${party}#${msg === null ? `e${event}` : msg}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { party, msg: msg === null ? `event ${event}` : `message ${msg}`, who: new Map(), what: new Map() }));
      return g;
    };
    for (const h of world.held) {
      if (clients.has(h.party)) continue;
      const g = group(h.party, h.msg, h.event);
      if (h.fromUser && !g.who.has(h.fromUser)) g.who.set(h.fromUser, { event: h.event, how: `the address of ${h.fromUser}` });
      for (const u of h.who) if (!g.who.has(u)) g.who.set(u, { event: h.event, how: `an identifier of ${u} in the bytes` });
      for (const r of h.req) if (!g.what.has(r)) g.what.set(r, { event: h.event, how: `the content of ${r}` });
    }
    for (const t of world.tokenKnowledge) {
      if (clients.has(t.party)) continue;
      const g = group(t.party, t.msg, t.event);
      if (t.keyOwner && !g.who.has(t.keyOwner)) g.who.set(t.keyOwner, { event: t.event, how: `the issuer key made for ${t.keyOwner}` });
      if (!g.what.has(t.requestId)) g.what.set(t.requestId, { event: t.event, how: `the token of ${t.requestId}` });
    }
    const proof: ProofEvent[] = [];
    const linked = new Map<string, Set<string>>();
    const link = (party: string, requestId: string) => {
      let s = linked.get(party);
      if (!s) linked.set(party, (s = new Set()));
      s.add(requestId);
    };
    for (const g of groups.values()) {
      for (const [requestId, w] of g.what) {
        const user = userOf.get(requestId);
        const h = user === undefined ? undefined : g.who.get(user);
        if (!h) continue;
        link(g.party, requestId);
        proof.push({ event: Math.max(h.event, w.event), why: `${g.party} links ${h.how} to ${w.how} (${g.msg})` });
      }
    }
    for (const c of world.linkClaims) {
      if (userOf.get(c.requestId) !== c.user) continue;
      link(c.party, c.requestId);
      proof.push({ event: c.event, why: `${c.party} links the address of ${c.user} to ${c.requestId} (a right claim)` });
    }
    // The coalition matrix: who and what per party per request (knowledge pooled, no correlation needed).
    const who = new Map<string, Set<string>>();
    const what = new Map<string, Set<string>>();
    const add = (m: Map<string, Set<string>>, p: string, r: string) => {
      let s = m.get(p);
      if (!s) m.set(p, (s = new Set()));
      s.add(r);
    };
    for (const h of world.held) {
      if (clients.has(h.party)) continue;
      const of = h.of;
      const ids = [...h.req, ...(of ? [of] : [])];
      const users = [...h.who, ...(h.fromUser ? [h.fromUser] : [])];
      for (const r of ids) if (users.includes(userOf.get(r) ?? '')) add(who, h.party, r);
      for (const r of h.req) add(what, h.party, r);
    }
    for (const t of world.tokenKnowledge) {
      add(what, t.party, t.requestId);
      if (t.keyOwner && t.keyOwner === userOf.get(t.requestId)) add(who, t.party, t.requestId);
    }
    for (const [p, s] of linked) for (const r of s) {
      add(who, p, r);
      add(what, p, r);
    }
    const sent = world.requests.filter((r) => r.sentCount > 0);
    const names = [...new Set([...who.keys(), ...what.keys()])].sort();
    const matrix: Record<string, number> = {};
    for (let a = 0; a < names.length; a++) {
      for (let b = a + 1; b < names.length; b++) {
        let n = 0;
        for (const r of sent) {
          const w1 = who.get(names[a]!)?.has(r.requestId) || who.get(names[b]!)?.has(r.requestId);
          const w2 = what.get(names[a]!)?.has(r.requestId) || what.get(names[b]!)?.has(r.requestId);
          if (w1 && w2) n++;
        }
        if (n > 0) matrix[`${names[a]}+${names[b]}`] = sent.length ? n / sent.length : 0;
      }
    }
    return verdict('unlinkability', proof, { coalitionLinkedShare: matrix, requestsSent: sent.length });
  },
};
