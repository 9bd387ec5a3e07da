/**
 * One point of the metadata-correlation analysis: draw traffic, apply a defence setting, let the
 * coalition link, measure (curves.ts varies one defence at a time over the same traffic).
 *
 * Where the coalition looks: at the relay's ingress (client address, time, size of every request
 * reaching the relays it holds) and at the gateway's ingress (time, size and relay of every
 * request). It does not see inside the relay's forwarding step: a relay that simply tells the
 * gateway who sent what links every request (accuracy 1) and no defence below helps; that is the
 * non-collusion assumption of RFC 9458 (Security Considerations). What is measured here is what
 * collusion gains *without* that log, from timing and sizes alone.
 */
import { ChaChaRng } from '../../sim/rng.js';
import { releaseTimes } from './batching.js';
import { scratch } from './scratch.js';
import { linkArrays, MAX_PAIRS_DEFAULT, MetadataInputError, UNOBSERVED, type ClientSideArrays, type GatewaySideArrays, type LinkModel } from './link.js';
import { addCoverLayers, drawRealPool as drawRealTraffic, drawTrafficPool, selectTraffic, type Traffic, type TrafficModel, type TrafficPool } from './traffic.js';

/** RFC 9458 §4.3 encapsulated request: key id, KEM, KDF, AEAD ids (7) + X25519 enc (32) + AEAD tag (16). */
export const OHTTP_REQUEST_OVERHEAD_BYTES = 7 + 32 + 16;

export type Coalition = 'one' | 'all';

/** The defences and the network, as the coalition faces them (all known to it). */
export interface DefenceSettings {
  /** BHTTP request rounded up to a multiple of this many bytes; 0: no padding. */
  paddingBytes: number;
  /** The relay releases requests in shuffled batches of this size; 1: no batching. */
  batchSize: number;
  /** ... or this long after the first request of a batch arrived, whichever is first. */
  batchTimeoutMs: number;
  /** Dummy requests per client per second, indistinguishable on the wire. */
  coverHz: number;
  /** Relays a client picks from, uniformly per request. */
  relays: number;
  /** Whether the coalition holds one relay (relay 0) or all of them. */
  coalition: Coalition;
  /** Relay→gateway delay bounds (triangular between them): the network jitter. */
  delayMsMin: number;
  delayMsMax: number;
}

/** No defence: the network's own jitter (2–30 ms, the simulator's default link delay) and nothing else. */
export const BASELINE: Readonly<DefenceSettings> = Object.freeze({
  paddingBytes: 0,
  batchSize: 1,
  batchTimeoutMs: 1000,
  coverHz: 0,
  relays: 1,
  coalition: 'one',
  delayMsMin: 2,
  delayMsMax: 30,
});

export interface WorldOptions {
  /** Real requests to draw. */
  requests: number;
  seed: number;
  clients: number;
  /** Real requests per client per second (default 1). */
  rateHz?: number;
  /** Median BHTTP request size (default 900 B) and σ of its logarithm (default 1). */
  sizeMedianBytes?: number;
  sizeSigma?: number;
  /** Client uplink, for the time padding bytes take (default 1250 B/ms = 10 Mbit/s). */
  uplinkBytesPerMs?: number;
  /** Bound on candidate pairs scored per point; beyond it every s-th request is scored (default 2^25). */
  maxPairs?: number;
}

export type MetadataOptions = WorldOptions & Partial<DefenceSettings> & { x?: number };

/**
 * What one defence setting yields. `x` is the varied parameter (set by `metadataCurves`). A type,
 * not an interface, so that it is assignable to the loose objects of reports/schemas.ts.
 */
export type MetadataPoint = {
  x: number;
  /** Fraction of real requests linked to the send (hence client address) that carried them. */
  accuracy: number;
  /** A guess among the requests concurrent with it: mean 1/N. */
  chance: number;
  /** Mean latency a real request gains over the baseline (batch hold + extra jitter + padding bytes on the uplink). */
  latencyMs: number;
  /** Díaz et al. 2002: H(posterior) / log2 N, averaged. */
  anonymityDegree: number;
  auprc: number;
  /** Mean candidates (size- and time-compatible sends) and concurrent sends (N) per request. */
  candidates: number;
  concurrent: number;
  entropyBits: number;
  /** Bytes on the client→relay wire over those of unpadded real requests alone, minus 1. */
  bandwidthOverhead: number;
  requests: number;
  sends: number;
  /** 1: every real request was scored; s: every s-th (the windows held more than `maxPairs` candidate pairs). */
  stride: number;
  settings: DefenceSettings;
};

interface World {
  traffic: TrafficModel;
  uplinkBytesPerMs: number;
}

