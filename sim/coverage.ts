/**
 * Transition coverage (issue 12 item 3): every transition of every party machine, enumerated from
 * xstate's own state nodes (each node's `transitions` map per event and its eventless `always`
 * list, with guard names and targets), and a record of the transitions a run took.
 *
 * Recording: each actor runs an instrumented copy of its machine (`machine.provide`, so the copy
 * has its own state nodes) in which every transition carries one more action,
 * `pph.coverage { id }`. The action does nothing; xstate's pure `transition` returns it with the
 * others, in the microstep that took the transition, so eventless (`always`) transitions and
 * targetless ones are recorded exactly, and guards are never evaluated twice. The copy behaves
 * like the original: the extra action is a no-op and the actor filters it out before any intent
 * reaches the executor, so traces, hashes and verdicts are unchanged.
 */
import type { AnyStateMachine } from 'xstate';
import { clientMachine } from '../model/machines/client.js';
import { enclaveMachine } from '../model/machines/enclave.js';
import { gatewayMachine } from '../model/machines/gateway.js';
import { hostMachine } from '../model/machines/host.js';
import { issuerMachine } from '../model/machines/issuer.js';
import { logMachine } from '../model/machines/log.js';
import { relayMachine } from '../model/machines/relay.js';

/** The action type carried by every transition of an instrumented machine. */
export const COVERAGE_ACTION = 'pph.coverage';

/** One transition of one machine, as xstate defines it. */
export interface TransitionInfo {
  /** `<machine>: <source> --<EVENT>[guard]--> <target>`, unique within the machine. */
  id: string;
  machine: string;
  /** The state node the transition leaves (`(root)` for the machine's own `on`). */
  source: string;
  /** The event type, or `(always)` for an eventless transition. */
  event: string;
  guard: string | null;
  /** Target state paths, or `(self)` for a targetless transition (actions only). */
  target: string;
}

interface NodeLike {
  path: string[];
  states: Record<string, NodeLike>;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
}
interface TransitionLike {
  eventType: string;
  guard?: unknown;
  target?: ReadonlyArray<{ path: string[] }>;
  actions: unknown[];
}

function guardName(g: unknown): string | null {
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    // xstate's and/or/not combinators are functions carrying their operands.
    const f = g as { name?: string; guards?: unknown[]; guard?: unknown };
    if (Array.isArray(f.guards)) return `${f.name}(${f.guards.map(guardName).join(',')})`;
    if (f.guard !== undefined) return `${f.name}(${guardName(f.guard)})`;
    return f.name || 'inline';
  }
  if (typeof g === 'object') {
    const o = g as { type?: unknown; params?: unknown };
    const t = typeof o.type === 'string' ? o.type : 'inline';
    return o.params === undefined || typeof o.params === 'function' ? t : `${t}(${JSON.stringify(o.params).replace(/^"|"$/g, '')})`;
  }
  return String(g);
}

function nodes(root: NodeLike): NodeLike[] {
  const out: NodeLike[] = [];
  const walk = (n: NodeLike) => {
    out.push(n);
    for (const k of Object.keys(n.states ?? {})) walk(n.states[k]!);
  };
  walk(root);
  return out;
}

/** Every transition definition of a machine with its info, in state-node order then event order. */
function walkTransitions(machine: AnyStateMachine): { def: TransitionLike; info: TransitionInfo }[] {
  const out: { def: TransitionLike; info: TransitionInfo }[] = [];
  const seen = new Map<string, number>();
  const mid = machine.id;
  for (const node of nodes(machine.root as unknown as NodeLike)) {
    const source = node.path.length ? node.path.join('.') : '(root)';
    const lists: [string, TransitionLike[]][] = [...node.transitions.entries()];
    if (node.always?.length) lists.push(['(always)', node.always]);
    for (const [event, defs] of lists) {
      for (const def of defs) {
        const guard = guardName(def.guard);
        const target = def.target?.length ? def.target.map((t) => t.path.join('.')).join(',') : '(self)';
        let id = `${mid}: ${source} --${event}${guard ? `[${guard}]` : ''}--> ${target}`;
        const n = seen.get(id) ?? 0;
        seen.set(id, n + 1);
        if (n > 0) id = `${id} #${n + 1}`;
        out.push({ def, info: { id, machine: mid, source, event, guard, target } });
      }
    }
  }
  return out;
}

