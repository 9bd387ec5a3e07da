/**
 * Strict parser of Intel DCAP ECDSA quotes: SGX quote v3 and TDX quote v4 / v5 (Intel SGX ECDSA
 * Quote Library API, "Quote Format" v3; Intel TDX DCAP Quote Generation Library and Quote
 * Verification Library API, appendix "Quote Format" v4 and v5).
 *
 * Layout (all integers little-endian):
 * - header (48): version u16, att_key_type u16, tee_type u32 (v3: reserved, 0 for SGX),
 *   qe_svn u16, pce_svn u16, qe_vendor_id [16], user_data [20]
 * - v5 only: body descriptor { type u16, size u32 } (type 2 = TD report 1.0, 3 = TD report 1.5)
 * - body: SGX enclave report (384), TD report 1.0 (584) or TD report 1.5 (648)
 * - signature data length u32, then the ECDSA-256 quote signature data:
 *   signature r‖s (64), attestation public key x‖y (64), then
 *   - v3: QE report (384), QE report signature (64), QE auth data { u16 size, data },
 *         certification data { type u16 = 5, size u32, PEM PCK chain }
 *   - v4/v5: certification data { type u16 = 6, size u32, QE report certification data:
 *         QE report (384), QE report signature (64), QE auth data, certification data type 5 }
 *
 * Strict: every length must add up exactly; the only bytes allowed after the signature data are
 * zeros (configfs-tsm hosts such as GCE hand a fixed 8000-byte, zero-padded buffer). Non-zero
 * trailing bytes, empty or short signature data, a certification type other than the PCK chain,
 * attestation key types other than 2 (ECDSA-256 with P-256) and a QE vendor other than Intel's
 * are refused with {@link DcapQuoteError}. The zero padding is not part of the evidence: use
 * {@link DcapQuote.bytes} (header through signature data) to key any cache.
 */
import { abytes, toHex } from '../../bytes.js';
import { DcapQuoteError } from './errors.js';

export type DcapTee = 'sgx' | 'tdx';

/** TEE type in the header: 0x00000000 SGX, 0x00000081 TDX. */
export const TEE_TYPE = { sgx: 0x00, tdx: 0x81 } as const;
/** Intel's QE vendor ID (939a7233-f79c-4ca9-940a-0db3957f0607). */
export const INTEL_QE_VENDOR_ID = '939a7233f79c4ca9940a0db3957f0607';
/** Attestation key type 2: ECDSA-256-with-P-256 curve (the only one Intel's QE produces). */
export const ATT_KEY_TYPE_ECDSA_P256 = 2;
/** Certification data types: 5 = PCK cert chain (PEM), 6 = QE report certification data. */
export const CERT_TYPE = { pckChain: 5, qeReport: 6 } as const;

export const HEADER_BYTES = 48;
export const ENCLAVE_REPORT_BYTES = 384;
export const TD10_BODY_BYTES = 584;
export const TD15_BODY_BYTES = 648;
/** A limit on everything: inputs, signature data and certification data. */
export const QUOTE_MAX_BYTES = 1 << 20;
const SIGNATURE_DATA_MAX_BYTES = 1 << 16;

export interface QuoteHeader {
  readonly version: 3 | 4 | 5;
  readonly attKeyType: number;
  readonly teeType: number;
  readonly qeSvn: number;
  readonly pceSvn: number;
  readonly qeVendorId: Uint8Array;
  readonly userData: Uint8Array;
}

/** An SGX enclave REPORT body (SGX SDM vol. 3D §38.15 REPORT, without KEYID and MAC). */
export interface EnclaveReport {
  readonly raw: Uint8Array;
  readonly cpuSvn: Uint8Array;
  readonly miscSelect: number;
  readonly attributes: Uint8Array;
  readonly mrEnclave: Uint8Array;
  readonly mrSigner: Uint8Array;
  readonly isvProdId: number;
  readonly isvSvn: number;
  readonly reportData: Uint8Array;
}

/** A TD report body (TDX module ABI TDREPORT's TDINFO + TEE_TCB_INFO parts, as the quote carries them). */
export interface TdReportBody {
  readonly raw: Uint8Array;
  readonly teeTcbSvn: Uint8Array;
  readonly mrSeam: Uint8Array;
  readonly mrSignerSeam: Uint8Array;
  readonly seamAttributes: Uint8Array;
  readonly tdAttributes: Uint8Array;
  readonly xfam: Uint8Array;
  readonly mrTd: Uint8Array;
  readonly mrConfigId: Uint8Array;
  readonly mrOwner: Uint8Array;
  readonly mrOwnerConfig: Uint8Array;
  readonly rtmr: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  readonly reportData: Uint8Array;
  /** TDX 1.5 body only. */
  readonly teeTcbSvn2: Uint8Array | undefined;
  readonly mrServiceTd: Uint8Array | undefined;
}

