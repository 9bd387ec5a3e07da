/**
 * A small, total DER reader and writer (ITU-T X.690 §8 basic rules, §10 DER restrictions): just
 * enough for X.509 certificates (RFC 5280) and the AMD certificate extensions.
 *
 * The reader never throws anything but {@link DerError}: every length is checked against the
 * bytes that remain, indefinite and non-minimal lengths are refused (X.690 §10.1), nesting is
 * bounded ({@link DER_MAX_DEPTH}) and so is input size ({@link DER_MAX_BYTES}).
 *
 * @example
 * ```ts
 * const der = derSequence(derInteger(5n), derOid('1.3.6.1.4.1.3704.1.3.1'));
 * const seq = new DerReader(der).next(TAG.SEQUENCE);
 * const r = DerReader.inside(seq);
 * derReadUint(r.next(TAG.INTEGER)); // 5
 * ```
 */
import { PphError } from '../errors.js';

/** Malformed DER. Codes: truncated, length, tag, depth, trailing, value, limit. */
export class DerError extends PphError {}

/** A limit on everything: certificates are a few KiB; refuse anything over 1 MiB. */
export const DER_MAX_BYTES = 1 << 20;
/** X.509 nests about 8 deep; 32 leaves room and bounds recursion. */
export const DER_MAX_DEPTH = 32;

/** Identifier octets used here (X.690 §8.1.2; universal class unless noted). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag `[n]` (X.690 §8.1.2.2: class bits 10), constructed by default. */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One decoded element: where it sits in its source and views of its bytes (no copies). */
export interface DerNode {
  /** The identifier octet (class, constructed bit, tag number ≤ 30). */
  readonly tag: number;
  /** Offset of the identifier octet in the source. */
  readonly start: number;
  /** Offset one past the last content octet. */
  readonly end: number;
  /** The whole element: identifier, length and contents. */
  readonly tlv: Uint8Array;
  /** The content octets. */
  readonly value: Uint8Array;
  /** Nesting depth of this element (0 = top level). */
  readonly depth: number;
}

