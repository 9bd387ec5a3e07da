/**
 * The concrete engine of `pph explore --engine concrete` (issue 12, "two engines, one model"):
 * bounded breadth-first exploration over the real simulator, real crypto and all, by stateless
 * model checking. A state is never stored: it is *reached* by re-running the world from its seed
 * with a choice prefix, and stopped there.
 *
 * Transitions are counted as the symbolic model counts them (sim/explore/model.ts), so depths
 * compare: a client step (the first send of a token request or of an attestation request), a
 * message handed over on one of the model's links (client-relay, relay-gateway, gateway-node,
 * client-issuer), an attacker action. The choice points are the arrivals of messages on the
 * links the adversary holds: there the prefix says deliver, or one of the adversary's ops on that
 * message. A prefix is therefore plan data of the catalogue adversary ({link, nth, op} network
 * actions, adversaries/network-plan.ts), executed by that adversary's own code: a counterexample
 * *is* a catalogue plan, and its replay file is an ordinary one `pph replay` re-runs.
 *
 * The network probe (sim/network.ts NetworkProbe) counts transitions and stops the run by
 * throwing just before transition n+1; the paused world's state hash is SHA-256 over the
 * canonical encoding of what the invariants read: the trace's fact events, each party's current
 * machine state, and the events still queued (messages in flight, timers). Invariants are those of
 * the symbolic model, judged on the facts so far (they are safety properties: a violation in a
 * prefix stays one), and on the whole trace when the run ends before the bound.
 *
 * Lives in cli/ because it imports the adversary catalogue, which sim/ may not.
 */
import { createHash } from 'node:crypto';
import { resolveAttacker } from '../../adversaries/index.js';
import type { NetAction, NetOp } from '../../adversaries/network-plan.js';
import { canonicalJson } from '../../sim/canonical.js';
import type { ExploreBounds } from '../../sim/explore/explorer.js';
import type { Message } from '../../sim/network.js';
import { judgeTrace } from '../../sim/runner.js';
import type { RunSpec } from '../../sim/spec.js';
import { World } from '../../sim/world.js';
import { addRunHits, newRunHits, type RunHits } from '../../sim/coverage.js';

/** The adversaries the concrete engine drives, with their alphabet: the links they hold and the ops tried at each choice point. */
export const CONCRETE_ALPHABET = {
  'malicious-relay': { links: ['client-relay', 'relay-gateway'], ops: ['drop', 'duplicate'] },
  replay: { links: ['client-relay', 'relay-gateway', 'client-issuer'], ops: ['duplicate', 'replay'] },
} as const satisfies Record<string, { links: readonly string[]; ops: readonly NetOp[] }>;
export type ConcreteAdversary = keyof typeof CONCRETE_ALPHABET;
export const CONCRETE_ADVERSARIES = Object.keys(CONCRETE_ALPHABET) as ConcreteAdversary[];

const MODEL_LINKS = new Set(['client-relay', 'relay-gateway', 'gateway-node', 'client-issuer']);
const CLIENT_STEPS = new Set(['token-req', 'attest-req']);

export interface ConcreteCounterexample {
  invariants: string[];
  depth: number;
  /** The transitions of the path, in words (the attacker's start with `attack:`). */
  actions: string[];
  attack: string[];
  /** The catalogue adversary's plan: the prefix's attacker actions. */
  plan: NetAction[];
  /** The trace event that proves the first invariant violated (its index in the run's trace). */
  proofEvent: number | null;
}

export interface ConcreteResult {
  states: number;
  transitions: number;
  depthReached: number;
  exhausted: boolean;
  truncated: boolean;
  terminal: number;
  /** Simulator runs made (one per state reached, plus the root). */
  runs: number;
  counterexample: ConcreteCounterexample | null;
  /** The machine transitions and coverage marks every one of those runs took (summed over runs, up to where each stopped). */
  hits: RunHits;
}

interface Node {
  plan: NetAction[];
  depth: number;
  attacks: number;
}

interface Reached {
  /** The run stopped before transition depth+1 (false: it ended first). */
  paused: boolean;
  /** When paused at a choice point: the message arriving on a held link, and its index on that link. */
  choice: { link: string; nth: number; label: string } | null;
  /** Transitions made before it stopped (≥ the depth asked for: a client step does not stop the run). */
  depth: number;
  hash: string;
  violated: string[];
  proofEvent: number | null;
  steps: string[];
}

class Pause extends Error {}
const PAUSE = new Pause('paused');

/**
 * Re-runs the world from its seed with `plan`, stopping just before transition `depth + 1`; the
 * run's machine transitions and marks (up to the stop) are added into `hits` when given.
 */
