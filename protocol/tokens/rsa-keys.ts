/**
 * RSA key objects for blind RSA (RFC 9474): the BigInt components the blinding maths needs, beside
 * a cached node:crypto `KeyObject` for the exponentiations and RSASSA-PSS verification (OpenSSL is
 * 15–60× faster than BigInt here). Keys are imported through JWK, which costs a few µs where DER
 * costs hundreds (PITFALLS.md).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { os2ip } from '../bytes.js';
import { bitLength, byteLength, modInverse } from './bigint-math.js';

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** RFC 9474 §2 modulus_len: ceil(bit_len(n) / 8). */
  readonly modulusBytes: number;
  /** A plain `rsa` KeyObject (no PSS restrictions), so both salt lengths of RFC 9474 verify with it. */
  readonly keyObject: KeyObject;
}

export interface RsaPrivateKey {
  readonly publicKey: RsaPublicKey;
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  /** CRT exponents and coefficient (RFC 8017 §3.2). */
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qInv: bigint;
  readonly keyObject: KeyObject;
}

/** Builds a public key from its modulus and exponent. `RangeError` for an implausible key. */
export function rsaPublicKey(n: bigint, e: bigint): RsaPublicKey {
  if (typeof n !== 'bigint' || typeof e !== 'bigint') throw new TypeError('n and e expected bigint');
  if (bitLength(n) < 512 || n % 2n === 0n) throw new RangeError(`n expected an odd modulus of at least 512 bits, got ${bitLength(n)} bits`);
  if (e < 3n || e % 2n === 0n || e >= n) throw new RangeError('e expected an odd exponent in [3, n)');
  const keyObject = createPublicKey({ key: { kty: 'RSA', n: b64u(n), e: b64u(e) }, format: 'jwk' });
  return { n, e, modulusBytes: byteLength(n), keyObject };
}

/**
 * Builds a private key from n, e, d, p, q; checks n = p·q and e·d ≡ 1 mod p-1 and mod q-1
 * (`RangeError` otherwise), and derives the CRT values.
 */
export function rsaPrivateKey(c: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint }): RsaPrivateKey {
  const { n, e, d, p, q } = c;
  if (p * q !== n) throw new RangeError('RSA key: n is not p·q');
  if ((e * d) % (p - 1n) !== 1n || (e * d) % (q - 1n) !== 1n) throw new RangeError('RSA key: d is not e⁻¹ modulo p-1 and q-1');
  const qInv = modInverse(q, p);
  if (qInv === undefined) throw new RangeError('RSA key: q is not invertible modulo p');
  const dp = d % (p - 1n);
  const dq = d % (q - 1n);
  const publicKey = rsaPublicKey(n, e);
  const keyObject = createPrivateKey({
    key: { kty: 'RSA', n: b64u(n), e: b64u(e), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(dp), dq: b64u(dq), qi: b64u(qInv) },
    format: 'jwk',
  });
  return { publicKey, d, p, q, dp, dq, qInv, keyObject };
}

/**
 * Loads an `rsaEncryption` PKCS#8 private key, PEM text or DER bytes (the form RFC 9578 App. A.2
 * gives skS in). `RangeError` for another key type.
 */
export function importRsaPrivateKey(pkcs8: string | Uint8Array): RsaPrivateKey {
  const key =
    typeof pkcs8 === 'string'
      ? createPrivateKey({ key: pkcs8, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.length), format: 'der', type: 'pkcs8' });
  // An id-RSASSA-PSS PKCS#8 cannot be exported as JWK by node; RFC 9578 issuers store rsaEncryption keys.
  if (key.asymmetricKeyType !== 'rsa') throw new RangeError(`expected an rsaEncryption PKCS#8 key, got ${key.asymmetricKeyType}`);
  const jwk = key.export({ format: 'jwk' });
  const int = (field: string | undefined) => os2ip(new Uint8Array(Buffer.from(field ?? '', 'base64url')));
  return rsaPrivateKey({ n: int(jwk.n), e: int(jwk.e), d: int(jwk.d), p: int(jwk.p), q: int(jwk.q) });
}

/** The key as `rsaEncryption` PKCS#8 DER, e.g. to cache a derived key on disk. */
export function exportRsaPrivateKeyPkcs8(key: RsaPrivateKey): Uint8Array {
  return new Uint8Array(key.keyObject.export({ format: 'der', type: 'pkcs8' }));
}

function b64u(v: bigint): string {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex').toString('base64url');
}
