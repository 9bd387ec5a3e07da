/**
 * The message flow of a trace as a mermaid `sequenceDiagram`: parties as lanes, each `send` an
 * arrow, messages the network lost crossed out, adversary actions (`tamper`, adversary `drop`,
 * injected deliveries) on a red band from an `adversary` lane, and the proof events of a violated
 * invariant as yellow notes. A diagram shows at most `maxMessages` arrows and says how many it left
 * out: a readable window, never a wall.
 */
import type { TraceEvent } from '../sim/trace.js';
import { mermaidId, mermaidLabel } from './mermaid-text.js';

export interface SequenceDiagramOptions {
  /** Arrows drawn before the diagram stops with an ellipsis note (default 40). */
  maxMessages?: number;
  /** Events before this trace index are skipped (see {@link windowStart}). */
  startAtEvent?: number;
  /** Events to highlight with their reason (the proof of a violation). */
  proof?: readonly { event: number; why: string }[];
  /** Characters per label (default 40). */
  labelChars?: number;
  /** Events from this trace index on are skipped (the end of a part). */
  endBeforeEvent?: number;
  /** Only these lanes are drawn: messages between other parties are left out (a counterexample's lifelines). */
  lanes?: ReadonlySet<string> | null;
  /** The diagram continues another: say so in a first note (e.g. `part 2 of 5`). */
  partLabel?: string;
  /** Draw every lane of `lanes` even where nothing happens on it in this part. */
  keepLanes?: boolean;
}

export const SEQUENCE_MESSAGES_DEFAULT = 40;
const ADVERSARY = 'adversary';
const RED = 'rgb(255, 221, 221)';
const YELLOW = 'rgb(255, 243, 196)';
const PROOF_CHARS = 90;

/** Lane order: the request path left to right, then the infrastructure, the adversary last. */
const ROLE_ORDER = ['client', 'relay', 'gateway', 'node', 'host', 'enclave', 'issuer', 'log', 'witness', ADVERSARY];

function laneRank(party: string): number {
  const role = party.replace(/-\d+$/, '');
  const r = ROLE_ORDER.indexOf(role);
  return r === -1 ? ROLE_ORDER.length - 1 : r;
}

function compareLanes(a: string, b: string): number {
  const num = (p: string) => Number(/-(\d+)$/.exec(p)?.[1] ?? -1);
  return laneRank(a) - laneRank(b) || (num(a) - num(b)) || a.localeCompare(b);
}

interface SentMessage {
  from: string;
  to: string;
}

/** What the diagram draws, in trace order, before it becomes text. */
type Item =
  | { type: 'arrow'; from: string; to: string; label: string; lost: boolean; event: number }
  | { type: 'adversary'; to: string; label: string; crossed: boolean }
  | { type: 'note'; over: string; label: string; colour: string | null };

