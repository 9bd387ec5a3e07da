/**
 * A counterexample as a picture: the message flow around the proof of a violated invariant as a
 * sequence diagram (proof events in yellow, adversary actions in red), the proof events as text
 * under it, and the line that replays it. Used for shrunk replays of campaigns and matrix cells
 * and for the violated verdicts of a single run.
 */
import { formatEvent, type TraceEvent } from '../sim/trace.js';
import { diagramParts, involvedLanes, sequenceDiagram, windowStart } from './sequence-diagram.js';
import { cmd, esc, type Diagrams } from './html-kit.js';
import type { ReplayEntry } from './report-input.js';

/** Messages shown before the first proof event. */
export const PROOF_CONTEXT_MESSAGES = 8;
/** Arrows in one counterexample diagram at most (a longer counterexample is split into parts). */
export const COUNTEREXAMPLE_MESSAGES_MAX = 40;
/** Parts of one counterexample drawn at most (the rest are named with their event range). */
export const COUNTEREXAMPLE_PARTS_MAX = 4;
/** Messages shown after the last proof event. */
export const PROOF_AFTER_MESSAGES = 4;

/**
 * The events a proof points at: the proof events, and the events of the messages and requests
 * they name (`msg`, `ref`, `req`, `requestId`), so a claim made at the end of a run (a linking
 * claim of the metadata coalition) is drawn with the traffic it links, not only with "end of run".
 */
export function evidenceEvents(trace: readonly TraceEvent[], proof: readonly { event: number }[]): number[] {
  const byIndex = new Map(trace.map((e) => [e.i, e] as const));
  const msgs = new Set<number>();
  const reqs = new Set<string>();
  for (const p of proof) {
    const e = byIndex.get(p.event);
    if (!e?.data) continue;
    for (const k of ['msg', 'ref']) if (typeof e.data[k] === 'number') msgs.add(e.data[k] as number);
    for (const k of ['req', 'requestId']) {
      const v = e.data[k];
      if (typeof v === 'string') reqs.add(v);
      else if (Array.isArray(v)) for (const x of v) reqs.add(x);
    }
  }
  const out = new Set(proof.map((p) => p.event));
  for (const e of trace) {
    const d = e.data;
    if (!d) continue;
    if (typeof d.msg === 'number' && msgs.has(d.msg)) out.add(e.i);
    for (const k of ['req', 'requestId']) {
      const v = d[k];
      if ((typeof v === 'string' && reqs.has(v)) || (Array.isArray(v) && v.some((x) => reqs.has(x)))) out.add(e.i);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The end (exclusive) of a window: `after` messages past `event`. */
function windowEnd(trace: readonly TraceEvent[], event: number, after: number): number {
  let seen = 0;
  for (const e of trace) {
    if (e.i <= event || e.kind !== 'send') continue;
    if (++seen > after) return e.i;
  }
  return Infinity;
}

/** The diagrams of a counterexample: its lifelines only, split into parts of at most 40 messages. */
export function counterexampleDiagrams(trace: readonly TraceEvent[], proof: readonly { event: number; why: string }[]): { sources: string[]; from: number; to: number; lanes: string[]; partsLeft: { from: number; to: number }[] } {
  const evidence = proof.length > 0 ? evidenceEvents(trace, proof) : [0];
  const start = windowStart(trace, evidence[0]!, PROOF_CONTEXT_MESSAGES);
  const end = windowEnd(trace, Math.max(...evidence, ...proof.map((p) => p.event)), PROOF_AFTER_MESSAGES);
  const related = new Set(evidence);
  const lanes = involvedLanes(trace, [...proof, ...[...related].map((event) => ({ event }))], start, end);
  const parts = diagramParts(trace, { perPart: COUNTEREXAMPLE_MESSAGES_MAX, startAtEvent: start, endBeforeEvent: end, lanes });
  const drawn = parts.slice(0, COUNTEREXAMPLE_PARTS_MAX);
  const sources = drawn.map((p, k) =>
    sequenceDiagram(trace, { proof, startAtEvent: p.startAtEvent, endBeforeEvent: p.endBeforeEvent, maxMessages: COUNTEREXAMPLE_MESSAGES_MAX, lanes, partLabel: parts.length > 1 ? `part ${k + 1} of ${parts.length}: events ${p.startAtEvent} to ${Number.isFinite(p.endBeforeEvent) ? p.endBeforeEvent - 1 : trace.length - 1}` : undefined }),
  );
  const last = trace.length > 0 ? trace[trace.length - 1]!.i : 0;
  return { sources, from: start, to: Number.isFinite(end) ? end - 1 : last, lanes: [...lanes], partsLeft: parts.slice(COUNTEREXAMPLE_PARTS_MAX).map((p) => ({ from: p.startAtEvent, to: Number.isFinite(p.endBeforeEvent) ? p.endBeforeEvent - 1 : last })) };
}

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
  // In the order they happened.
  const items = [...proof].sort((a, b) => a.event - b.event).map((p) => {
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
    const dg = counterexampleDiagrams(cx.trace, cx.proof);
    const range = `events ${dg.from} to ${dg.to} of ${cx.trace.length}`;
    dg.sources.forEach((src, k) => {
      const part = dg.sources.length + dg.partsLeft.length > 1 ? ` (part ${k + 1} of ${dg.sources.length + dg.partsLeft.length})` : '';
      parts.push(d.figure('sequence', `cx-${cx.anchor}${k === 0 ? '' : `-${k + 1}`}`, `${cx.invariant}: ${cx.heading}${part}`, src, `Message flow of the counterexample${esc(part)}, ${esc(range)}, lifelines ${esc(dg.lanes.join(', '))} only: proof events in yellow, adversary actions in red.`));
    });
    if (dg.partsLeft.length > 0) parts.push(`<p class="muted">${dg.partsLeft.length} more parts not drawn (events ${dg.partsLeft[0]!.from} to ${dg.partsLeft[dg.partsLeft.length - 1]!.to}): replay the line below to see them.</p>`);
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
