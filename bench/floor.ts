/**
 * The floor: the primitives one hot-path request cannot avoid, timed with `node:crypto`
 * synchronous calls on inputs of the hot path's own sizes. Nothing here is protocol code: it is
 * what an ideal implementation on the same OpenSSL would at least spend.
 *
 * Counted per request (two HPKE layers: OHTTP to the gateway, the inner layer to the enclave):
 *  - X25519 ×6: per layer one ephemeral key generation (X25519(sk, 9)) and two DH (sender, recipient).
 *  - HKDF ×17 (34 HMAC-SHA256): per HPKE setup and side ExtractAndExpand (2 HMAC) and the key
 *    schedule's secret, key, base_nonce and exporter_secret (4; psk_id_hash and info_hash are
 *    cacheable, so not counted) = 24; the OHTTP response (export, extract, key, nonce) on both
 *    sides = 8; the inner response key export on both sides = 2.
 *  - AES-128-GCM seal and open of the four payloads: inner request, padded BHTTP request, inner
 *    answer, BHTTP response.
 *  - Token verify (type 0x0001) group operations: one P-384 variable-base scalar multiplication
 *    (ECDH on secp384r1) and its hashing, SHA-384 ×5 (expand_message_xmd's 4 blocks for two field
 *    elements, and Finalize). The hash-to-curve field map itself (SSWU: square roots and an
 *    inversion in GF(p384)) has no node:crypto call, so the floor leaves it out: it is a lower bound.
 *  - SHA-256 ×2: the spent-token id and the challenge digest.
 */
import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import type { Rng } from '../protocol/rng.js';
import type { HotPathSizes } from './hot-path.js';
import type { TaskSpec } from './measure.js';

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function x25519Private(d: Uint8Array): KeyObject {
  // JWK import (not DER, PITFALLS.md); node derives the public key from d.
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(d), x: b64url(new Uint8Array(32)) }, format: 'jwk' });
}
function x25519Public(x: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(x) }, format: 'jwk' });
}

/** The floor's parts, each one task, and the whole as one task (measured, not summed). */
export interface FloorTasks {
  total: TaskSpec;
  parts: TaskSpec[];
}

/** Builds the floor's tasks for a request of `sizes`, keys and inputs drawn from `rng`. */
export function floorTasks(sizes: HotPathSizes, rng: Rng): FloorTasks {
  const a = x25519Private(rng.bytes(32));
  const base = x25519Public(Uint8Array.of(9, ...new Uint8Array(31)));
  const peer = createPublicKey(x25519Private(rng.bytes(32)));
  const x25519 = (): void => {
    for (let i = 0; i < 2; i++) diffieHellman({ privateKey: a, publicKey: base });
    for (let i = 0; i < 4; i++) diffieHellman({ privateKey: a, publicKey: peer });
  };

  const ikm = rng.bytes(32);
  const salt = rng.bytes(32);
  const info = rng.bytes(40);
  // HKDF as its two HMACs (RFC 5869): on OpenSSL 3 `hkdfSync` pays a KDF fetch per call and is
  // slower (~10 µs vs ~7 µs here), and the floor is the cheapest way to the same bytes.
  const one = Uint8Array.of(1);
  const hkdf = (): void => {
    for (let i = 0; i < 17; i++) {
      const prk = createHmac('sha256', salt).update(ikm).digest();
      createHmac('sha256', prk).update(info).update(one).digest();
    }
  };

  const key = rng.bytes(16);
  const nonce = rng.bytes(12);
  const payloads = [sizes.innerRequestBytes, sizes.bhttpRequestBytes, sizes.answerBytes, sizes.bhttpResponseBytes].map((n) => rng.bytes(n));
  const aesGcm = (): void => {
    for (const pt of payloads) {
      const c = createCipheriv('aes-128-gcm', key, nonce);
      const ct = Buffer.concat([c.update(pt), c.final()]);
      const tag = c.getAuthTag();
      const d = createDecipheriv('aes-128-gcm', key, nonce);
      d.setAuthTag(tag);
      d.update(ct);
      d.final();
    }
  };

  const issuer = createECDH('secp384r1');
  issuer.generateKeys();
  const other = createECDH('secp384r1');
  other.generateKeys();
  const element = other.getPublicKey(null, 'compressed');
  const xmdBlock = rng.bytes(64);
  const tokenGroup = (): void => {
    issuer.computeSecret(element);
    for (let i = 0; i < 5; i++) createHash('sha384').update(xmdBlock).digest();
  };

  const tokenNonce = rng.bytes(sizes.tokenNonceBytes);
  const challenge = rng.bytes(60);
  const sha256 = (): void => {
    createHash('sha256').update(tokenNonce).digest();
    createHash('sha256').update(challenge).digest();
  };

  const parts: TaskSpec[] = [
    { name: 'x25519 ×6', fn: x25519 },
    { name: 'hkdf-sha256 ×17 (34 hmac)', fn: hkdf },
    { name: 'aes-128-gcm seal+open ×4', fn: aesGcm },
    { name: 'p384 scalar mult + sha384 ×5', fn: tokenGroup },
    { name: 'sha256 ×2', fn: sha256 },
  ];
  const total = (): void => {
    x25519();
    hkdf();
    aesGcm();
    tokenGroup();
    sha256();
  };
  return { total: { name: 'floor', fn: total }, parts };
}
