/**
 * RA-TLS (in the shape of Intel's and Gramine's RA-TLS): the server's X.509 certificate carries
 * an attestation report in a private extension, and the report's REPORT_DATA binds the
 * certificate's public key and the session:
 *
 *   REPORT_DATA = SHA-512("pph RA-TLS v1" ‖ SubjectPublicKeyInfo DER ‖ binding)
 *
 * where `binding` is the client's nonce (the pph_ra_tls_nonce ClientHello extension), or the
 * ClientHello.random when a standard client sends no nonce, or empty (`none`: static evidence,
 * the published finding), or the session's TLS exporter value (`exporter`: evidence sent after
 * the handshake, see {@link issueRaTlsExporterEvidence}). The TLS handshake proves possession of the certificate key
 * (CertificateVerify); the report proves that key lives in the attested TEE, and the binding
 * proves the report was made for this session, not relayed from another.
 *
 * Extension OID 1.3.6.1.4.1.32473.1.1 lies under IANA's documentation enterprise number 32473
 * (RFC 5612): pph's, unregistered; a deployment would use its own arc. Its extnValue is
 *
 *   RaTlsEvidence ::= SEQUENCE {
 *     version       INTEGER (1),
 *     format        UTF8String ("sev-snp-report"),
 *     bindingKind   UTF8String ("nonce" | "client-random" | "exporter" | "none"),
 *     binding       OCTET STRING,
 *     report        OCTET STRING,            -- the 0x4A0-byte ATTESTATION_REPORT
 *     endorsements  SEQUENCE OF OCTET STRING -- VCEK, then ASK and ARK (DER); may be empty
 *   }
 *
 * The verifier ({@link verifyRaTlsSession}) is pure: evidence in, decision out, with three modes
 * so simulation mutants can switch the session binding off.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, toHex, utf8 } from '../bytes.js';
import type { Rng } from '../rng.js';
import { AttestationError, CertificateError } from '../errors.js';
import { parseCertificateDer } from '../attestation/amd-cert.js';
import type { TrustStore } from '../attestation/chain.js';
import { DerError, DerReader, derInteger, derOctetString, derReadOid, derReadString, derReadUint, derSequence, derUtf8String, parseDer, TAG } from '../attestation/der.js';
import type { SimSigner } from '../attestation/sim-vendor.js';
import { BASELINE_POLICY, SevSnpVerifier, type SevSnpPolicy, type SevSnpVerified } from '../attestation/verifier.js';
import { REPORT_BYTES, type SevSnpReportFields } from '../attestation/sev-snp-report.js';
import { issueCertificate, p384KeyFromRng, p384Spki, x509Extension, x509Name, type P384KeyPair } from '../attestation/x509-issue.js';
import type { ClientHelloInfo } from './connection.js';
import { TlsError } from './errors.js';
import { SIG } from './messages.js';
import { ecdsaSigner, type CertificateSigner } from './signature.js';

/** pph RA-TLS evidence extension (under the RFC 5612 documentation enterprise number). */
export const RA_TLS_EVIDENCE_OID = '1.3.6.1.4.1.32473.1.1';
/** The domain-separation prefix of REPORT_DATA. */
export const RA_TLS_CONTEXT = utf8('pph RA-TLS v1');
export const RA_TLS_FORMAT = 'sev-snp-report';

export type RaTlsBindingKind = 'nonce' | 'client-random' | 'exporter' | 'none';
const KINDS: readonly RaTlsBindingKind[] = ['nonce', 'client-random', 'exporter', 'none'];
/** RFC 8446 §7.5 exporter label of the post-handshake binding (32 bytes, empty context). */
export const RA_TLS_EXPORTER_LABEL = 'EXPORTER-pph-ra-tls';

export interface RaTlsEvidence {
  readonly bindingKind: RaTlsBindingKind;
  readonly binding: Uint8Array;
  readonly report: Uint8Array;
  /** VCEK first, then the vendor chain (DER each); may be empty (the verifier then needs the VCEK). */
  readonly endorsements: readonly Uint8Array[];
  /** The certificate's SubjectPublicKeyInfo DER, as bound into REPORT_DATA. */
  readonly spki: Uint8Array;
}

