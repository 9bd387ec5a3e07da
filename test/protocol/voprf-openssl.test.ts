import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { p384, p384_hasher, p384_oprf } from '@noble/curves/nist.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { concat, i2osp, utf8 } from '../../protocol/bytes.js';
import { evaluate, evaluateMatches, nobleRngFor, randomScalar } from '../../protocol/tokens/voprf-p384.js';
import { generateIssuerKey } from '../../protocol/tokens/type1-voprf.js';
import { ChaChaRng } from '../../sim/rng.js';

const DST = concat(utf8('HashToGroup-'), utf8('OPRFV1-'), Uint8Array.of(0x01), utf8('-P384-SHA384'));

/** RFC 9497 §3.3.2 Finalize hash over an arbitrary serialized element. */
function finalizeOver(input: Uint8Array, element: Uint8Array): Uint8Array {
  return sha384(concat(i2osp(input.length, 2), input, i2osp(element.length, 2), element, utf8('Finalize')));
}

function scalarOf(secretKey: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(secretKey).toString('hex'));
}

describe('token check on OpenSSL P-384 (evaluateMatches) against noble (evaluate)', () => {
  const key = generateIssuerKey(ChaChaRng.fromSeed(11).fork('issuer'));

  it('accepts exactly the authenticator noble computes, for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (input) => {
        const auth = evaluate(key.secretKey, input);
        expect(evaluateMatches(key.secretKey, input, auth)).toBe(true);
        const flipped = auth.slice();
        flipped[0]! ^= 1;
        expect(evaluateMatches(key.secretKey, input, flipped)).toBe(false);
        expect(evaluateMatches(key.secretKey, input, auth.subarray(1))).toBe(false);
      }),
      { numRuns: 25, seed: 3 },
    );
  });

  it("accepts the output of noble's full RFC 9497 VOPRF (Blind, BlindEvaluate, Finalize), and nothing else for that input", () => {
    const rng = ChaChaRng.fromSeed('voprf-noble-cross');
    for (let i = 0; i < 6; i++) {
      const input = rng.bytes(16 + i);
      const { blind, blinded } = p384_oprf.voprf.blind(input, nobleRngFor(randomScalar(rng)));
      const { evaluated, proof } = p384_oprf.voprf.blindEvaluate(key.secretKey, key.publicKey, blinded, nobleRngFor(randomScalar(rng)));
      const output = p384_oprf.voprf.finalize(input, blind, evaluated, blinded, key.publicKey, proof);
      expect(evaluateMatches(key.secretKey, input, output)).toBe(true);
      const element = p384_hasher.hashToCurve(input, { DST }).multiply(scalarOf(key.secretKey));
      expect(evaluateMatches(key.secretKey, input, finalizeOver(input, element.negate().toBytes(true)))).toBe(false);
    }
  });

  it('rejects an authenticator made with another key', () => {
    const other = generateIssuerKey(ChaChaRng.fromSeed(12).fork('issuer'));
    const input = utf8('token input');
    expect(evaluateMatches(key.secretKey, input, evaluate(other.secretKey, input))).toBe(false);
  });

  it('refuses the authenticator of the negated element (RFC 9497 Finalize has one output), whichever parity the true element has', () => {
    const parities = new Set<number>();
    for (let i = 0; parities.size < 2 && i < 64; i++) {
      const input = utf8(`negation-${i}`);
      const element = p384_hasher.hashToCurve(input, { DST }).multiply(scalarOf(key.secretKey)).toBytes(true);
      parities.add(element[0]!);
      const negated = p384.Point.fromBytes(element).negate().toBytes(true);
      expect(negated[0]).not.toBe(element[0]);
      expect(evaluateMatches(key.secretKey, input, finalizeOver(input, element))).toBe(true);
      expect(evaluateMatches(key.secretKey, input, finalizeOver(input, negated))).toBe(false);
    }
    expect([...parities].sort()).toEqual([0x02, 0x03]);
  });
});
