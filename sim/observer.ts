/**
 * The world's observer: the only writer of ground truth. Parties tell it what they received,
 * opened, hold, logged and erased; it scans the bytes for the canaries it planted (content
 * canaries per request, message canaries per chat, identity canaries per user: an account id and
 * the user name) and writes typed fact events (model/facts.ts) into the trace, inside its hash.
 * Judgements that need a global view (is this key one an honest enclave generated, was this
 * report produced for this nonce, which account a per-user key was made for) are made on the
 * world's side of each party's port, from the claims parties make (`PartyPort.tell`, sim/port.ts),
 * and recorded here as facts too. Parties never read anything back from it.
 *
 * Knowledge is closed over keys: the observer knows which keys each untrusted party holds
 * (`holds-key` facts: the gateway's OHTTP key, an enclave key a side channel extracted or a seizure
 * took, a rogue node's own key) and runs each key's opener (sim/openers.ts, real decryption) on
 * everything that party holds, before or after it got the key, and on what those openings yield.
 * Each success is an `opens` fact (key, digest of the bytes opened, what they yield); model/facts.ts
 * closes every party's knowledge over its holdings and its keys. No party labels what it learned.
 */
import { createHash } from 'node:crypto';
import type { Fact, FactData, FactName } from '../model/facts.js';
import type { Holding } from '../model/world-view.js';
import type { SimClock } from './clock.js';
import type { Trace, TraceValue } from './trace.js';
import type { HeldKey } from './openers.js';

interface Needle {
  id: string;
  text: Buffer;
  /** Identity names (`client-1`) must not match inside a longer one (`client-12`). */
  boundary: boolean;
}

export interface Found {
  req: string[];
  chat: string[];
  who: string[];
}

function scan(hay: Buffer, needles: readonly Needle[]): string[] {
  const out = new Set<string>();
  for (const n of needles) {
    let from = 0;
    for (;;) {
      const at = hay.indexOf(n.text, from);
      if (at < 0) break;
      const next = hay[at + n.text.length];
      if (!n.boundary || next === undefined || next < 0x30 || next > 0x39) {
        out.add(n.id);
        break;
      }
      from = at + 1;
    }
  }
  return [...out].sort();
}

export class Observer {
  private readonly content: Needle[] = [];
  private readonly chats: Needle[] = [];
  private readonly identities: Needle[] = [];
  /** Network address → the user it belongs to. */
  private readonly addresses = new Map<string, string>();

  /** Keys each party holds (by party name). */
  private readonly keys = new Map<string, HeldKey[]>();
  /** Bytes each party holds or opened, by digest: what a key it gets later is tried on. */
  private readonly kept = new Map<string, Map<string, Uint8Array>>();
  /** What each (key, digest) opening yielded, computed once. */
  private readonly openings = new Map<string, Uint8Array[]>();
  /** Parties that see whatever another party holds (a compromised enclave sees its host's traffic). */
  private readonly mirrors = new Map<string, string[]>();

  constructor(
    private readonly trace: Trace,
    private readonly clock: SimClock,
    /** Ground truth: the request a message carries (the world's provenance). */
    private readonly provenance: (msg: number) => string | undefined = () => undefined,
  ) {}

  /** Plants the canaries to look for (before the run starts). */
  plantContent(requestId: string, canary: string): void {
    this.content.push({ id: requestId, text: Buffer.from(canary, 'latin1'), boundary: false });
  }

  plantChat(chatId: string, canary: string): void {
    this.chats.push({ id: chatId, text: Buffer.from(canary, 'latin1'), boundary: false });
  }

  /** An identity canary of `user`: an account id, the user's name, any user-specific identifier. */
  plantIdentity(user: string, text: string, boundary = false): void {
    this.identities.push({ id: user, text: Buffer.from(text, 'latin1'), boundary });
  }

  plantAddress(address: string, user: string): void {
    this.addresses.set(address, user);
  }

  userOfAddress(address: string): string | null {
    return this.addresses.get(address) ?? null;
  }

  /** What the planted canaries find in `bytes`. */
  find(bytes: Uint8Array): Found {
    const hay = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { req: scan(hay, this.content), chat: scan(hay, this.chats), who: scan(hay, this.identities) };
  }

