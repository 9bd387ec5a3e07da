/**
 * The structure of an Intel TDX quote (Intel TDX DCAP Quote Generation Library and Quote
 * Verification Library API, "Quote Format" v4 and v5), as configfs-tsm's `tdx_guest` provider
 * returns it in `outblob`: a 48-byte header, the TD report body, then the signature data.
 *
 * This parses and checks the framing only (version 4 or 5, attestation key type, TEE type 0x81,
 * body type and size, signature-data length). It does not verify the quote: that needs Intel's
 * DCAP collateral (PCK chain, TCB info, QE identity), which pph does not implement.
 */
import { PphError } from '../protocol/errors.js';

/** A TDX quote does not parse. Codes: truncated, version, key-type, tee-type, body-type, body-size. */
export class TdxQuoteError extends PphError {}

/** Quote header: version u16, att_key_type u16, tee_type u32, qe_svn u16, pce_svn u16, qe_vendor_id[16], user_data[20]. */
const HEADER_BYTES = 48;
/** TD report body of TDX 1.0 (v4 quotes, v5 body type 2). */
const TD10_BODY_BYTES = 584;
/** TDX 1.5 body (v5 body type 3): the 1.0 body, TEE_TCB_SVN_2 (16) and MR_SERVICETD (48). */
const TD15_BODY_BYTES = 648;
/** TEE type of TDX in the quote header (SGX is 0x00000000). */
export const TDX_TEE_TYPE = 0x81;
/** Attestation key types: 2 = ECDSA-256-with-P-256 curve, 3 = ECDSA-384-with-P-384 curve. */
const ATT_KEY_TYPES = new Set([2, 3]);
/** v5 body types: 2 = TD report (TDX 1.0), 3 = TD report (TDX 1.5). Type 1 is an SGX enclave report. */
const V5_BODY_BYTES: ReadonlyMap<number, number> = new Map([
  [2, TD10_BODY_BYTES],
  [3, TD15_BODY_BYTES],
]);
/** A limit on everything: signature data longer than this is refused. */
const SIGNATURE_DATA_BYTES_MAX = 1 << 16;

/** Offsets inside the TD report body (the same for 1.0 and 1.5). */
const BODY = { teeTcbSvn: 0, mrSeam: 16, tdAttributes: 120, xfam: 128, mrTd: 136, rtmr0: 328, reportData: 520 } as const;

export interface TdxQuote {
  version: 4 | 5;
  attKeyType: number;
  teeType: number;
  /** v5 only: 2 (TDX 1.0) or 3 (TDX 1.5); v4 bodies are TDX 1.0. */
  bodyType: number;
  qeVendorId: Uint8Array;
  teeTcbSvn: Uint8Array;
  mrSeam: Uint8Array;
  tdAttributes: Uint8Array;
  /** TD_ATTRIBUTES bit 0 (TUD.DEBUG): the TD is debuggable, its memory readable by the host. */
  debug: boolean;
  xfam: Uint8Array;
  mrTd: Uint8Array;
  rtmr0: Uint8Array;
  reportData: Uint8Array;
  /** Header ‖ body: what the attestation key signs. */
  signedBytes: Uint8Array;
  signatureData: Uint8Array;
  /** Bytes after the signature data (some hosts hand a fixed-size, zero-padded buffer). */
  trailingBytes: number;
}

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
}

function need(b: Uint8Array, end: number, what: string): void {
  if (b.length < end) throw new TdxQuoteError('truncated', `TDX quote of ${b.length} bytes ends inside the ${what} (needs ${end})`);
}

/**
 * Parses a TDX quote's framing. Total: anything malformed raises {@link TdxQuoteError}.
 *
 * @example
 * const quote = parseTdxQuote(outblob);
 * quote.reportData; // the 64 bytes written to inblob
 */
export function parseTdxQuote(input: Uint8Array): TdxQuote {
  if (!(input instanceof Uint8Array)) throw new TypeError(`quote expected Uint8Array, got ${typeof input}`);
  const b = input.slice();
  need(b, HEADER_BYTES, 'header');
  const version = u16(b, 0);
  if (version !== 4 && version !== 5) throw new TdxQuoteError('version', `TDX quote version ${version}, expected 4 or 5`);
  const attKeyType = u16(b, 2);
  if (!ATT_KEY_TYPES.has(attKeyType)) throw new TdxQuoteError('key-type', `attestation key type ${attKeyType}, expected 2 (ECDSA P-256) or 3 (ECDSA P-384)`);
  const teeType = u32(b, 4);
  if (teeType !== TDX_TEE_TYPE) throw new TdxQuoteError('tee-type', `TEE type 0x${teeType.toString(16)}, expected 0x81 (TDX)`);
  let bodyAt = HEADER_BYTES;
  let bodyType = 2;
  let bodyBytes = TD10_BODY_BYTES;
  if (version === 5) {
    // Quote v5: body descriptor { type u16, size u32 } between header and body.
    need(b, HEADER_BYTES + 6, 'body descriptor');
    bodyType = u16(b, HEADER_BYTES);
    const expected = V5_BODY_BYTES.get(bodyType);
    if (expected === undefined) throw new TdxQuoteError('body-type', `quote body type ${bodyType}, expected 2 or 3 (TD report)`);
    const size = u32(b, HEADER_BYTES + 2);
    if (size !== expected) throw new TdxQuoteError('body-size', `body type ${bodyType} of ${size} bytes, expected ${expected}`);
    bodyAt = HEADER_BYTES + 6;
    bodyBytes = size;
  }
  const bodyEnd = bodyAt + bodyBytes;
  need(b, bodyEnd + 4, 'body and signature length');
  const sigBytes = u32(b, bodyEnd);
  if (sigBytes > SIGNATURE_DATA_BYTES_MAX) throw new TdxQuoteError('truncated', `signature data of ${sigBytes} bytes exceeds ${SIGNATURE_DATA_BYTES_MAX}`);
  const sigEnd = bodyEnd + 4 + sigBytes;
  need(b, sigEnd, 'signature data');
  const field = (at: number, n: number): Uint8Array => b.subarray(bodyAt + at, bodyAt + at + n);
  const tdAttributes = field(BODY.tdAttributes, 8);
  return {
    version,
    attKeyType,
    teeType,
    bodyType,
    qeVendorId: b.subarray(12, 28),
    teeTcbSvn: field(BODY.teeTcbSvn, 16),
    mrSeam: field(BODY.mrSeam, 48),
    tdAttributes,
    debug: (tdAttributes[0]! & 1) === 1,
    xfam: field(BODY.xfam, 8),
    mrTd: field(BODY.mrTd, 48),
    rtmr0: field(BODY.rtmr0, 48),
    reportData: field(BODY.reportData, 64),
    signedBytes: b.subarray(0, bodyEnd),
    signatureData: b.subarray(bodyEnd + 4, sigEnd),
    trailingBytes: b.length - sigEnd,
  };
}
