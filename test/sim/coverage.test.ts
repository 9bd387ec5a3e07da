/**
 * Transition coverage and the guided search (issue 12 item 3): the enumeration matches the
 * machines' known shapes, a run records the transitions it took without changing anything it
 * does, the never-reached list shrinks as a campaign runs more, and a guided campaign is the same
 * for the same seed.
 */
import { describe, expect, it } from 'vitest';
import { transition, initialTransition } from 'xstate';
import { allTransitions, coverageOf, enumerateTransitions, instrumented, MACHINES } from '../../sim/coverage.js';
import { hostMachine } from '../../model/machines/host.js';
import { relayMachine } from '../../model/machines/relay.js';
import { clientMachine } from '../../model/machines/client.js';
import { intentsOf } from '../../model/machines/emit.js';
import { executeRun, resolveAll, summarise, type CampaignSpec, type Catalogue } from '../../sim/campaign.js';
import { runDetailed } from '../../sim/runner.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { runCampaign } from '../../cli/campaign/pool.js';
import { chooseGuided, Corpus, featuresOf, focusMachines, isMutationRun, mutateInput, pickParent, planAtoms, Tried, type Reached, type RunInput } from '../../sim/guided.js';
import * as catalogue from '../../adversaries/index.js';
import { coverageHtml, coverageMarkdown, matrixCoverageHtml, matrixCoverageMarkdown } from '../../reports/coverage.js';

// The relay campaign's world, smaller (light tests: a few runs of a few seconds at most).
const full = loadScenario(resolveScenarioPath('campaign-relay', process.cwd()));
const spec = { ...full, world: { ...full.world, requests: 2, messagesPerChat: 2 } };
const cs: CampaignSpec = { spec, attackers: ['malicious-relay'], expect: {}, seed: 7, runs: 6, shrinkRuns: 0 };
const adversaries = resolveAll(catalogue as Catalogue, cs.attackers);

describe('enumeration', () => {
  it('matches the machines as written', () => {
    expect(enumerateTransitions(relayMachine).map((t) => t.id)).toEqual(['relay: forwarding --FROM_CLIENT--> (self)', 'relay: forwarding --FROM_GATEWAY--> (self)']);
    const host = enumerateTransitions(hostMachine);
    expect(host.map((t) => `${t.source} ${t.event} ${t.target}`)).toEqual(['booting BOOTED running', 'booting FROM_GATEWAY (self)', 'running FROM_GATEWAY (self)', 'running FROM_ENCLAVE (self)', 'running RESTART booting']);
    const client = enumerateTransitions(clientMachine);
    // Root-level TASK with and without the consent guard, the eventless idle and retrying choices, guards with params.
    expect(client.filter((t) => t.source === '(root)').map((t) => t.guard)).toEqual(['blocked', null]);
    expect(client.filter((t) => t.event === '(always)').map((t) => `${t.source}[${t.guard}] ${t.target}`)).toEqual(['idle[needsTokens] fetchingTokens', 'idle[hasWork] attesting', 'retrying[canRetry] idle', 'retrying[null] idle']);
    expect(client.some((t) => t.guard === 'timerIs(attest)' && t.target === 'retrying')).toBe(true);
    const ids = allTransitions().map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(allTransitions().map((t) => t.machine))).toEqual(new Set(Object.keys(MACHINES)));
  });

  it('the instrumented copy behaves as the machine: same states, same intents', () => {
    const events = [{ type: 'FROM_GATEWAY', ref: 1 }, { type: 'BOOTED' }, { type: 'FROM_GATEWAY', ref: 2 }, { type: 'RESTART' }, { type: 'BOOTED' }, { type: 'FROM_ENCLAVE', ref: 3 }] as const;
    const walk = (m: typeof hostMachine) => {
      let [snap] = initialTransition(m, undefined);
      const out: unknown[] = [];
      for (const e of events) {
        const [next, actions] = transition(m, snap, e as never);
        snap = next;
        out.push([next.value, next.context, intentsOf(actions as never)]);
      }
      return out;
    };
    expect(walk(instrumented(hostMachine) as typeof hostMachine)).toEqual(walk(hostMachine));
    expect(enumerateTransitions(instrumented(hostMachine))).toEqual(enumerateTransitions(hostMachine));
  });
});

describe('recording', () => {
  it('a run records the transitions it took, all of them known ids', () => {
    const r = runDetailed(spec, { seed: 3, keepTrace: false }).result;
    const known = new Set(allTransitions().map((t) => t.id));
    expect(Object.keys(r.transitions).length).toBeGreaterThan(10);
    for (const id of Object.keys(r.transitions)) expect(known.has(id), id).toBe(true);
    expect(r.transitions['host: booting --BOOTED--> running']).toBeGreaterThanOrEqual(spec.world.nodes);
    expect(r.transitions['client: idle --(always)[hasWork]--> attesting']).toBeGreaterThan(0);
    const cov = coverageOf(r.transitions, r.marks);
    expect(cov.transitions.reached).toBe(Object.keys(r.transitions).length);
    expect(cov.transitions.total).toBe(allTransitions().length);
  });

  it('the never-reached list of a tiny campaign is non-empty and shrinks with more runs', () => {
    const lines = Array.from({ length: 4 }, (_, i) => executeRun(cs, adversaries, i).line);
    const never = (n: number) => summarise(cs, adversaries, lines.slice(0, n), { wallMs: 0, workers: 1, shards: [] }).coverage.machines.flatMap((m) => m.never);
    const one = never(1);
    const six = never(4);
    expect(one.length).toBeGreaterThan(0);
    expect(six.length).toBeLessThan(one.length);
    for (const id of six) expect(one).toContain(id);
  });
});

