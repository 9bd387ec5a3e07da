/**
 * Deterministic RSA key generation from an injected `Rng`, so a simulated issuer's key is a pure
 * function of the seed. Shape after FIPS 186-5 App. A.1.3 (random probable primes): top two bits
 * set so n has exactly `bits` bits, e = 65537, |p - q| > 2^(bits/2 - 100), d = e⁻¹ mod λ(n).
 * Measured: 50–510 ms (median 250 ms) for 2048 bits on this machine, varying with the seed; when that is
 * too slow, cache the key as PKCS#8 (rsa-keys.ts `exportRsaPrivateKeyPkcs8` / `importRsaPrivateKey`).
 */
import { aint, os2ip } from '../bytes.js';
import type { Rng } from '../rng.js';
import { bitLength, gcd, modInverse, modPow } from './bigint-math.js';
import { rsaPrivateKey, type RsaPrivateKey } from './rsa-keys.js';

const E = 65537n;
/** Candidates are sieved by the odd primes below this bound before any Miller-Rabin round. */
const SIEVE_BOUND = 4096;
const SMALL_PRIMES = oddPrimesBelow(SIEVE_BOUND);
/** Limits on everything: a prime is found within ~ln(2^1024)/2 ≈ 355 odd steps on average. */
const MAX_STEPS_PER_DRAW = 20_000;
const MAX_DRAWS = 64;
const MAX_KEY_ATTEMPTS = 16;

/**
 * An RSA key pair of `bits` bits (a multiple of 16 in [512, 4096]) drawn from `rng`.
 *
 * @example
 * const key = deriveRsaKeyPair(ChaChaRng.fromSeed(7).fork('issuer-rsa'), 2048);
 */
export function deriveRsaKeyPair(rng: Rng, bits = 2048): RsaPrivateKey {
  aint('bits', bits, 512, 4096);
  if (bits % 16 !== 0) throw new RangeError(`bits expected a multiple of 16, got ${bits}`);
  const half = bits / 2;
  for (let attempt = 0; attempt < MAX_KEY_ATTEMPTS; attempt++) {
    const p = randomPrime(rng, half);
    const q = randomPrime(rng, half);
    // FIPS 186-5 A.1.3 step 5.4: p and q must not be too close (else Fermat factoring).
    const diff = p > q ? p - q : q - p;
    if (diff <= 1n << BigInt(half - 100)) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(E, lambda);
    // FIPS 186-5 A.1.1: 2^(bits/2) < d < λ(n).
    if (d === undefined || d <= 1n << BigInt(half)) continue;
    const [big, small] = p > q ? [p, q] : [q, p];
    return rsaPrivateKey({ n: p * q, e: E, d, p: big, q: small });
  }
  throw new Error('deriveRsaKeyPair: no key after the attempt limit (broken Rng?)');
}

/**
 * A probable prime of exactly `bits` bits with gcd(p - 1, e) = 1: a random odd start with the top
 * two bits set, then an incremental search sieved by small primes (residues kept as numbers, so the
 * sieve costs no BigInt work), then Miller-Rabin.
 */
export function randomPrime(rng: Rng, bits: number): bigint {
  const rounds = millerRabinRounds(bits);
  const top = 3n << BigInt(bits - 2);
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const start = (os2ip(rng.bytes(bits / 8)) | top) | 1n;
    const residues = SMALL_PRIMES.map((sp) => Number(start % BigInt(sp)));
    for (let step = 0; step < MAX_STEPS_PER_DRAW; step += 2) {
      if (!survivesSieve(residues, step)) continue;
      const candidate = start + BigInt(step);
      if (bitLength(candidate) !== bits) break; // ran past 2^bits: draw again
      // e is prime, so gcd(p - 1, e) = 1 unless e divides p - 1.
      if ((candidate - 1n) % E === 0n) continue;
      if (isProbablePrime(candidate, rounds, rng)) return candidate;
    }
  }
  throw new Error('randomPrime: no prime after the draw limit (broken Rng?)');
}

/**
 * Miller-Rabin with `rounds` bases drawn from `rng` (FIPS 186-5 B.3.1). For odd n > 3 only;
 * small n are handled by the sieve.
 */
export function isProbablePrime(n: bigint, rounds: number, rng: Rng): boolean {
  if (n < 5n || n % 2n === 0n) return n === 2n || n === 3n;
  let d = n - 1n;
  let s = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    s++;
  }
  const baseBytes = Math.ceil(bitLength(n) / 8) + 8; // 64 extra bits make the reduction's bias negligible
  for (let i = 0; i < rounds; i++) {
    const a = 2n + (os2ip(rng.bytes(baseBytes)) % (n - 3n)); // a in [2, n-2]
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let witness = true;
    for (let j = 1; j < s; j++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        witness = false;
        break;
      }
    }
    if (witness) return false;
  }
  return true;
}

/**
 * Rounds for random candidates (not adversarial inputs): by the Damgård–Landrock–Pomerance
 * average-case bound, these keep the chance of accepting a composite below 2^-100, the target of
 * FIPS 186-5 App. B.3.
 */
function millerRabinRounds(bits: number): number {
  if (bits >= 1024) return 5;
  if (bits >= 512) return 8;
  return 40;
}

function survivesSieve(residues: readonly number[], step: number): boolean {
  for (let i = 0; i < residues.length; i++) {
    if ((residues[i]! + step) % SMALL_PRIMES[i]! === 0) return false;
  }
  return true;
}

function oddPrimesBelow(bound: number): number[] {
  const composite = new Uint8Array(bound);
  const out: number[] = [];
  for (let i = 3; i < bound; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j < bound; j += 2 * i) composite[j] = 1;
  }
  return out;
}
