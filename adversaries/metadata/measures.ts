/**
 * The three measures of a linking attack, in their plain form: Shannon entropy of a posterior,
 * the entropy-based degree of anonymity (Díaz, Seys, Claessens, Preneel, "Towards measuring
 * anonymity", PET 2002, §3: d = H(X) / H_M with H_M = log2 N), and average precision (the area
 * under the precision-recall curve, computed exactly, ties treated as one threshold).
 *
 * The matcher (link.ts) computes the same quantities in streaming form over typed arrays; the tests
 * check it against these functions.
 */

/**
 * Entropy in bits of the distribution proportional to `weights` (need not sum to 1; zero weights
 * are allowed and contribute nothing). Returns 0 for an empty or all-zero input.
 *
 * @example
 * entropyBits([1, 1, 1, 1]); // 2
 * entropyBits([0.5, 0.25, 0.25]); // 1.5
 */
export function entropyBits(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights expected finite and non-negative, got ${w} at ${i}`);
    total += w;
  }
  if (total === 0) return 0;
  let h = 0;
  for (let i = 0; i < weights.length; i++) {
    const p = weights[i]! / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return Math.max(0, h);
}

/**
 * Díaz et al. 2002 degree of anonymity: H / log2(N) for an anonymity set of N possible senders.
 * N = 1 means the sender is known (0); N = 0 means the attacker saw no possible sender at all,
 * which leaves the sender fully anonymous towards it (1).
 */
export function anonymityDegree(entropy: number, setSize: number): number {
  if (setSize <= 0) return 1;
  if (setSize === 1) return 0;
  return Math.min(1, Math.max(0, entropy / Math.log2(setSize)));
}

/**
 * Average precision of scored pairs: AP = Σ_k (R_k − R_{k−1}) · P_k over the distinct score
 * thresholds k, highest first (pairs with equal scores are retrieved together, as in
 * scikit-learn's `average_precision_score`). `positivesTotal` counts positives the attacker never
 * scored (they keep recall below 1); it defaults to the positives among `labels`.
 *
 * @example
 * averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]); // (1/1 + 2/3) / 2 = 0.8333…
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, positivesTotal?: number): number {
  if (scores.length !== labels.length) throw new RangeError(`labels expected length ${scores.length}, got ${labels.length}`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const total = positivesTotal ?? positives;
  if (total < positives) throw new RangeError(`positivesTotal expected at least ${positives}, got ${total}`);
  if (total === 0) return 0;
  let ap = 0;
  let tp = 0;
  let retrieved = 0;
  for (let i = 0; i < order.length; ) {
    const s = scores[order[i]!]!;
    let tpHere = 0;
    let j = i;
    for (; j < order.length && scores[order[j]!] === s; j++) if (labels[order[j]!]) tpHere++;
    tp += tpHere;
    retrieved += j - i;
    if (tpHere > 0) ap += (tpHere / total) * (tp / retrieved);
    i = j;
  }
  return ap;
}
