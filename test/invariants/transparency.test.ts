/**
 * `transparency` (PROTOCOL.md): the client never accepts a measurement outside a log view
 * consistent with every view it saw. Node 1 runs an image that was never logged: with the
 * measurement-log check the client refuses it; with the ablation `measurement-log` it accepts it.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, once, requestOf, run, smallWorld } from './small-world.js';

const benign = once(() => run(smallWorld('tlog-benign')));
const unloggedChecked = once(() => run(smallWorld('tlog-unlogged', { world: { unloggedNodes: [1] } })));
const unloggedAblated = once(() => run(smallWorld('tlog-unlogged-ablated', { ablations: ['measurement-log'], world: { unloggedNodes: [1] } })));

describe('transparency', () => {
  it('holds on a benign small world: every accepted view is the one true log', () => {
    const d = benign();
    const v = expectHolds(d, 'transparency');
    expect(v.measures?.accepted).toBe(6);
    expect(d.view.evidence.every((e) => e.measurementLogged && e.viewConsistent)).toBe(true);
    expect(d.view.logViews.every((l) => l.accepted)).toBe(true);
  });

  it('holds with an unlogged node when the check is on: no client accepts its measurement', () => {
    const d = unloggedChecked();
    expectHolds(d, 'transparency');
    const refusals = d.trace.filter((e) => e.kind === 'verify' && e.data?.code === 'measurement' && e.data?.node === 'enclave-1');
    expect(refusals.length).toBeGreaterThan(0);
  });

  it('is violated with the ablation measurement-log: a client accepts a measurement not in the log', () => {
    const d = unloggedAblated();
    const v = expectViolated(d, 'transparency');
    for (const p of v.proof) {
      const m = /^(client-\d+) accepted measurement ([0-9a-f]{16})… that is not in the log$/.exec(p.why);
      expect(m, p.why).not.toBeNull();
      const e = d.trace[p.event]!;
      expect(e.party).toBe(m![1]);
      expect(e.data?.node).toBe('enclave-1');
      expect(e.data?.fact).toBe('evidence-accepted');
      const id = e.data?.requestId as string | undefined;
      expect(id, e.what).toBeDefined();
      expect(requestOf(d.view, id!).user).toBe(m![1]);
      const accepted = d.view.evidence.find((x) => x.event === p.event)!;
      expect(accepted.measurement.startsWith(m![2]!)).toBe(true);
      expect(accepted.measurementLogged).toBe(false);
    }
  });
});
