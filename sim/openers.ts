/**
 * Openers: what a key can open, as real decryption (sim layer; model/ does no crypto). The
 * observer (sim/observer.ts) runs the openers of the keys a party holds on every message the party
 * holds, and records each success as an `opens` fact: key K opens the bytes with digest D, yielding
 * bytes B. Knowledge is then the closure of a party's holdings under the keys it holds
 * (model/facts.ts), never a label written where a party decrypts.
 */
import { concat, toHex } from '../protocol/bytes.js';
import { decodeRequest } from '../protocol/bhttp.js';
import { publicKeyFromSecret } from '../protocol/hpke.js';
import { openDiffusedRequest, openInnerRequest } from '../protocol/inner-session.js';
import { decapsulateRequest, type GatewayKey } from '../protocol/ohttp.js';
import { NODE_MSG } from './parties/common.js';
import { CONTENT, RecordDeframer, RecordProtection } from '../protocol/tls/record.js';
import { trafficKeys } from '../protocol/tls/key-schedule.js';

/** One key as the observer uses it: its id (kind and the first 16 hex digits of its public key) and what it opens. */
export interface HeldKey {
  id: string;
  kind: 'ohttp-gateway' | 'enclave-hpke' | 'tls-session';
  /** Whose key it is (the gateway, `enclave-<i>`, or the adversary's own). */
  owner: string;
  /** The plaintexts this key opens out of `bytes` (empty: nothing opens). */
  open(bytes: Uint8Array): Uint8Array[];
}

/** The gateway's OHTTP key: opens an encapsulated request (RFC 9458) into its BHTTP request. */
export function ohttpKey(key: GatewayKey): HeldKey {
  return {
    id: `ohttp:${toHex(key.config.publicKey).slice(0, 16)}`,
    kind: 'ohttp-gateway',
    owner: 'gateway',
    open(bytes) {
      try {
        return [decapsulateRequest(key, bytes).request];
      } catch {
        return [];
      }
    },
  };
}

/**
 * Where an inner request can sit in bytes a party holds: the bytes themselves (what a rogue node
 * receives), a gateway→node message (kind byte, then the inner request), or the body of an opened
 * BHTTP request (what the gateway's OHTTP layer yields).
 */
function innerCandidates(bytes: Uint8Array): Uint8Array[] {
  const out = [bytes];
  if (bytes[0] === NODE_MSG.request) out.push(bytes.subarray(1));
  try {
    const body = decodeRequest(bytes).body;
    if (body.length > 0) out.push(body);
  } catch {
    // not a BHTTP request
  }
  return out;
}

/**
 * An enclave HPKE secret key: opens inner requests sealed to it (pp: HPKE Base with the node id in
 * the info; pcc: the request key wrapped to it among the candidates) under each node id `ids()`
 * names (the honest node's, or the ids a rogue answers to).
 */
export function enclaveKey(secretKey: Uint8Array, owner: string, ids: () => readonly string[]): HeldKey {
  const publicKey = publicKeyFromSecret(secretKey);
  return {
    id: `hpke:${toHex(publicKey).slice(0, 16)}`,
    kind: 'enclave-hpke',
    owner,
    open(bytes) {
      const out: Uint8Array[] = [];
      for (const inner of innerCandidates(bytes)) {
        for (const id of ids()) {
          try {
            out.push(openInnerRequest(secretKey, id, inner).plaintext);
            continue;
          } catch {
            // not a pp inner request sealed to this key under this id
          }
          try {
            out.push(openDiffusedRequest(secretKey, id, inner).plaintext);
          } catch {
            // not a pcc request wrapped to this key under this id
          }
        }
        if (out.length) break;
      }
      return out;
    },
  };
}

/**
 * The client-to-server keys of one TLS 1.3 session a party terminated itself (profile family
 * ra-tls): opens an RA-TLS request (ClientHello.random ‖ the client's protected records) of that
 * session: its first protected record (the client Finished) under the client handshake traffic
 * key, then application data under the client application traffic key (RFC 8446 §7.3, §5.2),
 * each from sequence number 0. Real AEAD opening; bytes of any other session open nothing.
 */
export function tlsSessionKey(clientRandom: Uint8Array, clientHandshakeSecret: Uint8Array, clientApplicationSecret: Uint8Array, owner: string): HeldKey {
  const random = toHex(clientRandom);
  return {
    id: `tls:${random.slice(0, 16)}`,
    kind: 'tls-session',
    owner,
    open(bytes) {
      for (const inner of innerCandidates(bytes)) {
        if (inner.length <= clientRandom.length || toHex(inner.subarray(0, clientRandom.length)) !== random) continue;
        try {
          const records = new RecordDeframer().push(inner.subarray(clientRandom.length));
          const handshake = new RecordProtection(trafficKeys(clientHandshakeSecret));
          const application = new RecordProtection(trafficKeys(clientApplicationSecret));
          const data: Uint8Array[] = [];
          records.forEach((r, i) => {
            const opened = (i === 0 ? handshake : application).open(r);
            if (opened.type === CONTENT.application_data) data.push(opened.content);
          });
          if (data.length) return [concat(...data)];
        } catch {
          // not this session's records
        }
      }
      return [];
    },
  };
}

