/**
 * The attacker of metadata-correlation (THREATS.md adversary 4): a passive coalition that sees,
 * on the client→relay link, (client address, time, size) of every request of the relays it holds,
 * and on the relay→gateway link (time, size, which relay) of every request, and links each
 * gateway-side observation to the client-side send (hence the client address) that carried it.
 *
 * For one gateway observation at time t, a client-side send s is a candidate when it went through
 * the same relay, has exactly the same size on the wire (an RFC 9458 relay forwards the
 * encapsulated request unchanged) and its predicted release time r(s) (batching.ts) lies in
 * [t − delayMsMax, t − delayMsMin]. Its posterior is proportional to the density of the
 * relay→gateway delay at t − r(s); the attacker guesses the maximum. Requests released together
 * (one batch) have equal posteriors: they form a "run" that is scored once, which keeps the work per
 * observation proportional to the number of distinct release times in its window, not the batch
 * size.
 *
 * Cost: O(n log n) to index the client side (client-index.ts), then per observation a few
 * searches started where the previous observation's window was (O(1) amortised on nearly sorted
 * input) and one pass over the runs in its window. Typed arrays throughout; no object per request.
 *
 * Measures (measures.ts gives their plain forms):
 * - accuracy: mean over scored observations of [true send ∈ argmax] / |argmax| (the expected
 *   accuracy of a guess that breaks ties uniformly at random; deterministic, no draw);
 * - chance: mean of 1/N, N the sends concurrent with it (same relay, release time in the window,
 *   any size): a guess among the requests in flight when it arrived (0 for a request whose send
 *   the coalition did not see: no guess of its can be right);
 * - anonymity degree: Díaz et al. 2002, H(posterior) / log2 N;
 * - AUPRC: average precision over every (observation, candidate) pair, scored by its posterior and
 *   labelled by whether it is the true link; computed exactly (see `averagePrecisionOfRuns`).
 *   Real requests whose send the coalition never saw count as positives never retrieved.
 */
import type { BatchPolicy } from './batching.js';
import { gallopGe, gallopGe2, gallopGt, gallopGt2, indexClientSide, upperBound, type ClientIndex, type ClientSideArrays } from './client-index.js';
import { MetadataInputError } from './errors.js';
import { scratch } from './scratch.js';

export { MetadataInputError };
export type { ClientSideArrays };

export type DelayShape = 'uniform' | 'triangular';

/** What the attacker knows of the path between its two observation points. */
export interface LinkModel extends BatchPolicy {
  /** Bounds of the delay between the client-side and gateway-side observation of one request, batching hold excluded. */
  delayMsMin: number;
  delayMsMax: number;
  /** Shape of that delay on its bounds: flat, or the sum of two uniforms (peaked in the middle). */
  shape: DelayShape;
}

/**
 * For traces of the simulator's default network (scenarios/schema.ts: 2–30 ms per link, uniform
 * integers) observed at the client's send and the gateway's arrival: two hops, 4–60 ms, flat.
 * The lower bound is 0, not 4, so that a trace observed at the relay instead still fits; a
 * caller who knows where its observations were taken should pass the exact bounds.
 */
export const SIM_DEFAULT_MODEL: LinkModel = { delayMsMin: 0, delayMsMax: 60, shape: 'uniform', batchSize: 1, batchTimeoutMs: 0 };

/** `truth` of a gateway observation that is not scored (cover traffic, or unknown). */
export const NOT_SCORED = -2;
/** `truth` of a real request whose client-side send the coalition did not observe. */
export const UNOBSERVED = -1;

/** Gateway-side observations as parallel arrays; `truth[g]` is the index of the true send, or NOT_SCORED / UNOBSERVED. */
export interface GatewaySideArrays {
  tMs: Float64Array;
  bytes: Int32Array;
  relay: Int32Array;
  truth: Int32Array;
}

/** Per gateway observation: the guess (a client-side index or -1), its posterior, and the sizes of the sets. */
export interface LinkArrays {
  guess: Int32Array;
  posterior: Float64Array;
  /** Candidates with non-zero posterior (size-compatible, in the window). */
  candidates: Int32Array;
  /** Sends concurrent with it on the same relay, any size (the anonymity set N). */
  concurrent: Int32Array;
  entropyBits: Float64Array;
}