/** REPORT_DATA = SHA-512(context ‖ SPKI ‖ binding). */
export function raTlsReportData(spki: Uint8Array, binding: Uint8Array): Uint8Array {
  return sha512(concat(RA_TLS_CONTEXT, spki, binding));
}

/** The extnValue of the evidence extension. */
export function encodeRaTlsEvidence(e: Omit<RaTlsEvidence, 'spki'>): Uint8Array {
  return derSequence(
    derInteger(1),
    derUtf8String(RA_TLS_FORMAT),
    derUtf8String(e.bindingKind),
    derOctetString(e.binding),
    derOctetString(e.report),
    derSequence(...e.endorsements.map(derOctetString)),
  );
}

function certificateSpki(certDer: Uint8Array) {
  try {
    return parseCertificateDer(certDer);
  } catch (e) {
    if (e instanceof CertificateError || e instanceof DerError) throw new TlsError('evidence', 'RA-TLS certificate does not parse', { cause: e });
    throw e;
  }
}

/** Reads the evidence extension out of a certificate (DER). Throws `TlsError('evidence')`. */
export function extractRaTlsEvidence(certDer: Uint8Array): RaTlsEvidence {
  const cert = certificateSpki(certDer);
  const value = cert.extensions.get(RA_TLS_EVIDENCE_OID);
  if (!value) throw new TlsError('evidence', `certificate has no RA-TLS evidence extension ${RA_TLS_EVIDENCE_OID}`);
  return decodeRaTlsEvidence(value, cert.spki.slice());
}

/**
 * Decodes a RaTlsEvidence (the extension's value, or the same structure sent after the
 * handshake for the `exporter` binding); `spki` is the key it is claimed for.
 */
export function decodeRaTlsEvidence(value: Uint8Array, spki: Uint8Array): RaTlsEvidence {
  try {
    const r = DerReader.inside(parseDer(value));
    if (derReadUint(r.next(TAG.INTEGER)) !== 1) throw new TlsError('evidence', 'RA-TLS evidence version is not 1');
    if (derReadString(r.next(TAG.UTF8_STRING)) !== RA_TLS_FORMAT) throw new TlsError('evidence', 'RA-TLS evidence format is not sev-snp-report');
    const kind = derReadString(r.next(TAG.UTF8_STRING)) as RaTlsBindingKind;
    if (!KINDS.includes(kind)) throw new TlsError('evidence', 'RA-TLS evidence binding kind unknown');
    const binding = r.next(TAG.OCTET_STRING).value.slice();
    const report = r.next(TAG.OCTET_STRING).value.slice();
    if (report.length !== REPORT_BYTES) throw new TlsError('evidence', `RA-TLS report of ${report.length} bytes, expected ${REPORT_BYTES}`);
    const list = DerReader.inside(r.next(TAG.SEQUENCE));
    const endorsements: Uint8Array[] = [];
    while (!list.done) endorsements.push(list.next(TAG.OCTET_STRING).value.slice());
    r.end();
    if ((kind === 'none') !== (binding.length === 0)) throw new TlsError('evidence', 'RA-TLS binding length does not fit its kind');
    return { bindingKind: kind, binding, report, endorsements, spki };
  } catch (e) {
    if (e instanceof DerError) throw new TlsError('evidence', 'RA-TLS evidence extension is not valid DER', { cause: e });
    throw e;
  }
}

export interface RaTlsIssueOptions {
  /** The TEE key holding the certificate key (P-384). */
  key: P384KeyPair;
  /** The chip that signs the report (the simulated vendor's VCEK holder). */
  chip: SimSigner;
  /** Vendor chain to carry after the VCEK (ASK, ARK), DER. */
  chain?: readonly Uint8Array[];
  bindingKind: RaTlsBindingKind;
  binding: Uint8Array;
  /** Further report fields (measurement, policy, ...). */
  reportFields?: SevSnpReportFields;
  serial: bigint;
  notBeforeMs: number;
  notAfterMs: number;
  subjectCn?: string;
}

