/**
 * `freshness` (PROTOCOL.md): a request, token, attestation bundle or response is accepted at most
 * once. The network duplicates 30% of messages; with token spending on, every replayed request is
 * refused as a double spend; with the ablation `token-spend` the gateway accepts the same token
 * twice and the enclave opens the same ciphertext twice.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, once, requestNamed, requestOf, run, smallWorld } from './small-world.js';

const duplicating = { network: { duplicate: 0.3 } } as const;
const benign = once(() => run(smallWorld('fresh-benign', duplicating)));
const noSpend = once(() => run(smallWorld('fresh-no-token-spend', { ...duplicating, ablations: ['token-spend'] })));

const doubleSpends = (d: ReturnType<typeof benign>) => d.trace.filter((e) => e.party === 'gateway' && e.what === 'double spend refused');

describe('freshness', () => {
  it('holds on a benign small world that duplicates messages: each replay is refused as a double spend', () => {
    const d = benign();
    const v = expectHolds(d, 'freshness');
    expect(d.trace.some((e) => e.kind === 'dup')).toBe(true);
    expect(doubleSpends(d).length).toBeGreaterThan(0);
    expect(new Set(d.view.tokens.map((t) => t.tokenId)).size).toBe(d.view.tokens.length);
    expect(v.measures?.tokens).toBe(d.view.tokens.length);
  });

  it('is violated with the ablation token-spend: duplicated requests are accepted again', () => {
    const d = noSpend();
    const v = expectViolated(d, 'freshness');
    expect(doubleSpends(d)).toEqual([]);
    for (const p of v.proof) {
      const id = requestNamed(p.why);
      expect(requestOf(d.view, id).sentCount).toBeGreaterThan(0);
      const token = /^token ([0-9a-f]{12})… accepted again \((req-\d+)\)$/.exec(p.why);
      const replay = /^request (req-\d+) replayed: the same ciphertext opened again by (enclave-\d+)$/.exec(p.why);
      expect(token ?? replay, p.why).not.toBeNull();
      if (token) {
        const same = d.view.tokens.filter((t) => t.tokenId.startsWith(token[1]!) && t.requestId === id);
        expect(same.length).toBeGreaterThanOrEqual(2);
        expect(d.trace[p.event]!).toMatchObject({ kind: 'fact', party: 'gateway', data: { fact: 'token-served', requestId: id } });
      } else {
        const opened = d.view.enclaveOpened.filter((o) => o.requestId === id && o.node === replay![2]);
        expect(opened.length).toBeGreaterThanOrEqual(2);
        expect(new Set(opened.map((o) => o.ciphertext)).size).toBeLessThan(opened.length);
        expect(d.trace[p.event]!).toMatchObject({ kind: 'fact', party: replay![2], data: { fact: 'enclave-opened', requestId: id } });
      }
    }
    expect(v.proof.some((p) => p.why.startsWith('token '))).toBe(true);
  });
});
