/**
 * attestation-relay (issue 15 §4, profile family ra-tls; docs/threats.md, docs/ra-tls.md): an
 * on-path operator (gateway position) that also holds ONE genuine RA-TLS certificate and its
 * private key, extracted from a retired enclave instance: it lets a client's handshake to a node
 * through, restarts that node (the instance retires with the certificate it presented), extracts
 * the retired instance's certificate key, and from then on terminates every client's TLS itself,
 * presenting that certificate and its evidence (relayed, not forged: a real report signed by a
 * genuine chip, for a logged measurement). With the full session binding the client refuses
 * (REPORT_DATA binds another session's nonce); with the key-only binding or without a client
 * nonce it accepts, and the attacker opens the request over the session it terminated.
 */
import fc from 'fast-check';
import { ecdsaSigner, SIG } from '../protocol/tls/index.js';
import type { Adversary } from '../sim/adversary.js';
import { NODE_MSG } from '../sim/parties/common.js';
import { TlsTerminator } from './ra-tls-terminator.js';

export interface AttestationRelayPlan {
  /** Virtual ms after the first attest reply it lets through before it restarts that node. */
  restartAfterMs: number;
  /** Also answer the requests it opened (stay hidden) instead of an empty reply. */
  answer: boolean;
}

export const attestationRelay: Adversary<AttestationRelayPlan> = {
  name: 'attestation-relay',
  description: 'terminates client TLS with a genuine RA-TLS certificate and key extracted from a retired enclave instance',
  positions: ['gateway'],
  marks: ['client.evidence-rejected'],
  profiles: ['ra-tls'],
  plan: () => fc.record({ restartAfterMs: fc.integer({ min: 1, max: 400 }), answer: fc.boolean() }),
  install(powers, plan) {
    let victim: number | null = null;
    const terminator = new TlsTerminator(powers, 'the retired enclave certificate', plan.answer);
    powers.onNodeReply((reply) => {
      if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence || reply.node < 0) return reply.bytes;
      if (victim === null) {
        // The first node a client attests: its instance (with the certificate it just presented) is the one the operator retires.
        victim = reply.node;
        powers.restartNode(victim, powers.now() + plan.restartAfterMs);
        return reply.bytes;
      }
      const credential = powers.retiredRaTlsCredential(victim);
      if (!credential) return reply.bytes;
      // Relayed, not forged: the retired instance's own certificate (its report bound to an old session) and key.
      return terminator.terminate(reply, () => ecdsaSigner(SIG.ecdsa_secp384r1_sha384, credential.privateKey, [credential.certificate])) ?? reply.bytes;
    });
  },
};