/** A self-signed X.509 v3 certificate for `key` carrying a report bound to it and to `binding`. */
export function issueRaTlsCertificate(o: RaTlsIssueOptions): Uint8Array {
  if ((o.bindingKind === 'none') !== (o.binding.length === 0)) throw new RangeError('binding must be empty exactly for kind none');
  const reportData = raTlsReportData(p384Spki(o.key.publicKey), o.binding);
  const report = o.chip.signReport({ ...o.reportFields, reportData });
  const evidence = encodeRaTlsEvidence({ bindingKind: o.bindingKind, binding: o.binding, report, endorsements: [o.chip.certDer, ...(o.chain ?? [])] });
  const name = x509Name(o.subjectCn ?? 'pph RA-TLS enclave', 'pph RA-TLS');
  return issueCertificate({
    issuer: name,
    subject: name,
    serial: o.serial,
    notBeforeMs: o.notBeforeMs,
    notAfterMs: o.notAfterMs,
    subjectPublicKey: o.key.publicKey,
    issuerPrivateKey: o.key.privateKey,
    extensions: [x509Extension(RA_TLS_EVIDENCE_OID, evidence)],
  });
}

/**
 * Post-handshake evidence for the `exporter` binding: a report over the certificate key and
 * this session's exporter value, sent by the server as application data once connected.
 */
export function issueRaTlsExporterEvidence(o: { key: P384KeyPair; chip: SimSigner; chain?: readonly Uint8Array[]; exporterValue: Uint8Array; reportFields?: SevSnpReportFields }): Uint8Array {
  const reportData = raTlsReportData(p384Spki(o.key.publicKey), o.exporterValue);
  const report = o.chip.signReport({ ...o.reportFields, reportData });
  return encodeRaTlsEvidence({ bindingKind: 'exporter', binding: o.exporterValue, report, endorsements: [o.chip.certDer, ...(o.chain ?? [])] });
}

export interface RaTlsServerOptions extends Omit<RaTlsIssueOptions, 'bindingKind' | 'binding' | 'serial' | 'key'> {
  /** Draws the certificate key once (72 bytes), then 16 bytes per certificate for its serial. */
  rng: Rng;
  /**
   * `auto` (default): the client's RA-TLS nonce if it sent one, else its ClientHello.random.
   * `none`: one static certificate for every session (the published finding).
   */
  binding?: 'auto' | 'none';
}

/** A `TlsServer` certificate provider: a fresh RA-TLS certificate per ClientHello, signed with one TEE key. */
export function raTlsCertificateProvider(o: RaTlsServerOptions): { key: P384KeyPair; provide: (info: ClientHelloInfo) => CertificateSigner } {
  const key = p384KeyFromRng(o.rng);
  let staticCert: Uint8Array | undefined;
  const issue = (bindingKind: RaTlsBindingKind, binding: Uint8Array) =>
    issueRaTlsCertificate({ ...o, key, bindingKind, binding, serial: serialFrom(o.rng.bytes(16)) });
  return {
    key,
    provide(info) {
      let cert: Uint8Array;
      if (o.binding === 'none') cert = staticCert ??= issue('none', new Uint8Array(0));
      else if (info.raTlsNonce) cert = issue('nonce', info.raTlsNonce);
      else cert = issue('client-random', info.hello.random);
      return ecdsaSigner(SIG.ecdsa_secp384r1_sha384, key.privateKey, [cert]);
    },
  };
}

/**
 * Verifier modes:
 * - `full`: REPORT_DATA binds the handshake's certificate key AND this session's binding (the
 *   client's own nonce or ClientHello.random, compared with what the evidence claims).
 * - `key-only`: binds the key, with whatever binding the evidence claims (the relayable mutant:
 *   evidence made for another session is accepted).
 * - `no-client-nonce`: the client sent no nonce; REPORT_DATA must bind the key with an empty
 *   binding (the published finding: static evidence, replayable by whoever holds the key).
 */
