/**
 * X.509 certificates of the AMD key hierarchy (ARK, ASK, ASVK, VCEK, VLEK), parsed with our own
 * DER reader (RFC 5280 §4.1) including the AMD extensions (AMD "Versioned Chip Endorsement Key
 * (VCEK) Certificate and KDS Interface Specification" #57230, Table 8): the TCB SPLs the VCEK was
 * derived for, the chip's HWID and the product name.
 *
 * Signatures are not checked here (see chain.ts); this file only turns bytes into fields. Any
 * malformed input raises `CertificateError` (code `der`, `pem` or `extension`).
 *
 * @example
 * ```ts
 * const vcek = parseAmdCertificate(derOrPem);
 * vcek.amd.tcb;    // { bootloader: 2, tee: 0, snp: 5, microcode: 68 }
 * vcek.amd.hwid;   // 64 bytes (8 on Turin), equal to the report's CHIP_ID
 * ```
 */
import { CertificateError } from '../errors.js';
import {
  DerError,
  DerReader,
  TAG,
  contextTag,
  derReadBitString,
  derReadInteger,
  derReadOid,
  derReadString,
  derReadTime,
  derReadUint,
  parseDer,
  type DerNode,
} from './der.js';
import type { TcbParts } from './tcb-version.js';

/** KDS spec #57230 Table 8: AMD certificate extension OIDs under 1.3.6.1.4.1.3704.1. */
export const AMD_OID = {
  structVersion: '1.3.6.1.4.1.3704.1.1',
  productName: '1.3.6.1.4.1.3704.1.2',
  blSPL: '1.3.6.1.4.1.3704.1.3.1',
  teeSPL: '1.3.6.1.4.1.3704.1.3.2',
  snpSPL: '1.3.6.1.4.1.3704.1.3.3',
  spl4: '1.3.6.1.4.1.3704.1.3.4',
  spl5: '1.3.6.1.4.1.3704.1.3.5',
  spl6: '1.3.6.1.4.1.3704.1.3.6',
  spl7: '1.3.6.1.4.1.3704.1.3.7',
  ucodeSPL: '1.3.6.1.4.1.3704.1.3.8',
  fmcSPL: '1.3.6.1.4.1.3704.1.3.9',
  hwid: '1.3.6.1.4.1.3704.1.4',
  cspId: '1.3.6.1.4.1.3704.1.5',
} as const;

/** RFC 5280 / X.520 attribute type commonName. */
const OID_COMMON_NAME = '2.5.4.3';
/** Limit: a PEM bundle of more certificates than this is not an AMD chain. */
export const PEM_MAX_CERTS = 16;

/** The AMD-specific content of a certificate (all absent on ARK/ASK). */
export interface AmdExtensions {
  readonly structVersion: number | undefined;
  /** e.g. "Milan-B0", "Genoa", "Turin". */
  readonly productName: string | undefined;
  /** The SPLs (blSPL, teeSPL, snpSPL, ucodeSPL and on Turin fmcSPL), when all four are present. */
  readonly tcb: TcbParts | undefined;
  /** VCEK only: the chip ID (64 bytes; 8 on Turin). */
  readonly hwid: Uint8Array | undefined;
  /** VLEK only: the cloud provider the VLEK was issued to. */
  readonly cspId: string | undefined;
}

export interface AmdCertificate {
  readonly der: Uint8Array;
  /** The signed part (TBSCertificate, RFC 5280 §4.1.1.1). */
  readonly tbs: Uint8Array;
  readonly serialNumber: bigint;
  /** DER of the issuer and subject Names, compared byte for byte when chaining. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly issuerCn: string | undefined;
  readonly subjectCn: string | undefined;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** SubjectPublicKeyInfo DER (what roots are pinned by). */
  readonly spki: Uint8Array;
  readonly publicKeyAlgorithm: string;
  /** signatureAlgorithm OID (RSASSA-PSS 1.2.840.113549.1.1.10 for AMD, ecdsa-with-SHA384 for the simulator). */
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  /** Every extension, OID → extnValue contents. */
  readonly extensions: ReadonlyMap<string, Uint8Array>;
  readonly amd: AmdExtensions;
}

/**
 * Parses one certificate given as DER bytes or PEM (text or bytes). Throws `CertificateError`.
 */
