import { describe, expect, it } from 'vitest';
import {
  analyseMetadata,
  anonymityDegree,
  averagePrecision,
  entropyBits,
  linkArrays,
  linkObservations,
  metadataCurves,
  MetadataInputError,
  NOT_SCORED,
  releaseTimes,
  type LinkModel,
} from '../../adversaries/metadata/index.js';
import { checkValue, MetadataFileSchema } from '../../reports/schemas.js';
import { uniformFloat, uniformInt, type Rng } from '../../protocol/rng.js';
import { ChaChaRng } from '../../sim/rng.js';

const WORLD = { requests: 20_000, seed: 7, clients: 500 };

describe('measures', () => {
  it('entropy of known distributions', () => {
    expect(entropyBits([1, 1, 1, 1])).toBeCloseTo(2, 12);
    expect(entropyBits([0.5, 0.25, 0.25])).toBeCloseTo(1.5, 12);
    expect(entropyBits([2, 1, 1])).toBeCloseTo(1.5, 12); // unnormalised weights
    expect(entropyBits([3, 0])).toBe(0);
    expect(entropyBits([])).toBe(0);
    expect(() => entropyBits([1, -1])).toThrow(RangeError);
  });

  it('degree of anonymity (Díaz et al. 2002): H / log2 N, 0 when the sender is known, 1 when nothing was seen', () => {
    expect(anonymityDegree(2, 4)).toBe(1);
    expect(anonymityDegree(1, 4)).toBe(0.5);
    expect(anonymityDegree(0, 1)).toBe(0);
    expect(anonymityDegree(0, 0)).toBe(1);
  });

  it('average precision: hand-checked values, ties as one threshold, unretrieved positives', () => {
    // Ranked: + − + −: precision 1 at the first positive, 2/3 at the second.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0])).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(averagePrecision([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(averagePrecision([0.9, 0.8], [1, 0], 2)).toBe(0.5); // a second positive never scored
    expect(averagePrecision([0.3, 0.2], [1, 1])).toBe(1);
    expect(averagePrecision([0.3], [0])).toBe(0);
  });
});

describe('relay batching', () => {
  it('releases a pool when it is full or when its timer fires', () => {
    const out = new Float64Array(3);
    releaseTimes(Float64Array.of(0, 1, 5), { batchSize: 2, batchTimeoutMs: 100 }, out);
    expect([...out]).toEqual([1, 1, 105]);
    const out2 = new Float64Array(4);
    releaseTimes(Float64Array.of(0, 50, 200, 210), { batchSize: 3, batchTimeoutMs: 100 }, out2);
    expect([...out2]).toEqual([100, 100, 300, 300]);
    const out3 = new Float64Array(2);
    releaseTimes(Float64Array.of(3, 4), { batchSize: 1, batchTimeoutMs: 0 }, out3);
    expect([...out3]).toEqual([3, 4]);
  });
});

