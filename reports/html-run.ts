/** The sections of `index.html` for a single run: verdict table, message flow, violated verdicts. */
import type { TraceEvent } from '../sim/trace.js';
import type { ReportInput } from './report-input.js';
import { diagramParts, sequenceDiagram } from './sequence-diagram.js';
import { counterexampleHtml } from './html-counterexample.js';
import { anchorId, cmd, esc, table, type Diagrams } from './html-kit.js';

/** Arrows in one part of the message flow of a run (the flow is drawn whole, in parts of this size). */
export const RUN_FLOW_MESSAGES_MAX = 40;
/** Parts of the message flow drawn at most (beyond: a note names the events left to trace.jsonl). */
export const RUN_FLOW_PARTS_MAX = 40;
/** Violated verdicts drawn as their own diagram at most. */
export const RUN_PROOF_DIAGRAMS_MAX = 6;

export type RunInput = NonNullable<ReportInput['run']>;

export function runReproduceLine(run: RunInput): string {
  return `pph run ${run.result.scenarioRef ?? run.result.scenario} --seed ${run.result.seed}`;
}

function proofSummary(proof: readonly { event: number; why: string }[], anchor: string | null): string {
  if (proof.length === 0) return '';
  const shown = [...proof].sort((a, b) => a.event - b.event).slice(0, 3).map((p) => `#${p.event} ${esc(p.why)}`).join('<br>');
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
    // Every party keeps its lifeline in every part, so the parts read as one flow.
    const lanes = new Set<string>();
    for (const e of trace) {
      if (e.kind !== 'send' || typeof e.data?.to !== 'string') continue;
      lanes.add(e.party).add(e.data.to);
    }
    const parts = diagramParts(trace, { perPart: RUN_FLOW_MESSAGES_MAX });
    const drawn = parts.slice(0, RUN_FLOW_PARTS_MAX);
    const last = trace.length > 0 ? trace[trace.length - 1]!.i : 0;
    const end = (p: { endBeforeEvent: number }) => (Number.isFinite(p.endBeforeEvent) ? p.endBeforeEvent - 1 : last);
    out.push(`<p>${sends} messages between ${lanes.size} parties, drawn in ${parts.length} part${parts.length === 1 ? '' : 's'} of at most ${RUN_FLOW_MESSAGES_MAX} messages (all of them are in <a href="trace.jsonl">trace.jsonl</a>).</p>`);
    drawn.forEach((p, k) => {
      const label = parts.length > 1 ? `part ${k + 1} of ${parts.length}: events ${p.startAtEvent} to ${end(p)}` : undefined;
      out.push(
        d.figure(
          'sequence',
          k === 0 ? 'run-flow' : `run-flow-${k + 1}`,
          `Message flow of ${r.scenario} seed ${r.seed}${label ? ` (${label})` : ''}`,
          sequenceDiagram(trace, { maxMessages: RUN_FLOW_MESSAGES_MAX, startAtEvent: p.startAtEvent, endBeforeEvent: p.endBeforeEvent, lanes, keepLanes: true, partLabel: label }),
          `Each arrow is a message on a link (label: its kind); crossed arrows were lost by the network; red bands are adversary actions.${label ? ` ${esc(label)}.` : ''}`,
        ),
      );
    });
    if (parts.length > drawn.length) out.push(`<p class="muted">${parts.length - drawn.length} more parts (events ${drawn[drawn.length - 1]!.endBeforeEvent} to ${last}) are not drawn; see <a href="trace.jsonl">trace.jsonl</a> or <code>pph trace show trace.jsonl</code>.</p>`);
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
