/**
 * From a symbolic counterexample to real bytes (issue 12 item 2): the attacker's actions of the
 * path become plan data of the matching catalogue adversary (network ops by link and nth, a
 * forgery kind on the i-th attest reply, a routing choice, a node mask, a user mask, a candidate
 * offer), the plan runs in the real simulator with real crypto (adversaries/run.ts), and the same
 * invariant must be violated there. The world seed decides the workload's timing and the
 * client's random picks, so a small fixed list of seeds is tried; the first that confirms is
 * written as a replay file that `pph replay` reproduces (exit 1). None confirming is a model
 * discrepancy, reported with what each seed showed, never dropped.
 *
 * Lives in cli/ (not sim/explore/) because it imports the adversary catalogue, which sim/ may not.
 */
import { runAttackedDetailed } from '../../adversaries/run.js';
import { resolveAttacker } from '../../adversaries/index.js';
import { fcSeedFor, sealReplay, type ReplayFile } from '../../sim/campaign.js';
import { hashSpec, runDetailed } from '../../sim/runner.js';
import type { RunSpec } from '../../sim/spec.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Action } from '../../sim/explore/model.js';
import type { Counterexample } from '../../sim/explore/explorer.js';
import { checkReplayFile } from '../replay-file.js';
import { addRunHits, newRunHits, type RunHits } from '../../sim/coverage.js';

/** The seeds tried, in order, until one confirms. */
export const CONFIRM_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

export interface Confirmation {
  confirmed: boolean;
  /** The world seed that confirmed, and how many seeds were tried. */
  seed: number | null;
  seedsTried: number;
  plan: unknown;
  /** What the concrete runs violated, per seed tried. */
  concrete: { seed: number; violated: string[] }[];
  replay: (ReplayFile & { integrity: string }) | null;
  /** The machine transitions and coverage marks of the concrete runs of the plan (every seed tried), summed. */
  hits: RunHits;
}

/** The concrete network messages of a passive run, per link, in the order a tap sees them. */
function linkSends(trace: readonly TraceEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of trace) {
    if (e.kind !== 'send') continue;
    const link = String(e.data?.link ?? '');
    const list = out.get(link) ?? [];
    list.push(e.what);
    out.set(link, list);
  }
  return out;
}

/** How many earlier deliveries of the same label on the same link the path made before action `i`. */
function occurrence(actions: readonly Action[], i: number): number {
  const a = actions[i]!;
  let n = 0;
  for (let j = 0; j < i; j++) {
    const b = actions[j]!;
    if (b.kind === 'deliver' && b.link === a.link && b.label === a.label && !(b.text.includes(' on gateway-node'))) n++;
  }
  return n;
}

/**
 * The catalogue adversary's plan for the attacker's actions of `actions`, for the concrete world
 * `spec` run with `seed` (network plans need the passive run's message order on each link).
 */
