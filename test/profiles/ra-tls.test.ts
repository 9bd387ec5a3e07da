/**
 * Profile ra-tls (issue 15 §4, docs/profiles.md, docs/ra-tls.md): the client's attested channel is
 * a real TLS 1.3 session carried through relay and gateway, the node's certificate an RA-TLS
 * certificate whose report binds the certificate key and the client's nonce. A run answers
 * requests over real handshakes and is deterministic; attestation-relay (a genuine certificate
 * and key of a retired enclave instance) is refused on ra-tls and kills both mutants, each kill
 * caused by the attack (the passive run of the mutant holds).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { runDetailed } from '../../sim/runner.js';
import { World } from '../../sim/world.js';
import { Powers, PowerDenied, type Position } from '../../sim/adversary.js';
import { attestationRelay, type AttestationRelayPlan } from '../../adversaries/attestation-relay.js';
import { knownAttackers } from '../../adversaries/index.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../../scenarios/index.js';
import { expectedDir, loadExpected } from '../../scenarios/expected.js';
import { evidenceOf, familyOf, FAMILIES, PROFILE_DEFS } from '../../model/profile.js';
import { extractRaTlsEvidence } from '../../protocol/tls/index.js';
import type { TraceEvent } from '../../sim/trace.js';

const matrix = loadScenario(resolveScenarioPath('matrix', process.cwd()));
const on = (profile: string): Scenario => ({ ...matrix, name: `matrix-${profile}`, profile });

function evidenceVerdicts(trace: readonly TraceEvent[], ok: boolean): string[] {
  return trace.filter((e) => e.kind === 'verify' && e.party.startsWith('client') && e.what.startsWith('evidence for') && e.data?.ok === ok).map((e) => String(e.data?.code));
}

const PLAN: AttestationRelayPlan = { restartAfterMs: 50, answer: true };
const attack = (plan: AttestationRelayPlan = PLAN) => [{ adversary: attestationRelay, plan }];

describe('profile ra-tls', () => {
  it('is a pp profile on RA-TLS evidence, with two mutants of its family and its own expectations file', () => {
    expect(evidenceOf('ra-tls')).toBe('ra-tls');
    expect(familyOf('ra-tls-key-only')).toBe('ra-tls');
    expect(familyOf('ra-tls-no-client-nonce')).toBe('ra-tls');
    expect(PROFILE_DEFS['ra-tls-key-only']!.ablations).toEqual(['session-binding']);
    expect(PROFILE_DEFS['ra-tls-no-client-nonce']!.ablations).toEqual(['client-nonce']);
    expect(PROFILE_DEFS['ra-tls-key-only']!.finding).toBeTruthy();
    expect(PROFILE_DEFS['ra-tls-no-client-nonce']!.finding).toBeTruthy();
    expect(attestationRelay.profiles).toEqual(['ra-tls']);
    expect(FAMILIES).toContain('ra-tls');
    // The matrix loads scenarios/expected/<family>.yaml for every family: ra-tls.yaml parses and names attestation-relay.
    const e = loadExpected(join(expectedDir(), 'ra-tls.yaml'), knownAttackers());
    expect(e.expected['attestation-relay']).toEqual({});
    expect(Object.keys(e.expected)).toEqual(expect.arrayContaining(['forged-quote', 'replay', 'vendor-key-leak', 'malicious-image']));
  });

  it('a benign run answers every request over real TLS handshakes, holds every invariant, and is deterministic', () => {
    const a = runDetailed(on('ra-tls'), { seed: 2, keepTrace: true });
    for (const [id, v] of Object.entries(a.result.verdicts)) expect(v.holds, id).toBe(true);
    expect(evidenceVerdicts(a.trace, false)).toEqual([]);
    const handshakes = a.trace.filter((e) => e.kind === 'crypto' && e.what.startsWith('RA-TLS handshake'));
    const answers = a.trace.filter((e) => e.kind === 'verify' && e.what.startsWith('answer to') && e.data?.ok === true);
    expect(handshakes.length).toBeGreaterThan(0);
    expect(answers.length).toBe(matrix.world.requests);
    const b = runDetailed(on('ra-tls'), { seed: 2, keepTrace: false });
    expect(b.result.traceHash).toBe(a.result.traceHash);
    expect(runDetailed(on('ra-tls'), { seed: 3, keepTrace: false }).result.traceHash).not.toBe(a.result.traceHash);
  });

  it('the retired-credential power belongs to the gateway only, and yields a genuine RA-TLS certificate only after a restart', () => {
    const w = new World(on('ra-tls'), 1);
    for (const p of ['relay', 'issuer', 'log', 'vendor-key', 'node:0', 'later', 'client', 'network:gateway-node'] as Position[]) {
      expect(() => new Powers(w, 'probe', [p]).retiredRaTlsCredential(0), p).toThrow(PowerDenied);
    }
    expect(new Powers(w, 'probe', ['gateway']).retiredRaTlsCredential(0)).toBeNull();
    // In a run with the attack, the extracted certificate is a real RA-TLS certificate bound to one (old) session.
    let seen: Uint8Array | null = null;
    const spy = { ...attestationRelay, install: (powers: Powers, plan: AttestationRelayPlan) => {
      attestationRelay.install(powers, plan);
      powers.onNodeReply((r) => {
        for (let i = 0; i < powers.public.nodes && !seen; i++) seen = powers.retiredRaTlsCredential(i)?.certificate ?? null;
        return r.bytes;
      });
    } };
    runDetailed(on('ra-tls'), { seed: 3, keepTrace: false, adversaries: [{ adversary: spy, plan: PLAN }] });
    expect(seen).not.toBeNull();
    expect(extractRaTlsEvidence(seen!).bindingKind).toBe('nonce');
  });

  it('attestation-relay on ra-tls: the relayed certificate is refused with `binding`, every invariant holds', () => {
    const { result, trace } = runDetailed(on('ra-tls'), { seed: 3, keepTrace: true, adversaries: attack() });
    for (const [id, v] of Object.entries(result.verdicts)) expect(v.holds, id).toBe(true);
    expect(evidenceVerdicts(trace, false)).toContain('binding');
    expect(trace.some((e) => e.kind === 'tamper' && e.what.startsWith('terminated a client TLS session'))).toBe(true);
  });

  for (const mutant of ['ra-tls-key-only', 'ra-tls-no-client-nonce']) {
    it(`${mutant} is killed by attestation-relay (confidentiality, naming the attacker), caused by the attack`, () => {
      const { result } = runDetailed(on(mutant), { seed: 3, keepTrace: false, adversaries: attack({ restartAfterMs: 50, answer: false }) });
      const c = result.verdicts.confidentiality!;
      expect(c.holds).toBe(false);
      expect(c.proof.some((p) => p.why.startsWith('attestation-relay holds plaintext'))).toBe(true);
      expect(c.proof[0]!.event).toBeGreaterThan(0);
      // The passive run of the mutant holds: the kill is the attacker's.
      const passive = runDetailed(on(mutant), { seed: 3, keepTrace: false }).result;
      for (const [id, v] of Object.entries(passive.verdicts)) expect(v.holds, `${mutant} passive: ${id}`).toBe(true);
    });
  }

  it('a small campaign (plans drawn by fast-check) kills ra-tls-key-only', () => {
    const plans = fc.sample(attestationRelay.plan(matrix), { numRuns: 3, seed: 11 });
    const killed = plans.findIndex((plan, i) => !runDetailed(on('ra-tls-key-only'), { seed: 20 + i, keepTrace: false, adversaries: [{ adversary: attestationRelay, plan }] }).result.verdicts.confidentiality!.holds);
    expect(killed).toBeGreaterThanOrEqual(0);
  });
});
