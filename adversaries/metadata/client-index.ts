/**
 * The client side of the coalition's observations, indexed for the matcher (link.ts): sends by
 * relay in release order, and by (relay, size) in release order with runs of equal release time,
 * plus the searches the matcher runs on them. One counting sort over time order: O(n) after the
 * time sort (skipped when the input is already sorted, as generated traffic is).
 */
import { releaseTimes, type BatchPolicy } from './batching.js';
import { MetadataInputError } from './errors.js';
import { scratch } from './scratch.js';

/** Client-side observations as parallel arrays (index = send id). */
export interface ClientSideArrays {
  tMs: Float64Array;
  bytes: Int32Array;
  relay: Int32Array;
}

/** The client side, indexed: by relay in release order, and by (relay, size) in release order. */
export interface ClientIndex {
  relayDense: Map<number, number>;
  relays: number;
  /** Dense lookups (relay id → dense relay; dense relay × size → group, -1 none) when ids and sizes are small; else the Maps. */
  relayTable: Int32Array | null;
  groupTable: Int32Array | null;
  sizeSpan: number;
  relayStart: Int32Array;
  relayRel: Float64Array;
  groupOf: Map<number, number>[];
  groupStart: Int32Array;
  /**
   * Per position in group order, interleaved so that one cache line holds all three (the matcher
   * reads them together, at positions scattered over the groups): the release time at
   * `groupRec[2p]`, and through the Int32 view of the same buffer, the run's end at
   * `groupRecI[4p + 2]` and the client-side index at `groupRecI[4p + 3]`.
   */
  groupRec: Float64Array;
  groupRecI: Int32Array;
  /* groupRecI[4p + 2]: one past the last position with the same release time in the same group. */
  positionOf: Int32Array;
}

/**
 * Its arrays are scratch (scratch.ts), overwritten by the next call in this thread: the index must
 * not outlive its caller's use of it (linkArrays, the one caller, keeps none of it).
 */
