/**
 * The RFC 9497 VOPRF(P-384, SHA-384) pieces token type 0x0001 needs, on top of noble's RFC 9497
 * module (`p384_oprf.voprf`). What this file adds: scalars drawn from an injected `Rng` (noble
 * would draw from global randomness), element decoding with typed errors, and the non-interactive
 * Evaluate the issuer uses to verify tokens.
 */
import { createECDH, timingSafeEqual, type ECDH } from 'node:crypto';
import { p384, p384_hasher, p384_oprf } from '@noble/curves/nist.js';
import { abytes, concat, equalBytes, i2osp, os2ip, utf8 } from '../bytes.js';
import { TokenFormatError } from '../errors.js';
import type { Rng } from '../rng.js';
import { sha384 } from './hash.js';
import { generatorMultiples, Multiples, publicKeyMultiples } from './p384-multiples.js';

/** RFC 9497 §4.4: Ns = 48 (scalar), Ne = 49 (compressed element) for P384-SHA384. */
export const SCALAR_BYTES = 48;
export const ELEMENT_BYTES = 49;

export const voprf = p384_oprf.voprf;
const Point = p384.Point;
const ORDER = Point.Fn.ORDER;

/** RFC 9497 §3.1: contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ identifier, mode 0x01 = VOPRF. */
const CONTEXT = concat(utf8('OPRFV1-'), Uint8Array.of(0x01), utf8('-P384-SHA384'));
const HASH_TO_GROUP_DST = concat(utf8('HashToGroup-'), CONTEXT);
const FINALIZE = utf8('Finalize');
/** RFC 9497 §4.4: Nh = 48 for SHA-384. */
const HASH_BYTES = 48;
// noble's createOPRF draws rng(getMinHashLength(n)) = 72 bytes for P-384, then maps them with
// mapHashToField: (x mod (n-1)) + 1.
const NOBLE_SCALAR_DRAW_BYTES = 72;

/**
 * RFC 9497 §4.4 (P-384) RandomScalar: a uniform scalar in [1, n-1], by rejection sampling of
 * 48-byte big-endian draws. Rejection (not wide reduction) keeps an injected test value, such as
 * the `blind` of RFC 9578 App. A.1, the exact scalar used.
 */
export function randomScalar(rng: Rng): bigint {
  for (let i = 0; i < 64; i++) {
    const s = os2ip(rng.bytes(SCALAR_BYTES));
    if (s > 0n && s < ORDER) return s;
  }
  // A rejection has probability < 2^-190 per draw; 64 in a row means a broken Rng.
  throw new Error('randomScalar: rejection sampling did not converge');
}

/**
 * A noble `rng` that makes noble pick exactly `scalar`: noble maps its draw x to (x mod (n-1)) + 1,
 * so handing it (scalar - 1), which is below n - 1, lands on `scalar`. The RFC 9578 vectors check
 * this bridge byte for byte (the blinded element depends on it).
 */
export function nobleRngFor(scalar: bigint): (bytesLength?: number) => Uint8Array {
  return (bytesLength = NOBLE_SCALAR_DRAW_BYTES) => {
    if (bytesLength !== NOBLE_SCALAR_DRAW_BYTES) throw new Error(`noble OPRF asked for ${bytesLength} random bytes, expected ${NOBLE_SCALAR_DRAW_BYTES}`);
    return i2osp(scalar - 1n, NOBLE_SCALAR_DRAW_BYTES);
  };
}

/**
 * RFC 9497 §2.1 DeserializeElement plus §3.3 "reject the identity": a TokenFormatError with code
 * `element` for anything that is not a valid non-identity compressed P-384 point.
 */
