/**
 * Unit tests of model/machines/host.ts: boot with a generation, relay of ciphertext between the
 * gateway and the TEE, restart.
 */
import { describe, expect, it } from 'vitest';
import { hostMachine } from '../../model/machines/host.js';
import { Driver } from './machine-harness.js';

function running(): Driver<typeof hostMachine> {
  const h = new Driver(hostMachine);
  h.send({ type: 'BOOTED' });
  expect(h.value).toBe('running');
  return h;
}

describe('host machine', () => {
  it('starts booting and emits boot for generation 0', () => {
    const h = new Driver(hostMachine);
    expect(h.value).toBe('booting');
    expect(h.initialIntents).toEqual([{ kind: 'boot', generation: 0 }]);
    expect(h.context).toEqual({ generation: 0, relayed: 0 });
  });

  it('BOOTED makes it running, with no intents', () => {
    const h = new Driver(hostMachine);
    expect(h.send({ type: 'BOOTED' })).toEqual([]);
    expect(h.value).toBe('running');
  });

  it('moves ciphertext both ways while running, counting what it sends in', () => {
    const h = running();
    expect(h.send({ type: 'FROM_GATEWAY', ref: 12 })).toEqual([{ kind: 'to-enclave', ref: 12 }]);
    expect(h.send({ type: 'FROM_GATEWAY', ref: 13 })).toEqual([{ kind: 'to-enclave', ref: 13 }]);
    expect(h.send({ type: 'FROM_ENCLAVE', ref: 12 })).toEqual([{ kind: 'from-enclave', ref: 12 }]);
    expect(h.value).toBe('running');
    expect(h.context.relayed).toBe(2);
  });

  it('RESTART increments the generation and boots again with it', () => {
    const h = running();
    expect(h.send({ type: 'RESTART' })).toEqual([{ kind: 'boot', generation: 1 }]);
    expect(h.value).toBe('booting');
    expect(h.context.generation).toBe(1);
    h.send({ type: 'BOOTED' });
    expect(h.send({ type: 'RESTART' })).toEqual([{ kind: 'boot', generation: 2 }]);
    expect(h.context.generation).toBe(2);
  });

  it('ignores RESTART and BOOTED where they mean nothing (restart while booting, booted while running)', () => {
    const h = new Driver(hostMachine);
    h.expectIgnored({ type: 'RESTART' });
    const r = running();
    r.expectIgnored({ type: 'BOOTED' });
  });

  // Regression: while booting (until the release proof is in) FROM_GATEWAY once had no handler,
  // so a forwarded request vanished with no intent and the gateway kept it pending forever.
  it('FROM_GATEWAY while booting is refused with an explicit booting error, not dropped', () => {
    const h = new Driver(hostMachine);
    expect(h.send({ type: 'FROM_GATEWAY', ref: 12 })).toEqual([{ kind: 'host-refuse', ref: 12, code: 'booting' }]);
    expect(h.value).toBe('booting');
  });
});