export interface LinkSummary {
  /** Observations with a truth (real requests). */
  scored: number;
  /** Of those, how many had their true send among the client-side observations. */
  observed: number;
  accuracy: number;
  chance: number;
  anonymityDegree: number;
  auprc: number;
  meanCandidates: number;
  meanConcurrent: number;
  meanEntropyBits: number;
  /** 1 when every real request was scored; s when only every s-th was (the windows held more than `maxPairs` pairs). */
  stride: number;
  /** Candidate pairs in the windows of all real requests before the stride (a batch counts once). */
  pairs: number;
}

/** Default bound on candidate pairs scored per analysis: 2^25, ~3 s of matching on this machine. */
export const MAX_PAIRS_DEFAULT = 1 << 25;

const EPS_MS = 1e-6;

/** Math.log2 of the integers below LOG2_INT_SIZE (the anonymity sets N), computed by Math.log2 itself. */
const LOG2_INT_SIZE = 1 << 16;
const LOG2_INT = Float64Array.from({ length: LOG2_INT_SIZE }, (_, i) => Math.log2(i));
/** Math.log2(n) of a non-negative integer, from the table where it holds it. */
const log2Int = (n: number): number => (n < LOG2_INT_SIZE ? LOG2_INT[n]! : Math.log2(n));

/** Slots of linkArrays' sums. */
const SCORED = 0;
const OBSERVED = 1;
const ACCURACY = 2;
const CHANCE = 3;
const DEGREE = 4;
const CANDIDATES = 5;
const CONCURRENT = 6;
const ENTROPY = 7;
const SUM_SLOTS = 8;

function checkModel(m: LinkModel): void {
  const ok =
    Number.isFinite(m.delayMsMin) && Number.isFinite(m.delayMsMax) && m.delayMsMin >= 0 && m.delayMsMax >= m.delayMsMin &&
    Number.isInteger(m.batchSize) && m.batchSize >= 1 && Number.isFinite(m.batchTimeoutMs) && m.batchTimeoutMs >= 0 &&
    (m.shape === 'uniform' || m.shape === 'triangular');
  if (!ok) throw new MetadataInputError('option', `link model expected 0 ≤ delayMsMin ≤ delayMsMax, batchSize ≥ 1, batchTimeoutMs ≥ 0, shape uniform|triangular, got ${JSON.stringify(m)}`);
}

/**
 * Links every gateway-side observation to a client-side send. The typed-array core of
 * {@link linkObservations}; `analyseMetadata` calls it on a million requests.
 */
