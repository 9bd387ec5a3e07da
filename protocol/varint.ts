/**
 * QUIC variable-length integers (RFC 9000 §16), as used by Binary HTTP (RFC 9292 §3) and OHTTP.
 *
 * The two most significant bits of the first byte give the encoded length (1, 2, 4 or 8 bytes);
 * the remaining bits hold the value big-endian, so values reach 2^62-1. JavaScript numbers are
 * exact only up to 2^53-1 (`Number.MAX_SAFE_INTEGER`): larger values are refused on both sides
 * rather than silently rounded. No length or count we handle comes anywhere near 2^53.
 *
 * The readers are allocation-free and never throw, so that each parser built on them can raise
 * its own typed error with its own code.
 */

/** {@link readVarint} result: the encoding runs past `end`. */
export const VARINT_TRUNCATED = -1;
/** {@link readVarint} result: the value exceeds 2^53-1 and cannot be represented exactly. */
export const VARINT_UNSAFE = -2;

/** The largest value this module encodes or decodes: 2^53-1 (RFC 9000 §16 allows up to 2^62-1). */
export const VARINT_MAX_SAFE = Number.MAX_SAFE_INTEGER;

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Encoded length, in bytes, of the varint whose first byte is `firstByte`.
 * RFC 9000 §16: the two high bits are the base-2 logarithm of the length.
 */
export function varintLengthOf(firstByte: number): 1 | 2 | 4 | 8 {
  return (1 << (firstByte >> 6)) as 1 | 2 | 4 | 8;
}

/**
 * Minimal encoded length of `value`, for a value already known to be an integer in
 * [0, 2^53-1]; hot paths call this after validating once.
 */
export function varintSizeUnchecked(value: number): 1 | 2 | 4 | 8 {
  // RFC 9000 §16 Table 4: 6, 14, 30 and 62 usable bits.
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x4000_0000) return 4;
  return 8;
}

/**
 * Minimal encoded length of `value` in bytes.
 * @throws TypeError unless `value` is an integer; RangeError unless it is in [0, 2^53-1].
 * @example
 * varintSize(63);   // 1
 * varintSize(64);   // 2
 * varintSize(2**30); // 8
 */
export function varintSize(value: number): 1 | 2 | 4 | 8 {
  assertVarintValue(value);
  return varintSizeUnchecked(value);
}

/**
 * Writes the minimal encoding of `value` at `out[pos]` and returns the position after it.
 * The caller guarantees that `value` is valid (see {@link varintSize}) and that `out` has room.
 */
export function writeVarint(out: Uint8Array, pos: number, value: number): number {
  if (value < 0x40) {
    out[pos] = value;
    return pos + 1;
  }
  if (value < 0x4000) {
    out[pos] = 0x40 | (value >>> 8);
    out[pos + 1] = value & 0xff;
    return pos + 2;
  }
  if (value < 0x4000_0000) {
    out[pos] = 0x80 | (value >>> 24);
    out[pos + 1] = (value >>> 16) & 0xff;
    out[pos + 2] = (value >>> 8) & 0xff;
    out[pos + 3] = value & 0xff;
    return pos + 4;
  }
  // Beyond 2^30 bitwise operators (32-bit) no longer hold the value: split it in two words.
  const hi = Math.floor(value / TWO_POW_32);
  const lo = value >>> 0;
  out[pos] = 0xc0 | (hi >>> 24);
  out[pos + 1] = (hi >>> 16) & 0xff;
  out[pos + 2] = (hi >>> 8) & 0xff;
  out[pos + 3] = hi & 0xff;
  out[pos + 4] = lo >>> 24;
  out[pos + 5] = (lo >>> 16) & 0xff;
  out[pos + 6] = (lo >>> 8) & 0xff;
  out[pos + 7] = lo & 0xff;
  return pos + 8;
}

/**
 * The minimal encoding of `value` as a new array.
 * @throws TypeError / RangeError as {@link varintSize}.
 * @example
 * encodeVarint(15293); // Uint8Array [0x7b, 0xbd] (RFC 9000 App. A.1)
 */
export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

/**
 * Reads the varint at `bytes[pos]`, looking no further than `end` (exclusive).
 * Returns the value (≥ 0), {@link VARINT_TRUNCATED} or {@link VARINT_UNSAFE}; never throws.
 * The number of bytes consumed is `varintLengthOf(bytes[pos])`. Non-minimal encodings are
 * accepted, as RFC 9000 §16 and RFC 9292 §3 allow; compare with {@link varintSizeUnchecked}
 * to detect them.
 * @example
 * readVarint(Uint8Array.of(0x40, 0x25), 0, 2); // 37 (a non-minimal encoding, RFC 9000 App. A.1)
 */
export function readVarint(bytes: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return VARINT_TRUNCATED;
  const b0 = bytes[pos]!;
  const prefix = b0 >> 6;
  if (prefix === 0) return b0;
  if (prefix === 1) {
    if (end - pos < 2) return VARINT_TRUNCATED;
    return ((b0 & 0x3f) << 8) | bytes[pos + 1]!;
  }
  if (prefix === 2) {
    if (end - pos < 4) return VARINT_TRUNCATED;
    return (((b0 & 0x3f) << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
  }
  if (end - pos < 8) return VARINT_TRUNCATED;
  const hi = (((b0 & 0x3f) << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
  // 2^53-1 has 21 significant bits in the high word.
  if (hi > 0x1f_ffff) return VARINT_UNSAFE;
  const lo = ((bytes[pos + 4]! << 24) | (bytes[pos + 5]! << 16) | (bytes[pos + 6]! << 8) | bytes[pos + 7]!) >>> 0;
  return hi * TWO_POW_32 + lo;
}

function assertVarintValue(value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`varint expected integer, got ${typeof value === 'number' ? value : typeof value}`);
  }
  if (value < 0 || value > VARINT_MAX_SAFE) {
    throw new RangeError(`varint expected integer in [0, 2^53-1], got ${value}`);
  }
}