/** Reads one element at `offset`, bounded by `limit` (exclusive). */
export function readTlv(bytes: Uint8Array, offset: number, limit: number, depth: number): DerNode {
  if (depth > DER_MAX_DEPTH) throw new DerError('depth', `DER nesting deeper than ${DER_MAX_DEPTH}`);
  if (offset >= limit) throw new DerError('truncated', `DER: no identifier octet at ${offset}`);
  const tag = bytes[offset]!;
  // X.690 §8.1.2.4: tag number 31 announces the high-tag-number form, which X.509 never uses.
  if ((tag & 0x1f) === 0x1f) throw new DerError('tag', `DER: high tag number form at ${offset}`);
  if (offset + 1 >= limit) throw new DerError('truncated', `DER: no length octet at ${offset + 1}`);
  const first = bytes[offset + 1]!;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first; // X.690 §8.1.3.4: short form
    header = 2;
  } else {
    const count = first & 0x7f;
    // X.690 §10.1: DER uses the definite form only, so 0x80 (indefinite) is refused.
    if (count === 0) throw new DerError('length', `DER: indefinite length at ${offset}`);
    if (count > 4) throw new DerError('length', `DER: ${count} length octets at ${offset}`);
    if (offset + 2 + count > limit) throw new DerError('truncated', `DER: length octets run past the end at ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    // X.690 §10.1: "the minimum number of octets": no leading zero, no long form below 128.
    if (bytes[offset + 2] === 0 || length < 0x80) throw new DerError('length', `DER: non-minimal length at ${offset}`);
    header = 2 + count;
  }
  const end = offset + header + length;
  if (end > limit) throw new DerError('truncated', `DER: element at ${offset} needs ${length} bytes, ${limit - offset - header} remain`);
  return {
    tag,
    start: offset,
    end,
    tlv: bytes.subarray(offset, end),
    value: bytes.subarray(offset + header, end),
    depth,
  };
}

/** A cursor over consecutive elements (the top level, or the contents of a constructed node). */
export class DerReader {
  readonly bytes: Uint8Array;
  private pos: number;
  private readonly limit: number;
  private readonly depth: number;

  /** A reader over `bytes`; throws `limit` above {@link DER_MAX_BYTES}. */
  constructor(bytes: Uint8Array, depth = 0, start = 0, limit = bytes.length) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('DER input expected Uint8Array');
    if (bytes.length > DER_MAX_BYTES) throw new DerError('limit', `DER input of ${bytes.length} bytes exceeds ${DER_MAX_BYTES}`);
    this.bytes = bytes;
    this.depth = depth;
    this.pos = start;
    this.limit = limit;
  }

  /** A reader over the contents of a constructed element (X.690 §8.1.2.5 bit 6 set). */
  static inside(node: DerNode): DerReader {
    if ((node.tag & 0x20) === 0) throw new DerError('tag', `DER: element 0x${node.tag.toString(16)} is not constructed`);
    return new DerReader(node.value, node.depth + 1);
  }

  /** True when every element has been read. */
  get done(): boolean {
    return this.pos >= this.limit;
  }

  /** The identifier octet of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.bytes[this.pos];
  }

  /** The next element; with `tag`, refuses any other identifier. */
  next(tag?: number): DerNode {
    const node = readTlv(this.bytes, this.pos, this.limit, this.depth);
    if (tag !== undefined && node.tag !== tag) {
      throw new DerError('tag', `DER: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)} at ${node.start}`);
    }
    this.pos = node.end;
    return node;
  }

  /** The next element if it carries `tag` (an OPTIONAL or DEFAULT component), else undefined. */
  optional(tag: number): DerNode | undefined {
    return this.peekTag() === tag ? this.next(tag) : undefined;
  }

  /** Asserts nothing is left: DER has exactly one encoding, trailing bytes are an error. */
  end(): void {
    if (!this.done) throw new DerError('trailing', `DER: ${this.limit - this.pos} trailing bytes at ${this.pos}`);
  }
}

/** Parses exactly one element spanning all of `bytes`. */
export function parseDer(bytes: Uint8Array): DerNode {
  const reader = new DerReader(bytes);
  const node = reader.next();
  reader.end();
  return node;
}

/** Decodes an OBJECT IDENTIFIER's contents to dotted form (X.690 §8.19). */
export function derReadOid(node: DerNode): string {
  if (node.tag !== TAG.OID) throw new DerError('tag', `DER: expected OID, got tag 0x${node.tag.toString(16)}`);
  const v = node.value;
  if (v.length === 0 || v.length > 64) throw new DerError('value', `DER: OID of ${v.length} bytes`);
  const arcs: number[] = [];
  let arc = 0;
  let fresh = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    // X.690 §8.19.2: each subidentifier uses the fewest octets, so it never starts with 0x80.
    if (fresh && b === 0x80) throw new DerError('value', 'DER: non-minimal OID subidentifier');
    if (arc > 2 ** 45) throw new DerError('value', 'DER: OID arc too large');
    arc = arc * 128 + (b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      if (arcs.length === 0) {
        // X.690 §8.19.4: the first subidentifier packs the first two arcs as 40·X + Y.
        const x = arc < 40 ? 0 : arc < 80 ? 1 : 2;
        arcs.push(x, arc - 40 * x);
      } else arcs.push(arc);
      arc = 0;
    }
  }
  if (!fresh) throw new DerError('value', 'DER: OID ends inside a subidentifier');
  return arcs.join('.');
}

/** INTEGER contents as a bigint (two's complement, X.690 §8.3; minimal per §8.3.2). */
export function derReadInteger(node: DerNode): bigint {
  if (node.tag !== TAG.INTEGER) throw new DerError('tag', `DER: expected INTEGER, got tag 0x${node.tag.toString(16)}`);
  const v = node.value;
  if (v.length === 0) throw new DerError('value', 'DER: empty INTEGER');
  if (v.length > 1 && ((v[0] === 0 && (v[1]! & 0x80) === 0) || (v[0] === 0xff && (v[1]! & 0x80) !== 0))) {
    throw new DerError('value', 'DER: non-minimal INTEGER');
  }
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  if ((v[0]! & 0x80) !== 0) n -= 1n << BigInt(8 * v.length);
  return n;
}

/** A non-negative INTEGER that fits in 32 bits, as a number (SPL values, versions). */
export function derReadUint(node: DerNode): number {
  if (node.value.length > 5) throw new DerError('value', 'DER: INTEGER too large');
  const n = derReadInteger(node);
  if (n < 0n || n > 0xffffffffn) throw new DerError('value', `DER: INTEGER ${n} out of range`);
  return Number(n);
}

/** BIT STRING contents with no unused bits (keys and signatures, RFC 5280 §4.1.1.3). */
export function derReadBitString(node: DerNode): Uint8Array {
  if (node.tag !== TAG.BIT_STRING) throw new DerError('tag', `DER: expected BIT STRING, got tag 0x${node.tag.toString(16)}`);
  if (node.value.length === 0 || node.value[0] !== 0) throw new DerError('value', 'DER: BIT STRING with unused bits');
  return node.value.subarray(1);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** A character string (UTF8String, PrintableString, IA5String, T61String) as a JS string. */
export function derReadString(node: DerNode): string {
  switch (node.tag) {
    case TAG.UTF8_STRING:
      try {
        return utf8Decoder.decode(node.value);
      } catch {
        throw new DerError('value', 'DER: invalid UTF-8 in UTF8String');
      }
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.T61_STRING: {
      let s = '';
      for (const b of node.value) {
        if (b > 0x7f) throw new DerError('value', 'DER: non-ASCII byte in a 7-bit string');
        s += String.fromCharCode(b);
      }
      return s;
    }
    default:
      throw new DerError('tag', `DER: expected a string, got tag 0x${node.tag.toString(16)}`);
  }
}

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5: "Z" form, seconds present) as ms since epoch. */
export function derReadTime(node: DerNode): number {
  let text = '';
  for (const b of node.value) text += String.fromCharCode(b);
  let year: number;
  let rest: string;
  if (node.tag === TAG.UTC_TIME) {
    if (!/^\d{12}Z$/.test(text)) throw new DerError('value', 'DER: UTCTime not YYMMDDHHMMSSZ');
    const yy = Number(text.slice(0, 2));
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1: YY ≥ 50 means 19YY
    rest = text.slice(2);
  } else if (node.tag === TAG.GENERALIZED_TIME) {
    if (!/^\d{14}Z$/.test(text)) throw new DerError('value', 'DER: GeneralizedTime not YYYYMMDDHHMMSSZ');
    year = Number(text.slice(0, 4));
    rest = text.slice(4);
  } else {
    throw new DerError('tag', `DER: expected a time, got tag 0x${node.tag.toString(16)}`);
  }
  const [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map((i) => Number(rest.slice(i, i + 2))) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new DerError('value', `DER: invalid date ${text}`);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// ---------------------------------------------------------------------------------------------
// Writer. Inputs are ours (the simulated vendor), so errors here are RangeError/TypeError.

/** Encodes one element: identifier, definite minimal length (X.690 §10.1), contents. */
export function derEncode(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const lengthOctets: number[] = [];
  if (length < 0x80) lengthOctets.push(length);
  else {
    const be: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) be.unshift(n & 0xff);
    lengthOctets.push(0x80 | be.length, ...be);
  }
  const out = new Uint8Array(1 + lengthOctets.length + length);
  out[0] = tag;
  out.set(lengthOctets, 1);
  let offset = 1 + lengthOctets.length;
  for (const c of contents) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export const derSequence = (...items: Uint8Array[]): Uint8Array => derEncode(TAG.SEQUENCE, ...items);
export const derSet = (...items: Uint8Array[]): Uint8Array => derEncode(TAG.SET, ...items);
export const derOctetString = (bytes: Uint8Array): Uint8Array => derEncode(TAG.OCTET_STRING, bytes);
export const derNull = (): Uint8Array => derEncode(TAG.NULL);
export const derBoolean = (v: boolean): Uint8Array => derEncode(TAG.BOOLEAN, Uint8Array.of(v ? 0xff : 0x00));
/** BIT STRING with zero unused bits (keys, signatures). */
export const derBitString = (bytes: Uint8Array): Uint8Array => derEncode(TAG.BIT_STRING, Uint8Array.of(0), bytes);
/** `[n] EXPLICIT` wrapper (or IMPLICIT primitive with `constructed = false`). */
export const derContext = (n: number, inner: Uint8Array, constructed = true): Uint8Array =>
  derEncode(contextTag(n, constructed), inner);

/** INTEGER, minimal two's complement (X.690 §8.3.2). */
export function derInteger(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  if (v === 0n) out.push(0);
  if (v > 0n) {
    while (v > 0n) {
      out.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    if (out[0]! & 0x80) out.unshift(0);
  } else if (v < 0n) {
    let n = 1;
    while (v < -(1n << BigInt(8 * n - 1))) n++;
    let t = v + (1n << BigInt(8 * n)); // two's complement in n bytes
    for (let i = 0; i < n; i++) {
      out.unshift(Number(t & 0xffn));
      t >>= 8n;
    }
  }
  return derEncode(TAG.INTEGER, Uint8Array.from(out));
}

/** INTEGER from unsigned big-endian bytes (an ECDSA r or s, a serial number). */
export function derUnsignedInteger(be: Uint8Array): Uint8Array {
  let i = 0;
  while (i < be.length - 1 && be[i] === 0) i++;
  const trimmed = be.subarray(i);
  return trimmed.length > 0 && (trimmed[0]! & 0x80) !== 0
    ? derEncode(TAG.INTEGER, Uint8Array.of(0), trimmed)
    : derEncode(TAG.INTEGER, trimmed.length ? trimmed : Uint8Array.of(0));
}

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19). */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new TypeError(`OID expected dotted decimal, got ${dotted}`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2) throw new RangeError(`OID ${dotted} needs at least two arcs, the first ≤ 2`);
  const out: number[] = [];
  const push = (n: number): void => {
    const chunk: number[] = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return derEncode(TAG.OID, Uint8Array.from(out));
}

function ascii(s: string, what: string, allowed: RegExp): Uint8Array {
  if (!allowed.test(s)) throw new RangeError(`${what}: characters outside its alphabet in '${s}'`);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export const derUtf8String = (s: string): Uint8Array => derEncode(TAG.UTF8_STRING, new TextEncoder().encode(s));
// X.680 §41.4: PrintableString alphabet.
export const derPrintableString = (s: string): Uint8Array =>
  derEncode(TAG.PRINTABLE_STRING, ascii(s, 'PrintableString', /^[A-Za-z0-9 '()+,\-./:=?]*$/));
export const derIa5String = (s: string): Uint8Array => derEncode(TAG.IA5_STRING, ascii(s, 'IA5String', /^[\x00-\x7f]*$/));

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in Z form. */
export function derTime(ms: number): Uint8Array {
  if (!Number.isSafeInteger(ms)) throw new TypeError('time expected integer milliseconds');
  const { year, month, day } = civilFromDays(Math.floor(ms / 86_400_000));
  if (year < 1950 || year > 9999) throw new RangeError(`time year ${year} outside 1950..9999`);
  const secs = Math.floor((ms % 86_400_000 + 86_400_000) % 86_400_000 / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const hms = `${two(month)}${two(day)}${two(Math.floor(secs / 3600))}${two(Math.floor(secs / 60) % 60)}${two(secs % 60)}Z`;
  return year < 2050
    ? derEncode(TAG.UTC_TIME, ascii(`${two(year % 100)}${hms}`, 'UTCTime', /^\d+Z$/))
    : derEncode(TAG.GENERALIZED_TIME, ascii(`${year}${hms}`, 'GeneralizedTime', /^\d+Z$/));
}

/** `2025-12-10T22:14:21Z` for a timestamp, for messages (formats the given instant; reads no clock). */
export function isoFromMs(ms: number): string {
  if (!Number.isSafeInteger(Math.floor(ms))) return String(ms);
  const { year, month, day } = civilFromDays(Math.floor(ms / 86_400_000));
  const secs = Math.floor((((ms % 86_400_000) + 86_400_000) % 86_400_000) / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${year}-${two(month)}-${two(day)}T${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}Z`;
}

/** Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "civil_from_days"). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
