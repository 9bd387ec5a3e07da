/**
 * A sans-I/O TLS 1.3 client and server (RFC 8446) for TLS_AES_128_GCM_SHA256 with X25519, no
 * PSK, no early data, no HelloRetryRequest, no client certificates. Bytes go in with
 * `receive`, bytes to send come out of `takeOutput`; all randomness comes from the injected
 * `Rng` (random, then the X25519 private key), no clock is read.
 *
 * @example
 * ```ts
 * const client = new TlsClient({ rng: rngC, serverName: 'enclave.pph.test' });
 * const server = new TlsServer({ rng: rngS, certificate: signer });
 * server.receive(client.start());
 * client.receive(server.takeOutput());
 * server.receive(client.takeOutput());      // both connected
 * client.send(utf8('hi')); server.receive(client.takeOutput()); server.readApplicationData();
 * ```
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { concat, equalBytes, fromUtf8, toHex } from '../bytes.js';
import type { Rng } from '../rng.js';
import { ALERT, TlsError } from './errors.js';
import {
  applicationSecrets,
  exportKeyingMaterial,
  finishedVerifyData,
  handshakeSecrets,
  hash,
  nextTrafficSecret,
  trafficKeys,
  type ApplicationSecrets,
  type HandshakeSecrets,
} from './key-schedule.js';
import {
  certificateVerifyContent,
  decodeCertificate,
  decodeCertificateVerify,
  decodeClientHello,
  decodeClientKeyShares,
  decodeEncryptedExtensions,
  decodeKeyUpdate,
  decodeRaTlsNonce,
  decodeServerHello,
  decodeServerKeyShare,
  decodeU16List,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeServerHello,
  EXT,
  findExtension,
  HandshakeBuffer,
  HRR_RANDOM,
  HS,
  keyShareClient,
  keyShareServer,
  LEGACY_VERSION,
  raTlsNonceExtension,
  serverNameExtension,
  SIG,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  supportedVersionsClient,
  supportedVersionsServer,
  TLS13,
  TLS_AES_128_GCM_SHA256,
  X25519,
  type ClientHello,
  type Extension,
  type HandshakeMessage,
} from './messages.js';
import { CONTENT, encodePlainRecords, encodeRecord, MAX_PLAINTEXT, RecordDeframer, RecordProtection, type TlsRecord } from './record.js';
import { verifyCertificateVerify, type CertificateSigner } from './signature.js';

export type { CertificateSigner } from './signature.js';

const CCS_RECORD = encodeRecord(CONTENT.change_cipher_spec, Uint8Array.of(1));
/** A limit on everything: application data held unread. */
const MAX_UNREAD_BYTES = 1 << 24;

/** The secrets of a finished handshake, for conformance tests and NSS key logs. */
export interface TlsSecrets {
  sharedSecret: Uint8Array;
  handshake: HandshakeSecrets;
  application?: ApplicationSecrets;
  serverFinished?: Uint8Array;
  clientFinished?: Uint8Array;
}

abstract class TlsConnection {
  protected readonly deframer = new RecordDeframer();
  protected readonly handshakeBuffer = new HandshakeBuffer();
  protected readonly transcript: Uint8Array[] = [];
  protected read: RecordProtection | undefined;
  protected write: RecordProtection | undefined;
  protected readSecret: Uint8Array | undefined;
  protected writeSecret: Uint8Array | undefined;
  private readonly output: Uint8Array[] = [];
  private readonly unread: Uint8Array[] = [];
  private unreadBytes = 0;
  private failed: TlsError | undefined;
  /** True after the peer's close_notify. */
  peerClosed = false;
  /** Set once the handshake is complete on this side. */
  connected = false;
  /** ClientHello.random (both sides). */
  clientRandom: Uint8Array | undefined;
  secrets: TlsSecrets | undefined;

  /** Feeds bytes from the peer. Throws `TlsError`; after a throw, `alertBytes` gives the alert to send. */
  receive(data: Uint8Array): void {
    if (this.failed) throw new TlsError('state', 'connection already failed', { cause: this.failed });
    try {
      for (const record of this.deframer.push(data)) this.onRecord(record);
    } catch (e) {
      // A non-TlsError is a bug: it is rethrown unchanged (fuzzing must see it), and the connection is dead.
      this.failed = e instanceof TlsError ? e : new TlsError('state', 'internal failure while processing a record', { alert: ALERT.internal_error, cause: e });
      throw e;
    }
  }

