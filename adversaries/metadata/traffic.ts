/**
 * Synthetic traffic for the metadata-correlation analysis, drawn from a seeded Rng into typed
 * arrays (no object per request), so a million requests cost about a second.
 *
 * Model (every parameter is an option of `analyseMetadata`):
 * - `clients` clients each send real requests as a Poisson process of `rateHz` per second; the
 *   superposition is one Poisson stream whose requests pick their client uniformly.
 * - A request's BHTTP size is log-normal (median `sizeMedianBytes`, σ `sizeSigma` of its log),
 *   clamped to [64 B, 64 KiB]: prompts vary a lot, which is what makes size a strong identifier.
 * - Cover traffic is drawn in layers of 1 dummy per client per second, each an independent Poisson
 *   stream with its own fork of the Rng; a rate of 2.5 takes layers 0 and 1 whole and thins layer 2
 *   to half. A point's traffic therefore does not depend on the other points of a curve, and a
 *   higher rate only adds dummies (common random numbers across a curve).
 * - Each send carries its own uniform draws for the relay it picks and its relay→gateway jitter, so
 *   defences transform the same underlying traffic.
 *
 * Times are in ms from the start of the run; they are the arrivals at the relay.
 */
import type { Rng } from '../../protocol/rng.js';

/** Uniforms in [0, 1) with 32 bits each, read from an Rng in 64 KiB chunks. */
export class UniformStream {
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  constructor(private readonly rng: Rng) {}

  /** A uniform in [0, 1) (32 random bits; plenty for a traffic model, and half the keystream of 53). */
  next(): number {
    if (this.offset + 4 > this.chunk.length) {
      this.chunk = this.rng.bytes(65536);
      this.offset = 0;
    }
    const c = this.chunk;
    const o = this.offset;
    this.offset = o + 4;
    return (c[o]! * 16777216 + ((c[o + 1]! << 16) | (c[o + 2]! << 8) | c[o + 3]!)) / 4294967296;
  }
}

export interface TrafficModel {
  clients: number;
  /** Real requests per client per second. */
  rateHz: number;
  sizeMedianBytes: number;
  sizeSigma: number;
}

export const SIZE_MIN_BYTES = 64;
export const SIZE_MAX_BYTES = 65536;

/** All sends of a run, real and cover, sorted by arrival time at the relay. */
export interface Traffic {
  n: number;
  real: number;
  tMs: Float64Array;
  addr: Int32Array;
  /** BHTTP request size before padding. */
  rawBytes: Int32Array;
  isReal: Uint8Array;
  /** Uniform draw that picks the relay: relay = ⌊relayU · R⌋. */
  relayU: Float64Array;
  /** Relay→gateway delay as a fraction of the jitter span, triangular on [0, 1]. */
  jitterU: Float64Array;
}

interface Columns {
  n: number;
  tMs: Float64Array;
  addr: Int32Array;
  rawBytes: Int32Array;
  relayU: Float64Array;
  jitterU: Float64Array;
  /** Cover layer of the send (-1 real) and its thinning mark. */
  layer: Int8Array;
  mark: Float64Array;
}

/**
 * Columns for `capacity` sends; `shared`: in SharedArrayBuffers, for a pool posted to worker
 * threads (drawn straight into shared memory rather than copied there: a million-request pool with
 * two cover layers is ~120 MB).
 */
function emptyColumns(capacity: number, shared = false): Columns {
  const f64 = (): Float64Array => (shared ? new Float64Array(new SharedArrayBuffer(capacity * 8)) : new Float64Array(capacity));
  const i32 = (): Int32Array => (shared ? new Int32Array(new SharedArrayBuffer(capacity * 4)) : new Int32Array(capacity));
  return {
    n: 0,
    tMs: f64(),
    addr: i32(),
    rawBytes: i32(),
    relayU: f64(),
    jitterU: f64(),
    layer: shared ? new Int8Array(new SharedArrayBuffer(capacity)) : new Int8Array(capacity),
    mark: f64(),
  };
}

