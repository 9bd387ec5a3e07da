/**
 * RFC 8446 §3 presentation-language primitives: big-endian integers and length-prefixed
 * vectors. The reader throws `TlsError('decode')` on any overrun; nothing else.
 */
import { concat } from '../bytes.js';
import { TlsError } from './errors.js';

export class TlsReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(n: number, field: string): Uint8Array {
    if (n > this.remaining) throw new TlsError('decode', `${this.what}: ${field} needs ${n} bytes, ${this.remaining} left`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u8(field: string): number {
    return this.take(1, field)[0]!;
  }
  u16(field: string): number {
    const b = this.take(2, field);
    return (b[0]! << 8) | b[1]!;
  }
  u24(field: string): number {
    const b = this.take(3, field);
    return (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  }
  fixed(n: number, field: string): Uint8Array {
    return this.take(n, field);
  }
  /** opaque field<min..max> with a 1, 2 or 3 byte length prefix (RFC 8446 §3.4). */
  vec(lengthBytes: 1 | 2 | 3, field: string, min = 0, max = 2 ** (8 * lengthBytes) - 1): Uint8Array {
    const n = lengthBytes === 1 ? this.u8(field) : lengthBytes === 2 ? this.u16(field) : this.u24(field);
    if (n < min || n > max) throw new TlsError('decode', `${this.what}: ${field} length ${n} outside [${min}, ${max}]`);
    return this.take(n, field);
  }
  /** Throws unless every byte was read. */
  end(): void {
    if (this.remaining !== 0) throw new TlsError('decode', `${this.what}: ${this.remaining} trailing bytes`);
  }
}

export function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}
export function u16(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}
export function u24(n: number): Uint8Array {
  return Uint8Array.of((n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A length-prefixed vector; RangeError if `body` does not fit the prefix. */
export function vec(lengthBytes: 1 | 2 | 3, ...body: Uint8Array[]): Uint8Array {
  const b = concat(...body);
  if (b.length >= 2 ** (8 * lengthBytes)) throw new RangeError(`vector of ${b.length} bytes does not fit a ${lengthBytes}-byte length`);
  const prefix = lengthBytes === 1 ? u8(b.length) : lengthBytes === 2 ? u16(b.length) : u24(b.length);
  return concat(prefix, b);
}
