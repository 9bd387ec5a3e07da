/**
 * Coverage-guided search (issue 12 item 3). A random campaign draws every run's input (world seed
 * and one plan per adversary) independently from fast-check. A guided campaign keeps a corpus of
 * the inputs whose run reached something no earlier run had reached (a transition, a coverage
 * mark, a hit-count bucket of either, a violated invariant) and draws most later inputs as
 * mutations of a corpus entry.
 *
 * Determinism: runs go in generations of {@link GUIDED_BATCH}. The parent of run `i` is picked
 * with the seeded Rng of (campaign seed, i) from the corpus built from the runs of earlier
 * generations alone, so a run depends on (seed, i, earlier generations), never on which worker
 * finished first; the runs of one generation can run in parallel. The mutation is itself a
 * fast-check arbitrary (a fresh input and a mixing seed, mapped onto the parent), sampled with the
 * run's fast-check seed, so a failing guided run shrinks with fast-check like a random one.
 */
import fc from 'fast-check';
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

/** The features of a run: what it reached, bucketed. */
export function featuresOf(r: Reached): string[] {
  const out: string[] = [];
  for (const [id, n] of Object.entries(r.transitions ?? {})) if (n > 0) out.push(`t:${id}#${bucket(n)}`);
  for (const [m, n] of Object.entries(r.marks)) if (n > 0) out.push(`m:${m}#${bucket(n)}`);
  for (const v of r.violated) out.push(`v:${v}`);
  return out;
}

/** The corpus: entries in the order their runs found something new (runs added in run order). */
export class Corpus {
  private readonly seen = new Set<string>();
  readonly entries: CorpusEntry[] = [];

  /** Adds the run when it reached a feature no earlier added run reached; says whether it did. */
  add(r: Reached): boolean {
    let fresh = false;
    for (const f of featuresOf(r)) {
      if (this.seen.has(f)) continue;
      this.seen.add(f);
      fresh = true;
    }
    if (fresh) this.entries.push({ run: r.run, input: [r.seed, ...r.plans] });
    return fresh;
  }

  get features(): number {
    return this.seen.size;
  }
}

/** The corpus a run of generation `generationOf(run)` mutates: built from the runs before it, in run order. */
export function corpusBefore(run: number, lines: readonly Reached[]): Corpus {
  const limit = generationOf(run) * GUIDED_BATCH;
  const c = new Corpus();
  for (const l of [...lines].filter((l) => l.run < limit).sort((a, b) => a.run - b.run)) c.add(l);
  return c;
}

export function generationOf(run: number): number {
  return Math.floor(run / GUIDED_BATCH);
}

/** One run in this many is drawn fresh (exploration) even when the corpus has entries. */
const FRESH_ONE_IN = 5;

/**
 * The parent of guided run `run` (null: a fresh random input), picked with the seeded Rng of
 * (campaign seed, run). Recent entries are preferred: they hold the newest discoveries.
 */
export function pickParent(campaignSeed: number, run: number, corpus: Corpus): CorpusEntry | null {
  const n = corpus.entries.length;
  if (n === 0 || generationOf(run) === 0) return null;
  const rng = ChaChaRng.fromSeed(`pph-guided/${campaignSeed}/${run}`);
  if (uniformInt(rng, FRESH_ONE_IN) === 0) return null;
  // Half the time one of the last four entries, otherwise any.
  const i = uniformInt(rng, 2) === 0 ? n - 1 - uniformInt(rng, Math.min(4, n)) : uniformInt(rng, n);
  return corpus.entries[i]!;
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
  const seed = uniformInt(rng, 2) === 0 ? parent[0] : fresh[0];
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
  return roll < 5 ? f : p;
}