  /** Bytes to write to the peer, in order; empties the queue. */
  takeOutput(): Uint8Array {
    const out = concat(...this.output);
    this.output.length = 0;
    return out;
  }

  /** Application data received so far; empties the queue. */
  readApplicationData(): Uint8Array[] {
    const out = this.unread.splice(0);
    this.unreadBytes = 0;
    return out;
  }

  /** Queues application data (RFC 8446 §5.1: split into records of at most 2^14 bytes). */
  send(data: Uint8Array): void {
    if (!this.connected || !this.write) throw new TlsError('state', 'send before the handshake completed');
    for (let i = 0; i < data.length || i === 0; i += MAX_PLAINTEXT) this.output.push(this.write.seal(CONTENT.application_data, data.subarray(i, i + MAX_PLAINTEXT)));
  }

  /** Queues close_notify (RFC 8446 §6.1). */
  close(): void {
    this.output.push(this.alertRecord(ALERT.close_notify, 1));
  }

  /** The fatal alert record for `error` (under the current write keys), to send before closing. */
  alertBytes(error: TlsError): Uint8Array {
    return this.alertRecord(error.code === 'alert' ? ALERT.close_notify : error.alert, 2);
  }

  /** RFC 8446 §4.6.3: updates our sending keys, optionally asking the peer to update too. */
  keyUpdate(requestUpdate: boolean): void {
    if (!this.connected || !this.write || !this.writeSecret) throw new TlsError('state', 'KeyUpdate before the handshake completed');
    this.output.push(this.write.seal(CONTENT.handshake, encodeKeyUpdate(requestUpdate)));
    this.writeSecret = nextTrafficSecret(this.writeSecret);
    this.write = new RecordProtection(trafficKeys(this.writeSecret));
  }

  /** RFC 8446 §7.5 TLS-Exporter(label, context, length), once connected. */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array {
    if (!this.secrets?.application) throw new TlsError('state', 'exporter before the handshake completed');
    return exportKeyingMaterial(this.secrets.application.exporterMasterSecret, label, context, length);
  }

  /** NSS key log lines (SSLKEYLOGFILE format), for Wireshark or debugging. */
  keyLog(): string {
    const s = this.secrets;
    if (!s || !this.clientRandom) return '';
    const cr = toHex(this.clientRandom);
    const lines = [`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${cr} ${toHex(s.handshake.clientHandshakeTrafficSecret)}`, `SERVER_HANDSHAKE_TRAFFIC_SECRET ${cr} ${toHex(s.handshake.serverHandshakeTrafficSecret)}`];
    if (s.application) {
      lines.push(`CLIENT_TRAFFIC_SECRET_0 ${cr} ${toHex(s.application.clientApplicationTrafficSecret)}`, `SERVER_TRAFFIC_SECRET_0 ${cr} ${toHex(s.application.serverApplicationTrafficSecret)}`);
      lines.push(`EXPORTER_SECRET ${cr} ${toHex(s.application.exporterMasterSecret)}`);
    }
    return lines.join('\n') + '\n';
  }

  protected abstract onHandshake(message: HandshakeMessage): void;
  /** Whether a ChangeCipherSpec may arrive now (RFC 8446 §5: only during the handshake). */
  protected abstract ccsAllowed(): boolean;

  protected emit(bytes: Uint8Array): void {
    this.output.push(bytes);
  }

  protected transcriptHash(): Uint8Array {
    return hash(concat(...this.transcript));
  }

  /** Switches read keys; RFC 8446 §5.1: a key change must fall on a record boundary. */
  protected setReadKeys(secret: Uint8Array): void {
    if (!this.handshakeBuffer.empty) throw new TlsError('unexpected-message', 'handshake message spans a key change');
    this.readSecret = secret;
    this.read = new RecordProtection(trafficKeys(secret));
  }

  protected setWriteKeys(secret: Uint8Array): void {
    this.writeSecret = secret;
    this.write = new RecordProtection(trafficKeys(secret));
  }