export function linkArrays(
  client: ClientSideArrays,
  gateway: GatewaySideArrays,
  model: LinkModel,
  maxPairs: number = MAX_PAIRS_DEFAULT,
  /** The per-observation arrays (`links`) as scratch (scratch.ts): for a caller that keeps only the summary (analysePool). */
  scratchLinks = false,
): { links: LinkArrays; summary: LinkSummary } {
  checkModel(model);
  if (!(maxPairs >= 1)) throw new MetadataInputError('option', `maxPairs expected at least 1, got ${maxPairs}`);
  const ng = gateway.tMs.length;
  if (gateway.bytes.length !== ng || gateway.relay.length !== ng || gateway.truth.length !== ng) {
    throw new MetadataInputError('input', `gateway side expected ${ng} sizes, relays and truths`);
  }
  const nc = client.tMs.length;
  for (let g = 0; g < ng; g++) {
    const tr = gateway.truth[g]!;
    if (!Number.isFinite(gateway.tMs[g]!)) throw new MetadataInputError('input', `gateway side tMs[${g}] expected finite, got ${gateway.tMs[g]}`);
    if (tr < NOT_SCORED || tr >= nc) throw new MetadataInputError('input', `gateway side truth[${g}] expected a client-side index below ${nc}, -1 or -2, got ${tr}`);
  }
  const ix = indexClientSide(client, model);
  const a = model.delayMsMin;
  const b = model.delayMsMax;
  const flat = model.shape === 'uniform' || b - a < EPS_MS;

  const links: LinkArrays = scratchLinks
    ? {
        guess: scratch.i32('linkGuess', ng).fill(-1),
        posterior: scratch.f64('linkPosterior', ng).fill(0),
        candidates: scratch.i32('linkCandidates', ng).fill(0),
        concurrent: scratch.i32('linkConcurrent', ng).fill(0),
        entropyBits: scratch.f64('linkEntropy', ng).fill(0),
      }
    : {
        guess: new Int32Array(ng).fill(-1),
        posterior: new Float64Array(ng),
        candidates: new Int32Array(ng),
        concurrent: new Int32Array(ng),
        entropyBits: new Float64Array(ng),
      };
  // Kept for the later passes: the window in its group (-1: none, or not scored) and the posterior's normaliser.
  // Scratch (scratch.ts): none of these leaves this call; each is written before it is read, or zeroed.
  const winLo = scratch.i32('winLo', ng).fill(-1);
  const winHi = scratch.i32('winHi', ng);
  const weightSum = scratch.f64('weightSum', ng);
  const positiveScore = scratch.f64('positiveScore', ng).fill(0);
  /** 1 when the window holds a negative pair (a candidate other than the true send): the AUPRC pass visits only those. */
  const hasNegatives = scratch.u8('hasNegatives', ng).fill(0);

  // Search hints, per relay and per group: where the previous observation's window started and ended.
  const relayHint = ix.relayStart.slice(0, ix.relays);
  const relayHintHi = ix.relayStart.slice(0, ix.relays);
  // The index's arrays as locals: the loops below read them on every step.
  const { relayTable, groupTable, sizeSpan, relayStart, relayRel, groupStart, groupRec, groupRecI, positionOf } = ix;
  const { tMs: gT, bytes: gBytes, relay: gRelay, truth: gTruth } = gateway;
  const { concurrent: lConcurrent, candidates: lCandidates, entropyBits: lEntropy, guess: lGuess, posterior: lPosterior } = links;
  const groupHint = ix.groupStart.slice(0, ix.groupStart.length - 1);
  const groupHintHi = ix.groupStart.slice(0, ix.groupStart.length - 1);

  /** Posterior, guess and measures of one observation over its window; returns its share of the accuracy sum. */
  const score = (g: number): number => {
    const truth = gTruth[g]!;
    const t = gT[g]!;
    let k = 0;
    let wSum = 0;
    let wLogW = 0;
    let wMax = 0;
    let ties = 0;
    let wTruth = 0;
    let guessPos = -1;
    // Runs with a positive weight; the first one's weight and size, whose w·log2 w is added only
    // once a second run shows the posterior is not flat (see the entropy below).
    let runs = 0;
    let firstW = 0;
    let firstCnt = 0;
    const lo = winLo[g]!;
    if (lo >= 0) {
      const hi = winHi[g]!;
      const tp = truth >= 0 ? positionOf[truth]! : -1;
      for (let i = lo; i < hi; ) {
        const j = Math.min(groupRecI[4 * i + 2]!, hi);
        let w: number;
        if (flat) w = 1;
        else {
          const d = t - groupRec[2 * i]!;
          w = Math.min(d - a, b - d);
        }
        if (w > 0) {
          const cnt = j - i;
          k += cnt;
          wSum += cnt * w;
          if (++runs === 1) {
            firstW = w;
            firstCnt = cnt;
          } else {
            if (runs === 2) wLogW += firstCnt * firstW * Math.log2(firstW);
            wLogW += cnt * w * Math.log2(w);
          }
          if (w > wMax) {
            wMax = w;
            ties = cnt;
            guessPos = i;
          } else if (w === wMax) ties += cnt;
          if (tp >= i && tp < j) wTruth = w;
        }
        i = j;
      }
    }
    // H = −Σ p log2 p with p = w/W, rearranged to one pass: log2 W − (Σ w log2 w)/W. One run (every
    // candidate released together, or a single candidate: most requests of most points) is a flat
    // posterior over its k candidates: H = log2 k exactly, from the table, without the two
    // Math.log2 calls whose difference would only add rounding (Math.log2 was ~8 % of a million-
    // request analysis; docs/performance.md).
    lCandidates[g] = k;
    lEntropy[g] = runs === 1 ? log2Int(k) : k > 0 ? Math.max(0, Math.log2(wSum) - wLogW / wSum) : 0;
    if (guessPos >= 0) {
      lGuess[g] = groupRecI[4 * guessPos + 3]!;
      lPosterior[g] = wMax / wSum;
    }
    weightSum[g] = wSum;
    if (k > (wTruth > 0 ? 1 : 0)) hasNegatives[g] = 1;
    if (wTruth > 0) {
      positiveScore[g] = wTruth / wSum;
      if (wTruth === wMax) return 1 / ties;
    }
    return 0;
  };

  // The sums, in a typed array rather than closure variables: a double captured and updated by a
  // closure lives boxed in its context (a heap number per update, churn for the GC).
  const sums = new Float64Array(SUM_SLOTS);
  /** Adds a scored real request to the measures (in observation order, always the same sums). */
  const tally = (g: number, accuracy: number): void => {
    const k = lCandidates[g]!;
    const h = lEntropy[g]!;
    const concurrent = lConcurrent[g]!;
    sums[SCORED]!++;
    sums[CANDIDATES]! += k;
    sums[CONCURRENT]! += concurrent;
    sums[ENTROPY]! += h;
    // anonymityDegree(h, N) (measures.ts), with log2 N of the table: the same value, one Math.log2 fewer per request.
    const setSize = k === 0 ? 0 : concurrent;
    sums[DEGREE]! += setSize <= 0 ? 1 : setSize === 1 ? 0 : Math.min(1, Math.max(0, h / log2Int(setSize)));
    if (gTruth[g]! >= 0) {
      sums[OBSERVED]!++;
      if (concurrent > 0) sums[CHANCE]! += 1 / concurrent;
      if (accuracy > 0) sums[ACCURACY]! += accuracy;
    }
  };

  // Pass 0: each observation's window, on its relay (the concurrent set) and in its size group
  // (the candidates). Searches start where the previous observation's window did (hints). While
  // the candidate pairs stay within `maxPairs` (every request scored, the common case) each
  // observation is scored right after its window is found, with its candidates still in cache.
  let pairs = 0;
  let fused = true;
  for (let g = 0; g < ng; g++) {
    const truth = gTruth[g]!;
    window: {
      const t = gT[g]!;
      const fromT = t - b - EPS_MS;
      const toT = t - a + EPS_MS;
      const relayId = gRelay[g]!;
      const r = relayTable !== null ? (relayId >= 0 && relayId < relayTable.length ? relayTable[relayId]! : -1) : (ix.relayDense.get(relayId) ?? -1);
      if (r < 0) break window;
      const rs = relayStart[r]!;
      const re = relayStart[r + 1]!;
      const from = gallopGe(relayRel, rs, re, fromT, relayHint[r]!);
      relayHint[r] = from;
      const to = gallopGt(relayRel, from, re, toT, relayHintHi[r]!);
      relayHintHi[r] = to;
      lConcurrent[g] = to - from;
      const size = gBytes[g]!;
      const grp = groupTable !== null ? (size >= 0 && size < sizeSpan ? groupTable[r * sizeSpan + size]! : -1) : (ix.groupOf[r]!.get(size) ?? -1);
      if (grp < 0) break window;
      const gs = groupStart[grp]!;
      const ge = groupStart[grp + 1]!;
      const lo = gallopGe2(groupRec, gs, ge, fromT, groupHint[grp]!);
      groupHint[grp] = lo;
      const hi = gallopGt2(groupRec, lo, ge, toT, groupHintHi[grp]!);
      groupHintHi[grp] = hi;
      winLo[g] = lo;
      winHi[g] = hi;
      if (truth === NOT_SCORED) break window;
      if (model.batchSize === 1) pairs += hi - lo;
      else for (let i = lo; i < hi; i = groupRecI[4 * i + 2]!) pairs++; // a batch is scored once per window
    }
    if (fused) {
      if (pairs > maxPairs) fused = false;
      else {
        const accuracy = score(g);
        if (truth !== NOT_SCORED) tally(g, accuracy);
      }
    }
  }

  // A limit on everything: when the windows hold more candidate pairs than `maxPairs` (full
  // padding under a second of jitter: a thousand candidates per request; a batch released
  // together counts once, as it is scored once), score every stride-th real request only. Every
  // request stays a candidate for the others; the sample is fixed by position, never by outcome.
  const stride = Math.max(1, Math.ceil(pairs / maxPairs));
  if (!fused) {
    // Pass 1 (only beyond maxPairs): what pass 0 scored is dropped; every stride-th real request is scored.
    lGuess.fill(-1);
    lPosterior.fill(0);
    lCandidates.fill(0);
    lEntropy.fill(0);
    weightSum.fill(0);
    positiveScore.fill(0);
    hasNegatives.fill(0);
    sums.fill(0);
    let scoredSeen = 0;
    for (let g = 0; g < ng; g++) {
      const truth = gTruth[g]!;
      if (truth === NOT_SCORED ? stride > 1 : scoredSeen++ % stride !== 0) {
        winLo[g] = -1;
        continue;
      }
      const accuracy = score(g);
      if (truth !== NOT_SCORED) tally(g, accuracy);
    }
  }

  const scored = sums[SCORED]!;
  const auprc = averagePrecisionOfRuns(ix, gateway, model, flat, winLo, winHi, hasNegatives, weightSum, positiveScore, scored, pairs);
  const per = (x: number): number => (scored > 0 ? x / scored : 0);
  return {
    links,
    summary: {
      scored,
      observed: sums[OBSERVED]!,
      accuracy: per(sums[ACCURACY]!),
      chance: per(sums[CHANCE]!),
      anonymityDegree: per(sums[DEGREE]!),
      auprc,
      meanCandidates: per(sums[CANDIDATES]!),
      meanConcurrent: per(sums[CONCURRENT]!),
      meanEntropyBits: per(sums[ENTROPY]!),
      stride,
      pairs,
    },
  };
}

