/**
 * Unit tests of model/machines/gateway.ts (PROTOCOL.md step 7): per-request stages, the token
 * check and spend, the refusals with their HTTP status, and events for unknown refs.
 */
import { describe, expect, it } from 'vitest';
import { gatewayMachine, type GatewayEvent } from '../../model/machines/gateway.js';
import { Driver, kinds } from './machine-harness.js';

function gateway(spendTokens = true): Driver<typeof gatewayMachine> {
  return new Driver(gatewayMachine, { spendTokens });
}

/** A gateway holding request `ref` at the token check (a decapsulated `/summarise`). */
function checkingToken(ref = 1, spendTokens = true): Driver<typeof gatewayMachine> {
  const g = gateway(spendTokens);
  g.send({ type: 'OHTTP_IN', ref });
  g.send({ type: 'DECAPSULATED', ref, route: 'summarise' });
  expect(g.context.pending).toEqual({ [ref]: 'checking-token' });
  return g;
}

describe('gateway machine: the happy paths', () => {
  it('starts serving with nothing pending and no intents', () => {
    const g = gateway();
    expect(g.value).toBe('serving');
    expect(g.initialIntents).toEqual([]);
    expect(g.context).toEqual({ spendTokens: true, pending: {}, served: 0, refused: 0 });
  });

  it('a summarise request: decapsulate, verify-token, spend-token, forward, encapsulate, done', () => {
    const g = gateway();
    const steps: [GatewayEvent, unknown[], string | undefined][] = [
      [{ type: 'OHTTP_IN', ref: 7 }, [{ kind: 'decapsulate', ref: 7 }], 'decapsulating'],
      [{ type: 'DECAPSULATED', ref: 7, route: 'summarise' }, [{ kind: 'verify-token', ref: 7 }], 'checking-token'],
      [{ type: 'TOKEN_VALID', ref: 7 }, [{ kind: 'spend-token', ref: 7 }], 'spending'],
      [{ type: 'SPENT', ref: 7 }, [{ kind: 'forward-to-node', ref: 7 }], 'at-node'],
      [{ type: 'NODE_REPLY', ref: 7 }, [{ kind: 'encapsulate-response', ref: 7 }], 'responding'],
      [{ type: 'RESPONSE_SENT', ref: 7 }, [], undefined],
    ];
    for (const [event, intents, stage] of steps) {
      expect(g.send(event), event.type).toEqual(intents);
      expect(g.value).toBe('serving');
      expect(g.context.pending['7'], event.type).toBe(stage);
    }
    expect(g.context).toMatchObject({ pending: {}, served: 1, refused: 0 });
  });

  it('an attest request skips the token: forwarded to a node right after decapsulation', () => {
    const g = gateway();
    g.send({ type: 'OHTTP_IN', ref: 3 });
    const intents = g.send({ type: 'DECAPSULATED', ref: 3, route: 'attest' });
    expect(intents).toEqual([{ kind: 'forward-to-node', ref: 3 }]);
    expect(g.context.pending).toEqual({ '3': 'at-node' });
  });

  it('with spendTokens false (ablation token-spend) a valid token goes straight to the node', () => {
    const g = checkingToken(1, false);
    const intents = g.send({ type: 'TOKEN_VALID', ref: 1 });
    expect(intents).toEqual([{ kind: 'forward-to-node', ref: 1 }]);
    expect(g.context.pending).toEqual({ '1': 'at-node' });
  });

  it('keeps concurrent requests apart', () => {
    const g = gateway();
    g.send({ type: 'OHTTP_IN', ref: 1 });
    g.send({ type: 'OHTTP_IN', ref: 2 });
    g.send({ type: 'DECAPSULATED', ref: 2, route: 'attest' });
    expect(g.context.pending).toEqual({ '1': 'decapsulating', '2': 'at-node' });
    g.send({ type: 'DECAPSULATED', ref: 1, route: 'summarise' });
    g.send({ type: 'NODE_REPLY', ref: 2 });
    g.send({ type: 'RESPONSE_SENT', ref: 2 });
    expect(g.context.pending).toEqual({ '1': 'checking-token' });
    expect(g.context.served).toBe(1);
  });
});

