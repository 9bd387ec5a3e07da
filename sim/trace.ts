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
    if (this.keepEvents) this.events.push(event);
    return event;
  }

  count = 0;

  get all(): readonly TraceEvent[] {
    return this.events;
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
  state: '~~', log: 'LG', erase: '00', consent: 'CS', token: 'TK', fault: 'FT', request: 'RQ', error: 'ER', end: '==',
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
