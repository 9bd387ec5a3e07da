/**
 * `junit.xml`: the results in the JUnit shape every CI shows inline
 * (`testsuites > testsuite[name,tests,failures] > testcase[name,classname] > failure[message]`).
 * One test case per expectation of reports/verdict.ts (invariant of a run or campaign, goodput,
 * required coverage mark, baseline matrix cell, mutant, bench figure, metadata curve, adversary
 * searched by `pph explore` and its concrete confirmation), so the
 * failure count is the verdict's. A failure carries the proof events and the line that reproduces it.
 */
import type { ReportInput } from './report-input.js';
import type { Manifest } from './schemas.js';
import { decideVerdict, exploreReplayLine, exploreReproduceLine } from './verdict.js';

export { BENCH_RATIO_TO_FLOOR_MAX } from './verdict.js';

export interface TestCase {
  name: string;
  classname: string;
  timeSec?: number;
  failure?: { message: string; body: string };
  /** A note that is not a failure (JUnit `system-out`). */
  systemOut?: string;
}

export interface TestSuite {
  name: string;
  timeSec?: number;
  /** When the suite started (JUnit `timestamp`, ISO 8601 without zone). */
  timestamp?: string;
  hostname?: string;
  /** JUnit `<properties>`: seed, hashes, the replay line. */
  properties?: [string, string][];
  cases: TestCase[];
}