/**
 * Exact average precision over all (scored observation, candidate) pairs without materialising
 * them: the positives' scores (one per observation at most) are sorted into distinct thresholds;
 * a second pass over the windows drops every negative pair, run by run, into the bucket of the
 * highest threshold it reaches. Then AP = Σ_j (pos(u_j) / P) · Pos≥(u_j) / (Pos≥(u_j) + Neg≥(u_j)),
 * the same value `averagePrecision` (measures.ts) gives on the enumerated pairs.
 *
 * This pass was the analysis' cost centre (~60 ns per negative pair placed one by one, each a
 * chain of dependent cache misses: bucket → threshold → counter); {@link NegativePlacer} gathers
 * the pairs per score range first, which halved the padding points (docs/performance.md).
 */
function averagePrecisionOfRuns(
  ix: ClientIndex,
  gateway: GatewaySideArrays,
  model: LinkModel,
  flat: boolean,
  winLo: Int32Array,
  winHi: Int32Array,
  hasNegatives: Uint8Array,
  weightSum: Float64Array,
  positiveScore: Float64Array,
  positivesTotal: number,
  /** Runs in the windows (pass 0's `pairs`): a bound on the negative runs to place. */
  runsBound: number,
): number {
  if (positivesTotal === 0) return 0;
  const sortedPos = sortedPositiveScores(positiveScore);
  const m = sortedPos.length;
  if (m === 0) return 0;
  // Distinct thresholds ascending, with how many positives sit at each.
  const u = scratch.f64('u', m);
  const posAt = scratch.f64('posAt', m);
  let distinct = 0;
  for (let i = 0; i < m; i++) {
    if (distinct > 0 && u[distinct - 1] === sortedPos[i]) posAt[distinct - 1]!++;
    else {
      u[distinct] = sortedPos[i]!;
      posAt[distinct++] = 1;
    }
  }
  const negAt = scratch.f64('negAt', distinct).fill(0);
  const lowest = u[0]!;
  const highest = u[distinct - 1]!;
  const placer = new NegativePlacer(u, distinct, negAt, runsBound, model.batchSize === 1);
  const a = model.delayMsMin;
  const b = model.delayMsMax;
  let negTop = 0;
  const { groupRec, groupRecI, positionOf } = ix;
  const { tMs: gT, truth: gTruth } = gateway;
  for (let g = 0; g < winLo.length; g++) {
    const lo = winLo[g]!;
    const truth = gTruth[g]!;
    if (lo < 0 || truth === NOT_SCORED || hasNegatives[g] === 0) continue;
    const hi = winHi[g]!;
    const t = gT[g]!;
    const wSum = weightSum[g]!;
    const tp = truth >= 0 ? positionOf[truth]! : -1;
    for (let i = lo; i < hi; ) {
      const j = Math.min(groupRecI[4 * i + 2]!, hi);
      let w: number;
      if (flat) w = 1;
      else {
        const d = t - groupRec[2 * i]!;
        w = Math.min(d - a, b - d);
      }
      const negatives = tp >= i && tp < j ? j - i - 1 : j - i;
      if (w > 0 && negatives > 0) {
        const s = w / wSum;
        if (s >= highest) negTop += negatives;
        else if (s >= lowest) placer.add(s, negatives);
      }
      i = j;
    }
  }
  placer.finish();
  negAt[distinct - 1]! += negTop;
  let ap = 0;
  let posGe = 0;
  let negGe = 0;
  for (let j = distinct - 1; j >= 0; j--) {
    posGe += posAt[j]!;
    negGe += negAt[j]!;
    ap += (posAt[j]! / positivesTotal) * (posGe / (posGe + negGe));
  }
  return ap;
}

