/**
 * An operator that terminates the clients' TLS itself (profile family ra-tls): it answers the
 * client's ClientHello (which it decapsulated from the OHTTP attest request) with a server flight
 * of its own, under a certificate of its choosing (one extracted from a retired enclave, or one it
 * forged with a leaked chip key), keeps the node's log material, and opens the requests that
 * arrive over the sessions it terminated. Real TLS 1.3 (protocol/tls): nothing is faked; the
 * client checks the result with the same RA-TLS verifier as an honest node's.
 */
import { concat, fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
import { TlsServer, type CertificateSigner, type ClientHelloInfo } from '../protocol/tls/index.js';
import type { NodeReplyView, Powers } from '../sim/adversary.js';
import { decodeBatch, encodeBatch, NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { SESSION_ID_BYTES } from '../sim/evidence/ra-tls.js';

export class TlsTerminator {
  private readonly sessions = new Map<string, TlsServer>();

  /** `answer`: reply to the requests it opened with an answer of its own (stay hidden) instead of an empty one. */
  constructor(
    private readonly powers: Powers,
    private readonly how: string,
    answer: boolean,
  ) {
    powers.runRogueNode((_ref, _nodeId, inner) => {
      if (inner.length < SESSION_ID_BYTES) return null;
      const id = toHex(inner.subarray(0, SESSION_ID_BYTES));
      const server = this.sessions.get(id);
      if (!server) return null;
      this.sessions.delete(id);
      let plaintext: Uint8Array;
      try {
        server.receive(inner.subarray(SESSION_ID_BYTES));
        plaintext = concat(...server.readApplicationData());
      } catch {
        return null;
      }
      if (!answer) return new Uint8Array(0);
      let requestId = '';
      try {
        requestId = String((JSON.parse(fromUtf8(plaintext)) as { requestId?: unknown }).requestId ?? '');
      } catch {
        // Not JSON: answer anyway.
      }
      server.send(utf8(JSON.stringify({ requestId, summary: 'Summary unavailable.' })));
      return server.takeOutput();
    });
  }

  /**
   * The node's attest reply (batch [server flight, log material]) with the server flight replaced
   * by this operator's, for the client's ClientHello; null when the reply or the hello is not one.
   */
  terminate(reply: NodeReplyView, certificate: (info: ClientHelloInfo) => CertificateSigner): Uint8Array | null {
    if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence) return null;
    let items: Uint8Array[];
    try {
      items = decodeBatch(reply.bytes.subarray(1), 2);
    } catch {
      return null;
    }
    if (items.length !== 2) return null;
    const server = new TlsServer({ rng: this.powers.rng, certificate });
    try {
      server.receive(reply.request);
    } catch {
      return null;
    }
    if (!server.clientRandom || !server.secrets?.application) return null;
    // What it can read is what these keys open (the observer's closure), not a label.
    this.powers.terminatedTlsSession(server.clientRandom, server.secrets.handshake.clientHandshakeTrafficSecret, server.secrets.application.clientApplicationTrafficSecret);
    this.sessions.set(toHex(server.clientRandom), server);
    this.powers.note(`terminated a client TLS session (${this.how})`, { node: reply.node });
    // The node's log material stays (the client's chosen node id, its release entry and proof).
    return nodeMessage(NODE_MSG.evidence, encodeBatch([server.takeOutput(), items[1]!]));
  }
}