const COLUMN_NAMES = ['tMs', 'addr', 'rawBytes', 'relayU', 'jitterU', 'layer', 'mark'] as const;

function grow(c: Columns): Columns {
  const bigger = emptyColumns(Math.max(16, c.tMs.length * 2));
  bigger.n = c.n;
  for (const k of COLUMN_NAMES) (bigger[k] as Float64Array).set(c[k] as Float64Array);
  return bigger;
}

/**
 * One Poisson stream of sends at `perMs` per ms, until `count` sends or time `untilMs`. Cover
 * layers (`layer` ≥ 0) also draw a thinning mark. Draw order per send is fixed: gap, client,
 * size (2), relay, jitter (2), mark.
 */
function drawStream(rng: Rng, model: TrafficModel, perMs: number, limit: { count?: number; untilMs?: number }, layer: number, shared = false): Columns {
  const u = new UniformStream(rng);
  // `shared` only with a count: the columns never grow (a grown copy would not be shared).
  let c = emptyColumns(limit.count ?? Math.ceil((limit.untilMs ?? 0) * perMs * 1.05 + 64), shared && limit.count !== undefined);
  const mu = Math.log(model.sizeMedianBytes);
  const sigma = model.sizeSigma;
  const clients = model.clients;
  let t = 0;
  for (;;) {
    if (limit.count !== undefined && c.n >= limit.count) break;
    t += -Math.log(1 - u.next()) / perMs;
    if (limit.untilMs !== undefined && t > limit.untilMs) break;
    if (c.n === c.tMs.length) c = grow(c);
    const i = c.n++;
    c.tMs[i] = t;
    // ⌊u·C⌋ with 32-bit u: bias below C/2^32, negligible for any client count we allow.
    c.addr[i] = Math.floor(u.next() * clients);
    // Box–Muller, cosine branch: one normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - u.next())) * Math.cos(2 * Math.PI * u.next());
    c.rawBytes[i] = Math.min(SIZE_MAX_BYTES, Math.max(SIZE_MIN_BYTES, Math.round(Math.exp(mu + sigma * z))));
    c.relayU[i] = u.next();
    c.jitterU[i] = (u.next() + u.next()) / 2;
    c.layer[i] = layer;
    c.mark[i] = layer >= 0 ? u.next() : 0;
  }
  return c;
}

/** Merges two time-sorted column sets (ties: `x` first). */
/** Row `s` of `src` into row `k` of `out`, every column. */
function copyRow(out: Columns, k: number, src: Columns, s: number): void {
  out.tMs[k] = src.tMs[s]!;
  out.addr[k] = src.addr[s]!;
  out.rawBytes[k] = src.rawBytes[s]!;
  out.relayU[k] = src.relayU[s]!;
  out.jitterU[k] = src.jitterU[s]!;
  out.layer[k] = src.layer[s]!;
  out.mark[k] = src.mark[s]!;
}

function merge(x: Columns, y: Columns, shared = false): Columns {
  const n = x.n + y.n;
  const out = emptyColumns(n, shared);
  out.n = n;
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const fromX = j >= y.n || (i < x.n && x.tMs[i]! <= y.tMs[j]!);
    const src = fromX ? x : y;
    const s = fromX ? i++ : j++;
    copyRow(out, k, src, s);
  }
  return out;
}

/** Streams merged at once by {@link mergeAll}, at most. */
const MERGE_ALL_MAX = 8;

