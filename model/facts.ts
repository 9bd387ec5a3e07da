/**
 * Facts: the typed events of the trace that carry ground truth (trace kind `fact`). The simulator's
 * observer (sim/observer.ts) writes them as the run happens: what each party receives, decrypts,
 * holds, logs and erases (with the canaries the observer found in those bytes), and the judgements
 * that need a global view (was this key generated inside an honest enclave, was this evidence
 * produced for this nonce, which account a per-user key was made for). They are inside the trace
 * hash. `viewFromTrace` rebuilds the {@link WorldView} from them alone, so every invariant is a pure
 * function of the trace. Plain data: no I/O, no crypto.
 */
import type { TraceEventView } from './invariants/types.js';
import type { EnclaveSnapshot, Holding, PartyRole, RequestRecord, WorldView } from './world-view.js';

/** The trace kind of a fact event. */
export const FACT_KIND = 'fact';

type Str = string;
/** Every fact, by its `fact` tag (the event's `party` field is the party the fact is about). */
export interface FactData {
  world: { nodes: number; diffusionCap: number | null; users: Str[]; invariants: Str[]; expectViolated: Str[]; scenario: Str; profile: Str; issuanceTokens?: number; issuanceWindowMs?: number };
  party: { role: PartyRole; trusted: boolean };
  chat: { chatId: Str; user: Str; blocked: boolean };
  request: { requestId: Str; user: Str; chatId: Str; canary: Str; issuedAtMs: number };
  'request-blocked': { requestId: Str; reason: 'opted-out' | 'excluded' };
  'request-sent': { requestId: Str };
  'sealed-to': { requestId: Str; node: Str; keyHonest: boolean };
  'request-ended': { requestId: Str; outcome: 'ok' | 'error'; code: Str; atMs: number };
  'answer-produced': { requestId: Str; answer: Str };
  'answer-accepted': { requestId: Str; answer: Str };
  holds: { source: Holding['source']; msg: number | null; of: Str | null; fromUser: Str | null; req: Str[]; chat: Str[]; who: Str[]; sha: Str; bytes: number };
  token: { msg: number; requestId: Str; tokenId: Str; keyOwner: Str | null };
  'token-served': { requestId: Str; tokenId: Str };
  'token-issued': { tokenId: Str };
  /** The issuer evaluated `count` blinded token requests for `account` (the authenticated sender) at `atMs`. */
  issuance: { account: Str; count: number; atMs: number };
  'link-claim': { requestId: Str; user: Str };
  'evidence-accepted': { requestId: Str; node: Str; nonce: Str; fresh: boolean; measurement: Str; measurementLogged: boolean; keyHonest: boolean; checkpointSize: number; viewConsistent: boolean; checkpointStale?: boolean; staleForMs?: number; honestCosigners?: number; quorumRequired?: number };
  'log-view': { size: number; root: Str; accepted: boolean };
  /** The client verified an RFC 9162 consistency proof between two checkpoint sizes. */
  'log-consistency': { from: number; to: number };
  'enclave-opened': { requestId: Str; ciphertext: Str };
  'enclave-state': { afterRef: number; requestId: Str; leftover: Str[] };
  routed: { requestId: Str; user: Str; node: Str };
  /** The party holds a key (id: kind and public key prefix; kind; whose key it is). */
  'holds-key': { key: Str; kind: Str; owner: Str };
  /** Key `key` opens the bytes of digest `from` (observer: real decryption), yielding bytes of digest `sha` with these canaries. */
  opens: { key: Str; from: Str; sha: Str; req: Str[]; chat: Str[]; who: Str[]; bytes: number };
  /** An adversary's declared target: the user it chose and the nodes its positions hold (event party: the adversary). */
  target: { user: Str; nodes: Str[] };
  seized: { keys: Str[]; attempts: number };
  'seized-open': { what: Str; req: Str[]; chat: Str[] };
}
export type FactName = keyof FactData;
export const FACT_NAMES: readonly FactName[] = ['world', 'party', 'chat', 'request', 'request-blocked', 'request-sent', 'sealed-to', 'request-ended', 'answer-produced', 'answer-accepted', 'holds', 'token', 'token-served', 'token-issued', 'issuance', 'link-claim', 'evidence-accepted', 'log-view', 'log-consistency', 'enclave-opened', 'enclave-state', 'routed', 'target', 'holds-key', 'opens', 'seized', 'seized-open'];

/** A fact event's data: its tag and its fields. */
export type Fact<K extends FactName = FactName> = { fact: K } & FactData[K];

function emptyView(): WorldView {
  return {
    parties: [],
    nodes: 0,
    diffusionCap: null,
    users: [],
    requests: [],
    held: [],
    tokenKnowledge: [],
    linkClaims: [],
    evidence: [],
    tokens: [],
    tokensIssued: [],
    issuances: [],
    issuanceLimit: null,
    enclaveOpened: [],
    answersAccepted: [],
    enclaveSnapshots: [],
    blockedChats: [],
    routing: [],
    targets: [],
    forwardSecrecy: { seized: [], attempts: 0, opened: [] },
    logViews: [],
    logConsistency: [],
  };
}

