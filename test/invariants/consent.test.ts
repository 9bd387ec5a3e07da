/**
 * `consent` (PROTOCOL.md): no message of an opted-out feature or an excluded chat leaves the
 * device. User client-1 opted out. With the planted bug `ignoreConsent` its chats are sent and
 * opened by an enclave: the observer scanned the opened bytes when the enclave got them (a fact
 * in the trace), so erasing them later cannot hide it. Hand-made traces add facts.
 */
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../../model/invariants/index.js';
import { expectHolds, expectProofInTrace, expectViolated, fact, once, run, smallWorld, withFacts } from './small-world.js';

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
    expect(d.view.blockedChats.length).toBeGreaterThan(0);
  });

  it('is violated with bugs.ignoreConsent: the opted-out chats reach the enclave (regression: the view once kept a buffer that erase zeroed)', () => {
    const d = ignored();
    const v = expectViolated(d, 'consent');
    for (const p of v.proof) expect(p.why).toMatch(/^a message of chat-(1|3) reached enclave-\d+$/);
  });

  it('is violated on a hand-made trace where a host holds a message of a blocked chat', () => {
    const d = benign();
    const chat = d.view.blockedChats[0]!;
    const trace = withFacts(d.trace, [{ party: 'host-0', fact: fact('holds', { source: 'log', msg: null, of: null, fromUser: null, req: [], chat: [chat], who: [], sha: '00', bytes: 40 }) }]);
    const v = INVARIANTS.consent.check(trace);
    expect(v.holds).toBe(false);
    expectProofInTrace(v.proof, trace);
    expect(v.proof).toEqual([{ event: trace.length - 1, why: `a message of ${chat} reached host-0` }]);
  });

  it('the ignoreConsent run: every opted-out request the bug sent was opened by an enclave, and the proof names it', () => {
    const d = ignored();
    const sent = leaked(d);
    expect(sent.length).toBeGreaterThan(0); // the bug is live: opted-out chats left the device
    const v = d.result.verdicts.consent!;
    for (const { request } of sent) expect(v.proof.some((p) => p.why.startsWith(`${request.requestId} (`) || p.why.includes(request.chatId))).toBe(true);
  });

  it('is violated on a hand-made trace where a request the device blocked was still sent', () => {
    const d = benign();
    const r = d.view.requests.find((x) => x.blocked === null && x.sentCount > 0)!;
    const trace = withFacts(d.trace, [{ party: r.user, fact: fact('request-blocked', { requestId: r.requestId, reason: 'excluded' }) }]);
    const v = INVARIANTS.consent.check(trace);
    expect(v.holds).toBe(false);
    expectProofInTrace(v.proof, trace);
    expect(v.proof).toEqual([{ event: r.sealedTo[0]!.event, why: `${r.requestId} (excluded) left the device` }]);
    expect(trace[r.sealedTo[0]!.event]).toMatchObject({ kind: 'fact', party: r.user, data: { fact: 'sealed-to', requestId: r.requestId } });
  });
});
