/**
 * HPKE (protocol/hpke.ts): cross-checked against @hpke/core's own suite (noble X25519, WebCrypto
 * HKDF and AES-GCM, @hpke/chacha20poly1305), plus negative tests for every input of open.
 */
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import { HpkeError } from '../../protocol/errors.js';
import {
  deriveKeyPair,
  generateKeyPair,
  openBase,
  publicKeyFromSecret,
  sealBase,
  setupBaseR,
  setupBaseS,
  SUITE_X25519_SHA256_AES128GCM,
  SUITE_X25519_SHA256_CHACHA20POLY1305,
  type HpkeSuite,
} from '../../protocol/hpke.js';
import { ChaChaRng } from '../../sim/rng.js';

const SUITES: [string, HpkeSuite, () => CipherSuite][] = [
  ['AES-128-GCM', SUITE_X25519_SHA256_AES128GCM, () => new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() })],
  ['ChaCha20Poly1305', SUITE_X25519_SHA256_CHACHA20POLY1305, () => new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })],
];

function expectHpkeError(f: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(HpkeError);
  expect((thrown as HpkeError).code).toBe(code);
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe.each(SUITES)('HPKE %s against @hpke/core', (_name, suite, makeTheirs) => {
  const theirs = makeTheirs();

  it('produces the same enc, ciphertexts and exports from the same ephemeral ikm', async () => {
    const rng = ChaChaRng.fromSeed('hpke-same-ikm');
    for (let i = 0; i < 10; i++) {
      const recipient = generateKeyPair(rng);
      const ikmE = rng.bytes(32);
      const info = rng.bytes(i * 7);
      const ours = setupBaseS(recipient.publicKey, info, { ikmE }, suite);
      const their = await theirs.createSenderContext({
        recipientPublicKey: await theirs.kem.deserializePublicKey(recipient.publicKey),
        info,
        ekm: ikmE,
      });
      expect(toHex(ours.enc)).toBe(toHex(new Uint8Array(their.enc)));
      for (let m = 0; m < 3; m++) {
        const pt = rng.bytes(m * 100);
        const aad = rng.bytes(m);
        expect(toHex(ours.seal(pt, aad))).toBe(toHex(new Uint8Array(await their.seal(pt, aad))));
      }
      expect(toHex(ours.export(utf8('ctx'), 48))).toBe(toHex(new Uint8Array(await their.export(utf8('ctx'), 48))));
    }
  });

  it('ours seals, theirs opens (random keys)', async () => {
    const rng = ChaChaRng.fromSeed('hpke-ours-to-theirs');
    for (let i = 0; i < 10; i++) {
      const recipient = generateKeyPair(rng);
      const info = rng.bytes(16);
      const pt = rng.bytes(1024);
      const { enc, ct } = sealBase(recipient.publicKey, info, utf8('aad'), pt, rng, suite);
      const their = await theirs.createRecipientContext({
        recipientKey: await theirs.kem.deserializePrivateKey(recipient.secretKey),
        enc,
        info,
      });
      expect(toHex(new Uint8Array(await their.open(ct, utf8('aad'))))).toBe(toHex(pt));
    }
  });

  it('theirs seals with its own random key, ours opens', async () => {
    const rng = ChaChaRng.fromSeed('hpke-theirs-to-ours');
    for (let i = 0; i < 10; i++) {
      const pair = await theirs.kem.generateKeyPair();
      const skR = new Uint8Array(await theirs.kem.serializePrivateKey(pair.privateKey));
      const info = rng.bytes(16);
      const pt = rng.bytes(1024);
      const sender = await theirs.createSenderContext({ recipientPublicKey: pair.publicKey, info });
      const ct1 = new Uint8Array(await sender.seal(pt, utf8('one')));
      const ct2 = new Uint8Array(await sender.seal(pt, utf8('two')));
      const ours = setupBaseR(skR, new Uint8Array(sender.enc), info, suite);
      expect(toHex(ours.open(ct1, utf8('one')))).toBe(toHex(pt));
      expect(toHex(ours.open(ct2, utf8('two')))).toBe(toHex(pt));
      expect(toHex(ours.export(utf8('x'), 32))).toBe(toHex(new Uint8Array(await sender.export(utf8('x'), 32))));
    }
  });
});

describe('HPKE negative cases', () => {
  const rng = ChaChaRng.fromSeed('hpke-negative');
  const recipient = generateKeyPair(rng);
  const info = utf8('info');
  const aad = utf8('aad');
  const pt = utf8('the plaintext');
  const { enc, ct } = sealBase(recipient.publicKey, info, aad, pt, rng);

  it('opens the untampered message (the baseline the other cases differ from)', () => {
    expect(toHex(openBase(recipient.secretKey, enc, info, aad, ct))).toBe(toHex(pt));
  });

  it('rejects every single-bit flip of the ciphertext with code open', () => {
    for (let bit = 0; bit < ct.length * 8; bit++) {
      expectHpkeError(() => openBase(recipient.secretKey, enc, info, aad, flipBit(ct, bit)), 'open');
    }
  });

  it('rejects every truncation of the ciphertext with code open', () => {
    for (let n = 0; n < ct.length; n++) expectHpkeError(() => openBase(recipient.secretKey, enc, info, aad, ct.subarray(0, n)), 'open');
    expectHpkeError(() => openBase(recipient.secretKey, enc, info, aad, concat(ct, Uint8Array.of(0))), 'open');
  });

  it('rejects a changed aad, info, enc, wrong key or wrong suite with code open', () => {
    expectHpkeError(() => openBase(recipient.secretKey, enc, info, utf8('aae'), ct), 'open');
    expectHpkeError(() => openBase(recipient.secretKey, enc, utf8('infp'), aad, ct), 'open');
    expectHpkeError(() => openBase(recipient.secretKey, flipBit(enc, 3), info, aad, ct), 'open');
    expectHpkeError(() => openBase(generateKeyPair(rng).secretKey, enc, info, aad, ct), 'open');
    expectHpkeError(() => openBase(recipient.secretKey, enc, info, aad, ct, SUITE_X25519_SHA256_CHACHA20POLY1305), 'open');
  });

  it('opens in order only: a second open of the same ciphertext uses the next nonce and fails', () => {
    const ctx = setupBaseR(recipient.secretKey, enc, info);
    expect(toHex(ctx.open(ct, aad))).toBe(toHex(pt));
    expectHpkeError(() => ctx.open(ct, aad), 'open');
  });

  it('a failed open does not advance the sequence number (RFC 9180 §5.2)', () => {
    const sender = setupBaseS(recipient.publicKey, info, rng);
    const c0 = sender.seal(pt);
    const c1 = sender.seal(pt);
    const ctx = setupBaseR(recipient.secretKey, sender.enc, info);
    expectHpkeError(() => ctx.open(c1), 'open');
    expect(toHex(ctx.open(c0))).toBe(toHex(pt));
    expect(toHex(ctx.open(c1))).toBe(toHex(pt));
  });

  it('refuses low-order public keys and encapsulated keys with code key (RFC 9180 §7.1.4)', () => {
    const lowOrder = [new Uint8Array(32), Uint8Array.of(1, ...new Array(31).fill(0))];
    for (const point of lowOrder) {
      expectHpkeError(() => setupBaseS(point, info, rng), 'key');
      expectHpkeError(() => setupBaseR(recipient.secretKey, point, info), 'key');
    }
  });

  it('refuses unsupported suites with code suite', () => {
    for (const s of [
      { kemId: 0x0010, kdfId: 1, aeadId: 1 },
      { kemId: 0x0020, kdfId: 2, aeadId: 1 },
      { kemId: 0x0020, kdfId: 1, aeadId: 2 },
      { kemId: 0x0020, kdfId: 1, aeadId: 0xffff },
    ]) {
      expectHpkeError(() => setupBaseS(recipient.publicKey, info, rng, s), 'suite');
      expectHpkeError(() => setupBaseR(recipient.secretKey, enc, info, s), 'suite');
    }
  });

  it('refuses export lengths above 255·Nh with code export', () => {
    const ctx = setupBaseR(recipient.secretKey, enc, info);
    expect(ctx.export(new Uint8Array(0), 255 * 32).length).toBe(255 * 32);
    expectHpkeError(() => ctx.export(new Uint8Array(0), 255 * 32 + 1), 'export');
    expectHpkeError(() => ctx.export(new Uint8Array(0), -1), 'export');
  });

  it('validates arguments: TypeError for a wrong type, RangeError for a wrong length', () => {
    expect(() => setupBaseS(recipient.publicKey.subarray(1), info, rng)).toThrow(RangeError);
    expect(() => setupBaseR(recipient.secretKey, enc.subarray(1), info)).toThrow(RangeError);
    expect(() => setupBaseR(new Uint8Array(33), enc, info)).toThrow(RangeError);
    expect(() => setupBaseS('pk' as unknown as Uint8Array, info, rng)).toThrow(TypeError);
    expect(() => setupBaseS(recipient.publicKey, info, {} as never)).toThrow(TypeError);
    expect(() => setupBaseS(recipient.publicKey, info, { testingOnlySkE: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => deriveKeyPair(new Uint8Array(31))).toThrow(RangeError);
    expect(() => setupBaseR(recipient.secretKey, enc, info).open([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('HPKE keys and determinism', () => {
  it('generateKeyPair is DeriveKeyPair(rng.bytes(32)) and its public key matches the secret', () => {
    const pair = generateKeyPair(ChaChaRng.fromSeed(5));
    expect(toHex(pair.secretKey)).toBe(toHex(deriveKeyPair(ChaChaRng.fromSeed(5).bytes(32)).secretKey));
    expect(toHex(publicKeyFromSecret(pair.secretKey))).toBe(toHex(pair.publicKey));
  });

  it('the same seed gives the same enc and ciphertext; another seed does not', () => {
    const { publicKey } = generateKeyPair(ChaChaRng.fromSeed(1));
    const a = sealBase(publicKey, utf8('i'), utf8(''), utf8('m'), ChaChaRng.fromSeed(2));
    const b = sealBase(publicKey, utf8('i'), utf8(''), utf8('m'), ChaChaRng.fromSeed(2));
    const c = sealBase(publicKey, utf8('i'), utf8(''), utf8('m'), ChaChaRng.fromSeed(3));
    expect([toHex(a.enc), toHex(a.ct)]).toEqual([toHex(b.enc), toHex(b.ct)]);
    expect(toHex(c.enc)).not.toBe(toHex(a.enc));
  });

  it('testingOnlySkE uses that secret as the ephemeral key (enc = its public key)', () => {
    const { publicKey } = generateKeyPair(ChaChaRng.fromSeed(1));
    const eph = generateKeyPair(ChaChaRng.fromSeed(9));
    expect(toHex(setupBaseS(publicKey, utf8(''), { testingOnlySkE: eph.secretKey }).enc)).toBe(toHex(eph.publicKey));
  });
});