  /** Handshake bytes under the current write keys (plaintext before any keys). */
  protected emitHandshake(bytes: Uint8Array): void {
    if (!this.write) {
      this.output.push(encodePlainRecords(CONTENT.handshake, bytes));
      return;
    }
    for (let i = 0; i < bytes.length; i += MAX_PLAINTEXT) this.output.push(this.write.seal(CONTENT.handshake, bytes.subarray(i, i + MAX_PLAINTEXT)));
  }

  protected handlePostHandshake(message: HandshakeMessage): boolean {
    if (message.type === HS.key_update) {
      const requested = decodeKeyUpdate(message.body);
      this.setReadKeys(nextTrafficSecret(this.readSecret!));
      // RFC 8446 §4.6.3: on update_requested, send our own KeyUpdate(update_not_requested).
      if (requested) this.keyUpdate(false);
      return true;
    }
    return false;
  }

  private onRecord(record: TlsRecord): void {
    if (record.type === CONTENT.change_cipher_spec) {
      // RFC 8446 §5: a single byte 0x01 received during the handshake is dropped (middlebox compatibility).
      if (!this.ccsAllowed() || record.fragment.length !== 1 || record.fragment[0] !== 1) throw new TlsError('unexpected-message', 'unexpected change_cipher_spec');
      return;
    }
    let type = record.type;
    let content = record.fragment;
    if (this.read) {
      // RFC 8446 §5.2: once keys are in place every record is protected.
      if (record.type !== CONTENT.application_data) throw new TlsError('unexpected-message', `unprotected record of type ${record.type} after the key change`);
      ({ type, content } = this.read.open(record));
    } else if (record.type === CONTENT.application_data) {
      throw new TlsError('unexpected-message', 'protected record before any keys were established');
    }
    switch (type) {
      case CONTENT.handshake:
        // RFC 8446 §5.1: handshake records must not be empty.
        if (content.length === 0) throw new TlsError('unexpected-message', 'empty handshake record');
        for (const message of this.handshakeBuffer.push(content)) this.onHandshake(message);
        return;
      case CONTENT.alert: {
        if (content.length !== 2) throw new TlsError('decode', 'alert record not 2 bytes');
        const description = content[1]!;
        if (description === ALERT.close_notify) {
          this.peerClosed = true;
          return;
        }
        throw new TlsError('alert', `peer sent alert ${description}`, { alert: description });
      }
      case CONTENT.application_data:
        if (!this.connected) throw new TlsError('unexpected-message', 'application data before the handshake completed');
        if (this.unreadBytes + content.length > MAX_UNREAD_BYTES) throw new TlsError('state', 'too much unread application data');
        this.unread.push(content);
        this.unreadBytes += content.length;
        return;
      default:
        throw new TlsError('unexpected-message', `inner content type ${type}`);
    }
  }

  private alertRecord(description: number, level: number): Uint8Array {
    const body = Uint8Array.of(level, description);
    return this.write ? this.write.seal(CONTENT.alert, body) : encodeRecord(CONTENT.alert, body);
  }
}

function x25519Shared(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
  if (peer.length !== 32) throw new TlsError('handshake', 'X25519 key_exchange not 32 bytes', { alert: ALERT.illegal_parameter });
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(privateKey, peer);
  } catch (cause) {
    throw new TlsError('handshake', 'X25519 shared secret is zero', { alert: ALERT.illegal_parameter, cause });
  }
  // RFC 8446 §7.4.2: an all-zero X25519 output MUST be refused.
  if (shared.every((b) => b === 0)) throw new TlsError('handshake', 'X25519 shared secret is zero', { alert: ALERT.illegal_parameter });
  return shared;
}

// ---- Server --------------------------------------------------------------------------------

/** What the server learnt from a ClientHello before choosing its certificate. */
export interface ClientHelloInfo {
  readonly hello: ClientHello;
  readonly serverName: string | undefined;
  /** The pph RA-TLS nonce extension, if the client sent one. */
  readonly raTlsNonce: Uint8Array | undefined;
  readonly signatureSchemes: readonly number[];
}

