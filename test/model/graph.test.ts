/**
 * Model-based tests over every machine graph (xstate/graph): explore each machine with concrete
 * events under explicit bounds, replay a shortest path to every snapshot found, and check that
 * (1) every atomic state node is reached, (2) no step along any path leaves the machine in error,
 * (3) machines declare only the `intent` action and emit only kinds of the Intent union.
 */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { clientMachine, type ClientEvent, type ClientInput } from '../../model/machines/client.js';
import { gatewayMachine, type GatewayEvent } from '../../model/machines/gateway.js';
import { enclaveMachine, type EnclaveEvent } from '../../model/machines/enclave.js';
import { hostMachine } from '../../model/machines/host.js';
import { relayMachine } from '../../model/machines/relay.js';
import { issuerMachine } from '../../model/machines/issuer.js';
import { logMachine } from '../../model/machines/log.js';
import { ALL_CHECKS, atomicStateIds, explore, INTENT_KINDS, kinds, stateKey, type Exploration, type ExplorationResult } from './machine-harness.js';

// ---- explorations ---------------------------------------------------------------------------

const CLIENT_INPUT: ClientInput = {
  user: 'client-0',
  optedIn: true,
  excludedChats: ['chat-secret'],
  checks: ALL_CHECKS,
  pad: true,
  checkResponseBinding: true,
  retries: 1,
  tokenBatch: 1,
  attestTimeoutMs: 1_000,
  responseTimeoutMs: 2_000,
};

/**
 * The client with one token per batch and one retry, so that token exhaustion, refetching and
 * both retry outcomes are all a few steps away. Request ids are numbered from the counters, so
 * each new task gets a fresh id and an event for "another request" is always stale.
 */
function clientExploration(input: ClientInput): Exploration<typeof clientMachine> {
  return {
    name: `client(optedIn=${input.optedIn})`,
    machine: clientMachine,
    input,
    events: (s) => {
      const c = s.context;
      const next = `r${c.completed + c.failed + c.blocked + c.queue.length + (c.current ? 1 : 0) + 1}`;
      const cur = c.current?.requestId ?? 'r1';
      const stale = 'r0';
      const events: ClientEvent[] = [
        { type: 'TASK', requestId: next, chatId: 'chat-a' },
        { type: 'TASK', requestId: next, chatId: 'chat-secret' },
        { type: 'TOKENS_READY', count: 1 },
        { type: 'TOKENS_FAILED', code: 'issuer-down' },
        { type: 'BUNDLE', requestId: cur, ref: 11 },
        { type: 'BUNDLE', requestId: stale, ref: 12 },
        { type: 'EVIDENCE_OK', requestId: cur },
        { type: 'EVIDENCE_OK', requestId: stale },
        { type: 'EVIDENCE_REJECTED', requestId: cur, code: 'signature' },
        { type: 'RESPONSE', requestId: cur, ref: 13 },
        { type: 'RESPONSE', requestId: stale, ref: 14 },
        { type: 'RESPONSE_OK', requestId: cur },
        { type: 'RESPONSE_OK', requestId: stale },
        { type: 'RESPONSE_REJECTED', requestId: cur, code: 'binding' },
        { type: 'TIMEOUT', name: 'tokens' },
        { type: 'TIMEOUT', name: 'attest' },
        { type: 'TIMEOUT', name: 'response' },
      ];
      return events;
    },
    // At most two tasks waiting or in flight.
    filterEvents: (s, e) => e.type !== 'TASK' || s.context.queue.length + (s.context.current ? 1 : 0) < 2,
    // Counters only grow: stop after three ended tasks.
    stopWhen: (s) => s.context.completed + s.context.failed + s.context.blocked >= 3,
    limit: 200_000,
  };
}