export function decodeElement(bytes: Uint8Array, what: string): InstanceType<typeof Point> {
  if (bytes.length !== ELEMENT_BYTES) throw new TokenFormatError('element', `${what}: expected ${ELEMENT_BYTES} bytes, got ${bytes.length}`);
  // Decoding is a square root (~0.2 ms on P-384) and each element is decoded 2–3 times per token
  // (type check, then the VOPRF step; the issuer key for every token): the last few valid ones
  // are remembered by their bytes. noble points are immutable, so sharing one is safe.
  const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  const known = decoded.get(id);
  if (known !== undefined) return known;
  const point = decodeFresh(bytes, what);
  if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value!);
  decoded.set(id, point);
  return point;
}
const decoded = new Map<string, InstanceType<typeof Point>>();
const DECODED_MAX = 64;

function decodeFresh(bytes: Uint8Array, what: string): InstanceType<typeof Point> {
  let point: InstanceType<typeof Point>;
  try {
    point = Point.fromBytes(bytes);
  } catch (cause) {
    throw new TokenFormatError('element', `${what}: not a P-384 point`, { cause });
  }
  if (point.equals(Point.ZERO)) throw new TokenFormatError('element', `${what}: identity element`);
  return point;
}

/** A secret scalar: 48 bytes, big-endian, in [1, n-1]; `RangeError` otherwise. */
export function decodeSecretScalar(secretKey: Uint8Array): bigint {
  abytes('secretKey', secretKey, SCALAR_BYTES);
  const s = os2ip(secretKey);
  if (s === 0n || s >= ORDER) throw new RangeError('secretKey expected a scalar in [1, n-1]');
  return s;
}

/** pkS = skS·G, serialised compressed (RFC 9497 §2.1 SerializeElement). */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return Point.BASE.multiply(decodeSecretScalar(secretKey)).toBytes(true);
}

/** OpenSSL ECDH contexts per issuer key (setting a key costs a scalar multiplication), with pkI as a point. */
interface KeyContext {
  readonly ecdh: ECDH;
  readonly publicPoint: InstanceType<typeof Point>;
}
const ecdhCache = new Map<string, KeyContext>();
const ECDH_CACHE_MAX = 16;

function ecdhFor(secretKey: Uint8Array): KeyContext {
  const id = Buffer.from(secretKey).toString('hex');
  let e = ecdhCache.get(id);
  if (!e) {
    const ecdh = createECDH('secp384r1');
    ecdh.setPrivateKey(secretKey);
    e = { ecdh, publicPoint: Point.fromBytes(new Uint8Array(ecdh.getPublicKey())) };
    if (ecdhCache.size >= ECDH_CACHE_MAX) ecdhCache.delete(ecdhCache.keys().next().value!);
    ecdhCache.set(id, e);
  }
  return e;
}

/** RFC 9497 §3.3.2 Finalize/Evaluate hash: Hash(I2OSP(len(input), 2) ‖ input ‖ I2OSP(Ne, 2) ‖ issued ‖ "Finalize"). */
function finalizeHash(input: Uint8Array, issued: Uint8Array): Uint8Array {
  return sha384(i2osp(input.length, 2), input, i2osp(issued.length, 2), issued, FINALIZE);
}

/**
 * The issuer's check of a token (RFC 9578 §5.4), fast and exact: `Q = skI · HashToGroup(input)`
 * computed by OpenSSL's P-384 (node:crypto ECDH), which returns only the x coordinate, so the
 * sign of y is recovered exactly: RFC 9497 §3.3.2 Evaluate has ONE output, and accepting the
 * authenticator of the negated element too would give every token input a second valid
 * authenticator (PITFALLS.md "VOPRF on OpenSSL").
 *
 * Method: x1 = x(Q) from OpenSSL; if neither compressed encoding of x1 gives the authenticator,
 * reject (one multiplication). Otherwise a second OpenSSL product x2 = x(skI·(H + G)) =
 * x(Q + pkI) fixes y(Q) exactly, with no square root: from the chord through Q and pkI = (xp, yp),
 * (y − yp)² = (x2 + x1 + xp)·(x1 − xp)², and y² = x1³ − 3·x1 + b (SEC 1 §2.2.1), so
 * y = (y² + yp² − (x2 + x1 + xp)·(x1 − xp)²) / (2·yp). The result is checked against the curve
 * equation; in the impossible-in-practice cases (H = −G, x1 = xp, a check that fails) noble's
 * exact multiplication decides instead. The encoding that matches must be SerializeElement(Q).
 */
