import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { junitXml } from '../../reports/junit.js';
import { loadReportInput, type ReportInput } from '../../reports/report-input.js';
import { cellStatus } from '../../reports/html-matrix.js';
import { once } from '../invariants/small-world.js';
import { makeBenchFile, makeCampaignFolder, makeMatrixFolder, makeRunFolder, tempDir } from './fixtures.js';
import { parseXml, type XmlElement } from './xml.js';

const base = once(() => tempDir('junit'));
const clean = once(() => {
  const dir = join(base(), 'run');
  makeRunFolder(dir);
  return loadReportInput(dir);
});
const broken = once(() => {
  const dir = join(base(), 'run-bugs');
  makeRunFolder(dir, { bugs: { enclaveLogsPlaintextToHost: true, ignoreConsent: true } });
  return loadReportInput(dir);
});
const campaign = once(() => {
  const dir = join(base(), 'campaign');
  makeCampaignFolder(dir);
  return loadReportInput(dir);
});
const matrix = once(() => {
  const dir = join(base(), 'matrix');
  makeMatrixFolder(dir);
  return loadReportInput(dir);
});

/** The JUnit shape CI servers read, with every count attribute checked against the children. */
function checkShape(root: XmlElement): { suites: XmlElement[]; cases: XmlElement[]; failures: XmlElement[] } {
  expect(root.name).toBe('testsuites');
  const suites = root.children;
  expect(suites.length).toBeGreaterThan(0);
  const cases: XmlElement[] = [];
  const failures: XmlElement[] = [];
  for (const s of suites) {
    expect(s.name).toBe('testsuite');
    expect(s.attrs.name).toBeTruthy();
    expect(s.attrs.time).toMatch(/^\d+\.\d{3}$/);
    expect(s.attrs.hostname).toBeTruthy();
    const [props, ...sCases] = s.children[0]?.name === 'properties' ? s.children : [undefined, ...s.children];
    for (const p of props?.children ?? []) {
      expect(p.name).toBe('property');
      expect(p.attrs.name).toBeTruthy();
      expect(p.attrs.value).toBeDefined();
    }
    for (const c of sCases as XmlElement[]) {
      expect(c.name).toBe('testcase');
      expect(c.attrs.name).toBeTruthy();
      expect(c.attrs.classname).toMatch(/^pph\./);
      expect(c.attrs.time, 'time on every test case').toMatch(/^\d+\.\d{3}$/);
      expect(c.children.filter((x) => x.name === 'failure').length).toBeLessThanOrEqual(1);
      for (const f of c.children) {
        expect(['failure', 'system-out']).toContain(f.name);
        if (f.name !== 'failure') continue;
        expect(f.attrs.message).toBeTruthy();
        expect(f.text.length).toBeGreaterThan(0);
        failures.push(f);
      }
    }
    const sFailures = (sCases as XmlElement[]).filter((c) => c.children.some((x) => x.name === 'failure')).length;
    expect(Number(s.attrs.tests)).toBe(sCases.length);
    expect(Number(s.attrs.failures)).toBe(sFailures);
    expect(s.attrs.errors).toBe('0');
    cases.push(...(sCases as XmlElement[]));
  }
  expect(Number(root.attrs.tests)).toBe(cases.length);
  expect(Number(root.attrs.failures)).toBe(failures.length);
  return { suites, cases, failures };
}

