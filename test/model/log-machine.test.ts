/**
 * Unit tests of model/machines/log.ts (PROTOCOL.md steps 0 and 4): appends and proof requests.
 */
import { describe, expect, it } from 'vitest';
import { logMachine } from '../../model/machines/log.js';
import { Driver } from './machine-harness.js';

describe('log machine', () => {
  it('starts serving, empty, with no intents', () => {
    const l = new Driver(logMachine);
    expect(l.value).toBe('serving');
    expect(l.initialIntents).toEqual([]);
    expect(l.context).toEqual({ entries: 0, served: 0 });
  });

  it('APPEND emits log-append and counts an entry; PROOF_REQUEST emits log-serve', () => {
    const l = new Driver(logMachine);
    expect(l.send({ type: 'APPEND', ref: 1 })).toEqual([{ kind: 'log-append', ref: 1 }]);
    expect(l.send({ type: 'PROOF_REQUEST', ref: 2 })).toEqual([{ kind: 'log-serve', ref: 2 }]);
    expect(l.send({ type: 'PROOF_REQUEST', ref: 3 })).toEqual([{ kind: 'log-serve', ref: 3 }]);
    expect(l.value).toBe('serving');
    expect(l.context).toEqual({ entries: 1, served: 2 });
  });
});
