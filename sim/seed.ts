/**
 * What a seed is: a non-negative integer no larger than 2^53 − 1 (Number.MAX_SAFE_INTEGER), the
 * range a scenario file's `seed:` has always accepted; `pph run --seed` takes the unsigned 32-bit
 * part of it, and campaigns draw world seeds in [1, 2^31 − 1]. Anything else (negative, fractional,
 * NaN, ±Infinity, beyond 2^53 − 1 where numbers stop being exact) would silently name a different
 * or an ambiguous world, so the library entry points refuse it with a RangeError (a TypeError for
 * what is not a number at all).
 */
export const SEED_MAX = Number.MAX_SAFE_INTEGER;

/** Returns `seed` when it is a valid seed; throws otherwise. `what` names the option in the message. */
export function assertSeed(seed: unknown, what = 'seed'): number {
  if (typeof seed !== 'number') throw new TypeError(`${what} expected an integer in [0, 2^53 - 1], got ${typeof seed}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > SEED_MAX) {
    throw new RangeError(`${what} expected an integer in [0, 2^53 - 1], got ${String(seed)}`);
  }
  return seed;
}
