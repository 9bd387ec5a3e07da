/**
 * TLS 1.3 handshake messages (RFC 8446 §4): framing, and the encoders/decoders of ClientHello,
 * ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished and KeyUpdate.
 * Decoders throw `TlsError('decode')` for malformed bytes, nothing else.
 */
import { concat, utf8 } from '../bytes.js';
import { TlsError } from './errors.js';
import { TlsReader, u16, u8, vec } from './wire.js';

/** RFC 8446 §4 HandshakeType. */
export const HS = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/** RFC 8446 §4.2 ExtensionType values used here. */
export const EXT = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  psk_key_exchange_modes: 45,
  key_share: 51,
  renegotiation_info: 0xff01,
  /**
   * pph's RA-TLS client nonce, from the RFC 8446 §4.2 private-use range (0xFF00..0xFFFF):
   * opaque nonce<16..255>. The server binds its attestation report to it (ra-tls.ts).
   */
  pph_ra_tls_nonce: 0xffa0,
} as const;

export const TLS13 = 0x0304;
export const LEGACY_VERSION = 0x0303;
export const TLS_AES_128_GCM_SHA256 = 0x1301;
export const X25519 = 0x001d;
/** RFC 8446 §4.2.3 SignatureScheme values. */
export const SIG = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
} as const;

/** RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HRR_RANDOM = Uint8Array.from(Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'));

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  /** The whole message with its 4-byte header, as hashed into the transcript. */
  readonly raw: Uint8Array;
}

/** RFC 8446 §4: Handshake = msg_type u8 ‖ uint24 length ‖ body. */
export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  return concat(u8(type), vec(3, body));
}

/** Reassembles handshake messages from record contents (they may span or share records, RFC 8446 §5.1). */
export class HandshakeBuffer {
  private buffer: Uint8Array = new Uint8Array(0);
  /** Limit on everything: no handshake message larger than this is accepted. */
  static readonly MAX_MESSAGE = 1 << 17;

