/**
 * A party's port (ARCHITECTURE.md "A party and its port"): the whole surface between a party and
 * the world. A party that holds a port gets its name and address, its own Rng, the clock, `send`
 * and `listen` on the network, `observe` (tell the observer what it received, holds, logged or
 * learned: ground truth, into the hashed trace), `intercept` (the decision points where an
 * adversary in its position may substitute its choice for the honest one), its own configuration
 * and the directory of addresses. It never sees the World, another party or the ground truth.
 * The relay, the issuer and the log run on ports; client, gateway and node still take the World.
 */
import type { AnyStateMachine } from 'xstate';
import type { Rng } from '../protocol/rng.js';
import type { VoprfIssuerKey } from '../protocol/tokens/type1-voprf.js';
import type { FactData, FactName } from '../model/facts.js';
import type { Holding } from '../model/world-view.js';
import type { LogProofView } from './adversary.js';
import { MachineActor } from './actor.js';
import type { Message } from './network.js';
import type { World } from './world.js';

/** Where an adversary may decide in a party's place, with what it sees and what it returns. */
export interface DecisionPoints {
  /** The issuer: the issuance key for an account (an `issuer` adversary may tag accounts). */
  'issuer-key': { in: { account: string; honest: VoprfIssuerKey }; out: VoprfIssuerKey };
  /** The log: the proof and checkpoint served to node `node` (a `log` adversary may fork them). */
  'log-view': { in: { node: number; honest: LogProofView }; out: LogProofView };
}
export type DecisionPoint = keyof DecisionPoints;

/** Addresses, never objects. */
export interface Directory {
  relay: string;
  gateway: string;
  issuer: string;
  log: string;
  node(i: number): string;
}

export interface PartyPort<C = unknown> {
  readonly name: string;
  readonly address: string;
  readonly rng: Rng;
  nowMs(): number;
  after(ms: number, label: string, fn: () => void): void;
  /** Puts bytes on a link; `carries`: the id of the message whose request this one carries on. */
  send(to: string, link: string, bytes: Uint8Array, label: string, options?: { stream?: number; carries?: number }): Message;
  /** Receives every message addressed to this party. */
  listen(handler: (m: Message) => void): void;
  /** Ground truth into the trace: what this party received, holds, logged or learned. */
  observe(source: Holding['source'], bytes: Uint8Array, msg: number | null, fromAddress?: string | null): void;
  /** A fact about this party (model/facts.ts). */
  fact<K extends FactName>(name: K, data: FactData[K], what?: string): void;
  /** A trace line about what this party did (kind and data as in sim/trace.ts). */
  note(kind: 'token' | 'error' | 'log' | 'state', what: string, data?: Record<string, string | number | boolean | null>): void;
  /** A coverage mark (a defence branch fired). */
  mark(name: string): void;
  intercept<P extends DecisionPoint>(point: P, input: DecisionPoints[P]['in']): DecisionPoints[P]['out'];
  /** This party's own configuration (its profile switches, its keys). */
  readonly config: C;
  readonly directory: Directory;
  /** A machine actor for this party, tracing on the world's trace and clock. */
  actor<E extends { type: string }>(machine: AnyStateMachine, input: unknown): MachineActor<E>;
}

/** The world builds one port per party; only this function touches the World. */
export function makePort<C>(world: World, name: string, address: string, config: C): PartyPort<C> {
  const rng = world.rng.fork(name);
  return {
    name,
    address,
    rng,
    config,
    nowMs: () => world.clock.nowMs(),
    after: (ms, label, fn) => world.scheduler.after(ms, `${name} ${label}`, fn),
    send(to, link, bytes, label, options = {}) {
      const m = world.network.send(address, to, link, bytes, label, options.stream);
      // Provenance (ground truth, the world's): the request the forwarded message carries.
      if (options.carries !== undefined) {
        const requestId = world.provenance.get(options.carries);
        if (requestId) world.provenance.set(m.id, requestId);
      }
      return m;
    },
    listen: (handler) => world.network.attach(address, handler),
    observe: (source, bytes, msg, fromAddress = null) => {
      world.observer.holds(name, source, bytes, msg, fromAddress);
    },
    fact: (factName, data, what) => {
      world.observer.fact(name, factName, data, what);
    },
    note: (kind, what, data) => {
      world.trace.append(world.clock.nowMs(), kind, name, what, data);
    },
    mark: (m) => world.mark(m),
    intercept(point, input) {
      if (point === 'issuer-key') {
        const x = input as DecisionPoints['issuer-key']['in'];
        return world.issuerKeyFor(x.account) as never;
      }
      const x = input as DecisionPoints['log-view']['in'];
      let view = x.honest;
      for (const f of world.hooks.logView) view = f(x.node, view);
      return view as never;
    },
    directory: {
      relay: 'relay',
      gateway: 'gateway',
      issuer: 'issuer',
      log: 'log',
      node: (i) => `node-${i}`,
    },
    actor: <E extends { type: string }>(machine: AnyStateMachine, input: unknown) => new MachineActor<E>(name, machine, input, world.trace, world.clock, world.transitions),
  };
}
