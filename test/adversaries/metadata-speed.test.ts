/**
 * The exactness of the speed work on `pph metadata` (issue 12 item 5): the radix sort of the AUPRC
 * thresholds orders exactly as the built-in sort, and the worker-thread path writes the same
 * metadata.json as the one-thread path. (The figures themselves: metadata-golden.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { metadataCurves } from '../../adversaries/metadata/index.js';
import { sortPositiveDoubles } from '../../adversaries/metadata/link.js';
import { metadataCurvesParallel } from '../../adversaries/metadata/parallel.js';
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
