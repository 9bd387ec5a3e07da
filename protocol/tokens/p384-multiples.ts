/**
 * Several scalar multiples of one P-384 point for the price of one doubling chain.
 *
 * Why this is written here: a VOPRF issuance (RFC 9497 §2.2, RFC 9578 §5) multiplies the same
 * point by several scalars — the issuer needs skI·B, d·B, (skI·d)·B and (r·d)·B of the client's
 * blinded element B; the client needs d·E, (c·d)·E and blind⁻¹·E of the evaluated element E —
 * and noble multiplies each from scratch: 384 doublings plus its window additions, every time.
 * Doublings are the bulk of a P-384 multiplication in JavaScript (noble's field arithmetic is
 * bigint), so this keeps the chain 2^i·P (i = 0…385) of one point and makes each further multiple
 * out of additions only: a signed width-5 recoding of the scalar (odd digits in ±{1,…,15}, about
 * 64 non-zero digits for 384 bits), the digit terms summed into one bucket per digit value, the
 * buckets combined as Σ d·bucket_d with 16 additions. Each multiple is then ~80 additions
 * instead of ~384 doublings + ~80 additions.
 *
 * The chain's doublings and the bucket sums are written here (Jacobian coordinates, a = −3, the
 * standard dbl-2001-b and add-2007-bl formulas with their exceptional cases); combining the
 * buckets is noble's (`add`, `double`, `subtract` on its complete projective formulas), and the
 * encodings are noble's `toBytes`. The tests compare against noble's `multiply` and OpenSSL
 * (node:crypto ECDH), for edge and random scalars.
 *
 * Variable time: the additions made depend on the scalar's digits. The simulator's threat model
 * (THREATS.md) gives no party a timing view into the issuer's or a client's CPU; a deployment
 * would use a constant-time implementation.
 */
import { p384 } from '@noble/curves/nist.js';

type Point = InstanceType<typeof p384.Point>;
const P384 = p384.Point;
const ORDER = P384.Fn.ORDER;
const FP = P384.Fp.ORDER;
function modP(a: bigint): bigint {
  const r = a % FP;
  return r < 0n ? r + FP : r;
}
/** A recoded scalar below 2^384 has digits at positions 0…384 (the last from a carry). */
const CHAIN_LENGTH = 386;
const WINDOW = 5n;
const WINDOW_MASK = (1n << WINDOW) - 1n;
const HALF = 1 << Number(WINDOW - 1n);
const BUCKETS = HALF / 2;

/** Jacobian coordinates: the point (X/Z², Y/Z³); Z = 0 is never stored (the identity is `undefined`). */
type Jacobian = [bigint, bigint, bigint];

/** dbl-2001-b (a = −3): 3M + 5S. The input is not the identity and has no y = 0 (odd prime order). */
function jDouble([X, Y, Z]: Jacobian): Jacobian {
  const delta = (Z * Z) % FP;
  const gamma = (Y * Y) % FP;
  const beta = (X * gamma) % FP;
  const alpha = modP(3n * modP((X - delta) * (X + delta)));
  const X3 = modP(alpha * alpha - 8n * beta);
  const Z3 = modP((Y + Z) * (Y + Z) - gamma - delta);
  const Y3 = modP(alpha * (4n * beta - X3) - 8n * ((gamma * gamma) % FP));
  return [X3, Y3, Z3];
}

/** add-2007-bl: 11M + 5S, with its exceptional cases (equal points: a doubling; opposite: the identity). */
function jAdd(p: Jacobian, q: Jacobian): Jacobian | undefined {
  const [X1, Y1, Z1] = p;
  const [X2, Y2, Z2] = q;
  const Z1Z1 = (Z1 * Z1) % FP;
  const Z2Z2 = (Z2 * Z2) % FP;
  const U1 = (X1 * Z2Z2) % FP;
  const U2 = (X2 * Z1Z1) % FP;
  const S1 = (((Y1 * Z2) % FP) * Z2Z2) % FP;
  const S2 = (((Y2 * Z1) % FP) * Z1Z1) % FP;
  const H = modP(U2 - U1);
  const r = modP(2n * (S2 - S1));
  if (H === 0n) return r === 0n ? jDouble(p) : undefined;
  const I = (4n * H * H) % FP;
  const J = (H * I) % FP;
  const V = (U1 * I) % FP;
  const X3 = modP(r * r - J - 2n * V);
  const Y3 = modP(r * (V - X3) - 2n * ((S1 * J) % FP));
  const Z3 = (modP((Z1 + Z2) * (Z1 + Z2) - Z1Z1 - Z2Z2) * H) % FP;
  return [X3, Y3, Z3];
}