/**
 * The positive entries of `scores`, ascending (a scratch view): the same array as filtering them
 * and `sortPositiveDoubles`, but the entries exactly 1 (the true send alone in its window, or
 * alone at the top of a flat one: most requests of most points) are counted, not sorted, and put
 * in at their place after the others are sorted. Equal doubles are indistinguishable, so the
 * result is the same bit for bit (test/adversaries/metadata-speed.test.ts).
 */
export function sortedPositiveScores(scores: Float64Array): Float64Array {
  let m = 0;
  let ones = 0;
  for (let g = 0; g < scores.length; g++) {
    const p = scores[g]!;
    if (p > 0) {
      if (p === 1) ones++;
      else m++;
    }
  }
  const out = scratch.f64('sortedPos', m + ones);
  const rest = out.subarray(0, m);
  m = 0;
  for (let g = 0; g < scores.length; g++) {
    const p = scores[g]!;
    if (p > 0 && p !== 1) rest[m++] = p;
  }
  sortPositiveDoubles(rest);
  // The ones go before the first entry above 1 (a score w/W never is, but the order holds for any input).
  let at = m;
  while (at > 0 && rest[at - 1]! > 1) at--;
  out.copyWithin(at + ones, at, m);
  out.fill(1, at, at + ones);
  return out;
}

