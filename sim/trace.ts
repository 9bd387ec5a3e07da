/**
 * The trace of a run: an append-only list of events, each one canonical JSON line. Its SHA-256
 * (`traceHash`) is the fingerprint of the run: same (scenario, seed) ⇒ same hash.
 */
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { PphError } from '../protocol/errors.js';

export const TRACE_KINDS = {
  send: 'a party put bytes on a link',
  deliver: 'a link delivered bytes to a party',
  drop: 'the network (or an adversary) dropped a message',
  dup: 'the network duplicated a message',
  tamper: 'an adversary changed, replayed or injected bytes',
  intent: 'a machine asked the simulator to perform an effect (seal, open, verify, ...)',
  crypto: 'the simulator performed a cryptographic operation for a party',
  verify: 'a verification succeeded or failed, with its code',
  state: 'a machine changed state',
  log: 'a party wrote to its log or the transparency log changed',
  erase: 'an enclave erased request state',
  consent: 'the client kept a message on the device (feature off or chat excluded)',
  token: 'token issuance, redemption or spend check',
  fault: 'a scheduled fault (node restart)',
  request: 'a client request started or ended',
  error: 'a party reported an explicit error',
  end: 'the run ended',
  fact: 'ground truth the observer recorded: what a party received, holds, logged or erased, and its judgements (model/facts.ts)',
} as const;

export type TraceKind = keyof typeof TRACE_KINDS;
export type TraceValue = string | number | boolean | null | string[];

export interface TraceEvent {
  /** Position in the trace, from 0. */
  i: number;
  /** Virtual time in ms. */
  t: number;
  kind: TraceKind;
  party: string;
  /** Short human text; part of the hash. */
  what: string;
  data?: Record<string, TraceValue>;
}

/** The end event carries a truncated prefix hash every this many lines (`seals`). */
export const SEAL_EVERY = 256;

export class Trace {
  private readonly events: TraceEvent[] = [];
  private readonly hash: Hash = createHash('sha256');
  private digest: string | null = null;

  constructor(private readonly keepEvents = true) {}

  append(t: number, kind: TraceKind, party: string, what: string, data?: Record<string, TraceValue>): TraceEvent {
    if (this.digest !== null) throw new Error('trace is sealed: no events after traceHash()');
    const event: TraceEvent = data === undefined ? { i: this.count, t, kind, party, what } : { i: this.count, t, kind, party, what, data };
    this.hash.update(canonicalJson(event));
    this.hash.update('\n');
    this.count++;
    if (this.count % SEAL_EVERY === 0) this.prefixSeals.push(this.hash.copy().digest('hex').slice(0, 16));
    if (this.keepEvents) this.events.push(event);
    else if (kind === 'fact' || kind === 'end') this.kept.push(event);
    return event;
  }

  /** Fact and end events, kept even when the trace keeps no events (the invariants read only these). */
  private readonly kept: TraceEvent[] = [];

  /** What the invariants judge: every event when kept, else the fact and end events. */
  get judged(): readonly TraceEvent[] {
    return this.keepEvents ? this.events : this.kept;
  }

  count = 0;

  get all(): readonly TraceEvent[] {
    return this.events;
  }

  /** Truncated SHA-256 of the first k·SEAL_EVERY lines, for each k so far: where `pph check` locates an edit. */
  readonly prefixSeals: string[] = [];

  /** SHA-256 hex over the lines appended so far (the trace stays open): the `end` event's seal. */
  hashSoFar(): string {
    return this.hash.copy().digest('hex');
  }

  /** SHA-256 hex over the canonical JSON lines; seals the trace. */
  traceHash(): string {
    if (this.digest === null) this.digest = this.hash.digest('hex');
    return this.digest;
  }
}

/** The trace as JSON lines (the `trace.jsonl` of a results folder). */
export function traceToJsonl(events: readonly TraceEvent[]): string {
  return events.map((e) => canonicalJson(e)).join('\n') + (events.length ? '\n' : '');
}

