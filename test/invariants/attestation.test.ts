/**
 * `attestation` (PROTOCOL.md): the client releases a request only to a key bound in evidence that
 * passed every check of step 4. Node 1 boots an image whose measurement is not in the log: with
 * the check on it is refused; with the ablation `measurement-log` the client accepts it.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, once, requestNamed, requestOf, run, smallWorld } from './small-world.js';

const benign = once(() => run(smallWorld('att-benign')));
const unloggedChecked = once(() => run(smallWorld('att-unlogged', { world: { unloggedNodes: [1] } })));
const unloggedAblated = once(() => run(smallWorld('att-unlogged-ablated', { ablations: ['measurement-log'], world: { unloggedNodes: [1] } })));

describe('attestation', () => {
  it('holds on a benign small world', () => {
    const d = benign();
    const v = expectHolds(d, 'attestation');
    expect(v.measures?.accepted).toBe(6);
    expect(d.view.evidence.every((e) => e.keyHonest && e.measurementLogged)).toBe(true);
  });

  it('holds with an unlogged node when the measurement-log check is on: its evidence is refused', () => {
    const d = unloggedChecked();
    expectHolds(d, 'attestation');
    const refused = d.view.requests.filter((r) => r.code === 'evidence-rejected.measurement');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.sentCount === 0)).toBe(true);
    expect(d.view.evidence.some((e) => e.node === 'enclave-1')).toBe(false);
  });

  it('is violated with the ablation measurement-log: clients accept the unlogged node', () => {
    const d = unloggedAblated();
    const v = expectViolated(d, 'attestation');
    for (const p of v.proof) {
      const m = /^(client-\d+) accepted evidence of (enclave-\d+) with unlogged measurement [0-9a-f]{16}… \((req-\d+)\)$/.exec(p.why);
      expect(m, p.why).not.toBeNull();
      const [, user, node, id] = m!;
      expect(node).toBe('enclave-1');
      expect(requestOf(d.view, requestNamed(p.why)).user).toBe(user);
      // The event is the observer's fact about that client's acceptance of the request's evidence.
      const e = d.trace[p.event]!;
      expect(e.party).toBe(user);
      expect(e.data).toMatchObject({ fact: 'evidence-accepted', requestId: id, node, measurementLogged: false });
    }
  });
});
