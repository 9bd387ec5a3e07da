/**
 * The raw RSA signature primitives of RFC 8017 §5.2 that blind RSA is built from. The hot path
 * runs them in OpenSSL (node:crypto with RSA_NO_PADDING: textbook x^e and x^d mod n, CRT inside);
 * {@link rsasp1Crt} is the same maths in BigInt, kept as the reference the tests compare against.
 */
import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { i2osp, os2ip } from '../bytes.js';
import { modPow } from './bigint-math.js';
import type { RsaPrivateKey, RsaPublicKey } from './rsa-keys.js';

/** RFC 8017 §5.2.2 RSAVP1: s^e mod n. Requires 0 ≤ s < n (callers check). */
export function rsavp1(publicKey: RsaPublicKey, s: bigint): bigint {
  const out = publicEncrypt({ key: publicKey.keyObject, padding: constants.RSA_NO_PADDING }, i2osp(s, publicKey.modulusBytes));
  return os2ip(out);
}

/** RFC 8017 §5.2.1 RSASP1: m^d mod n, computed by OpenSSL with CRT. Requires 0 ≤ m < n. */
export function rsasp1(privateKey: RsaPrivateKey, m: bigint): bigint {
  const out = privateDecrypt({ key: privateKey.keyObject, padding: constants.RSA_NO_PADDING }, i2osp(m, privateKey.publicKey.modulusBytes));
  return os2ip(out);
}

/**
 * RFC 8017 §5.2.1 RSASP1 step 2.b in BigInt: s1 = m^dP mod p, s2 = m^dQ mod q,
 * h = (s1 - s2)·qInv mod p, s = s2 + q·h. About 16× slower than {@link rsasp1}; reference only.
 */
export function rsasp1Crt(privateKey: RsaPrivateKey, m: bigint): bigint {
  const { p, q, dp, dq, qInv } = privateKey;
  const s1 = modPow(m, dp, p);
  const s2 = modPow(m, dq, q);
  const h = (((s1 - s2) % p + p) % p * qInv) % p;
  return s2 + q * h;
}
