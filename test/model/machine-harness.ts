/**
 * Test harness for the pure machines of model/machines/: drives them the way sim/actor.ts does
 * (xstate's pure `initialTransition`/`transition`, intents read with `intentsOf`), checks the
 * snapshot status after every step (PITFALLS.md: a throwing transition leaves `status: 'error'`),
 * and explores their graphs with `xstate/graph` under explicit bounds.
 */
import { expect } from 'vitest';
import {
  getInitialMicrosteps,
  getMicrosteps,
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type ContextFrom,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths, getStateNodes, type StatePath } from 'xstate/graph';
import type { EvidenceChecks, Intent, IntentKind } from '../../model/intents.js';
import { intentsOf } from '../../model/machines/emit.js';

/** Every `kind` of the Intent union, by hand from model/intents.ts. */
export const INTENT_KINDS = [
  'timer',
  'cancel-timer',
  'consent-block',
  'request-tokens',
  'attest',
  'verify-evidence',
  'send-request',
  'open-response',
  'request-done',
  'relay-forward',
  'relay-return',
  'decapsulate',
  'verify-token',
  'spend-token',
  'forward-to-node',
  'encapsulate-response',
  'respond-error',
  'boot',
  'to-enclave',
  'host-refuse',
  'from-enclave',
  'produce-evidence',
  'open-request',
  'infer',
  'seal-response',
  'erase',
  'issue-tokens',
  'log-append',
  'log-serve',
] as const satisfies readonly IntentKind[];

// The hand list must not drift from the union: a kind added to model/intents.ts and not listed
// here fails the typecheck.
type Unlisted = Exclude<IntentKind, (typeof INTENT_KINDS)[number]>;
const listsEveryKind: [Unlisted] extends [never] ? true : Unlisted = true;
void listsEveryKind;

/** All evidence checks on, as in the `pp` profile. */
export const ALL_CHECKS: EvidenceChecks = {
  chain: true,
  signature: true,
  policy: true,
  tcb: true,
  tcbFromReport: true,
  measurementInLog: true,
  witnesses: true,
  logConsistency: true,
  binding: true,
  clientNonce: true,
  keyConsistency: true,
};

type Actions = ReadonlyArray<{ type: string; params?: unknown }>;

/** Fails the test when a step left the machine in error (PITFALLS.md: check after every step). */
export function expectHealthy(snapshot: AnyMachineSnapshot, after: string): void {
  const error = (snapshot as { error?: unknown }).error;
  expect(snapshot.status, `machine error after ${after}: ${String(error)}`).not.toBe('error');
}

/**
 * One machine driven step by step with the pure transition, as the simulator drives it.
 * `send` returns the intents of that step; the snapshot is checked for error each time.
 */
export class Driver<M extends AnyStateMachine> {
  snapshot: SnapshotFrom<M>;
  readonly initialIntents: Intent[];

  constructor(
    readonly machine: M,
    input?: InputFrom<M>,
  ) {
    const [snapshot, actions] = initialTransition(machine as AnyStateMachine, input);
    expectHealthy(snapshot, 'initialTransition');
    this.snapshot = snapshot as SnapshotFrom<M>;
    this.initialIntents = intentsOf(actions as Actions);
  }

  get value(): unknown {
    return (this.snapshot as AnyMachineSnapshot).value;
  }

  get context(): ContextFrom<M> {
    return (this.snapshot as AnyMachineSnapshot).context as ContextFrom<M>;
  }

  send(event: EventFromLogic<M>): Intent[] {
    const [next, actions] = transition(this.machine as AnyStateMachine, this.snapshot as AnyMachineSnapshot, event);
    expectHealthy(next, event.type);
    this.snapshot = next as SnapshotFrom<M>;
    return intentsOf(actions as Actions);
  }

  /** Sends `event` and asserts it changed nothing: same state, same context, no intents. */
  expectIgnored(event: EventFromLogic<M>): void {
    const value = this.value;
    const context = structuredClone(this.context);
    const intents = this.send(event);
    expect(intents, `${event.type} should emit nothing`).toEqual([]);
    expect(this.value, `${event.type} should not change the state`).toEqual(value);
    expect(this.context, `${event.type} should not change the context`).toEqual(context);
  }
}

/** The kinds of a list of intents, in order: the shape most assertions need. */
export function kinds(intents: readonly Intent[]): IntentKind[] {
  return intents.map((i) => i.kind);
}

/**
 * A state key for the graph traversal. PITFALLS.md: xstate/graph's default key JSON-stringifies
 * `{value, context}`, which collapses Maps and Sets and throws on BigInt; this one keeps them apart
 * (none of today's contexts holds them, but a new field must not silently merge states).
 */
export function stateKey(snapshot: AnyMachineSnapshot): string {
  return JSON.stringify({ value: snapshot.value, context: snapshot.context }, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v.values()] };
    if (typeof v === 'bigint') return `bigint:${v.toString()}`;
    return v;
  });
}

/** The ids of the atomic state nodes of a machine (`client.idle`, ...). */
export function atomicStateIds(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root)
    .filter((n) => n.type === 'atomic' || n.type === 'final')
    .map((n) => n.id);
}

/** The ids of the atomic states a snapshot is in (flat or nested values). */
export function activeAtomicIds(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): string[] {
  const leaves = (value: unknown, prefix: string): string[] => {
    if (typeof value === 'string') return [`${prefix}.${value}`];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, `${prefix}.${k}`));
  };
  return leaves(snapshot.value, machine.id);
}