export interface TlsServerConfig {
  /** Draws: ServerHello.random (32 bytes), then the X25519 private key (32 bytes). */
  rng: Rng;
  /** The certificate and signer, or a function choosing them per ClientHello (RA-TLS binds the report to it). */
  certificate: CertificateSigner | ((info: ClientHelloInfo) => CertificateSigner);
  /** EncryptedExtensions to send (default: none, or an empty server_name if the client sent SNI). */
  encryptedExtensions?: (info: ClientHelloInfo) => Extension[];
}

export class TlsServer extends TlsConnection {
  private state: 'wait-client-hello' | 'wait-finished' | 'connected' = 'wait-client-hello';
  private expectedClientFinished: Uint8Array | undefined;
  private clientApplicationSecret: Uint8Array | undefined;
  /** The ClientHello information, once received. */
  clientHello: ClientHelloInfo | undefined;
  /** The certificate chain sent. */
  certificateChain: readonly Uint8Array[] | undefined;

  constructor(private readonly config: TlsServerConfig) {
    super();
  }

  protected ccsAllowed(): boolean {
    return this.state === 'wait-finished';
  }

  protected onHandshake(m: HandshakeMessage): void {
    if (this.state === 'wait-client-hello') {
      if (m.type !== HS.client_hello) throw new TlsError('unexpected-message', `expected ClientHello, got handshake type ${m.type}`);
      this.onClientHello(m);
      return;
    }
    if (this.state === 'wait-finished') {
      if (m.type !== HS.finished) throw new TlsError('unexpected-message', `expected Finished, got handshake type ${m.type}`);
      if (!equalBytes(m.body, this.expectedClientFinished!)) throw new TlsError('finished', 'client Finished verify_data is wrong');
      this.transcript.push(m.raw);
      this.secrets!.clientFinished = m.body.slice();
      this.setReadKeys(this.clientApplicationSecret!);
      this.state = 'connected';
      this.connected = true;
      return;
    }
    if (!this.handlePostHandshake(m)) throw new TlsError('unexpected-message', `unexpected post-handshake message type ${m.type}`);
  }

  private onClientHello(m: HandshakeMessage): void {
    const hello = decodeClientHello(m.body);
    const ext = (t: number) => findExtension(hello.extensions, t);
    // RFC 8446 §4.2.1: TLS 1.3 is negotiated by supported_versions only.
    const versions = ext(EXT.supported_versions);
    if (!versions || !decodeU16List(versions, 'supported_versions', 1).includes(TLS13)) throw new TlsError('handshake', 'client does not offer TLS 1.3', { alert: ALERT.protocol_version });
    if (hello.legacyVersion !== LEGACY_VERSION) throw new TlsError('handshake', 'ClientHello legacy_version not 0x0303', { alert: ALERT.protocol_version });
    // RFC 8446 §4.1.2: legacy_compression_methods MUST be exactly one zero byte.
    if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) throw new TlsError('handshake', 'legacy_compression_methods not [0]', { alert: ALERT.illegal_parameter });
    if (!hello.cipherSuites.includes(TLS_AES_128_GCM_SHA256)) throw new TlsError('handshake', 'client does not offer TLS_AES_128_GCM_SHA256');
    // RFC 8446 §9.2: we need signature_algorithms and key_share (a non-PSK handshake).
    const sigAlgs = ext(EXT.signature_algorithms);
    const shares = ext(EXT.key_share);
    if (!sigAlgs || !shares || !ext(EXT.supported_groups)) throw new TlsError('handshake', 'ClientHello lacks signature_algorithms, supported_groups or key_share', { alert: ALERT.missing_extension });
    const signatureSchemes = decodeU16List(sigAlgs, 'signature_algorithms');
    const share = decodeClientKeyShares(shares).find((s) => s.group === X25519);
    // No HelloRetryRequest: an X25519 share must be in the first ClientHello.
    if (!share) throw new TlsError('handshake', 'no X25519 key share offered');
    const sni = ext(EXT.server_name);
    const nonce = ext(EXT.pph_ra_tls_nonce);
    const info: ClientHelloInfo = { hello, serverName: sni ? parseServerName(sni) : undefined, raTlsNonce: nonce ? decodeRaTlsNonce(nonce) : undefined, signatureSchemes };
    this.clientHello = info;
    this.clientRandom = hello.random;
    const signer = typeof this.config.certificate === 'function' ? this.config.certificate(info) : this.config.certificate;
    if (!signatureSchemes.includes(signer.scheme)) throw new TlsError('handshake', `client does not accept signature scheme 0x${signer.scheme.toString(16)}`);