/** Set once: a double's low 32-bit word comes first in memory (every platform node runs on; else the built-in sort). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const RADIX_MIN = 1 << 12;

/**
 * Sorts positive finite doubles ascending, in place: the same order as `Float64Array.prototype.sort`
 * (for positive doubles the IEEE 754 bit pattern, read as an unsigned 64-bit integer, orders as the
 * value does), by an LSD radix sort on four 16-bit digits. Hand-written because the built-in sort
 * (a comparison sort) was ~1.3 s of the 21 points at a million requests (a million positives a point);
 * this takes a third of that. A digit that is the same for every value is skipped. Exactness:
 * test/adversaries/metadata.test.ts compares it with the built-in sort on random and tied inputs.
 */
export function sortPositiveDoubles(a: Float64Array): void {
  const n = a.length;
  if (n < RADIX_MIN || !LITTLE_ENDIAN) {
    a.sort();
    return;
  }
  let from: Uint32Array<ArrayBufferLike> = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  let to: Uint32Array<ArrayBufferLike> = scratch.u32('radix', n * 2);
  const count = scratch.i32('radixCount', 65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = word; i < 2 * n; i += 2) count[(from[i]! >>> shift) & 0xffff]!++;
    if (count[(from[word]! >>> shift) & 0xffff] === n) continue; // one value of this digit: already in order
    let sum = 0;
    for (let k = 0; k < 65536; k++) {
      const c = count[k]!;
      count[k] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = count[(from[2 * i + word]! >>> shift) & 0xffff]!++;
      to[2 * d] = from[2 * i]!;
      to[2 * d + 1] = from[2 * i + 1]!;
    }
    const t = from;
    from = to;
    to = t;
  }
  if (from.buffer !== a.buffer) a.set(new Float64Array(from.buffer, from.byteOffset, n));
}

/**
 * Drops negative pairs into the bucket of the highest threshold at or below their score
 * (`negAt[th − 1] += negatives`, th the first threshold above the score), exactly, with locality.
 *
 * The lookups (bucket table, thresholds, counters: ~32 B per threshold, 32 MiB for a million
 * requests) do not fit in cache, and pairs come in observation order, i.e. in random score order:
 * placed one by one, each costs two or three dependent cache misses. So when the lookups are large,
 * pairs are first gathered per score range ("partition": a run of buckets whose slice of the
 * lookups is at most PART_BYTES, well inside L2) into a small buffer of their own, and a full
 * buffer is placed at once against its slice, which is then cache-resident.
 * Without batching (a run is one send, as in the padding points) only the scores are gathered (8 B
 * a pair; the rare run of more, sends at the same instant, is placed at once); with batching, each
 * run's negatives too (12 B). The counts are sums of integers, so the order of
 * placement changes nothing.
 */
class NegativePlacer {
  private readonly direct: boolean;
  private readonly partOfCell: Int32Array = new Int32Array(0);
  private readonly capacity: number = 0;
  private readonly fill: Int32Array = new Int32Array(0);
  private readonly bufS: Float64Array = new Float64Array(0);
  /** The runs' negatives, when they are gathered too (not `singles`). */
  private readonly bufN: Int32Array = new Int32Array(0);
  private readonly table: Int32Array;
  private readonly scale: number;

