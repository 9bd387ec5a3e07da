/**
 * Laws of the symbolic model and its explorer (issue 12): determinism, canonical state hashing,
 * breadth-first shortest counterexamples, every defence branch of the client's step 4, each
 * real-finding mutant found at its depth, the baselines clean to a small depth.
 */
import { describe, expect, it } from 'vitest';
import { clientChecks, decEv, encEv, forge, FORGERY_KINDS, hashState, initialState, makeWorld, SIGNER, successors, violations, type Evidence, type SymbolicAdversary } from '../../sim/explore/model.js';
import { explore, replayPath } from '../../sim/explore/explorer.js';

const world = (profile: string, adversary: SymbolicAdversary, requests = 2) => makeWorld({ profile, adversary, nodes: 3, users: 2, requests });

describe('symbolic model', () => {
  it('is deterministic: the same state has the same successors, in the same order', () => {
    const w = world('pp', 'forged-quote');
    let s = initialState(w);
    for (let step = 0; step < 12; step++) {
      const a = successors(w, s);
      const b = successors(w, s.slice());
      expect(b.map((x) => x.action.text)).toEqual(a.map((x) => x.action.text));
      expect(b.map((x) => hashState(x.next))).toEqual(a.map((x) => hashState(x.next)));
      s = a[a.length - 1]!.next;
    }
    expect(explore(w, { depth: 14, maxStates: 100_000 })).toEqual(explore(w, { depth: 14, maxStates: 100_000 }));
  });

  it('hashes states canonically: deliveries that commute reach one state, one hash', () => {
    const w = world('pp', 'replay');
    const s0 = initialState(w);
    const ask = (s: number[], user: number) => successors(w, s).find((x) => x.action.kind === 'tokens' && x.action.user === user)!.next;
    const ab = ask(ask(s0, 0), 1);
    const ba = ask(ask(s0, 1), 0);
    expect(ab).toEqual(ba);
    expect(hashState(ab)).toBe(hashState(ba));
    expect(hashState(ab)).not.toBe(hashState(ask(s0, 0)));
    expect(Number.isSafeInteger(hashState(ab))).toBe(true);
  });

  it('encodes evidence terms losslessly', () => {
    const e: Evidence = { node: 2, gen: 1, keyRogue: true, boundRogue: false, nonce: 1, signer: SIGNER.outdated, debug: true, unlogged: false, hostOther: true, fork: true, keyNode: 1, replayed: true };
    expect(decEv(encEv(e))).toEqual(e);
  });

  it("the client's step 4 refuses each forgery with every defence on, and the mutant's forgery with its defence off", () => {
    const pp = world('pp', 'forged-quote');
    const honest: Evidence = { node: 0, gen: 0, keyRogue: false, boundRogue: false, nonce: 1, signer: SIGNER.chip, debug: false, unlogged: false, hostOther: false, fork: false, keyNode: 0, replayed: false };
    const old = encEv({ ...honest, nonce: 0 });
    expect(clientChecks(pp, honest, 1, 0, false)).toBeNull();
    for (const kind of FORGERY_KINDS) {
      const f = forge(kind, honest, [old], 1);
      expect(f, kind).not.toBeNull();
      expect(clientChecks(pp, f!, 1, 0, false), kind).not.toBeNull();
    }
    expect(clientChecks(pp, honest, 1, 1, false)).toBe('node-choice');
    expect(clientChecks(pp, { ...honest, hostOther: true }, 1, 0, false)).toBe('host-data');
    expect(clientChecks(pp, { ...honest, fork: true }, 1, 0, false)).toBe('witnesses');
    const off = (profile: string) => world(profile, 'forged-quote');
    expect(clientChecks(off('pp-weak-binder'), forge('key-substitution', honest, [], 1)!, 1, 0, false)).toBeNull();
    expect(clientChecks(off('pp-tcb-from-report'), forge('low-tcb', honest, [], 1)!, 1, 0, false)).toBeNull();
    expect(clientChecks(off('pp-no-client-nonce'), forge('old-nonce', honest, [old], 1)!, 1, 0, false)).toBeNull();
    expect(clientChecks(off('pp-unmeasured-config'), { ...honest, hostOther: true }, 1, 0, false)).toBeNull();
    expect(clientChecks(off('pp-no-log-consistency'), { ...honest, fork: true }, 1, 0, false)).toBeNull();
    // One defence off lets only its own forgery through.
    expect(clientChecks(off('pp-weak-binder'), forge('low-tcb', honest, [], 1)!, 1, 0, false)).toBe('tcb');
  });

  it('has no violation in the initial state and none on a benign prefix', () => {
    const w = world('pp', 'replay');
    expect(violations(w, initialState(w))).toEqual([]);
  });
});