    const random = this.config.rng.bytes(32);
    const privateKey = this.config.rng.bytes(32);
    const sharedSecret = x25519Shared(privateKey, share.key);
    this.transcript.push(m.raw);
    const serverHello = encodeServerHello({
      random,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: TLS_AES_128_GCM_SHA256,
      extensions: [keyShareServer(X25519, x25519.getPublicKey(privateKey)), supportedVersionsServer(TLS13)],
    });
    this.transcript.push(serverHello);
    this.emitHandshake(serverHello);
    // RFC 8446 §D.4: in middlebox compatibility mode (non-empty session id) send a dummy CCS after ServerHello.
    if (hello.legacySessionId.length > 0) this.emit(CCS_RECORD);

    const hs = handshakeSecrets(sharedSecret, this.transcriptHash());
    this.secrets = { sharedSecret, handshake: hs };
    this.setWriteKeys(hs.serverHandshakeTrafficSecret);
    this.setReadKeys(hs.clientHandshakeTrafficSecret);

    const exts = this.config.encryptedExtensions ? this.config.encryptedExtensions(info) : info.serverName !== undefined ? [serverNameExtension()] : [];
    const flight: Uint8Array[] = [];
    const add = (msg: Uint8Array) => {
      flight.push(msg);
      this.transcript.push(msg);
    };
    add(encodeEncryptedExtensions(exts));
    this.certificateChain = signer.chain;
    add(encodeCertificate(signer.chain));
    add(encodeCertificateVerify(signer.scheme, signer.sign(certificateVerifyContent('server', this.transcriptHash()))));
    const serverFinished = finishedVerifyData(hs.serverHandshakeTrafficSecret, this.transcriptHash());
    this.secrets.serverFinished = serverFinished;
    add(encodeFinished(serverFinished));
    this.emitHandshake(concat(...flight));

    const app = applicationSecrets(hs.masterSecret, this.transcriptHash());
    this.secrets.application = app;
    this.expectedClientFinished = finishedVerifyData(hs.clientHandshakeTrafficSecret, this.transcriptHash());
    this.clientApplicationSecret = app.clientApplicationTrafficSecret;
    this.setWriteKeys(app.serverApplicationTrafficSecret);
    this.state = 'wait-finished';
  }

  /** The server may send once its Finished is out (RFC 8446 §4.4.4 allows 0.5-RTT data). */
  override send(data: Uint8Array): void {
    if (this.state === 'wait-finished') {
      this.connected = true;
      try {
        super.send(data);
      } finally {
        this.connected = false;
      }
      return;
    }
    super.send(data);
  }
}

function parseServerName(data: Uint8Array): string | undefined {
  // RFC 6066 §3: ServerNameList of {name_type, HostName<1..2^16-1>}; we take the first host_name.
  if (data.length < 5 || data[2] !== 0) return undefined;
  const n = (data[3]! << 8) | data[4]!;
  try {
    return fromUtf8(data.subarray(5, 5 + n));
  } catch {
    return undefined;
  }
}

// ---- Client --------------------------------------------------------------------------------

export interface TlsClientConfig {
  /** Draws: ClientHello.random (32 bytes), then the X25519 private key (32 bytes). */
  rng: Rng;
  serverName?: string;
  /** Default [TLS_AES_128_GCM_SHA256]. Only that suite is implemented; others are just offered. */
  cipherSuites?: readonly number[];
  /** supported_groups; default [x25519]. The key share is always X25519. */
  groups?: readonly number[];
  /** signature_algorithms; default ecdsa_secp384r1_sha384, ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256. */
  signatureSchemes?: readonly number[];
  /** pph RA-TLS: a nonce for the server to bind its evidence to (16..255 bytes). */
  raTlsNonce?: Uint8Array;
  /**
   * The ClientHello extensions in order; default: server_name (if set), supported_groups,
   * key_share, supported_versions, signature_algorithms, pph_ra_tls_nonce (if set). Receives the
   * standard ones by name so a caller can reorder them and add others (RFC 8448 does).
   */
  extensions?: (std: { serverName?: Extension; supportedGroups: Extension; keyShare: Extension; supportedVersions: Extension; signatureAlgorithms: Extension; raTlsNonce?: Extension }) => Extension[];
  /** Called with the server chain after CertificateVerify verified; throw to abort (e.g. RA-TLS verification). */
  verifyPeer?: (chain: readonly Uint8Array[]) => void;
}