const cache = new WeakMap<readonly TraceEventView[], WorldView>();

/** The tag of a fact event, or null for any other event. */
export function factOf(e: TraceEventView): Fact | null {
  if (e.kind !== FACT_KIND || !e.data || typeof e.data.fact !== 'string') return null;
  return e.data as unknown as Fact;
}

/**
 * The world view the invariants judge, rebuilt from the trace's fact events alone (memoised per
 * trace array). Facts of unknown tags are ignored; a fact about an unknown request is too.
 */
export function viewFromTrace(trace: readonly TraceEventView[]): WorldView {
  const hit = cache.get(trace);
  if (hit) return hit;
  const v = emptyView();
  const requests = new Map<string, RequestRecord>();
  const keysOf = new Map<string, Set<string>>();
  const opensFrom = new Map<string, { key: string; sha: string; req: string[]; chat: string[]; who: string[]; bytes: number; event: number }[]>();
  for (const e of trace) {
    const f = factOf(e);
    if (!f) continue;
    const at = e.i;
    switch (f.fact) {
      case 'world': {
        const x = f as Fact<'world'>;
        v.nodes = x.nodes;
        v.diffusionCap = x.diffusionCap;
        v.users = [...x.users];
        v.issuanceLimit = typeof x.issuanceTokens === 'number' && typeof x.issuanceWindowMs === 'number' ? { tokens: x.issuanceTokens, windowMs: x.issuanceWindowMs } : null;
        break;
      }
      case 'party': {
        const x = f as Fact<'party'>;
        v.parties.push({ name: e.party, role: x.role, trustedForContent: x.trusted });
        break;
      }
      case 'chat': {
        const x = f as Fact<'chat'>;
        if (x.blocked) v.blockedChats.push(x.chatId);
        break;
      }
      case 'request': {
        const x = f as Fact<'request'>;
        const r: RequestRecord = { requestId: x.requestId, user: x.user, chatId: x.chatId, canary: x.canary, blocked: null, issuedAtMs: x.issuedAtMs, sentCount: 0, sealedTo: [], outcome: null, code: null, endedAtMs: null, acceptedAnswer: null, producedAnswers: [] };
        requests.set(x.requestId, r);
        v.requests.push(r);
        break;
      }
      case 'request-blocked': {
        const x = f as Fact<'request-blocked'>;
        const r = requests.get(x.requestId);
        if (r) r.blocked = x.reason;
        break;
      }
      case 'request-sent': {
        const r = requests.get((f as Fact<'request-sent'>).requestId);
        if (r) r.sentCount++;
        break;
      }
      case 'sealed-to': {
        const x = f as Fact<'sealed-to'>;
        const r = requests.get(x.requestId);
        // The attempt is the send it belongs to (the request-sent fact just before).
        r?.sealedTo.push({ node: x.node, keyHonest: x.keyHonest, event: at, attempt: r.sentCount });
        break;
      }
      case 'request-ended': {
        const x = f as Fact<'request-ended'>;
        const r = requests.get(x.requestId);
        if (r && r.outcome === null) {
          r.outcome = x.outcome;
          r.code = x.code;
          r.endedAtMs = x.atMs;
        }
        break;
      }
      case 'answer-produced': {
        const x = f as Fact<'answer-produced'>;
        requests.get(x.requestId)?.producedAnswers.push(x.answer);
        break;
      }
      case 'answer-accepted': {
        const x = f as Fact<'answer-accepted'>;
        v.answersAccepted.push({ requestId: x.requestId, answer: x.answer, event: at });
        const r = requests.get(x.requestId);
        if (r) r.acceptedAnswer = x.answer;
        break;
      }
      case 'holds': {
        const x = f as Fact<'holds'>;
        v.held.push({ party: e.party, source: x.source, msg: x.msg, of: x.of ?? null, fromUser: x.fromUser, req: [...x.req], chat: [...x.chat], who: [...x.who], sha: x.sha, bytes: x.bytes, event: at });
        break;
      }
      case 'token': {
        const x = f as Fact<'token'>;
        v.tokenKnowledge.push({ party: e.party, msg: x.msg, requestId: x.requestId, tokenId: x.tokenId, keyOwner: x.keyOwner, event: at });
        break;
      }
      case 'token-served': {
        const x = f as Fact<'token-served'>;
        v.tokens.push({ tokenId: x.tokenId, requestId: x.requestId, event: at });
        break;
      }
      case 'token-issued': {
        v.tokensIssued.push({ tokenId: (f as Fact<'token-issued'>).tokenId, holder: e.party, event: at });
        break;
      }
      case 'issuance': {
        const x = f as Fact<'issuance'>;
        v.issuances.push({ account: x.account, count: x.count, atMs: x.atMs, event: at });
        break;
      }
      case 'link-claim': {
        const x = f as Fact<'link-claim'>;
        v.linkClaims.push({ party: e.party, requestId: x.requestId, user: x.user, event: at });
        break;
      }
      case 'evidence-accepted': {
        const x = f as Fact<'evidence-accepted'>;
        v.evidence.push({ requestId: x.requestId, user: e.party, node: x.node, nonce: x.nonce, fresh: x.fresh, measurement: x.measurement, measurementLogged: x.measurementLogged, keyHonest: x.keyHonest, checkpointSize: x.checkpointSize, viewConsistent: x.viewConsistent, checkpointStale: x.checkpointStale ?? false, staleForMs: x.staleForMs ?? 0, honestCosigners: x.honestCosigners ?? null, quorumRequired: x.quorumRequired ?? 0, event: at });
        break;
      }
      case 'log-consistency': {
        const x = f as Fact<'log-consistency'>;
        v.logConsistency.push({ user: e.party, from: x.from, to: x.to, event: at });
        break;
      }
      case 'log-view': {
        const x = f as Fact<'log-view'>;
        v.logViews.push({ user: e.party, size: x.size, root: x.root, accepted: x.accepted, event: at });
        break;
      }
      case 'enclave-opened': {
        const x = f as Fact<'enclave-opened'>;
        v.enclaveOpened.push({ requestId: x.requestId, ciphertext: x.ciphertext, node: e.party, event: at });
        break;
      }
      case 'enclave-state': {
        const x = f as Fact<'enclave-state'>;
        const leftover: EnclaveSnapshot['leftover'] = x.leftover.map((s) => {
          const bar = s.indexOf('|');
          return { requestId: s.slice(0, bar), field: s.slice(bar + 1) };
        });
        v.enclaveSnapshots.push({ node: e.party, afterRef: x.afterRef, requestId: x.requestId, leftover, event: at });
        break;
      }
      case 'routed': {
        const x = f as Fact<'routed'>;
        v.routing.push({ requestId: x.requestId, user: x.user, node: x.node, event: at });
        break;
      }
      case 'holds-key': {
        const x = f as Fact<'holds-key'>;
        let mine = keysOf.get(e.party);
        if (!mine) keysOf.set(e.party, (mine = new Set()));
        mine.add(x.key);
        break;
      }
      case 'opens': {
        const x = f as Fact<'opens'>;
        const list = opensFrom.get(x.from) ?? [];
        list.push({ key: x.key, sha: x.sha, req: [...x.req], chat: [...x.chat], who: [...x.who], bytes: x.bytes, event: at });
        opensFrom.set(x.from, list);
        break;
      }
      case 'target': {
        const x = f as Fact<'target'>;
        v.targets.push({ adversary: e.party, user: x.user, nodes: [...x.nodes], event: at });
        break;
      }
      case 'seized': {
        const x = f as Fact<'seized'>;
        v.forwardSecrecy.seized = [...x.keys];
        v.forwardSecrecy.attempts = x.attempts;
        break;
      }
      case 'seized-open': {
        const x = f as Fact<'seized-open'>;
        v.forwardSecrecy.opened.push({ what: x.what, req: [...x.req], chat: [...x.chat], event: at });
        break;
      }
      default:
        break;
    }
  }
  v.held.push(...closeOverKeys(v.held, keysOf, opensFrom));
  cache.set(trace, v);
  return v;
}

