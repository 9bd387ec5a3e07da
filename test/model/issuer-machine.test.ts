/**
 * Unit tests of model/machines/issuer.ts (PROTOCOL.md step 2): one issue-tokens per request.
 */
import { describe, expect, it } from 'vitest';
import { issuerMachine } from '../../model/machines/issuer.js';
import { Driver } from './machine-harness.js';

describe('issuer machine', () => {
  it('starts serving, with nothing issued and no intents', () => {
    const i = new Driver(issuerMachine);
    expect(i.value).toBe('serving');
    expect(i.initialIntents).toEqual([]);
    expect(i.context).toEqual({ issued: 0 });
  });

  it('answers each TOKEN_REQUEST with issue-tokens for that ref', () => {
    const i = new Driver(issuerMachine);
    expect(i.send({ type: 'TOKEN_REQUEST', ref: 8 })).toEqual([{ kind: 'issue-tokens', ref: 8 }]);
    expect(i.send({ type: 'TOKEN_REQUEST', ref: 9 })).toEqual([{ kind: 'issue-tokens', ref: 9 }]);
    expect(i.value).toBe('serving');
    expect(i.context.issued).toBe(2);
  });
});