/** The same point as noble's (homogeneous projective: x = X/Z): (X·Z, Y, Z³). */
function toNoble([X, Y, Z]: Jacobian): Point {
  return new P384((X * Z) % FP, Y, (((Z * Z) % FP) * Z) % FP);
}

export class Multiples {
  /** pow2[i] = 2^i · base, Jacobian. */
  private readonly pow2: Jacobian[];

  constructor(readonly base: Point) {
    if (base.equals(P384.ZERO)) throw new Error('Multiples: the identity has no chain');
    // The chain and the bucket sums are in Jacobian coordinates with a = −3 (doubling 3M + 5S,
    // addition 11M + 5S, both with bigint `%` inline): fewer field multiplications than noble's
    // complete formulas (which also multiply by a generically). The buckets go to noble as
    // homogeneous points (X·Z, Y, Z³), which its constructor checks are field elements; the
    // 16 additions that combine them, and every encoding, are noble's. No doubling meets the
    // identity: the group has odd prime order, so 2^i·P ≠ O for P ≠ O.
    const { x, y } = base.toAffine();
    const pow2: Jacobian[] = [[x, y, 1n]];
    for (let i = 1; i < CHAIN_LENGTH; i++) pow2.push(jDouble(pow2[i - 1]!));
    this.pow2 = pow2;
  }

  /** k · base for any integer k (reduced mod n); the identity for k ≡ 0. */
  times(scalar: bigint): Point {
    let k = ((scalar % ORDER) + ORDER) % ORDER;
    if (k === 0n) return P384.ZERO;
    const buckets: (Jacobian | undefined)[] = new Array<Jacobian | undefined>(BUCKETS);
    let i = 0;
    while (k > 0n) {
      if ((k & 1n) === 1n) {
        // Signed odd digit d ≡ k (mod 32), |d| < 16; subtracting it leaves k divisible by 32.
        let d = Number(k & WINDOW_MASK);
        if (d >= HALF) d -= 2 * HALF;
        k -= BigInt(d);
        const [X, Y, Z] = this.pow2[i]!;
        const term: Jacobian = d > 0 ? [X, Y, Z] : [X, Y === 0n ? 0n : FP - Y, Z];
        const slot = (Math.abs(d) - 1) >> 1;
        const held = buckets[slot];
        // A bucket whose sum became the identity (undefined again) simply restarts.
        buckets[slot] = held === undefined ? term : jAdd(held, term);
      }
      k >>= 1n;
      i++;
      if (i > CHAIN_LENGTH) throw new Error('Multiples: scalar recoding overran the chain');
    }
    // Σ_j (2j+1)·bucket_j = 2·Σ_j (j+1)·bucket_j − Σ_j bucket_j, by running sums from the top.
    let running: Point = P384.ZERO;
    let weighted: Point = P384.ZERO;
    for (let j = BUCKETS - 1; j >= 0; j--) {
      const b = buckets[j];
      if (b !== undefined) running = running.add(toNoble(b));
      weighted = weighted.add(running);
    }
    return weighted.double().subtract(running);
  }
}

/** The generator's chain, made on first use (shared by every key and run of the process). */
let generator: Multiples | undefined;
export function generatorMultiples(): Multiples {
  return (generator ??= new Multiples(P384.BASE));
}

/** Chains of issuer public keys (t2 = s·G + c·pkI in every client's proof check), a few kept. */
const keyChains = new Map<string, Multiples>();
const KEY_CHAINS_MAX = 8;
export function publicKeyMultiples(publicKey: Uint8Array, point: Point): Multiples {
  const id = Buffer.from(publicKey).toString('hex');
  let chain = keyChains.get(id);
  if (chain === undefined) {
    chain = new Multiples(point);
    if (keyChains.size >= KEY_CHAINS_MAX) keyChains.delete(keyChains.keys().next().value!);
    keyChains.set(id, chain);
  }
  return chain;
}

/** The Jacobian formulas, for tests of their exceptional cases (equal and opposite points). */
export const jacobianForTests = { add: jAdd, double: jDouble, toNoble };
