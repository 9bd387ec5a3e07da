/**
 * `stateless` (PROTOCOL.md): after a request ends, nothing derived from it remains in the enclave.
 * The enclave is snapshotted before each next request and at the end of the run; with the ablation
 * `state-erasure` it keeps the plaintext, the answer and the response key of served requests.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, nodeOf, once, requestNamed, run, smallWorld } from './small-world.js';

const benign = once(() => run(smallWorld('stateless-benign')));
const noErase = once(() => run(smallWorld('stateless-no-erase', { ablations: ['state-erasure'] })));

describe('stateless', () => {
  it('holds on a benign small world: every snapshot after a request is empty', () => {
    const d = benign();
    const v = expectHolds(d, 'stateless');
    expect(v.measures?.snapshots).toBeGreaterThan(0);
    expect(d.view.enclaveSnapshots.every((s) => s.leftover.length === 0)).toBe(true);
    expect(d.trace.filter((e) => e.kind === 'erase').length).toBe(6);
  });

  it('is violated with the ablation state-erasure: the enclave keeps values of the request it served', () => {
    const d = noErase();
    const v = expectViolated(d, 'stateless');
    expect(d.trace.some((e) => e.kind === 'erase')).toBe(false);
    for (const p of v.proof) {
      const m = /^(enclave-\d+) still holds (\d+) value\(s\) of ended requests after (req-\d+): .+$/.exec(p.why);
      expect(m, p.why).not.toBeNull();
      const id = requestNamed(p.why);
      expect(nodeOf(d.view, id)).toBe(m![1]);
      const snap = d.view.enclaveSnapshots.find((s) => s.event === p.event && s.node === m![1]);
      expect(snap?.requestId).toBe(id);
      expect(snap?.leftover.length).toBe(Number(m![2]));
    }
    // The leftovers are the request itself, in the enclave program's memory (tee/enclave-program.ts, as the runner exposes it): its plaintext, its HPKE context, its response key.
    const first = d.view.enclaveSnapshots.find((s) => s.leftover.length > 0)!;
    const fields = first.leftover.filter((l) => l.requestId === first.requestId).map((l) => l.field);
    expect(fields.some((f) => f.startsWith('program.requests') && f.endsWith('.get(plaintext)'))).toBe(true);
    expect(fields.some((f) => f.startsWith('program.contexts.get('))).toBe(true);
    expect(fields.some((f) => f.endsWith('.get(response-key)'))).toBe(true);
  });
});