export interface QuoteSignatureData {
  /** ECDSA P-256 signature r‖s over header‖body. */
  readonly signature: Uint8Array;
  /** Attestation public key x‖y (uncompressed point without the 0x04 prefix). */
  readonly attestationKey: Uint8Array;
  readonly qeReport: EnclaveReport;
  /** ECDSA P-256 signature r‖s over the QE report, by the PCK key. */
  readonly qeReportSignature: Uint8Array;
  readonly qeAuthData: Uint8Array;
  /** The PEM PCK chain (certification data type 5): leaf, intermediate CA, root. */
  readonly pckChainPem: string;
}

export interface DcapQuote {
  readonly tee: DcapTee;
  readonly header: QuoteHeader;
  /** SGX: 1; TDX v4: 2; TDX v5: the descriptor's type (2 or 3). */
  readonly bodyType: number;
  readonly enclave: EnclaveReport | undefined;
  readonly td: TdReportBody | undefined;
  /** Header (and v5 descriptor) ‖ body: what the attestation key signs. */
  readonly signedBytes: Uint8Array;
  readonly signatureData: Uint8Array;
  readonly sig: QuoteSignatureData;
  /** The quote without the zero padding after it. */
  readonly bytes: Uint8Array;
  /** Zero bytes after the signature data (a fixed-size, zero-padded host buffer). */
  readonly trailingBytes: number;
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;

function need(b: Uint8Array, end: number, what: string): void {
  if (b.length < end) throw new DcapQuoteError('truncated', `quote of ${b.length} bytes ends inside the ${what} (needs ${end})`);
}

/** Parses a 384-byte SGX REPORT body (SGX SDM vol. 3D Table 38-21 offsets). */
export function parseEnclaveReport(raw: Uint8Array): EnclaveReport {
  abytes('enclave report', raw, ENCLAVE_REPORT_BYTES);
  return {
    raw,
    cpuSvn: raw.subarray(0, 16),
    miscSelect: u32(raw, 16),
    attributes: raw.subarray(48, 64),
    mrEnclave: raw.subarray(64, 96),
    mrSigner: raw.subarray(128, 160),
    isvProdId: u16(raw, 256),
    isvSvn: u16(raw, 258),
    reportData: raw.subarray(320, 384),
  };
}

/** Parses a TD report body of 584 (TDX 1.0) or 648 (TDX 1.5) bytes. */
export function parseTdReportBody(raw: Uint8Array): TdReportBody {
  abytes('TD report body', raw, TD10_BODY_BYTES, TD15_BODY_BYTES);
  const f = (at: number, n: number): Uint8Array => raw.subarray(at, at + n);
  const v15 = raw.length === TD15_BODY_BYTES;
  return {
    raw,
    teeTcbSvn: f(0, 16),
    mrSeam: f(16, 48),
    mrSignerSeam: f(64, 48),
    seamAttributes: f(112, 8),
    tdAttributes: f(120, 8),
    xfam: f(128, 8),
    mrTd: f(136, 48),
    mrConfigId: f(184, 48),
    mrOwner: f(232, 48),
    mrOwnerConfig: f(280, 48),
    rtmr: [f(328, 48), f(376, 48), f(424, 48), f(472, 48)],
    reportData: f(520, 64),
    teeTcbSvn2: v15 ? f(584, 16) : undefined,
    mrServiceTd: v15 ? f(600, 48) : undefined,
  };
}

/** A cursor that refuses to read past `end`. */
class Cursor {
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
    private readonly end: number,
    private readonly where: string,
  ) {}
  take(n: number, what: string): Uint8Array {
    if (this.pos + n > this.end) throw new DcapQuoteError('signature-data', `${this.where}: the ${what} (${n} bytes) runs past the end at ${this.end}`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u16(what: string): number {
    return u16(this.take(2, what), 0);
  }
  u32(what: string): number {
    return u32(this.take(4, what), 0);
  }
  done(): void {
    if (this.pos !== this.end) throw new DcapQuoteError('signature-data', `${this.where}: ${this.end - this.pos} unexplained bytes at ${this.pos}`);
  }
}

// RFC 7468 §2 textual encoding of the PCK chain: PEM CERTIFICATE blocks; Intel's QE ends the
// certification data with one NUL, which is the only non-PEM byte accepted (besides whitespace).
const PEM_CHAIN = /^(?:\s*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----)+\s*\0?$/;

function certificationData(c: Cursor, where: string): string {
  const type = c.u16('certification data type');
  if (type !== CERT_TYPE.pckChain) throw new DcapQuoteError('cert-data', `${where}: certification data type ${type}, expected 5 (PCK certificate chain)`);
  const size = c.u32('certification data size');
  const pem = c.take(size, 'PCK certificate chain');
  let text = '';
  for (const byte of pem) {
    if (byte > 0x7f) throw new DcapQuoteError('cert-data', `${where}: non-ASCII byte in the PCK certificate chain`);
    text += String.fromCharCode(byte);
  }
  if (!PEM_CHAIN.test(text)) throw new DcapQuoteError('cert-data', `${where}: certification data is not a PEM certificate chain`);
  // Canonical form only (RFC 7468 §3 "strict" textual encoding: 64-character lines, LF, no
  // other whitespace, zero padding bits), as every real QE writes it: the chain is outside
  // every signature, so any other spelling of the same certificates would be distinct quote
  // bytes passing as the same evidence.
  const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g)];
  const canonical = blocks
    .map((m) => `-----BEGIN CERTIFICATE-----\n${(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`)
    .join('');
  if (text !== canonical && text !== `${canonical}\0`) throw new DcapQuoteError('cert-data', `${where}: the PCK chain is not in canonical PEM form (64-character base64 lines, LF)`);
  return text;
}