export function translate(adversary: string, actions: readonly Action[], spec: RunSpec, seed: number): unknown {
  const attacks = actions.map((a, i) => ({ a, i })).filter((x) => x.a.kind === 'attack');
  switch (adversary) {
    case 'forged-quote': {
      const forgeries: ({ kind: string; arg: number } | null)[] = [];
      const restartAfter: number[] = [];
      for (const { a } of attacks) {
        if (a.op === 'restart-after') restartAfter.push(a.nth!);
        else {
          while (forgeries.length <= a.nth!) forgeries.push(null);
          forgeries[a.nth!] = { kind: a.op!.slice('forge:'.length), arg: 0 };
        }
      }
      return { forgeries: forgeries.length ? forgeries : [null], restartAfter };
    }
    case 'malicious-gateway':
      return { actions: attacks.map(({ a }) => ({ nth: a.nth!, op: a.op!, arg: 0 })) };
    case 'unmeasured-input':
      return { nodeMask: attacks.reduce((m, { a }) => m | (1 << a.node!), 0), config: 'log=requests', restartAtMs: null };
    case 'issuer-tagging':
      return { userMask: attacks.reduce((m, { a }) => m | (1 << a.user!), 0) };
    case 'split-view-log':
      // The model's fork: one extra entry, the witnesses' cosignatures not copied, no colluding witnesses.
      return { nodeMask: attacks.reduce((m, { a }) => m | (1 << a.node!), 0), copyCosignatures: false, extraEntries: 1, collude: false };
    case 'k-inflation': {
      const offers: string[] = [];
      for (const { a } of attacks) {
        while (offers.length <= a.nth!) offers.push('honest');
        offers[a.nth!] = a.mode!;
      }
      return { offers };
    }
    case 'curious-host':
      return { restarts: attacks.map(({ a }) => ({ node: a.node!, atMs: 20_000 })), io: [] };
    case 'replay':
    case 'malicious-relay':
    case 'targeting': {
      const passive = runDetailed(spec, { seed, adversaries: [], keepTrace: true });
      const sends = linkSends(passive.trace);
      return attacks.map(({ a, i }) => {
        const list = sends.get(a.link!) ?? [];
        const k = occurrence(actions, i);
        let seen = 0;
        let nth = list.findIndex((label) => label === a.label && seen++ === k);
        if (nth < 0) nth = 0;
        return { link: a.link!, nth, op: a.op!, arg: 0 };
      });
    }
    default:
      throw new RangeError(`no translation for adversary ${JSON.stringify(adversary)}`);
  }
}

/** Runs the counterexample concretely on each seed of {@link CONFIRM_SEEDS} until one violates one of its invariants. */
export function confirm(spec: RunSpec, adversary: string, cex: Counterexample, seeds: readonly number[] = CONFIRM_SEEDS): Confirmation {
  const concrete: Confirmation['concrete'] = [];
  const hits = newRunHits();
  let lastPlan: unknown = null;
  for (const seed of seeds) {
    const plan = translate(adversary, cex.actions, spec, seed);
    lastPlan = plan;
    const run = runPlan(spec, adversary, seed, plan);
    addRunHits(hits, run.hits);
    concrete.push({ seed, violated: run.violated });
    if (!cex.invariants.some((id) => run.violated.includes(id))) continue;
    return { confirmed: true, seed, seedsTried: concrete.length, plan, concrete, replay: run.replay, hits };
  }
  return { confirmed: false, seed: null, seedsTried: concrete.length, plan: lastPlan, concrete, replay: null, hits };
}

/**
 * One concrete run of a catalogue adversary's plan (real crypto), sealed as a replay file that
 * `pph replay` accepts and reproduces: what both engines of `pph explore` write.
 */
export function runPlan(spec: RunSpec, adversary: string, seed: number, plan: unknown): { violated: string[]; replay: ReplayFile & { integrity: string }; hits: RunHits } {
  const detail = runAttackedDetailed(spec, { seed, adversaries: [adversary], plans: [plan] }, true);
  const r = detail.result;
  const violated = Object.keys(r.verdicts).filter((id) => !r.verdicts[id]!.holds);
  const expectOf = (id: string) => spec.expect?.[id] ?? 'holds';
  const verdicts: ReplayFile['verdicts'] = {};
  for (const [id, v] of Object.entries(r.verdicts)) verdicts[id] = { holds: v.holds, proof: v.proof.map((p) => ({ event: p.event, why: p.why })) };
  const file = sealReplay({
    kind: 'replay' as const,
    scenarioHash: hashSpec(spec),
    scenario: spec,
    attackers: [adversary],
    campaignSeed: seed,
    run: 0,
    fcSeed: fcSeedFor(seed, 0),
    path: '',
    seed,
    plan: [plan],
    shrinkSteps: 0,
    expected: Object.fromEntries(Object.keys(verdicts).map((id) => [id, expectOf(id)])),
    verdicts,
    unexpected: violated.filter((id) => expectOf(id) === 'holds'),
    violated,
    traceHash: r.traceHash,
    trace: [...detail.trace],
  });
  // The file must be one `pph replay` accepts (shape, plan bounds, integrity) before it is written.
  checkReplayFile(JSON.parse(JSON.stringify(file)), 'explore replay', resolveAttacker);
  return { violated, replay: file, hits: addRunHits(newRunHits(), r) };
}