export function evaluateMatches(secretKey: Uint8Array, input: Uint8Array, authenticator: Uint8Array): boolean {
  decodeSecretScalar(secretKey);
  if (authenticator.length !== HASH_BYTES) return false;
  const inputElement = p384_hasher.hashToCurve(input, { DST: HASH_TO_GROUP_DST });
  // RFC 9497 §3.3.2: abort on the identity (negligible for a hash-to-curve output).
  if (inputElement.equals(Point.ZERO)) throw new Error('evaluate: input hashed to the identity');
  const ctx = ecdhFor(secretKey);
  const x1 = new Uint8Array(ctx.ecdh.computeSecret(inputElement.toBytes(false)));
  let prefix: number | undefined;
  for (const p of [0x02, 0x03]) {
    if (timingSafeEqual(finalizeHash(input, concat(Uint8Array.of(p), x1)), authenticator)) prefix = p;
  }
  if (prefix === undefined) return false;
  return serializedPrefix(secretKey, inputElement, ctx, x1) === prefix;
}

/** SEC 1 §2.3.3: the compressed prefix (0x02 even y, 0x03 odd y) of Q = sk·H, given x(Q). */
function serializedPrefix(secretKey: Uint8Array, h: InstanceType<typeof Point>, ctx: KeyContext, x1Bytes: Uint8Array): number {
  const exact = () => h.multiply(os2ip(secretKey)).toBytes(true)[0]!;
  const shifted = h.add(Point.BASE);
  if (shifted.equals(Point.ZERO)) return exact();
  const x2 = os2ip(new Uint8Array(ctx.ecdh.computeSecret(shifted.toBytes(false))));
  const { x: xp, y: yp } = ctx.publicPoint.toAffine();
  const x1 = os2ip(x1Bytes);
  if (x1 === xp) return exact();
  const F = Point.Fp;
  const { a, b } = Point.CURVE();
  const ySquared = F.add(F.add(F.mul(F.sqr(x1), x1), F.mul(a, x1)), b);
  const chord = F.mul(F.add(F.add(x2, x1), xp), F.sqr(F.sub(x1, xp)));
  const y = F.div(F.sub(F.add(ySquared, F.sqr(yp)), chord), F.add(yp, yp));
  if (F.sqr(y) !== ySquared) return exact();
  return (y & 1n) === 1n ? 0x03 : 0x02;
}

/**
 * RFC 9497 §3.3.2 non-interactive Evaluate (VOPRF mode):
 * Hash(I2OSP(len(input), 2) ‖ input ‖ I2OSP(Ne, 2) ‖ SerializeElement(skS·HashToGroup(input)) ‖ "Finalize").
 * Written here rather than taken from noble, whose typed VOPRF surface has no Evaluate; the
 * vectors check it against noble's Finalize.
 */
export function evaluate(secretKey: Uint8Array, input: Uint8Array): Uint8Array {
  const sk = decodeSecretScalar(secretKey);
  const inputElement = p384_hasher.hashToCurve(input, { DST: HASH_TO_GROUP_DST });
  // RFC 9497 §3.3.2: abort on the identity (negligible for a hash-to-curve output).
  if (inputElement.equals(Point.ZERO)) throw new Error('evaluate: input hashed to the identity');
  const issued = inputElement.multiply(sk).toBytes(true);
  return finalizeHash(input, issued);
}

