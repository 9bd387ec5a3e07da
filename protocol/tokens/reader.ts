/**
 * A bounded cursor over a Privacy Pass message. Every read checks the remaining length first, so a
 * short or lying input ends in a `TokenFormatError` (code `truncated` or `trailing`), never in a
 * RangeError from a typed-array view.
 */
import { TokenFormatError } from '../errors.js';

export class TokenReader {
  private offset = 0;

  /** `what` names the structure in error messages (e.g. `TokenChallenge`). */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(field: string): number {
    return this.take(1, field)[0]!;
  }

  /** RFC 8446 §3.3 presentation language: multi-byte integers are big-endian. */
  u16(field: string): number {
    const b = this.take(2, field);
    return (b[0]! << 8) | b[1]!;
  }

  /** A copy of the next `n` bytes (copies so callers never alias the input buffer). */
  take(n: number, field: string): Uint8Array {
    if (n > this.remaining) {
      throw new TokenFormatError('truncated', `${this.what}: ${field} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** An opaque vector with a 1-byte length prefix (`opaque x<0..2^8-1>`). */
  vec8(field: string): Uint8Array {
    return this.take(this.u8(`${field} length`), field);
  }

  /** An opaque vector with a 2-byte length prefix (`opaque x<0..2^16-1>`). */
  vec16(field: string): Uint8Array {
    return this.take(this.u16(`${field} length`), field);
  }

  /** The structure must end exactly here. */
  end(): void {
    if (this.remaining !== 0) {
      throw new TokenFormatError('trailing', `${this.what}: ${this.remaining} trailing bytes at offset ${this.offset}`);
    }
  }
}
