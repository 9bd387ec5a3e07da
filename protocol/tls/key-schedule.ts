/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) for TLS_AES_128_GCM_SHA256: HKDF-Extract,
 * HKDF-Expand-Label, Derive-Secret, traffic keys (§7.3), Finished (§4.4.4) and the exporter
 * (§7.5). HKDF is RFC 5869 over HMAC-SHA256 (@noble/hashes).
 */
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, utf8 } from '../bytes.js';
import { u16, vec } from './wire.js';

/** Hash.length of SHA-256. */
export const HASH_LEN = 32;
/** TLS_AES_128_GCM_SHA256: 16-byte key, 12-byte IV (RFC 8446 §B.4, RFC 5116). */
export const KEY_LEN = 16;
export const IV_LEN = 12;

export const hash = (data: Uint8Array): Uint8Array => sha256(data);
const EMPTY = new Uint8Array(0);
const ZEROS = new Uint8Array(HASH_LEN);

/** RFC 5869 §2.2 HKDF-Extract(salt, IKM). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return extract(sha256, ikm, salt);
}

/**
 * RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret,
 * HkdfLabel, Length), HkdfLabel = uint16 length ‖ opaque label<7..255> = "tls13 " + Label ‖
 * opaque context<0..255>.
 */
export function hkdfExpandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const info = concat(u16(length), vec(1, utf8(`tls13 ${label}`)), vec(1, context));
  return expand(sha256, secret, info, length);
}

/** RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length). */
export function deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(secret, label, transcriptHash, HASH_LEN);
}

/** RFC 8446 §7.3: [sender]_write_key and [sender]_write_iv of a traffic secret. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}
export function trafficKeys(secret: Uint8Array): TrafficKeys {
  return { key: hkdfExpandLabel(secret, 'key', EMPTY, KEY_LEN), iv: hkdfExpandLabel(secret, 'iv', EMPTY, IV_LEN) };
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)), finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
export function finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const finishedKey = hkdfExpandLabel(baseKey, 'finished', EMPTY, HASH_LEN);
  return hmac(sha256, finishedKey, transcriptHash);
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length). */
export function nextTrafficSecret(secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(secret, 'traffic upd', EMPTY, HASH_LEN);
}

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
 * HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length).
 */
export function exportKeyingMaterial(exporterMasterSecret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const secret = deriveSecret(exporterMasterSecret, label, hash(EMPTY));
  return hkdfExpandLabel(secret, 'exporter', hash(context), length);
}

/** Every secret of a full (EC)DHE handshake without PSK (RFC 8446 §7.1 diagram). */
export interface HandshakeSecrets {
  readonly earlySecret: Uint8Array;
  readonly derivedForHandshake: Uint8Array;
  readonly handshakeSecret: Uint8Array;
  readonly clientHandshakeTrafficSecret: Uint8Array;
  readonly serverHandshakeTrafficSecret: Uint8Array;
  readonly derivedForMaster: Uint8Array;
  readonly masterSecret: Uint8Array;
}
export interface ApplicationSecrets {
  readonly clientApplicationTrafficSecret: Uint8Array;
  readonly serverApplicationTrafficSecret: Uint8Array;
  readonly exporterMasterSecret: Uint8Array;
}

/** The schedule up to the handshake traffic secrets; `helloHash` = Transcript-Hash(ClientHello..ServerHello). */
export function handshakeSecrets(sharedSecret: Uint8Array, helloHash: Uint8Array): HandshakeSecrets {
  // RFC 8446 §7.1: with no PSK, the early secret is HKDF-Extract(0, 0) with Hash.length zeros.
  const earlySecret = hkdfExtract(ZEROS, ZEROS);
  const derivedForHandshake = deriveSecret(earlySecret, 'derived', hash(EMPTY));
  const handshakeSecret = hkdfExtract(derivedForHandshake, sharedSecret);
  const derivedForMaster = deriveSecret(handshakeSecret, 'derived', hash(EMPTY));
  return {
    earlySecret,
    derivedForHandshake,
    handshakeSecret,
    clientHandshakeTrafficSecret: deriveSecret(handshakeSecret, 'c hs traffic', helloHash),
    serverHandshakeTrafficSecret: deriveSecret(handshakeSecret, 's hs traffic', helloHash),
    derivedForMaster,
    masterSecret: hkdfExtract(derivedForMaster, ZEROS),
  };
}

/** The application secrets; `serverFinishedHash` = Transcript-Hash(ClientHello..server Finished). */
export function applicationSecrets(masterSecret: Uint8Array, serverFinishedHash: Uint8Array): ApplicationSecrets {
  return {
    clientApplicationTrafficSecret: deriveSecret(masterSecret, 'c ap traffic', serverFinishedHash),
    serverApplicationTrafficSecret: deriveSecret(masterSecret, 's ap traffic', serverFinishedHash),
    exporterMasterSecret: deriveSecret(masterSecret, 'exp master', serverFinishedHash),
  };
}

/** resumption_master_secret (RFC 8446 §7.1); `clientFinishedHash` = Transcript-Hash(ClientHello..client Finished). */
export function resumptionMasterSecret(masterSecret: Uint8Array, clientFinishedHash: Uint8Array): Uint8Array {
  return deriveSecret(masterSecret, 'res master', clientFinishedHash);
}
