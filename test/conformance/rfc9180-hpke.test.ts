/**
 * RFC 9180 test vectors (CFRG test-vectors.json, base mode, DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-128-GCM and ChaCha20Poly1305): 2 × 257 encryptions and 2 × 3 exports.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.js';
import {
  deriveKeyPair,
  openBase,
  sealBase,
  setupBaseR,
  setupBaseS,
  testingOnlyContextSecrets,
  type HpkeSuite,
} from '../../protocol/hpke.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface Vector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmR: string;
  ikmE: string;
  skRm: string;
  skEm: string;
  pkRm: string;
  pkEm: string;
  enc: string;
  shared_secret: string;
  key: string;
  base_nonce: string;
  exporter_secret: string;
  encryptions: { aad: string; ct: string; nonce: string; pt: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
}

const FILE = ['hpke', 'rfc9180-x25519-sha256-base-aes128gcm-chacha20.json'] as const;
const AEAD_NAMES: Record<number, string> = { 1: 'AES-128-GCM', 3: 'ChaCha20Poly1305' };

describeVectors('RFC 9180 HPKE vectors (base mode, X25519, HKDF-SHA256)', () => {
  const vectors = readVectorJson<Vector[]>(...FILE);

  it('holds the two suites with 257 encryptions and 3 exports each', () => {
    expect(vectors.map((v) => [v.mode, v.kem_id, v.kdf_id, v.aead_id])).toEqual([[0, 32, 1, 1], [0, 32, 1, 3]]);
    expect(vectors.map((v) => [v.encryptions.length, v.exports.length])).toEqual([[257, 3], [257, 3]]);
  });

  for (const v of vectors) {
    const suite: HpkeSuite = { kemId: v.kem_id, kdfId: v.kdf_id, aeadId: v.aead_id };
    const info = fromHex(v.info);

    describe(AEAD_NAMES[v.aead_id] ?? `aead ${v.aead_id}`, () => {
      it('DeriveKeyPair(ikmE) and DeriveKeyPair(ikmR) give skEm/pkEm and skRm/pkRm (§7.1.3)', () => {
        const e = deriveKeyPair(fromHex(v.ikmE));
        const r = deriveKeyPair(fromHex(v.ikmR));
        expect([toHex(e.secretKey), toHex(e.publicKey)]).toEqual([v.skEm, v.pkEm]);
        expect([toHex(r.secretKey), toHex(r.publicKey)]).toEqual([v.skRm, v.pkRm]);
      });

      it('SetupBaseS from ikmE gives enc, shared_secret, key, base_nonce, exporter_secret (§5.1)', () => {
        const sender = setupBaseS(fromHex(v.pkRm), info, { ikmE: fromHex(v.ikmE) }, suite);
        const s = testingOnlyContextSecrets(sender);
        expect(toHex(sender.enc)).toBe(v.enc);
        expect(toHex(s.sharedSecret)).toBe(v.shared_secret);
        expect(toHex(s.key)).toBe(v.key);
        expect(toHex(s.baseNonce)).toBe(v.base_nonce);
        expect(toHex(s.exporterSecret)).toBe(v.exporter_secret);
      });

      it('SetupBaseR from skRm and enc gives the same key schedule', () => {
        const r = testingOnlyContextSecrets(setupBaseR(fromHex(v.skRm), fromHex(v.enc), info, suite));
        expect([toHex(r.sharedSecret), toHex(r.key), toHex(r.baseNonce), toHex(r.exporterSecret)]).toEqual([
          v.shared_secret,
          v.key,
          v.base_nonce,
          v.exporter_secret,
        ]);
      });

      it(`Seal number i gives ct for all ${v.encryptions.length} encryptions, in order (§5.2)`, () => {
        const sender = setupBaseS(fromHex(v.pkRm), info, { ikmE: fromHex(v.ikmE) }, suite);
        const got = v.encryptions.map((e) => toHex(sender.seal(fromHex(e.pt), fromHex(e.aad))));
        expect(got).toEqual(v.encryptions.map((e) => e.ct));
      });

      it(`Open number i gives pt for all ${v.encryptions.length} encryptions, in order (§5.2)`, () => {
        const recipient = setupBaseR(fromHex(v.skRm), fromHex(v.enc), info, suite);
        const got = v.encryptions.map((e) => toHex(recipient.open(fromHex(e.ct), fromHex(e.aad))));
        expect(got).toEqual(v.encryptions.map((e) => e.pt));
      });

      it(`Export(exporter_context, L) gives all ${v.exports.length} exported values, both roles (§5.3)`, () => {
        const sender = setupBaseS(fromHex(v.pkRm), info, { ikmE: fromHex(v.ikmE) }, suite);
        const recipient = setupBaseR(fromHex(v.skRm), fromHex(v.enc), info, suite);
        for (const x of v.exports) {
          expect(toHex(sender.export(fromHex(x.exporter_context), x.L))).toBe(x.exported_value);
          expect(toHex(recipient.export(fromHex(x.exporter_context), x.L))).toBe(x.exported_value);
        }
      });

      it('single-shot Seal/Open reproduce encryption 0 (§6.1)', () => {
        const e0 = v.encryptions[0]!;
        const { enc, ct } = sealBase(fromHex(v.pkRm), info, fromHex(e0.aad), fromHex(e0.pt), { ikmE: fromHex(v.ikmE) }, suite);
        expect([toHex(enc), toHex(ct)]).toEqual([v.enc, e0.ct]);
        expect(toHex(openBase(fromHex(v.skRm), enc, info, fromHex(e0.aad), ct, suite))).toBe(e0.pt);
      });
    });
  }
});
