/**
 * X.509 CRLs (RFC 5280 §5) as Intel's PCS serves them: the Root CA CRL (issued by the Intel SGX
 * Root CA, revoking intermediate and TCB Signing certificates) and the PCK CRL (issued by the PCK
 * Platform or Processor CA, revoking PCK certificates). Signed ecdsa-with-SHA256.
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { PphError } from '../../errors.js';
import { DerReader, TAG, contextTag, derReadBitString, derReadInteger, derReadOid, derReadTime, derReadUint, parseDer } from '../der.js';
import { isoFromMs } from '../der.js';
import { DcapError } from './errors.js';
import { OID_ECDSA_WITH_SHA256, serialHex, type IntelCert } from './pck.js';

/** A limit on everything: revoked entries per CRL (Intel's PCK CRLs hold a few hundred). */
const CRL_MAX_ENTRIES = 100_000;

export interface Crl {
  readonly der: Uint8Array;
  /** TBSCertList, the signed part. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  readonly thisUpdateMs: number;
  readonly nextUpdateMs: number | undefined;
  /** Revoked serial numbers, lower-case hex. */
  readonly revoked: ReadonlySet<string>;
}

function algorithm(r: DerReader): string {
  const seq = DerReader.inside(r.next(TAG.SEQUENCE));
  const oid = derReadOid(seq.next(TAG.OID));
  if (!seq.done) seq.next();
  seq.end();
  return oid;
}

/** Parses a DER CRL (RFC 5280 §5.1). Throws `DcapError('crl')` naming `what`. */
export function parseCrl(der: Uint8Array, what: string): Crl {
  try {
    // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
    const top = parseDer(der);
    if (top.tag !== TAG.SEQUENCE) throw new DcapError('crl', `${what}: not a SEQUENCE`);
    const list = DerReader.inside(top);
    const tbsNode = list.next(TAG.SEQUENCE);
    const outerAlg = algorithm(list);
    const signature = derReadBitString(list.next(TAG.BIT_STRING));
    list.end();
    const tbs = DerReader.inside(tbsNode);
    // RFC 5280 §5.1.2.1: version v2 (1) when present.
    const version = tbs.optional(TAG.INTEGER);
    if (version && derReadUint(version) !== 1) throw new DcapError('crl', `${what}: version is not v2`);
    const innerAlg = algorithm(tbs);
    // RFC 5280 §5.1.1.2: signatureAlgorithm MUST equal tbsCertList.signature; Intel signs ecdsa-with-SHA256.
    if (innerAlg !== outerAlg || outerAlg !== OID_ECDSA_WITH_SHA256) throw new DcapError('crl', `${what}: signature algorithm ${outerAlg}, expected ecdsa-with-SHA256`);
    const issuer = tbs.next(TAG.SEQUENCE).tlv;
    const thisUpdateMs = derReadTime(tbs.next());
    const t = tbs.peekTag();
    const nextUpdateMs = t === TAG.UTC_TIME || t === TAG.GENERALIZED_TIME ? derReadTime(tbs.next()) : undefined;
    const revoked = new Set<string>();
    const entries = tbs.optional(TAG.SEQUENCE);
    if (entries) {
      const r = DerReader.inside(entries);
      while (!r.done) {
        if (revoked.size >= CRL_MAX_ENTRIES) throw new DcapError('crl', `${what}: more than ${CRL_MAX_ENTRIES} entries`);
        // revokedCertificates: SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }
        const e = DerReader.inside(r.next(TAG.SEQUENCE));
        revoked.add(serialHex(derReadInteger(e.next(TAG.INTEGER))));
        derReadTime(e.next());
        e.optional(TAG.SEQUENCE);
        e.end();
      }
    }
    tbs.optional(contextTag(0)); // crlExtensions
    tbs.end();
    return { der, tbs: tbsNode.tlv, signature, issuer, thisUpdateMs, nextUpdateMs, revoked };
  } catch (e) {
    if (e instanceof DcapError) throw e;
    if (e instanceof PphError) throw new DcapError('crl', `${what}: does not parse: ${e.message}`, { cause: e });
    throw e;
  }
}

/** RFC 5280 §6.3.3 (f), (b): the CRL is signed by `issuer`'s key and names it as issuer. */
export function assertCrlIssuedBy(crl: Crl, issuer: IntelCert, what: string): void {
  if (Buffer.compare(crl.issuer, issuer.cert.subject) !== 0) throw new DcapError('crl', `${what}: issued by another name than ${issuer.cert.subjectCn}`);
  let ok = false;
  try {
    ok = cryptoVerify('sha256', crl.tbs, { key: issuer.key as KeyObject, dsaEncoding: 'der' }, crl.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new DcapError('crl', `${what}: signature does not verify under ${issuer.cert.subjectCn}`);
}

/** RFC 5280 §6.3.3 (a): thisUpdate ≤ at, and at ≤ nextUpdate when present. */
export function assertCrlCurrent(crl: Crl, atMs: number, what: string): void {
  if (atMs < crl.thisUpdateMs) throw new DcapError('not-yet-valid', `${what}: issued ${isoFromMs(crl.thisUpdateMs)}, verifying at ${isoFromMs(atMs)}`);
  if (crl.nextUpdateMs !== undefined && atMs > crl.nextUpdateMs) throw new DcapError('expired', `${what}: next update was due ${isoFromMs(crl.nextUpdateMs)}, verifying at ${isoFromMs(atMs)}`);
}

/** RFC 5280 §6.3.3 (i): the certificate's serial is not listed. */
export function assertNotRevoked(crl: Crl, cert: IntelCert, what: string): void {
  if (crl.revoked.has(cert.serial)) throw new DcapError('revoked', `${what}: ${cert.cert.subjectCn} (serial ${cert.serial}) is revoked`);
}