describe('junit.xml', () => {
  it('a clean run: one passing test case per invariant and one for the goodput; properties seed, hashes, replay line', () => {
    const input = clean();
    const root = parseXml(junitXml(input));
    const { cases, failures, suites } = checkShape(root);
    expect(cases.map((c) => c.attrs.name)).toEqual([...Object.keys(input.run!.result.verdicts), 'answered > 0']);
    expect(failures).toEqual([]);
    const props = Object.fromEntries(suites[0]!.children[0]!.children.map((p) => [p.attrs.name, p.attrs.value]));
    const r = input.run!.result;
    expect(props).toMatchObject({ seed: String(r.seed), 'trace.hash': r.traceHash, 'scenario.hash': r.scenarioHash, replay: `pph run tiny.yaml --seed ${r.seed}` });
  });

  it('timestamp and hostname come from the manifest written with it', () => {
    const input = clean();
    const manifest = { kind: 'manifest', pphVersion: '0.1.0', gitCommit: null, node: 'v20', lockfileSha256: null, command: ['run', 'tiny.yaml'], results: 'run', scenarios: [], seeds: [1], budgets: {}, wallMs: 2500, startedAt: '2026-12-01T21:00:00.123Z', hostname: 'ci-7' } as const;
    const { suites, cases } = checkShape(parseXml(junitXml(input, { manifest: { ...manifest, scenarios: [], seeds: [1], budgets: {}, command: ['run', 'tiny.yaml'] } })));
    expect(suites[0]!.attrs).toMatchObject({ timestamp: '2026-12-01T21:00:00', hostname: 'ci-7', time: '2.500' });
    expect(cases.reduce((a, c) => a + Number(c.attrs.time), 0)).toBeCloseTo(2.5, 2);
  });

  it('a run with violations: the failures carry the proof events and the reproduce line', () => {
    const input = broken();
    const { failures, cases } = checkShape(parseXml(junitXml(input)));
    const violated = Object.entries(input.run!.result.verdicts).filter(([, v]) => !v.ok);
    expect(violated.map(([id]) => id).sort()).toEqual(['confidentiality', 'consent']);
    expect(failures).toHaveLength(violated.length);
    for (const [id, v] of violated) {
      const c = cases.find((x) => x.attrs.name === id)!;
      const body = c.children[0]!.text;
      expect(c.children[0]!.attrs.message).toContain(`${id} VIOLATED`);
      expect(c.children[0]!.name).toBe('failure');
      for (const p of v.proof) expect(body).toContain(`event ${p.event}: ${p.why}`);
      expect(body).toContain(`trace ${input.run!.result.traceHash}`);
      expect(body.trim().split('\n').pop()).toBe('reproduce: pph run tiny.yaml --seed 1');
    }
  });

  it('a campaign: the unexpected violation names its replay with `pph replay <file>`', () => {
    const input = campaign();
    const k = input.campaign!.campaign;
    const { cases, failures } = checkShape(parseXml(junitXml(input, { dirLabel: 'results/c' })));
    expect(cases).toHaveLength(Object.keys(k.violations).length);
    const violated = Object.entries(k.violations).filter(([, n]) => n > 0).map(([id]) => id);
    expect(violated).toContain('liveness');
    expect(failures).toHaveLength(violated.length);
    const live = cases.find((c) => c.attrs.name === 'liveness')!.children[0]!;
    const replay = k.replays.find((r) => r.invariant === 'liveness')!;
    expect(live.text).toContain(`pph replay results/c/${replay.file}`);
    const proof = input.campaign!.replays.find((r) => r.file === replay.file)!.replay!.verdicts.liveness!.proof;
    expect(proof.length).toBeGreaterThan(0);
    expect(live.text).toContain(`event ${proof[0]!.event}: ${proof[0]!.why}`);
  });

  it('a matrix: one test case per baseline cell and per mutant; failures = unexpected cells + surviving mutants', () => {
    const input = matrix();
    const m = input.matrix!;
    const { suites, cases, failures } = checkShape(parseXml(junitXml(input, { dirLabel: 'm' })));
    expect(suites.map((s) => s.attrs.name)).toEqual([`pph matrix profile=pp seed=1 runs=1 per cell (${m.adversaries.length} runs)`, 'pph matrix mutants seed=1 kill-rounds=1 runs=0']);
    expect(cases).toHaveLength(m.cells.length + m.mutants.length);
    const unexpected = m.cells.filter((c) => cellStatus(c) === 'unexpected');
    const survived = m.mutants.filter((x) => !x.killed);
    expect(failures).toHaveLength(unexpected.length + survived.length);
    expect(unexpected.length + survived.length).toBeGreaterThan(0);
    for (const c of m.cells.filter((x) => cellStatus(x) !== 'unexpected')) {
      expect(cases.find((x) => x.attrs.name === `${c.adversary} x ${c.invariant}`)!.children).toEqual([]);
    }
  });

  it('a matrix failure with a replay carries its proof and `pph replay`', () => {
    const input = matrix();
    // The fixture's matrix, with the expectation of a violated cell turned around: the failure must
    // now explain the violation from its replay file.
    const m = structuredClone(input.matrix!);
    const cell = m.cells.find((c) => c.observed === 'violated' && c.replay)!;
    cell.expected = 'holds';
    const { cases } = checkShape(parseXml(junitXml({ ...input, matrix: m }, { dirLabel: 'm' })));
    const failure = cases.find((x) => x.attrs.name === `${cell.adversary} x ${cell.invariant}`)!.children[0]!;
    const proof = input.matrixReplays!.find((r) => r.file === cell.replay)!.replay!.verdicts[cell.invariant]!.proof;
    expect(failure.text).toContain(`event ${proof[0]!.event}: ${proof[0]!.why}`);
    expect(failure.text).toContain(`reproduce: pph replay m/${cell.replay}`);
  });

  it('a bench: a test case per figure; a runner over the goal is a note with the paired figures, not a failure', () => {
    const dir = join(base(), 'bench');
    makeBenchFile(dir);
    const input = loadReportInput(dir);
    const { cases, failures } = checkShape(parseXml(junitXml(input)));
    expect(cases).toHaveLength(Object.keys(input.bench!.suites).length + Object.keys(input.bench!.hotPath!).length);
    expect(failures).toEqual([]);
    const over = cases.find((c) => c.attrs.name === 'hot path on inner session seal+open measured')!;
    expect(over.children.map((x) => x.name)).toEqual(['system-out']);
    expect(over.children[0]!.text).toMatch(/^inner session seal\+open: 1\.82× the floor \(paired with the floor\); goal ≤ 1\.5×: missed/);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    const input = broken();
    const nasty = `<script>alert("x")</script> & 'quotes' ]]> \u0001\u0008 end`;
    const run = structuredClone(input.run!);
    run.result.verdicts.consent!.proof = [{ event: 0, why: nasty }];
    const text = junitXml({ ...input, run } as ReportInput);
    expect(text).not.toContain('<script>');
    const { cases } = checkShape(parseXml(text));
    const body = cases.find((c) => c.attrs.name === 'consent')!.children[0]!.text;
    expect(body).toContain(`event 0: <script>alert("x")</script> & 'quotes' ]]> \uFFFD\uFFFD end`);
  });
});

describe('the test XML reader', () => {
  it('refuses what is not well formed, so the checks above cannot pass vacuously', () => {
    for (const bad of ['<a><b></a>', '<a>x & y</a>', '<a b=1/>', '<a>1 < 2</a>', '<a b="1" b="2"/>', '<a>', '<a/><b/>', '<a>&bogus;</a>']) {
      expect(() => parseXml(bad), bad).toThrow(/XML/);
    }
    expect(parseXml('<?xml version="1.0"?>\n<a x="&lt;&amp;&#65;"><b>t&gt;</b></a>\n')).toEqual({
      name: 'a',
      attrs: { x: '<&A' },
      children: [{ name: 'b', attrs: {}, children: [], text: 't>' }],
      text: '',
    });
  });
});
