/**
 * The threat matrix as a coloured grid (adversary × invariant, one grid per profile): green held
 * as expected, amber violated as expected, red unexpected; each cell links to its counterexample.
 * Then the mutant kill table and the counterexamples themselves.
 */
import { join } from 'node:path';
import type { MatrixCell, MatrixFile } from './schemas.js';
import type { ReplayEntry } from './report-input.js';
import { replayCounterexample } from './html-counterexample.js';
import { anchorId, cmd, esc, table, type Diagrams } from './html-kit.js';
import { matrixCoverageHtml } from './coverage.js';

export type CellStatus = 'held' | 'violated' | 'unexpected';

/** Counterexample diagrams drawn at most (the rest are listed with their replay line). */
export const MATRIX_COUNTEREXAMPLES_MAX = 24;

/** The colour class of a cell. */
export function cellStatus(c: Pick<MatrixCell, 'expected' | 'observed'>): CellStatus {
  if (c.expected !== c.observed) return 'unexpected';
  return c.observed === 'holds' ? 'held' : 'violated';
}

const SYMBOL: Record<CellStatus, string> = { held: '✓', violated: '✗', unexpected: '!' };

/** Counts of the baseline cells (a mutant profile's cells are not expectations: its kill is) and of the mutants. */
export function matrixCounts(m: MatrixFile): Record<CellStatus, number> & { mutantsKilled: number; mutants: number; baselineCells: number } {
  const mutantProfiles = new Set(m.mutants.map((x) => x.profile));
  const counts = { held: 0, violated: 0, unexpected: 0, mutantsKilled: m.mutants.filter((x) => x.killed).length, mutants: m.mutants.length, baselineCells: 0 };
  for (const c of m.cells) {
    if (mutantProfiles.has(c.profile)) continue;
    counts[cellStatus(c)]++;
    counts.baselineCells++;
  }
  return counts;
}

export const cxAnchor = (file: string) => anchorId('cx', file);

function cellTitle(c: MatrixCell): string {
  const what = c.observed === 'violated' ? 'violated' : 'held';
  const exp = c.expected === 'violated' ? 'a violation' : 'to hold';
  const pooled = ((c as { pooled?: { n: number; k: number; f: number; N: number; lower: number; violated: boolean }[] }).pooled ?? []).map((t) => `; pooled ${t.k} of ${t.n} on ${t.f}/${t.N} nodes, lower bound ${t.lower.toFixed(3)}${t.violated ? ' > f/N' : ''}`).join('');
  return `${c.invariant} under ${c.adversary} (${c.profile}): ${what} in ${c.runs} runs${pooled}, expected ${exp}${c.replay ? `; replay ${c.replay}` : ''}`;
}

function cellHtml(c: MatrixCell | undefined, drawn: ReadonlySet<string>): string {
  if (!c) return '<td class="cell-none" title="not run">·</td>';
  const status = cellStatus(c);
  const label = status === 'unexpected' ? (c.observed === 'violated' ? '✗!' : '✓!') : SYMBOL[status];
  const href = c.replay ? (drawn.has(c.replay) ? `#${cxAnchor(c.replay)}` : c.replay) : null;
  const inner = href ? `<a href="${esc(href)}">${label}</a>` : label;
  return `<td class="cell cell-${status}" data-expected="${c.expected}" data-observed="${c.observed}" data-adversary="${esc(c.adversary)}" data-invariant="${esc(c.invariant)}" title="${esc(cellTitle(c))}">${inner}</td>`;
}

function ordered(listed: readonly string[], present: Iterable<string>): string[] {
  const out = [...listed];
  for (const x of present) if (!out.includes(x)) out.push(x);
  return out;
}