function worldOf(o: WorldOptions): World {
  const traffic: TrafficModel = {
    clients: o.clients,
    rateHz: o.rateHz ?? 1,
    sizeMedianBytes: o.sizeMedianBytes ?? 900,
    sizeSigma: o.sizeSigma ?? 1,
  };
  requireNumber('requests', o.requests, 1, 20_000_000, true);
  requireNumber('seed', o.seed, 0, 2 ** 32 - 1, true);
  requireNumber('clients', traffic.clients, 1, 100_000_000, true);
  requireNumber('rateHz', traffic.rateHz, 1e-6, 1e6, false);
  requireNumber('sizeMedianBytes', traffic.sizeMedianBytes, 64, 65536, false);
  requireNumber('sizeSigma', traffic.sizeSigma, 0, 10, false);
  const uplinkBytesPerMs = o.uplinkBytesPerMs ?? 1250;
  requireNumber('uplinkBytesPerMs', uplinkBytesPerMs, 1e-3, 1e9, false);
  if (o.maxPairs !== undefined) requireNumber('maxPairs', o.maxPairs, 1, 2 ** 40, true);
  return { traffic, uplinkBytesPerMs };
}

function requireNumber(name: string, v: unknown, min: number, max: number, integer: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new MetadataInputError('option', `${name} expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(v)}`);
  }
}

