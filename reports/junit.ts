/**
 * `junit.xml`: the results in the JUnit shape every CI shows inline
 * (`testsuites > testsuite[name,tests,failures] > testcase[name,classname] > failure[message]`).
 * One test case per invariant of a run or campaign, per matrix cell, per mutant and per bench
 * runner. A failure carries the proof events and the exact line that reproduces it.
 */
import { join } from 'node:path';
import { formatEvent, type TraceEvent } from '../sim/trace.js';
import { campaignExpectation, type ReportInput } from './report-input.js';

/** The hot path may cost at most this multiple of its node:crypto floor (bench gate). */
export const BENCH_RATIO_TO_FLOOR_MAX = 1.5;

export interface TestCase {
  name: string;
  classname: string;
  timeSec?: number;
  failure?: { message: string; body: string };
}

export interface TestSuite {
  name: string;
  timeSec?: number;
  cases: TestCase[];
}

export interface JunitOptions {
  /** How the results folder is named in reproduce lines (default: `input.dir`). */
  dirLabel?: string;
}

/** XML 1.0 text: escapes markup and drops characters XML cannot carry. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function proofLines(proof: readonly { event: number; why: string }[], trace: readonly TraceEvent[] | null | undefined): string[] {
  const out: string[] = [];
  for (const p of proof) {
    out.push(`event ${p.event}: ${p.why}`);
    const e = trace?.find((x) => x.i === p.event);
    if (e) out.push(`  ${formatEvent(e).trim()}`);
  }
  return out;
}

function runSuite(run: NonNullable<ReportInput['run']>): TestSuite {
  const r = run.result;
  const reproduce = `reproduce: pph run ${r.scenarioRef ?? r.scenario} --seed ${r.seed}`;
  const cases = Object.entries(r.verdicts).map(([id, v]): TestCase => {
    const tc: TestCase = { name: id, classname: `pph.run.${r.scenario}` };
    if (!v.ok) {
      const message = v.holds ? `${id} holds, expected a violation` : `${id} VIOLATED, expected to hold`;
      const body = [message, `seed ${r.seed}  scenario ${r.scenarioHash}  trace ${r.traceHash}`, ...proofLines(v.proof, run.trace), reproduce];
      tc.failure = { message, body: body.join('\n') };
    }
    return tc;
  });
  return { name: `pph run ${r.scenario} seed=${r.seed}`, cases };
}

function campaignSuite(c: NonNullable<ReportInput['campaign']>, dirLabel: string): TestSuite {
  const k = c.campaign;
  const cases = Object.entries(k.violations).map(([inv, count]): TestCase => {
    const tc: TestCase = { name: inv, classname: `pph.campaign.${k.scenario}.${k.profile}` };
    const observed = count > 0 ? 'violated' : 'holds';
    const expected = campaignExpectation(c, inv);
    if (observed !== expected) {
      const message = observed === 'violated' ? `${inv} VIOLATED in ${count} of ${k.runs} runs, expected to hold` : `${inv} held in all ${k.runs} runs, expected a violation`;
      const body = [message, `seed ${k.seed}  scenario ${k.scenarioHash}  profile ${k.profile}`];
      if (k.firstViolation[inv] !== undefined) body.push(`first violation: run ${k.firstViolation[inv]}`);
      for (const entry of c.replays.filter((r) => r.replay?.verdicts[inv] && !r.replay.verdicts[inv]!.holds)) {
        body.push(...proofLines(entry.replay!.verdicts[inv]!.proof, entry.replay!.trace));
      }
      for (const r of k.replays.filter((x) => x.invariant === inv)) body.push(`reproduce: pph replay ${join(dirLabel, r.file)}`);
      tc.failure = { message, body: body.join('\n') };
    }
    return tc;
  });
  return { name: `pph campaign ${k.scenario} profile=${k.profile} seed=${k.seed} runs=${k.runs}`, timeSec: k.wallMs / 1000, cases };
}

function matrixSuites(m: NonNullable<ReportInput['matrix']>, replays: ReportInput['matrixReplays'], dirLabel: string): TestSuite[] {
  const replayOf = (file: string | null) => (file === null ? null : (replays ?? []).find((r) => r.file === file)?.replay ?? null);
  const suites: TestSuite[] = m.profiles.map((profile) => ({
    name: `pph matrix profile=${profile} seed=${m.seed} runs=${m.runs}`,
    cases: m.cells
      .filter((c) => c.profile === profile)
      .map((c): TestCase => {
        const tc: TestCase = { name: `${c.adversary} x ${c.invariant}`, classname: `pph.matrix.${profile}` };
        if (c.observed !== c.expected) {
          const message = `${c.invariant} under ${c.adversary}: ${c.observed === 'violated' ? 'VIOLATED, expected to hold' : 'held, expected a violation'} (${c.runs} runs)`;
          const body = [message];
          const replay = replayOf(c.replay);
          const verdict = replay?.verdicts[c.invariant];
          if (replay && verdict) body.push(`seed ${replay.seed}  scenario ${replay.scenarioHash}  trace ${replay.traceHash}`, ...proofLines(verdict.proof, replay.trace as TraceEvent[] | undefined));
          body.push(c.replay ? `reproduce: pph replay ${join(dirLabel, c.replay)}` : `reproduce: pph matrix --runs ${m.runs} --seed ${m.seed}`);
          tc.failure = { message, body: body.join('\n') };
        }
        return tc;
      }),
  }));
  if (m.mutants.length > 0) {
    suites.push({
      name: 'pph matrix mutants',
      cases: m.mutants.map((mu): TestCase => {
        const tc: TestCase = { name: `mutant ${mu.profile} is killed`, classname: 'pph.matrix.mutants' };
        if (!mu.killed) {
          const message = `mutant ${mu.profile} survived ${m.runs} runs: no invariant caught it`;
          tc.failure = { message, body: `${message}\nreproduce: pph matrix --runs ${m.runs} --seed ${m.seed}` };
        }
        return tc;
      }),
    });
  }
  return suites;
}

function benchSuite(b: NonNullable<ReportInput['bench']>): TestSuite {
  const cases = Object.entries(b.hotPath ?? {}).map(([runner, h]): TestCase => {
    const tc: TestCase = { name: `${runner} within ${BENCH_RATIO_TO_FLOOR_MAX}x of the floor`, classname: 'pph.bench.hot-path' };
    if (h.ratioToFloor !== null && h.ratioToFloor > BENCH_RATIO_TO_FLOOR_MAX) {
      const message = `${runner}: ${h.meanUs.toFixed(1)} µs is ${h.ratioToFloor.toFixed(2)}x the floor (${b.floorUs ?? '?'} µs), limit ${BENCH_RATIO_TO_FLOOR_MAX}x`;
      tc.failure = { message, body: `${message}\nreproduce: pph bench` };
    }
    return tc;
  });
  return { name: 'pph bench', cases };
}

/** The suites of a results folder, in the order: run, campaign, matrix, bench. */
export function junitSuites(input: ReportInput, options: JunitOptions = {}): TestSuite[] {
  const dirLabel = options.dirLabel ?? input.dir;
  const suites: TestSuite[] = [];
  if (input.run) suites.push(runSuite(input.run));
  if (input.campaign) suites.push(campaignSuite(input.campaign, dirLabel));
  if (input.matrix) suites.push(...matrixSuites(input.matrix, input.matrixReplays, dirLabel));
  if (input.bench) suites.push(benchSuite(input.bench));
  return suites;
}

const time = (sec: number | undefined) => (sec === undefined ? '' : ` time="${sec.toFixed(3)}"`);

/** Serialises suites as JUnit XML. */
export function junitXmlFromSuites(suites: readonly TestSuite[], name = 'pph'): string {
  const failures = (cs: readonly TestCase[]) => cs.filter((c) => c.failure).length;
  const all = suites.flatMap((s) => s.cases);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlEscape(name)}" tests="${all.length}" failures="${failures(all)}" errors="0">`];
  for (const s of suites) {
    lines.push(`  <testsuite name="${xmlEscape(s.name)}" tests="${s.cases.length}" failures="${failures(s.cases)}" errors="0" skipped="0"${time(s.timeSec)}>`);
    for (const c of s.cases) {
      const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}"${time(c.timeSec)}`;
      if (!c.failure) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      lines.push(`      <failure message="${xmlEscape(c.failure.message)}" type="pph.expectation">${xmlEscape(c.failure.body)}</failure>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

/**
 * `junit.xml` of a results folder.
 *
 * @example
 * writeFileSync('results/junit.xml', junitXml(loadReportInput('results')));
 */
export function junitXml(input: ReportInput, options: JunitOptions = {}): string {
  return junitXmlFromSuites(junitSuites(input, options));
}
