/**
 * X.509 certificate revocation lists (RFC 5280 §5), read with our DER reader (node's
 * `X509Certificate` has no CRL parser): AMD's ARK-signed CRLs (KDS `/vcek/v1/<product>/crl`,
 * RSASSA-PSS-SHA384) and the simulated vendor's (ecdsa-with-SHA384).
 *
 * {@link parseCrl} is total: any malformed input raises `AttestationError` code `crl-parse`.
 * {@link checkCrl} then checks that the CRL is the issuer's (name, key identifier, signature)
 * and current at the time of use, and {@link revocationOf} looks a serial up.
 *
 * Codes: `crl-parse` (malformed, an unknown critical extension, a delta or indirect CRL),
 * `crl-issuer` (issued by another CA), `crl-signature`, `crl-not-yet-valid` (before
 * thisUpdate), `crl-expired` (after nextUpdate), `revoked` (raised by the verifier).
 *
 * @example
 * ```ts
 * const crl = parseCrl(readFileSync('crl_milan.pem', 'utf8'));
 * checkCrl(crl, ark, arkKey, atMs);          // throws AttestationError
 * revocationOf(crl, vcek.serialNumber);      // revocation time in ms, or undefined
 * ```
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { equalBytes } from '../bytes.js';
import { AttestationError } from '../errors.js';
import type { AmdCertificate } from './amd-cert.js';
import { DerError, DerReader, TAG, contextTag, derReadBitString, derReadInteger, derReadOid, derReadTime, derReadUint, isoFromMs, parseDer, type DerNode } from './der.js';

/** A limit on everything: revoked entries read from one CRL (AMD's list a handful). */
export const CRL_MAX_ENTRIES = 100_000;

/** RFC 5280 §5.2 CRL extensions and §5.3 entry extensions pph understands. */
const OID = {
  authorityKeyIdentifier: '2.5.29.35',
  subjectKeyIdentifier: '2.5.29.14',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
} as const;

/** RFC 4055 §2.1 / RFC 8017 Appendix B.1: hash OIDs usable with RSASSA-PSS. */
const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** How the CRL is signed, as parsed from signatureAlgorithm. */
export type CrlSignatureScheme = { kind: 'ecdsa'; hash: 'sha256' | 'sha384' } | { kind: 'rsa-pss'; hash: string; saltLength: number };

export interface RevokedEntry {
  readonly serialNumber: bigint;
  readonly revocationDateMs: number;
}

export interface RevocationList {
  readonly der: Uint8Array;
  /** TBSCertList (RFC 5280 §5.1.1.1), the bytes the signature covers. */
  readonly tbs: Uint8Array;
  /** DER of the issuer Name, compared byte for byte with the CA's subject. */
  readonly issuer: Uint8Array;
  readonly thisUpdateMs: number;
  /** RFC 5280 §5.1.2.5: conforming issuers MUST include nextUpdate; undefined when absent. */
  readonly nextUpdateMs: number | undefined;
  readonly revoked: ReadonlyMap<bigint, RevokedEntry>;
  readonly crlNumber: bigint | undefined;
  /** The authorityKeyIdentifier keyIdentifier, when present. */
  readonly authorityKeyId: Uint8Array | undefined;
  readonly scheme: CrlSignatureScheme;
  readonly signature: Uint8Array;
}

function fail(message: string, cause?: unknown): never {
  throw new AttestationError('crl-parse', message, cause === undefined ? undefined : { cause });
}

// RFC 7468 §5: "-----BEGIN X509 CRL-----".
const PEM_CRL = /-----BEGIN X509 CRL-----([^-]*)-----END X509 CRL-----/;

/** The DER of a CRL given as DER bytes or PEM (text or bytes). */
function crlDer(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new TypeError('CRL expected Uint8Array or string');
  if (typeof input !== 'string' && input.length > 0 && input[0] === TAG.SEQUENCE) return input.slice();
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const m = PEM_CRL.exec(text);
  if (!m) fail('neither a DER CRL nor a PEM X509 CRL block');
  const body = m[1]!.replace(/\s+/g, '');
  if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) fail('PEM body is not base64');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** Parses a CRL (DER or PEM). Throws `TypeError` for a non-byte, non-string input, else only `AttestationError` `crl-parse`. */