// The 8 real findings of THREATS.md: the adversary whose alphabet finds it, the invariant, the depth.
const FINDINGS: [string, SymbolicAdversary, string, number][] = [
  ['pp-no-client-nonce', 'forged-quote', 'freshness', 18],
  ['pp-tcb-from-report', 'forged-quote', 'attestation', 10],
  ['pp-unmeasured-config', 'unmeasured-input', 'confidentiality', 14],
  ['pp-weak-binder', 'malicious-gateway', 'attestation', 10],
  ['pp-no-key-consistency', 'issuer-tagging', 'unlinkability', 12],
  ['pp-no-log-consistency', 'split-view-log', 'transparency', 11],
  // 14, not 16: the gateway accepting the spent token again is the violation (as the concrete
  // invariant says), before the node opens the copy; the concrete engine agrees (concrete.test.ts).
  ['pp-no-spent-record', 'replay', 'freshness', 14],
  ['pp-no-k-cap', 'k-inflation', 'non-targetability', 8],
];

describe('explorer', () => {
  it.each(FINDINGS)('finds %s with %s: %s at depth %i, and nothing shallower (breadth-first: a shortest one)', (profile, adversary, invariant, depth) => {
    const w = world(profile, adversary);
    const r = explore(w, { depth: 40, maxStates: 500_000 });
    expect(r.counterexample?.invariants).toContain(invariant);
    expect(r.counterexample?.depth).toBe(depth);
    expect(r.counterexample?.actions).toHaveLength(depth);
    expect(r.counterexample?.actions.some((a) => a.kind === 'attack')).toBe(true);
    // The path replays in the model to a state that violates the invariant.
    expect(violations(w, replayPath(w, r.counterexample!.actions))).toContain(invariant);
    expect(explore(w, { depth: depth - 1, maxStates: 500_000 }).counterexample).toBeNull();
    // The same mutant is not found by the same exploration on the baseline.
    const baseline = world(profile === 'pp-no-k-cap' ? 'pcc' : 'pp', adversary);
    expect(explore(baseline, { depth: depth + 2, maxStates: 500_000 }).counterexample).toBeNull();
  });

  it.each(['pp', 'pcc'])('%s: no violation for any adversary up to depth 20 (one full request, tampered)', (profile) => {
    const advs: SymbolicAdversary[] = ['malicious-relay', 'forged-quote', 'replay', 'malicious-gateway', 'split-view-log', 'issuer-tagging', 'targeting', 'curious-host', 'unmeasured-input'];
    if (profile === 'pcc') advs.push('k-inflation');
    for (const a of advs) {
      const r = explore(world(profile, a), { depth: 20, maxStates: 300_000 });
      expect(r.counterexample, `${profile} ${a}`).toBeNull();
      expect(r.states).toBeGreaterThan(100);
    }
  });

  it('stops at the state bound and says so', () => {
    const r = explore(world('pp', 'replay'), { depth: 40, maxStates: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.states).toBe(1000);
    expect(r.counterexample).toBeNull();
  });
});