function qeReportCertification(c: Cursor, where: string): Pick<QuoteSignatureData, 'qeReport' | 'qeReportSignature' | 'qeAuthData' | 'pckChainPem'> {
  const qeReport = parseEnclaveReport(c.take(ENCLAVE_REPORT_BYTES, 'QE report'));
  const qeReportSignature = c.take(64, 'QE report signature');
  const authBytes = c.u16('QE auth data size');
  const qeAuthData = c.take(authBytes, 'QE auth data');
  const pckChainPem = certificationData(c, where);
  return { qeReport, qeReportSignature, qeAuthData, pckChainPem };
}

/**
 * Parses an SGX (v3) or TDX (v4, v5) DCAP quote. Total: anything malformed raises
 * {@link DcapQuoteError}; nothing is verified here.
 *
 * @example
 * const q = parseDcapQuote(bytes);
 * q.tee; // 'tdx'
 * q.td!.reportData; // the 64 bytes the TD asked to be attested
 */
export function parseDcapQuote(input: Uint8Array): DcapQuote {
  if (!(input instanceof Uint8Array)) throw new TypeError(`quote expected Uint8Array, got ${typeof input}`);
  if (input.length > QUOTE_MAX_BYTES) throw new DcapQuoteError('limit', `quote of ${input.length} bytes exceeds ${QUOTE_MAX_BYTES}`);
  const b = input.slice();
  need(b, HEADER_BYTES, 'header');
  const version = u16(b, 0);
  if (version !== 3 && version !== 4 && version !== 5) throw new DcapQuoteError('version', `quote version ${version}, expected 3 (SGX), 4 or 5 (TDX)`);
  const attKeyType = u16(b, 2);
  if (attKeyType !== ATT_KEY_TYPE_ECDSA_P256) throw new DcapQuoteError('key-type', `attestation key type ${attKeyType}, expected 2 (ECDSA-256 with P-256)`);
  const teeType = u32(b, 4);
  const tee: DcapTee = version === 3 ? 'sgx' : 'tdx';
  // v3 is SGX only (the field is reserved and 0); v4/v5 are TDX here (SGX uses v3, as dcap-qvl requires).
  if (teeType !== TEE_TYPE[tee]) throw new DcapQuoteError('tee-type', `TEE type 0x${teeType.toString(16)} in a v${version} quote, expected 0x${TEE_TYPE[tee].toString(16)}`);
  const qeVendorId = b.subarray(12, 28);
  if (toHex(qeVendorId) !== INTEL_QE_VENDOR_ID) throw new DcapQuoteError('vendor', `QE vendor ID ${toHex(qeVendorId)} is not Intel's`);
  const header: QuoteHeader = { version, attKeyType, teeType, qeSvn: u16(b, 8), pceSvn: u16(b, 10), qeVendorId, userData: b.subarray(28, 48) };

  let bodyAt = HEADER_BYTES;
  let bodyType = version === 3 ? 1 : 2;
  let bodyBytes = version === 3 ? ENCLAVE_REPORT_BYTES : TD10_BODY_BYTES;
  if (version === 5) {
    need(b, HEADER_BYTES + 6, 'body descriptor');
    bodyType = u16(b, HEADER_BYTES);
    const expected = bodyType === 2 ? TD10_BODY_BYTES : bodyType === 3 ? TD15_BODY_BYTES : undefined;
    if (expected === undefined) throw new DcapQuoteError('body-type', `quote body type ${bodyType}, expected 2 or 3 (TD report)`);
    const size = u32(b, HEADER_BYTES + 2);
    if (size !== expected) throw new DcapQuoteError('body-size', `body type ${bodyType} of ${size} bytes, expected ${expected}`);
    bodyAt = HEADER_BYTES + 6;
    bodyBytes = size;
  }
  const bodyEnd = bodyAt + bodyBytes;
  need(b, bodyEnd + 4, 'body and signature data length');
  const sigBytes = u32(b, bodyEnd);
  if (sigBytes > SIGNATURE_DATA_MAX_BYTES) throw new DcapQuoteError('limit', `signature data of ${sigBytes} bytes exceeds ${SIGNATURE_DATA_MAX_BYTES}`);
  const sigAt = bodyEnd + 4;
  const sigEnd = sigAt + sigBytes;
  need(b, sigEnd, 'signature data');
  for (let i = sigEnd; i < b.length; i++) {
    if (b[i] !== 0) throw new DcapQuoteError('trailing', `non-zero byte after the signature data at offset ${i} (${b.length - sigEnd} trailing bytes)`);
  }

  const c = new Cursor(b, sigAt, sigEnd, 'signature data');
  const signature = c.take(64, 'quote signature');
  const attestationKey = c.take(64, 'attestation key');
  let rest: ReturnType<typeof qeReportCertification>;
  if (version === 3) {
    rest = qeReportCertification(c, 'v3 signature data');
  } else {
    const type = c.u16('certification data type');
    if (type !== CERT_TYPE.qeReport) throw new DcapQuoteError('cert-data', `certification data type ${type}, expected 6 (QE report certification data)`);
    const size = c.u32('certification data size');
    const inner = new Cursor(b, c.pos, c.pos + size, 'QE report certification data');
    c.take(size, 'QE report certification data');
    rest = qeReportCertification(inner, 'QE report certification data');
    inner.done();
  }
  c.done();
  const body = b.subarray(bodyAt, bodyEnd);
  return {
    tee,
    header,
    bodyType,
    enclave: tee === 'sgx' ? parseEnclaveReport(body) : undefined,
    td: tee === 'tdx' ? parseTdReportBody(body) : undefined,
    signedBytes: b.subarray(0, bodyEnd),
    signatureData: b.subarray(sigAt, sigEnd),
    sig: { signature, attestationKey, ...rest },
    bytes: b.subarray(0, sigEnd),
    trailingBytes: b.length - sigEnd,
  };
}