// ---------------------------------------------------------------------------------------------
// VOPRF issuance on shared doubling chains (p384-multiples.ts): the same RFC 9497 §3.3.2 steps as
// noble's `voprf.blind` / `blindEvaluate` / `finalize`, byte for byte (the tests compare them for
// random keys and inputs, and the RFC 9578 vectors pin the bytes), with the scalar
// multiplications regrouped by base point. Algebra used: with one element, RFC 9497 §2.2.1
// ComputeComposites is M = d·B and Z = d·E for one hash-derived weight d, so
//   issuer: E = skI·B, M = d·B, Z = skI·M = (skI·d)·B, t3 = r·M = (r·d)·B: one chain of B;
//   client: M = d·B = (d·blind)·H and s·M = (s·d·blind)·H (one chain of H, kept from Blind),
//           Z = d·E, c·Z = (c·d)·E, unblinded = blind⁻¹·E (one chain of E),
//           t2 = s·G + c·pkI on the cached chains of G and pkI.
// Equal points have equal encodings, so every byte is what noble's step-by-step version gives.
// ---------------------------------------------------------------------------------------------

const Fn = Point.Fn;
const HASH_TO_SCALAR_DST = concat(utf8('HashToScalar-'), CONTEXT);
const SEED_DST = concat(utf8('Seed-'), CONTEXT);
const COMPOSITE = utf8('Composite');
const CHALLENGE = utf8('Challenge');
/** RFC 9497 §1.2: inputs are length-prefixed with two bytes. */
const INPUT_MAX = 0xffff;

/** RFC 9497 §2.1 I2OSP(len(x), 2) ‖ x for every byte string, the labels as they are. */
function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts.flatMap((p) => [i2osp(p.length, 2), p]));
}

function hashToScalar(msg: Uint8Array): bigint {
  return p384_hasher.hashToScalar(msg, { DST: HASH_TO_SCALAR_DST });
}

function hashToGroup(input: Uint8Array): InstanceType<typeof Point> {
  if (input.length > INPUT_MAX) throw new RangeError(`input: at most ${INPUT_MAX} bytes, got ${input.length}`);
  const h = p384_hasher.hashToCurve(input, { DST: HASH_TO_GROUP_DST });
  if (h.equals(Point.ZERO)) throw new Error('blind: input hashed to the identity');
  return h;
}

/** RFC 9497 §2.2.1 ComputeComposites for one element: the weight d_0. */
function compositeWeight(publicKey: Uint8Array, blinded: Uint8Array, evaluated: Uint8Array): bigint {
  const seed = sha384(lengthPrefixed(publicKey, SEED_DST));
  return hashToScalar(concat(lengthPrefixed(seed), i2osp(0, 2), lengthPrefixed(blinded, evaluated), COMPOSITE));
}

/** RFC 9497 §2.2.1 the challenge c = HashToScalar(Bm ‖ a0 ‖ a1 ‖ a2 ‖ a3 ‖ "Challenge"). */
function challenge(publicKey: Uint8Array, m: Uint8Array, z: Uint8Array, t2: Uint8Array, t3: Uint8Array): bigint {
  return hashToScalar(concat(lengthPrefixed(publicKey, m, z, t2, t3), CHALLENGE));
}

/** The client's chain of H = HashToGroup(input), kept from Blind for Finalize (its 2 multiples of B). */
export interface BlindChain {
  readonly blinded: Uint8Array;
  readonly chain: Multiples;
}

/**
 * RFC 9497 §3.3.1 Blind (VOPRF mode) with the blind given: blinded = blind·HashToGroup(input).
 * Returns the blind's 48-byte encoding, the compressed blinded element, and the chain of H for
 * {@link voprfFinalize}.
 */
export function voprfBlind(input: Uint8Array, blind: bigint): { blind: Uint8Array; blinded: Uint8Array; chain: BlindChain } {
  if (blind <= 0n || blind >= ORDER) throw new RangeError('blind: expected a scalar in [1, n-1]');
  const chain = new Multiples(hashToGroup(input));
  const blinded = chain.times(blind).toBytes(true);
  return { blind: Fn.toBytes(blind), blinded, chain: { blinded, chain } };
}