describe('guided search', () => {
  it('is deterministic per seed, and mutates corpus entries after the first generation', async () => {
    const g: CampaignSpec = { ...cs, search: 'guided' };
    const opts = { workers: 1, shard: null, timeLimitS: null, outDir: null, resume: false } as const;
    const a = await runCampaign(g, opts);
    const b = await runCampaign(g, opts);
    const view = (r: typeof a) => r.lines.map((l) => [l.run, l.seed, l.traceHash, l.parent ?? null, l.variant ?? 0, JSON.stringify(l.plans)]);
    expect(view(a)).toEqual(view(b));
    expect(a.summary.search).toBe('guided');
    // Fresh candidates are ranked, so some run is not the random search's input (variant 0); odd
    // runs after the first generation mutate; a parent always belongs to an earlier generation.
    expect(a.lines.some((l) => (l.variant ?? 0) > 0)).toBe(true);
    expect(a.lines[5]!.parent).toBeDefined();
    for (const l of a.lines) if (l.parent !== undefined) expect(l.parent).toBeLessThan(4 * Math.floor(l.run / 4));
    for (const l of a.lines) if (l.run % 2 === 0) expect(l.parent).toBeUndefined();
  });

  it('counts hit-count buckets only on the machines the adversary drives', () => {
    expect(focusMachines(['network:client-relay', 'node:0'])).toEqual(['client', 'enclave', 'host', 'relay']);
    expect(focusMachines(['log', 'witnesses'])).toEqual(['client', 'log']);
    const r = (n: number): Reached => ({ run: 0, seed: 1, plans: [], marks: {}, violated: [], transitions: { 'log: serving --PROOF_REQUEST--> (self)': n, 'client: idle --(always)[hasWork]--> attesting': n } });
    const focus = focusMachines(['network:client-relay']);
    // The log's count follows the run's length: presence only. The client's is bucketed.
    expect(featuresOf(r(6), focus)).toContain('t:log: serving --PROOF_REQUEST--> (self)');
    expect(featuresOf(r(6), focus)).toContain('t:client: idle --(always)[hasWork]--> attesting#8');
    const c = new Corpus(focus);
    expect(c.add(r(3))).toBe(true);
    expect(c.add(r(4))).toBe(false); // same buckets (3-4), the log not counted
    expect(c.add(r(6))).toBe(true); // the client's bucket 5-8 is new
  });

  it('gives mutations to entries holding rare features', () => {
    const c = new Corpus();
    const line = (run: number, marks: Record<string, number>): Reached => ({ run, seed: run, plans: [], marks, violated: [] });
    c.add(line(0, { common: 1 }));
    c.add(line(1, { common: 1, rare: 1 }));
    for (let i = 2; i < 10; i++) expect(c.add(line(i, { common: 1 }))).toBe(false);
    // `common` was reached by 10 runs, `rare` by one: energies 0.1 and 1.1; the draw follows them.
    expect(c.entries.map((e) => e.run)).toEqual([0, 1]);
    expect(c.energy(0)).toBeCloseTo(0.1);
    expect(c.energy(1)).toBeCloseTo(1.1);
    const picks = Array.from({ length: 400 }, (_, k) => pickParent(3, 9, c, k)!.run);
    expect(picks.filter((r) => r === 0).length).toBeLessThan(picks.filter((r) => r === 1).length / 4);
    expect(pickParent(3, 9, c, 5)).toEqual(pickParent(3, 9, c, 5)); // seeded
    expect(pickParent(3, 9, new Corpus(), 1)).toBeNull();
  });

  it('ranks fresh plans by mean novelty and untried world seeds; odd runs mutate', () => {
    const t = new Tried();
    const short: RunInput = [5, [{ link: 'client-relay', nth: 1, op: 'drop', arg: 9 }]];
    t.add(short);
    const longOld: RunInput = [6, [0, 1, 2, 3].map(() => ({ link: 'client-relay', nth: 1, op: 'drop', arg: 9 }))];
    const shortNew: RunInput = [7, [{ link: 'relay-gateway', nth: 3, op: 'delay', arg: 9 }]];
    // A longer plan of the same values is no more novel (a mean, not a sum); new values are.
    expect(t.score(longOld)).toBeLessThan(t.score(shortNew));
    expect(t.seedTried(5)).toBe(true);
    expect(t.seedTried(6)).toBe(false);
    const corpus = new Corpus();
    corpus.add({ run: 0, seed: 5, plans: short.slice(1), marks: { a: 1 }, violated: [] });
    expect(isMutationRun(5, corpus)).toBe(true);
    expect(isMutationRun(4, corpus)).toBe(false);
    expect(isMutationRun(5, new Corpus())).toBe(false);
    const odd = chooseGuided(spec, adversaries, 7, 5, 123, corpus, t);
    expect(odd.parent?.run).toBe(0);
    const even = chooseGuided(spec, adversaries, 7, 4, 123, corpus, t);
    expect(even.parent).toBeNull();
    expect(t.seedTried(even.input[0])).toBe(false);
  });

  it('an integer mutates by a step towards the fresh value, inside the range of the two', () => {
    const parent: RunInput = [5, [{ link: 'client-relay', nth: 1, op: 'delay', arg: 1000 }]];
    const fresh: RunInput = [6, [{ link: 'client-relay', nth: 1, op: 'delay', arg: 500_000 }]];
    const args = Array.from({ length: 60 }, (_, s) => ((mutateInput(parent, fresh, s + 1)[1] as { arg: number }[])[0]?.arg ?? 1000));
    for (const a of args) expect(a >= 1000 && a <= 500_000).toBe(true);
    // Some steps are local (a delay a few ms longer), not a jump to the fresh value.
    expect(args.some((a) => a > 1000 && a < 2000)).toBe(true);
  });

  it('the observer marks the attestation race a stale-evidence kill goes through', () => {
    // pp-no-client-nonce attacked by targeting: the target's attest request held back (reorder),
    // another client's report of the same node is produced before the target accepts its own
    // (same bytes: REPORT_DATA binds the key only), so the target accepts stale evidence.
    const matrix = loadScenario(resolveScenarioPath('matrix', process.cwd()));
    const plan = { user: 0, actions: [
      { link: 'client-relay', nth: 3, op: 'delay', arg: 265841 }, { link: 'client-relay', nth: 3, op: 'reorder', arg: 894155 },
      { link: 'client-relay', nth: 7, op: 'reorder', arg: 303679 }, { link: 'client-relay', nth: 5, op: 'drop', arg: 759199 },
      { link: 'client-relay', nth: 3, op: 'reorder', arg: 622030 }, { link: 'client-relay', nth: 7, op: 'drop', arg: 759205 },
      { link: 'client-relay', nth: 0, op: 'reorder', arg: 302722 },
    ] };
    const run = (profile: string) => runDetailed({ ...matrix, profile }, { seed: 8, keepTrace: false, adversaries: [{ adversary: catalogue.targeting, plan }] }).result;
    const r = run('pp-no-client-nonce');
    expect(r.verdicts.freshness!.holds).toBe(false);
    expect(r.marks['observer.attest-interleaved']).toBeGreaterThan(0);
    // The baseline goes through the same race and refuses nothing it should not: evidence bound to the nonce stays fresh.
    const base = run('pp');
    expect(base.marks['observer.attest-interleaved']).toBeGreaterThan(0);
    expect(base.verdicts.freshness!.holds).toBe(true);
  });

  it('mutations keep the plan shape and change something', () => {
    const parent: RunInput = [5, [{ link: 'client-relay', nth: 1, op: 'drop', arg: 9 }]];
    const fresh: RunInput = [6, [{ link: 'relay-gateway', nth: 3, op: 'delay', arg: 100 }, { link: 'client-relay', nth: 0, op: 'flip', arg: 2 }]];
    for (let s = 1; s < 30; s++) {
      const m = mutateInput(parent, fresh, s);
      expect(m).not.toEqual(parent);
      expect(Array.isArray(m[1])).toBe(true);
      for (const a of m[1] as { link: string; op: string }[]) expect(['client-relay', 'relay-gateway']).toContain(a.link);
    }
    expect(planAtoms(parent)).toContain('p0[].op=drop');
  });
});