export function indexClientSide(c: ClientSideArrays, policy: BatchPolicy): ClientIndex {
  const n = c.tMs.length;
  if (c.bytes.length !== n || c.relay.length !== n) throw new MetadataInputError('input', `client side expected ${n} sizes and relays, got ${c.bytes.length} and ${c.relay.length}`);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const t = c.tMs[i]!;
    if (!Number.isFinite(t)) throw new MetadataInputError('input', `client side tMs[${i}] expected finite, got ${t}`);
    if (i > 0 && t < c.tMs[i - 1]!) sorted = false;
  }
  // Time order of the sends: the identity for sorted input (generated traffic), without an array.
  let timeOrder: Int32Array | null = null;
  if (!sorted) timeOrder = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => c.tMs[a]! - c.tMs[b]! || a - b);

  // Relays, densely numbered in order of first appearance (deterministic for a given input);
  // small non-negative ids through a table, others through a Map.
  const relayDense = new Map<number, number>();
  const denseOf = scratch.i32('ixDenseOf', n, 1);
  const smallIds = new Int32Array(SMALL_RELAY_IDS).fill(-1);
  for (let p = 0; p < n; p++) {
    const i = timeOrder === null ? p : timeOrder[p]!;
    const id = c.relay[i]!;
    let d = id >= 0 && id < SMALL_RELAY_IDS ? smallIds[id]! : (relayDense.get(id) ?? -1);
    if (d < 0) {
      d = relayDense.size;
      relayDense.set(id, d);
      if (id >= 0 && id < SMALL_RELAY_IDS) smallIds[id] = d;
    }
    denseOf[i] = d;
  }
  const relays = relayDense.size;
  const relayStart = new Int32Array(relays + 1);
  for (let i = 0; i < n; i++) relayStart[denseOf[i]! + 1]!++;
  for (let r = 0; r < relays; r++) relayStart[r + 1]! += relayStart[r]!;
  const byRelay = scratch.i32('ixByRelay', n, 1);
  const relayArrival = scratch.f64('ixRelayArrival', n, 1);
  if (relays === 1 && timeOrder === null) {
    for (let i = 0; i < n; i++) byRelay[i] = i;
    relayArrival.set(c.tMs);
  } else {
    const cursor = relayStart.slice(0, relays);
    for (let p = 0; p < n; p++) {
      const i = timeOrder === null ? p : timeOrder[p]!;
      const q = cursor[denseOf[i]!]!++;
      byRelay[q] = i;
      relayArrival[q] = c.tMs[i]!;
    }
  }
  const relayRel = scratch.f64('ixRelayRel', n, 1);
  for (let r = 0; r < relays; r++) {
    releaseTimes(relayArrival.subarray(relayStart[r]!, relayStart[r + 1]!), policy, relayRel.subarray(relayStart[r]!, relayStart[r + 1]!));
  }

  // (relay, size) groups, each in release order (a stable counting sort of the relay order),
  // numbered in order of first appearance per relay. Sizes up to SMALL_SIZES go through a table.
  let maxSize = 0;
  let minSize = 0;
  for (let i = 0; i < n; i++) {
    const b = c.bytes[i]!;
    if (b > maxSize) maxSize = b;
    else if (b < minSize) minSize = b;
  }
  const sizeSpan = maxSize + 1;
  const groupOf: Map<number, number>[] = Array.from({ length: relays }, () => new Map<number, number>());
  const groupAt = scratch.i32('ixGroupAt', n, 1);
  let groups = 0;
  const sizeTable = minSize >= 0 && sizeSpan <= SMALL_SIZES ? new Int32Array(sizeSpan) : null;
  for (let r = 0; r < relays; r++) {
    const m = groupOf[r]!;
    if (sizeTable !== null) {
      sizeTable.fill(-1);
      for (let q = relayStart[r]!; q < relayStart[r + 1]!; q++) {
        const size = c.bytes[byRelay[q]!]!;
        let g = sizeTable[size]!;
        if (g < 0) {
          sizeTable[size] = g = groups++;
          m.set(size, g);
        }
        groupAt[q] = g;
      }
    } else {
      for (let q = relayStart[r]!; q < relayStart[r + 1]!; q++) {
        const size = c.bytes[byRelay[q]!]!;
        let g = m.get(size);
        if (g === undefined) m.set(size, (g = groups++));
        groupAt[q] = g;
      }
    }
  }
  const groupStart = new Int32Array(groups + 1);
  for (let q = 0; q < n; q++) groupStart[groupAt[q]! + 1]!++;
  for (let g = 0; g < groups; g++) groupStart[g + 1]! += groupStart[g]!;
  const gCursor = groupStart.slice(0, groups);
  const groupRec = scratch.f64('ixGroupRec', 2 * n, 2);
  const groupRecI = new Int32Array(groupRec.buffer, groupRec.byteOffset, 4 * n);
  const positionOf = scratch.i32('ixPositionOf', n, 1);
  for (let q = 0; q < n; q++) {
    const pos = gCursor[groupAt[q]!]!++;
    groupRec[2 * pos] = relayRel[q]!;
    groupRecI[4 * pos + 3] = byRelay[q]!;
    positionOf[byRelay[q]!] = pos;
  }
  for (let g = 0; g < groups; g++) {
    const end = groupStart[g + 1]!;
    for (let pos = end - 1; pos >= groupStart[g]!; pos--) groupRecI[4 * pos + 2] = pos + 1 < end && groupRec[2 * pos + 2] === groupRec[2 * pos] ? groupRecI[4 * pos + 6]! : pos + 1;
  }
  let maxRelay = -1;
  let minRelay = 0;
  for (const id of relayDense.keys()) {
    maxRelay = Math.max(maxRelay, id);
    minRelay = Math.min(minRelay, id);
  }
  let relayTable: Int32Array | null = null;
  if (minRelay >= 0 && maxRelay < 1 << 16) {
    relayTable = new Int32Array(maxRelay + 1).fill(-1);
    for (const [id, d] of relayDense) relayTable[id] = d;
  }
  let groupTable: Int32Array | null = null;
  if (minSize >= 0 && relays * sizeSpan <= 1 << 22) {
    groupTable = new Int32Array(relays * sizeSpan).fill(-1);
    groupOf.forEach((m, r) => m.forEach((grp, size) => (groupTable![r * sizeSpan + size] = grp)));
  }
  return { relayDense, relays, relayTable, groupTable, sizeSpan, relayStart, relayRel, groupOf, groupStart, groupRec, groupRecI, positionOf };
}

/** Relay ids below this are numbered through a table, others through a Map. */
const SMALL_RELAY_IDS = 1 << 12;
/** Sizes up to this are grouped through a table, larger ones through a Map. */
const SMALL_SIZES = 1 << 21;