export function parseCrl(input: Uint8Array | string): RevocationList {
  const der = crlDer(input);
  try {
    return parseFields(der);
  } catch (e) {
    if (e instanceof DerError) fail(`CRL: ${e.message}`, e);
    throw e;
  }
}

function parseFields(der: Uint8Array): RevocationList {
  // RFC 5280 §5.1: CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
  const top = parseDer(der);
  if (top.tag !== TAG.SEQUENCE) fail('CertificateList is not a SEQUENCE');
  const list = DerReader.inside(top);
  const tbsNode = list.next(TAG.SEQUENCE);
  const algorithm = list.next(TAG.SEQUENCE);
  const signature = derReadBitString(list.next(TAG.BIT_STRING));
  list.end();

  const tbs = DerReader.inside(tbsNode);
  // RFC 5280 §5.1.2.1: version is v2 (1) when present; extensions need v2.
  const versionNode = tbs.optional(TAG.INTEGER);
  const version = versionNode ? derReadUint(versionNode) : 0;
  if (versionNode && version !== 1) fail(`CRL version ${version + 1} (only v1 and v2 exist)`);
  const inner = tbs.next(TAG.SEQUENCE);
  // RFC 5280 §5.1.1.2: signatureAlgorithm MUST equal the signature field of TBSCertList.
  if (!equalBytes(inner.tlv, algorithm.tlv)) fail('TBSCertList.signature differs from signatureAlgorithm');
  const issuer = tbs.next(TAG.SEQUENCE);
  const thisUpdateMs = derReadTime(tbs.next());
  const peek = tbs.peekTag();
  const nextUpdateMs = peek === TAG.UTC_TIME || peek === TAG.GENERALIZED_TIME ? derReadTime(tbs.next()) : undefined;
  const revoked = new Map<bigint, RevokedEntry>();
  const entries = tbs.optional(TAG.SEQUENCE);
  if (entries) readEntries(entries, revoked);
  const extNode = tbs.optional(contextTag(0));
  tbs.end();
  if (extNode && version !== 1) fail('CRL extensions in a v1 CRL');
  let crlNumber: bigint | undefined;
  let authorityKeyId: Uint8Array | undefined;
  if (extNode) {
    for (const ext of readExtensions(single(extNode))) {
      if (ext.id === OID.crlNumber) crlNumber = derReadInteger(parseDer(ext.value));
      else if (ext.id === OID.authorityKeyIdentifier) authorityKeyId = akiKeyId(ext.value);
      // RFC 5280 §5.2.4/§5.2.5: a delta CRL or a (critical) issuing distribution point changes
      // what the CRL covers; pph reads complete CRLs only.
      else if (ext.id === OID.deltaCrlIndicator) fail('delta CRLs are not supported');
      else if (ext.critical) fail(`unknown critical CRL extension ${ext.id}`);
    }
  }
  return { der, tbs: tbsNode.tlv, issuer: issuer.tlv, thisUpdateMs, nextUpdateMs, revoked, crlNumber, authorityKeyId, scheme: schemeOf(algorithm), signature };
}

/** revokedCertificates ::= SEQUENCE OF SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL } (RFC 5280 §5.1.2.6). */
function readEntries(node: DerNode, out: Map<bigint, RevokedEntry>): void {
  const r = DerReader.inside(node);
  // RFC 5280 §5.1.2.6: "When there are no revoked certificates, the revoked certificates list MUST be absent."
  if (r.done) fail('empty revokedCertificates (must be absent instead)');
  while (!r.done) {
    if (out.size >= CRL_MAX_ENTRIES) fail(`more than ${CRL_MAX_ENTRIES} revoked entries`);
    const e = DerReader.inside(r.next(TAG.SEQUENCE));
    const serialNumber = derReadInteger(e.next(TAG.INTEGER));
    const revocationDateMs = derReadTime(e.next());
    const ext = e.optional(TAG.SEQUENCE);
    e.end();
    if (ext) {
      for (const x of readExtensions(ext)) {
        // RFC 5280 §5.3.3: a certificateIssuer entry makes this an indirect CRL, which pph does not read.
        if (x.id === OID.certificateIssuer) fail('indirect CRLs (certificateIssuer) are not supported');
        if (x.critical && x.id !== OID.reasonCode && x.id !== OID.invalidityDate) fail(`unknown critical CRL entry extension ${x.id}`);
      }
    }
    if (!out.has(serialNumber)) out.set(serialNumber, { serialNumber, revocationDateMs });
  }
}

