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

function toItems(events: readonly TraceEvent[], opts: Required<Omit<SequenceDiagramOptions, 'proof'>> & { proof: Map<number, string> }): { items: Item[]; arrows: number; omitted: number } {
  const { sent, lost } = indexMessages(events);
  const items: Item[] = [];
  let arrows = 0;
  let omitted = 0;
  const label = (s: string) => mermaidLabel(s, opts.labelChars);
  for (const e of events) {
    if (e.i < opts.startAtEvent) continue;
    const id = messageId(e);
    const isArrow = e.kind === 'send' && str(e.data?.to) !== null;
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
      const target = str(e.data?.to) ?? (id !== null ? sent.get(id)?.to : undefined) ?? e.party;
      items.push({ type: 'adversary', to: target, label: label(e.what), crossed: false });
    } else if (e.kind === 'drop' && e.party === ADVERSARY) {
      const target = (id !== null ? sent.get(id)?.to : undefined) ?? ADVERSARY;
      items.push({ type: 'adversary', to: target, label: label(`drop ${e.what}`), crossed: true });
    } else if (e.kind === 'deliver' && id !== null && !sent.has(id) && str(e.data?.from)) {
      // A delivery with no send is an injected message: the adversary put it on the link.
      items.push({ type: 'adversary', to: e.party, label: label(`injected ${e.what}`), crossed: false });
    } else if (e.kind === 'fault') {
      items.push({ type: 'note', over: e.party, label: label(`fault ${e.what}`), colour: null });
    }
    const why = opts.proof.get(e.i);
    if (why !== undefined && !isArrow) items.push({ type: 'note', over: e.party === 'network' ? ADVERSARY : e.party, label: mermaidLabel(`proof event ${e.i}  ${why}`, PROOF_CHARS), colour: YELLOW });
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

/**
 * Mermaid `sequenceDiagram` source for a trace.
 *
 * @example
 * const src = sequenceDiagram(trace, { maxMessages: 30, proof: verdict.proof });
 */
export function sequenceDiagram(events: readonly TraceEvent[], options: SequenceDiagramOptions = {}): string {
  const opts = {
    maxMessages: options.maxMessages ?? SEQUENCE_MESSAGES_DEFAULT,
    startAtEvent: options.startAtEvent ?? 0,
    labelChars: options.labelChars ?? 40,
    proof: new Map((options.proof ?? []).map((p) => [p.event, p.why] as const)),
  };
  const { items, arrows, omitted } = toItems(events, opts);
  const lanes = new Set<string>();
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
  for (const it of items) {
    if (it.type === 'arrow') {
      const arrow = `  ${id(it.from)}${it.lost ? '-x' : '->>'}${id(it.to)}: ${it.label}`;
      const why = opts.proof.get(it.event);
      if (why !== undefined) lines.push(`  rect ${YELLOW}`, `  ${arrow}`, `    Note over ${id(it.from)}: ${mermaidLabel(`proof event ${it.event}  ${why}`, PROOF_CHARS)}`, '  end');
      else lines.push(arrow);
    } else if (it.type === 'adversary') {
      lines.push(`  rect ${RED}`, `    ${id(ADVERSARY)}${it.crossed ? '-x' : '-)'}${id(it.to)}: ${it.label}`, '  end');
    } else if (it.colour) {
      lines.push(`  rect ${it.colour}`, `    Note over ${id(it.over)}: ${it.label}`, '  end');
    } else {
      lines.push(`  Note over ${id(it.over)}: ${it.label}`);
    }
  }
  if (omitted > 0) {
    const span = ordered.length > 1 ? `${id(ordered[0]!)},${id(ordered[ordered.length - 1]!)}` : id(ordered[0]!);
    lines.push(`  Note over ${span}: … ${omitted} more messages not shown (${arrows} of ${arrows + omitted})`);
  }
  return lines.join('\n') + '\n';
}
