/**
 * Coverage-guided search (issue 12 item 3). A random campaign draws every run's input (world seed
 * and one plan per adversary) independently from fast-check. A guided campaign keeps a corpus of
 * the inputs whose run reached something no earlier run had reached (a transition, a coverage
 * mark, a hit-count bucket of either, a violated invariant) and draws most later inputs as
 * mutations of a corpus entry.
 *
 * Features (what counts as new): the transitions of the machines the adversary drives (the ends
 * of its links, the parties it holds, the client) with their hit counts bucketed, every other
 * machine's transitions by presence only, the coverage marks bucketed (among them the observer's
 * attestation-race marks, sim/port.ts), the violated invariants.
 *
 * Choosing a run's input ({@link chooseGuided}): odd runs mutate a corpus entry picked by energy
 * (entries holding features few runs reached first); even runs draw {@link GUIDED_CANDIDATES}
 * fresh candidates (drawing is cheap, a run is not) and run one with an untried world seed whose
 * plan tries the plan values the campaign has tried least ({@link planAtoms}: forgery kinds,
 * network ops, links, modes, flags, list lengths; a mean, so long plans are not favoured). The
 * first run is the random search's first run.
 *
 * Determinism: runs go in generations of {@link GUIDED_BATCH}. The parent of run `i` is picked
 * with the seeded Rng of (campaign seed, i) from the corpus built from the runs of earlier
 * generations alone, so a run depends on (seed, i, earlier generations), never on which worker
 * finished first; the runs of one generation can run in parallel. The mutation is itself a
 * fast-check arbitrary (a fresh input and a mixing seed, mapped onto the parent), sampled with the
 * run's fast-check seed, so a failing guided run shrinks with fast-check like a random one.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { Adversary } from './adversary.js';
import type { RunSpec } from './spec.js';
import { ChaChaRng } from './rng.js';
import { uniformInt } from '../protocol/rng.js';
import type { Rng } from '../protocol/rng.js';

export type SearchMode = 'random' | 'guided';
export const SEARCH_MODES: readonly SearchMode[] = ['random', 'guided'];

/** Runs per generation of the guided search. */
export const GUIDED_BATCH = 4;

/** One run's input: the world seed, then one plan per adversary. */
export type RunInput = [number, ...unknown[]];

/** A corpus entry: the run that found something new and its input. */
export interface CorpusEntry {
  run: number;
  input: RunInput;
}

/** What a finished run reached (the fields of a runs.jsonl line the corpus reads). */
export interface Reached {
  run: number;
  seed: number;
  plans: unknown[];
  marks: Record<string, number>;
  transitions?: Record<string, number>;
  violated: string[];
}

