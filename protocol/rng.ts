/**
 * The one contract for randomness. Everything in protocol/ that needs random bytes takes an
 * `Rng`; the simulator (sim/rng.ts) provides the seeded implementation and forks it per party
 * and purpose, so a run is a pure function of (scenario, seed).
 */
export interface Rng {
  /** `n` fresh bytes from this stream. */
  bytes(n: number): Uint8Array;
  /** An independent stream derived from this one and `label`; forking does not advance this stream. */
  fork(label: string): Rng;
}

/** A uniform integer in [0, bound) drawn without modulo bias. `bound` ≤ 2^32. */
export function uniformInt(rng: Rng, bound: number): number {
  if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 32) throw new RangeError(`bound expected integer in [1, 2^32], got ${bound}`);
  const limit = Math.floor(2 ** 32 / bound) * bound;
  for (let i = 0; i < 64; i++) {
    const b = rng.bytes(4);
    const v = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (v < limit) return v % bound;
  }
  // 64 rejections in a row has probability < 2^-64; a limit on everything.
  throw new Error('uniformInt: rejection sampling did not converge');
}

/** A float in [0, 1) with 53 random bits. */
export function uniformFloat(rng: Rng): number {
  const b = rng.bytes(7);
  let v = 0;
  for (let i = 0; i < 7; i++) v = v * 256 + b[i]!;
  return (v / 2 ** 56) % 1; // 56 bits drawn; fold into [0,1)
}
