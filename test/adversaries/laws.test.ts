/**
 * Laws every adversary of the catalogue satisfies (issue 5, STYLE.md habit 10): the same seed and
 * plan give the same trace; its plans are plain data (they round-trip through the JSON of a
 * replay file) and shrink; it acts only through the powers of its positions, which the simulator
 * enforces. The tests loop over the catalogue: a new adversary gets them without a line here.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isPosition, Powers, PowerDenied, type Adversary, type Position } from '../../sim/adversary.js';
import { runDetailed } from '../../sim/runner.js';
import { World } from '../../sim/world.js';
import { CATALOGUE, matrixWorld, worldFor } from './catalogue.js';

const BASE = matrixWorld();

/**
 * The weight of a plan in fast-check's shrink order: array elements count one each, numbers their
 * magnitude, `true` one. Shrinking removes elements, moves numbers towards their minimum and
 * flips booleans to false, so it never makes a plan heavier. (JSON length is no such measure: a
 * `constantFrom` shrinks towards its first option, which may be a longer string.)
 */
function weightOf(v: unknown): number {
  if (Array.isArray(v)) return v.length + v.reduce((s: number, x) => s + weightOf(x), 0);
  if (typeof v === 'number') return Math.abs(v);
  if (v === true) return 1;
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((s: number, x) => s + weightOf(x), 0);
  return 0;
}

/** The path of the first value in `v` that JSON would not carry over unchanged, or null. */
function notJson(v: unknown, path = 'plan'): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = notJson(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `${path} (a ${proto?.constructor?.name ?? 'class instance'})`;
    for (const [k, x] of Object.entries(v)) {
      const bad = notJson(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return null;
  }
  return `${path} (${typeof v})`;
}

/** Sampled plans of an adversary (a fixed fast-check seed: the same plans on every run of the suite). */
function samplePlans(a: Adversary<any>, n: number, seed = 42): unknown[] {
  return fc.sample(a.plan(worldFor(a, BASE)), { seed, numRuns: n });
}

/** Calls `fn`; returns the PowerDenied it threw, null when it did not throw (any other error fails). */
function denial(fn: () => void): PowerDenied | null {
  try {
    fn();
    return null;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(PowerDenied);
    return e as PowerDenied;
  }
}

describe.each(CATALOGUE.map((a) => [a.name, a] as const))('adversary %s', (_name, a) => {
  const spec = worldFor(a, BASE);

  it('declares real positions and names its marks', () => {
    expect(a.positions.length).toBeGreaterThan(0);
    for (const p of a.positions) expect(isPosition(p), p).toBe(true);
    for (const m of a.marks) expect(m).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
  });

  it('same seed and same plan give the same trace; the plan survives the run and a JSON round trip', () => {
    const [plan] = samplePlans(a, 1, 7);
    const copy = JSON.parse(JSON.stringify(plan)) as unknown;
    const first = runDetailed(spec, { seed: 3, adversaries: [{ adversary: a, plan }], keepTrace: false }).result;
    // A plan the run mutated would make the stored plan of a replay file differ from the one that ran.
    expect(plan).toEqual(copy);
    const again = runDetailed(spec, { seed: 3, adversaries: [{ adversary: a, plan: copy }], keepTrace: false }).result;
    expect(first.adversaries).toEqual([a.name]);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.verdicts).toEqual(first.verdicts);
    expect(again.marks).toEqual(first.marks);
  });

  it('plans are plain JSON data (replay files store them)', () => {
    for (const plan of samplePlans(a, 100)) {
      expect(notJson(plan), JSON.stringify(plan)).toBeNull();
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    }
  });

  it('plans shrink: a failing plan shrinks to one no heavier that still fails', () => {
    const arb = a.plan(spec);
    const weights = samplePlans(a, 100).map(weightOf);
    const lightest = Math.min(...weights);
    const constant = lightest === Math.max(...weights);
    // The property "the plan is as light as the lightest sampled one" fails on most plans; a
    // constant arbitrary (one possible plan) fails it everywhere with a limit just below.
    const limit = constant ? lightest - 1 : lightest;
    let shrinks = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      let firstFailing: unknown;
      const out = fc.check(
        fc.property(arb, (plan) => {
          const ok = weightOf(plan) <= limit;
          if (!ok && firstFailing === undefined) firstFailing = plan;
          return ok;
        }),
        { seed, numRuns: 200 },
      );
      expect(out.failed, `seed ${seed}`).toBe(true);
      const [shrunk] = out.counterexample!;
      expect(weightOf(shrunk)).toBeGreaterThan(limit);
      expect(weightOf(shrunk)).toBeLessThanOrEqual(weightOf(firstFailing));
      expect(notJson(shrunk)).toBeNull();
      shrinks += out.numShrinks;
    }
    if (!constant) expect(shrinks, 'fast-check never shrank a plan').toBeGreaterThan(0);
  });

  it('acts only through the powers of its positions: without them the simulator refuses', () => {
    const world = new World(spec, 1, {});
    const plans = samplePlans(a, 20);
    let refusedAt: unknown = undefined;
    for (const plan of plans) {
      // With its own positions, installing never asks for a power it lacks.
      expect(denial(() => a.install(new Powers(world, a.name, a.positions), plan))).toBeNull();
      if (denial(() => a.install(new Powers(world, a.name, []), plan)) && refusedAt === undefined) refusedAt = plan;
    }
    const stripped: Adversary<any> = { ...a, positions: [] };
    if (refusedAt !== undefined) {
      // The path a run takes: the world installs the adversary with the powers of its positions.
      const e = denial(() => new World(spec, 1, { adversaries: [{ adversary: stripped, plan: refusedAt }] }));
      expect(e?.code).toBe('position');
      return;
    }
    // An adversary that acts only after the run (key-seizure-later) is refused when it acts.
    expect(a.finish, `${a.name} used no power at install on 20 plans and has no finish`).toBeTypeOf('function');
    const e = denial(() => runDetailed(spec, { seed: 1, adversaries: [{ adversary: stripped, plan: plans[0] }], keepTrace: false }));
    expect(e?.code).toBe('position');
  });
});