  push(data: Uint8Array): HandshakeMessage[] {
    this.buffer = this.buffer.length ? concat(this.buffer, data) : data.slice();
    const out: HandshakeMessage[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 4) {
      const b = this.buffer;
      const length = (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!;
      if (length > HandshakeBuffer.MAX_MESSAGE) throw new TlsError('decode', `handshake message of ${length} bytes exceeds the limit`);
      if (b.length - offset - 4 < length) break;
      const raw = b.slice(offset, offset + 4 + length);
      out.push({ type: b[offset]!, body: raw.subarray(4), raw });
      offset += 4 + length;
    }
    this.buffer = this.buffer.slice(offset);
    return out;
  }

  /** True when no partial message is waiting (RFC 8446 §5.1: key changes must align with record boundaries). */
  get empty(): boolean {
    return this.buffer.length === 0;
  }
}

function encodeExtensions(exts: readonly Extension[]): Uint8Array {
  return vec(2, ...exts.map((e) => concat(u16(e.type), vec(2, e.data))));
}

function decodeExtensions(r: TlsReader, what: string): Extension[] {
  const block = new TlsReader(r.vec(2, `${what} extensions`), `${what} extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16('extension_type');
    // RFC 8446 §4.2: there MUST NOT be more than one extension of the same type.
    if (seen.has(type)) throw new TlsError('decode', `${what}: duplicate extension ${type}`, { alert: 47 });
    seen.add(type);
    out.push({ type, data: block.vec(2, 'extension_data').slice() });
  }
  return out;
}

export function findExtension(exts: readonly Extension[], type: number): Uint8Array | undefined {
  return exts.find((e) => e.type === type)?.data;
}

// ---- ClientHello (RFC 8446 §4.1.2) -------------------------------------------------------

export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeClientHello(ch: ClientHello): Uint8Array {
  return encodeHandshake(
    HS.client_hello,
    concat(u16(ch.legacyVersion), ch.random, vec(1, ch.legacySessionId), vec(2, ...ch.cipherSuites.map(u16)), vec(1, ch.legacyCompressionMethods), encodeExtensions(ch.extensions)),
  );
}

/** Decodes a ClientHello body (without the handshake header). */
export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new TlsReader(body, 'ClientHello');
  const legacyVersion = r.u16('legacy_version');
  const random = r.fixed(32, 'random').slice();
  const legacySessionId = r.vec(1, 'legacy_session_id', 0, 32).slice();
  const suites = new TlsReader(r.vec(2, 'cipher_suites', 2, 0xfffe), 'cipher_suites');
  const cipherSuites: number[] = [];
  while (suites.remaining > 0) cipherSuites.push(suites.u16('cipher_suite'));
  const legacyCompressionMethods = r.vec(1, 'legacy_compression_methods', 1).slice();
  // RFC 8446 §4.1.2: a TLS 1.3 ClientHello always has extensions (supported_versions at least).
  const extensions = decodeExtensions(r, 'ClientHello');
  r.end();
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
}

// ---- ServerHello (RFC 8446 §4.1.3) -------------------------------------------------------

export interface ServerHello {
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly extensions: readonly Extension[];
}

export function encodeServerHello(sh: ServerHello): Uint8Array {
  return encodeHandshake(HS.server_hello, concat(u16(LEGACY_VERSION), sh.random, vec(1, sh.legacySessionIdEcho), u16(sh.cipherSuite), u8(0), encodeExtensions(sh.extensions)));
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new TlsReader(body, 'ServerHello');
  const legacyVersion = r.u16('legacy_version');
  if (legacyVersion !== LEGACY_VERSION) throw new TlsError('handshake', `ServerHello legacy_version 0x${legacyVersion.toString(16)}`, { alert: 70 });
  const random = r.fixed(32, 'random').slice();
  const legacySessionIdEcho = r.vec(1, 'legacy_session_id_echo', 0, 32).slice();
  const cipherSuite = r.u16('cipher_suite');
  const compression = r.u8('legacy_compression_method');
  if (compression !== 0) throw new TlsError('decode', 'ServerHello legacy_compression_method must be 0', { alert: 47 });
  const extensions = decodeExtensions(r, 'ServerHello');
  r.end();
  return { random, legacySessionIdEcho, cipherSuite, extensions };
}

// ---- Extension bodies ----------------------------------------------------------------------

/** RFC 6066 §3 server_name with one host_name entry; empty data for the server's acknowledgement. */
export function serverNameExtension(host?: string): Extension {
  return { type: EXT.server_name, data: host === undefined ? new Uint8Array(0) : vec(2, u8(0), vec(2, utf8(host))) };
}
/** RFC 8446 §4.2.7 NamedGroupList. */
export function supportedGroupsExtension(groups: readonly number[]): Extension {
  return { type: EXT.supported_groups, data: vec(2, ...groups.map(u16)) };
}
/** RFC 8446 §4.2.3 SignatureSchemeList. */
export function signatureAlgorithmsExtension(schemes: readonly number[]): Extension {
  return { type: EXT.signature_algorithms, data: vec(2, ...schemes.map(u16)) };
}
/** RFC 8446 §4.2.1: the client's list; the server's selected_version. */
export function supportedVersionsClient(versions: readonly number[]): Extension {
  return { type: EXT.supported_versions, data: vec(1, ...versions.map(u16)) };
}
export function supportedVersionsServer(version: number): Extension {
  return { type: EXT.supported_versions, data: u16(version) };
}
/** RFC 8446 §4.2.8: client_shares<0..2^16-1> of KeyShareEntry {group, key_exchange<1..2^16-1>}. */
export function keyShareClient(shares: readonly { group: number; key: Uint8Array }[]): Extension {
  return { type: EXT.key_share, data: vec(2, ...shares.map((s) => concat(u16(s.group), vec(2, s.key)))) };
}
export function keyShareServer(group: number, key: Uint8Array): Extension {
  return { type: EXT.key_share, data: concat(u16(group), vec(2, key)) };
}
/** RFC 8446 §4.2.9 psk_key_exchange_modes. */
export function pskModesExtension(modes: readonly number[]): Extension {
  return { type: EXT.psk_key_exchange_modes, data: vec(1, Uint8Array.from(modes)) };
}
/** RFC 8449 §4 record_size_limit. */
export function recordSizeLimitExtension(limit: number): Extension {
  return { type: EXT.record_size_limit, data: u16(limit) };
}
/** pph RA-TLS: opaque nonce<16..255>. */
export function raTlsNonceExtension(nonce: Uint8Array): Extension {
  if (nonce.length < 16 || nonce.length > 255) throw new RangeError('RA-TLS nonce expected 16..255 bytes');
  return { type: EXT.pph_ra_tls_nonce, data: vec(1, nonce) };
}

export function decodeU16List(data: Uint8Array, what: string, lengthBytes: 1 | 2 = 2): number[] {
  const r = new TlsReader(data, what);
  const list = new TlsReader(r.vec(lengthBytes, what), what);
  r.end();
  const out: number[] = [];
  while (list.remaining > 0) out.push(list.u16(what));
  return out;
}

export function decodeClientKeyShares(data: Uint8Array): { group: number; key: Uint8Array }[] {
  const r = new TlsReader(data, 'key_share');
  const list = new TlsReader(r.vec(2, 'client_shares'), 'client_shares');
  r.end();
  const out: { group: number; key: Uint8Array }[] = [];
  while (list.remaining > 0) out.push({ group: list.u16('group'), key: list.vec(2, 'key_exchange', 1).slice() });
  return out;
}

export function decodeServerKeyShare(data: Uint8Array): { group: number; key: Uint8Array } {
  const r = new TlsReader(data, 'key_share');
  const group = r.u16('group');
  const key = r.vec(2, 'key_exchange', 1).slice();
  r.end();
  return { group, key };
}

export function decodeRaTlsNonce(data: Uint8Array): Uint8Array {
  const r = new TlsReader(data, 'pph_ra_tls_nonce');
  const nonce = r.vec(1, 'nonce', 16, 255).slice();
  r.end();
  return nonce;
}

// ---- Encrypted flight ----------------------------------------------------------------------

/** RFC 8446 §4.3.1 EncryptedExtensions. */
export function encodeEncryptedExtensions(exts: readonly Extension[]): Uint8Array {
  return encodeHandshake(HS.encrypted_extensions, encodeExtensions(exts));
}
export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new TlsReader(body, 'EncryptedExtensions');
  const exts = decodeExtensions(r, 'EncryptedExtensions');
  r.end();
  return exts;
}

/** RFC 8446 §4.4.2 Certificate: context<0..255>, CertificateEntry list (X.509, no extensions). */
export function encodeCertificate(chain: readonly Uint8Array[], context: Uint8Array = new Uint8Array(0)): Uint8Array {
  return encodeHandshake(HS.certificate, concat(vec(1, context), vec(3, ...chain.map((der) => concat(vec(3, der), vec(2))))));
}
export function decodeCertificate(body: Uint8Array): { context: Uint8Array; chain: Uint8Array[] } {
  const r = new TlsReader(body, 'Certificate');
  const context = r.vec(1, 'certificate_request_context').slice();
  const list = new TlsReader(r.vec(3, 'certificate_list'), 'certificate_list');
  r.end();
  const chain: Uint8Array[] = [];
  while (list.remaining > 0) {
    chain.push(list.vec(3, 'cert_data', 1).slice());
    list.vec(2, 'extensions');
  }
  return { context, chain };
}

/** RFC 8446 §4.4.3 CertificateVerify. */
export function encodeCertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  return encodeHandshake(HS.certificate_verify, concat(u16(scheme), vec(2, signature)));
}
export function decodeCertificateVerify(body: Uint8Array): { scheme: number; signature: Uint8Array } {
  const r = new TlsReader(body, 'CertificateVerify');
  const scheme = r.u16('algorithm');
  const signature = r.vec(2, 'signature', 1).slice();
  r.end();
  return { scheme, signature };
}

/**
 * RFC 8446 §4.4.3: the signed content is 64 × 0x20 ‖ context string ‖ 0x00 ‖ Transcript-Hash.
 */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  return concat(new Uint8Array(64).fill(0x20), utf8(`TLS 1.3, ${side} CertificateVerify`), u8(0), transcriptHash);
}

export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return encodeHandshake(HS.finished, verifyData);
}

/** RFC 8446 §4.6.3 KeyUpdate: update_not_requested(0), update_requested(1). */
export function encodeKeyUpdate(requestUpdate: boolean): Uint8Array {
  return encodeHandshake(HS.key_update, u8(requestUpdate ? 1 : 0));
}
export function decodeKeyUpdate(body: Uint8Array): boolean {
  const r = new TlsReader(body, 'KeyUpdate');
  const v = r.u8('request_update');
  r.end();
  if (v > 1) throw new TlsError('decode', 'KeyUpdate request_update not 0 or 1', { alert: 47 });
  return v === 1;
}