/** First index in [lo, hi) with a[i] ≥ x (hi if none). */
export function lowerBound(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) with a[i] > x (hi if none). */
export function upperBound(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first index in [lo, hi) where a[i] ≥ x (or > x when `strict`), searched outward from `hint`
 * by doubling steps, then by bisection: O(log distance). Observations arrive nearly in time order,
 * so starting where the previous one on the same relay or group ended costs a few cache-resident
 * steps instead of a bisection of the whole array.
 */
export function gallop(a: Float64Array, lo: number, hi: number, x: number, hint: number, strict: boolean): number {
  const h = hint < lo ? lo : hint > hi ? hi : hint;
  if (h < hi && (strict ? a[h]! <= x : a[h]! < x)) {
    // The answer lies after h.
    let prev = h;
    let step = 1;
    let r = h + 1;
    while (r < hi && (strict ? a[r]! <= x : a[r]! < x)) {
      prev = r;
      step *= 2;
      r = h + step;
    }
    if (r > hi) r = hi;
    return strict ? upperBound(a, prev + 1, r, x) : lowerBound(a, prev + 1, r, x);
  }
  // The answer is h or before it.
  let next = h;
  let step = 1;
  let l = h - 1;
  while (l >= lo && (strict ? a[l]! > x : a[l]! >= x)) {
    next = l;
    step *= 2;
    l = h - step;
  }
  if (l < lo) l = lo - 1;
  return strict ? upperBound(a, l + 1, next, x) : lowerBound(a, l + 1, next, x);
}

/**
 * `gallop(a, lo, hi, x, hint, false)`, specialised (the matcher's hot loop calls it twice per
 * observation: a monomorphic copy without the `strict` branches is inlined and cheaper).
 */
export function gallopGe(a: Float64Array, lo: number, hi: number, x: number, hint: number): number {
  const h = hint < lo ? lo : hint > hi ? hi : hint;
  if (h < hi && a[h]! < x) {
    let prev = h;
    let step = 1;
    let r = h + 1;
    while (r < hi && a[r]! < x) {
      prev = r;
      step *= 2;
      r = h + step;
    }
    if (r > hi) r = hi;
    return lowerBound(a, prev + 1, r, x);
  }
  let next = h;
  let step = 1;
  let l = h - 1;
  while (l >= lo && a[l]! >= x) {
    next = l;
    step *= 2;
    l = h - step;
  }
  if (l < lo) l = lo - 1;
  return lowerBound(a, l + 1, next, x);
}

/** `gallop(a, lo, hi, x, hint, true)`, specialised like {@link gallopGe}. */
export function gallopGt(a: Float64Array, lo: number, hi: number, x: number, hint: number): number {
  const h = hint < lo ? lo : hint > hi ? hi : hint;
  if (h < hi && a[h]! <= x) {
    let prev = h;
    let step = 1;
    let r = h + 1;
    while (r < hi && a[r]! <= x) {
      prev = r;
      step *= 2;
      r = h + step;
    }
    if (r > hi) r = hi;
    return upperBound(a, prev + 1, r, x);
  }
  let next = h;
  let step = 1;
  let l = h - 1;
  while (l >= lo && a[l]! > x) {
    next = l;
    step *= 2;
    l = h - step;
  }
  if (l < lo) l = lo - 1;
  return upperBound(a, l + 1, next, x);
}

/** {@link gallopGe} over the release times of `groupRec` (`rec[2i]`, i in [lo, hi)). */
export function gallopGe2(rec: Float64Array, lo: number, hi: number, x: number, hint: number): number {
  const h = hint < lo ? lo : hint > hi ? hi : hint;
  if (h < hi && rec[2 * h]! < x) {
    let prev = h;
    let step = 1;
    let r = h + 1;
    while (r < hi && rec[2 * r]! < x) {
      prev = r;
      step *= 2;
      r = h + step;
    }
    if (r > hi) r = hi;
    return lowerBound2(rec, prev + 1, r, x);
  }
  let next = h;
  let step = 1;
  let l = h - 1;
  while (l >= lo && rec[2 * l]! >= x) {
    next = l;
    step *= 2;
    l = h - step;
  }
  if (l < lo) l = lo - 1;
  return lowerBound2(rec, l + 1, next, x);
}

/** {@link gallopGt} over the release times of `groupRec`. */
export function gallopGt2(rec: Float64Array, lo: number, hi: number, x: number, hint: number): number {
  const h = hint < lo ? lo : hint > hi ? hi : hint;
  if (h < hi && rec[2 * h]! <= x) {
    let prev = h;
    let step = 1;
    let r = h + 1;
    while (r < hi && rec[2 * r]! <= x) {
      prev = r;
      step *= 2;
      r = h + step;
    }
    if (r > hi) r = hi;
    return upperBound2(rec, prev + 1, r, x);
  }
  let next = h;
  let step = 1;
  let l = h - 1;
  while (l >= lo && rec[2 * l]! > x) {
    next = l;
    step *= 2;
    l = h - step;
  }
  if (l < lo) l = lo - 1;
  return upperBound2(rec, l + 1, next, x);
}

function lowerBound2(rec: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rec[2 * mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound2(rec: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rec[2 * mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