interface Extension {
  id: string;
  critical: boolean;
  value: Uint8Array;
}

/** RFC 5280 §4.1: Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function readExtensions(node: DerNode): Extension[] {
  if (node.tag !== TAG.SEQUENCE) fail('Extensions is not a SEQUENCE');
  const out: Extension[] = [];
  const r = DerReader.inside(node);
  while (!r.done) {
    const x = DerReader.inside(r.next(TAG.SEQUENCE));
    const id = derReadOid(x.next(TAG.OID));
    const crit = x.optional(TAG.BOOLEAN);
    const critical = crit !== undefined && crit.value.length === 1 && crit.value[0] === 0xff;
    // X.690 §11.1: DER writes TRUE as 0xFF, and X.690 §11.5: a DEFAULT value (FALSE) is omitted.
    if (crit !== undefined && !critical) fail('critical BOOLEAN is not DER TRUE');
    const value = x.next(TAG.OCTET_STRING).value;
    x.end();
    if (out.some((e) => e.id === id)) fail(`duplicate extension ${id}`);
    out.push({ id, critical, value });
  }
  return out;
}

/** RFC 5280 §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }. */
function akiKeyId(value: Uint8Array): Uint8Array | undefined {
  const seq = parseDer(value);
  if (seq.tag !== TAG.SEQUENCE) fail('authorityKeyIdentifier is not a SEQUENCE');
  const r = DerReader.inside(seq);
  return r.optional(contextTag(0, false))?.value.slice();
}

function single(node: DerNode): DerNode {
  const r = DerReader.inside(node);
  const inner = r.next();
  r.end();
  return inner;
}

/** signatureAlgorithm: ecdsa-with-SHA256/384 (RFC 5758 §3.2, no parameters) or RSASSA-PSS (RFC 4055 §3.1). */
function schemeOf(node: DerNode): CrlSignatureScheme {
  const r = DerReader.inside(node);
  const oid = derReadOid(r.next(TAG.OID));
  if (oid === OID.ecdsaSha256 || oid === OID.ecdsaSha384) {
    // RFC 5758 §3.2: "the encoding MUST omit the parameters field".
    r.end();
    return { kind: 'ecdsa', hash: oid === OID.ecdsaSha256 ? 'sha256' : 'sha384' };
  }
  if (oid !== OID.rsassaPss) fail(`unsupported CRL signature algorithm ${oid}`);
  const params = DerReader.inside(r.next(TAG.SEQUENCE));
  r.end();
  // RFC 4055 §3.1 RSASSA-PSS-params: hashAlgorithm [0] (default SHA-1), maskGenAlgorithm [1]
  // (default MGF1 with SHA-1), saltLength [2] (default 20), trailerField [3] (must be 1).
  const hashNode = params.optional(contextTag(0));
  const mgfNode = params.optional(contextTag(1));
  const saltNode = params.optional(contextTag(2));
  const trailerNode = params.optional(contextTag(3));
  params.end();
  const hash = hashNode ? HASHES[algorithmOid(single(hashNode))] : undefined;
  if (hash === undefined) fail('RSASSA-PSS hash is not SHA-256/384/512 (SHA-1 is refused)');
  if (!mgfNode) fail('RSASSA-PSS with the default MGF1-SHA-1 is refused');
  const mgf = DerReader.inside(single(mgfNode));
  if (derReadOid(mgf.next(TAG.OID)) !== OID.mgf1) fail('RSASSA-PSS mask generation is not MGF1');
  const mgfHash = HASHES[algorithmOid(mgf.next(TAG.SEQUENCE))];
  mgf.end();
  // node's verify uses MGF1 over the message digest: a different MGF1 hash cannot be checked.
  if (mgfHash !== hash) fail('RSASSA-PSS MGF1 hash differs from the message hash');
  const saltLength = saltNode ? derReadUint(single(saltNode)) : 20;
  if (trailerNode && derReadUint(single(trailerNode)) !== 1) fail('RSASSA-PSS trailerField is not 1');
  return { kind: 'rsa-pss', hash, saltLength };
}

