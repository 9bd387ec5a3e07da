/**
 * The exactness of the speed work on `pph metadata` (issue 12 item 5): the radix sort of the AUPRC
 * thresholds orders exactly as the built-in sort, and the worker-thread path writes the same
 * metadata.json as the one-thread path. (The figures themselves: metadata-golden.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { metadataCurves } from '../../adversaries/metadata/index.js';
import { linkArrays, sortPositiveDoubles, sortedPositiveScores } from '../../adversaries/metadata/link.js';
import { jobCost, metadataCurvesParallel } from '../../adversaries/metadata/parallel.js';
import { gallopGe, gallopGe2, gallopGt, gallopGt2, lowerBound, upperBound } from '../../adversaries/metadata/client-index.js';
import { settingsOf, type DefenceSettings } from '../../adversaries/metadata/analyse.js';
import { uniformFloat, uniformInt } from '../../protocol/rng.js';
import { ChaChaRng } from '../../sim/rng.js';

function builtinSorted(a: Float64Array): Float64Array {
  return a.slice().sort();
}

describe('sortPositiveDoubles', () => {
  const rng = ChaChaRng.fromSeed(12).fork('sort');
  const cases: [string, () => number][] = [
    ['uniform in (0, 1]', () => 1 - uniformFloat(rng)],
    ['posteriors 1/k (many ties)', () => 1 / (1 + uniformInt(rng, 30))],
    ['wide exponents', () => (1 + uniformFloat(rng)) * 2 ** (uniformInt(rng, 200) - 100)],
    ['one value', () => 0.25],
  ];
  for (const [name, draw] of cases) {
    for (const n of [0, 1, 17, 5000, 70_000]) {
      it(`${name}, n = ${n}: the built-in sort's order, bit for bit`, () => {
        const a = Float64Array.from({ length: n }, draw);
        const want = builtinSorted(a);
        sortPositiveDoubles(a);
        expect(Buffer.from(a.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      });
    }
  }

  it('sorts a view in place without touching the rest of its buffer', () => {
    const whole = Float64Array.from({ length: 10_000 }, () => 1 - uniformFloat(rng));
    const before = whole.slice();
    const view = whole.subarray(1000, 9000);
    sortPositiveDoubles(view);
    expect(Buffer.from(view.buffer, view.byteOffset, view.byteLength).equals(Buffer.from(builtinSorted(before.subarray(1000, 9000)).buffer))).toBe(true);
    expect(whole.subarray(0, 1000)).toEqual(before.subarray(0, 1000));
    expect(whole.subarray(9000)).toEqual(before.subarray(9000));
  });
});

describe('sortedPositiveScores', () => {
  /** The computation it replaces in averagePrecisionOfRuns: the positive entries, filtered, then sorted. */
  function old(scores: Float64Array): Float64Array {
    const a = scores.filter((p) => p > 0);
    sortPositiveDoubles(a);
    return a;
  }
  const same = (got: Float64Array, want: Float64Array): boolean => got.length === want.length && Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength));
  const rng = ChaChaRng.fromSeed(13).fork('ones');

  it('on the matcher\'s own posteriors (w/W, many exactly 1, zeros for no candidate): the old array bit for bit', () => {
    // 60,000 sends over 60 s, sizes from a few values (windows of one to a few dozen candidates), triangular 2–30 ms.
    const n = 60_000;
    const tMs = new Float64Array(n);
    for (let i = 1; i < n; i++) tMs[i] = tMs[i - 1]! + uniformFloat(rng) * 2;
    const bytes = Int32Array.from({ length: n }, () => 100 * (1 + uniformInt(rng, 8)));
    const relay = new Int32Array(n);
    const gT = Float64Array.from(tMs, (t) => t + 2 + 28 * (uniformFloat(rng) + uniformFloat(rng)) / 2);
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => gT[x]! - gT[y]!);
    const gateway = { tMs: Float64Array.from(order, (i) => gT[i]!), bytes: Int32Array.from(order, (i) => bytes[i]!), relay: new Int32Array(n), truth: Int32Array.from(order, (i) => i) };
    const model = { delayMsMin: 2, delayMsMax: 30, shape: 'triangular' as const, batchSize: 1, batchTimeoutMs: 0 };
    const posterior = linkArrays({ tMs, bytes, relay }, gateway, model).links.posterior;
    const ones = posterior.filter((p) => p === 1).length;
    expect(ones).toBeGreaterThan(1000); // both parts are exercised
    expect(posterior.length - ones).toBeGreaterThan(1000);
    expect(same(sortedPositiveScores(posterior), old(posterior))).toBe(true);
  });

  it('with values above 1, zeros and negatives mixed in, all ones, none, and small inputs', () => {
    const draws: (() => number)[] = [
      () => [0, -1, 1, 1, 1 - uniformFloat(rng), 1 + uniformFloat(rng), 1 / (1 + uniformInt(rng, 30))][uniformInt(rng, 7)]!,
      () => 1,
      () => 0,
      () => 0.5 + uniformFloat(rng),
    ];
    for (const draw of draws) {
      for (const n of [0, 1, 9, 5000, 70_000]) {
        const a = Float64Array.from({ length: n }, draw);
        expect(same(sortedPositiveScores(a), old(a))).toBe(true);
      }
    }
  });
});

