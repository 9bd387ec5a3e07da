/**
 * The RSASSA-PSS SubjectPublicKeyInfo that carries a type 0x0002 issuer key (RFC 9578 §6.5: the
 * SPKI "MUST use the RSASSA-PSS OID" with SHA-384, MGF1-SHA-384 and a 48-byte salt; its SHA-256
 * is the token_key_id). Hand-rolled DER because only this one shape is accepted: the algorithm
 * identifier must match byte for byte, the rest is two positive minimal INTEGERs.
 */
import { abytes, concat, equalBytes, fromHex, i2osp, os2ip } from '../bytes.js';
import { TokenFormatError } from '../errors.js';
import { byteLength } from './bigint-math.js';

/**
 * AlgorithmIdentifier { id-RSASSA-PSS (1.2.840.113549.1.1.10), RSASSA-PSS-params {
 *   [0] hashAlgorithm sha384 (2.16.840.1.101.3.4.2.2, parameters absent),
 *   [1] maskGenAlgorithm mgf1 (1.2.840.113549.1.1.8) with sha384,
 *   [2] saltLength 48 } } (RFC 4055 §3.1, RFC 5756 §2), exactly as in RFC 9578 App. A.2.
 */
const PSS_SHA384_ALGORITHM_ID = fromHex(
  '303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108300b0609608648016503040202a203020130',
);
const TAG_SEQUENCE = 0x30;
const TAG_BIT_STRING = 0x03;
const TAG_INTEGER = 0x02;
/** A limit on everything: no RSA key this project accepts needs more than 16 KiB of DER. */
const MAX_SPKI_BYTES = 16_384;

/** DER of the RSASSA-PSS-SHA384 SPKI for (n, e). */
export function encodeRsaPssSpki(n: bigint, e: bigint): Uint8Array {
  const rsaPublicKey = tlv(TAG_SEQUENCE, concat(derInteger(n), derInteger(e)));
  // The BIT STRING starts with its count of unused bits, 0.
  return tlv(TAG_SEQUENCE, concat(PSS_SHA384_ALGORITHM_ID, tlv(TAG_BIT_STRING, concat(Uint8Array.of(0), rsaPublicKey))));
}

/**
 * Parses an RSASSA-PSS-SHA384 SPKI into (n, e). Total: `TokenFormatError` code `der` (malformed
 * DER), `algorithm` (another algorithm or other PSS parameters) or `trailing`.
 */
export function parseRsaPssSpki(der: Uint8Array): { n: bigint; e: bigint } {
  abytes('der', der);
  if (der.length > MAX_SPKI_BYTES) throw new TokenFormatError('der', `SPKI longer than ${MAX_SPKI_BYTES} bytes`);
  const outer = readTlv(der, 0, TAG_SEQUENCE, 'SubjectPublicKeyInfo');
  if (outer.end !== der.length) throw new TokenFormatError('trailing', 'SPKI: bytes after the SubjectPublicKeyInfo');
  const algorithmEnd = readTlv(der, outer.start, TAG_SEQUENCE, 'AlgorithmIdentifier').end;
  if (!equalBytes(der.subarray(outer.start, algorithmEnd), PSS_SHA384_ALGORITHM_ID)) {
    throw new TokenFormatError('algorithm', 'SPKI: not RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48');
  }
  const bits = readTlv(der, algorithmEnd, TAG_BIT_STRING, 'subjectPublicKey');
  if (bits.end !== outer.end) throw new TokenFormatError('der', 'SPKI: bytes after subjectPublicKey');
  if (bits.start >= bits.end || der[bits.start] !== 0) throw new TokenFormatError('der', 'SPKI: BIT STRING must have 0 unused bits');
  const seq = readTlv(der, bits.start + 1, TAG_SEQUENCE, 'RSAPublicKey');
  if (seq.end !== bits.end) throw new TokenFormatError('der', 'SPKI: bytes after RSAPublicKey');
  const nField = readTlv(der, seq.start, TAG_INTEGER, 'modulus');
  const eField = readTlv(der, nField.end, TAG_INTEGER, 'publicExponent');
  if (eField.end !== seq.end) throw new TokenFormatError('der', 'SPKI: bytes after publicExponent');
  return { n: positiveInteger(der.subarray(nField.start, nField.end), 'modulus'), e: positiveInteger(der.subarray(eField.start, eField.end), 'publicExponent') };
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** One DER TLV at `offset` with tag `tag`: definite, minimal length, within the buffer. */
function readTlv(der: Uint8Array, offset: number, tag: number, what: string): Span {
  if (offset + 2 > der.length) throw new TokenFormatError('der', `SPKI: ${what} truncated`);
  if (der[offset] !== tag) throw new TokenFormatError('der', `SPKI: ${what} has tag 0x${der[offset]!.toString(16)}, expected 0x${tag.toString(16)}`);
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // X.690 §10.1: DER lengths are definite and minimal; two length bytes cover MAX_SPKI_BYTES.
    if (count === 0 || count > 2 || start + count > der.length) throw new TokenFormatError('der', `SPKI: ${what} has a bad length`);
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | der[start + i]!;
    if (length < 0x80 || (count === 2 && length < 0x100)) throw new TokenFormatError('der', `SPKI: ${what} length not minimal`);
    start += count;
  }
  if (start + length > der.length) throw new TokenFormatError('der', `SPKI: ${what} truncated`);
  return { start, end: start + length };
}

/** X.690 §8.3: a positive INTEGER in minimal two's complement. */
function positiveInteger(content: Uint8Array, what: string): bigint {
  if (content.length === 0) throw new TokenFormatError('der', `SPKI: ${what} is empty`);
  if (content[0]! & 0x80) throw new TokenFormatError('der', `SPKI: ${what} is negative`);
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80)) throw new TokenFormatError('der', `SPKI: ${what} not minimal`);
  return os2ip(content);
}

function derInteger(v: bigint): Uint8Array {
  const raw = i2osp(v, Math.max(1, byteLength(v)));
  // A leading 0x00 keeps the INTEGER positive when the top bit is set.
  return tlv(TAG_INTEGER, raw[0]! & 0x80 ? concat(Uint8Array.of(0), raw) : raw);
}

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  if (n > 0xffff) throw new RangeError(`DER content of ${n} bytes is beyond this encoder's 2-byte lengths`);
  const length = n < 0x80 ? Uint8Array.of(n) : n < 0x100 ? Uint8Array.of(0x81, n) : Uint8Array.of(0x82, n >> 8, n & 0xff);
  return concat(Uint8Array.of(tag), length, content);
}
