/**
 * The section of `index.html` for `explore.json` (`pph explore`): the bounds and the world, one row
 * per adversary searched, and the shortest counterexample as its symbolic actions (a numbered
 * list) and, when it was confirmed concretely, the message flow of its concrete run drawn from the
 * replay file (reports/html-counterexample.ts).
 */
import type { ReportInput } from './report-input.js';
import { anchorId, cmd, esc, table, type Diagrams } from './html-kit.js';
import { replayCounterexample } from './html-counterexample.js';
import { exploreReplayLine, exploreReproduceLine } from './verdict.js';
import { coverageHtml, modelCoverageHtml } from './coverage.js';

type Explore = NonNullable<ReportInput['explore']>;

/** One line under the band: what was searched. */
export function exploreFacts(e: Explore): string {
  const f = e.file;
  return esc(`${f.engine} exploration, breadth-first · world ${f.world.nodes} nodes, ${f.world.users} users, ${f.world.requests} requests, ≤ ${f.world.maxAttacks} attacker actions · depth ≤ ${f.bounds.depth} · ${f.states} states, ${f.transitions} transitions · ${f.workers} worker(s), ${(f.wallMs / 1000).toFixed(1)} s`);
}

export function exploreSections(d: Diagrams, e: Explore, dirLabel: string): string {
  const f = e.file;
  const out: string[] = ['<section id="explore"><h2>Exploration</h2>', `<p>Invariants checked in every state: ${f.invariants.map((i) => `<code>${esc(i)}</code>`).join(', ')}. Every adversary's search is breadth-first, so a counterexample is a shortest one.</p>`];
  const rows = f.perAdversary.map((a) => {
    const result = a.counterexample
      ? `<span class="warn">✗ ${esc(a.counterexample.invariants.join(', '))} violated at depth ${a.counterexample.depth}</span>`
      : `✓ no violation${a.exhausted ? ' (every behaviour ended)' : a.truncated ? ` (state bound reached at depth ${a.depthReached})` : ''}`;
    return { cls: a.counterexample ? 'fail' : 'ok', cells: [`<span class="inv">${esc(a.adversary)}</span>`, String(a.states), String(a.transitions), String(a.depthReached), result] };
  });
  out.push(table(['adversary', 'states', 'transitions', 'depth reached', 'result'], rows, 'data explore'));
  out.push(`<p class="reproduce">reproduce: ${cmd(exploreReproduceLine(f))}</p>`, '</section>');
  if (f.modelCoverage) out.push(modelCoverageHtml('coverage-explore', `Model-rule coverage (symbolic engine, profile ${f.profile})`, f.modelCoverage));
  if (f.coverage) out.push(coverageHtml('coverage-explore', `Transition coverage (concrete engine: every simulator run of the exploration, profile ${f.profile})`, f.coverage));
  const cx = f.counterexample;
  if (cx) {
    const replay = exploreReplayLine(e, dirLabel);
    out.push('<section id="counterexamples"><h2>Shortest counterexample</h2>', `<section class="counterexample" id="${anchorId('cx', 'explore')}">`);
    out.push(`<h3>${esc(cx.invariants.join(', '))} at depth ${cx.depth} by ${esc(cx.adversary)} (profile ${esc(f.profile)})</h3>`);
    out.push(`<ol class="actions">${cx.actions.map((a) => `<li${cx.attack.includes(a) ? ' class="attack"' : ''}>${cx.attack.includes(a) ? '<strong>' : ''}${esc(a)}${cx.attack.includes(a) ? '</strong>' : ''}</li>`).join('')}</ol>`);
    out.push('<p class="muted">The symbolic actions, in order; the attacker\'s in bold.</p>');
    if (f.confirmation?.confirmed) out.push(`<p>Confirmed concretely (real crypto) on world seed ${f.confirmation.seed} (${f.confirmation.seedsTried} seed(s) tried), plan <code>${esc(JSON.stringify(f.confirmation.plan))}</code>.</p>`);
    else if (f.discrepancy) out.push(`<p class="warn">MODEL DISCREPANCY: ${esc(f.discrepancy.reason)}</p><ul>${f.discrepancy.concrete.map((c) => `<li>seed ${c.seed}: concrete run violated ${esc(c.violated.length ? c.violated.join(', ') : 'nothing')}</li>`).join('')}</ul>`);
    else out.push('<p class="muted">Not confirmed concretely (<code>--no-confirm</code>).</p>');
    if (replay) out.push(`<p class="reproduce">replay: ${cmd(replay)}</p>`);
    if (f.confirmationCoverage) out.push(coverageHtml('coverage-confirmation', `Transition coverage of the confirmation (the counterexample's concrete runs, ${f.confirmation?.seedsTried ?? 0} seed(s))`, f.confirmationCoverage));
    out.push('</section>');
    if (e.replay) out.push(replayCounterexample(d, e.replay, { anchor: anchorId('cx', e.replay.file), heading: `the concrete run of the counterexample (${e.replay.file})`, invariant: cx.invariants[0] ?? null, reproduce: replay ?? `pph replay ${e.replay.file}` }));
    out.push('</section>');
  }
  return out.join('\n');
}