describe('metadataCurvesParallel', () => {
  it('worker threads and one thread give the same metadata.json, byte for byte', async () => {
    const options = { requests: 8000, seed: 5, clients: 300, base: { coverHz: 0.5 } };
    const sequential = JSON.stringify(metadataCurves(options), null, 2);
    expect(JSON.stringify(await metadataCurvesParallel(options, 2), null, 2)).toBe(sequential);
    expect(JSON.stringify(await metadataCurvesParallel(options, 1), null, 2)).toBe(sequential);
    // a different seed gives a different file: the comparison can fail
    expect(JSON.stringify(metadataCurves({ ...options, seed: 6 }), null, 2)).not.toBe(sequential);
  }, 60_000);

  it('the same for a plan without cover traffic (one pool stage) and for one with cover on every point but one', async () => {
    for (const options of [
      { requests: 6000, seed: 3, clients: 200, defences: ['padding', 'relays'] as const },
      { requests: 6000, seed: 3, clients: 200, defences: ['cover', 'jitter'] as const, base: { coverHz: 1 } },
    ]) {
      const o = { ...options, defences: [...options.defences] };
      expect(JSON.stringify(await metadataCurvesParallel(o, 2), null, 2)).toBe(JSON.stringify(metadataCurves(o), null, 2));
    }
  }, 60_000);
});

describe('the specialised searches of the matcher (client-index.ts)', () => {
  it('gallopGe/gallopGt and their stride-2 forms find the same index as a bisection, for every hint', () => {
    const rng = ChaChaRng.fromSeed(21).fork('gallop');
    // Sorted with runs of equal values (batches released together).
    const a = Float64Array.from({ length: 300 }, () => uniformInt(rng, 60)).sort();
    const rec = new Float64Array(2 * a.length);
    a.forEach((v, i) => (rec[2 * i] = v));
    for (const [lo, hi] of [[0, a.length], [17, 211], [40, 40]] as const) {
      for (const x of [-1, 0, 5, 5.5, 30, 59, 60, 100]) {
        const ge = lowerBound(a, lo, hi, x);
        const gt = upperBound(a, lo, hi, x);
        for (let hint = lo - 3; hint <= hi + 3; hint++) {
          expect([gallopGe(a, lo, hi, x, hint), gallopGe2(rec, lo, hi, x, hint)]).toEqual([ge, ge]);
          expect([gallopGt(a, lo, hi, x, hint), gallopGt2(rec, lo, hi, x, hint)]).toEqual([gt, gt]);
        }
      }
    }
    // the reference is not trivial: the bounds differ where x sits on a run
    expect(lowerBound(a, 0, a.length, 30)).toBeLessThan(upperBound(a, 0, a.length, 30));
  });
});

describe('jobCost (the order jobs are handed to workers)', () => {
  it('ranks the padding points above the unpadded ones and the split relays below, as measured', () => {
    const at = (s: Partial<DefenceSettings>): number => jobCost(settingsOf(s), { clients: 1000 });
    expect(at({ paddingBytes: 16384 })).toBeGreaterThan(at({ paddingBytes: 1024 }));
    expect(at({ paddingBytes: 1024 })).toBeGreaterThan(at({}));
    expect(at({ paddingBytes: 65536, batchSize: 1000, coverHz: 2 })).toBeLessThan(at({ paddingBytes: 4096 }));
    expect(at({ relays: 8 })).toBeLessThan(at({ relays: 2 }));
    expect(at({ coverHz: 2 })).toBeGreaterThan(at({}));
  });
});
