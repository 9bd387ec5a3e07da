/**
 * Signed-note keys (c2sp.org/signed-note): key names, key IDs, verifier keys ("vkeys") and the
 * Ed25519 (signature type 0x01) signer and verifier.
 *
 * Signing and verifying use node:crypto (OpenSSL) with a KeyObject imported once per key; the
 * public key comes from noble. RFC 8032 Ed25519 is deterministic (same seed and text, same bytes),
 * so the signatures equal noble's `ed25519.sign` (test/protocol/tlog/note-key-node.test.ts checks
 * it for random seeds and texts).
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { abytes, concat, toHex, utf8 } from '../bytes.js';
import { NoteError } from '../errors.js';
import { decodeBase64Strict, encodeBase64 } from './base64.js';

/** c2sp.org/signed-note §Signature types: 0x01, Ed25519 over the note text. */
export const SIG_TYPE_ED25519 = 0x01;
/** c2sp.org/signed-note §Signature types: 0x04, timestamped Ed25519 witness cosignatures. */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SEED_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** RFC 8410 §7: the PKCS #8 DER of an Ed25519 private key is this prefix, then the 32-byte seed. */
export const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** An Ed25519 seed as a node:crypto private key. */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, abytes('seed', seed, ED25519_SEED_BYTES)]), format: 'der', type: 'pkcs8' });
}

/** A key that can check note signatures from one (name, key ID). */
export interface NoteVerifier {
  readonly name: string;
  /** The uint32 key ID (first four bytes of the signature, big-endian). */
  readonly keyId: number;
  /** The signature type byte the key ID commits to. */
  readonly type: number;
  /** Whether `signature` (the bytes after the key ID) is valid for the note `text`. Never throws on bad input. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** A key that signs note texts. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes (without the key ID) over `text`. */
  sign(text: Uint8Array): Uint8Array;
}

/** A parsed vkey: `<name>+<hex key ID>+<base64(type || public key)>`. */
export interface VerifierKey {
  name: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
}

/** c2sp.org/signed-note §Format: key names are non-empty, without Unicode spaces or '+'. */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !/[\p{White_Space}+]/u.test(name) && isWellFormed(name);
}

/**
 * c2sp.org/signed-note §Signatures: key ID = SHA-256(key name || 0x0A || type || public key)[:4],
 * read as a big-endian uint32.
 */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  abytes('publicKey', publicKey);
  const digest = createHash('sha256').update(utf8(name)).update(new Uint8Array([0x0a, type])).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

/** The key ID as 8 lowercase hex digits, as in vkeys. */
export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/** The 4 big-endian bytes of a key ID, the prefix of every signature. */
export function keyIdBytes(keyId: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, keyId);
  return out;
}

/**
 * Parses a vkey `<name>+<hex key ID>+<base64(type || public key)>` (c2sp.org/signed-note
 * §Verifier keys) and checks that the key ID matches. Throws NoteError `key`.
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  if (typeof vkey !== 'string') throw new TypeError(`vkey expected string, got ${typeof vkey}`);
  if (vkey.length > 16_384) throw new NoteError('key', 'vkey is too long');
  // Names and hex have no '+', base64 may: split at the first two only.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw new NoteError('key', 'vkey must be <name>+<hex key ID>+<base64 key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const key64 = vkey.slice(second + 1);
  if (!isValidKeyName(name)) throw new NoteError('key', 'vkey has an invalid key name');
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) throw new NoteError('key', 'vkey key ID must be 8 hex digits');
  const material = decodeBase64Strict(key64);
  if (!material || material.length < 2) throw new NoteError('key', 'vkey key is not base64 of type || public key');
  const keyId = parseInt(idHex, 16);
  const type = material[0]!;
  const publicKey = material.slice(1);
  if (computeKeyId(name, type, publicKey) !== keyId) throw new NoteError('key', 'vkey key ID does not match its name and key');
  return { name, keyId, type, publicKey };
}

/** Formats a vkey for `name`, signature `type` and `publicKey`. */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new RangeError('name expected a non-empty key name without spaces or +');
  const keyId = computeKeyId(name, type, publicKey);
  return `${name}+${keyIdHex(keyId)}+${encodeBase64(concat(new Uint8Array([type]), publicKey))}`;
}

/** Imports a raw Ed25519 public key into node:crypto, or NoteError `key`. */
export function importEd25519PublicKey(publicKey: Uint8Array): KeyObject {
  abytes('publicKey', publicKey, ED25519_PUBLIC_KEY_BYTES);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  } catch (e) {
    throw new NoteError('key', 'not an Ed25519 public key', { cause: e });
  }
}

/** RFC 8032 Ed25519 verify with node:crypto; false (never a throw) on any malformed input. */
export function ed25519Verify(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** c2sp.org/signed-note §Ed25519 signatures: verifies type 0x01 signatures over the note text. */
export class Ed25519NoteVerifier implements NoteVerifier {
  readonly keyId: number;
  readonly type = SIG_TYPE_ED25519;
  private readonly key: KeyObject;

  constructor(
    readonly name: string,
    readonly publicKey: Uint8Array,
  ) {
    if (!isValidKeyName(name)) throw new RangeError('name expected a non-empty key name without spaces or +');
    this.key = importEd25519PublicKey(publicKey);
    this.keyId = computeKeyId(name, SIG_TYPE_ED25519, publicKey);
  }

  /** The verifier for a type 0x01 vkey; NoteError `key` for any other vkey. */
  static fromVkey(vkey: string): Ed25519NoteVerifier {
    const parsed = parseVerifierKey(vkey);
    if (parsed.type !== SIG_TYPE_ED25519) throw new NoteError('key', `vkey has signature type 0x${toHex(new Uint8Array([parsed.type]))}, want 0x01`);
    if (parsed.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) throw new NoteError('key', 'Ed25519 vkey must hold a 32-byte key');
    return new Ed25519NoteVerifier(parsed.name, parsed.publicKey);
  }

  verify(text: Uint8Array, signature: Uint8Array): boolean {
    return ed25519Verify(this.key, text, signature);
  }

  /** This key as a vkey string. */
  vkey(): string {
    return formatVerifierKey(this.name, SIG_TYPE_ED25519, this.publicKey);
  }
}

/** c2sp.org/signed-note §Ed25519 signatures: a type 0x01 signer from an explicit 32-byte seed. */
export class Ed25519NoteSigner implements NoteSigner {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  private readonly key: KeyObject;

  constructor(
    readonly name: string,
    seed: Uint8Array,
  ) {
    if (!isValidKeyName(name)) throw new RangeError('name expected a non-empty key name without spaces or +');
    const copy = abytes('seed', seed, ED25519_SEED_BYTES).slice();
    this.publicKey = ed25519.getPublicKey(copy);
    this.key = ed25519PrivateKey(copy);
    this.keyId = computeKeyId(name, SIG_TYPE_ED25519, this.publicKey);
  }

  sign(text: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, text, this.key));
  }

  /** The matching verifier. */
  verifier(): Ed25519NoteVerifier {
    return new Ed25519NoteVerifier(this.name, this.publicKey);
  }
}

/** No lone UTF-16 surrogates (which TextEncoder would silently replace). */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
