/**
 * Powers stay powers (issue 13, item 7): what `Powers.public` hands any adversary, in any position,
 * is a read-only copy. The transparency log is a view that cannot append; bytes are copies, so
 * writing into them changes no honest state; the view object itself is frozen.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { Powers } from '../../sim/adversary.js';
import { World } from '../../sim/world.js';
import { matrixWorld } from './catalogue.js';

describe('Powers.public: read-only copies', () => {
  it('the public log cannot append, and writing into what it returns changes neither the honest log nor the keys', () => {
    const world = new World(matrixWorld(), 1, {});
    const powers = new Powers(world, 'probe', ['gateway', 'log', 'vendor-key', 'relay', 'later']);
    const pub = powers.public;
    const size = world.keys.log.size;
    const root = toHex(world.keys.log.root());
    expect(pub.log.size).toBe(size);
    expect('append' in pub.log).toBe(false);
    expect('appendLeafHash' in pub.log).toBe(false);
    expect(Object.isFrozen(pub)).toBe(true);
    expect(Object.isFrozen(pub.log)).toBe(true);
    expect(() => {
      (pub as { log: unknown }).log = null;
    }).toThrow(TypeError);
    // Scribble over everything it returns: the honest state is untouched.
    pub.log.root().fill(0);
    pub.log.leafHash(0).fill(0);
    for (const p of pub.log.inclusionProof(0)) p.fill(0);
    pub.gatewayConfigBytes.fill(0);
    pub.issuerPublicKey.fill(0);
    pub.releaseEntryOf(0).fill(0);
    pub.measurementOf(0).fill(0);
    expect(toHex(world.keys.log.root())).toBe(root);
    expect(world.keys.log.size).toBe(size);
    expect(toHex(powers.public.log.root())).toBe(root);
    expect(powers.public.gatewayConfigBytes.some((b) => b !== 0)).toBe(true);
    expect(powers.public.issuerPublicKey.some((b) => b !== 0)).toBe(true);
    expect(toHex(powers.public.releaseEntryOf(0))).toBe(toHex(world.keys.releaseEntryOf(0)));
    expect(powers.public.measurementOf(0).some((b) => b !== 0)).toBe(true);
  });
});
