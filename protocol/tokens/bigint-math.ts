/** Modular arithmetic on BigInt for RSA (RFC 8017 §5, RFC 9474 §4). Inputs are non-negative. */

/** a^e mod m by left-to-right square-and-multiply. Variable time: fine for a simulator. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  let result = 1n;
  const b = base % modulus;
  // Walking the binary string avoids a BigInt shift per bit.
  const bits = exponent.toString(2);
  for (let i = 0; i < bits.length; i++) {
    result = (result * result) % modulus;
    if (bits.charCodeAt(i) === 49 /* '1' */) result = (result * b) % modulus;
  }
  return result;
}

export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** a⁻¹ mod m by the extended Euclidean algorithm, or undefined when gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return undefined;
  return ((oldS % m) + m) % m;
}

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Bytes needed for n (RFC 9474 §2: modulus_len = ceil(bit_len(n) / 8)). */
export function byteLength(n: bigint): number {
  return Math.ceil(bitLength(n) / 8);
}