  /** Requests whose content canary is in `text` (used by the enclave state walk). */
  contentIn(bytes: Uint8Array): string[] {
    return scan(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), this.content);
  }

  /** Writes one fact event about `party`; returns its event index. */
  fact<K extends FactName>(party: string, name: K, data: FactData[K], what?: string): number {
    const event = this.trace.append(this.clock.nowMs(), 'fact', party, what ?? name, { fact: name, ...(data as Record<string, TraceValue>) } as Record<string, TraceValue>);
    return event.i;
  }

  /**
   * `party` got `bytes` (received on a link, put in its state, wrote to a log, or learned by its
   * own means): records the digest, the size and every canary found, and the sender's user when
   * the bytes came straight from a client's address.
   */
  holds(party: string, source: Holding['source'], bytes: Uint8Array, msg: number | null, fromAddress: string | null = null): number {
    const f = this.find(bytes);
    const fromUser = fromAddress === null ? null : this.userOfAddress(fromAddress);
    const found = [...f.req.map((r) => `req ${r}`), ...f.chat.map((c) => `chat ${c}`), ...f.who.map((u) => `identity of ${u}`), ...(fromUser ? [`address of ${fromUser}`] : [])];
    const what = `${source} ${bytes.length} B${msg === null ? '' : ` msg ${msg}`}${found.length ? `: ${found.join(', ')}` : ''}`;
    const of = msg === null ? null : (this.provenance(msg) ?? null);
    const sha = digest(bytes);
    const i = this.fact(party, 'holds', { source, msg, of, fromUser, req: f.req, chat: f.chat, who: f.who, sha, bytes: bytes.length }, what);
    this.keep(party, bytes, sha);
    for (const to of this.mirrors.get(party) ?? []) this.holds(to, source, bytes, msg, fromAddress);
    return i;
  }

  /**
   * `party` holds `key` from now on (a `holds-key` fact): the key is tried on everything the party
   * holds already and on everything it gets later.
   */
  holdsKey(party: string, key: HeldKey, how: string): void {
    const mine = this.keys.get(party) ?? [];
    if (mine.some((k) => k.id === key.id)) return;
    mine.push(key);
    this.keys.set(party, mine);
    this.fact(party, 'holds-key', { key: key.id, kind: key.kind, owner: key.owner }, `holds ${key.kind} key ${key.id} of ${key.owner} (${how})`);
    for (const [sha, bytes] of [...(this.kept.get(party) ?? new Map<string, Uint8Array>())]) this.open(party, key, bytes, sha);
  }

  /** From now on `viewer` holds whatever `party` holds (e.g. the adversary in a node's enclave sees its host's traffic). */
  mirror(party: string, viewer: string): void {
    this.mirrors.set(party, [...(this.mirrors.get(party) ?? []), viewer]);
  }

  private keep(party: string, bytes: Uint8Array, sha: string): void {
    let mine = this.kept.get(party);
    if (!mine) this.kept.set(party, (mine = new Map()));
    if (mine.has(sha)) return;
    mine.set(sha, bytes);
    for (const key of this.keys.get(party) ?? []) this.open(party, key, bytes, sha);
  }

  /** Runs `key`'s opener on `bytes` (once per key and digest); records each yield as an `opens` fact. */
  private open(party: string, key: HeldKey, bytes: Uint8Array, sha: string): void {
    const tag = `${key.id}|${sha}`;
    let yields = this.openings.get(tag);
    if (!yields) {
      yields = key.open(bytes);
      this.openings.set(tag, yields);
      for (const y of yields) {
        const f = this.find(y);
        const found = [...f.req.map((r) => `req ${r}`), ...f.chat.map((c) => `chat ${c}`), ...f.who.map((u) => `identity of ${u}`)];
        this.fact(party, 'opens', { key: key.id, from: sha, sha: digest(y), req: f.req, chat: f.chat, who: f.who, bytes: y.length }, `${key.id} opens ${sha} into ${y.length} B${found.length ? `: ${found.join(', ')}` : ''}`);
      }
    }
    for (const y of yields) this.keep(party, y, digest(y));
  }
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

export type { Fact };