/** Events for refs 1 and 2 (received in turn) and 3 (never received) in every stage. */
function gatewayExploration(spendTokens: boolean): Exploration<typeof gatewayMachine> {
  return {
    name: `gateway(spendTokens=${spendTokens})`,
    machine: gatewayMachine,
    input: { spendTokens },
    events: () =>
      [1, 2, 3].flatMap((ref): GatewayEvent[] => [
        { type: 'OHTTP_IN', ref },
        { type: 'DECAPSULATED', ref, route: 'attest' },
        { type: 'DECAPSULATED', ref, route: 'summarise' },
        { type: 'DECAP_FAILED', ref, code: 'key-id' },
        { type: 'TOKEN_VALID', ref },
        { type: 'TOKEN_INVALID', ref, code: 'invalid' },
        { type: 'SPENT', ref },
        { type: 'DOUBLE_SPEND', ref },
        { type: 'NODE_REPLY', ref },
        { type: 'NODE_UNAVAILABLE', ref },
        { type: 'RESPONSE_SENT', ref },
      ]),
    // A ref arrives once while pending; ref 3 never arrives.
    filterEvents: (s, e) => e.type !== 'OHTTP_IN' || (e.ref !== 3 && !(String(e.ref) in s.context.pending)),
    stopWhen: (s) => s.context.served + s.context.refused >= 2,
    limit: 200_000,
  };
}

/** Fresh refs for new requests, the current ref and a foreign one for every step event. */
function enclaveExploration(erase: boolean): Exploration<typeof enclaveMachine> {
  return {
    name: `enclave(erase=${erase})`,
    machine: enclaveMachine,
    input: { erase },
    events: (s) => {
      const c = s.context;
      const fresh = c.served + c.queue.length + (c.current === null ? 0 : 1) + 1;
      const cur = c.current ?? 1;
      const other = 99;
      return [
        { type: 'KEY_READY' },
        { type: 'ATTEST_REQUEST', ref: 50 },
        { type: 'REQUEST', ref: fresh },
        ...[cur, other].flatMap((ref): EnclaveEvent[] => [
          { type: 'OPENED', ref },
          { type: 'OPEN_FAILED', ref, code: 'aead' },
          { type: 'INFERRED', ref },
          { type: 'SEALED', ref },
          { type: 'ERASED', ref },
        ]),
        { type: 'RESET' },
      ];
    },
    filterEvents: (s, e) => e.type !== 'REQUEST' || s.context.queue.length < 2,
    stopWhen: (s) => s.context.served >= 3,
    limit: 200_000,
  };
}

const hostExploration: Exploration<typeof hostMachine> = {
  name: 'host',
  machine: hostMachine,
  events: () => [{ type: 'FROM_GATEWAY', ref: 1 }, { type: 'FROM_ENCLAVE', ref: 1 }, { type: 'RESTART' }, { type: 'BOOTED' }],
  stopWhen: (s) => s.context.generation >= 3 || s.context.relayed >= 3,
  limit: 10_000,
};

const relayExploration: Exploration<typeof relayMachine> = {
  name: 'relay',
  machine: relayMachine,
  events: () => [{ type: 'FROM_CLIENT', ref: 1 }, { type: 'FROM_GATEWAY', ref: 2 }],
  stopWhen: (s) => s.context.forwarded + s.context.returned >= 4,
  limit: 10_000,
};

const issuerExploration: Exploration<typeof issuerMachine> = {
  name: 'issuer',
  machine: issuerMachine,
  events: () => [{ type: 'TOKEN_REQUEST', ref: 1 }],
  stopWhen: (s) => s.context.issued >= 3,
  limit: 10_000,
};

const logExploration: Exploration<typeof logMachine> = {
  name: 'log',
  machine: logMachine,
  events: () => [{ type: 'APPEND', ref: 1 }, { type: 'PROOF_REQUEST', ref: 2 }],
  stopWhen: (s) => s.context.entries + s.context.served >= 4,
  limit: 10_000,
};

interface Case {
  machine: AnyStateMachine;
  explorations: Exploration<AnyStateMachine>[];
}

const CASES: Case[] = [
  { machine: clientMachine, explorations: [clientExploration(CLIENT_INPUT), clientExploration({ ...CLIENT_INPUT, optedIn: false })] },
  { machine: gatewayMachine, explorations: [gatewayExploration(true), gatewayExploration(false)] },
  { machine: enclaveMachine, explorations: [enclaveExploration(true), enclaveExploration(false)] },
  { machine: hostMachine, explorations: [hostExploration] },
  { machine: relayMachine, explorations: [relayExploration] },
  { machine: issuerMachine, explorations: [issuerExploration] },
  { machine: logMachine, explorations: [logExploration] },
] as unknown as Case[];

