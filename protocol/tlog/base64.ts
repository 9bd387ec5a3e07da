/**
 * Strict standard base64 (RFC 4648 §4, with padding), as the C2SP signed-note and
 * tlog-checkpoint specs require. `Buffer.from(s, 'base64')` is lenient (it skips junk characters
 * and ignores non-zero trailing bits), which would let two different lines carry the same bytes;
 * here only the canonical encoding of a byte string decodes.
 */

const BASE64_SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes canonical padded base64; returns `undefined` for anything else (callers raise their
 * own typed error). Rejects whitespace, missing padding and non-zero trailing bits.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!BASE64_SHAPE.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  // RFC 4648 §3.5: canonical encodings have zero pad bits; re-encoding detects the others.
  if (buf.toString('base64') !== text) return undefined;
  // A copy: small Buffers are views into a shared pool that callers should not see.
  return new Uint8Array(buf);
}
