/**
 * Transition coverage in the reports (issue 12 item 3): per machine, the transitions reached of
 * all the machine defines, and the list of those no run reached; the same figures in summary.md
 * and index.html. Coverage is a fact about the search, never part of a verdict.
 */
import { esc, table } from './html-kit.js';

/** What the sections read of a coverage (reports/schemas.ts CoverageSchema, sim/coverage.ts CoverageSummary). */
export interface CoverageFile {
  transitions: { total: number; reached: number; percent: number };
  machines: readonly { machine: string; total: number; reached: number; percent: number; never: readonly string[] }[];
  marks?: number;
}

/** One row per group (machine or party): reached of total with a bar. */
interface CoverageGroup {
  readonly total: number;
  readonly reached: number;
  readonly percent: number;
}
function groupRows<G extends CoverageGroup>(groups: readonly G[], name: (g: G) => string) {
  return groups.map((g) => ({
    cls: g.reached === g.total ? 'ok' : '',
    cells: [esc(name(g)), String(g.reached), String(g.total), `<span class="cov-bar" style="display:inline-block;width:${Math.round(g.percent)}px;height:0.7em;background:#4a8"></span> ${g.percent}%`],
  }));
}
/** The markdown table of groups, then the never-reached list (or `all`). */
function groupsMarkdown(column: string, groups: readonly (CoverageGroup & { name: string })[], never: readonly string[], note: (id: string) => string, all: string): string[] {
  const out = [`| ${column} | reached | total | coverage |`, '|---|---|---|---|', ...groups.map((g) => `| ${g.name.replace(/\|/g, '\\|')} | ${g.reached} | ${g.total} | ${g.percent}% |`), ''];
  if (never.length > 0) out.push('Never reached:', '', ...never.map((id) => `- \`${id.replace(/`/g, "'")}\`${note(id)}`), '');
  else out.push(all, '');
  return out;
}

/** Markdown: one table per coverage (per machine), then the never-reached transitions. */
export function coverageMarkdown(title: string, cov: CoverageFile, level = '###'): string[] {
  const t = cov.transitions;
  const out = [`${level} ${title}`, '', `Transitions reached: ${t.reached} of ${t.total} (${t.percent}%)${cov.marks !== undefined ? `; distinct coverage marks reached: ${cov.marks}` : ''}.`, ''];
  out.push(...groupsMarkdown('machine', cov.machines.map((m) => ({ ...m, name: m.machine })), cov.machines.flatMap((m) => m.never), () => '', 'Every transition was reached.'));
  return out;
}

/** HTML: a per-machine table with a bar per machine and the never-reached list. */
export function coverageHtml(id: string, title: string, cov: CoverageFile): string {
  const t = cov.transitions;
  const rows = groupRows(cov.machines, (m) => m.machine);
  const never = cov.machines.flatMap((m) => m.never);
  return [
    `<section id="${esc(id)}"><h2>${esc(title)}</h2>`,
    `<p>Transitions reached: <b>${t.reached}</b> of ${t.total} (${t.percent}%)${cov.marks !== undefined ? `; distinct coverage marks reached: ${cov.marks}` : ''}. Every transition of every party machine (xstate state nodes: events, guards, targets; sim/coverage.ts).</p>`,
    table(['machine', 'reached', 'total', 'coverage'], rows, 'data coverage'),
    never.length > 0 ? `<details open><summary>Never reached (${never.length})</summary><ul class="never">${never.map((n) => `<li><code>${esc(n)}</code></li>`).join('')}</ul></details>` : '<p>Every transition was reached.</p>',
    '</section>',
  ].join('\n');
}

/** Per-profile coverage of a matrix: one table row per profile and machine column. */
export function matrixCoverageMarkdown(coverage: Record<string, CoverageFile>): string[] {
  const profiles = Object.keys(coverage);
  if (profiles.length === 0) return [];
  const machines = [...new Set(profiles.flatMap((p) => coverage[p]!.machines.map((m) => m.machine)))];
  const out = ['### Transition coverage per profile', '', `| profile | all | ${machines.join(' | ')} |`, `|---|---|${machines.map(() => '---').join('|')}|`];
  for (const p of profiles) {
    const c = coverage[p]!;
    out.push(`| ${p} | ${c.transitions.reached}/${c.transitions.total} (${c.transitions.percent}%) | ${machines.map((m) => { const x = c.machines.find((y) => y.machine === m); return x ? `${x.reached}/${x.total}` : '-'; }).join(' | ')} |`);
  }
  out.push('');
  // Never reached under any profile of the matrix: the transitions no attacker exercised anywhere.
  const neverAll = profiles.map((p) => new Set(coverage[p]!.machines.flatMap((m) => m.never))).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
  if (neverAll.size > 0) out.push(`Never reached under any profile (${neverAll.size}):`, '', ...[...neverAll].map((id) => `- \`${id}\``), '');
  else out.push('Every transition was reached under some profile.', '');
  return out;
}

