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
import { concat, fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
import { ecdsaSigner, SIG, TlsServer } from '../protocol/tls/index.js';
import type { Adversary } from '../sim/adversary.js';
import { decodeBatch, encodeBatch, NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { SESSION_ID_BYTES } from '../sim/evidence/ra-tls.js';

export interface AttestationRelayPlan {
  /** Virtual ms after the first attest reply it lets through before it restarts that node. */
  restartAfterMs: number;
  /** Also answer the requests it opened (stay hidden) instead of dropping them. */
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
    const sessions = new Map<string, TlsServer>();
    powers.onNodeReply((reply) => {
      if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence || reply.node < 0) return reply.bytes;
      if (victim === null) {
        // The first node a client attests: its instance is the one the operator retires.
        victim = reply.node;
        powers.restartNode(victim, powers.now() + plan.restartAfterMs);
        return reply.bytes;
      }
      const credential = powers.retiredRaTlsCredential(victim);
      if (!credential) return reply.bytes;
      let items: Uint8Array[];
      try {
        items = decodeBatch(reply.bytes.subarray(1), 2);
      } catch {
        return reply.bytes;
      }
      if (items.length !== 2) return reply.bytes;
      const server = new TlsServer({ rng: powers.rng, certificate: ecdsaSigner(SIG.ecdsa_secp384r1_sha384, credential.privateKey, [credential.certificate]) });
      try {
        server.receive(reply.request);
      } catch {
        return reply.bytes;
      }
      if (!server.clientRandom) return reply.bytes;
      sessions.set(toHex(server.clientRandom), server);
      powers.note('terminated a client TLS session with the retired RA-TLS certificate', { node: reply.node, generation: credential.generation });
      // The node's log material stays (the client's chosen node id, its release entry and proof).
      return nodeMessage(NODE_MSG.evidence, encodeBatch([server.takeOutput(), items[1]!]));
    });
    powers.runRogueNode((_ref, _nodeId, inner) => {
      if (inner.length < SESSION_ID_BYTES) return null;
      const server = sessions.get(toHex(inner.subarray(0, SESSION_ID_BYTES)));
      if (!server) return null;
      sessions.delete(toHex(inner.subarray(0, SESSION_ID_BYTES)));
      let plaintext: Uint8Array;
      try {
        server.receive(inner.subarray(SESSION_ID_BYTES));
        plaintext = concat(...server.readApplicationData());
      } catch {
        return null;
      }
      powers.learned(plaintext, 'opened a request over a TLS session it terminated with the retired enclave certificate');
      if (!plan.answer) return new Uint8Array(0);
      let requestId = '';
      try {
        requestId = String((JSON.parse(fromUtf8(plaintext)) as { requestId?: unknown }).requestId ?? '');
      } catch {
        // Not JSON: answer anyway.
      }
      server.send(utf8(JSON.stringify({ requestId, summary: 'Summary unavailable.' })));
      return server.takeOutput();
    });
  },
};
