/**
 * The VOPRF issuance on shared doubling chains (protocol/tokens/p384-multiples.ts, voprf-p384.ts
 * voprfBlind / voprfBlindEvaluate / voprfFinalize) against two independent implementations:
 * noble's `multiply` and RFC 9497 module (p384_oprf.voprf), and OpenSSL's P-384 (node:crypto
 * ECDH). The RFC 9578 vectors (test/conformance/rfc9578-tokens.test.ts) pin the same bytes.
 */
import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { p384, p384_oprf } from '@noble/curves/nist.js';
import { concat, i2osp, os2ip } from '../../protocol/bytes.js';
import { jacobianForTests as J, Multiples } from '../../protocol/tokens/p384-multiples.js';
import { evaluateMatches, nobleRngFor, randomScalar, voprfBlind, voprfBlindEvaluate, voprfFinalize } from '../../protocol/tokens/voprf-p384.js';
import { generateIssuerKey } from '../../protocol/tokens/type1-voprf.js';
import { ChaChaRng } from '../../sim/rng.js';

const Point = p384.Point;
const N = Point.Fn.ORDER;
const noble = p384_oprf.voprf;

describe('Multiples: k·P from one doubling chain', () => {
  const base = Point.BASE.multiply(0x1f2e3d4c5b6a798897a6b5c4d3e2f1n);
  const chain = new Multiples(base);
  const ecdhX = (k: bigint): Uint8Array => {
    const e = createECDH('secp384r1');
    e.setPrivateKey(i2osp(k, 48));
    return new Uint8Array(e.computeSecret(base.toBytes(false)));
  };

  it('equals noble multiply at the edges of the recoding (digits ±15, carries, n−1, n, above n, negative)', () => {
    const edges = [1n, 2n, 3n, 15n, 16n, 17n, 31n, 32n, 33n, 0xffffn, N - 1n, N - 2n, N - 16n, N + 1n, (1n << 383n) + 1n, (1n << 384n) - 1n, -1n, -17n];
    for (const k of edges) {
      const r = ((k % N) + N) % N;
      expect(chain.times(k).equals(base.multiply(r)), `k = ${k}`).toBe(true);
    }
    expect(chain.times(0n).equals(Point.ZERO)).toBe(true);
    expect(chain.times(N).equals(Point.ZERO)).toBe(true);
  });

  it('equals noble multiply and OpenSSL ECDH (x coordinate) for random scalars', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: N - 1n }), (k) => {
        const got = chain.times(k);
        expect(got.equals(base.multiply(k))).toBe(true);
        expect(i2osp(got.toAffine().x, 48)).toEqual(ecdhX(k));
      }),
      { numRuns: 12, seed: 5 },
    );
  });

  it('the generator chain equals OpenSSL fixed-base multiplication, point for point', () => {
    const g = new Multiples(Point.BASE);
    for (const k of [7n, N - 3n, 0xabcdef0123456789abcdef0123456789abcdef0123456789n]) {
      const e = createECDH('secp384r1');
      e.setPrivateKey(i2osp(k, 48));
      expect(g.times(k).toBytes(false)).toEqual(new Uint8Array(e.getPublicKey()));
    }
  });
});

describe('Jacobian formulas (a = −3) against noble, with their exceptional cases', () => {
  const F = Point.Fp;
  const pt = Point.BASE.multiply(0xfeedfacecafebeefn);
  const { x, y } = pt.toAffine();
  // The same point with Z = λ: (λ²x, λ³y, λ).
  const lambda = 0x1234567890abcdefn;
  const scaled: [bigint, bigint, bigint] = [F.mul(F.sqr(lambda), x), F.mul(F.mul(F.sqr(lambda), lambda), y), lambda];
  const affine: [bigint, bigint, bigint] = [x, y, 1n];
  const q = Point.BASE.multiply(0x77n).toAffine();

  it('double and add give noble\'s points, for any Z', () => {
    expect(J.toNoble(J.double(scaled)).equals(pt.double())).toBe(true);
    expect(J.toNoble(J.add(scaled, [q.x, q.y, 1n])!).equals(pt.add(Point.BASE.multiply(0x77n)))).toBe(true);
  });

  it('P + P is a doubling and P + (−P) the identity, whatever the representations', () => {
    expect(J.toNoble(J.add(affine, scaled)!).equals(pt.double())).toBe(true);
    expect(J.add(affine, [scaled[0], F.neg(scaled[1]), scaled[2]])).toBeUndefined();
  });
});