export interface JunitOptions {
  /** How the results folder is named in reproduce lines (default: `input.dir`). */
  dirLabel?: string;
  /** The manifest being written with it (default: the folder's manifest.json): timestamp, hostname, versions. */
  manifest?: Manifest | null;
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

/** The properties of a suite: what identifies and reproduces it. */
function suiteProps(input: ReportInput, group: string, manifest: Manifest | null | undefined, dirLabel: string): [string, string][] {
  const props: [string, string][] = [];
  const m = manifest;
  if (m) {
    props.push(['pph.version', m.pphVersion]);
    if (m.gitCommit) props.push(['git.commit', m.gitCommit]);
    if (m.command) props.push(['command', `pph ${m.command.join(' ')}`]);
  }
  if (group === 'run' && input.run) {
    const r = input.run.result;
    props.push(['seed', String(r.seed)], ['scenario', r.scenario], ['scenario.hash', r.scenarioHash], ['trace.hash', r.traceHash], ['profile', r.profile], ['replay', `pph run ${r.scenarioRef ?? r.scenario} --seed ${r.seed}`]);
  } else if (group === 'campaign' && input.campaign) {
    const k = input.campaign.campaign;
    props.push(['seed', String(k.seed)], ['scenario', k.scenario], ['scenario.hash', k.scenarioHash], ['profile', k.profile], ['runs', String(k.runs)]);
    if (k.runsPlanned !== undefined) props.push(['runs.planned', String(k.runsPlanned)]);
    for (const r of k.replays) props.push([`replay.${r.invariant}.${r.runIndex}`, `pph replay ${r.file}`]);
    for (const r of k.replays) props.push([`trace.hash.${r.runIndex}`, r.traceHash]);
  } else if (group.startsWith('matrix') && input.matrix) {
    const mx = input.matrix;
    props.push(['seed', String(mx.seed)]);
    const profile = group.slice('matrix:'.length);
    const sc = mx.scenarios?.find((x) => x.name.endsWith(`-${profile}`));
    if (sc) props.push(['scenario.hash', sc.hash]);
    if (profile === 'mutants') {
      props.push(['kill.rounds', String(mx.killRounds ?? mx.runs)], ['runs', String(matrixMutantRuns(mx))]);
    } else props.push(['profile', profile], ['runs.per.cell', String(mx.runs)]);
  } else if (group === 'bench' && input.bench) {
    const b = input.bench;
    if (b.machine.cpu) props.push(['machine.cpu', b.machine.cpu]);
    if (b.machine.node) props.push(['node', b.machine.node]);
    if (b.floorUs !== null) props.push(['floor.us', String(b.floorUs)]);
  } else if (group === 'metadata' && input.metadata) {
    const md = input.metadata;
    if (md.seed !== undefined) props.push(['seed', String(md.seed)]);
    if (md.requests !== undefined) props.push(['requests', String(md.requests)]);
  } else if (group === 'explore' && input.explore) {
    const f = input.explore.file;
    props.push(['engine', f.engine], ['scenario', f.scenario], ['profile', f.profile], ['depth.bound', String(f.bounds.depth)], ['max.states', String(f.bounds.maxStates)], ['states', String(f.states)], ['transitions', String(f.transitions)], ['depth.reached', String(f.depthReached)]);
    if (f.scenarioHash) props.push(['scenario.hash', f.scenarioHash]);
    props.push(['world', `${f.world.nodes} nodes, ${f.world.users} users, ${f.world.requests} requests, ≤ ${f.world.maxAttacks} attacker actions`]);
    const replay = exploreReplayLine(input.explore, dirLabel);
    if (replay) props.push(['replay', replay]);
    props.push(['reproduce', exploreReproduceLine(f)]);
  }
  return props;
}

/** Runs the mutant search spent: per mutant, the runs of one invariant's cells summed over attackers. */
function matrixMutantRuns(m: NonNullable<ReportInput['matrix']>): number {
  return m.mutants.reduce((a, mu) => a + runsOfProfile(m, mu.profile), 0);
}

function runsOfProfile(m: NonNullable<ReportInput['matrix']>, profile: string): number {
  const first = m.invariants[0];
  return m.cells.filter((c) => c.profile === profile && c.invariant === first).reduce((a, c) => a + c.runs, 0);
}

function suiteName(input: ReportInput, group: string): string {
  if (group === 'run' && input.run) return `pph run ${input.run.result.scenario} seed=${input.run.result.seed}`;
  if (group === 'campaign' && input.campaign) {
    const k = input.campaign.campaign;
    return `pph campaign ${k.scenario} profile=${k.profile} seed=${k.seed} runs=${k.runs}`;
  }
  if (group === 'matrix:mutants' && input.matrix) return `pph matrix mutants seed=${input.matrix.seed} kill-rounds=${input.matrix.killRounds ?? input.matrix.runs} runs=${matrixMutantRuns(input.matrix)}`;
  if (group.startsWith('matrix:') && input.matrix) {
    const profile = group.slice('matrix:'.length);
    return `pph matrix profile=${profile} seed=${input.matrix.seed} runs=${input.matrix.runs} per cell (${runsOfProfile(input.matrix, profile)} runs)`;
  }
  if (group === 'explore' && input.explore) {
    const f = input.explore.file;
    return `pph explore ${f.scenario} profile=${f.profile} depth<=${f.bounds.depth} states=${f.states}`;
  }
  return `pph ${group}`;
}

/** Wall time of a group in seconds, when the folder knows it. */
function groupSeconds(input: ReportInput, group: string, groups: number, manifest: Manifest | null | undefined): number {
  if (group === 'campaign' && input.campaign) return input.campaign.campaign.wallMs / 1000;
  if (group === 'explore' && input.explore) return input.explore.file.wallMs / 1000;
  const wall = input.matrix?.wallMs ?? manifest?.wallMs ?? null;
  return wall === null ? 0 : wall / 1000 / Math.max(1, groups);
}

/** JUnit's timestamp: ISO 8601 without zone or fraction (the XSD's xs:dateTime pattern CI tools read). */
function junitTimestamp(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? m[1] : undefined;
}

/**
 * The suites of a results folder: one test case per check of {@link decideVerdict}, in its order
 * (run, campaign, matrix per profile and mutants, bench, metadata), so `failures` is the verdict's
 * count of failed expectations. A case's `time` is its suite's wall time shared evenly (pph does not
 * time invariants one by one); notes (a missed bench goal, a listed survivor) go to `system-out`.
 */
export function junitSuites(input: ReportInput, options: JunitOptions = {}): TestSuite[] {
  const verdict = decideVerdict(input, { dirLabel: options.dirLabel ?? input.dir });
  const groups = [...new Set(verdict.checks.map((c) => c.group))];
  const manifest = options.manifest === undefined ? input.manifest : options.manifest;
  const timestamp = junitTimestamp(manifest?.startedAt);
  const hostname = manifest?.hostname ?? 'unknown';
  return groups.map((group) => {
    const checks = verdict.checks.filter((c) => c.group === group);
    const sec = groupSeconds(input, group, groups.length, manifest);
    const classname = group === 'run' && input.run ? `pph.run.${input.run.result.scenario}` : group === 'campaign' && input.campaign ? `pph.campaign.${input.campaign.campaign.scenario}.${input.campaign.campaign.profile}` : group === 'explore' && input.explore ? `pph.explore.${input.explore.file.scenario}.${input.explore.file.profile}` : `pph.${group.replace(':', '.')}`;
    return {
      name: suiteName(input, group),
      timeSec: sec,
      timestamp,
      hostname,
      properties: suiteProps(input, group, manifest, options.dirLabel ?? input.dir),
      cases: checks.map((c): TestCase => ({
        name: c.name,
        classname,
        timeSec: checks.length ? sec / checks.length : 0,
        ...(c.ok ? {} : { failure: { message: c.message ?? `${c.name} failed`, body: (c.detail ?? [c.message ?? c.name]).join('\n') } }),
        ...(c.note ? { systemOut: c.note } : {}),
      })),
    };
  });
}

const time = (sec: number | undefined) => (sec === undefined ? '' : ` time="${sec.toFixed(3)}"`);

/** Serialises suites as JUnit XML. */
export function junitXmlFromSuites(suites: readonly TestSuite[], name = 'pph'): string {
  const failures = (cs: readonly TestCase[]) => cs.filter((c) => c.failure).length;
  const all = suites.flatMap((s) => s.cases);
  const total = suites.reduce((a, s) => a + (s.timeSec ?? 0), 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlEscape(name)}" tests="${all.length}" failures="${failures(all)}" errors="0"${time(total)}>`];
  suites.forEach((s, id) => {
    const stamp = s.timestamp ? ` timestamp="${xmlEscape(s.timestamp)}"` : '';
    const host = s.hostname ? ` hostname="${xmlEscape(s.hostname)}"` : '';
    lines.push(`  <testsuite name="${xmlEscape(s.name)}" id="${id}" tests="${s.cases.length}" failures="${failures(s.cases)}" errors="0" skipped="0"${time(s.timeSec ?? 0)}${stamp}${host}>`);
    if (s.properties && s.properties.length > 0) {
      lines.push('    <properties>');
      for (const [k, v] of s.properties) lines.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
      lines.push('    </properties>');
    }
    for (const c of s.cases) {
      const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}"${time(c.timeSec ?? 0)}`;
      if (!c.failure && !c.systemOut) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      if (c.failure) lines.push(`      <failure message="${xmlEscape(c.failure.message)}" type="pph.expectation">${xmlEscape(c.failure.body)}</failure>`);
      if (c.systemOut) lines.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  });
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