function algorithmOid(node: DerNode): string {
  const r = DerReader.inside(node);
  const oid = derReadOid(r.next(TAG.OID));
  if (!r.done) r.next(TAG.NULL);
  r.end();
  return oid;
}

/** True when `key` verifies the CRL's signature over its TBSCertList. */
export function crlSignedBy(crl: RevocationList, key: KeyObject | undefined): boolean {
  if (key === undefined) return false;
  try {
    if (crl.scheme.kind === 'ecdsa') {
      if (key.asymmetricKeyType !== 'ec') return false;
      // RFC 5758 §3.2: ECDSA signature value is the DER Ecdsa-Sig-Value.
      return cryptoVerify(crl.scheme.hash, crl.tbs, key, crl.signature);
    }
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
    return cryptoVerify(crl.scheme.hash, crl.tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: crl.scheme.saltLength }, crl.signature);
  } catch {
    return false;
  }
}

/** The subjectKeyIdentifier of a certificate, when it carries one (RFC 5280 §4.2.1.2). */
function subjectKeyId(cert: AmdCertificate): Uint8Array | undefined {
  const v = cert.extensions.get(OID.subjectKeyIdentifier);
  if (v === undefined) return undefined;
  try {
    const n = parseDer(v);
    return n.tag === TAG.OCTET_STRING ? n.value : undefined;
  } catch {
    return undefined;
  }
}

const verified = new WeakMap<RevocationList, WeakMap<AmdCertificate, boolean>>();

/**
 * Checks that `crl` was issued by `issuer` (RFC 5280 §6.3.3 (b)–(f): issuer name, key
 * identifier, signature with the issuer's key) and is current at `atMs` (§6.3.3 (a)(2):
 * thisUpdate ≤ time ≤ nextUpdate). The signature result is cached per (CRL, issuer).
 */
export function checkCrl(crl: RevocationList, issuer: AmdCertificate, issuerKey: KeyObject | undefined, atMs: number): void {
  if (typeof atMs !== 'number' || !Number.isFinite(atMs)) throw new TypeError('atMs expected a finite number');
  // RFC 5280 §6.3.3 (b)(1): the CRL issuer must be the certificate's issuer (names compared as DER).
  if (!equalBytes(crl.issuer, issuer.subject)) throw new AttestationError('crl-issuer', `CRL is not issued by ${issuer.subjectCn ?? 'the root'}`);
  const ski = subjectKeyId(issuer);
  if (crl.authorityKeyId !== undefined && ski !== undefined && !equalBytes(crl.authorityKeyId, ski)) {
    throw new AttestationError('crl-issuer', `CRL authorityKeyIdentifier does not name the key of ${issuer.subjectCn ?? 'the root'}`);
  }
  let byIssuer = verified.get(crl);
  if (!byIssuer) verified.set(crl, (byIssuer = new WeakMap()));
  let ok = byIssuer.get(issuer);
  if (ok === undefined) byIssuer.set(issuer, (ok = crlSignedBy(crl, issuerKey)));
  if (!ok) throw new AttestationError('crl-signature', `CRL signature does not verify with the key of ${issuer.subjectCn ?? 'the root'}`);
  if (atMs < crl.thisUpdateMs) throw new AttestationError('crl-not-yet-valid', `CRL thisUpdate ${isoFromMs(crl.thisUpdateMs)} is after ${isoFromMs(atMs)}`);
  if (crl.nextUpdateMs === undefined) throw new AttestationError('crl-expired', 'CRL has no nextUpdate (RFC 5280 §5.1.2.5: conforming issuers MUST include it)');
  if (atMs > crl.nextUpdateMs) throw new AttestationError('crl-expired', `CRL nextUpdate ${isoFromMs(crl.nextUpdateMs)} has passed at ${isoFromMs(atMs)}`);
}

/** The revocation time of `serial` on `crl`, or undefined when it is not listed. */
export function revocationOf(crl: RevocationList, serial: bigint): number | undefined {
  return crl.revoked.get(serial)?.revocationDateMs;
}
