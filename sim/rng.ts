/**
 * The seeded random generator: ChaCha20 keystream (RFC 8439 block function via @noble/ciphers),
 * keyed by SHA-256 of the seed and the fork path. This file and sim/clock.ts are the only
 * sources of randomness and time in a run.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Rng } from '../protocol/rng.js';

const BLOCK_BYTES = 4096;
const encoder = new TextEncoder();

export class ChaChaRng implements Rng {
  private readonly key: Uint8Array;
  private counter = 0;
  private buffer = new Uint8Array(0);
  private offset = 0;

  private constructor(key: Uint8Array, readonly path: string) {
    this.key = key;
  }

  /** A stream for `seed` (a number, bigint, string or bytes). Same seed, same bytes, everywhere. */
  static fromSeed(seed: number | bigint | string | Uint8Array): ChaChaRng {
    const material = seed instanceof Uint8Array ? seed : encoder.encode(`pph-seed:${String(seed)}`);
    return new ChaChaRng(sha256(material), 'root');
  }

  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0 || n > 1 << 24) throw new RangeError(`n expected integer in [0, 2^24], got ${n}`);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.offset >= this.buffer.length) this.refill();
      const take = Math.min(n - filled, this.buffer.length - this.offset);
      out.set(this.buffer.subarray(this.offset, this.offset + take), filled);
      this.offset += take;
      filled += take;
    }
    return out;
  }

  fork(label: string): ChaChaRng {
    const key = sha256(concat2(this.key, encoder.encode(`fork:${label}`)));
    return new ChaChaRng(key, `${this.path}/${label}`);
  }

  private refill(): void {
    // Each refill uses a fresh 12-byte nonce (the refill counter), so keystream never repeats.
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(8, this.counter++, false);
    this.buffer = chacha20(this.key, nonce, new Uint8Array(BLOCK_BYTES));
    this.offset = 0;
  }
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