export class TlsClient extends TlsConnection {
  private state: 'start' | 'wait-server-hello' | 'wait-ee' | 'wait-certificate' | 'wait-cv' | 'wait-finished' | 'connected' = 'start';
  private privateKey: Uint8Array | undefined;
  private sessionId = new Uint8Array(0);
  private offeredSchemes: readonly number[] = [];
  /** The server's certificate chain (leaf first), once received. */
  peerCertificates: readonly Uint8Array[] | undefined;
  /** The server's EncryptedExtensions. */
  serverExtensions: readonly Extension[] | undefined;

  constructor(private readonly config: TlsClientConfig) {
    super();
  }

  /** Queues and returns the ClientHello record (RFC 8446 §4.1.2). */
  start(): Uint8Array {
    if (this.state !== 'start') throw new TlsError('state', 'start called twice');
    const c = this.config;
    const random = c.rng.bytes(32);
    this.privateKey = c.rng.bytes(32);
    this.clientRandom = random;
    this.offeredSchemes = c.signatureSchemes ?? [SIG.ecdsa_secp384r1_sha384, SIG.ecdsa_secp256r1_sha256, SIG.rsa_pss_rsae_sha256];
    const std = {
      ...(c.serverName !== undefined ? { serverName: serverNameExtension(c.serverName) } : {}),
      supportedGroups: supportedGroupsExtension(c.groups ?? [X25519]),
      keyShare: keyShareClient([{ group: X25519, key: x25519.getPublicKey(this.privateKey) }]),
      supportedVersions: supportedVersionsClient([TLS13]),
      signatureAlgorithms: signatureAlgorithmsExtension(this.offeredSchemes),
      ...(c.raTlsNonce ? { raTlsNonce: raTlsNonceExtension(c.raTlsNonce) } : {}),
    };
    const extensions = c.extensions
      ? c.extensions(std)
      : [std.serverName, std.supportedGroups, std.keyShare, std.supportedVersions, std.signatureAlgorithms, std.raTlsNonce].filter((e): e is Extension => e !== undefined);
    const hello = encodeClientHello({
      legacyVersion: LEGACY_VERSION,
      random,
      legacySessionId: this.sessionId,
      cipherSuites: c.cipherSuites ?? [TLS_AES_128_GCM_SHA256],
      legacyCompressionMethods: Uint8Array.of(0),
      extensions,
    });
    this.transcript.push(hello);
    // RFC 8446 §5.1: the initial ClientHello record MAY use legacy_record_version 0x0301 (RFC 8448 does).
    const record = encodePlainRecords(CONTENT.handshake, hello, 0x0301);
    this.emit(record);
    this.state = 'wait-server-hello';
    return this.takeOutput();
  }

  protected ccsAllowed(): boolean {
    return this.state !== 'start' && this.state !== 'wait-server-hello' && this.state !== 'connected';
  }