/** How far to explore one machine: the events to try in each state, and the bounds. */
export interface Exploration<M extends AnyStateMachine> {
  name: string;
  machine: M;
  input?: InputFrom<M>;
  /** Concrete events (with payloads) to try from a snapshot. */
  events: (snapshot: SnapshotFrom<M>) => EventFromLogic<M>[];
  /** Skips an event in a snapshot (e.g. more tasks once the queue is full). */
  filterEvents?: (snapshot: SnapshotFrom<M>, event: EventFromLogic<M>) => boolean;
  /** Stops exploring beyond a snapshot (counters past a bound). */
  stopWhen?: (snapshot: SnapshotFrom<M>) => boolean;
  /** Traversal limit passed to xstate/graph: hitting it throws rather than hanging. */
  limit: number;
}

/** What the exploration and the replays found. */
export interface ExplorationResult {
  /** Distinct snapshots (by `stateKey`) the traversal reached. */
  snapshots: number;
  paths: number;
  /** Explored edges (snapshot, event), each re-run with `transition`. */
  edges: number;
  steps: number;
  /** Atomic states seen at the end of a step or in one of its microsteps (transient states). */
  reached: Set<string>;
  /** Every intent emitted along the explored edges and replayed paths. */
  intents: Intent[];
  /** Every action type the pure transition returned along the explored edges and paths. */
  actionTypes: Set<string>;
  /** Every explored edge with the intents of its transition, for invariants over the graph. */
  transitions: ExploredTransition[];
}

export interface ExploredTransition {
  from: AnyMachineSnapshot;
  event: { type: string } & Record<string, unknown>;
  to: AnyMachineSnapshot;
  intents: Intent[];
}

/**
 * Explores the machine with xstate/graph (adjacency map and a shortest path to every snapshot
 * found), re-runs every explored edge with the pure `transition`, then replays each path from the
 * start with `getMicrosteps` and `transition`: every microstep must be healthy, the macrostep must
 * agree with its microsteps, and the replay must land on the snapshot the graph found.
 * Microsteps are what reveal the transient states (`always` only) a snapshot never rests in.
 */
export function explore<M extends AnyStateMachine>(x: Exploration<M>): ExplorationResult {
  const machine = x.machine as AnyStateMachine;
  const options = {
    input: x.input,
    events: (s: AnyMachineSnapshot) => x.events(s as SnapshotFrom<M>),
    filterEvents: x.filterEvents ? (s: AnyMachineSnapshot, e: EventFromLogic<M>) => x.filterEvents!(s as SnapshotFrom<M>, e) : undefined,
    stopWhen: x.stopWhen ? (s: AnyMachineSnapshot) => x.stopWhen!(s as SnapshotFrom<M>) : undefined,
    serializeState: (s: AnyMachineSnapshot) => stateKey(s),
    limit: x.limit,
  };
  const paths = getShortestPaths(machine, options as never) as StatePath<AnyMachineSnapshot, EventFromLogic<M>>[];
  const edges = adjacencyMapToArray(getAdjacencyMap(machine, options as never)) as { state: AnyMachineSnapshot; event: EventFromLogic<M> }[];

  const result: ExplorationResult = { snapshots: paths.length, paths: paths.length, edges: edges.length, steps: 0, reached: new Set(), intents: [], actionTypes: new Set(), transitions: [] };
  const record = (snapshot: AnyMachineSnapshot, actions: Actions, where: string) => {
    expectHealthy(snapshot, where);
    for (const id of activeAtomicIds(machine, snapshot)) result.reached.add(id);
    for (const a of actions) result.actionTypes.add(a.type);
    result.intents.push(...intentsOf(actions));
  };

  // Every explored edge, self-loops included (a shortest path never takes an edge that leaves the
  // snapshot unchanged, such as an attestation answered in place), re-run with the pure transition.
  for (const { state, event } of edges) {
    const [next, actions] = transition(machine, state, event);
    record(next, actions as Actions, `${x.name}: ${event.type} from ${stateKey(state)}`);
    result.transitions.push({ from: state, event, to: next, intents: intentsOf(actions as Actions) });
  }

  for (const path of paths) {
    const initial = getInitialMicrosteps(machine, x.input);
    for (const [s, actions] of initial) record(s, actions as Actions, `${x.name}: initial microstep`);
    let snapshot = initial[initial.length - 1]![0];
    const trail: string[] = [];
    // xstate/graph opens each path with a pseudo-step for the initial state ('xstate.init').
    const events = path.steps.map((st) => st.event).filter((e, i) => !(i === 0 && e.type === 'xstate.init'));
    for (const event of events) {
      trail.push(event.type);
      const where = `${x.name}: ${trail.join(' > ')}`;
      const micro = getMicrosteps(machine, snapshot, event);
      for (const [s, actions] of micro) record(s, actions as Actions, where);
      const [next, actions] = transition(machine, snapshot, event);
      expectHealthy(next, where);
      // The macrostep is the sum of its microsteps: same intents, same end (or no change at all).
      expect(intentsOf(actions as Actions), where).toEqual(micro.flatMap(([, a]) => intentsOf(a as Actions)));
      if (micro.length > 0) expect(stateKey(next), where).toBe(stateKey(micro[micro.length - 1]![0]));
      snapshot = next;
      result.steps++;
    }
    expect(stateKey(snapshot), `${x.name}: replay of ${trail.join(' > ')}`).toBe(stateKey(path.state));
  }
  return result;
}