export function parseAmdCertificate(input: Uint8Array | string): AmdCertificate {
  const ders = certificateDers(input);
  if (ders.length !== 1) throw new CertificateError('pem', `expected one certificate, found ${ders.length}`);
  return parseCertificateDer(ders[0]!);
}

/** Splits DER or PEM input into DER certificates (PEM may hold several, e.g. ASK then ARK). */
export function certificateDers(input: Uint8Array | string): Uint8Array[] {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new TypeError('certificate expected Uint8Array or string');
  if (typeof input !== 'string' && input.length > 0 && input[0] === TAG.SEQUENCE) return [input];
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  return pemBlocks(text);
}

// RFC 7468 §2: "-----BEGIN CERTIFICATE-----", base64 body, "-----END CERTIFICATE-----".
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;

function pemBlocks(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (out.length >= PEM_MAX_CERTS) throw new CertificateError('pem', `more than ${PEM_MAX_CERTS} certificates`);
    const body = m[1]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0 || body.length === 0) {
      throw new CertificateError('pem', 'PEM body is not base64');
    }
    out.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  if (out.length === 0) throw new CertificateError('pem', 'no DER certificate and no PEM CERTIFICATE block');
  return out;
}

/** Parses one DER certificate (RFC 5280 §4.1). */
export function parseCertificateDer(der: Uint8Array): AmdCertificate {
  try {
    return parseCertificateFields(der.slice());
  } catch (e) {
    if (e instanceof DerError) throw new CertificateError('der', `certificate: ${e.message}`, { cause: e });
    throw e;
  }
}

function parseCertificateFields(der: Uint8Array): AmdCertificate {
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const top = parseDer(der);
  if (top.tag !== TAG.SEQUENCE) throw new DerError('tag', 'Certificate is not a SEQUENCE');
  const cert = DerReader.inside(top);
  const tbsNode = cert.next(TAG.SEQUENCE);
  const signatureAlgorithm = algorithmOid(cert.next(TAG.SEQUENCE));
  const signature = derReadBitString(cert.next(TAG.BIT_STRING));
  cert.end();

  const tbs = DerReader.inside(tbsNode);
  // RFC 5280 §4.1.2.1: version [0] EXPLICIT, v3 = 2 (needed for extensions).
  const versionNode = tbs.optional(contextTag(0));
  const version = versionNode ? derReadUint(single(versionNode)) : 0;
  const serialNumber = derReadInteger(tbs.next(TAG.INTEGER));
  const innerAlgorithm = algorithmOid(tbs.next(TAG.SEQUENCE));
  // RFC 5280 §4.1.1.2: the inner signature field must equal signatureAlgorithm.
  if (innerAlgorithm !== signatureAlgorithm) throw new CertificateError('der', 'TBSCertificate.signature differs from signatureAlgorithm');
  const issuer = tbs.next(TAG.SEQUENCE);
  const validity = DerReader.inside(tbs.next(TAG.SEQUENCE));
  const notBeforeMs = derReadTime(validity.next());
  const notAfterMs = derReadTime(validity.next());
  validity.end();
  const subject = tbs.next(TAG.SEQUENCE);
  const spkiNode = tbs.next(TAG.SEQUENCE);
  const spki = DerReader.inside(spkiNode);
  const publicKeyAlgorithm = algorithmOid(spki.next(TAG.SEQUENCE));
  derReadBitString(spki.next(TAG.BIT_STRING));
  spki.end();
  tbs.optional(contextTag(1, false)); // issuerUniqueID
  tbs.optional(contextTag(2, false)); // subjectUniqueID
  const extNode = tbs.optional(contextTag(3));
  tbs.end();
  if (extNode && version !== 2) throw new CertificateError('der', 'extensions in a certificate that is not v3');
  const extensions = extNode ? readExtensions(single(extNode)) : new Map<string, Uint8Array>();

  return {
    der,
    tbs: tbsNode.tlv,
    serialNumber,
    issuer: issuer.tlv,
    subject: subject.tlv,
    issuerCn: commonName(issuer),
    subjectCn: commonName(subject),
    notBeforeMs,
    notAfterMs,
    spki: spkiNode.tlv,
    publicKeyAlgorithm,
    signatureAlgorithm,
    signature,
    extensions,
    amd: amdExtensions(extensions),
  };
}