/** The grid of one profile. */
function grid(m: MatrixFile, profile: string, drawn: ReadonlySet<string>): string {
  const cells = m.cells.filter((c) => c.profile === profile);
  const adversaries = ordered(m.adversaries, cells.map((c) => c.adversary)).filter((a) => cells.some((c) => c.adversary === a));
  const invariants = ordered(m.invariants, cells.map((c) => c.invariant));
  const byKey = new Map(cells.map((c) => [`${c.adversary}\u0000${c.invariant}`, c] as const));
  const head = `<thead><tr><th class="corner">adversary ╲ invariant</th>${invariants.map((i) => `<th class="inv-head"><span>${esc(i)}</span></th>`).join('')}</tr></thead>`;
  const rows = adversaries.map((a) => `<tr><th class="adv">${esc(a)}</th>${invariants.map((i) => cellHtml(byKey.get(`${a}\u0000${i}`), drawn)).join('')}</tr>`);
  return `<div class="scroll"><table class="grid" data-profile="${esc(profile)}">${head}<tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** Replay files worth drawing, most important first: unexpected cells, mutants, expected violations. */
function replayOrder(m: MatrixFile): { file: string; invariant: string | null; heading: string }[] {
  const seen = new Set<string>();
  const out: { file: string; invariant: string | null; heading: string }[] = [];
  const add = (file: string | null, invariant: string | null, heading: string) => {
    if (file === null || seen.has(file)) return;
    seen.add(file);
    out.push({ file, invariant, heading });
  };
  const mutantProfiles = new Set(m.mutants.map((x) => x.profile));
  for (const c of m.cells.filter((x) => !mutantProfiles.has(x.profile) && cellStatus(x) === 'unexpected')) add(c.replay, c.invariant, `${c.invariant} under ${c.adversary} (${c.profile}): unexpected`);
  for (const mu of m.mutants) add(mu.replay, mu.by, `mutant ${mu.profile} killed by ${mu.by ?? '?'}`);
  for (const c of m.cells.filter((x) => !mutantProfiles.has(x.profile) && cellStatus(x) === 'violated')) add(c.replay, c.invariant, `${c.invariant} under ${c.adversary} (${c.profile}): violated as expected`);
  return out;
}

export function matrixSections(d: Diagrams, m: MatrixFile, replays: readonly ReplayEntry[], dirLabel: string): string {
  const order = replayOrder(m);
  const drawnList = order.slice(0, MATRIX_COUNTEREXAMPLES_MAX);
  const drawn = new Set(drawnList.map((x) => x.file));
  const out: string[] = ['<section id="matrix"><h2>Threat matrix</h2>'];
  out.push(
    '<p class="legend"><span class="swatch cell-held">✓</span> held, as expected <span class="swatch cell-violated">✗</span> violated, as expected (the attack works without the defence) <span class="swatch cell-unexpected">!</span> unexpected <span class="swatch cell-none">·</span> not run. Click a cell for its counterexample.</p>',
  );
  const mutantProfiles = new Set(m.mutants.map((x) => x.profile));
  for (const profile of ordered(m.profiles, m.cells.map((c) => c.profile)).filter((p) => !mutantProfiles.has(p))) {
    out.push(`<h3>profile ${esc(profile)}</h3>`, grid(m, profile, drawn));
  }
  if (mutantProfiles.size > 0) out.push('<p class="muted">Mutant profiles are not drawn as grids: on a mutant the search stops at the first run that breaks an expectation, and that kill is the expected result (see the mutant kill table).</p>');
  out.push('</section>');
  if (m.mutants.length > 0) {
    const rows = m.mutants.map((mu) => ({
      cls: mu.killed || mu.survivorReason ? 'ok' : 'fail',
      cells: [
        esc(mu.profile),
        mu.killed ? '✓ killed' : mu.survivorReason ? `✓ survived, as listed: ${esc(mu.survivorReason)}` : '✗ <strong>survived</strong>',
        esc(mu.by ?? '-'),
        mu.runsToKill === null ? '-' : String(mu.runsToKill),
        mu.replay ? `<a href="${esc(drawn.has(mu.replay) ? `#${cxAnchor(mu.replay)}` : mu.replay)}">${esc(mu.replay)}</a>` : '-',
      ],
    }));
    out.push('<section id="mutants"><h2>Mutant kill table</h2>', '<p>Each mutant switches one defence off; an invariant must catch it. Runs to kill counts every run the round-robin search spent until the first run that broke an expectation.</p>', table(['mutant', 'result', 'killed by', 'runs to kill', 'replay'], rows, 'data mutants'), '</section>');
  }
  if (m.coverage) out.push(matrixCoverageHtml(m.coverage));
  if (order.length > 0) {
    const byFile = new Map(replays.map((r) => [r.file, r] as const));
    out.push('<section id="counterexamples"><h2>Counterexamples</h2>');
    for (const x of drawnList) {
      const entry = byFile.get(x.file) ?? { file: x.file, replay: null };
      out.push(replayCounterexample(d, entry, { anchor: cxAnchor(x.file), heading: x.heading, invariant: x.invariant, reproduce: `pph replay ${join(dirLabel, x.file)}` }));
    }
    const rest = order.slice(MATRIX_COUNTEREXAMPLES_MAX);
    if (rest.length > 0) {
      out.push(`<p class="muted">${rest.length} more counterexamples are not drawn; replay them with:</p><ul>`);
      for (const x of rest) out.push(`<li>${esc(x.heading)}: ${cmd(`pph replay ${join(dirLabel, x.file)}`)}</li>`);
      out.push('</ul>');
    }
    out.push('</section>');
  }
  return out.join('\n');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function matrixFacts(m: MatrixFile): string {
  const n = matrixCounts(m);
  return [
    `${plural(m.profiles.length, 'profile')} × ${plural(m.adversaries.length, 'adversary', 'adversaries')} × ${plural(m.invariants.length, 'invariant')}`,
    `${plural(m.runs, 'run')} per cell`,
    `seed <b>${m.seed}</b>`,
    `${n.baselineCells} baseline cells: ${n.held} held, ${n.violated} violated as expected, ${n.unexpected} not as expected`,
    m.killRounds !== undefined ? `${m.killRounds} kill rounds per mutant` : '',
    m.totals ? `${m.totals.runs} runs in all` : '',
    n.mutants > 0 ? `mutants killed ${n.mutantsKilled} of ${n.mutants}` : '',
  ]
    .filter(Boolean)
    .join(' · ') + `<br>reproduce: ${cmd(`pph matrix --runs ${m.runs} --seed ${m.seed}`)}`;
}