export function matrixCoverageHtml(coverage: Record<string, CoverageFile>): string {
  const profiles = Object.keys(coverage);
  if (profiles.length === 0) return '';
  const machines = [...new Set(profiles.flatMap((p) => coverage[p]!.machines.map((m) => m.machine)))];
  const rows = profiles.map((p) => {
    const c = coverage[p]!;
    return { cells: [esc(p), `${c.transitions.reached}/${c.transitions.total} (${c.transitions.percent}%)`, ...machines.map((m) => { const x = c.machines.find((y) => y.machine === m); return x ? `${x.reached}/${x.total}` : '-'; })] };
  });
  const details = profiles
    .map((p) => {
      const never = coverage[p]!.machines.flatMap((m) => m.never);
      return `<details><summary>${esc(p)}: never reached (${never.length})</summary><ul class="never">${never.map((n) => `<li><code>${esc(n)}</code></li>`).join('')}</ul></details>`;
    })
    .join('\n');
  return [
    '<section id="coverage-matrix"><h2>Transition coverage per profile</h2>',
    '<p>Transitions of each party machine reached by any run of the profile (every adversary), of all the machine defines (sim/coverage.ts).</p>',
    table(['profile', 'all machines', ...machines], rows, 'data coverage'),
    details,
    '</section>',
  ].join('\n');
}

/** What the sections read of a model-rule coverage (reports/schemas.ts ModelCoverageSchema, sim/explore/rules.ts). */
export interface ModelCoverageView {
  base: string;
  rules: { total: number; reached: number; percent: number };
  parties: readonly { party: string; total: number; reached: number; percent: number; never: readonly string[] }[];
  notExplored?: readonly string[];
  transitions?: Readonly<Record<string, string>>;
}

const MODEL_NOTE = 'Model rules are the steps and branches of the symbolic model (sim/explore/rules.ts: party steps, defence branches with the defence on, the same condition with it off, each adversary op), not machine transitions: the symbolic engine runs no xstate machine.';

/** Markdown: the model rules reached per party (symbolic engine), then the never-reached ones. */
export function modelCoverageMarkdown(title: string, cov: ModelCoverageView, level = '###'): string[] {
  const t = cov.rules;
  const out = [`${level} ${title}`, '', `Model rules reached: ${t.reached} of ${t.total} (${t.percent}%), the rules of the ${cov.base} model. ${MODEL_NOTE}`, ''];
  const notExplored = new Set(cov.notExplored ?? []);
  out.push(...groupsMarkdown('party', cov.parties.map((p) => ({ ...p, name: p.party })), cov.parties.flatMap((p) => p.never), (id) => (notExplored.has(id) ? ' (its adversary was not explored)' : ''), 'Every model rule was reached.'));
  return out;
}

/** HTML: per-party table of model rules with the never-reached list. */
export function modelCoverageHtml(id: string, title: string, cov: ModelCoverageView): string {
  const t = cov.rules;
  const rows = groupRows(cov.parties, (p) => p.party);
  const never = cov.parties.flatMap((p) => p.never);
  const notExplored = new Set(cov.notExplored ?? []);
  return [
    `<section id="${esc(id)}"><h2>${esc(title)}</h2>`,
    `<p>Model rules reached: <b>${t.reached}</b> of ${t.total} (${t.percent}%), the rules of the ${esc(cov.base)} model. ${esc(MODEL_NOTE)}</p>`,
    table(['party', 'reached', 'total', 'coverage'], rows, 'data coverage'),
    never.length > 0 ? `<details open><summary>Never reached (${never.length})</summary><ul class="never">${never.map((n) => `<li><code>${esc(n)}</code>${notExplored.has(n) ? ' <span class="muted">(its adversary was not explored)</span>' : ''}</li>`).join('')}</ul></details>` : '<p>Every model rule was reached.</p>',
    '</section>',
  ].join('\n');
}