describe('linkObservations (the attacker on observed links)', () => {
  // Triangular delay on [0, 40]: weight ∝ min(d, 40 − d).
  const model: LinkModel = { delayMsMin: 0, delayMsMax: 40, shape: 'triangular', batchSize: 1, batchTimeoutMs: 0 };
  const client = [
    { addr: 'A', tMs: 0, size: 100 },
    { addr: 'B', tMs: 10, size: 100 },
    { addr: 'C', tMs: 10, size: 200 },
  ];
  const gateway = [
    { tMs: 20, size: 100, truth: 0 }, // A d=20 (w 20), B d=10 (w 10): posterior A 2/3, right
    { tMs: 30, size: 100, truth: 0 }, // A d=30 (w 10), B d=20 (w 20): guesses B, wrong
    { tMs: 25, size: 200, truth: 2 }, // only C: posterior 1, right
  ];

  it('a hand-checked example: guesses, posteriors, accuracy, chance, degree and AUPRC', () => {
    const { links, summary } = linkObservations(client, gateway, model);
    expect(links.map((l) => l.addr)).toEqual(['A', 'B', 'C']);
    expect(links[0]!.posterior).toBeCloseTo(2 / 3, 12);
    expect(links[1]!.posterior).toBeCloseTo(2 / 3, 12);
    expect(links[2]!.posterior).toBe(1);
    expect(links.map((l) => l.candidates)).toEqual([2, 2, 1]);
    expect(links.map((l) => l.concurrent)).toEqual([3, 3, 3]);
    const h = entropyBits([2, 1]);
    expect(links[0]!.entropyBits).toBeCloseTo(h, 12);
    expect(links[2]!.entropyBits).toBe(0);
    expect(summary!.accuracy).toBeCloseTo(2 / 3, 12);
    expect(summary!.chance).toBeCloseTo(1 / 3, 12);
    expect(summary!.anonymityDegree).toBeCloseTo((2 * h) / Math.log2(3) / 3, 12);
    // Pairs: 1 (+), 2/3 (+), 2/3 (−), 1/3 (−), 1/3 (+): AP = (1/1 + 2/3 + 3/5) / 3 = 34/45.
    expect(summary!.auprc).toBeCloseTo(34 / 45, 12);
  });

  it('ties: with a flat delay every candidate is equally likely; accuracy is the expected value of a random tie-break', () => {
    const flat: LinkModel = { ...model, shape: 'uniform' };
    const { links, summary } = linkObservations(client.slice(0, 2), [{ tMs: 25, size: 100, truth: 1 }], flat);
    expect(links[0]!.guess).toBe(0); // the earliest-released of the tie
    expect(links[0]!.posterior).toBe(0.5);
    expect(summary!.accuracy).toBe(0.5);
    expect(summary!.auprc).toBe(0.5);
    expect(summary!.anonymityDegree).toBe(1);
  });

  it('one run of equal weights (sent together) is a flat posterior: entropy log2 k exactly; two runs use the full formula', () => {
    // Three sends at one instant under a triangular delay: one run, weight 20 each.
    const together = [0, 1, 2].map((i) => ({ addr: `S${i}`, tMs: 0, size: 100 }));
    const one = linkObservations(together, [{ tMs: 20, size: 100, truth: 1 }], model).links[0]!;
    expect(one.candidates).toBe(3);
    expect(one.entropyBits).toBe(Math.log2(3));
    expect(one.posterior).toBe(1 / 3);
    // A single candidate: no uncertainty at all.
    expect(linkObservations(together.slice(0, 1), [{ tMs: 7, size: 100, truth: 0 }], model).links[0]!.entropyBits).toBe(0);
    // Two runs (weights 20, 20, 10): the entropy of the weights, as measures.ts computes it.
    const two = linkObservations([...together.slice(0, 2), { addr: 'L', tMs: 10, size: 100 }], [{ tMs: 20, size: 100, truth: 2 }], model).links[0]!;
    expect(two.entropyBits).toBeCloseTo(entropyBits([20, 20, 10]), 12);
    expect(two.entropyBits).not.toBeCloseTo(Math.log2(3), 3);
  });

  it('a real request whose send was not observed is a miss; observations without truth are not scored', () => {
    const { links, summary } = linkObservations(client, [{ tMs: 20, size: 100, truth: -1 }, { tMs: 20, size: 100 }], model);
    expect(links[1]!.addr).toBe('A');
    expect(summary!.scored).toBe(1);
    expect(summary!.observed).toBe(0);
    expect(summary!.accuracy).toBe(0);
    expect(summary!.auprc).toBe(0);
    expect(linkObservations(client, [{ tMs: 20, size: 100 }], model).summary).toBeNull();
  });

  it('sizes must match exactly, relays must match, and the window bounds the candidates', () => {
    const { links } = linkObservations(
      [{ addr: 'A', tMs: 0, size: 100, relay: 1 }, { addr: 'B', tMs: 0, size: 101 }, { addr: 'C', tMs: -100, size: 100 }],
      [{ tMs: 10, size: 100 }],
      model,
    );
    expect(links[0]!.candidates).toBe(0);
    expect(links[0]!.addr).toBeNull();
  });

  it('typed errors on bad input', () => {
    expect(() => linkObservations([{ addr: 'A', tMs: Number.NaN, size: 1 }], [], model)).toThrow(MetadataInputError);
    expect(() => linkObservations(client, [{ tMs: 0, size: 1, truth: 9 }], model)).toThrow(MetadataInputError);
    expect(() => linkObservations(client, [{ tMs: 0, size: -1 }], model)).toThrow(MetadataInputError);
    try {
      linkObservations(client, gateway, { ...model, delayMsMax: -1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MetadataInputError);
      expect((e as MetadataInputError).code).toBe('option');
    }
  });
});

/** The attacker restated naively, pair by pair, to check the streaming matcher against it. */
function bruteForce(
  c: { tMs: number[]; bytes: number[]; relay: number[] },
  g: { tMs: number[]; bytes: number[]; relay: number[]; truth: number[] },
  m: LinkModel,
): { accuracy: number; auprc: number; entropy: number[] } {
  const rel = new Array<number>(c.tMs.length);
  for (const r of new Set(c.relay)) {
    const idx = c.tMs.map((_, i) => i).filter((i) => c.relay[i] === r).sort((x, y) => c.tMs[x]! - c.tMs[y]! || x - y);
    const out = new Float64Array(idx.length);
    releaseTimes(Float64Array.from(idx, (i) => c.tMs[i]!), m, out);
    idx.forEach((i, k) => (rel[i] = out[k]!));
  }
  const scores: number[] = [];
  const labels: number[] = [];
  let accuracy = 0;
  const entropy: number[] = [];
  for (let k = 0; k < g.tMs.length; k++) {
    const w: number[] = [];
    const who: number[] = [];
    for (let i = 0; i < c.tMs.length; i++) {
      if (c.relay[i] !== g.relay[k] || c.bytes[i] !== g.bytes[k]) continue;
      const d = g.tMs[k]! - rel[i]!;
      const wi = m.shape === 'uniform' ? (d >= m.delayMsMin && d <= m.delayMsMax ? 1 : 0) : Math.min(d - m.delayMsMin, m.delayMsMax - d);
      if (wi > 0) {
        w.push(wi);
        who.push(i);
      }
    }
    const total = w.reduce((x, y) => x + y, 0);
    const max = Math.max(0, ...w);
    const ties = w.filter((x) => x === max).length;
    who.forEach((i, j) => {
      scores.push(w[j]! / total);
      labels.push(i === g.truth[k] ? 1 : 0);
      if (i === g.truth[k] && w[j] === max) accuracy += 1 / ties;
    });
    entropy.push(entropyBits(w));
  }
  return { accuracy: accuracy / g.tMs.length, auprc: averagePrecision(scores, labels, g.tMs.length), entropy };
}

function randomTrace(rng: Rng, n: number, relays: number, sizes: number, m: LinkModel) {
  const c = { tMs: [] as number[], bytes: [] as number[], relay: [] as number[] };
  for (let i = 0; i < n; i++) {
    c.tMs.push(Math.round(uniformFloat(rng) * n * 4)); // integer times: ties in time and in weight happen
    c.bytes.push(100 + uniformInt(rng, sizes));
    c.relay.push(uniformInt(rng, relays));
  }
  const g = { tMs: [] as number[], bytes: [] as number[], relay: [] as number[], truth: [] as number[] };
  const rel = new Array<number>(n);
  for (const r of new Set(c.relay)) {
    const idx = c.tMs.map((_, i) => i).filter((i) => c.relay[i] === r).sort((x, y) => c.tMs[x]! - c.tMs[y]! || x - y);
    const out = new Float64Array(idx.length);
    releaseTimes(Float64Array.from(idx, (i) => c.tMs[i]!), m, out);
    idx.forEach((i, k) => (rel[i] = out[k]!));
  }
  for (let i = 0; i < n; i++) {
    if (uniformInt(rng, 4) === 0) continue; // some sends never reach the gateway side: cover-like
    g.tMs.push(rel[i]! + m.delayMsMin + 1 + uniformInt(rng, Math.max(1, m.delayMsMax - m.delayMsMin - 1)));
    g.bytes.push(c.bytes[i]!);
    g.relay.push(c.relay[i]!);
    g.truth.push(i);
  }
  return { c, g };
}

describe('linkArrays agrees with a pair-by-pair restatement', () => {
  const cases: [string, LinkModel, number, number][] = [
    ['triangular, one relay', { delayMsMin: 2, delayMsMax: 30, shape: 'triangular', batchSize: 1, batchTimeoutMs: 0 }, 1, 3],
    ['uniform, two relays', { delayMsMin: 0, delayMsMax: 20, shape: 'uniform', batchSize: 1, batchTimeoutMs: 0 }, 2, 2],
    ['triangular, batches of 5', { delayMsMin: 1, delayMsMax: 15, shape: 'triangular', batchSize: 5, batchTimeoutMs: 40 }, 2, 2],
  ];
  for (const [name, m, relays, sizes] of cases) {
    it(name, () => {
      const rng = ChaChaRng.fromSeed(`metadata-brute:${name}`);
      const { c, g } = randomTrace(rng, 300, relays, sizes, m);
      const fast = linkArrays(
        { tMs: Float64Array.from(c.tMs), bytes: Int32Array.from(c.bytes), relay: Int32Array.from(c.relay) },
        { tMs: Float64Array.from(g.tMs), bytes: Int32Array.from(g.bytes), relay: Int32Array.from(g.relay), truth: Int32Array.from(g.truth) },
        m,
      );
      const slow = bruteForce(c, g, m);
      expect(fast.summary.scored).toBe(g.tMs.length);
      expect(fast.summary.accuracy).toBeCloseTo(slow.accuracy, 12);
      expect(fast.summary.auprc).toBeCloseTo(slow.auprc, 12);
      slow.entropy.forEach((h, k) => expect(fast.links.entropyBits[k]).toBeCloseTo(h, 9));
      expect(fast.summary.auprc).toBeGreaterThan(0);
    });
  }

  it('NOT_SCORED observations change nothing for the others', () => {
    const m: LinkModel = { delayMsMin: 2, delayMsMax: 30, shape: 'triangular', batchSize: 1, batchTimeoutMs: 0 };
    const { c, g } = randomTrace(ChaChaRng.fromSeed('metadata-cover'), 200, 1, 2, m);
    const arrays = (truth: number[]) => ({ tMs: Float64Array.from(g.tMs), bytes: Int32Array.from(g.bytes), relay: Int32Array.from(g.relay), truth: Int32Array.from(truth) });
    const cs = { tMs: Float64Array.from(c.tMs), bytes: Int32Array.from(c.bytes), relay: Int32Array.from(c.relay) };
    const all = linkArrays(cs, arrays(g.truth), m);
    const half = linkArrays(cs, arrays(g.truth.map((t, k) => (k % 2 ? NOT_SCORED : t))), m);
    expect([...half.links.guess]).toEqual([...all.links.guess]);
    expect(half.summary.scored).toBe(Math.ceil(g.tMs.length / 2));
  });
});

describe('analyseMetadata', () => {
  it('is a pure function of its options and seed', () => {
    const a = analyseMetadata({ ...WORLD, paddingBytes: 1024, batchSize: 10, coverHz: 0.5 });
    const b = analyseMetadata({ ...WORLD, paddingBytes: 1024, batchSize: 10, coverHz: 0.5 });
    expect(b).toEqual(a);
    const other = analyseMetadata({ ...WORLD, seed: 8, paddingBytes: 1024, batchSize: 10, coverHz: 0.5 });
    expect(other.accuracy).not.toBe(a.accuracy);
  });

  it('without defences the coalition links nearly every request, far above chance', () => {
    const p = analyseMetadata(WORLD);
    expect(p.accuracy).toBeGreaterThan(0.9);
    expect(p.chance).toBeLessThan(0.1);
    expect(p.auprc).toBeGreaterThan(0.9);
    expect(p.anonymityDegree).toBeLessThan(0.1);
    expect(p.latencyMs).toBe(0);
  });

  it('with full padding and large batches accuracy falls to chance, at a latency cost', () => {
    const p = analyseMetadata({ ...WORLD, paddingBytes: 65536, batchSize: 200 });
    expect(p.accuracy).toBeLessThan(0.02);
    expect(Math.abs(p.accuracy - p.chance)).toBeLessThan(0.002);
    expect(p.anonymityDegree).toBeGreaterThan(0.95);
    expect(p.auprc).toBeLessThan(0.05);
    expect(p.latencyMs).toBeGreaterThan(50);
  });

  it('relays split the coalition\'s view: holding one of four links about a quarter; holding all links at least as well as with one relay', () => {
    const one = analyseMetadata({ ...WORLD, paddingBytes: 4096, relays: 4, coalition: 'one' });
    const all = analyseMetadata({ ...WORLD, paddingBytes: 4096, relays: 4, coalition: 'all' });
    const single = analyseMetadata({ ...WORLD, paddingBytes: 4096 });
    expect(one.accuracy).toBeLessThan(all.accuracy / 2);
    expect(all.accuracy).toBeGreaterThanOrEqual(single.accuracy);
  });

  it('bounds its work: beyond maxPairs candidate pairs it scores every s-th request, and says so', () => {
    const full = analyseMetadata({ ...WORLD, paddingBytes: 65536 });
    expect(full.stride).toBe(1);
    const sampled = analyseMetadata({ ...WORLD, paddingBytes: 65536, maxPairs: 100_000 });
    expect(sampled.stride).toBeGreaterThan(1);
    expect(sampled.requests).toBe(full.requests);
    expect(sampled.chance).toBeCloseTo(full.chance, 2);
    expect(Math.abs(sampled.accuracy - full.accuracy)).toBeLessThan(0.02);
    expect(analyseMetadata({ ...WORLD, paddingBytes: 65536, maxPairs: 100_000 })).toEqual(sampled);
  });

  it('rejects bad settings with a typed error naming the setting', () => {
    for (const bad of [{ batchSize: 0 }, { relays: 1.5 }, { coverHz: -1 }, { delayMsMax: 1 }, { coalition: 'some' as 'one' }, { requests: 0 }]) {
      try {
        analyseMetadata({ ...WORLD, ...bad });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(MetadataInputError);
        expect((e as MetadataInputError).code).toBe('option');
      }
    }
  });
});

describe('metadataCurves', () => {
  const file = metadataCurves({ requests: 5000, seed: 3, clients: 300 });

  it('conforms to MetadataFileSchema, one curve per defence, measures in range', () => {
    expect(() => checkValue(MetadataFileSchema, file, 'metadata.json')).not.toThrow();
    expect(file.curves.map((c) => c.defence)).toEqual(['jitter', 'padding', 'batching', 'cover', 'relays', 'combined']);
    for (const c of file.curves) {
      for (const p of c.points) {
        for (const v of [p.accuracy, p.chance, p.anonymityDegree, p.auprc]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        expect(p.latencyMs).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('a curve point equals analyseMetadata with the same settings (same traffic)', () => {
    const cover = file.curves.find((c) => c.defence === 'cover')!.points.find((p) => p.x === 0.5)!;
    const direct = analyseMetadata({ requests: 5000, seed: 3, clients: 300, coverHz: 0.5 });
    expect(cover.accuracy).toBeCloseTo(direct.accuracy, 6);
    expect(cover.sends).toBe(direct.sends);
  });

  it('is deterministic and stronger padding never helps the attacker much', () => {
    expect(metadataCurves({ requests: 5000, seed: 3, clients: 300, defences: ['padding'] }).curves[0]).toEqual(file.curves[1]);
    const padding = file.curves[1]!.points;
    expect(padding[padding.length - 1]!.accuracy).toBeLessThan(padding[0]!.accuracy / 4);
  });
});

describe('traffic selection and the shared pool', () => {
  it('a selection into scratch equals a fresh one, and a pool drawn shared is the pool sharedPool would make', async () => {
    const { drawRealPool, addCoverLayers, selectTraffic, sharedPool } = await import('../../adversaries/metadata/traffic.js');
    const { scratch } = await import('../../adversaries/metadata/scratch.js');
    const model = { clients: 50, rateHz: 1, sizeMedianBytes: 900, sizeSigma: 1 };
    const rng = () => ChaChaRng.fromSeed(3).fork('metadata');
    const plain = addCoverLayers(rng(), model, drawRealPool(rng(), model, 2000), 1.5);
    const shared = addCoverLayers(rng(), model, drawRealPool(rng(), model, 2000, true), 1.5, true);
    expect(shared.cols.tMs.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sharedPool(shared)).toBe(shared); // already shared: not copied again
    const copied = sharedPool(plain);
    for (const k of ['tMs', 'addr', 'rawBytes', 'relayU', 'jitterU', 'layer', 'mark'] as const) {
      expect(Array.from(shared.cols[k].subarray(0, shared.cols.n))).toEqual(Array.from(copied.cols[k].subarray(0, copied.cols.n)));
    }
    for (const hz of [0, 0.5, 1.5]) {
      const fresh = selectTraffic(plain, hz);
      const into = selectTraffic(shared, hz, scratch);
      expect(into.n).toBe(fresh.n);
      for (const k of ['tMs', 'addr', 'rawBytes', 'isReal', 'relayU', 'jitterU'] as const) expect(Array.from(into[k])).toEqual(Array.from(fresh[k]));
    }
    expect(selectTraffic(plain, 1.5).n).toBeGreaterThan(selectTraffic(plain, 0).n);
  });

  it('a selection that keeps every send (rate 0 on the real requests, or the whole pool\'s own rate) is the pool\'s columns: the same values as the copy', async () => {
    const { drawRealPool, addCoverLayers, selectTraffic } = await import('../../adversaries/metadata/traffic.js');
    const { scratch } = await import('../../adversaries/metadata/scratch.js');
    const model = { clients: 50, rateHz: 1, sizeMedianBytes: 900, sizeSigma: 1 };
    const rng = () => ChaChaRng.fromSeed(4).fork('metadata');
    const real = drawRealPool(rng(), model, 3000, true);
    const full = addCoverLayers(rng(), model, drawRealPool(rng(), model, 3000, true), 2, true);
    for (const [pool, hz] of [[real, 0], [full, 2]] as const) {
      const fresh = selectTraffic(pool, hz); // the copy
      const into = selectTraffic(pool, hz, scratch);
      expect(into.n).toBe(pool.cols.n);
      expect(into.tMs.buffer).toBe(pool.cols.tMs.buffer); // not copied
      expect(into.real).toBe(fresh.real);
      for (const k of ['tMs', 'addr', 'rawBytes', 'isReal', 'relayU', 'jitterU'] as const) expect(Array.from(into[k])).toEqual(Array.from(fresh[k]));
    }
    expect(Array.from(selectTraffic(full, 2, scratch).isReal).filter((r) => r === 0).length).toBeGreaterThan(1000); // cover sends in it
  });
});
