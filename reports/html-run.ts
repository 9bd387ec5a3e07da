/** The sections of `index.html` for a single run: verdict table, message flow, violated verdicts. */
import type { TraceEvent } from '../sim/trace.js';
import type { ReportInput } from './report-input.js';
import { sequenceDiagram } from './sequence-diagram.js';
import { counterexampleHtml } from './html-counterexample.js';
import { anchorId, cmd, esc, table, type Diagrams } from './html-kit.js';

/** Arrows in the message-flow diagram of a run (the rest is counted in a note). */
export const RUN_FLOW_MESSAGES_MAX = 60;
/** Violated verdicts drawn as their own diagram at most. */
export const RUN_PROOF_DIAGRAMS_MAX = 6;

export type RunInput = NonNullable<ReportInput['run']>;

export function runReproduceLine(run: RunInput): string {
  return `pph run ${run.result.scenarioRef ?? run.result.scenario} --seed ${run.result.seed}`;
}

function proofSummary(proof: readonly { event: number; why: string }[], anchor: string | null): string {
  if (proof.length === 0) return '';
  const shown = proof.slice(0, 3).map((p) => `#${p.event} ${esc(p.why)}`).join('<br>');
  const more = proof.length > 3 ? `<br><span class="muted">… ${proof.length - 3} more</span>` : '';
  return anchor ? `<a href="#${anchor}">${shown}</a>${more}` : shown + more;
}

/** The verdict table of a run: one row per invariant, red when it did not match its expectation. */
export function runVerdictTable(run: RunInput): string {
  const rows = Object.entries(run.result.verdicts).map(([id, v]) => ({
    cls: v.ok ? 'ok' : 'fail',
    cells: [
      `<span class="inv">${esc(id)}</span>`,
      v.holds ? 'holds' : '<strong>VIOLATED</strong>',
      esc(v.expected),
      v.ok ? '✓ yes' : '✗ <strong>no</strong>',
      proofSummary(v.proof, v.holds ? null : anchorId('proof', id)),
    ],
  }));
  return table(['invariant', 'verdict', 'expected', 'matches', 'proof events'], rows, 'data verdicts');
}

/** The message flow of a run and a diagram per violated verdict. */
export function runSections(d: Diagrams, run: RunInput): string {
  const r = run.result;
  const out: string[] = [];
  out.push('<section id="flow"><h2>Message flow</h2>');
  if (run.trace) {
    const trace = run.trace as readonly TraceEvent[];
    const sends = trace.filter((e) => e.kind === 'send').length;
    const shown = Math.min(sends, RUN_FLOW_MESSAGES_MAX);
    const capNote = sends > shown ? ` The first ${shown} of ${sends} messages are drawn; the note at the bottom counts the rest (all of them are in <a href="trace.jsonl">trace.jsonl</a>).` : '';
    out.push(
      d.figure(
        'sequence',
        'run-flow',
        `Message flow of ${r.scenario} seed ${r.seed}`,
        sequenceDiagram(trace, { maxMessages: RUN_FLOW_MESSAGES_MAX }),
        `Each arrow is a message on a link (label: its kind); crossed arrows were lost by the network; red bands are adversary actions.${capNote}`,
      ),
    );
  } else {
    out.push('<p class="muted">This folder has no trace.jsonl: re-run with the line above to draw the message flow.</p>');
  }
  out.push('</section>');
  const violated = Object.entries(r.verdicts).filter(([, v]) => !v.holds);
  if (violated.length > 0) {
    out.push('<section id="violations"><h2>Violated invariants</h2>');
    for (const [id, v] of violated.slice(0, RUN_PROOF_DIAGRAMS_MAX)) {
      out.push(
        counterexampleHtml(d, {
          anchor: anchorId('proof', id),
          heading: `${id} ${v.ok ? '(violated, as expected)' : '(VIOLATED, expected to hold)'}`,
          invariant: id,
          verdictLine: `${id} VIOLATED · expected ${v.expected === 'holds' ? 'to hold' : 'a violation'} · seed ${r.seed} · trace ${r.traceHash.slice(0, 16)}`,
          proof: v.proof,
          trace: (run.trace as readonly TraceEvent[] | null) ?? null,
          reproduce: runReproduceLine(run),
        }),
      );
    }
    if (violated.length > RUN_PROOF_DIAGRAMS_MAX) out.push(`<p class="muted">${violated.length - RUN_PROOF_DIAGRAMS_MAX} more violated invariants are in the table above; their proofs are in result.json.</p>`);
    out.push('</section>');
  }
  return out.join('\n');
}

/** One line of facts under the title of a run page. */
export function runFacts(run: RunInput): string {
  const r = run.result;
  const s = r.stats;
  return [
    `scenario <b>${esc(r.scenario)}</b> (${esc(r.scenarioHash.slice(0, 16))})`,
    `seed <b>${r.seed}</b>`,
    `profile ${esc(r.profile)}`,
    `ablations ${esc(r.ablations.join(', ') || 'none')}`,
    `trace ${esc(r.traceHash.slice(0, 16))}`,
    `${s.requests} requests: ${s.ok} answered, ${s.errors} errors, ${s.blocked} kept on device, ${s.unfinished} unfinished`,
    `${s.messages} messages, ${s.bytesOnWire} bytes, ${s.virtualMs} virtual ms`,
  ].join(' · ') + `<br>reproduce: ${cmd(runReproduceLine(run))}`;
}
