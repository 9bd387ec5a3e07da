/**
 * `unlinkability` (PROTOCOL.md): no single party learns both who (address) and what (token,
 * content) of a request. With the relay the gateway never sees an address, and only the coalition
 * relay + gateway links (THREATS.md: an expected violation outside the trust model, measured).
 * With the ablation `relay` the gateway alone links every request.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, once, requestNamed, requestOf, run, smallWorld } from './small-world.js';

const benign = once(() => run(smallWorld('unlink-benign')));
const noRelay = once(() => run(smallWorld('unlink-no-relay', { ablations: ['relay'] })));

function shares(measures: Record<string, unknown> | undefined): Record<string, number> {
  expect(measures?.coalitionLinkedShare).toBeTypeOf('object');
  return measures!.coalitionLinkedShare as Record<string, number>;
}

describe('unlinkability', () => {
  it('holds on a benign small world; only the coalition relay + gateway links every request', () => {
    const d = benign();
    const v = expectHolds(d, 'unlinkability');
    const m = shares(v.measures);
    expect(m['gateway+relay']).toBe(1);
    expect(v.measures?.requestsSent).toBe(6);
    // No pair without both relay and gateway links every request.
    for (const [pair, share] of Object.entries(m)) if (pair !== 'gateway+relay') expect(share, pair).toBeLessThan(1);
  });

  it('is violated with the ablation relay: the gateway links each client address to its token', () => {
    const d = noRelay();
    const v = expectViolated(d, 'unlinkability');
    for (const p of v.proof) {
      const m = /^gateway links (?:the address of|an identifier of) (client-\d+)(?: in the bytes)? to the token of (req-\d+) \(message \d+\)$/.exec(p.why);
      expect(m, p.why).not.toBeNull();
      expect(requestOf(d.view, requestNamed(p.why)).user).toBe(m![1]);
    }
    expect(v.measures?.violations).toBe(6);
    // Every coalition that includes the gateway now links every sent request.
    const m = shares(v.measures);
    const withGateway = Object.entries(m).filter(([pair]) => pair.split('+').includes('gateway'));
    expect(withGateway.length).toBeGreaterThan(0);
    for (const [pair, share] of withGateway) expect(share, pair).toBe(1);
    expect(d.trace.some((e) => e.data?.link === 'client-relay')).toBe(false);
  });

  it('is violated when the relay forwards the client address to the gateway (bugs.relayForwardsClientAddress)', () => {
    const d = run(smallWorld('unlink-relay-leaks'), { relayForwardsClientAddress: true });
    const v = expectViolated(d, 'unlinkability');
    for (const p of v.proof) {
      const m = /^gateway links (?:the address of|an identifier of) (client-\d+)(?: in the bytes)? to the token of (req-\d+) \(message \d+\)$/.exec(p.why);
      expect(m, p.why).not.toBeNull();
      expect(requestOf(d.view, requestNamed(p.why)).user).toBe(m![1]);
    }
  });
});