/** Merges time-sorted column sets at once; ties: the earlier set in `sets` first (as `merge` applied left to right). */
function mergeAll(sets: Columns[], shared = false): Columns {
  let n = 0;
  for (const c of sets) n += c.n;
  const out = emptyColumns(n, shared);
  out.n = n;
  const head = new Int32Array(sets.length);
  for (let k = 0; k < n; k++) {
    let best = -1;
    let bestT = Infinity;
    for (let q = 0; q < sets.length; q++) {
      const c = sets[q]!;
      const i = head[q]!;
      // Strictly earlier only: on a tie the earlier set keeps its turn.
      if (i < c.n && (best < 0 || c.tMs[i]! < bestT)) {
        best = q;
        bestT = c.tMs[i]!;
      }
    }
    const src = sets[best]!;
    const s = head[best]!++;
    copyRow(out, k, src, s);
  }
  return out;
}

/**
 * The same pool with its columns in SharedArrayBuffers: posted to worker threads, it is shared,
 * not copied (`pph metadata --workers K` draws the traffic once).
 */
export function sharedPool(pool: TrafficPool): TrafficPool {
  const c = pool.cols;
  if (COLUMN_NAMES.every((k) => c[k].buffer instanceof SharedArrayBuffer)) return pool; // drawn shared
  const share = <T extends Float64Array | Int32Array | Int8Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
    const out = make(new SharedArrayBuffer(c.n * a.BYTES_PER_ELEMENT));
    out.set(a.subarray(0, c.n) as never);
    return out;
  };
  const cols: Columns = {
    n: c.n,
    tMs: share(c.tMs, (b) => new Float64Array(b)),
    addr: share(c.addr, (b) => new Int32Array(b)),
    rawBytes: share(c.rawBytes, (b) => new Int32Array(b)),
    relayU: share(c.relayU, (b) => new Float64Array(b)),
    jitterU: share(c.jitterU, (b) => new Float64Array(b)),
    layer: share(c.layer, (b) => new Int8Array(b)),
    mark: share(c.mark, (b) => new Float64Array(b)),
  };
  return { cols, real: pool.real, coverHzMax: pool.coverHzMax };
}

/** Real requests and whole cover layers, before a cover rate selects among the layers. */
export interface TrafficPool {
  cols: Columns;
  real: number;
  coverHzMax: number;
}

/**
 * Draws `requests` real requests and the cover layers a rate up to `coverHzMax` needs, over the
 * same span. Pure: the same (rng, arguments) give the same arrays.
 */
export function drawTrafficPool(rng: Rng, model: TrafficModel, requests: number, coverHzMax: number): TrafficPool {
  return addCoverLayers(rng, model, drawRealPool(rng, model, requests), coverHzMax);
}

/**
 * The real requests alone: the pool of every point without cover (its `selectTraffic(pool, 0)` is
 * the same as the full pool's: the merge keeps the real sends in their order). `pph metadata`'s
 * workers start on these points while the cover layers are drawn (parallel.ts).
 */
export function drawRealPool(rng: Rng, model: TrafficModel, requests: number, shared = false): TrafficPool {
  const perMs = (model.clients * model.rateHz) / 1000;
  const real = drawStream(rng.fork('real'), model, perMs, { count: requests }, -1, shared);
  return { cols: real, real: real.n, coverHzMax: 0 };
}

/** `real` (from drawRealPool with the same rng and model) with the cover layers up to `coverHzMax` merged in. */
export function addCoverLayers(rng: Rng, model: TrafficModel, real: TrafficPool, coverHzMax: number, shared = false): TrafficPool {
  const r = real.cols;
  const untilMs = r.n > 0 ? r.tMs[r.n - 1]! : 0;
  const layers: Columns[] = [];
  for (let layer = 0; layer < Math.ceil(coverHzMax); layer++) {
    if (layer > 127) throw new RangeError(`coverHz expected at most 128, got ${coverHzMax}`);
    layers.push(drawStream(rng.fork(`cover/${layer}`), model, model.clients / 1000, { untilMs }, layer));
  }
  // One merge of all the streams (ties: the real requests, then the lower layer), the same order
  // as merging them in one after another, without the intermediate copies; past a few streams,
  // one after another (a scan over the heads per send would cost more than the copies).
  let cols = r;
  if (layers.length > 0 && layers.length <= MERGE_ALL_MAX) cols = mergeAll([r, ...layers], shared);
  else layers.forEach((l, k) => (cols = merge(cols, l, shared && k === layers.length - 1)));
  return { cols, real: real.real, coverHzMax };
}

