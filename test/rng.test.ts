import { describe, expect, it } from 'vitest';
import { ChaChaRng } from '../sim/rng.js';
import { uniformInt } from '../protocol/rng.js';
import { toHex } from '../protocol/bytes.js';

describe('ChaChaRng', () => {
  it('is a pure function of the seed', () => {
    expect(toHex(ChaChaRng.fromSeed(42).bytes(100))).toBe(toHex(ChaChaRng.fromSeed(42).bytes(100)));
    expect(toHex(ChaChaRng.fromSeed(42).bytes(32))).not.toBe(toHex(ChaChaRng.fromSeed(43).bytes(32)));
  });
  it('does not depend on how reads are split', () => {
    const a = ChaChaRng.fromSeed('x');
    const whole = a.bytes(9000);
    const b = ChaChaRng.fromSeed('x');
    const parts = [b.bytes(1), b.bytes(4095), b.bytes(4904)];
    expect(toHex(Buffer.concat(parts))).toBe(toHex(whole));
  });
  it('forks independent streams without advancing the parent', () => {
    const a = ChaChaRng.fromSeed(1);
    const f1 = a.fork('relay').bytes(16);
    const f2 = a.fork('gateway').bytes(16);
    expect(toHex(f1)).not.toBe(toHex(f2));
    expect(toHex(a.bytes(16))).toBe(toHex(ChaChaRng.fromSeed(1).bytes(16)));
    expect(toHex(ChaChaRng.fromSeed(1).fork('relay').bytes(16))).toBe(toHex(f1));
  });
  it('draws uniform integers within bounds', () => {
    const rng = ChaChaRng.fromSeed(7);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[uniformInt(rng, 5)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(() => uniformInt(rng, 0)).toThrow(RangeError);
  });
});