/** The flat view of a TDX quote that tee/ has used since the framing-only parser. */
export interface TdxQuote extends DcapQuote {
  readonly version: 4 | 5;
  readonly attKeyType: number;
  readonly teeType: number;
  readonly qeVendorId: Uint8Array;
  readonly teeTcbSvn: Uint8Array;
  readonly mrSeam: Uint8Array;
  readonly tdAttributes: Uint8Array;
  /** TD_ATTRIBUTES bit 0 (TUD.DEBUG): the TD is debuggable, its memory readable by the host. */
  readonly debug: boolean;
  readonly xfam: Uint8Array;
  readonly mrTd: Uint8Array;
  readonly rtmr0: Uint8Array;
  readonly reportData: Uint8Array;
}

/** Parses a TDX quote (v4 or v5) strictly; an SGX quote is refused with code `version`. */
export function parseTdxQuote(input: Uint8Array): TdxQuote {
  // Version 3 is the SGX quote format whatever its TEE type says.
  if (input instanceof Uint8Array && input.length >= 2 && u16(input, 0) === 3) throw new DcapQuoteError('version', 'quote version 3 (SGX), expected 4 or 5 (TDX)');
  const q = parseDcapQuote(input);
  if (q.tee !== 'tdx' || q.td === undefined) throw new DcapQuoteError('version', `a v${q.header.version} SGX quote, not a TDX quote`);
  const td = q.td;
  return {
    ...q,
    version: q.header.version as 4 | 5,
    attKeyType: q.header.attKeyType,
    teeType: q.header.teeType,
    qeVendorId: q.header.qeVendorId,
    teeTcbSvn: td.teeTcbSvn,
    mrSeam: td.mrSeam,
    tdAttributes: td.tdAttributes,
    debug: (td.tdAttributes[0]! & 1) === 1,
    xfam: td.xfam,
    mrTd: td.mrTd,
    rtmr0: td.rtmr[0],
    reportData: td.reportData,
  };
}