/** Hit counts fall in buckets 1, 2, 3-4, 5-8, ...: a run that hits a branch far more often is new too (AFL's idea). */
function bucket(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

/**
 * The machines whose transitions an adversary with these positions drives (sim/adversary.ts
 * positions): the ends of its links, the parties it holds, and always the client (whose defences
 * every attack meets). Only their transitions count with hit-count buckets; the others (the log
 * growing, the issuer serving, the host forwarding) count by presence only: their counts follow
 * the run's length, not the attack, and would make nearly every run look new.
 */
export function focusMachines(positions: readonly string[]): string[] {
  const out = new Set<string>(['client']);
  const party = (p: string) => {
    if (p === 'node' || p.startsWith('node:') || p.startsWith('node-key:') || p === 'vendor-key') out.add('host').add('enclave');
    else if (p === 'witnesses') out.add('log');
    else out.add(p);
  };
  for (const p of positions) {
    if (p.startsWith('network:')) for (const end of p.slice('network:'.length).split('-')) party(end);
    else party(p);
  }
  return [...out].sort();
}

/**
 * The features of a run: its transitions (bucketed for the `focus` machines, presence only for
 * the others; every machine bucketed when `focus` is absent), its marks bucketed, and its
 * violated invariants.
 */
export function featuresOf(r: Reached, focus?: readonly string[]): string[] {
  const out: string[] = [];
  const bucketed = (id: string) => !focus || focus.includes(id.slice(0, id.indexOf(':')));
  for (const [id, n] of Object.entries(r.transitions ?? {})) if (n > 0) out.push(bucketed(id) ? `t:${id}#${bucket(n)}` : `t:${id}`);
  for (const [m, n] of Object.entries(r.marks)) if (n > 0) out.push(`m:${m}#${bucket(n)}`);
  for (const v of r.violated) out.push(`v:${v}`);
  return out;
}

/** The corpus: entries in the order their runs found something new (runs added in run order). */
export class Corpus {
  /** How many added runs reached each feature. */
  private readonly hits = new Map<string, number>();
  readonly entries: CorpusEntry[] = [];
  private readonly featuresOfEntry: string[][] = [];

  constructor(private readonly focus?: readonly string[]) {}

  /** Adds the run when it reached a feature no earlier added run reached; says whether it did. */
  add(r: Reached): boolean {
    let fresh = false;
    const fs = featuresOf(r, this.focus);
    for (const f of fs) {
      const n = this.hits.get(f) ?? 0;
      if (n === 0) fresh = true;
      this.hits.set(f, n + 1);
    }
    if (fresh) {
      this.entries.push({ run: r.run, input: [r.seed, ...r.plans] });
      this.featuresOfEntry.push(fs);
    }
    return fresh;
  }

  get features(): number {
    return this.hits.size;
  }

  /**
   * The energy of entry `i`: the sum over its features of 1 / (runs that reached the feature). An
   * entry holding a feature few runs reach (a rare mark, a near miss) gets most of the mutations.
   */
  energy(i: number): number {
    return this.featuresOfEntry[i]!.reduce((s, f) => s + 1 / (this.hits.get(f) ?? 1), 0);
  }
}

/** The corpus a run of generation `generationOf(run)` mutates: built from the runs before it, in run order. */
export function corpusBefore(run: number, lines: readonly Reached[], focus?: readonly string[]): Corpus {
  const limit = generationOf(run) * GUIDED_BATCH;
  const c = new Corpus(focus);
  for (const l of [...lines].filter((l) => l.run < limit).sort((a, b) => a.run - b.run)) c.add(l);
  return c;
}

export function generationOf(run: number): number {
  return Math.floor(run / GUIDED_BATCH);
}

/** Candidate inputs drawn per guided run (one of them is run). */
export const GUIDED_CANDIDATES = 8;

/**
 * The parent of candidate `k` of guided run `run` (null: the corpus is empty), picked with the
 * seeded Rng of (campaign seed, run, k), with probability proportional to its
 * {@link Corpus.energy} (entries holding rare features first).
 */
export function pickParent(campaignSeed: number, run: number, corpus: Corpus, k = 1): CorpusEntry | null {
  const n = corpus.entries.length;
  if (n === 0) return null;
  const rng = ChaChaRng.fromSeed(`pph-guided/${campaignSeed}/${run}/${k}`);
  const energies = corpus.entries.map((_, i) => corpus.energy(i));
  const total = energies.reduce((a, b) => a + b, 0);
  let x = (uniformInt(rng, 2 ** 30) / 2 ** 30) * total;
  for (let i = 0; i < n; i++) {
    x -= energies[i]!;
    if (x < 0) return corpus.entries[i]!;
  }
  return corpus.entries[n - 1]!;
}

/** Whether guided run `run` mutates a corpus entry (odd runs, once the corpus holds one) or draws a fresh input. */
export function isMutationRun(run: number, corpus: Corpus): boolean {
  return run % 2 === 1 && corpus.entries.length > 0;
}

/** fast-check's seed of candidate `k` of a run whose own seed is `fcSeed` (candidate 0: `fcSeed` itself). */
export function variantSeed(fcSeed: number, k: number): number {
  if (k === 0) return fcSeed;
  return createHash('sha256').update(`pph-guided-variant/${fcSeed}/${k}`).digest().readInt32BE(0);
}

/**
 * The plan values of an input, as `adversary-index.path=value` atoms: strings, booleans, small
 * integers (< 16, e.g. a message index or a node), and array lengths; world seeds and large
 * parameters are left out (they are not choices an attacker makes among a few). Each value counts
 * at its path without array positions and at its position (the first 8): a forgery kind tried on
 * reply 0 is not yet tried on reply 2. The values of one record also count as pairs (an op on a
 * given message).
 */
export function planAtoms(input: RunInput): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, path: string, at: string) => {
    if (Array.isArray(v)) {
      out.add(`${path}#${v.length}`);
      v.forEach((x, i) => walk(x, `${path}[]`, i < 8 ? `${at}[${i}]` : `${at}[]`));
      return;
    }
    if (isRecord(v)) {
      const scalars: string[] = [];
      for (const [k, x] of Object.entries(v)) {
        const a = scalarAtom(x);
        if (a !== null) scalars.push(`${k}=${a}`);
        walk(x, `${path}.${k}`, `${at}.${k}`);
      }
      for (let i = 0; i < scalars.length; i++) for (let j = i + 1; j < scalars.length; j++) out.add(`${path}{${scalars[i]},${scalars[j]}}`);
      return;
    }
    const a = scalarAtom(v);
    if (a !== null) {
      out.add(`${path}=${a}`);
      if (at !== path) out.add(`${at}=${a}`);
    }
  };
  input.slice(1).forEach((p, i) => walk(p, `p${i}`, `p${i}`));
  return [...out];
}