// Explored once per exploration, shared by the tests below (each exploration takes well under a
// second; the client's is the largest).
const results = new Map<string, ExplorationResult>();
function resultOf(x: Exploration<AnyStateMachine>): ExplorationResult {
  let r = results.get(x.name);
  if (!r) {
    r = explore(x);
    results.set(x.name, r);
  }
  return r;
}

// ---- tests ----------------------------------------------------------------------------------

describe.each(CASES.map((c) => [c.machine.id, c] as const))('%s machine graph', (_id, c) => {
  it.each(c.explorations.map((x) => [x.name, x] as const))('%s: every path replays without error', (_name, x) => {
    const r = resultOf(x);
    expect(r.paths).toBeGreaterThan(0);
    // The replays ran: every path was re-driven step by step (explore() asserts on each step).
    expect(r.steps).toBeGreaterThanOrEqual(r.paths - 1);
  });

  it('reaches every atomic state node', () => {
    const reached = new Set<string>();
    for (const x of c.explorations) for (const id of resultOf(x).reached) reached.add(id);
    expect([...reached].sort()).toEqual(atomicStateIds(c.machine).sort());
  });

  it('declares only the intent action', () => {
    expect(Object.keys(c.machine.implementations.actions)).toEqual(['intent']);
    // Every action in the definition is either an `intent` or a built-in (assign).
    const types = definedActionTypes(c.machine);
    expect(types.has('intent')).toBe(true);
    for (const type of types) expect(type === 'intent' || type.startsWith('xstate.'), `${c.machine.id}: action ${type}`).toBe(true);
  });

  it('returns only intent actions, whose kinds all exist in the Intent union', () => {
    const known = new Set<string>(INTENT_KINDS);
    for (const x of c.explorations) {
      const r = resultOf(x);
      expect([...r.actionTypes].filter((t) => t !== 'intent'), x.name).toEqual([]);
      const unknown = r.intents.filter((i) => !known.has(i.kind)).map((i) => i.kind);
      expect(unknown, x.name).toEqual([]);
    }
  });
});

describe('intents across all machines', () => {
  it('every kind of the Intent union is emitted by some explored path', () => {
    const emitted = new Set<string>();
    for (const c of CASES) for (const x of c.explorations) for (const i of resultOf(x).intents) emitted.add(i.kind);
    expect([...emitted].sort()).toEqual([...INTENT_KINDS].sort());
  });
});