/** Every transition of `machine` (xstate's state nodes: `transitions` per event, `always`). */
export function enumerateTransitions(machine: AnyStateMachine): TransitionInfo[] {
  return walkTransitions(machine).map((t) => t.info);
}

/** The party machines of the simulator, by machine id. */
export const MACHINES: Record<string, AnyStateMachine> = {
  client: clientMachine,
  relay: relayMachine,
  gateway: gatewayMachine,
  host: hostMachine,
  enclave: enclaveMachine,
  issuer: issuerMachine,
  log: logMachine,
};

let allCache: TransitionInfo[] | null = null;
/** Every transition of every party machine. */
export function allTransitions(): TransitionInfo[] {
  allCache ??= Object.values(MACHINES).flatMap((m) => enumerateTransitions(m));
  return allCache;
}

const instrumentedCache = new WeakMap<AnyStateMachine, AnyStateMachine>();

/**
 * The machine with one `pph.coverage` action appended to every transition (a copy: the module's
 * machine object is left as it is).
 */
export function instrumented(machine: AnyStateMachine): AnyStateMachine {
  let m = instrumentedCache.get(machine);
  if (m) return m;
  m = machine.provide({ actions: { [COVERAGE_ACTION]: () => {} } } as never) as AnyStateMachine;
  for (const { def, info } of walkTransitions(m)) def.actions = [...def.actions, { type: COVERAGE_ACTION, params: { id: info.id } }];
  instrumentedCache.set(machine, m);
  return m;
}

/** Coverage of one machine over some runs. */
export interface MachineCoverage {
  machine: string;
  total: number;
  reached: number;
  /** reached / total, in percent with one decimal. */
  percent: number;
  /** The transitions no run took, in definition order. */
  never: string[];
}

/** Transition and mark coverage of a set of runs (one profile). */
export interface CoverageSummary {
  transitions: { total: number; reached: number; percent: number };
  machines: MachineCoverage[];
  /** Hits per transition id (reached ones only). */
  hits: Record<string, number>;
  /** Distinct coverage marks reached. */
  marks: number;
}

const pct = (a: number, b: number) => (b === 0 ? 100 : Math.round((a / b) * 1000) / 10);

/** Aggregates transition hits (id → count, summed over runs) into per-machine coverage. */
export function coverageOf(hits: Readonly<Record<string, number>>, marks: Readonly<Record<string, number>> = {}, machines: readonly string[] = Object.keys(MACHINES)): CoverageSummary {
  const all = allTransitions().filter((t) => machines.includes(t.machine));
  const per: MachineCoverage[] = machines.map((mId) => {
    const mine = all.filter((t) => t.machine === mId);
    const reached = mine.filter((t) => (hits[t.id] ?? 0) > 0).length;
    return { machine: mId, total: mine.length, reached, percent: pct(reached, mine.length), never: mine.filter((t) => !(hits[t.id] ?? 0)).map((t) => t.id) };
  });
  const total = per.reduce((a, m) => a + m.total, 0);
  const reached = per.reduce((a, m) => a + m.reached, 0);
  const known = new Set(all.map((t) => t.id));
  const sortedHits = Object.fromEntries(Object.entries(hits).filter(([k, n]) => known.has(k) && n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { transitions: { total, reached, percent: pct(reached, total) }, machines: per, hits: sortedHits, marks: Object.values(marks).filter((n) => n > 0).length };
}

/** Adds `b`'s counts into `a`. */
export function addCounts(a: Record<string, number>, b: Readonly<Record<string, number>> | ReadonlyMap<string, number> | undefined): Record<string, number> {
  if (b) for (const [k, n] of b instanceof Map ? b : Object.entries(b)) a[k] = (a[k] ?? 0) + n;
  return a;
}

/** Machine-transition and coverage-mark hits, summed over simulator runs (explore's engines and confirmation). */
export interface RunHits {
  transitions: Record<string, number>;
  marks: Record<string, number>;
}
export const newRunHits = (): RunHits => ({ transitions: {}, marks: {} });

/** Adds a run's (or another sum's) hits into `into`, and returns it. */
export function addRunHits(into: RunHits, hits: { transitions: RunHits['transitions'] | ReadonlyMap<string, number>; marks: RunHits['marks'] | ReadonlyMap<string, number> }): RunHits {
  addCounts(into.transitions, hits.transitions);
  addCounts(into.marks, hits.marks);
  return into;
}
