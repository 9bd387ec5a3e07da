/**
 * `integrity` (PROTOCOL.md): the client accepts only the response to its own request, unmodified.
 * The gateway swaps the answers of consecutive requests (planted bug): each answer opens only
 * under its own request's HPKE export, so the swap is caught, with or without the request-id check
 * (`response-binding`). The checker's ability to fail is shown on a hand-made trace.
 */
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../../model/invariants/index.js';
import { expectHolds, expectProofInTrace, fact, once, run, smallWorld, withFacts } from './small-world.js';

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

  it('holds when the gateway swaps responses and the ablation response-binding is on: the answer key is still exported from each request\'s HPKE context', () => {
    // The mutant removes exactly one check (the answer names its request id); the key binding stays.
    const d = swapUnbound();
    expectHolds(d, 'integrity');
    const [, ...swapped] = d.view.requests;
    for (const r of swapped) expect(r.acceptedAnswer, r.requestId).toBeNull();
  });

  it('is violated on a hand-made trace where a client accepted an answer no enclave produced for its request', () => {
    const d = benign();
    const [a, b] = d.view.requests;
    const trace = withFacts(d.trace, [{ party: a!.user, fact: fact('answer-accepted', { requestId: a!.requestId, answer: b!.producedAnswers[0]! }) }]);
    const v = INVARIANTS.integrity.check(trace);
    expect(v.holds).toBe(false);
    expectProofInTrace(v.proof, trace);
    expect(v.proof).toEqual([{ event: trace.length - 1, why: `${a!.requestId}: the client accepted an answer no enclave produced for this request` }]);
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
