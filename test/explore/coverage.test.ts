/**
 * Coverage of `pph explore` (issue 12 item 3): the symbolic engine counts its model rules
 * (sim/explore/rules.ts), the concrete engine the machine transitions of every simulator run it
 * makes (sim/coverage.ts), the confirmation the transitions of the counterexample's concrete runs;
 * explore.json, summary.md and index.html show reached and never-reached ones. Small bounds.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../scenarios/index.js';
import { makeWorld } from '../../sim/explore/model.js';
import { explore } from '../../sim/explore/explorer.js';
import { MODEL_RULES, ruleIndex } from '../../sim/explore/rules.js';
import { allTransitions } from '../../sim/coverage.js';
import { runExplore } from '../../cli/explore/run-explore.js';
import { command } from '../../cli/commands/explore.js';
import { memoryIo } from '../../cli/io.js';
import { ExploreFileSchema, parseJsonFile, ReportInputError } from '../../reports/schemas.js';

const matrix = () => loadScenario('scenarios/matrix.yaml');
const clock = () => 0;
const never = (c: { parties: { never: string[] }[] }) => c.parties.flatMap((p) => p.never);
const machineNever = (c: { machines: { never: string[] }[] }) => c.machines.flatMap((m) => m.never);

describe('explore coverage: symbolic engine (model rules)', () => {
  it('pp: non-empty per-party coverage; rules of an adversary not explored and of the other base are never reached / not counted', async () => {
    const { file } = await runExplore({ spec: { ...matrix(), profile: 'pp' }, adversaries: ['replay', 'forged-quote'], bounds: { depth: 14, maxStates: 200_000 }, workers: 1, confirm: false }, clock);
    const c = file.modelCoverage!;
    expect(file.coverage).toBeNull();
    expect(c.base).toBe('pp');
    expect(c.parties.map((p) => p.party)).toEqual(['client', 'issuer', 'relay', 'gateway', 'enclave', 'host', 'adversary']);
    // Every rule of the pp model is counted once; none of the pcc model's.
    const ppRules = MODEL_RULES.filter((r) => r.base !== 'pcc');
    expect(c.rules.total).toBe(ppRules.length);
    expect(c.rules.reached).toBe(Object.keys(c.hits).length);
    expect(c.rules.reached).toBeGreaterThan(20);
    for (const p of c.parties) expect(p.reached + p.never.length).toBe(p.total);
    expect(Object.keys(c.hits)).not.toContain('client: fetches candidate keys');
    expect(never(c)).not.toContain('client: fetches candidate keys');
    // What both adversaries did: the replay's duplicates refused by the spend record, forgeries rejected by step 4.
    expect(c.hits['adversary: duplicate']).toBeGreaterThan(0);
    expect(c.hits['gateway: refuses a spent token (token-spend)']).toBeGreaterThan(0);
    expect(c.hits['adversary: forge:foreign-root']).toBeGreaterThan(0);
    expect(c.hits['client: step 4 rejects a foreign root (chain-check)']).toBeGreaterThan(0);
    // Not explored: issuer-tagging's op, malicious-gateway's, the relay's drop (replay only duplicates).
    for (const id of ['adversary: tag', 'adversary: route', 'adversary: withhold', 'adversary: drop']) expect(never(c), id).toContain(id);
    expect(c.notExplored).toEqual(expect.arrayContaining(['adversary: tag', 'adversary: route', 'client: refuses a per-user issuer key (key-consistency)']));
    expect(c.notExplored).toContain('adversary: drop'); // malicious-relay's and targeting's, neither explored
    expect(c.hits['adversary: duplicate']).toBeGreaterThan(0); // replay's, shared with malicious-relay
    for (const id of c.notExplored) {
      const rule = MODEL_RULES.find((r) => r.id === id)!;
      expect(never(c)).toContain(id);
      expect(rule.adversaries!.some((a) => a === 'replay' || a === 'forged-quote'), id).toBe(false);
    }
    // With every defence on, no bypass branch is taken.
    for (const r of MODEL_RULES.filter((x) => x.kind === 'bypass' && x.base !== 'pcc')) expect(c.hits[r.id], r.id).toBeUndefined();
    expect(c.transitions['gateway: refuses a spent token (token-spend)']).toBe('gateway: serving --DOUBLE_SPEND[at(spending)]--> (self)');
    for (const t of Object.values(c.transitions)) expect(allTransitions().some((x) => x.id === t), t).toBe(true);
  });

  it('a mutant reaches its bypass branch, the baseline its defence branch, never the other way round', async () => {
    const run = async (profile: string) => (await runExplore({ spec: { ...matrix(), profile }, adversaries: ['replay'], bounds: { depth: 16, maxStates: 200_000 }, workers: 1, confirm: false }, clock)).file;
    const pp = await run('pp');
    const mutant = await run('pp-no-spent-record');
    expect(mutant.counterexample?.invariants).toContain('freshness');
    const refuse = 'gateway: refuses a spent token (token-spend)';
    const accept = 'gateway: accepts a spent token again (token-spend off)';
    expect(pp.modelCoverage!.hits[refuse]).toBeGreaterThan(0);
    expect(never(pp.modelCoverage!)).toContain(accept);
    expect(mutant.modelCoverage!.hits[accept]).toBeGreaterThan(0);
    expect(never(mutant.modelCoverage!)).toContain(refuse);
  });

  it('counts each exploration alone, and not the rebuilding of its counterexample path', () => {
    const w = makeWorld({ profile: 'pp-no-spent-record', adversary: 'replay', nodes: 3, users: 2, requests: 1, maxAttacks: 1 });
    const a = explore(w, { depth: 20, maxStates: 100_000 });
    const b = explore(w, { depth: 20, maxStates: 100_000 });
    expect(a.counterexample).not.toBeNull();
    expect(b.ruleHits).toEqual(a.ruleHits);
    expect(Array.from(w.hits)).toEqual(a.ruleHits);
    // The spent token accepted again is the last successor generated: the search stops at the violation it causes.
    expect(a.ruleHits[ruleIndex('client: asks the issuer for tokens')]).toBeGreaterThan(0);
    expect(a.ruleHits[ruleIndex('gateway: accepts a spent token again (token-spend off)')]).toBe(1);
  });
});

describe('explore coverage: concrete engine and confirmation (machine transitions)', () => {
  it('concrete: the union over every simulator run, deeper reaches a superset; never-reached lists what no run took', async () => {
    const run = async (depth: number) => (await runExplore({ spec: { ...matrix(), profile: 'pp' }, adversaries: ['malicious-relay'], bounds: { depth, maxStates: 10_000 }, workers: 1, requests: 1, attacks: 1, engine: 'concrete' }, clock)).file;
    const shallow = await run(2);
    const deep = await run(6);
    expect(deep.modelCoverage).toBeNull();
    const c = deep.coverage!;
    expect(c.machines.map((m) => m.machine)).toEqual(['client', 'relay', 'gateway', 'host', 'enclave', 'issuer', 'log']);
    expect(c.transitions.total).toBe(allTransitions().length);
    expect(c.transitions.reached).toBeGreaterThan(shallow.coverage!.transitions.reached);
    for (const id of Object.keys(shallow.coverage!.hits!)) expect(c.hits![id], id).toBeGreaterThanOrEqual(shallow.coverage!.hits![id]!);
    expect(c.hits!['issuer: serving --TOKEN_REQUEST--> (self)']).toBeGreaterThan(0);
    // The matrix world has no opted-out user, and no run of depth 6 gets as far as an answer.
    expect(machineNever(c)).toContain('client: (root) --TASK[blocked]--> (self)');
    expect(machineNever(c)).toContain('client: opening --RESPONSE_OK[isCurrent]--> idle');
    expect(deep.confirmationCoverage).toBeNull();
  }, 300_000);

  it('confirmation of a symbolic counterexample: its concrete runs, labelled apart; the spend guard switched off is never taken', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pph-explore-cov-'));
    const io = memoryIo();
    const code = await command.run(['scenarios/matrix.yaml', '--profile', 'pp-no-spent-record', '--adversary', 'replay', '--out', out], io);
    expect(code).toBe(1);
    const text = readFileSync(join(out, 'explore.json'), 'utf8');
    const f = parseJsonFile(ExploreFileSchema, text, 'explore.json');
    const cc = f.confirmationCoverage!;
    expect(cc.transitions.reached).toBeGreaterThan(0);
    expect(cc.hits!['gateway: serving --TOKEN_VALID[at(checking-token)]--> (self)']).toBeGreaterThan(0);
    expect(machineNever(cc)).toContain('gateway: serving --TOKEN_VALID[and(at(checking-token),spends)]--> (self)');
    expect(machineNever(cc)).toContain('gateway: serving --DOUBLE_SPEND[at(spending)]--> (self)');
    expect(f.modelCoverage!.hits!['gateway: accepts a spent token again (token-spend off)']).toBe(1);
    expect(io.stdout.some((l) => /^model rules reached: \d+ of \d+ \(client \d+\/\d+, /.test(l))).toBe(true);
    // The reports show both, with the never-reached lists.
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('### Model-rule coverage (symbolic engine, profile pp-no-spent-record)');
    expect(md).toContain('- `gateway: refuses a spent token (token-spend)`');
    expect(md).toContain('- `adversary: tag` (its adversary was not explored)');
    expect(md).toContain('#### Transition coverage of the confirmation');
    expect(md).toContain('- `gateway: serving --TOKEN_VALID[and(at(checking-token),spends)]--> (self)`');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<section id="coverage-explore"><h2>Model-rule coverage');
    expect(html).toContain('<section id="coverage-confirmation">');
    expect(html).toContain('<code>gateway: refuses a spent token (token-spend)</code>');
    // The schema checks the new fields (a reader such as pph report or pph reproduce validates them).
    const bad = JSON.parse(text);
    bad.modelCoverage.parties = 'none';
    expect(() => parseJsonFile(ExploreFileSchema, JSON.stringify(bad), 'explore.json')).toThrow(ReportInputError);
    expect(() => parseJsonFile(ExploreFileSchema, JSON.stringify(bad), 'explore.json')).toThrow(/modelCoverage\.parties/);
  }, 300_000);
});