  protected onHandshake(m: HandshakeMessage): void {
    const expect = (type: number, name: string) => {
      if (m.type !== type) throw new TlsError('unexpected-message', `expected ${name}, got handshake type ${m.type}`);
    };
    switch (this.state) {
      case 'start':
        throw new TlsError('state', 'receive before start');
      case 'wait-server-hello':
        expect(HS.server_hello, 'ServerHello');
        return this.onServerHello(m);
      case 'wait-ee':
        expect(HS.encrypted_extensions, 'EncryptedExtensions');
        this.serverExtensions = decodeEncryptedExtensions(m.body);
        this.transcript.push(m.raw);
        this.state = 'wait-certificate';
        return;
      case 'wait-certificate': {
        // No client certificates: a CertificateRequest is refused.
        expect(HS.certificate, 'Certificate');
        const { context, chain } = decodeCertificate(m.body);
        if (context.length !== 0) throw new TlsError('decode', 'server Certificate with a request context', { alert: ALERT.illegal_parameter });
        if (chain.length === 0) throw new TlsError('certificate', 'server sent an empty certificate chain', { alert: ALERT.decode_error });
        this.peerCertificates = chain;
        this.transcript.push(m.raw);
        this.state = 'wait-cv';
        return;
      }
      case 'wait-cv': {
        expect(HS.certificate_verify, 'CertificateVerify');
        const { scheme, signature } = decodeCertificateVerify(m.body);
        if (!this.offeredSchemes.includes(scheme)) throw new TlsError('handshake', `server used a signature scheme not offered: 0x${scheme.toString(16)}`, { alert: ALERT.illegal_parameter });
        verifyCertificateVerify(scheme, this.peerCertificates![0]!, certificateVerifyContent('server', this.transcriptHash()), signature);
        this.config.verifyPeer?.(this.peerCertificates!);
        this.transcript.push(m.raw);
        this.state = 'wait-finished';
        return;
      }
      case 'wait-finished': {
        expect(HS.finished, 'Finished');
        const hs = this.secrets!.handshake;
        const expected = finishedVerifyData(hs.serverHandshakeTrafficSecret, this.transcriptHash());
        if (!equalBytes(m.body, expected)) throw new TlsError('finished', 'server Finished verify_data is wrong');
        this.secrets!.serverFinished = m.body.slice();
        this.transcript.push(m.raw);
        const app = applicationSecrets(hs.masterSecret, this.transcriptHash());
        this.secrets!.application = app;
        this.setReadKeys(app.serverApplicationTrafficSecret);
        const clientFinished = finishedVerifyData(hs.clientHandshakeTrafficSecret, this.transcriptHash());
        this.secrets!.clientFinished = clientFinished;
        const finished = encodeFinished(clientFinished);
        this.transcript.push(finished);
        this.emitHandshake(finished);
        this.setWriteKeys(app.clientApplicationTrafficSecret);
        this.state = 'connected';
        this.connected = true;
        return;
      }
      case 'connected':
        // RFC 8446 §4.6.1: NewSessionTicket may be ignored by a client that does not resume.
        if (m.type === HS.new_session_ticket) return;
        if (!this.handlePostHandshake(m)) throw new TlsError('unexpected-message', `unexpected post-handshake message type ${m.type}`);
        return;
    }
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = decodeServerHello(m.body);
    if (equalBytes(sh.random, HRR_RANDOM)) throw new TlsError('handshake', 'HelloRetryRequest is not supported');
    if (!equalBytes(sh.legacySessionIdEcho, this.sessionId)) throw new TlsError('handshake', 'legacy_session_id_echo differs', { alert: ALERT.illegal_parameter });
    if (sh.cipherSuite !== TLS_AES_128_GCM_SHA256) throw new TlsError('handshake', `server chose cipher suite 0x${sh.cipherSuite.toString(16)}`, { alert: ALERT.illegal_parameter });
    const versions = findExtension(sh.extensions, EXT.supported_versions);
    if (!versions || versions.length !== 2 || ((versions[0]! << 8) | versions[1]!) !== TLS13) throw new TlsError('handshake', 'server did not select TLS 1.3', { alert: ALERT.protocol_version });
    const shareData = findExtension(sh.extensions, EXT.key_share);
    if (!shareData) throw new TlsError('handshake', 'ServerHello without key_share', { alert: ALERT.missing_extension });
    const share = decodeServerKeyShare(shareData);
    if (share.group !== X25519) throw new TlsError('handshake', `server key share group ${share.group}`, { alert: ALERT.illegal_parameter });
    const sharedSecret = x25519Shared(this.privateKey!, share.key);
    this.transcript.push(m.raw);
    const hs = handshakeSecrets(sharedSecret, this.transcriptHash());
    this.secrets = { sharedSecret, handshake: hs };
    this.setReadKeys(hs.serverHandshakeTrafficSecret);
    this.setWriteKeys(hs.clientHandshakeTrafficSecret);
    this.state = 'wait-ee';
  }
}