/**
 * RFC 9497 §3.3.2 BlindEvaluate (VOPRF mode), one element, proof randomness r given:
 * evaluated = skS·B and the DLEQ proof (c, s) of RFC 9497 §2.2.1 GenerateProof.
 */
export function voprfBlindEvaluate(secretKey: Uint8Array, publicKey: Uint8Array, blindedBytes: Uint8Array, r: bigint): { evaluated: Uint8Array; proof: Uint8Array } {
  const sk = decodeSecretScalar(secretKey);
  if (r <= 0n || r >= ORDER) throw new RangeError('proof randomness: expected a scalar in [1, n-1]');
  decodeElement(publicKey, 'public key');
  const b = new Multiples(decodeElement(blindedBytes, 'blinded element'));
  const blinded = b.base.toBytes(true);
  const evaluated = b.times(sk).toBytes(true);
  const d = compositeWeight(publicKey, blinded, evaluated);
  const m = b.times(d).toBytes(true);
  const z = b.times(Fn.mul(sk, d)).toBytes(true);
  const t2 = generatorMultiples().times(r).toBytes(true);
  const t3 = b.times(Fn.mul(r, d)).toBytes(true);
  const c = challenge(publicKey, m, z, t2, t3);
  const s = Fn.sub(r, Fn.mul(c, sk));
  return { evaluated, proof: concat(Fn.toBytes(c), Fn.toBytes(s)) };
}

/**
 * RFC 9497 §3.3.2 Finalize (VOPRF mode), one element: verifies the DLEQ proof (RFC 9497 §2.2.2
 * VerifyProof) and returns Hash(len ‖ input ‖ len ‖ SerializeElement(blind⁻¹·E) ‖ "Finalize").
 * A proof that does not verify, or whose scalars are not below n, throws. `kept` is the chain
 * {@link voprfBlind} returned; without it (or for another blinded element) B's own chain is used.
 */
export function voprfFinalize(
  input: Uint8Array,
  blindBytes: Uint8Array,
  evaluatedBytes: Uint8Array,
  blindedBytes: Uint8Array,
  publicKey: Uint8Array,
  proof: Uint8Array,
  kept?: BlindChain,
): Uint8Array {
  if (input.length > INPUT_MAX) throw new RangeError(`input: at most ${INPUT_MAX} bytes, got ${input.length}`);
  abytes('proof', proof, 2 * SCALAR_BYTES);
  const blind = Fn.fromBytes(blindBytes);
  if (blind === 0n) throw new RangeError('blind: zero');
  const pk = decodeElement(publicKey, 'public key');
  const bPoint = decodeElement(blindedBytes, 'blinded element');
  const e = new Multiples(decodeElement(evaluatedBytes, 'evaluated element'));
  const c = Fn.fromBytes(proof.subarray(0, SCALAR_BYTES));
  const s = Fn.fromBytes(proof.subarray(SCALAR_BYTES));
  const blinded = bPoint.toBytes(true);
  const evaluated = e.base.toBytes(true);
  const d = compositeWeight(publicKey, blinded, evaluated);
  // Multiples of B: through the chain of H (B = blind·H) when it is the one Blind made.
  const viaH = kept !== undefined && equalBytes(kept.blinded, blinded);
  const ofB: (k: bigint) => InstanceType<typeof Point> = viaH ? (k) => kept.chain.times(Fn.mul(k, blind)) : ((chain) => (k: bigint) => chain.times(k))(new Multiples(bPoint));
  const mPoint = ofB(d);
  const zPoint = e.times(d);
  const t2 = generatorMultiples().times(s).add(publicKeyMultiples(publicKey, pk).times(c));
  const t3 = ofB(Fn.mul(s, d)).add(e.times(Fn.mul(c, d)));
  const expected = challenge(publicKey, mPoint.toBytes(true), zPoint.toBytes(true), t2.toBytes(true), t3.toBytes(true));
  if (expected !== c) throw new Error('proof verification failed');
  const unblinded = e.times(Fn.inv(blind)).toBytes(true);
  return finalizeHash(input, unblinded);
}
