/**
 * Shared by test/invariants/*: a small world that runs in well under a second (VOPRF tokens cost
 * ~40 ms each, so token counts stay low), and the checks every verdict and proof must pass.
 */
import { expect } from 'vitest';
import { runDetailed, type RunDetail, type VerdictResult } from '../../sim/runner.js';
import type { PlantedBugs } from '../../sim/spec.js';
import type { TraceEvent } from '../../sim/trace.js';
import { scenarioFromObject, type Scenario } from '../../scenarios/index.js';
import type { Ablation } from '../../model/profile.js';
import type { InvariantId } from '../../model/invariant-ids.js';
import type { ProofEvent } from '../../model/invariants/index.js';
import type { RequestRecord, WorldView } from '../../model/world-view.js';
import type { Fact, FactData, FactName } from '../../model/facts.js';

/** Every run here uses this seed: a failure replays exactly. */
export const SEED = 1;

export interface SmallWorldOptions {
  ablations?: Ablation[];
  world?: Partial<Scenario['world']>;
  network?: Partial<Scenario['network']>;
  faults?: Partial<Scenario['faults']>;
}

/**
 * Two users, four chats, two nodes, six requests, four tokens per user, no loss: every protocol
 * step with real crypto in about half a second. `options` override single fields.
 */
export function smallWorld(name: string, options: SmallWorldOptions = {}): Scenario {
  return scenarioFromObject({
    name,
    ablations: options.ablations ?? [],
    world: { users: 2, chats: 4, excludedChats: 0, optedOutUsers: 0, messagesPerChat: 2, nodes: 2, requests: 6, tokensPerUser: 4, witnesses: 1, witnessQuorum: 1, ...options.world },
    network: { delayMs: { min: 2, max: 20 }, loss: 0, duplicate: 0, requestTimeoutMs: 1000, retries: 2, ...options.network },
    faults: { nodeRestarts: [], ...options.faults },
    invariants: 'all',
  });
}

/** Runs a world with the shared seed and the given planted bugs. */
export function run(spec: Scenario, bugs: PlantedBugs = {}): RunDetail {
  return runDetailed(spec, { seed: SEED, bugs });
}

/** A run computed on first use and shared by the tests of one file (skipped tests cost nothing). */
export function once<T>(make: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: make() }).v;
}

/** The verdict of `id` holds with an empty proof. */
export function expectHolds(d: RunDetail, id: InvariantId): VerdictResult {
  const v = d.result.verdicts[id];
  expect(v, `no verdict for ${id}`).toBeDefined();
  expect(v!.holds, `${id} proof: ${JSON.stringify(v!.proof)}`).toBe(true);
  expect(v!.proof).toEqual([]);
  return v!;
}

/** The verdict of `id` is violated and its proof points into the trace. */
export function expectViolated(d: RunDetail, id: InvariantId): VerdictResult {
  const v = d.result.verdicts[id];
  expect(v, `no verdict for ${id}`).toBeDefined();
  expect(v!.holds).toBe(false);
  expect(v!.ok).toBe(false); // the small world expects every invariant to hold
  expectProofInTrace(v!.proof, d.trace);
  return v!;
}

/** A proof is non-empty, each event is an index of the trace, and each line says why. */
export function expectProofInTrace(proof: readonly ProofEvent[], trace: readonly TraceEvent[]): void {
  expect(proof.length).toBeGreaterThan(0);
  for (const p of proof) {
    expect(Number.isInteger(p.event), `event ${p.event}`).toBe(true);
    expect(p.event).toBeGreaterThanOrEqual(0);
    expect(p.event).toBeLessThan(trace.length);
    expect(trace[p.event]!.i).toBe(p.event);
    expect(p.why.length).toBeGreaterThan(0);
  }
}

/** The request id (`req-3`) a proof line names; fails when it names none. */
export function requestNamed(why: string): string {
  const m = /\breq-\d+\b/.exec(why);
  expect(m, `no request named in: ${why}`).not.toBeNull();
  return m![0];
}

/** The record of request `id` in a view; fails when there is none. */
export function requestOf(view: WorldView, id: string): RequestRecord {
  const r = view.requests.find((x) => x.requestId === id);
  expect(r, `no request ${id}`).toBeDefined();
  return r!;
}

/** The node (`enclave-1`) a request was routed to by the gateway; fails when it was not routed. */
export function nodeOf(view: WorldView, id: string): string {
  const r = view.routing.find((x) => x.requestId === id);
  expect(r, `request ${id} was never routed`).toBeDefined();
  return r!.node;
}

/** A hand-made trace: `trace` with fact events appended (each gets the next index). */
export function withFacts(trace: readonly TraceEvent[], facts: { party: string; fact: Fact }[]): TraceEvent[] {
  const out = [...trace];
  const t = trace.length ? trace[trace.length - 1]!.t : 0;
  for (const f of facts) out.push({ i: out.length, t, kind: 'fact', party: f.party, what: 'hand-made', data: f.fact as unknown as TraceEvent['data'] });
  return out;
}

/** One fact, typed. */
export function fact<K extends FactName>(name: K, data: FactData[K]): Fact {
  return { fact: name, ...data } as Fact;
}

/** A hand-made trace: the fact events matching `drop` replaced by a neutral log event (indices unchanged). */
export function withoutFacts(trace: readonly TraceEvent[], drop: (e: TraceEvent) => boolean): TraceEvent[] {
  return trace.map((e) => (e.kind === 'fact' && drop(e) ? { i: e.i, t: e.t, kind: 'log' as const, party: e.party, what: 'fact removed by the test' } : e));
}
