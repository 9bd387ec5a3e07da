/** Strict base64url (RFC 4648 §5), as RFC 9577 §2.1 uses for `challenge` and `token-key`. */
import { TokenFormatError } from '../errors.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** base64url with `=` padding, the form RFC 9577 App. A's headers carry. */
export function encodeBase64url(bytes: Uint8Array): string {
  const unpadded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
  return unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
}

/**
 * Decodes base64url, padded or not. Node's decoder skips characters it does not know, so the
 * alphabet, the padding and the canonical form are checked here: `TokenFormatError` code `base64`.
 */
export function decodeBase64url(text: string, field: string): Uint8Array {
  const body = text.replace(/={1,2}$/, '');
  const padded = body.length !== text.length;
  if (!ALPHABET.test(body) || body.length % 4 === 1 || (padded && text.length % 4 !== 0)) {
    throw new TokenFormatError('base64', `${field}: not base64url`);
  }
  const bytes = new Uint8Array(Buffer.from(body, 'base64url'));
  // Non-zero bits in the last character's unused low bits would give two spellings of one value.
  if (Buffer.from(bytes).toString('base64url') !== body) throw new TokenFormatError('base64', `${field}: non-canonical base64url`);
  return bytes;
}
