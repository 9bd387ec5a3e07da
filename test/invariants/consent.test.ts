/**
 * `consent` (PROTOCOL.md): no message of an opted-out feature or an excluded chat leaves the
 * device. User client-1 opted out. With the planted bug `ignoreConsent` its chats are sent and
 * opened by an enclave, yet the verdict holds: the check scans `enclavePlaintexts`, whose buffers
 * the enclave's erase has zeroed by the end of the run (see the BUG test). The checker's ability
 * to fail is shown on a view that carries the plaintext the simulator should have kept.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../protocol/bytes.js';
import { INVARIANTS } from '../../model/invariants/index.js';
import type { WorldView } from '../../model/world-view.js';
import { expectHolds, expectProofInTrace, expectViolated, once, run, smallWorld } from './small-world.js';

const optedOut = { world: { excludedChats: 1, optedOutUsers: 1, requests: 8 } } as const;
const benign = once(() => run(smallWorld('consent-benign', optedOut)));
const ignored = once(() => run(smallWorld('consent-ignored', optedOut), { ignoreConsent: true }));

/** The opted-out user's requests that the bug sent out, with the event where an enclave opened each. */
function leaked(d: ReturnType<typeof ignored>) {
  return d.view.requests
    .filter((r) => r.user === 'client-1' && r.sentCount > 0)
    .map((r) => {
      const opened = d.trace.find((e) => e.kind === 'crypto' && e.what === `opened ${r.requestId}`);
      expect(opened, `no enclave opened ${r.requestId}`).toBeDefined();
      return { request: r, opened: opened! };
    });
}

describe('consent', () => {
  it('holds on a benign small world: the opted-out user sends nothing', () => {
    const d = benign();
    const v = expectHolds(d, 'consent');
    const blocked = d.view.requests.filter((r) => r.blocked !== null);
    expect(blocked.length).toBe(4);
    expect(v.measures?.blockedRequests).toBe(4);
    expect(blocked.every((r) => r.user === 'client-1' && r.blocked === 'opted-out' && r.sentCount === 0)).toBe(true);
    expect(d.trace.filter((e) => e.kind === 'consent').length).toBe(4);
    expect(d.view.blockedCanaries.length).toBeGreaterThan(0);
  });

  it('is violated with bugs.ignoreConsent: the opted-out chats reach the enclave (regression: the view once kept a buffer that erase zeroed)', () => {
    const d = ignored();
    const v = expectViolated(d, 'consent');
    for (const p of v.proof) expect(p.why).toMatch(/^a message of chat-(1|3) reached enclave-\d+$/);
  });

  it('is violated on the ignoreConsent run once the view keeps what the enclave opened (hand-made)', () => {
    const d = ignored();
    const sent = leaked(d);
    expect(sent.length).toBeGreaterThan(0); // the bug is live: opted-out chats left the device
    expect(d.view.enclavePlaintexts.some((p) => p.bytes.some((b) => b !== 0))).toBe(true); // erase no longer zeroes what the view keeps
    const { request, opened } = sent[0]!;
    const canary = d.view.blockedCanaries.find((b) => b.chatId === request.chatId)!.canary;
    const view: WorldView = {
      ...d.view,
      enclavePlaintexts: [...d.view.enclavePlaintexts, { node: opened.party, bytes: utf8(JSON.stringify({ requestId: request.requestId, messages: [{ text: `see ${canary}` }] })), event: opened.i }],
    };
    const v = INVARIANTS.consent.check(d.trace, view);
    expect(v.holds).toBe(false);
    expectProofInTrace(v.proof, d.trace);
    expect(v.proof).toContainEqual({ event: opened.i, why: `a message of ${request.chatId} reached ${opened.party}` });
  });

  it('is violated on a hand-made view where a request the device blocked was still sent', () => {
    const d = benign();
    const r = d.view.requests.find((x) => x.blocked === null && x.sentCount > 0)!;
    const view: WorldView = { ...d.view, requests: d.view.requests.map((x) => (x === r ? { ...x, blocked: 'excluded' as const } : x)) };
    const v = INVARIANTS.consent.check(d.trace, view);
    expect(v.holds).toBe(false);
    expectProofInTrace(v.proof, d.trace);
    expect(v.proof).toEqual([{ event: r.sealedTo[0]!.event, why: `${r.requestId} (excluded) left the device` }]);
    expect(d.trace[r.sealedTo[0]!.event]).toMatchObject({ kind: 'send', party: r.user, what: 'ohttp-req' });
  });
});