function messageId(e: TraceEvent): number | null {
  const m = e.data?.msg;
  return typeof m === 'number' ? m : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Index of the messages sent in the trace, and the ones the network lost. */
function indexMessages(events: readonly TraceEvent[]): { sent: Map<number, SentMessage>; lost: Set<number> } {
  const sent = new Map<number, SentMessage>();
  const lost = new Set<number>();
  for (const e of events) {
    const id = messageId(e);
    if (id === null) continue;
    const to = str(e.data?.to);
    if (e.kind === 'send' && to) sent.set(id, { from: e.party, to });
    if (e.kind === 'drop' && e.party === 'network' && e.data?.reason === 'loss') lost.add(id);
  }
  return { sent, lost };
}

interface ItemOptions {
  maxMessages: number;
  startAtEvent: number;
  endBeforeEvent: number;
  labelChars: number;
  lanes: ReadonlySet<string> | null;
  proof: Map<number, string>;
}

/** Whether a lane is drawn under a lane filter (the adversary lane always is). */
const laneShown = (lanes: ReadonlySet<string> | null, p: string) => lanes === null || p === ADVERSARY || lanes.has(p);

/** A `send` drawn as an arrow under the lane filter. */
function isDrawnArrow(e: TraceEvent, lanes: ReadonlySet<string> | null): boolean {
  const to = str(e.data?.to);
  return e.kind === 'send' && to !== null && laneShown(lanes, e.party) && laneShown(lanes, to);
}

function toItems(events: readonly TraceEvent[], opts: ItemOptions): { items: Item[]; arrows: number; omitted: number } {
  const { sent, lost } = indexMessages(events);
  const items: Item[] = [];
  let arrows = 0;
  let omitted = 0;
  const label = (s: string) => mermaidLabel(s, opts.labelChars);
  for (const e of events) {
    if (e.i < opts.startAtEvent || e.i >= opts.endBeforeEvent) continue;
    const id = messageId(e);
    if (e.kind === 'send' && str(e.data?.to) !== null && !isDrawnArrow(e, opts.lanes)) continue;
    const isArrow = isDrawnArrow(e, opts.lanes);
    if (isArrow && arrows >= opts.maxMessages) {
      omitted++;
      continue;
    }
    if (arrows >= opts.maxMessages) continue;
    if (isArrow) {
      arrows++;
      const dropped = id !== null && lost.has(id);
      items.push({ type: 'arrow', from: e.party, to: String(e.data!.to), label: label(dropped ? `${e.what} (lost)` : e.what), lost: dropped, event: e.i });
    } else if (e.kind === 'tamper') {
      const target = str(e.data?.to) ?? (id !== null ? sent.get(id)?.to : undefined) ?? null;
      // A plan record of a named adversary that names no party's message is not drawn: its effect
      // is the `adversary` event next to it (an arrow), and the record stays in the event list.
      if (target !== null && target !== e.party && laneShown(opts.lanes, target)) items.push({ type: 'adversary', to: target, label: label(e.what), crossed: false });
    } else if (e.kind === 'drop' && e.party === ADVERSARY) {
      const target = (id !== null ? sent.get(id)?.to : undefined) ?? ADVERSARY;
      items.push({ type: 'adversary', to: target, label: label(`drop ${e.what}`), crossed: true });
    } else if (e.kind === 'deliver' && id !== null && !sent.has(id) && str(e.data?.from)) {
      // A delivery with no send is an injected message: the adversary put it on the link.
      items.push({ type: 'adversary', to: e.party, label: label(`injected ${e.what}`), crossed: false });
    } else if (e.kind === 'fault') {
      if (laneShown(opts.lanes, e.party)) items.push({ type: 'note', over: e.party, label: label(`fault ${e.what}`), colour: null });
    }
    const why = opts.proof.get(e.i);
    if (why !== undefined && !isArrow) items.push({ type: 'note', over: e.party === 'network' || !laneShown(opts.lanes, e.party) ? ADVERSARY : e.party, label: mermaidLabel(`proof event ${e.i}  ${why}`, PROOF_CHARS), colour: YELLOW });
  }
  return { items, arrows, omitted };
}

/**
 * The first trace index of a window that shows `before` messages ahead of `focusEvent`, so that a
 * bounded diagram still contains the event that matters.
 */
export function windowStart(events: readonly TraceEvent[], focusEvent: number, before: number): number {
  let seen = 0;
  for (let k = Math.min(focusEvent, events.length - 1); k >= 0; k--) {
    const e = events[k]!;
    if (e.kind === 'send' && ++seen > before) return e.i + 1;
  }
  return 0;
}

/** A slice of a trace drawn as one diagram: events in [startAtEvent, endBeforeEvent), at most `perPart` arrows. */
export interface DiagramPart {
  startAtEvent: number;
  endBeforeEvent: number;
  arrows: number;
}

/**
 * Splits the events from `startAtEvent` to `endBeforeEvent` into consecutive parts of at most
 * `perPart` drawn arrows each, so a long trace reads as several diagrams instead of one wall.
 */
export function diagramParts(events: readonly TraceEvent[], opts: { perPart: number; startAtEvent?: number; endBeforeEvent?: number; lanes?: ReadonlySet<string> | null }): DiagramPart[] {
  const start = opts.startAtEvent ?? 0;
  const end = opts.endBeforeEvent ?? Infinity;
  const parts: DiagramPart[] = [];
  let cur: DiagramPart = { startAtEvent: start, endBeforeEvent: end, arrows: 0 };
  for (const e of events) {
    if (e.i < start || e.i >= end) continue;
    if (!isDrawnArrow(e, opts.lanes ?? null)) continue;
    if (cur.arrows === opts.perPart) {
      cur.endBeforeEvent = e.i;
      parts.push(cur);
      cur = { startAtEvent: e.i, endBeforeEvent: end, arrows: 0 };
    }
    cur.arrows++;
  }
  if (cur.arrows > 0 || parts.length === 0) parts.push(cur);
  return parts;
}

/**
 * The lifelines a counterexample involves: the parties of its proof events, the adversary and the
 * parties its actions touch (the sender and receiver of every message it tampered with, dropped or
 * injected), within [from, to). With fewer than two, the parties that exchanged messages with them.
 */
export function involvedLanes(events: readonly TraceEvent[], proof: readonly { event: number }[], from = 0, to = Infinity): Set<string> {
  const { sent } = indexMessages(events);
  const lanes = new Set<string>();
  const proofSet = new Set(proof.map((p) => p.event));
  const addMsg = (id: number | null) => {
    const m = id === null ? undefined : sent.get(id);
    if (m) lanes.add(m.from).add(m.to);
  };
  for (const e of events) {
    if (e.i < from || e.i >= to) continue;
    const id = messageId(e);
    if (proofSet.has(e.i)) {
      if (e.party !== 'network' && e.party !== 'sim') lanes.add(e.party);
      addMsg(id);
    }
    const adversarial = e.kind === 'tamper' || (e.kind === 'drop' && e.party === ADVERSARY) || (e.kind === 'deliver' && id !== null && !sent.has(id) && str(e.data?.from) !== null);
    if (adversarial) {
      lanes.add(ADVERSARY);
      addMsg(id);
      const target = str(e.data?.to) ?? (e.kind === 'deliver' ? e.party : null);
      if (target) lanes.add(target);
      for (const k of ['what', 'of', 'ref']) {
        const v = e.data?.[k];
        if (typeof v === 'number') addMsg(v);
      }
    }
  }
  // Parties a proof event names in its data (`node=enclave-1`: whose evidence was accepted), with the
  // parties that sent to them in the window: the path the evidence took.
  const parties = new Set(events.map((e) => e.party));
  const named = new Set<string>();
  for (const e of events) {
    if (!proofSet.has(e.i)) continue;
    for (const v of Object.values(e.data ?? {})) if (typeof v === 'string' && v !== e.party && parties.has(v)) named.add(v);
  }
  for (const n of named) {
    lanes.add(n);
    for (const e of events) if (e.i >= from && e.i < to && e.kind === 'send' && str(e.data?.to) === n) lanes.add(e.party);
  }
  lanes.delete('network');
  if ([...lanes].filter((l) => l !== ADVERSARY).length < 2) {
    for (const e of events) {
      if (e.i < from || e.i >= to || e.kind !== 'send') continue;
      const t = str(e.data?.to);
      if (t && (lanes.has(e.party) || lanes.has(t))) lanes.add(e.party).add(t);
    }
  }
  return lanes;
}

/**
 * Mermaid `sequenceDiagram` source for a trace.
 *
 * @example
 * const src = sequenceDiagram(trace, { maxMessages: 30, proof: verdict.proof });
 */
export function sequenceDiagram(events: readonly TraceEvent[], options: SequenceDiagramOptions = {}): string {
  const opts: ItemOptions = {
    maxMessages: options.maxMessages ?? SEQUENCE_MESSAGES_DEFAULT,
    startAtEvent: options.startAtEvent ?? 0,
    endBeforeEvent: options.endBeforeEvent ?? Infinity,
    labelChars: options.labelChars ?? 40,
    lanes: options.lanes ?? null,
    proof: new Map((options.proof ?? []).map((p) => [p.event, p.why] as const)),
  };
  const { items, arrows, omitted } = toItems(events, opts);
  // With keepLanes, every lane of the filter that sends or receives in the trace keeps its lifeline
  // (the parts of one flow line up); otherwise only the lanes something is drawn on.
  const lanes = new Set<string>(options.lanes && options.keepLanes ? [...options.lanes].filter((l) => events.some((e) => e.kind === 'send' && (e.party === l || e.data?.to === l))) : []);
  for (const it of items) {
    if (it.type === 'arrow') lanes.add(it.from).add(it.to);
    else if (it.type === 'adversary') lanes.add(ADVERSARY).add(it.to);
    else lanes.add(it.over);
  }
  const ordered = [...lanes].sort(compareLanes);
  const id = (p: string) => mermaidId(`p_${p}`);
  const lines = ['sequenceDiagram'];
  for (const p of ordered) lines.push(`  participant ${id(p)} as ${mermaidLabel(p, 24)}`);
  if (ordered.length === 0) {
    lines.push('  participant none as (no messages)');
    return lines.join('\n') + '\n';
  }
  const spanAll = ordered.length > 1 ? `${id(ordered[0]!)},${id(ordered[ordered.length - 1]!)}` : id(ordered[0]!);
  if (options.partLabel) lines.push(`  Note over ${spanAll}: ${mermaidLabel(options.partLabel, 80)}`);
  for (const it of items) {
    if (it.type === 'arrow') {
      const arrow = `  ${id(it.from)}${it.lost ? '-x' : '->>'}${id(it.to)}: ${it.label}`;
      const why = opts.proof.get(it.event);
      if (why !== undefined) lines.push(`  rect ${YELLOW}`, `  ${arrow}`, `    Note over ${id(it.from)}: ${mermaidLabel(`proof event ${it.event}  ${why}`, PROOF_CHARS)}`, '  end');
      else lines.push(arrow);
    } else if (it.type === 'adversary') {
      lines.push(`  rect ${RED}`, `    ${id(ADVERSARY)}${it.crossed ? '-x' : '-)'}${id(it.to)}: ${it.label}`, '  end');
    } else if (it.colour) {
      // The adversary is the rightmost lane: its notes go to its left, inside the diagram.
      const where = it.over === ADVERSARY ? `left of ${id(it.over)}` : `over ${id(it.over)}`;
      lines.push(`  rect ${it.colour}`, `    Note ${where}: ${it.label}`, '  end');
    } else {
      lines.push(`  Note over ${id(it.over)}: ${it.label}`);
    }
  }
  if (omitted > 0) lines.push(`  Note over ${spanAll}: … ${omitted} more messages not shown (${arrows} of ${arrows + omitted})`);
  return lines.join('\n') + '\n';
}
