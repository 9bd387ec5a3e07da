/**
 * Byte helpers and noble-style argument validation: `TypeError` for a wrong type, `RangeError`
 * for a wrong length, and a message that names the field.
 */

/** Throws `TypeError` unless `value` is a Uint8Array; `RangeError` unless its length is one of `lengths`. */
export function abytes(name: string, value: unknown, ...lengths: number[]): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} expected Uint8Array, got ${value === null ? 'null' : typeof value}`);
  }
  if (lengths.length > 0 && !lengths.includes(value.length)) {
    throw new RangeError(`${name} expected Uint8Array of length ${lengths.join(' or ')}, got length=${value.length}`);
  }
  return value;
}

/** Throws `TypeError` unless `value` is an integer, `RangeError` unless it is within [min, max]. */
export function aint(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} expected integer, got ${typeof value}`);
  }
  if (value < min || value > max) throw new RangeError(`${name} expected integer in [${min}, ${max}], got ${value}`);
  return value;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time equality for equal lengths (timing is irrelevant in simulation, but habits carry). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** Parses hex (whitespace ignored, optional 0x); throws `TypeError` naming `name` on bad input. */
export function fromHex(hex: string, name = 'hex'): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`${name} expected hex string, got ${typeof hex}`);
  let clean = hex.replace(/\s+/g, '');
  if (clean.startsWith('0x') || clean.startsWith('0X')) clean = clean.slice(2);
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new TypeError(`${name} expected an even number of hex digits`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
/** Strict UTF-8 decode; throws TypeError on invalid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Big-endian unsigned integer of `length` bytes. */
export function i2osp(value: number | bigint, length: number): Uint8Array {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * length)) throw new RangeError(`i2osp: ${value} does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function os2ip(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}