  constructor(
    private readonly u: Float64Array,
    distinct: number,
    private readonly negAt: Float64Array,
    /** At most this many runs will be added (sizes the buffers). */
    runsBound: number,
    /** Nearly every run holds one negative (batchSize 1): gather the scores alone, place any other run at once. */
    private readonly singles: boolean,
  ) {
    // Four buckets per threshold (a bucket holds a threshold or two). Few thresholds, or few pairs
    // to place: directly, pair by pair.
    this.direct = distinct * 32 <= DIRECT_BYTES || runsBound <= DIRECT_RUNS;
    ({ table: this.table, scale: this.scale } = thresholdTable(u, distinct, 4));
    if (this.direct) return;
    const table = this.table;
    const buckets = table.length - 2;
    const cells = buckets >>> CELL_SHIFT;
    this.partOfCell = new Int32Array(cells);
    let parts = 0;
    let bytes = 0;
    for (let c = 0; c < cells; c++) {
      const cellBytes = (1 << CELL_SHIFT) * 4 + (table[(c + 1) << CELL_SHIFT]! - table[c << CELL_SHIFT]!) * 16; // table + u + negAt
      if (c > 0 && bytes + cellBytes > PART_BYTES) {
        parts++;
        bytes = 0;
      }
      bytes += cellBytes;
      this.partOfCell[c] = parts;
    }
    parts++;
    this.capacity = Math.max(1024, Math.floor(Math.min(GATHER_PAIRS, runsBound) / parts));
    this.fill = new Int32Array(parts);
    this.bufS = scratch.f64('placerS', parts * this.capacity);
    if (!singles) this.bufN = scratch.i32('placerN', parts * this.capacity);
  }

  /** One run of `negatives` pairs with score s, lowest ≤ s < highest. */
  add(s: number, negatives: number): void {
    if (this.direct || (this.singles && negatives !== 1)) return this.place(s, negatives);
    const c = Math.floor(s * this.scale) >>> CELL_SHIFT;
    const p = this.partOfCell[c < this.partOfCell.length ? c : this.partOfCell.length - 1]!;
    const at = p * this.capacity + this.fill[p]!++;
    this.bufS[at] = s;
    if (!this.singles) this.bufN[at] = negatives;
    if (this.fill[p] === this.capacity) this.flush(p);
  }

  finish(): void {
    for (let p = 0; p < this.fill.length; p++) this.flush(p);
  }

  private flush(p: number): void {
    const from = p * this.capacity;
    placeGathered(this.bufS, this.singles ? null : this.bufN, from, from + this.fill[p]!, this.scale, this.table, this.u, this.negAt);
    this.fill[p] = 0;
  }

  private place(s: number, negatives: number): void {
    // The highest threshold ≤ s: in s's bucket, or else the last one before it (see placeGathered).
    const { u, table } = this;
    const k = Math.floor(s * this.scale);
    let th = table[k]!;
    if (table[k + 1]! - th > 8) th = upperBound(u, th, table[k + 1]!, s);
    else while (u[th]! <= s) th++;
    this.negAt[th - 1]! += negatives;
  }
}

/**
 * `NegativePlacer.place(bufS[i], bufN[i] or 1)` for each gathered run in [from, to): a plain
 * function over locals (the loop of a partition's flush). The scan needs no bound: every score
 * placed is below the highest threshold, and the first threshold of the next bucket (table[k + 1])
 * is above every score of bucket k, so `u[th] ≤ s` fails at table[k + 1] at the latest.
 */
function placeGathered(bufS: Float64Array, bufN: Int32Array | null, from: number, to: number, scale: number, table: Int32Array, u: Float64Array, negAt: Float64Array): void {
  for (let i = from; i < to; i++) {
    const s = bufS[i]!;
    const k = Math.floor(s * scale);
    let th = table[k]!;
    const end = table[k + 1]!;
    if (end - th > 8) th = upperBound(u, th, end, s);
    else while (u[th]! <= s) th++;
    negAt[th - 1]! += bufN === null ? 1 : bufN[i]!;
  }
}

/** Lookups up to this size are placed pair by pair (they stay in cache)... */
const DIRECT_BYTES = 1 << 20;
/** ... and so are this few runs (gathering would not pay for its buffers). */
const DIRECT_RUNS = 1 << 16;
/** A partition's slice of the lookups, at most (one bucket cell may exceed it). */
const PART_BYTES = 1 << 17;
/** Buckets per cell, the unit partitions are made of (log2). */
const CELL_SHIFT = 8;
/** Runs gathered over all partitions before each is placed: at most 2^22 × 8 B (12 B with batching) = 32 (48) MiB. */
const GATHER_PAIRS = 1 << 22;

