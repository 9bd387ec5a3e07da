/**
 * Issue 13, knowledge closed over keys: the model opens nothing itself; it closes each party's
 * holdings over the `opens` facts of the keys it holds (`holds-key`). A party without the key
 * learns nothing from the same ciphertext; a chain of openings needs every key of the chain.
 * In the simulator, the adversaries' violations come from that closure, not from labels.
 */
import { describe, expect, it } from 'vitest';
import { confidentiality } from '../../model/invariants/confidentiality.js';
import type { TraceEventView } from '../../model/invariants/types.js';
import { runDetailed } from '../../sim/runner.js';
import { keySeizureLater } from '../../adversaries/key-seizure-later.js';
import { maliciousImage } from '../../adversaries/malicious-image.js';
import { matrixWorld } from '../adversaries/catalogue.js';

type F = [party: string, data: Record<string, unknown>];

function trace(facts: F[]): TraceEventView[] {
  return facts.map(([party, data], i) => ({ i, t: i, kind: 'fact', party, what: String(data.fact), data }));
}

const base: F[] = [
  ['world', { fact: 'world', nodes: 1, diffusionCap: null, users: ['client-0'], invariants: ['confidentiality'], expectViolated: [], scenario: 't', profile: 'pp' }],
  ['client-0', { fact: 'party', role: 'client', trusted: true }],
  ['relay', { fact: 'party', role: 'relay', trusted: false }],
  ['gateway', { fact: 'party', role: 'gateway', trusted: false }],
  ['client-0', { fact: 'request', requestId: 'req-0', user: 'client-0', chatId: 'chat-0', canary: 'c0', issuedAtMs: 0 }],
  ['client-0', { fact: 'request-sent', requestId: 'req-0' }],
];
const held = (party: string, sha: string): F => [party, { fact: 'holds', source: 'received', msg: 7, of: 'req-0', fromUser: null, req: [], chat: [], who: [], sha, bytes: 100 }];
const key = (party: string, id: string): F => [party, { fact: 'holds-key', key: id, kind: 'enclave-hpke', owner: 'enclave-0' }];
const opens = (id: string, from: string, sha: string, req: string[]): F => ['gateway', { fact: 'opens', key: id, from, sha, req, chat: [], who: [], bytes: 50 }];

describe('closure over keys (model)', () => {
  it('a party holding the ciphertext and the key knows what the key opens; one without the key learns nothing from the same bytes', () => {
    const t = trace([...base, held('relay', 'aa'), held('gateway', 'aa'), key('gateway', 'K'), opens('K', 'aa', 'bb', ['req-0'])]);
    const v = confidentiality.check(t);
    expect(v.holds).toBe(false);
    expect(v.proof.map((p) => p.why)).toEqual(['gateway holds plaintext of req-0: its key K opens what it holds (event 7)']);
    expect(v.proof[0]!.event).toBe(9);
  });

  it('no key, no knowledge: the opening is a fact about the key, not about who saw the bytes', () => {
    expect(confidentiality.check(trace([...base, held('relay', 'aa'), held('gateway', 'aa'), opens('K', 'aa', 'bb', ['req-0'])])).holds).toBe(true);
    // The key without the ciphertext opens nothing either.
    expect(confidentiality.check(trace([...base, held('relay', 'zz'), key('relay', 'K'), opens('K', 'aa', 'bb', ['req-0'])])).holds).toBe(true);
  });

  it('a chain of openings (OHTTP layer, then the inner request) needs every key of the chain', () => {
    const chain = [opens('OH', 'aa', 'bb', []), opens('K', 'bb', 'cc', ['req-0'])];
    expect(confidentiality.check(trace([...base, held('gateway', 'aa'), key('gateway', 'OH'), ...chain])).holds).toBe(true);
    expect(confidentiality.check(trace([...base, held('gateway', 'aa'), key('gateway', 'K'), ...chain])).holds).toBe(true);
    const both = confidentiality.check(trace([...base, held('gateway', 'aa'), key('gateway', 'OH'), key('gateway', 'K'), ...chain]));
    expect(both.holds).toBe(false);
    expect(both.proof[0]!.why).toContain('its key K opens');
  });
});

describe('closure over keys (simulator)', () => {
  it('the gateway holds the OHTTP key and opens the OHTTP layer, yet learns no content: the inner request stays sealed', () => {
    const d = runDetailed(matrixWorld(), { seed: 2 });
    const gw = d.view.held.filter((h) => h.party === 'gateway' && h.source === 'opened');
    expect(gw.length).toBeGreaterThanOrEqual(3);
    expect(gw.every((h) => h.key?.startsWith('ohttp:') && h.req.length === 0)).toBe(true);
    expect(d.trace.filter((e) => e.data?.fact === 'holds-key').map((e) => e.party)).toEqual(['gateway']);
    // The relay saw the same ciphertexts and holds no key: nothing is opened for it.
    expect(d.view.held.some((h) => h.party === 'relay' && h.source === 'opened')).toBe(false);
    expect(d.result.verdicts.confidentiality!.holds).toBe(true);
  });

  it('malicious-image: the compromised enclave holds every key its node generates and its host traffic; its reading is the closure', () => {
    const d = runDetailed(matrixWorld(), { seed: 2, adversaries: [{ adversary: maliciousImage as never, plan: { node: 0 } }] });
    const v = d.result.verdicts.confidentiality!;
    const opened = new Set(d.view.enclaveOpened.filter((o) => o.node === 'enclave-0').map((o) => o.requestId));
    const read = new Set(v.proof.map((p) => /plaintext of (req-\d+)/.exec(p.why)![1]!));
    expect(opened.size).toBeGreaterThan(0);
    expect(read).toEqual(opened);
    expect(v.proof.every((p) => p.why.startsWith('malicious-image holds plaintext') && p.why.includes('its key hpke:'))).toBe(true);
    expect(d.trace.some((e) => e.data?.fact === 'holds' && e.data.source === 'learned')).toBe(false);
  });

  it('key-seizure-later: keys after restart open nothing (holds); a node key surviving restart opens the recorded traffic by closure', () => {
    const plan = { order: 0, crossNodes: false };
    const honest = runDetailed(matrixWorld(), { seed: 4, adversaries: [{ adversary: keySeizureLater as never, plan }] });
    expect(honest.result.verdicts.confidentiality!.holds).toBe(true);
    expect(honest.trace.filter((e) => e.data?.fact === 'holds-key' && e.party === 'key-seizure-later').length).toBe(1 + 3);
    const bug = runDetailed(matrixWorld(), { seed: 4, bugs: { nodeKeySurvivesRestart: true }, adversaries: [{ adversary: keySeizureLater as never, plan }] });
    const proof = bug.result.verdicts.confidentiality!.proof.map((p) => p.why);
    expect(proof.some((w) => w.startsWith('key-seizure-later holds plaintext of req-') && w.includes('its key hpke:'))).toBe(true);
  });
});
