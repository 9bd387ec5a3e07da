/**
 * A counterexample as a picture: the message flow around the proof of a violated invariant as a
 * sequence diagram (proof events in yellow, adversary actions in red), the proof events as text
 * under it, and the line that replays it. Used for shrunk replays of campaigns and matrix cells
 * and for the violated verdicts of a single run.
 */
import { formatEvent, type TraceEvent } from '../sim/trace.js';
import { sequenceDiagram, windowStart } from './sequence-diagram.js';
import { cmd, esc, type Diagrams } from './html-kit.js';
import type { ReplayEntry } from './report-input.js';

/** Messages shown before the first proof event. */
export const PROOF_CONTEXT_MESSAGES = 8;
/** Arrows in a counterexample diagram at most. */
export const COUNTEREXAMPLE_MESSAGES_MAX = 40;

export interface CounterexampleSpec {
  anchor: string;
  heading: string;
  invariant: string;
  /** What was expected and what happened, one line. */
  verdictLine: string;
  proof: readonly { event: number; why: string }[];
  trace: readonly TraceEvent[] | null;
  reproduce: string;
  /** Link to the replay file, when there is one. */
  file?: string | null;
  /** Other invariants the same trace violates. */
  alsoViolated?: readonly string[];
}

function proofList(proof: CounterexampleSpec['proof'], trace: readonly TraceEvent[] | null): string {
  if (proof.length === 0) return '<p class="muted">No proof events were recorded.</p>';
  const byIndex = new Map((trace ?? []).map((e) => [e.i, e] as const));
  const items = proof.map((p) => {
    const e = byIndex.get(p.event);
    const line = e ? `<pre class="event">${esc(formatEvent(e).trim())}</pre>` : '';
    return `<li><span class="ev">event ${p.event}</span> ${esc(p.why)}${line}</li>`;
  });
  return `<ol class="proof">${items.join('')}</ol>`;
}

/** The `<section>` of one counterexample. */
export function counterexampleHtml(d: Diagrams, cx: CounterexampleSpec): string {
  const parts = [`<section class="counterexample" id="${cx.anchor}">`, `<h3>${esc(cx.heading)}</h3>`, `<p class="verdict-line">${esc(cx.verdictLine)}</p>`];
  if (cx.alsoViolated && cx.alsoViolated.length > 0) parts.push(`<p class="muted">The same trace also violates: ${esc(cx.alsoViolated.join(', '))}.</p>`);
  if (cx.trace && cx.trace.length > 0) {
    const first = cx.proof.length > 0 ? Math.min(...cx.proof.map((p) => p.event)) : 0;
    const start = windowStart(cx.trace, first, PROOF_CONTEXT_MESSAGES);
    const src = sequenceDiagram(cx.trace, { proof: cx.proof, startAtEvent: start, maxMessages: COUNTEREXAMPLE_MESSAGES_MAX });
    const from = start > 0 ? `from event ${start} of ${cx.trace.length}` : `all ${cx.trace.length} events`;
    parts.push(d.figure('sequence', `cx-${cx.anchor}`, `${cx.invariant}: ${cx.heading}`, src, `Message flow of the counterexample (${esc(from)}): proof events in yellow, adversary actions in red.`));
  } else {
    parts.push('<p class="muted">The replay file holds no trace: run the line below to see it.</p>');
  }
  parts.push(`<h4>Proof of the violation of ${esc(cx.invariant)}</h4>`, proofList(cx.proof, cx.trace));
  const link = cx.file ? ` · <a href="${esc(cx.file)}">${esc(cx.file)}</a>` : '';
  parts.push(`<p class="reproduce">reproduce: ${cmd(cx.reproduce)}${link}</p>`, '</section>');
  return parts.join('\n');
}

/** A counterexample section for a replay file, focused on `invariant` (else its first violation). */
export function replayCounterexample(d: Diagrams, entry: ReplayEntry, opts: { anchor: string; heading: string; invariant: string | null; reproduce: string }): string {
  const r = entry.replay;
  if (!r) {
    return `<section class="counterexample missing" id="${opts.anchor}"><h3>${esc(opts.heading)}</h3><p class="warn">${esc(entry.file)} is missing from the results folder.</p></section>`;
  }
  const violated = Object.entries(r.verdicts).filter(([, v]) => !v.holds).map(([id]) => id);
  const invariant = opts.invariant && r.verdicts[opts.invariant] ? opts.invariant : (violated[0] ?? opts.invariant ?? '(none)');
  const v = r.verdicts[invariant];
  const expected = r.expected[invariant] ?? 'holds';
  const verdictLine = v
    ? `${invariant} ${v.holds ? 'holds' : 'VIOLATED'} (expected ${expected === 'holds' ? 'to hold' : 'a violation'}) · seed ${r.seed} · scenario ${r.scenarioHash.slice(0, 16)} · trace ${r.traceHash.slice(0, 16)}`
    : `no verdict for ${invariant} in ${entry.file}`;
  return counterexampleHtml(d, {
    anchor: opts.anchor,
    heading: opts.heading,
    invariant,
    verdictLine,
    proof: v?.proof ?? [],
    trace: (r.trace as TraceEvent[] | undefined) ?? null,
    reproduce: opts.reproduce,
    file: entry.file,
    alsoViolated: violated.filter((x) => x !== invariant),
  });
}