/**
 * A selection that keeps every send of the pool (cover rate 0 on the real requests alone, or the
 * pool's own maximum rate when it is whole): the pool's columns themselves, as views (read-only
 * for the caller, as a selection is), not a copy; `isReal` from the cover layer. The same values
 * as the copy (test/adversaries/metadata.test.ts).
 */
function wholePool(pool: TrafficPool, into: TrafficArrays): Traffic {
  const c = pool.cols;
  const n = c.n;
  const isReal = into.u8('selIsReal', n, 1);
  for (let i = 0; i < n; i++) isReal[i] = c.layer[i]! < 0 ? 1 : 0;
  return {
    n,
    real: pool.real,
    tMs: c.tMs.subarray(0, n),
    addr: c.addr.subarray(0, n),
    rawBytes: c.rawBytes.subarray(0, n),
    isReal,
    relayU: c.relayU.subarray(0, n),
    jitterU: c.jitterU.subarray(0, n),
  };
}

/** Where {@link selectTraffic} puts its arrays: `n` elements each (fresh, or scratch the caller owns). */
export interface TrafficArrays {
  /** `perSend`: elements per send of the pool (a capacity hint for scratch). */
  f64(name: string, n: number, perSend?: number): Float64Array;
  i32(name: string, n: number, perSend?: number): Int32Array;
  u8(name: string, n: number, perSend?: number): Uint8Array;
}

const FRESH: TrafficArrays = {
  f64: (_name, n) => new Float64Array(n),
  i32: (_name, n) => new Int32Array(n),
  u8: (_name, n) => new Uint8Array(n),
};

/**
 * The sends at cover rate `coverHz` (≤ the pool's maximum): real ones, whole layers below it, the
 * next layer thinned. `into` says where the arrays come from: fresh by default; analyse.ts passes
 * its scratch (a selection is three to five million sends, ~100 MB of fresh pages per cover rate).
 * With `into`, a selection that keeps every send is the pool's own columns (wholePool): no copy.
 */
export function selectTraffic(pool: TrafficPool, coverHz: number, into: TrafficArrays = FRESH): Traffic {
  if (coverHz > pool.coverHzMax) throw new RangeError(`coverHz expected at most ${pool.coverHzMax}, got ${coverHz}`);
  const c = pool.cols;
  const keep = into.u8('selKeep', c.n, 1);
  let n = 0;
  for (let i = 0; i < c.n; i++) {
    const layer = c.layer[i]!;
    const k = layer < 0 || c.mark[i]! < coverHz - layer ? 1 : 0;
    keep[i] = k;
    n += k;
  }
  if (n === c.n && into !== FRESH) return wholePool(pool, into);
  const t: Traffic = {
    n,
    real: pool.real,
    tMs: into.f64('selT', n, 1),
    addr: into.i32('selAddr', n, 1),
    rawBytes: into.i32('selRawBytes', n, 1),
    isReal: into.u8('selIsReal', n, 1),
    relayU: into.f64('selRelayU', n, 1),
    jitterU: into.f64('selJitterU', n, 1),
  };
  let k = 0;
  for (let i = 0; i < c.n; i++) {
    if (!keep[i]) continue;
    t.tMs[k] = c.tMs[i]!;
    t.addr[k] = c.addr[i]!;
    t.rawBytes[k] = c.rawBytes[i]!;
    t.isReal[k] = c.layer[i]! < 0 ? 1 : 0;
    t.relayU[k] = c.relayU[i]!;
    t.jitterU[k] = c.jitterU[i]!;
    k++;
  }
  return t;
}
