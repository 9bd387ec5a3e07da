/**
 * RFC 9474 App. A: the four RSABSSA-SHA384 variants, with the message prefix, salt and blind
 * injected (the vectors give inv = r⁻¹; FixedRng replays r = inv⁻¹ mod n).
 */
import { expect, it } from 'vitest';
import { fromHex, i2osp, toHex } from '../../protocol/bytes.js';
import { modInverse } from '../../protocol/tokens/bigint-math.js';
import {
  BlindRsaError,
  blind,
  blindSign,
  finalize,
  prepare,
  RSABSSA_SHA384_PSS_DETERMINISTIC,
  RSABSSA_SHA384_PSS_RANDOMIZED,
  RSABSSA_SHA384_PSSZERO_DETERMINISTIC,
  RSABSSA_SHA384_PSSZERO_RANDOMIZED,
  verify,
  type BlindRsaVariant,
} from '../../protocol/tokens/blind-rsa.js';
import { rsaPrivateKey } from '../../protocol/tokens/rsa-keys.js';
import { rsasp1, rsasp1Crt } from '../../protocol/tokens/rsa-primitives.js';
import { FixedRng } from '../helpers/fixed-rng.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface Vector {
  name: string;
  p: string;
  q: string;
  n: string;
  e: string;
  d: string;
  msg: string;
  msg_prefix: string;
  input_msg: string;
  sLen: string;
  salt: string;
  is_randomized: string;
  inv: string;
  blinded_msg: string;
  blind_sig: string;
  sig: string;
}

const VARIANTS: Record<string, BlindRsaVariant> = {
  'RSABSSA-SHA384-PSS-Randomized': RSABSSA_SHA384_PSS_RANDOMIZED,
  'RSABSSA-SHA384-PSSZERO-Randomized': RSABSSA_SHA384_PSSZERO_RANDOMIZED,
  'RSABSSA-SHA384-PSS-Deterministic': RSABSSA_SHA384_PSS_DETERMINISTIC,
  'RSABSSA-SHA384-PSSZERO-Deterministic': RSABSSA_SHA384_PSSZERO_DETERMINISTIC,
};

describeVectors('RFC 9474 App. A: RSABSSA-SHA384 blind signatures', () => {
  const vectors = readVectorJson<Vector[]>('privacypass', 'rfc9474-blind-rsa-test-vectors.json');
  it('has the 4 variants', () => expect(vectors.map((v) => v.name).sort()).toEqual(Object.keys(VARIANTS).sort()));

  for (const v of vectors) {
    const variant = VARIANTS[v.name]!;
    const sk = rsaPrivateKey({ n: BigInt(v.n), e: BigInt(v.e), d: BigInt(v.d), p: BigInt(v.p), q: BigInt(v.q) });
    const pk = sk.publicKey;
    const inv = BigInt(v.inv);
    const r = modInverse(inv, pk.n)!;

    it(`${v.name}: the vector's salt length and randomization are the variant's`, () => {
      expect(Number(v.sLen)).toBe(variant.saltBytes);
      expect(Number(v.is_randomized) === 1).toBe(variant.randomized);
    });

    it(`${v.name}: Prepare and Blind give input_msg, blinded_msg and inv`, () => {
      const draws = [...(variant.randomized ? [fromHex(v.msg_prefix)] : []), ...(variant.saltBytes ? [fromHex(v.salt)] : []), i2osp(r, pk.modulusBytes)];
      const rng = new FixedRng(...draws);
      const input = prepare(variant, fromHex(v.msg), rng);
      expect(toHex(input)).toBe(v.input_msg);
      const blinded = blind(variant, pk, input, rng);
      expect(rng.exhausted).toBe(true);
      expect(toHex(blinded.blindedMsg)).toBe(v.blinded_msg);
      expect(blinded.inv).toBe(inv);
    });

    it(`${v.name}: BlindSign gives blind_sig (OpenSSL and the BigInt CRT reference agree)`, () => {
      expect(toHex(blindSign(sk, fromHex(v.blinded_msg)))).toBe(v.blind_sig);
      const m = BigInt('0x' + v.blinded_msg);
      expect(rsasp1Crt(sk, m)).toBe(rsasp1(sk, m));
      expect(rsasp1Crt(sk, m)).toBe(BigInt('0x' + v.blind_sig));
    });

    it(`${v.name}: Finalize gives sig, which verifies as RSASSA-PSS over input_msg`, () => {
      const sig = finalize(variant, pk, fromHex(v.input_msg), fromHex(v.blind_sig), inv);
      expect(toHex(sig)).toBe(v.sig);
      expect(verify(variant, pk, fromHex(v.input_msg), fromHex(v.sig))).toBe(true);
    });

    it(`${v.name}: the signature fails for another message, another salt length, or a wrong inv`, () => {
      const other = fromHex(v.input_msg);
      other[other.length - 1]! ^= 1;
      expect(verify(variant, pk, other, fromHex(v.sig))).toBe(false);
      const otherSaltLength = variant.saltBytes === 0 ? RSABSSA_SHA384_PSS_DETERMINISTIC : RSABSSA_SHA384_PSSZERO_DETERMINISTIC;
      expect(verify(otherSaltLength, pk, fromHex(v.input_msg), fromHex(v.sig))).toBe(false);
      expect(() => finalize(variant, pk, fromHex(v.input_msg), fromHex(v.blind_sig), inv + 1n)).toThrow(BlindRsaError);
    });
  }
});