export function reach(spec: RunSpec, seed: number, adversary: ConcreteAdversary, plan: readonly NetAction[], depth: number, invariants: readonly string[], hits?: RunHits): Reached {
  const [a] = resolveAttacker(adversary)!;
  const world = new World(spec, seed, { adversaries: [{ adversary: a!, plan }] });
  const clients = new Set(world.clients.map((c) => c.address));
  const started = new Set<string>();
  const held = new Set<string>(CONCRETE_ALPHABET[adversary].links);
  const perLink = new Map<string, number>();
  const attackAt = new Map(plan.map((x) => [`${x.link}#${x.nth}`, x]));
  const steps: string[] = [];
  let count = 0;
  let choice: Reached['choice'] = null;
  // The run stops only where no party code is on the stack (an arrival, a hand-over: both run
  // straight from the scheduler), so a client step, which happens inside a party's handler, is
  // counted without stopping there; the state after it is the one at the next such point.
  const step = (text: string, canStop: boolean): void => {
    if (canStop && count >= depth) throw PAUSE;
    count++;
    steps.push(text);
  };
  world.network.probe = {
    send: (m: Readonly<Message>) => {
      if (!clients.has(m.from) || !CLIENT_STEPS.has(m.label)) return;
      // One client step per (client, kind, stream): a retry of the same request is not a new step.
      const key = `${m.from}/${m.label}/${m.label === 'token-req' ? started.size : String(m.stream ?? m.id)}`;
      if (m.label === 'attest-req' && started.has(key)) return;
      started.add(key);
      step(m.label === 'token-req' ? `${m.from} asks the issuer for tokens` : `${m.from} starts a request (attest-req#${m.id})`, false);
    },
    arrive: (m: Readonly<Message>) => {
      if (!held.has(m.link)) return;
      const nth = perLink.get(m.link) ?? 0;
      if (count >= depth) {
        choice = { link: m.link, nth, label: m.label };
        throw PAUSE;
      }
      perLink.set(m.link, nth + 1);
      const x = attackAt.get(`${m.link}#${nth}`);
      if (x) {
        count++;
        steps.push(`attack: ${x.op} ${m.label} (message ${nth} on ${m.link})`);
      }
    },
    deliver: (m: Readonly<Message>) => {
      if (MODEL_LINKS.has(m.link)) step(`deliver ${m.label}#${m.id} on ${m.link} to ${m.to}`, true);
    },
  };
  let paused = false;
  try {
    world.run();
  } catch (e) {
    if (e !== PAUSE) throw e;
    paused = true;
  }
  if (hits) addRunHits(hits, world);
  const judged = world.trace.judged;
  const verdicts = judgeTrace(judged, invariants, {});
  const violated = invariants.filter((id) => verdicts[id] && !verdicts[id]!.holds);
  const proof = violated.length ? verdicts[violated[0]!]!.proof[0] : undefined;
  // The state: facts so far, each party's current machine state, what is still queued.
  const machines: Record<string, string> = {};
  for (const e of world.trace.all) if (e.kind === 'state') machines[e.party] = e.what;
  const encoding = canonicalJson({
    facts: judged.map((e) => [e.kind, e.party, e.what, e.data ?? null]),
    machines,
    pending: paused ? world.scheduler.pendingEvents() : [],
    choice,
    ended: !paused,
  });
  const hash = createHash('sha256').update(encoding).digest('hex').slice(0, 32);
  return { paused, choice, depth: count, hash, violated, proofEvent: proof ? proof.event : null, steps };
}

/**
 * Breadth-first over choice prefixes: level d holds the states d transitions from the start; the
 * first violating state is at the smallest depth (a shortest counterexample). Revisits (same state
 * hash) are pruned.
 */
export function exploreConcrete(spec: RunSpec, seed: number, adversary: ConcreteAdversary, bounds: ExploreBounds, maxAttacks: number, invariants: readonly string[]): ConcreteResult {
  const { ops } = CONCRETE_ALPHABET[adversary];
  let runs = 0;
  const hits = newRunHits();
  const run = (n: Node): Reached => {
    runs++;
    return reach(spec, seed, adversary, n.plan, n.depth, invariants, hits);
  };
  const root: Node = { plan: [], depth: 0, attacks: 0 };
  const r0 = run(root);
  const visited = new Set<string>([r0.hash]);
  let transitions = 0;
  let terminal = 0;
  let truncated = false;
  const found = (n: Node, r: Reached, depthReached: number): ConcreteResult => ({
    states: visited.size,
    transitions,
    depthReached,
    exhausted: false,
    truncated: false,
    terminal,
    runs,
    hits,
    counterexample: {
      invariants: r.violated,
      depth: r.depth,
      actions: r.steps,
      attack: r.steps.filter((s) => s.startsWith('attack: ')).map((s) => s.slice('attack: '.length)),
      plan: n.plan,
      proofEvent: r.proofEvent,
    },
  });
  if (r0.violated.length) return found(root, r0, 0);
  let frontier: { n: Node; r: Reached }[] = [{ n: root, r: r0 }];
  let depth = 0;
  while (frontier.length > 0 && depth < bounds.depth) {
    const next: { n: Node; r: Reached }[] = [];
    for (const { n, r } of frontier) {
      if (!r.paused) {
        terminal++;
        continue;
      }
      const succ: Node[] = [{ plan: n.plan, depth: r.depth + 1, attacks: n.attacks }];
      if (r.choice && n.attacks < maxAttacks) {
        for (const op of ops) succ.push({ plan: [...n.plan, { link: r.choice.link as NetAction['link'], nth: r.choice.nth, op, arg: 0 }], depth: r.depth + 1, attacks: n.attacks + 1 });
      }
      for (const s of succ) {
        transitions++;
        const rs = run(s);
        if (visited.has(rs.hash)) continue;
        visited.add(rs.hash);
        if (rs.violated.length) return found(s, rs, Math.max(depth + 1, rs.depth));
        next.push({ n: s, r: rs });
        if (visited.size >= bounds.maxStates) {
          truncated = true;
          break;
        }
      }
      if (truncated) break;
    }
    depth++;
    frontier = next;
    if (truncated) break;
  }
  return { states: visited.size, transitions, depthReached: depth, exhausted: frontier.every((f) => !f.r.paused), truncated, terminal, runs, counterexample: null, hits };
}