describe('VOPRF on chains, byte for byte against noble p384_oprf.voprf', () => {
  const key = generateIssuerKey(ChaChaRng.fromSeed(21).fork('issuer'));

  it('Blind, BlindEvaluate, Finalize give noble\'s bytes, and the issuer\'s check accepts the output', () => {
    const rng = ChaChaRng.fromSeed('voprf-multiples-cross');
    for (let i = 0; i < 4; i++) {
      const input = rng.bytes(20 + 13 * i);
      const b = randomScalar(rng);
      const r = randomScalar(rng);
      const ours = voprfBlind(input, b);
      const theirs = noble.blind(input, nobleRngFor(b));
      expect(ours.blind).toEqual(theirs.blind);
      expect(ours.blinded).toEqual(theirs.blinded);
      const evalOurs = voprfBlindEvaluate(key.secretKey, key.publicKey, ours.blinded, r);
      const evalTheirs = noble.blindEvaluate(key.secretKey, key.publicKey, theirs.blinded, nobleRngFor(r));
      expect(evalOurs.evaluated).toEqual(evalTheirs.evaluated);
      expect(evalOurs.proof).toEqual(evalTheirs.proof);
      const expected = noble.finalize(input, theirs.blind, evalTheirs.evaluated, theirs.blinded, key.publicKey, evalTheirs.proof);
      // With the chain Blind kept, without it, and with a chain of another blinded element (ignored).
      expect(voprfFinalize(input, ours.blind, evalOurs.evaluated, ours.blinded, key.publicKey, evalOurs.proof, ours.chain)).toEqual(expected);
      expect(voprfFinalize(input, ours.blind, evalOurs.evaluated, ours.blinded, key.publicKey, evalOurs.proof)).toEqual(expected);
      const other = voprfBlind(input, b === 1n ? 2n : b - 1n);
      expect(voprfFinalize(input, ours.blind, evalOurs.evaluated, ours.blinded, key.publicKey, evalOurs.proof, other.chain)).toEqual(expected);
      expect(evaluateMatches(key.secretKey, input, expected)).toBe(true);
    }
  });

  it("Finalize refuses a proof noble refuses: changed c or s, scalars ≥ n, another key's proof, the negated evaluated element", () => {
    const rng = ChaChaRng.fromSeed('voprf-multiples-negative');
    const input = rng.bytes(40);
    const { blind, blinded, chain } = voprfBlind(input, randomScalar(rng));
    const { evaluated, proof } = voprfBlindEvaluate(key.secretKey, key.publicKey, blinded, randomScalar(rng));
    const c = os2ip(proof.subarray(0, 48));
    const s = os2ip(proof.subarray(48));
    const other = generateIssuerKey(ChaChaRng.fromSeed(22).fork('issuer'));
    const otherEval = voprfBlindEvaluate(other.secretKey, other.publicKey, blinded, randomScalar(rng));
    const negated = Point.fromBytes(evaluated).negate().toBytes(true);
    const bad: [string, Uint8Array, Uint8Array][] = [
      ['c + 1', evaluated, concat(i2osp((c + 1n) % N, 48), i2osp(s, 48))],
      ['s + 1', evaluated, concat(i2osp(c, 48), i2osp((s + 1n) % N, 48))],
      ['c, s swapped', evaluated, concat(i2osp(s, 48), i2osp(c, 48))],
      ['c = n (not below n)', evaluated, concat(i2osp(N, 48), i2osp(s, 48))],
      ['s = n (not below n)', evaluated, concat(i2osp(c, 48), i2osp(N, 48))],
      ["another key's evaluation and proof", otherEval.evaluated, otherEval.proof],
      ['negated evaluated element, same proof', negated, proof],
    ];
    for (const [what, e, p] of bad) {
      expect(() => voprfFinalize(input, blind, e, blinded, key.publicKey, p, chain), what).toThrow();
      expect(() => voprfFinalize(input, blind, e, blinded, key.publicKey, p), `${what}, without the chain`).toThrow();
      expect(() => noble.finalize(input, blind, e, blinded, key.publicKey, p), `noble: ${what}`).toThrow();
    }
    // And the honest response still finalizes (the negative cases are not refused for another reason).
    expect(() => voprfFinalize(input, blind, evaluated, blinded, key.publicKey, proof, chain)).not.toThrow();
  });

  it('BlindEvaluate and Blind refuse bad inputs: the identity, a non-point, out-of-range scalars', () => {
    const rng = ChaChaRng.fromSeed('voprf-multiples-bad');
    const { blinded } = voprfBlind(rng.bytes(8), randomScalar(rng));
    const notAPoint = blinded.slice();
    notAPoint[0] = 0x04; // 49 bytes with the uncompressed prefix: no P-384 element
    const identityish = new Uint8Array(49);
    expect(() => voprfBlindEvaluate(key.secretKey, key.publicKey, identityish, 5n)).toThrow();
    expect(() => voprfBlindEvaluate(key.secretKey, key.publicKey, blinded, 0n)).toThrow(RangeError);
    expect(() => voprfBlindEvaluate(key.secretKey, key.publicKey, blinded, N)).toThrow(RangeError);
    expect(() => voprfBlind(rng.bytes(8), 0n)).toThrow(RangeError);
    expect(() => voprfBlind(rng.bytes(8), N)).toThrow(RangeError);
    expect(() => voprfBlindEvaluate(key.secretKey, key.publicKey, notAPoint, 5n)).toThrow();
    // An x with no point on the curve (x³ − 3x + b not a square): found by trying x = 0, 1, 2, ...
    const F = Point.Fp;
    const { a, b } = Point.CURVE();
    let x = 0n;
    while (F.eql(F.pow(F.add(F.add(F.mul(F.sqr(x), x), F.mul(a, x)), b), (F.ORDER - 1n) / 2n), F.ONE)) x++;
    const offCurve = concat(Uint8Array.of(0x02), i2osp(x, 48));
    expect(() => Point.fromBytes(offCurve)).toThrow();
    expect(() => voprfBlindEvaluate(key.secretKey, key.publicKey, offCurve, 5n)).toThrow();
  });
});