/** Fills unset settings from the baseline and checks them; a MetadataInputError names the bad one. */
export function settingsOf(partial: Partial<DefenceSettings>): DefenceSettings {
  const s: DefenceSettings = { ...BASELINE };
  for (const k of Object.keys(BASELINE) as (keyof DefenceSettings)[]) if (partial[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = partial[k];
  requireNumber('paddingBytes', s.paddingBytes, 0, 1 << 20, true);
  requireNumber('batchSize', s.batchSize, 1, 1_000_000, true);
  requireNumber('batchTimeoutMs', s.batchTimeoutMs, s.batchSize > 1 ? 1e-3 : 0, 3_600_000, false);
  requireNumber('coverHz', s.coverHz, 0, 64, false);
  requireNumber('relays', s.relays, 1, 1024, true);
  requireNumber('delayMsMin', s.delayMsMin, 0, 600_000, false);
  requireNumber('delayMsMax', s.delayMsMax, s.delayMsMin, 600_000, false);
  if (s.coalition !== 'one' && s.coalition !== 'all') throw new MetadataInputError('option', `coalition expected one or all, got ${String(s.coalition)}`);
  return s;
}

export function attackerModel(s: DefenceSettings): LinkModel {
  return { delayMsMin: s.delayMsMin, delayMsMax: s.delayMsMax, shape: 'triangular', batchSize: s.batchSize, batchTimeoutMs: s.batchTimeoutMs };
}

/** Draws the traffic of a world once, with cover layers up to `coverHzMax`. */
export function drawPool(o: WorldOptions, coverHzMax: number): TrafficPool {
  const w = worldOf(o);
  return drawTrafficPool(ChaChaRng.fromSeed(o.seed).fork('metadata'), w.traffic, o.requests, coverHzMax);
}

/**
 * `drawPool` in two stages (the same pool: each stream has its own fork of the Rng, by label): the
 * real requests, enough for every point without cover, then `addCover` merges the cover layers in.
 */
export function drawRealPool(o: WorldOptions, shared = false): TrafficPool {
  return drawRealTraffic(ChaChaRng.fromSeed(o.seed).fork('metadata'), worldOf(o).traffic, o.requests, shared);
}

/** `shared`: the merged columns in SharedArrayBuffers (traffic.ts sharedPool), for worker threads. */
export function addCover(o: WorldOptions, real: TrafficPool, coverHzMax: number, shared = false): TrafficPool {
  return addCoverLayers(ChaChaRng.fromSeed(o.seed).fork('metadata'), worldOf(o).traffic, real, coverHzMax, shared);
}

/**
 * The pool's sends at one cover rate, kept for the next point at the same rate (most points of a
 * plan share coverHz 0; a worker computes them one after another). One selection at a time, in
 * this thread's scratch (scratch.ts): a new selection overwrites the last one's arrays, which no
 * point still reads (a point finishes before the next starts). Read-only below, so sharing it
 * between points changes nothing but the copying.
 */
let lastSelection: { pool: TrafficPool; coverHz: number; traffic: Traffic } | undefined;
function selected(pool: TrafficPool, coverHz: number): Traffic {
  if (lastSelection === undefined || lastSelection.pool !== pool || lastSelection.coverHz !== coverHz) lastSelection = { pool, coverHz, traffic: selectTraffic(pool, coverHz, scratch) };
  return lastSelection.traffic;
}

/** Applies `settings` to the pool's traffic, runs the coalition's matcher, measures. */
export function analysePool(pool: TrafficPool, o: WorldOptions, settings: DefenceSettings, x: number): MetadataPoint {
  const w = worldOf(o);
  scratch.expectSends(pool.cols.n);
  const tr = selected(pool, settings.coverHz);
  const n = tr.n;
  const pad = settings.paddingBytes;
  const relays = settings.relays;
  const span = settings.delayMsMax - settings.delayMsMin;
  const baseSpan = BASELINE.delayMsMax - BASELINE.delayMsMin;

  // Scratch (scratch.ts): none of the per-send arrays below outlives this call.
  const wire = scratch.i32('apWire', n, 1);
  const relay = scratch.i32('apRelay', n, 1);
  const relayCount = new Int32Array(relays + 1);
  for (let i = 0; i < n; i++) {
    const raw = tr.rawBytes[i]!;
    wire[i] = (pad > 0 ? Math.ceil(raw / pad) * pad : raw) + OHTTP_REQUEST_OVERHEAD_BYTES;
    const r = Math.min(relays - 1, Math.floor(tr.relayU[i]! * relays));
    relay[i] = r;
    relayCount[r + 1]!++;
  }

  // The relays batch their own traffic: group sends by relay (time order kept), release, put back.
  // One relay: the sends are already its arrivals in order (and without batching, their release
  // times), so the grouping is skipped; same values, three passes and three arrays fewer.
  let releaseMs: Float64Array;
  if (relays === 1) {
    if (settings.batchSize <= 1) releaseMs = tr.tMs;
    else releaseTimes(tr.tMs, settings, (releaseMs = scratch.f64('apReleaseMs', n, 1)));
  } else {
    for (let r = 0; r < relays; r++) relayCount[r + 1]! += relayCount[r]!;
    const cursor = relayCount.slice(0, relays);
    const byRelay = scratch.i32('apByRelay', n, 1);
    const arrivals = scratch.f64('apArrivals', n, 1);
    for (let i = 0; i < n; i++) {
      const q = cursor[relay[i]!]!++;
      byRelay[q] = i;
      arrivals[q] = tr.tMs[i]!;
    }
    const released = scratch.f64('apReleased', n, 1);
    for (let r = 0; r < relays; r++) releaseTimes(arrivals.subarray(relayCount[r]!, relayCount[r + 1]!), settings, released.subarray(relayCount[r]!, relayCount[r + 1]!));
    releaseMs = scratch.f64('apReleaseMs', n, 1);
    for (let q = 0; q < n; q++) releaseMs[byRelay[q]!] = released[q]!;
  }

  // What the coalition sees: client side on the relays it holds, gateway side for every request
  // (only real ones are scored; a dummy's observation changes no other observation's posterior).
  const holds = (r: number): boolean => settings.coalition === 'all' || r === 0;
  let nc = 0;
  for (let i = 0; i < n; i++) if (holds(relay[i]!)) nc++;
  const client: ClientSideArrays = { tMs: scratch.f64('apClientT', nc, 1), bytes: scratch.i32('apClientBytes', nc, 1), relay: scratch.i32('apClientRelay', nc, 1) };
  const real = tr.real;
  const gateway: GatewaySideArrays = { tMs: scratch.f64('apGatewayT', real), bytes: scratch.i32('apGatewayBytes', real), relay: scratch.i32('apGatewayRelay', real), truth: scratch.i32('apGatewayTruth', real) };
  let c = 0;
  let g = 0;
  let addedMs = 0;
  let wireBytes = 0;
  let realRawBytes = 0;
  for (let i = 0; i < n; i++) {
    wireBytes += wire[i]!;
    // The send's index on the client side, or UNOBSERVED (read right below, so no array of them).
    let clientIndex = UNOBSERVED;
    if (holds(relay[i]!)) {
      client.tMs[c] = tr.tMs[i]!;
      client.bytes[c] = wire[i]!;
      client.relay[c] = relay[i]!;
      clientIndex = c++;
    }
    if (!tr.isReal[i]) continue;
    const u = tr.jitterU[i]!;
    const delay = settings.delayMsMin + span * u;
    const raw = tr.rawBytes[i]!;
    gateway.tMs[g] = releaseMs[i]! + delay;
    gateway.bytes[g] = wire[i]!;
    gateway.relay[g] = relay[i]!;
    gateway.truth[g] = clientIndex;
    g++;
    realRawBytes += raw + OHTTP_REQUEST_OVERHEAD_BYTES;
    const padMs = (wire[i]! - OHTTP_REQUEST_OVERHEAD_BYTES - raw) / w.uplinkBytesPerMs;
    addedMs += releaseMs[i]! - tr.tMs[i]! + (delay - (BASELINE.delayMsMin + baseSpan * u)) + padMs;
  }
  const { summary } = linkArrays(client, gateway, attackerModel(settings), o.maxPairs ?? MAX_PAIRS_DEFAULT, true);
  return {
    x,
    accuracy: summary.accuracy,
    chance: summary.chance,
    latencyMs: real > 0 ? addedMs / real : 0,
    anonymityDegree: summary.anonymityDegree,
    auprc: summary.auprc,
    candidates: summary.meanCandidates,
    concurrent: summary.meanConcurrent,
    entropyBits: summary.meanEntropyBits,
    bandwidthOverhead: realRawBytes > 0 ? wireBytes / realRawBytes - 1 : 0,
    requests: real,
    sends: n,
    stride: summary.stride,
    settings,
  };
}

/**
 * The coalition's linking of one world under one defence setting (unset settings: no defence).
 *
 * @example
 * const p = analyseMetadata({ requests: 20_000, seed: 1, clients: 1000, paddingBytes: 4096 });
 * // p.accuracy vs p.chance; p.latencyMs is what the padding costs
 */
export function analyseMetadata(options: MetadataOptions): MetadataPoint {
  const settings = settingsOf(options);
  return analysePool(drawPool(options, settings.coverHz), options, settings, options.x ?? 0);
}