function scalarAtom(v: unknown): string | null {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 16) return String(v);
  return null;
}

/** How often each plan atom was tried by the runs so far, and which world seeds were run. */
export class Tried {
  private readonly counts = new Map<string, number>();
  private readonly seeds = new Set<number>();
  /** Inputs added so far. */
  inputs = 0;
  add(input: RunInput): void {
    this.inputs++;
    this.seeds.add(input[0]);
    for (const a of planAtoms(input)) this.counts.set(a, (this.counts.get(a) ?? 0) + 1);
  }
  /** Whether an earlier run had this world seed. */
  seedTried(seed: number): boolean {
    return this.seeds.has(seed);
  }
  /**
   * Novelty of an input: the mean over its atoms of 1 / (1 + times tried). A mean, not a sum: a
   * sum ranks the longest plans first whatever they hold, and the search would run little else.
   */
  score(input: RunInput): number {
    const atoms = planAtoms(input);
    if (atoms.length === 0) return 0;
    return atoms.reduce((s, a) => s + 1 / (1 + (this.counts.get(a) ?? 0)), 0) / atoms.length;
  }
}

/** The guided choice of one run: which candidate, mutating which corpus entry. */
export interface GuidedChoice {
  variant: number;
  parent: CorpusEntry | null;
  input: RunInput;
}

/**
 * The input of guided run `run`. An odd run, once the corpus holds an entry, mutates one entry
 * (picked by energy, {@link pickParent}); a mutation is meant to stay near its parent, so it is not
 * ranked by novelty (that would pick the mutation that departs most from it). Any other run
 * draws {@link GUIDED_CANDIDATES} fresh candidates and runs one whose world seed no earlier run
 * had (fast-check's bias draws the same small seeds again and again, and a race between parties
 * lives in the world seed's timing), the most novel plan among those (the first on ties).
 * `fcSeed` is the run's own fast-check seed; `tried` holds the inputs of every earlier run.
 */
export function chooseGuided(spec: RunSpec, adversaries: readonly Adversary<any>[], campaignSeed: number, run: number, fcSeed: number, corpus: Corpus, tried: Tried): GuidedChoice {
  if (isMutationRun(run, corpus)) {
    const parent = pickParent(campaignSeed, run, corpus, 0)!;
    return { variant: 0, parent, input: sampleInput(spec, adversaries, parent.input, fcSeed) };
  }
  // Nothing tried yet: every candidate is as new as any other, so the first run is the random
  // search's first run.
  const count = tried.inputs === 0 ? 1 : GUIDED_CANDIDATES;
  let best: GuidedChoice | null = null;
  let bestScore = -1;
  for (let k = 0; k < count; k++) {
    const input = sampleInput(spec, adversaries, null, variantSeed(fcSeed, k));
    const score = tried.score(input) + (tried.seedTried(input[0]) ? 0 : 1);
    if (score > bestScore) {
      best = { variant: k, parent: null, input };
      bestScore = score;
    }
  }
  return best!;
}