/**
 * A direct index from a score to the thresholds near it: equal-width buckets over [0, highest), about
 * four per threshold, so a score's bucket holds a threshold or two and placing a negative pair is
 * one table read and a short scan (a binary search only where thresholds crowd into one bucket).
 * table[k] = first threshold index in bucket k or above.
 */
function thresholdTable(u: Float64Array, distinct: number, perThreshold: number): { table: Int32Array; scale: number } {
  let buckets = 1024;
  while (buckets < perThreshold * distinct && buckets < 1 << 23) buckets *= 2;
  const scale = buckets / u[distinct - 1]!;
  const table = scratch.i32('thresholdTable', buckets + 2); // every entry written below
  let j = 0;
  for (let k = 0; k <= buckets + 1; k++) {
    while (j < distinct && Math.floor(u[j]! * scale) < k) j++;
    table[k] = j;
  }
  return { table, scale };
}

/** One client-side observation: who sent what, when, through which relay (default 0). */
export interface ClientObservation<A = string> {
  addr: A;
  tMs: number;
  size: number;
  relay?: number;
}

/**
 * One gateway-side observation. `truth`, when the caller knows it (a simulation does), is the index
 * in the client-side list of the send that carried it, or -1 for a real request whose send the
 * coalition did not observe; leave it out for cover traffic or when unknown (not scored).
 */
export interface GatewayObservation {
  tMs: number;
  size: number;
  relay?: number;
  truth?: number;
}

export interface Link<A = string> {
  /** Index of the guessed client-side send (ties: the earliest-released), or -1 when there is no candidate. */
  guess: number;
  addr: A | null;
  posterior: number;
  candidates: number;
  concurrent: number;
  entropyBits: number;
}

/**
 * Links what the coalition observed on real (simulated) links: each gateway-side observation to
 * the most likely client-side send. The same attacker as `analyseMetadata` uses on synthetic
 * traffic. `summary` is null when no observation carries a `truth`.
 *
 * @example
 * const { links, summary } = linkObservations(
 *   [{ addr: '10.0.0.1', tMs: 0, size: 1100 }, { addr: '10.0.0.2', tMs: 5, size: 2100 }],
 *   [{ tMs: 20, size: 2100, truth: 1 }],
 * );
 * // links[0].addr === '10.0.0.2' (only size-compatible send), summary.accuracy === 1
 */
export function linkObservations<A = string>(
  clientSide: readonly ClientObservation<A>[],
  gatewaySide: readonly GatewayObservation[],
  model: LinkModel = SIM_DEFAULT_MODEL,
): { links: Link<A>[]; summary: LinkSummary | null } {
  const client: ClientSideArrays = {
    tMs: Float64Array.from(clientSide, (o) => o.tMs),
    bytes: Int32Array.from(clientSide, (o) => checkSize(o.size)),
    relay: Int32Array.from(clientSide, (o) => o.relay ?? 0),
  };
  const gateway: GatewaySideArrays = {
    tMs: Float64Array.from(gatewaySide, (o) => o.tMs),
    bytes: Int32Array.from(gatewaySide, (o) => checkSize(o.size)),
    relay: Int32Array.from(gatewaySide, (o) => o.relay ?? 0),
    truth: Int32Array.from(gatewaySide, (o, g) => {
      if (o.truth === undefined) return NOT_SCORED;
      if (!Number.isInteger(o.truth)) throw new MetadataInputError('input', `gatewaySide[${g}].truth expected an integer, got ${o.truth}`);
      return o.truth < 0 ? UNOBSERVED : o.truth;
    }),
  };
  const { links, summary } = linkArrays(client, gateway, model);
  const out: Link<A>[] = gatewaySide.map((_, g) => {
    const guess = links.guess[g]!;
    return {
      guess,
      addr: guess >= 0 ? clientSide[guess]!.addr : null,
      posterior: links.posterior[g]!,
      candidates: links.candidates[g]!,
      concurrent: links.concurrent[g]!,
      entropyBits: links.entropyBits[g]!,
    };
  });
  return { links: out, summary: summary.scored > 0 ? summary : null };
}

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > 0x7fffffff) throw new MetadataInputError('input', `size expected a non-negative integer, got ${size}`);
  return size;
}
