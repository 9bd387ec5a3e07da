/**
 * Relay batching (a threshold-or-timeout pool, the classic mix design): the relay holds requests
 * and releases the pool when it holds `batchSize` of them, or `batchTimeoutMs` after the first one
 * started waiting, whichever comes first. All members of a pool leave at the same instant in a
 * shuffled order, so on the relay→gateway link they are told apart only by network jitter.
 *
 * The release times are a deterministic function of the arrival times, which the coalition sees on
 * the client→relay link: the traffic generator and the attacker call this same function, the first
 * to move requests, the second to predict when each could have left (Kerckhoffs: the attacker
 * knows the policy).
 */

/** A relay's batching policy; `batchSize` 1 forwards each request at once. */
export interface BatchPolicy {
  batchSize: number;
  batchTimeoutMs: number;
}

export const NO_BATCHING: BatchPolicy = { batchSize: 1, batchTimeoutMs: 0 };

/**
 * Writes into `releaseMs[i]` when the request that arrived at `arrivalMs[i]` leaves the relay.
 * `arrivalMs` must be sorted ascending (one relay's arrivals); release times come out
 * non-decreasing, which the matcher's binary searches rely on.
 *
 * @example
 * const out = new Float64Array(3);
 * releaseTimes(Float64Array.of(0, 1, 5), { batchSize: 2, batchTimeoutMs: 100 }, out);
 * // out = [1, 1, 105]: the first pool fills at t=1, the last request waits for the timeout
 */
export function releaseTimes(arrivalMs: Float64Array, policy: BatchPolicy, releaseMs: Float64Array): void {
  const n = arrivalMs.length;
  const size = policy.batchSize;
  if (size <= 1) {
    releaseMs.set(arrivalMs);
    return;
  }
  const timeout = policy.batchTimeoutMs;
  let start = 0; // first request of the pool now waiting
  for (let i = 0; i < n; i++) {
    const t = arrivalMs[i]!;
    // The timer of the pool fired before this arrival: that pool left without it.
    if (start < i && t > arrivalMs[start]! + timeout) {
      releaseMs.fill(arrivalMs[start]! + timeout, start, i);
      start = i;
    }
    if (i - start + 1 === size) {
      releaseMs.fill(t, start, i + 1);
      start = i + 1;
    }
  }
  if (start < n) releaseMs.fill(arrivalMs[start]! + timeout, start, n);
}