/** Parses an SGX quote (v3) strictly; a TDX quote is refused with code `version`. */
export function parseSgxQuote(input: Uint8Array): DcapQuote & { enclave: EnclaveReport } {
  const q = parseDcapQuote(input);
  if (q.tee !== 'sgx' || q.enclave === undefined) throw new DcapQuoteError('version', `a v${q.header.version} TDX quote, not an SGX quote`);
  return q as DcapQuote & { enclave: EnclaveReport };
}

/** The parts of a quote for {@link encodeDcapQuote}; sizes are checked (RangeError). */
export interface DcapQuoteParts {
  readonly version: 3 | 4 | 5;
  /** v5 only: 2 (TDX 1.0 body) or 3 (TDX 1.5 body). Default 3 for v5. */
  readonly bodyType?: 2 | 3;
  readonly qeSvn?: number;
  readonly pceSvn?: number;
  readonly userData?: Uint8Array;
  /** The body: 384 (SGX), 584 or 648 (TDX) bytes. */
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
  readonly attestationKey: Uint8Array;
  readonly qeReport: Uint8Array;
  readonly qeReportSignature: Uint8Array;
  readonly qeAuthData: Uint8Array;
  readonly pckChainPem: string;
}

/** The header ‖ (descriptor) ‖ body of a quote: what the attestation key signs. */
export function encodeSignedPart(p: Pick<DcapQuoteParts, 'version' | 'bodyType' | 'qeSvn' | 'pceSvn' | 'userData' | 'body'>): Uint8Array {
  const v5 = p.version === 5;
  const header = new Uint8Array(HEADER_BYTES + (v5 ? 6 : 0));
  const dv = new DataView(header.buffer);
  dv.setUint16(0, p.version, true);
  dv.setUint16(2, ATT_KEY_TYPE_ECDSA_P256, true);
  dv.setUint32(4, p.version === 3 ? TEE_TYPE.sgx : TEE_TYPE.tdx, true);
  dv.setUint16(8, p.qeSvn ?? 0, true);
  dv.setUint16(10, p.pceSvn ?? 0, true);
  header.set(Buffer.from(INTEL_QE_VENDOR_ID, 'hex'), 12);
  if (p.userData) header.set(abytes('userData', p.userData, 20), 28);
  if (v5) {
    const type = p.bodyType ?? 3;
    dv.setUint16(48, type, true);
    dv.setUint32(50, type === 3 ? TD15_BODY_BYTES : TD10_BODY_BYTES, true);
  }
  const bodyBytes = p.version === 3 ? ENCLAVE_REPORT_BYTES : v5 && (p.bodyType ?? 3) === 3 ? TD15_BODY_BYTES : TD10_BODY_BYTES;
  abytes('body', p.body, bodyBytes);
  const out = new Uint8Array(header.length + bodyBytes);
  out.set(header, 0);
  out.set(p.body, header.length);
  return out;
}

/** Encodes a quote in Intel's layout (the inverse of {@link parseDcapQuote}). */
export function encodeDcapQuote(p: DcapQuoteParts): Uint8Array {
  const signed = encodeSignedPart(p);
  abytes('signature', p.signature, 64);
  abytes('attestationKey', p.attestationKey, 64);
  abytes('qeReport', p.qeReport, ENCLAVE_REPORT_BYTES);
  abytes('qeReportSignature', p.qeReportSignature, 64);
  const pem = Buffer.from(p.pckChainPem, 'latin1');
  const certData = Buffer.alloc(6 + pem.length);
  certData.writeUInt16LE(CERT_TYPE.pckChain, 0);
  certData.writeUInt32LE(pem.length, 2);
  pem.copy(certData, 6);
  const auth = Buffer.alloc(2);
  auth.writeUInt16LE(p.qeAuthData.length, 0);
  const qeCert = Buffer.concat([p.qeReport, p.qeReportSignature, auth, p.qeAuthData, certData]);
  let tail: Buffer;
  if (p.version === 3) tail = qeCert;
  else {
    const h = Buffer.alloc(6);
    h.writeUInt16LE(CERT_TYPE.qeReport, 0);
    h.writeUInt32LE(qeCert.length, 2);
    tail = Buffer.concat([h, qeCert]);
  }
  const sigData = Buffer.concat([p.signature, p.attestationKey, tail]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(sigData.length, 0);
  return new Uint8Array(Buffer.concat([signed, len, sigData]));
}