export type RaTlsVerifyMode = 'full' | 'key-only' | 'no-client-nonce';

export interface RaTlsSessionInput {
  mode: RaTlsVerifyMode;
  /** The leaf the TLS handshake authenticated (its key verified CertificateVerify). */
  peerCertificate: Uint8Array;
  /**
   * `full` only: this session's binding as the client knows it: the RA-TLS nonce it sent, its
   * ClientHello.random, or its exporter value `exportKeyingMaterial(RA_TLS_EXPORTER_LABEL, "", 32)`.
   */
  session?: { kind: 'nonce' | 'client-random' | 'exporter'; value: Uint8Array };
  /**
   * Evidence received after the handshake (the `exporter` binding cannot be in the certificate:
   * the exporter secret depends on the transcript that contains it). Default: the certificate's
   * extension.
   */
  postHandshakeEvidence?: Uint8Array;
  /** The store pinning the vendor root (e.g. `vendor.trustStore()`). */
  trustStore: TrustStore;
  /** The VCEK (DER or PEM); default: the first endorsement in the evidence. */
  vcek?: Uint8Array | string;
  atMs: number;
  /** Default BASELINE_POLICY (no debug, no migration agent, VMPL 0). */
  policy?: SevSnpPolicy;
}

export interface RaTlsVerified {
  readonly evidence: RaTlsEvidence;
  readonly attestation: SevSnpVerified;
  readonly mode: RaTlsVerifyMode;
}

/**
 * Verifies the RA-TLS evidence of a session. Throws `TlsError` (`evidence`, `binding`) or the
 * report verifier's `AttestationError` (`chain`, `signature`, `expired`, `tcb`, `policy`, ...).
 */
export function verifyRaTlsSession(input: RaTlsSessionInput): RaTlsVerified {
  const evidence = input.postHandshakeEvidence
    ? decodeRaTlsEvidence(input.postHandshakeEvidence, certificateSpki(input.peerCertificate).spki.slice())
    : extractRaTlsEvidence(input.peerCertificate);
  const vcek = input.vcek ?? evidence.endorsements[0];
  if (vcek === undefined) throw new TlsError('evidence', 'no VCEK given and none carried in the evidence');
  const attestation = SevSnpVerifier.forSigner(input.trustStore, vcek, 'vcek').verify(evidence.report, { atMs: input.atMs, policy: { ...(input.policy ?? BASELINE_POLICY) } });
  let binding: Uint8Array;
  switch (input.mode) {
    case 'full': {
      const s = input.session;
      if (!s) throw new TlsError('state', 'mode full needs the session binding');
      if (evidence.bindingKind !== s.kind || !equalBytes(evidence.binding, s.value)) throw new TlsError('binding', `evidence is bound to another session (${evidence.bindingKind} ${toHex(evidence.binding).slice(0, 16)}…)`);
      binding = s.value;
      break;
    }
    case 'key-only':
      binding = evidence.binding;
      break;
    case 'no-client-nonce':
      binding = new Uint8Array(0);
      break;
    default:
      throw new TlsError('state', `unknown mode ${String(input.mode)}`);
  }
  const expected = raTlsReportData(evidence.spki, binding);
  if (!equalBytes(attestation.report.reportData, expected)) {
    throw new TlsError('binding', 'REPORT_DATA does not bind the certificate key and the session binding', {
      cause: new AttestationError('binding', 'report data mismatch'),
    });
  }
  return { evidence, attestation, mode: input.mode };
}

/** RFC 5280 §4.1.2.2: a positive serial of at most 20 octets. */
function serialFrom(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n & ((1n << 127n) - 1n)) | 1n;
}

/** For display: the binding kind and value. */
export function describeBinding(e: RaTlsEvidence): string {
  return e.bindingKind === 'none' ? 'none' : `${e.bindingKind} ${toHex(e.binding)}`;
}

