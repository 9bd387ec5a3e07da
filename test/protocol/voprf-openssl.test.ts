import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { p384, p384_hasher } from '@noble/curves/nist.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { concat, i2osp, utf8 } from '../../protocol/bytes.js';
import { evaluate, evaluateMatches } from '../../protocol/tokens/voprf-p384.js';
import { generateIssuerKey } from '../../protocol/tokens/type1-voprf.js';
import { ChaChaRng } from '../../sim/rng.js';

const DST = concat(utf8('HashToGroup-'), utf8('OPRFV1-'), Uint8Array.of(0x01), utf8('-P384-SHA384'));

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

  it('rejects an authenticator made with another key', () => {
    const other = generateIssuerKey(ChaChaRng.fromSeed(12).fork('issuer'));
    const input = utf8('token input');
    expect(evaluateMatches(key.secretKey, input, evaluate(other.secretKey, input))).toBe(false);
  });

  it('also accepts the negated element (documented: producing it is as hard as producing the right one)', () => {
    const input = utf8('negation');
    const sk = BigInt('0x' + Buffer.from(key.secretKey).toString('hex'));
    const negated = p384_hasher.hashToCurve(input, { DST }).multiply(sk).negate().toBytes(true);
    const auth = sha384(concat(i2osp(input.length, 2), input, i2osp(negated.length, 2), negated, utf8('Finalize')));
    expect(evaluateMatches(key.secretKey, input, auth)).toBe(true);
    expect(p384.Point.fromBytes(negated).equals(p384.Point.ZERO)).toBe(false);
  });
});