/** Recomputes the hash of a list of events exactly as `Trace` does. */
export function hashEvents(events: readonly TraceEvent[]): string {
  const h = createHash('sha256');
  for (const e of events) {
    h.update(canonicalJson(e));
    h.update('\n');
  }
  return h.digest('hex');
}

/**
 * Checks a parsed trace against itself: every event's index is its position, and the `end` event's
 * `sealed` (the hash of every line before it) matches. Returns null when it does, else the 1-based
 * line and why. A trace without a sealed end event (older files) passes the index check only.
 */
export function checkTraceSeal(events: readonly TraceEvent[]): { line: number; why: string } | null {
  const h = createHash('sha256');
  const prefix: string[] = [];
  for (let n = 0; n < events.length; n++) {
    const e = events[n]!;
    if (e.i !== n) return { line: n + 1, why: `event index ${e.i}, expected ${n} (a line was added, removed or reordered)` };
    if (e.kind === 'end' && typeof e.data?.sealed === 'string') {
      const got = h.copy().digest('hex');
      if (got !== e.data.sealed) {
        // Locate the edit: the first block of SEAL_EVERY lines whose prefix hash differs.
        const seals = Array.isArray(e.data.seals) ? e.data.seals : [];
        const k = seals.findIndex((seal, j) => seal !== prefix[j]);
        const where = k >= 0 ? `lines ${k * SEAL_EVERY + 1}..${(k + 1) * SEAL_EVERY}` : `lines ${seals.length * SEAL_EVERY + 1}..${n}`;
        return { line: k >= 0 ? k * SEAL_EVERY + 1 : seals.length * SEAL_EVERY + 1, why: `an event in ${where} was changed: the end event (line ${n + 1}) seals hash ${e.data.sealed.slice(0, 16)}…, the lines before it hash to ${got.slice(0, 16)}…` };
      }
      if (n !== events.length - 1) return { line: n + 2, why: 'events after the end event' };
    }
    h.update(canonicalJson(e));
    h.update('\n');
    if ((n + 1) % SEAL_EVERY === 0) prefix.push(h.copy().digest('hex').slice(0, 16));
  }
  return null;
}

/** Parses `trace.jsonl` text; throws TraceFormatError naming the line. */
export function parseTraceJsonl(text: string, file = '<trace>'): TraceEvent[] {
  const out: TraceEvent[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      throw new TraceFormatError('json', `${file}:${n + 1}: not JSON`);
    }
    const ev = e as TraceEvent;
    if (typeof ev !== 'object' || ev === null || typeof ev.i !== 'number' || typeof ev.t !== 'number' || !(ev.kind in TRACE_KINDS) || typeof ev.party !== 'string' || typeof ev.what !== 'string') {
      throw new TraceFormatError('event', `${file}:${n + 1}: not a trace event (needs i, t, kind, party, what)`);
    }
    out.push(ev);
  }
  return out;
}

export class TraceFormatError extends PphError {}

const SYMBOL: Record<TraceKind, string> = {
  send: '->', deliver: '=>', drop: 'xx', dup: '++', tamper: '!!', intent: '..', crypto: '**', verify: 'ok',
  state: '~~', log: 'LG', erase: '00', consent: 'CS', token: 'TK', fault: 'FT', request: 'RQ', error: 'ER', end: '==', fact: 'GT',
};

/** One fixed-width line per event, for `pph trace show` and counterexamples. */
export function formatEvent(e: TraceEvent): string {
  const sym = e.kind === 'verify' && e.data?.ok === false ? 'NO' : SYMBOL[e.kind];
  const data = e.data ? ' ' + Object.entries(e.data).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ') : '';
  return `${String(e.i).padStart(6)} ${String(e.t).padStart(8)}ms ${sym} ${e.kind.padEnd(7)} ${e.party.padEnd(12)} ${e.what}${data}`;
}

export function traceLegend(): string[] {
  return [
    '  legend: #event  virtual-time  symbol kind  party  what [data]',
    ...Object.entries(TRACE_KINDS).map(([k, d]) => `    ${SYMBOL[k as TraceKind]} ${k.padEnd(8)} ${d}`),
  ];
}