/** The one element inside an EXPLICIT tag. */
function single(node: DerNode): DerNode {
  const r = DerReader.inside(node);
  const inner = r.next();
  r.end();
  return inner;
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2). */
function algorithmOid(node: DerNode): string {
  const r = DerReader.inside(node);
  const oid = derReadOid(r.next(TAG.OID));
  if (!r.done) r.next(); // parameters (RSASSA-PSS-params, a curve OID or NULL)
  r.end();
  return oid;
}

/** RFC 5280 §4.1.2.4: Name ::= SEQUENCE OF SET OF AttributeTypeAndValue; the last CN wins. */
function commonName(name: DerNode): string | undefined {
  let cn: string | undefined;
  const rdns = DerReader.inside(name);
  while (!rdns.done) {
    const set = DerReader.inside(rdns.next(TAG.SET));
    while (!set.done) {
      const atv = DerReader.inside(set.next(TAG.SEQUENCE));
      const type = derReadOid(atv.next(TAG.OID));
      const value = atv.next();
      atv.end();
      if (type === OID_COMMON_NAME) cn = derReadString(value);
    }
  }
  return cn;
}

/** RFC 5280 §4.1.2.9: Extensions ::= SEQUENCE OF Extension { extnID, critical DEFAULT FALSE, extnValue }. */
function readExtensions(node: DerNode): Map<string, Uint8Array> {
  if (node.tag !== TAG.SEQUENCE) throw new DerError('tag', 'Extensions is not a SEQUENCE');
  const out = new Map<string, Uint8Array>();
  const list = DerReader.inside(node);
  while (!list.done) {
    const ext = DerReader.inside(list.next(TAG.SEQUENCE));
    const id = derReadOid(ext.next(TAG.OID));
    ext.optional(TAG.BOOLEAN);
    const value = ext.next(TAG.OCTET_STRING).value;
    ext.end();
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (out.has(id)) throw new CertificateError('extension', `duplicate extension ${id}`);
    out.set(id, value);
  }
  return out;
}

function amdExtensions(ext: ReadonlyMap<string, Uint8Array>): AmdExtensions {
  const int = (oid: string): number | undefined => {
    const v = ext.get(oid);
    return v === undefined ? undefined : derReadUint(parseDer(v));
  };
  const spl = (oid: string, name: string): number | undefined => {
    const n = int(oid);
    // KDS spec: each SPL is one byte of TCB_VERSION.
    if (n !== undefined && n > 255) throw new CertificateError('extension', `${name} ${n} exceeds 255`);
    return n;
  };
  const bl = spl(AMD_OID.blSPL, 'blSPL');
  const tee = spl(AMD_OID.teeSPL, 'teeSPL');
  const snp = spl(AMD_OID.snpSPL, 'snpSPL');
  const ucode = spl(AMD_OID.ucodeSPL, 'ucodeSPL');
  const fmc = spl(AMD_OID.fmcSPL, 'fmcSPL');
  const tcb: TcbParts | undefined =
    bl === undefined || tee === undefined || snp === undefined || ucode === undefined
      ? undefined
      : { bootloader: bl, tee, snp, microcode: ucode, ...(fmc === undefined ? {} : { fmc }) };
  const text = (oid: string): string | undefined => {
    const v = ext.get(oid);
    return v === undefined ? undefined : derReadString(parseDer(v));
  };
  return {
    structVersion: int(AMD_OID.structVersion),
    productName: text(AMD_OID.productName),
    tcb,
    hwid: hwid(ext.get(AMD_OID.hwid)),
    cspId: text(AMD_OID.cspId),
  };
}

/**
 * KDS spec: hwid is the raw chip ID in the extnValue (64 bytes; 8 on Turin). Some issuers wrap it
 * in an inner OCTET STRING (trustee's "new" encoding); a raw 64- or 8-byte value can never parse
 * as such a wrapper of 64 or 8 bytes, so unwrapping is unambiguous.
 */
function hwid(value: Uint8Array | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (value.length === 66 || value.length === 10) {
    try {
      const inner = parseDer(value);
      if (inner.tag === TAG.OCTET_STRING) return inner.value;
    } catch {
      // not a wrapper: fall through to the raw value
    }
  }
  return value;
}
