// Ed25519NoteSigner signs with node:crypto (OpenSSL); noble is an independent implementation of
// the same deterministic RFC 8032 signature: both must give the same bytes, and each must verify
// under the other's verifier.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Ed25519NoteSigner } from '../../../protocol/tlog/note-key.js';

describe('Ed25519NoteSigner on node:crypto agrees with noble', () => {
  it('same signature bytes as noble for random seeds and texts; both verify', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, text) => {
        const signer = new Ed25519NoteSigner('log.example', seed);
        const sig = signer.sign(text);
        expect(sig).toEqual(ed25519.sign(text, seed));
        expect(ed25519.verify(sig, text, signer.publicKey)).toBe(true);
        expect(signer.verifier().verify(text, sig)).toBe(true);
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it('a signature over another text, or by another seed, does not verify', () => {
    const a = new Ed25519NoteSigner('log.example', new Uint8Array(32).fill(1));
    const b = new Ed25519NoteSigner('log.example', new Uint8Array(32).fill(2));
    const text = new TextEncoder().encode('log.example\n4\nroot\n');
    const sig = a.sign(text);
    expect(a.verifier().verify(text, sig)).toBe(true);
    expect(b.verifier().verify(text, sig)).toBe(false);
    const other = text.slice();
    other[0] ^= 1;
    expect(a.verifier().verify(other, sig)).toBe(false);
    const flipped = sig.slice();
    flipped[10] ^= 0x40;
    expect(a.verifier().verify(text, flipped)).toBe(false);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => new Ed25519NoteSigner('log.example', new Uint8Array(31))).toThrow();
  });
});