describe('gateway machine: refusals', () => {
  it('DOUBLE_SPEND answers 401 token-double-spend and forgets the request', () => {
    const g = checkingToken();
    g.send({ type: 'TOKEN_VALID', ref: 1 });
    const intents = g.send({ type: 'DOUBLE_SPEND', ref: 1 });
    expect(intents).toEqual([{ kind: 'respond-error', ref: 1, status: 401, code: 'token-double-spend' }]);
    expect(g.context).toMatchObject({ pending: {}, refused: 1, served: 0 });
    expect(kinds(intents)).not.toContain('forward-to-node');
  });

  it('TOKEN_INVALID answers 401 with the token code', () => {
    for (const code of ['missing', 'invalid']) {
      const g = checkingToken();
      const intents = g.send({ type: 'TOKEN_INVALID', ref: 1, code });
      expect(intents).toEqual([{ kind: 'respond-error', ref: 1, status: 401, code: `token-${code}` }]);
      expect(g.context).toMatchObject({ pending: {}, refused: 1 });
    }
  });

  it('DECAP_FAILED answers 400 with the decapsulation code', () => {
    const g = gateway();
    g.send({ type: 'OHTTP_IN', ref: 5 });
    const intents = g.send({ type: 'DECAP_FAILED', ref: 5, code: 'OhttpDecapsulationError.key-id' });
    expect(intents).toEqual([{ kind: 'respond-error', ref: 5, status: 400, code: 'OhttpDecapsulationError.key-id' }]);
    expect(g.context).toMatchObject({ pending: {}, refused: 1 });
  });

  it('NODE_UNAVAILABLE answers 503 node-unavailable', () => {
    const g = gateway();
    g.send({ type: 'OHTTP_IN', ref: 5 });
    g.send({ type: 'DECAPSULATED', ref: 5, route: 'attest' });
    const intents = g.send({ type: 'NODE_UNAVAILABLE', ref: 5 });
    expect(intents).toEqual([{ kind: 'respond-error', ref: 5, status: 503, code: 'node-unavailable' }]);
    expect(g.context).toMatchObject({ pending: {}, refused: 1 });
  });

  it('after a refusal, late events for that ref are ignored', () => {
    const g = checkingToken();
    g.send({ type: 'TOKEN_INVALID', ref: 1, code: 'missing' });
    g.expectIgnored({ type: 'SPENT', ref: 1 });
    g.expectIgnored({ type: 'NODE_REPLY', ref: 1 });
    g.expectIgnored({ type: 'RESPONSE_SENT', ref: 1 });
  });
});

describe('gateway machine: unknown refs', () => {
  it('ignores every guarded event for a ref it never received', () => {
    const g = checkingToken(1);
    const unknown: GatewayEvent[] = [
      { type: 'DECAPSULATED', ref: 9, route: 'summarise' },
      { type: 'DECAP_FAILED', ref: 9, code: 'x' },
      { type: 'TOKEN_INVALID', ref: 9, code: 'x' },
      { type: 'SPENT', ref: 9 },
      { type: 'DOUBLE_SPEND', ref: 9 },
      { type: 'NODE_REPLY', ref: 9 },
      { type: 'NODE_UNAVAILABLE', ref: 9 },
      { type: 'RESPONSE_SENT', ref: 9 },
    ];
    for (const e of unknown) g.expectIgnored(e);
  });
});

describe('gateway machine: ref and stage checks (regression)', () => {
  // Once a bug: every handler but two was guarded by `known` (the ref is pending). `TOKEN_VALID` has no
  // guard at all and the `attest` branch of `DECAPSULATED` is tested before `known`, so an event for
  // a ref the gateway never received creates a pending entry and emits spend-token / forward-to-node.
  // Latent in today's simulator (its executor only answers intents it issued), but the machine
  // does not enforce what it models.
  it('TOKEN_VALID and DECAPSULATED(attest) for an unknown ref are ignored', () => {
    const g = gateway();
    g.expectIgnored({ type: 'TOKEN_VALID', ref: 9 });
    g.expectIgnored({ type: 'DECAPSULATED', ref: 10, route: 'attest' });
  });

  // Once a bug: `pending` recorded each request's stage but no guard read it (now the `at` guard does): `known` only tests
  // membership. So the stage order is not enforced: a NODE_REPLY for a request still at the token
  // check yields encapsulate-response (token neither verified nor spent), and SPENT arriving at the
  // token check forwards to the node before the token was verified. Latent in today's simulator,
  // which feeds these events back synchronously, but a reordered or forged event would pass.
  it('events out of stage order are ignored (NODE_REPLY before the token check finished)', () => {
    const g = checkingToken(1);
    g.expectIgnored({ type: 'NODE_REPLY', ref: 1 });
    g.expectIgnored({ type: 'SPENT', ref: 1 });
  });
});