describe('invariants over the explored graphs', () => {
  const client = clientExploration(CLIENT_INPUT);
  const optedOut = clientExploration({ ...CLIENT_INPUT, optedIn: false });

  it('client: consent-block only for a task of an excluded chat, and such a task never queues', () => {
    for (const t of resultOf(client).transitions) {
      const blocked = t.event.type === 'TASK' && t.event.chatId === 'chat-secret';
      expect(kinds(t.intents).includes('consent-block'), JSON.stringify(t.event)).toBe(blocked);
      if (blocked) expect(t.to.context.queue).toEqual(t.from.context.queue);
    }
  });

  it('client: an opted-out user never leaves idle and emits nothing but consent-block', () => {
    const r = resultOf(optedOut);
    expect([...r.reached]).toEqual(['client.idle']);
    expect(new Set(r.intents.map((i) => i.kind))).toEqual(new Set(['consent-block']));
  });

  it('client: events naming another request never change anything', () => {
    for (const t of resultOf(client).transitions) {
      if (!('requestId' in t.event) || t.event.type === 'TASK' || t.event.requestId !== 'r0') continue;
      expect(t.intents, t.event.type).toEqual([]);
      expect(stateKey(t.to), t.event.type).toBe(stateKey(t.from));
    }
  });

  it('client: a request ends once, and only the request in flight (or the head waiting for tokens) ends', () => {
    for (const t of resultOf(client).transitions) {
      const done = t.intents.filter((i) => i.kind === 'request-done');
      expect(done.length).toBeLessThanOrEqual(1);
      for (const d of done) {
        const c = t.from.context as { current: { requestId: string } | null; queue: { requestId: string }[] };
        expect(d.requestId).toBe(c.current?.requestId ?? c.queue[0]?.requestId);
      }
    }
  });

  // Regression (see client-machine.test.ts), found by this exploration: a retry once reached
  // `sending` without the token check in `idle`, so send-request went out with no token left.
  it('client: the token count never goes negative on any explored path', () => {
    for (const t of resultOf(client).transitions) expect(t.to.context.tokens, JSON.stringify(t.to.context)).toBeGreaterThanOrEqual(0);
  });

  it('client: send-request is only emitted while the client holds a token', () => {
    for (const t of resultOf(client).transitions) {
      if (kinds(t.intents).includes('send-request')) expect(t.from.context.tokens, JSON.stringify(t.from.context)).toBeGreaterThan(0);
    }
  });

  it('gateway: without token-spend no spend-token is ever emitted; with it, DOUBLE_SPEND of a pending ref is a 401', () => {
    expect(resultOf(gatewayExploration(false)).intents.some((i) => i.kind === 'spend-token')).toBe(false);
    let refusals = 0;
    for (const t of resultOf(gatewayExploration(true)).transitions) {
      if (t.event.type !== 'DOUBLE_SPEND' || t.from.context.pending[String(t.event.ref)] !== 'spending') continue;
      expect(t.intents).toEqual([{ kind: 'respond-error', ref: t.event.ref, status: 401, code: 'token-double-spend' }]);
      refusals++;
    }
    expect(refusals).toBeGreaterThan(0);
  });

  it('enclave: with erase off, erase follows only a request that did not open; with erase on, every seal is erased', () => {
    for (const t of resultOf(enclaveExploration(false)).transitions) {
      if (kinds(t.intents).includes('erase')) expect(t.event.type).toBe('OPEN_FAILED');
    }
    let seals = 0;
    for (const t of resultOf(enclaveExploration(true)).transitions) {
      if (t.from.value !== 'sealing' || t.event.type !== 'SEALED' || t.event.ref !== t.from.context.current) continue;
      expect(t.intents).toEqual([{ kind: 'erase', ref: t.event.ref, all: false }]);
      seals++;
    }
    expect(seals).toBeGreaterThan(0);
  });

  it('enclave: RESET from any snapshot lands in booting with nothing queued or current', () => {
    let resets = 0;
    for (const t of resultOf(enclaveExploration(true)).transitions) {
      if (t.event.type !== 'RESET') continue;
      expect(t.to.value).toBe('booting');
      expect(t.to.context).toMatchObject({ queue: [], current: null });
      resets++;
    }
    expect(resets).toBeGreaterThan(0);
  });

  it('host: every RESTART emits boot with the next generation', () => {
    for (const t of resultOf(hostExploration).transitions) {
      if (t.event.type !== 'RESTART' || t.from.value !== 'running') continue;
      expect(t.intents).toEqual([{ kind: 'boot', generation: t.from.context.generation + 1 }]);
    }
  });
});

/** The action types a machine's definition uses: entry, exit and every transition's actions. */
function definedActionTypes(machine: AnyStateMachine): Set<string> {
  const types = new Set<string>();
  const add = (actions: readonly unknown[] | undefined) => {
    for (const a of actions ?? []) {
      if (typeof a === 'string') types.add(a);
      else if (a && (typeof a === 'object' || typeof a === 'function') && 'type' in a) types.add(String((a as { type: unknown }).type));
      else types.add(`<inline ${typeof a}>`);
    }
  };
  const nodes: AnyStateNode[] = [machine.root, ...getStateNodes(machine.root)];
  for (const node of nodes) {
    add(node.entry);
    add(node.exit);
    for (const list of node.transitions.values()) for (const t of list) add(t.actions);
    for (const t of node.always ?? []) add(t.actions);
  }
  return types;
}
