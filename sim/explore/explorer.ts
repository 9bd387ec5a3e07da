/**
 * Bounded exhaustive exploration of the symbolic model (issue 12 item 1): breadth-first, so the
 * first violating state found is at the smallest depth (a shortest counterexample); a visited set
 * of 64-bit state hashes over the canonical encoding prunes revisits. Each discovered state keeps
 * only its parent's index and the index of the transition that reached it; the model is
 * deterministic, so a path is rebuilt by re-running those transitions from the initial state.
 *
 * Wall-clock time is read by the caller (bench/stopwatch.ts), never here: the result is a pure
 * function of the world and the bounds.
 */
import { finished, hashState, initialState, successors, violations, type Action, type ModelInvariant, type State, type World } from './model.js';

export interface ExploreBounds {
  /** Deepest level explored (transitions from the initial state). */
  depth: number;
  /** Stop once this many distinct states were discovered (the result says `truncated`). */
  maxStates: number;
}

export interface Counterexample {
  /** The invariants violated in the first violating state, PROTOCOL.md order. */
  invariants: ModelInvariant[];
  depth: number;
  actions: Action[];
}

export interface ExploreResult {
  states: number;
  transitions: number;
  depthReached: number;
  /** Every behaviour ended (no enabled transition) before the depth bound. */
  exhausted: boolean;
  /** The state bound stopped the search before the depth bound. */
  truncated: boolean;
  /** States where every request ended. */
  terminal: number;
  counterexample: Counterexample | null;
  /**
   * Model-rule hits (sim/explore/rules.ts MODEL_RULES order): how often each step or branch of the
   * model was taken while generating the successors of the states explored.
   */
  ruleHits: number[];
}

/** Explores `w` breadth-first within `bounds`; stops at the first violating state. */
export function explore(w: World, bounds: ExploreBounds): ExploreResult {
  // The counters count this exploration only (a World may be explored twice).
  w.hits.fill(0);
  const init = initialState(w);
  const visited = new Set<number>([hashState(init)]);
  const parent: number[] = [-1];
  const via: number[] = [-1];
  let frontier: { s: State; id: number }[] = [{ s: init, id: 0 }];
  let transitions = 0;
  let depth = 0;
  let terminal = 0;
  let truncated = false;
  const found = (id: number, invariants: ModelInvariant[], d: number): ExploreResult => {
    // Read before the path is rebuilt: re-running its transitions is not exploring.
    const ruleHits = Array.from(w.hits);
    const actions = pathTo(w, id, parent, via);
    w.hits.set(ruleHits);
    return { states: visited.size, transitions, depthReached: d, exhausted: false, truncated: false, terminal, counterexample: { invariants, depth: d, actions }, ruleHits };
  };
  const first = violations(w, init);
  if (first.length) return found(0, first, 0);
  while (frontier.length > 0 && depth < bounds.depth) {
    const next: { s: State; id: number }[] = [];
    for (const { s, id } of frontier) {
      const succ = successors(w, s);
      if (succ.length === 0 && finished(w, s)) terminal++;
      for (let k = 0; k < succ.length; k++) {
        transitions++;
        const t = succ[k]!.next;
        const h = hashState(t);
        if (visited.has(h)) continue;
        visited.add(h);
        const tid = parent.length;
        parent.push(id);
        via.push(k);
        const v = violations(w, t);
        if (v.length) return found(tid, v, depth + 1);
        next.push({ s: t, id: tid });
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
  return { states: visited.size, transitions, depthReached: depth, exhausted: frontier.length === 0, truncated, terminal, counterexample: null, ruleHits: Array.from(w.hits) };
}

/** The actions from the initial state to state `id`, by re-running the recorded transitions. */
function pathTo(w: World, id: number, parent: readonly number[], via: readonly number[]): Action[] {
  const ks: number[] = [];
  for (let x = id; x > 0; x = parent[x]!) ks.push(via[x]!);
  ks.reverse();
  const out: Action[] = [];
  let s = initialState(w);
  for (const k of ks) {
    const succ = successors(w, s)[k]!;
    out.push(succ.action);
    s = succ.next;
  }
  return out;
}

/** Re-runs a path of actions (matched by text) and returns the final state: the model's determinism check. */
export function replayPath(w: World, actions: readonly Action[]): State {
  let s = initialState(w);
  for (const a of actions) {
    const succ = successors(w, s).find((x) => x.action.text === a.text && x.action.kind === a.kind);
    if (!succ) throw new RangeError(`action not enabled: ${a.text}`);
    s = succ.next;
  }
  return s;
}