/**
 * Knowledge closed over keys: every party that holds keys knows, besides what it holds, whatever
 * one of its keys opens out of what it knows (an `opens` fact whose key it holds and whose input
 * digest it holds), to a fixed point (the gateway's OHTTP layer yields an inner request a node key
 * it also holds opens). A party without the key learns nothing from the same ciphertext. The
 * derived holdings (`opened`) keep the message and provenance of the bytes they were opened from.
 */
function closeOverKeys(held: readonly Holding[], keysOf: ReadonlyMap<string, ReadonlySet<string>>, opensFrom: ReadonlyMap<string, { key: string; sha: string; req: string[]; chat: string[]; who: string[]; bytes: number; event: number }[]>): Holding[] {
  const out: Holding[] = [];
  for (const [party, keys] of keysOf) {
    const known = new Map<string, Holding>();
    for (const h of held) if (h.party === party && !known.has(h.sha)) known.set(h.sha, h);
    const queue = [...known.values()];
    while (queue.length) {
      const from = queue.shift()!;
      for (const o of opensFrom.get(from.sha) ?? []) {
        if (!keys.has(o.key) || known.has(o.sha)) continue;
        const h: Holding = { party, source: 'opened', msg: from.msg, of: from.of, fromUser: null, req: o.req, chat: o.chat, who: o.who, sha: o.sha, bytes: o.bytes, event: o.event, key: o.key, openedFrom: from.event };
        known.set(o.sha, h);
        out.push(h);
        queue.push(h);
      }
    }
  }
  return out;
}