describe('reports', () => {
  it('the matrix coverage table has a row per profile and lists what no profile reached', () => {
    const a = coverageOf({ 'host: booting --BOOTED--> running': 3, 'relay: forwarding --FROM_CLIENT--> (self)': 1 });
    const b = coverageOf({ 'host: booting --BOOTED--> running': 1, 'host: running --RESTART--> booting': 2 });
    const md = matrixCoverageMarkdown({ pp: a, 'pp-no-spent-record': b }).join('\n');
    expect(md).toContain(`| pp | 2/${a.transitions.total} (`);
    expect(md).toContain('| pp-no-spent-record | 2/');
    expect(md).toContain('- `relay: forwarding --FROM_GATEWAY--> (self)`');
    expect(md).not.toContain('- `host: booting --BOOTED--> running`');
    expect(md).not.toContain('- `relay: forwarding --FROM_CLIENT--> (self)`'); // reached under pp
    expect(matrixCoverageHtml({ pp: a })).toContain('id="coverage-matrix"');
    const one = coverageMarkdown('Transition coverage', a).join('\n');
    expect(one).toContain('| relay | 1 | 2 | 50% |');
    expect(coverageHtml('coverage', 'Transition coverage', a)).toContain('<code>relay: forwarding --FROM_GATEWAY--&gt; (self)</code>');
  });
});
