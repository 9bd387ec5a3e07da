/**
 * `integrity` (PROTOCOL.md): the client accepts only the response to its own request, unmodified.
 * The gateway swaps the answers of consecutive requests (planted bug). One node, so every answer
 * is sealed under the same unbound key when `response-binding` is off: the swap goes unnoticed.
 * With binding on, each answer opens only under its own request's HPKE export: the swap is caught.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, once, requestNamed, requestOf, run, smallWorld } from './small-world.js';

const oneNode = { world: { nodes: 1 } } as const;
const benign = once(() => run(smallWorld('integ-benign')));
const swapUnbound = once(() => run(smallWorld('integ-swap-unbound', { ...oneNode, ablations: ['response-binding'] }), { gatewaySwapsResponses: true }));
const swapBound = once(() => run(smallWorld('integ-swap-bound', oneNode), { gatewaySwapsResponses: true }));

describe('integrity', () => {
  it('holds on a benign small world', () => {
    const d = benign();
    const v = expectHolds(d, 'integrity');
    expect(v.measures?.accepted).toBe(6);
    for (const r of d.view.requests) expect(r.producedAnswers).toContain(r.acceptedAnswer);
  });

  it('is violated when the gateway swaps responses and the ablation response-binding is on', () => {
    const d = swapUnbound();
    const v = expectViolated(d, 'integrity');
    const others = (id: string) => d.view.requests.filter((r) => r.requestId !== id).flatMap((r) => r.producedAnswers);
    for (const p of v.proof) {
      const id = requestNamed(p.why);
      expect(p.why).toBe(`${id}: the client accepted an answer no enclave produced for this request`);
      const r = requestOf(d.view, id);
      expect(r.producedAnswers).not.toContain(r.acceptedAnswer);
      // What it accepted is another request's answer: the swap, not noise.
      expect(others(id)).toContain(r.acceptedAnswer);
      const e = d.trace[p.event]!;
      expect(e.party).toBe(r.user);
      expect(e.what).toBe(`answer to ${id}`);
    }
    // Every request but the first got its predecessor's answer.
    expect(v.proof.map((p) => requestNamed(p.why))).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5']);
  });

  it('holds when the gateway swaps responses but binding is on: the swapped requests end in errors', () => {
    const d = swapBound();
    expectHolds(d, 'integrity');
    const [first, ...swapped] = d.view.requests;
    expect(first!.outcome).toBe('ok');
    expect(first!.producedAnswers).toContain(first!.acceptedAnswer);
    expect(swapped.length).toBe(5);
    for (const r of swapped) {
      expect(r.outcome, r.requestId).toBe('error');
      expect(r.code).toMatch(/^response-rejected\./);
      expect(r.acceptedAnswer).toBeNull();
      expect(r.producedAnswers.length).toBeGreaterThan(0); // the enclave did answer; the client refused the swap
    }
  });
});