function sampleInput(spec: RunSpec, adversaries: readonly Adversary<any>[], parent: RunInput | null, seed: number): RunInput {
  return fc.sample(inputArbitrary(spec, adversaries, parent), { seed, numRuns: 1 })[0]!;
}

/**
 * The arbitrary of a run: fresh (random search, or a guided run without parent), or a mutation of
 * `parent` driven by a fresh input and a mixing seed (both drawn by fast-check).
 */
export function inputArbitrary(spec: RunSpec, adversaries: readonly Adversary<any>[], parent: RunInput | null): fc.Arbitrary<RunInput> {
  const fresh = fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), ...adversaries.map((a) => a.plan(spec))) as fc.Arbitrary<RunInput>;
  if (!parent) return fresh;
  return fc.tuple(fresh, fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([f, s]) => mutateInput(parent, f, s));
}

/**
 * Mixes a parent input with a fresh one: the world seed kept half the time, each plan mutated
 * (parts of it replaced by the fresh plan's, elements inserted, removed or replaced). Plans stay
 * plan-shaped: every value comes from the parent or from the adversary's own arbitrary.
 */
export function mutateInput(parent: RunInput, fresh: RunInput, mixSeed: number): RunInput {
  const rng = ChaChaRng.fromSeed(`pph-mutate/${mixSeed}`);
  const seed = uniformInt(rng, 4) !== 0 ? parent[0] : fresh[0];
  const plans = parent.slice(1).map((p, i) => mix(p, fresh[i + 1], rng, 0));
  // At least one change: when the mix kept everything, take one plan (or the seed) fresh.
  const out: RunInput = [seed, ...plans];
  if (JSON.stringify(out) === JSON.stringify(parent)) {
    const k = uniformInt(rng, parent.length);
    out[k] = fresh[k];
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function mix(p: unknown, f: unknown, rng: Rng, depth: number): unknown {
  const roll = uniformInt(rng, 8);
  if (roll === 0) return f; // the whole part fresh
  if (Array.isArray(p) && Array.isArray(f)) {
    const out = [...p];
    const ops = 1 + uniformInt(rng, 2);
    for (let k = 0; k < ops; k++) {
      const op = uniformInt(rng, 4);
      if (op === 0 && f.length > 0) out.splice(uniformInt(rng, out.length + 1), 0, f[uniformInt(rng, f.length)]); // insert
      else if (op === 1 && out.length > 1) out.splice(uniformInt(rng, out.length), 1); // remove
      else if (out.length > 0 && f.length > 0) {
        const j = uniformInt(rng, out.length);
        out[j] = depth < 2 ? mix(out[j], f[uniformInt(rng, f.length)], rng, depth + 1) : f[uniformInt(rng, f.length)]; // replace
      }
    }
    return out;
  }
  if (isRecord(p) && isRecord(f)) {
    const out: Record<string, unknown> = { ...p };
    const keys = Object.keys(f);
    if (keys.length === 0) return out;
    // One key always changes, each other with probability 1/4.
    const must = keys[uniformInt(rng, keys.length)]!;
    for (const k of keys) if (k === must || uniformInt(rng, 4) === 0) out[k] = depth < 2 && k in p ? mix(p[k], f[k], rng, depth + 1) : f[k];
    return out;
  }
  // Two integers: half the time a step from the parent's value towards the fresh one, by a
  // fraction 2^-1 … 2^-20 of the way (a local move: a delay a few ms longer). The value lies
  // between two values of the arbitrary's own integer range, so it is in that range too.
  if (Number.isInteger(p) && Number.isInteger(f) && p !== f && roll >= 4) {
    const step = Math.trunc(((f as number) - (p as number)) / 2 ** (1 + uniformInt(rng, 20)));
    return (p as number) + (step === 0 ? Math.sign((f as number) - (p as number)) : step);
  }
  return roll < 5 ? f : p;
}