describe('Powers: position-gated', () => {
  const SINGLE = ['network:client-relay', 'network:relay-gateway', 'network:client-gateway', 'network:gateway-node', 'network:node-log', 'network:client-issuer', 'relay', 'gateway', 'issuer', 'log', 'vendor-key', 'node:0', 'node:1', 'node-key:0', 'node-key:1', 'later'];
  let world: World | undefined;
  const powersOf = (...positions: string[]) => {
    for (const p of positions) expect(isPosition(p), p).toBe(true);
    world ??= new World(BASE, 1, {});
    return new Powers(world, 'probe', positions as Position[]);
  };

  const gated: [string, (p: Powers) => unknown, string[]][] = [
    ["key('gateway-ohttp')", (p) => p.key('gateway-ohttp'), ['gateway']],
    ["key('issuer')", (p) => p.key('issuer'), ['issuer', 'gateway']],
    ["key('log')", (p) => p.key('log'), ['log']],
    ["key('chip:0')", (p) => p.key('chip:0'), ['vendor-key']],
    ["key('enclave:0')", (p) => p.key('enclave:0'), []],
    ["key('witness:0')", (p) => p.key('witness:0'), []],
    ["tap('client-relay')", (p) => p.tap('client-relay', () => []), ['relay', 'network:client-relay']],
    ["tap('relay-gateway')", (p) => p.tap('relay-gateway', () => []), ['relay', 'gateway', 'network:relay-gateway']],
    ["tap('client-issuer')", (p) => p.tap('client-issuer', () => []), ['issuer', 'network:client-issuer']],
    ['claimLink', (p) => p.claimLink(-1, 'nowhere'), []],
    ['compromiseNode(1)', (p) => p.compromiseNode(1), ['node:1']],
    ['extractNodeKey(1)', (p) => p.extractNodeKey(1), ['node-key:1']],
    ['keep(gateway-node message)', (p) => p.keep({ id: 1, link: 'gateway-node', from: 'gateway', to: 'node-0', bytes: new Uint8Array(4), label: 'x' } as never), ['gateway', 'network:gateway-node']],
    ['routeAttest', (p) => p.routeAttest((c) => c), ['gateway']],
    ['onNodeReply', (p) => p.onNodeReply((r) => r.bytes), ['gateway']],
    ['restartNode', (p) => p.restartNode(0, 10), ['gateway']],
    ['serveLogView', (p) => p.serveLogView((_n, v) => v), ['log']],
    ['issuerKeyFor', (p) => p.issuerKeyFor((_u, k) => k), ['issuer']],
    ['seized', (p) => p.seized(), ['later']],
    ['declareTarget', (p) => p.declareTarget('client-0'), ['node:0', 'node:1']],
  ];

  it.each(gated)('%s is granted exactly to its positions and refused to every other', (_what, call, allowed) => {
    for (const position of SINGLE) {
      const e = denial(() => call(powersOf(position)));
      expect(e === null, `${position}: ${e?.message ?? 'granted'}`).toBe(allowed.includes(position));
      if (e) expect(e.code).toBe('position');
    }
    expect(denial(() => call(powersOf())), 'no position').not.toBeNull();
  });

  it('no position, not even all of them together, reads an honest enclave key or a witness key', () => {
    const everything = powersOf(...SINGLE, 'node:2');
    for (const name of ['enclave:0', 'enclave:2', 'witness:0', 'witness:1'] as const) expect(denial(() => everything.key(name))?.code).toBe('position');
    expect(denial(() => everything.key('gateway-ohttp'))).toBeNull();
  });

  it('claimLink needs the relay and the gateway together', () => {
    expect(denial(() => powersOf('relay').claimLink(-1, 'x'))).not.toBeNull();
    expect(denial(() => powersOf('gateway').claimLink(-1, 'x'))).not.toBeNull();
    expect(denial(() => powersOf('relay', 'network:relay-gateway').claimLink(-1, 'x'))).not.toBeNull();
    expect(denial(() => powersOf('relay', 'gateway').claimLink(-1, 'x'))).toBeNull();
  });

  it('declareTarget names the nodes of the positions, not of anything the adversary says', () => {
    const w = new World(BASE, 1, {});
    new Powers(w, 'probe', ['node:1', 'network:client-relay']).declareTarget('client-1');
    const facts = w.trace.judged.filter((e) => e.data?.fact === 'target');
    expect(facts.map((e) => [e.party, e.data])).toEqual([['probe', { fact: 'target', user: 'client-1', nodes: ['enclave-1'] }]]);
  });

  it('compromiseNode(i) needs node:i and no other node', () => {
    expect(denial(() => powersOf('node:0').compromiseNode(1))).not.toBeNull();
    expect(denial(() => powersOf('node:0', 'node:2', 'gateway').compromiseNode(1))).not.toBeNull();
    expect(denial(() => powersOf('node:1').compromiseNode(1))).toBeNull();
  });
});
