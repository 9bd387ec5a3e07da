/**
 * Unit tests of model/machines/relay.ts (PROTOCOL.md step 6): forwards each way, one intent per
 * message, never changes state.
 */
import { describe, expect, it } from 'vitest';
import { relayMachine } from '../../model/machines/relay.js';
import { Driver } from './machine-harness.js';

describe('relay machine', () => {
  it('starts forwarding, with zero counts and no intents', () => {
    const r = new Driver(relayMachine);
    expect(r.value).toBe('forwarding');
    expect(r.initialIntents).toEqual([]);
    expect(r.context).toEqual({ forwarded: 0, returned: 0 });
  });

  it('FROM_CLIENT emits relay-forward for that ref, FROM_GATEWAY relay-return', () => {
    const r = new Driver(relayMachine);
    expect(r.send({ type: 'FROM_CLIENT', ref: 3 })).toEqual([{ kind: 'relay-forward', ref: 3 }]);
    expect(r.send({ type: 'FROM_CLIENT', ref: 4 })).toEqual([{ kind: 'relay-forward', ref: 4 }]);
    expect(r.send({ type: 'FROM_GATEWAY', ref: 5 })).toEqual([{ kind: 'relay-return', ref: 5 }]);
    expect(r.value).toBe('forwarding');
    expect(r.context).toEqual({ forwarded: 2, returned: 1 });
  });
});
