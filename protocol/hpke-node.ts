/**
 * The synchronous `node:crypto` primitives under our HPKE suite: X25519, HMAC-SHA256 / HKDF,
 * AES-128-GCM and ChaCha20-Poly1305.
 *
 * Why not WebCrypto: Node runs each `crypto.subtle` call on the libuv threadpool (~50–90 µs of
 * overhead each, ~35 calls per HPKE seal+open) and completion order is not deterministic; these
 * calls are synchronous and ~10× cheaper (see design/PITFALLS.md, "HPKE, OHTTP and WebCrypto").
 *
 * X25519 keys go through JWK, never DER: in OpenSSL 3 a DER import costs 70–370 µs, a JWK one
 * 1–40 µs. Long-term keys are cached (bounded); ephemeral secrets are never cached.
 *
 * Nothing here draws randomness: callers pass every secret in.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
} from 'node:crypto';

/**
 * A node Buffer as a plain Uint8Array that owns its memory. Small Buffers are slices of node's
 * shared 8 KiB pool, whose other bytes may be another operation's secrets: those are copied (a few
 * hundred ns), so no output's `.buffer` ever exposes them; a Buffer that owns its memory is viewed.
 */
function u8(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) return new Uint8Array(buf.buffer, 0, buf.byteLength);
  return new Uint8Array(buf);
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// X25519 (RFC 7748)

/** Node insists on an `x` member in a private OKP JWK but derives the public key from `d` alone. */
const PLACEHOLDER_X = b64url(new Uint8Array(32));

/** Bounded cache of imported long-term keys, keyed by their raw bytes (a limit on everything). */
class KeyCache {
  private readonly map = new Map<string, KeyObject>();
  constructor(private readonly limit: number) {}
  get(raw: Uint8Array, load: () => KeyObject): KeyObject {
    const id = b64url(raw);
    let key = this.map.get(id);
    if (key === undefined) {
      key = load();
      if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value as string);
      this.map.set(id, key);
    }
    return key;
  }
}

const KEY_CACHE_ENTRIES_MAX = 256;
const publicKeys = new KeyCache(KEY_CACHE_ENTRIES_MAX);
const secretKeys = new KeyCache(KEY_CACHE_ENTRIES_MAX);

// Raw keys are imported as JWK, not DER: Node builds an OKP key from the JWK's raw bytes, while
// DER goes through OpenSSL 3's generic decoders (a seal+open took ~4x longer with DER imports
// and SPKI exports on this machine, docs/performance.md).

/** Imports a raw 32-byte X25519 secret key (RFC 7748 §5: clamping happens inside X25519). */
export function x25519SecretKey(sk: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(sk), x: PLACEHOLDER_X }, format: 'jwk' });
}

/** As {@link x25519SecretKey}, cached: for long-term recipient keys only. */
export function x25519SecretKeyCached(sk: Uint8Array): KeyObject {
  return secretKeys.get(sk, () => x25519SecretKey(sk));
}

/** Imports a raw 32-byte X25519 public key (any 32 bytes are accepted, RFC 7748 §5). */
export function x25519PublicKey(pk: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(pk) }, format: 'jwk' });
}

/** As {@link x25519PublicKey}, cached: for long-term recipient keys, not for one-off `enc` values. */
export function x25519PublicKeyCached(pk: Uint8Array): KeyObject {
  return publicKeys.get(pk, () => x25519PublicKey(pk));
}

/** The raw public key of an imported secret key (X25519(sk, 9)). */
export function x25519PublicBytes(secret: KeyObject): Uint8Array {
  const jwk = createPublicKey(secret).export({ format: 'jwk' });
  return u8(Buffer.from(jwk.x as string, 'base64url'));
}

const publicOfSecret = new WeakMap<KeyObject, Uint8Array>();

/** As {@link x25519PublicBytes}, remembered per KeyObject: for the cached long-term keys. */
export function x25519PublicBytesCached(secret: KeyObject): Uint8Array {
  let pk = publicOfSecret.get(secret);
  if (pk === undefined) publicOfSecret.set(secret, (pk = x25519PublicBytes(secret)));
  return pk.slice();
}

/**
 * X25519(sk, pk). Returns undefined when the result is the all-zero value (a low-order public
 * key): RFC 9180 §7.1.4 requires the caller to abort then. OpenSSL itself refuses that case with
 * an exception, which is folded into the same answer.
 */
export function x25519Dh(secret: KeyObject, pub: KeyObject): Uint8Array | undefined {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: secret, publicKey: pub });
  } catch {
    return undefined;
  }
  let acc = 0;
  for (let i = 0; i < shared.length; i++) acc |= shared[i]!;
  return acc === 0 ? undefined : u8(shared);
}

// ---------------------------------------------------------------------------------------------
// HMAC-SHA256 and HKDF (RFC 5869)

/** SHA-256 output length, HKDF's Nh. */
export const SHA256_BYTES = 32;

/** HMAC-SHA256(key, parts[0] ‖ parts[1] ‖ ...). */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return u8(h.digest());
}

/** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means Nh zero bytes, which HMAC pads to the same key. */
export function hkdfExtract(salt: Uint8Array, ...ikm: Uint8Array[]): Uint8Array {
  return hmacSha256(salt, ...ikm);
}

/** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) ‖ info ‖ i), OKM = first L bytes. L ≤ 255·Nh. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * SHA256_BYTES) throw new RangeError(`HKDF-Expand length expected integer in [0, ${255 * SHA256_BYTES}], got ${length}`);
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    previous = hmacSha256(prk, previous, info, Uint8Array.of(i));
    const take = Math.min(previous.length, length - filled);
    out.set(previous.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// AEADs (RFC 5116 interface): AES-128-GCM and ChaCha20-Poly1305 (RFC 8439)

/** Tag length of both AEADs, HPKE's Nt. */
export const AEAD_TAG_BYTES = 16;

export type NodeAeadCipher = 'aes-128-gcm' | 'chacha20-poly1305';
// Both ciphers take the same AEAD calls (setAAD, getAuthTag/setAuthTag); the casts below only pick
// one of @types/node's per-mode overloads.

/** Seal: returns ciphertext ‖ 16-byte tag. */
export function aeadSeal(cipher: NodeAeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  c.setAAD(aad);
  const head = c.update(pt);
  const tail = c.final();
  return u8(Buffer.concat([head, tail, c.getAuthTag()]));
}

/** Open: returns the plaintext, or undefined when authentication fails or `ct` is shorter than the tag. */
export function aeadOpen(cipher: NodeAeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | undefined {
  if (ct.length < AEAD_TAG_BYTES) return undefined;
  const body = ct.subarray(0, ct.length - AEAD_TAG_BYTES);
  try {
    const d = createDecipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(ct.subarray(ct.length - AEAD_TAG_BYTES));
    const head = d.update(body);
    return u8(Buffer.concat([head, d.final()]));
  } catch {
    return undefined;
  }
}
