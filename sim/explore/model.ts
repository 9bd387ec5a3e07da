/**
 * The symbolic model of the protocol (issue 12, "two engines, one model"): PROTOCOL.md's parties
 * as a transition system over terms, for bounded exhaustive exploration (sim/explore/explorer.ts).
 *
 * Terms, not bytes (Dolev–Yao): a message is a record of symbols. An HPKE ciphertext sealed to a
 * key reveals its plaintext only to a holder of that key's secret; a report verifies only when a
 * chip key really signed it; the attacker's knowledge is the set of atoms its positions received,
 * closed under the secret keys it holds (its own rogue key; a node's logging host). Every defence
 * switch of model/profile.ts is a branch of the client's, gateway's or enclave's step, so a mutant
 * is the same model with one branch gone.
 *
 * Choice points (each one transition): which in-flight message is delivered next (the network is
 * a multiset), the client's random node pick, and the adversary's finite alphabet at its positions
 * (exactly what the catalogue adversary's plan can express, so every counterexample translates to
 * plan data: cli/explore/translate.ts): drop or duplicate a message on a link it holds, a forgery
 * kind on an attestation reply, a routing choice, withholding or swapping an answer, host
 * configuration, a per-user issuer key, a forked log view, a candidate offer (pcc), a restart.
 *
 * A state is a flat array of small integers with a canonical form (in-flight messages sorted), so
 * its encoding is canonical and a 64-bit hash of it identifies revisits.
 */
import { DIFFUSION_CAP, PROFILE_DEFS, defencesFor, type Defences } from '../../model/profile.js';
import { MODEL_RULES, newRuleHits, RU as RULE_INDEX } from './rules.js';

/** The rule indexes as a module-local object (one plain property load per count on the hot path). */
const RU = { ...RULE_INDEX };

// ---- message kinds and hops --------------------------------------------------------------------

/** Message kinds. */
export const K = { attReq: 0, attRes: 1, req: 2, res: 3, tokReq: 4, tokRes: 5 } as const;
const KIND_NAMES = ['attest-req', 'attest-res', 'ohttp-req', 'ohttp-res', 'token-req', 'token-res'];
/** Hops: where a message is in flight. 0–2 outbound (client→relay, relay→gateway, gateway→node), 3–5 back, 6–7 issuer link. */
export const H = { cr: 0, rg: 1, gn: 2, ng: 3, gr: 4, rc: 5, ci: 6, ic: 7 } as const;
const HOP_LINK = ['client-relay', 'relay-gateway', 'gateway-node', 'gateway-node', 'relay-gateway', 'client-relay', 'client-issuer', 'client-issuer'] as const;
export type ModelLink = (typeof HOP_LINK)[number];

/** A message is one integer below 2^31: ((kind * 8 + hop) * 8 + request) * 2^20 + payload. */
const PAY = 1 << 20;
export const msg = (kind: number, hop: number, r: number, p: number) => {
  if (p < 0 || p >= PAY) throw new RangeError(`payload ${p} out of range`);
  return ((kind * 8 + hop) * 8 + r) * PAY + p;
};
export const mKind = (m: number) => Math.floor(m / (8 * 8 * PAY));
export const mHop = (m: number) => Math.floor(m / (8 * PAY)) % 8;
export const mReq = (m: number) => Math.floor(m / PAY) % 8;
export const mPay = (m: number) => m % PAY;

// ---- evidence terms ----------------------------------------------------------------------------

/** Who signed a report: a genuine chip of the fleet, the adversary's own root, the operator's outdated chip, nobody valid. */
export const SIGNER = { chip: 0, ownRoot: 1, outdated: 2, badSig: 3, parse: 4 } as const;
/** The request whose nonce a report binds; NONE for a pcc pre-attested key. */
const NONCE_NONE = 7;

export interface Evidence {
  node: number;
  gen: number;
  /** The bundle's key is the operator's rogue key. */
  keyRogue: boolean;
  /** REPORT_DATA binds the rogue key. */
  boundRogue: boolean;
  /** REPORT_DATA binds the nonce of this request (NONCE_NONE: none). */
  nonce: number;
  signer: number;
  debug: boolean;
  unlogged: boolean;
  /** HOST_DATA is not the released launch configuration. */
  hostOther: boolean;
  /** The log view in the bundle is a fork (log-signed, no witness cosignature). */
  fork: boolean;
  /** The node whose key the bundle really carries (diversion: another node's genuine bundle). */
  keyNode: number;
  /** A genuine bundle replayed from an earlier attempt, differing from what the node produced for this one. */
  replayed: boolean;
}

export function encEv(e: Evidence): number {
  let v = e.node;
  v = v * 2 + e.gen;
  v = v * 2 + +e.keyRogue;
  v = v * 2 + +e.boundRogue;
  v = v * 8 + e.nonce;
  v = v * 8 + e.signer;
  v = v * 2 + +e.debug;
  v = v * 2 + +e.unlogged;
  v = v * 2 + +e.hostOther;
  v = v * 2 + +e.fork;
  v = v * 4 + e.keyNode;
  return v * 2 + +e.replayed;
}

export function decEv(v: number): Evidence {
  const replayed = v % 2 === 1; v = Math.floor(v / 2);
  const keyNode = v % 4; v = Math.floor(v / 4);
  const fork = v % 2 === 1; v = Math.floor(v / 2);
  const hostOther = v % 2 === 1; v = Math.floor(v / 2);
  const unlogged = v % 2 === 1; v = Math.floor(v / 2);
  const debug = v % 2 === 1; v = Math.floor(v / 2);
  const signer = v % 8; v = Math.floor(v / 8);
  const nonce = v % 8; v = Math.floor(v / 8);
  const boundRogue = v % 2 === 1; v = Math.floor(v / 2);
  const keyRogue = v % 2 === 1; v = Math.floor(v / 2);
  const gen = v % 2; v = Math.floor(v / 2);
  return { node: v, gen, keyRogue, boundRogue, nonce, signer, debug, unlogged, hostOther, fork, keyNode, replayed };
}

/** The forgery kinds of adversaries/forge.ts, as term rewrites (index = position in FORGERY_KINDS). */
export const FORGERY_KINDS = ['foreign-root', 'swapped-cert', 'debug-policy', 'low-tcb', 'key-substitution', 'old-nonce', 'diversion', 'truncated', 'bitflip', 'malformed', 'unlogged-measurement', 'unsigned-report'] as const;
export type ForgeryKind = (typeof FORGERY_KINDS)[number];

// ---- the world ---------------------------------------------------------------------------------

/** Symbolic adversaries: the catalogue adversaries whose plan alphabet the model expresses. */
export const SYMBOLIC_ADVERSARIES = ['malicious-relay', 'forged-quote', 'replay', 'malicious-gateway', 'split-view-log', 'issuer-tagging', 'targeting', 'curious-host', 'unmeasured-input', 'k-inflation'] as const;
export type SymbolicAdversary = (typeof SYMBOLIC_ADVERSARIES)[number];

export interface WorldConfig {
  profile: string;
  adversary: SymbolicAdversary;
  nodes: number;
  users: number;
  requests: number;
  /** Attacker actions allowed in one behaviour (bounds duplicates; default 2). */
  maxAttacks?: number;
}

export interface World {
  cfg: Required<WorldConfig>;
  base: 'pp' | 'pcc';
  d: Defences;
  cap: number;
  /** Network links the adversary holds, by hop. */
  netHops: Set<number>;
  netOps: readonly ('drop' | 'duplicate')[];
  /** Model-rule counters (sim/explore/rules.ts), indexed by rule: incremented where a branch is taken. */
  hits: Uint32Array;
}

const NET_POWERS: Partial<Record<SymbolicAdversary, { hops: number[]; ops: ('drop' | 'duplicate')[] }>> = {
  'malicious-relay': { hops: [H.cr, H.rg, H.gr, H.rc], ops: ['drop', 'duplicate'] },
  replay: { hops: [H.cr, H.rg, H.gr, H.rc, H.ci, H.ic], ops: ['duplicate'] },
  targeting: { hops: [H.cr, H.rc], ops: ['drop'] },
};

export function makeWorld(c: WorldConfig): World {
  const def = PROFILE_DEFS[c.profile];
  if (!def) throw new RangeError(`unknown profile ${JSON.stringify(c.profile)}`);
  if (c.nodes < 1 || c.nodes > 3) throw new RangeError('the symbolic world holds 1 to 3 nodes');
  if (c.users < 1 || c.users > 2) throw new RangeError('the symbolic world holds 1 or 2 users');
  if (c.requests < 1 || c.requests > 3) throw new RangeError('the symbolic world holds 1 to 3 requests');
  const net = NET_POWERS[c.adversary];
  return {
    cfg: { maxAttacks: 2, ...c },
    base: def.base,
    d: defencesFor(def.ablations),
    cap: DIFFUSION_CAP,
    netHops: new Set(net?.hops ?? []),
    netOps: net?.ops ?? [],
    hits: newRuleHits(),
  };
}

// ---- the state ---------------------------------------------------------------------------------

/**
 * Layout (all small integers):
 * [0] attacks used, [1] attest replies the gateway relayed (capped 7), [2] answers relayed (capped 7),
 * [3] fork mask (nodes given a forked log view), [4] config mask (nodes fed unmeasured config),
 * [5] tag mask (users given their own issuer key), [6] node generations mask (restarted nodes),
 * [7] spent-token mask, [8] knowledge mask, [9] violation mask (sticky), [10] token state per user
 * (2 bits each: 0 none, 1 requested, 2 held), [11] residue mask (requests whose state a node kept),
 * [12..17] the genuine evidence ids the gateway has seen (sorted, 0 = empty slot, stored +1),
 * then per request 6 fields: phase, chosen node, accepted key/mask, evidence id+1, opened count, answer from,
 * then the in-flight messages (sorted).
 */
const G = { attacks: 0, attests: 1, answers: 2, fork: 3, cfgm: 4, tag: 5, gens: 6, spent: 7, know: 8, viol: 9, tok: 10, residue: 11 } as const;
const SEEN0 = 12;
const SEEN_MAX = 6;
const REQ0 = SEEN0 + SEEN_MAX;
const RF = 6;
const R = { phase: 0, node: 1, key: 2, ev: 3, opened: 4, answer: 5 } as const;
/** Request phases. */
export const PH = { idle: 0, attesting: 1, sending: 2, done: 3, error: 4 } as const;
/** A rogue key id (the operator's own HPKE key), beside node keys node * 2 + gen. */
const ROGUE_KEY = 15;
const ROGUE_BIT = 1 << 7;

/** Knowledge atoms: secret of request r (bit r), per-user token link of user u (bit 8 + u), residue seen (bit 12). */
const KNOW_SECRET = (r: number) => 1 << r;
const KNOW_LINK = (u: number) => 1 << (8 + u);

export type State = number[];

export const INVARIANT_BITS = ['confidentiality', 'attestation', 'integrity', 'freshness', 'unlinkability', 'stateless', 'non-targetability', 'transparency'] as const;
export type ModelInvariant = (typeof INVARIANT_BITS)[number];
const V = Object.fromEntries(INVARIANT_BITS.map((id, i) => [id, 1 << i])) as Record<ModelInvariant, number>;

export function initialState(w: World): State {
  return new Array<number>(REQ0 + RF * w.cfg.requests).fill(0);
}

const userOf = (w: World, r: number) => r % w.cfg.users;
const rq = (_w: World, r: number, f: number) => REQ0 + r * RF + f;
const netStart = (w: World) => REQ0 + RF * w.cfg.requests;

function withMsgs(w: World, s: State, remove: number, add: readonly number[]): State {
  const start = netStart(w);
  const head = s.slice(0, start);
  const net = s.slice(start);
  if (remove >= 0) net.splice(net.indexOf(remove), 1);
  net.push(...add);
  net.sort((a, b) => a - b);
  return head.concat(net);
}

// ---- actions -----------------------------------------------------------------------------------

/** One transition's label: who did what (the attacker's actions carry what the translator needs). */
export interface Action {
  kind: 'start' | 'tokens' | 'deliver' | 'pick' | 'attack';
  /** For attacks: the catalogue adversary's operation, e.g. `duplicate`, `forge:low-tcb`, `route`, `feed-config`. */
  op?: string;
  link?: ModelLink;
  label?: string;
  request?: number;
  node?: number;
  user?: number;
  /** Index of the attest reply / answer / candidate fetch the gateway relays (forged-quote, malicious-gateway, k-inflation). */
  nth?: number;
  mode?: string;
  text: string;
}

export interface Successor {
  action: Action;
  next: State;
}

/**
 * One check of step 4: when the evidence has the flaw, the defence refuses it (counted as rule
 * `rej`, the failed check's name returned) or, switched off, lets it pass (counted as `pass`).
 * No flaw: null, nothing counted.
 */
function gate(h: Uint32Array, flawed: boolean, defenceOn: boolean, rej: number, pass: number, check: string): string | null {
  if (!flawed) return null;
  if (defenceOn) {
    h[rej]!++;
    return check;
  }
  h[pass]!++;
  return null;
}

/** The client's step 4 (PROTOCOL.md) on evidence for request r: null when it accepts, else the failed check. */
export function clientChecks(w: World, e: Evidence, r: number, chosen: number, pcc: boolean): string | null {
  const d = w.d;
  const h = w.hits;
  if (e.signer === SIGNER.parse) {
    h[RU.rejParse]!++;
    return 'parse';
  }
  const failed =
    gate(h, e.signer === SIGNER.ownRoot, d['chain-check'], RU.rejChain, RU.passChain, 'chain') ??
    gate(h, e.signer === SIGNER.badSig, d['report-signature'], RU.rejSig, RU.passSig, 'signature') ??
    gate(h, e.debug, d['policy-check'], RU.rejDebug, RU.passDebug, 'debug') ??
    // TCB: the outdated chip's certificate says an old TCB; its report claims the current one.
    gate(h, e.signer === SIGNER.outdated, d['tcb-check'] && d['tcb-from-report'], RU.rejTcb, RU.passTcb, 'tcb') ??
    gate(h, e.unlogged, d['measurement-log'], RU.rejMeas, RU.passMeas, 'measurement') ??
    gate(h, e.fork, d['witness-cosignatures'], RU.rejWitness, RU.passWitness, 'witnesses') ??
    gate(h, e.fork, d['log-consistency'], RU.rejLog, RU.passLog, 'log-consistency') ??
    gate(h, e.keyRogue !== e.boundRogue, d['report-binding'], RU.rejBindKey, RU.passBindKey, 'binding') ??
    gate(h, !pcc && e.nonce !== r, d['report-binding'] && d['client-nonce'], RU.rejBindNonce, RU.passBindNonce, 'binding') ??
    gate(h, e.hostOther, d['measured-config'], RU.rejHost, RU.passHost, 'host-data');
  if (failed !== null) return failed;
  if (!pcc && e.node !== chosen) {
    h[RU.rejNode]!++;
    return 'node-choice';
  }
  return null;
}

/** Whether evidence passes every check of step 4 with every defence on (the attestation invariant's reference). */
function genuinelyBound(e: Evidence): boolean {
  return !e.keyRogue && !e.boundRogue && e.signer === SIGNER.chip && !e.debug && !e.unlogged;
}

/** The evidence node `node` produces for request r: REPORT_DATA binds r's nonce (pp), nothing but the key (pcc, or pp without the client-nonce defence). */
function honestEvidence(w: World, s: State, node: number, r: number, pcc: boolean): Evidence {
  return {
    node, gen: (s[G.gens]! >> node) & 1, keyRogue: false, boundRogue: false, nonce: pcc || !w.d['client-nonce'] ? NONCE_NONE : r, signer: SIGNER.chip,
    debug: false, unlogged: false, hostOther: ((s[G.cfgm]! >> node) & 1) === 1, fork: ((s[G.fork]! >> node) & 1) === 1, keyNode: node, replayed: false,
  };
}

function seenEvidence(s: State): number[] {
  const out: number[] = [];
  for (let i = 0; i < SEEN_MAX; i++) if (s[SEEN0 + i]! > 0) out.push(s[SEEN0 + i]! - 1);
  return out;
}

function addSeen(s: State, ev: number): void {
  const cur = seenEvidence(s);
  if (cur.includes(ev) || cur.length >= SEEN_MAX) return;
  cur.push(ev);
  cur.sort((a, b) => a - b);
  for (let i = 0; i < SEEN_MAX; i++) s[SEEN0 + i] = i < cur.length ? cur[i]! + 1 : 0;
}

/** The forgery `kind` applied to the genuine reply `honest` (adversaries/forge.ts, as terms); null when the forger has nothing to work with. */
export function forge(kind: ForgeryKind, honest: Evidence, seen: readonly number[], r: number): Evidence | null {
  const rogue = { ...honest, keyRogue: true, boundRogue: true, nonce: honest.nonce === NONCE_NONE ? NONCE_NONE : r };
  switch (kind) {
    case 'foreign-root':
      return { ...rogue, signer: SIGNER.ownRoot, hostOther: true };
    case 'swapped-cert':
    case 'bitflip':
    case 'unsigned-report':
      return { ...(kind === 'unsigned-report' ? rogue : honest), signer: SIGNER.badSig };
    case 'debug-policy':
      return { ...rogue, debug: true };
    case 'low-tcb':
      // THREATS.md: the operator's unpatched chip signs what the host asks (REPORTED_TCB, HOST_DATA).
      return { ...rogue, signer: SIGNER.outdated, hostOther: false, fork: false };
    case 'key-substitution':
      return { ...honest, keyRogue: true };
    case 'old-nonce': {
      // A genuine bundle of an earlier attest request of the same node (another nonce, or an older key).
      const old = seen.map(decEv).find((e) => e.node === honest.node && !e.keyRogue && encEv(e) !== encEv(honest));
      return old ? { ...old, replayed: true } : null;
    }
    case 'diversion': {
      // A genuine bundle another session received (another node or nonce), relayed under this node's id.
      const other = seen.map(decEv).find((e) => !e.keyRogue && encEv({ ...e, node: honest.node }) !== encEv(honest));
      return other ? { ...other, node: honest.node, replayed: true } : null;
    }
    case 'truncated':
    case 'malformed':
      return { ...honest, signer: SIGNER.parse };
    case 'unlogged-measurement':
      return { ...rogue, unlogged: true };
  }
}

const OFFER_MODES = ['honest', 'all', 'duplicates', 'stale'] as const;

// The attack rules of forgeries and offers are indexed from their first (sim/explore/rules.ts): the orders must agree.
FORGERY_KINDS.forEach((k, i) => {
  if (MODEL_RULES[RU.forge0 + i]!.id !== `adversary: forge:${k}`) throw new Error(`model rule of forgery ${k} out of order`);
});
OFFER_MODES.slice(1).forEach((m, i) => {
  if (MODEL_RULES[RU.offer0 + i]!.id !== `adversary: offer:${m}`) throw new Error(`model rule of offer ${m} out of order`);
});

/** The enabled transitions of a state, in a fixed order (the model is deterministic). */
export function successors(w: World, s: State): Successor[] {
  const out: Successor[] = [];
  const n = w.cfg.nodes;
  const pcc = w.base === 'pcc';
  const adv = w.cfg.adversary;
  const attacksLeft = s[G.attacks]! < w.cfg.maxAttacks;
  const anyStarted = () => {
    for (let r = 0; r < w.cfg.requests; r++) if (s[rq(w, r, R.phase)] !== PH.idle) return true;
    return ((s[G.tok]! & 0xff) !== 0);
  };
  const hits = w.hits;
  const attack = (rule: number, op: string, text: string, extra: Partial<Action>, f: (t: State) => void) => {
    hits[rule]!++;
    const t = s.slice();
    t[G.attacks]!++;
    f(t);
    out.push({ action: { kind: 'attack', op, text, ...extra }, next: t });
  };

  // The adversary's one-shot set-up powers (before any traffic: host configuration, log view).
  if (attacksLeft && !anyStarted()) {
    for (let i = 0; i < n; i++) {
      if (adv === 'unmeasured-input' && !((s[G.cfgm]! >> i) & 1)) attack(RU.feedConfig, 'feed-config', `host feeds node-${i} an unmeasured configuration`, { node: i }, (t) => (t[G.cfgm]! |= 1 << i));
      if (adv === 'split-view-log' && !((s[G.fork]! >> i) & 1)) attack(RU.fork, 'fork', `log serves node-${i} a forked checkpoint`, { node: i }, (t) => (t[G.fork]! |= 1 << i));
    }
  }
  if (adv === 'curious-host' && attacksLeft) {
    for (let i = 0; i < n; i++) {
      if ((s[G.gens]! >> i) & 1) continue;
      attack(RU.restart, 'restart', `host restarts node-${i}`, { node: i }, (t) => {
        t[G.gens]! |= 1 << i;
        // A restart reads what the node left behind (nothing, when state is erased).
        for (let r = 0; r < w.cfg.requests; r++) {
          if ((t[G.residue]! >> r) & 1 && t[rq(w, r, R.key)] >> 1 === i) {
            t[G.know]! |= KNOW_SECRET(r);
            hits[RU.hostResidue]!++;
          }
        }
      });
    }
  }

  // Users fetch tokens (PROTOCOL.md step 2), then requests start in order (the workload).
  for (let u = 0; u < w.cfg.users; u++) {
    if (((s[G.tok]! >> (2 * u)) & 3) !== 0) continue;
    const t = s.slice();
    t[G.tok]! |= 1 << (2 * u);
    hits[RU.tokAsk]!++;
    out.push({ action: { kind: 'tokens', user: u, text: `client-${u} asks the issuer for tokens` }, next: withMsgs(w, t, -1, [msg(K.tokReq, H.ci, u, 0)]) });
  }
  for (let r = 0; r < w.cfg.requests; r++) {
    if (s[rq(w, r, R.phase)] !== PH.idle) continue;
    if (r > 0 && s[rq(w, r - 1, R.phase)] === PH.idle) break;
    const u = userOf(w, r);
    if (((s[G.tok]! >> (2 * u)) & 3) !== 2) break;
    // The client picks the node (pp) at random: each pick is a choice point.
    const picks = pcc ? [0] : Array.from({ length: n }, (_, i) => i);
    for (const i of picks) {
      const t = s.slice();
      t[rq(w, r, R.phase)] = PH.attesting;
      t[rq(w, r, R.node)] = i;
      hits[pcc ? RU.startPcc : RU.startPp]!++;
      out.push({ action: { kind: 'start', request: r, node: i, text: pcc ? `client-${u} fetches candidate keys for req-${r}` : `client-${u} starts req-${r}, picks node-${i}, sends a fresh nonce` }, next: withMsgs(w, t, -1, [msg(K.attReq, H.cr, r, i)]) });
    }
    break;
  }

  // The network: every in-flight message may be delivered next, or tampered with on a held link.
  const start = netStart(w);
  let prev = -1;
  for (let j = start; j < s.length; j++) {
    const m = s[j]!;
    if (m === prev) continue;
    prev = m;
    const hop = mHop(m);
    const label = KIND_NAMES[mKind(m)]!;
    if (attacksLeft && w.netHops.has(hop)) {
      for (const op of w.netOps) {
        hits[op === 'drop' ? RU.drop : RU.duplicate]!++;
        const t = s.slice();
        t[G.attacks]!++;
        const next = op === 'drop' ? withMsgs(w, t, m, []) : withMsgs(w, t, -1, [m]);
        out.push({ action: { kind: 'attack', op, link: HOP_LINK[hop], label, request: mReq(m), text: `${op} ${label} of req-${mReq(m)} on ${HOP_LINK[hop]}` }, next });
      }
    }
    deliver(w, s, m, out);
  }
  return out;
}

/** Delivering message m: the receiving party's step (and the gateway's choices, when it is the adversary). */
function deliver(w: World, s: State, m: number, out: Successor[]): void {
  const kind = mKind(m);
  const hop = mHop(m);
  const r = mReq(m);
  const p = mPay(m);
  const pcc = w.base === 'pcc';
  const adv = w.cfg.adversary;
  const atk = s[G.attacks]! < w.cfg.maxAttacks;
  const label = KIND_NAMES[kind]!;
  const hits = w.hits;
  const text = `deliver ${label} of ${kind === K.tokReq || kind === K.tokRes ? `client-${r}` : `req-${r}`} on ${HOP_LINK[hop]}`;
  const push = (t: State, add: number[], a: Partial<Action> = {}): void => {
    out.push({ action: { kind: 'deliver', label, link: HOP_LINK[hop], request: r, text, ...a }, next: withMsgs(w, t, m, add) });
  };
  const pushAttack = (rule: number, t: State, add: number[], a: Partial<Action> & { op: string; text: string }): void => {
    hits[rule]!++;
    t[G.attacks]!++;
    out.push({ action: { kind: 'attack', ...a }, next: withMsgs(w, t, m, add) });
  };
  const t0 = () => s.slice();

  switch (kind) {
    case K.tokReq: {
      // The issuer issues (PROTOCOL.md step 2); issuer-tagging may use a key of this user's own.
      const u = r;
      if ((((s[G.tok]! >> (2 * u)) & 3) !== 1)) {
        hits[RU.issueIgnore]!++;
        return push(t0(), []);
      }
      hits[RU.issue]!++;
      push(t0(), [msg(K.tokRes, H.ic, u, 0)]);
      if (adv === 'issuer-tagging' && atk) {
        const t = t0();
        t[G.tag]! |= 1 << u;
        pushAttack(RU.tag, t, [msg(K.tokRes, H.ic, u, 1)], { op: 'tag', user: u, text: `issuer issues client-${u} tokens under a key of its own` });
      }
      return;
    }
    case K.tokRes: {
      const u = r;
      const t = t0();
      if (((t[G.tok]! >> (2 * u)) & 3) !== 1) {
        hits[RU.tokIgnore]!++;
        return push(t, []);
      }
      t[G.tok] = (t[G.tok]! & ~(3 << (2 * u))) | (2 << (2 * u));
      // Step 3, key consistency: a key not every client gets is refused (the user then has no token).
      if (p === 1) hits[w.d['key-consistency'] ? RU.tokKeyRefuse : RU.tokKeyTake]!++;
      else hits[RU.tokTake]!++;
      if (p === 1 && w.d['key-consistency']) t[G.tok] = t[G.tok]! & ~(3 << (2 * u)) | (3 << (2 * u));
      return push(t, []);
    }
    case K.attReq: {
      if (hop === H.cr) {
        hits[RU.relayAttReq]!++;
        return push(t0(), [msg(K.attReq, H.rg, r, p)]);
      }
      if (hop === H.rg) {
        if (pcc) {
          // pcc: the gateway answers the candidate fetch with the epoch's pre-attested keys.
          const i = Math.min(s[G.attests]!, 7);
          const t = t0();
          t[G.attests] = Math.min(i + 1, 7);
          hits[RU.gwCandidates]!++;
          push(t, [msg(K.attRes, H.gr, r, 0)]);
          if (atk && adv === 'k-inflation') {
            for (let mode = 1; mode < OFFER_MODES.length; mode++) pushAttack(RU.offer0 + mode - 1, t.slice(), [msg(K.attRes, H.gr, r, mode * 32)], { op: 'offer', mode: OFFER_MODES[mode], nth: i, request: r, text: `gateway offers ${OFFER_MODES[mode]} candidates for req-${r}` });
          }
          if (atk && adv === 'forged-quote') {
            FORGERY_KINDS.forEach((k, fi) => pushAttack(RU.forge0 + fi, t.slice(), [msg(K.attRes, H.gr, r, fi + 1)], { op: `forge:${k}`, nth: i, request: r, text: `gateway forges candidate evidence (${k}) for req-${r}` }));
          }
          return;
        }
        hits[RU.gwAttReq]!++;
        push(t0(), [msg(K.attReq, H.gn, r, p)]);
        if (atk && adv === 'malicious-gateway' && w.cfg.nodes > 1) {
          const i = Math.min(s[G.attests]!, 7);
          const other = (p + 1) % w.cfg.nodes;
          pushAttack(RU.route, t0(), [msg(K.attReq, H.gn, r, other)], { op: 'route', nth: i, request: r, node: other, text: `gateway routes req-${r}'s attest request to node-${other} instead of node-${p}` });
        }
        return;
      }
      // At the node: it answers with its evidence for this nonce.
      const t = t0();
      const ev = honestEvidence(w, t, p, r, pcc);
      hits[RU.enAttest]!++;
      return push(t, [msg(K.attRes, H.ng, r, encEv(ev))]);
    }
    case K.attRes: {
      if (hop === H.ng) {
        // The gateway relays the node's evidence: here forged-quote and malicious-gateway act.
        const i = Math.min(s[G.attests]!, 7);
        const t = t0();
        t[G.attests] = Math.min(i + 1, 7);
        const seen = seenEvidence(t);
        addSeen(t, p);
        hits[RU.gwEvidence]!++;
        push(t, [msg(K.attRes, H.gr, r, p)]);
        if (!atk) return;
        const honest = decEv(p);
        if (adv === 'forged-quote') {
          for (let fi = 0; fi < FORGERY_KINDS.length; fi++) {
            const k = FORGERY_KINDS[fi]!;
            const f = forge(k, honest, seen, r);
            if (f) pushAttack(RU.forge0 + fi, t.slice(), [msg(K.attRes, H.gr, r, encEv(f))], { op: `forge:${k}`, nth: i, request: r, node: honest.node, text: `gateway replaces req-${r}'s evidence: ${k}` });
          }
          if (!((s[G.gens]! >> honest.node) & 1)) {
            const u = t.slice();
            u[G.gens]! |= 1 << honest.node;
            pushAttack(RU.restartAfter, u, [msg(K.attRes, H.gr, r, p)], { op: 'restart-after', nth: i, node: honest.node, request: r, text: `operator restarts node-${honest.node} after relaying req-${r}'s evidence` });
          }
        }
        if (adv === 'malicious-gateway') {
          pushAttack(RU.substituteKey, t.slice(), [msg(K.attRes, H.gr, r, encEv(forge('key-substitution', honest, seen, r)!))], { op: 'substitute-key', nth: i, request: r, text: `gateway substitutes its key in req-${r}'s evidence` });
        }
        return;
      }
      if (hop === H.gr) {
        hits[RU.relayAttRes]!++;
        return push(t0(), [msg(K.attRes, H.rc, r, p)]);
      }
      // The client checks (step 4) and sends the request (step 5).
      const t = t0();
      if (t[rq(w, r, R.phase)] !== PH.attesting) {
        hits[RU.evIgnore]!++;
        return push(t, []);
      }
      if (pcc) return clientPcc(w, t, r, p, push);
      const e = decEv(p);
      const why = clientChecks(w, e, r, t[rq(w, r, R.node)]!, false);
      if (why) {
        t[rq(w, r, R.phase)] = PH.error;
        return push(t, [], { text: `${text}: client rejects the evidence (${why})` });
      }
      if (!genuinelyBound(e)) t[G.viol]! |= V.attestation;
      // Stale evidence: produced for another nonce, or (bound to the key only) a bundle of an
      // earlier attempt that differs from what the answering node produced for this one.
      const stale = e.nonce !== NONCE_NONE ? e.nonce !== r : e.replayed;
      if (stale) t[G.viol]! |= V.freshness;
      if (e.fork) t[G.viol]! |= V.transparency;
      const key = e.keyRogue ? ROGUE_KEY : e.keyNode * 2 + e.gen;
      hits[RU.evAccept]!++;
      t[rq(w, r, R.phase)] = PH.sending;
      t[rq(w, r, R.key)] = key;
      t[rq(w, r, R.ev)] = p + 1;
      return push(t, [msg(K.req, H.cr, r, key)], { text: `${text}: client accepts, seals req-${r} to ${key === ROGUE_KEY ? 'the rogue key' : `node-${e.keyNode}'s key`}` });
    }
    case K.req: {
      if (hop === H.cr) {
        hits[RU.relayReq]!++;
        return push(t0(), [msg(K.req, H.rg, r, p)]);
      }
      if (hop === H.rg) {
        // Gateway (step 7): OHTTP decapsulation, token check and spend.
        const t = t0();
        const u = userOf(w, r);
        if ((t[G.spent]! >> r) & 1 && w.d['token-spend']) {
          hits[RU.gwSpentRefuse]!++;
          return push(t, [], { text: `${text}: gateway refuses a spent token` });
        }
        // A spent token accepted again is a freshness violation by itself (model/invariants/freshness.ts:
        // "token accepted again"), before any node opens the copy: found by the concrete engine.
        if ((t[G.spent]! >> r) & 1) {
          hits[RU.gwSpentAccept]!++;
          t[G.viol]! |= V.freshness;
        }
        t[G.spent]! |= 1 << r;
        if ((t[G.tag]! >> u) & 1) t[G.know]! |= KNOW_LINK(u);
        if (pcc) {
          // Forwarded to the first node of the sealed set (the gateway routes; any of them can open).
          const mask = p;
          if (mask & ROGUE_BIT) {
            t[G.know]! |= KNOW_SECRET(r);
            hits[RU.rogueOpens]!++;
          }
          const first = [0, 1, 2].find((i) => (mask >> i) & 1);
          hits[first === undefined ? RU.gwNoNode : RU.gwForwardPcc]!++;
          return push(t, first === undefined ? [] : [msg(K.req, H.gn, r, first)]);
        }
        if (p === ROGUE_KEY) {
          // The operator's rogue node opens what is sealed to its key (forge.ts RogueNode).
          t[G.know]! |= KNOW_SECRET(r);
          hits[RU.rogueOpens]!++;
          return push(t, [msg(K.res, H.ng, r, 8 + r)], { text: `${text}: the operator's rogue node opens req-${r}` });
        }
        hits[RU.gwForward]!++;
        return push(t, [msg(K.req, H.gn, r, p)]);
      }
      // The enclave (step 8) opens with its current key, answers, erases.
      const t = t0();
      const node = pcc ? p : p >> 1;
      if (!pcc && (t[G.gens]! >> node & 1) !== (p & 1)) {
        hits[RU.enKeyGone]!++;
        return push(t, [msg(K.res, H.ng, r, 15)], { text: `${text}: node-${node} was restarted, the key is gone` });
      }
      const opened = t[rq(w, r, R.opened)]!;
      if (pcc && opened > 0) {
        hits[RU.enReplayCache]!++;
        return push(t, [], { text: `${text}: enclave replay cache refuses it` });
      }
      t[rq(w, r, R.opened)] = Math.min(opened + 1, 3);
      hits[opened > 0 ? RU.enOpenAgain : RU.enOpen]!++;
      if (opened > 0) t[G.viol]! |= V.freshness;
      if ((t[G.cfgm]! >> node) & 1) {
        hits[RU.hostLog]!++;
        t[G.know]! |= KNOW_SECRET(r); // log=requests: the host collects the log
      }
      hits[w.d['state-erasure'] ? RU.enErase : RU.enKeep]!++;
      if (!w.d['state-erasure']) t[G.residue]! |= 1 << r;
      return push(t, [msg(K.res, H.ng, r, r)], { text: `${text}: node-${node} opens req-${r} and answers` });
    }
    case K.res: {
      if (hop === H.ng) {
        const i = Math.min(s[G.answers]!, 7);
        const t = t0();
        t[G.answers] = Math.min(i + 1, 7);
        hits[RU.gwAnswer]!++;
        push(t, [msg(K.res, H.gr, r, p)]);
        if (atk && adv === 'malicious-gateway') {
          pushAttack(RU.withhold, t.slice(), [msg(K.res, H.gr, r, 15)], { op: 'withhold', nth: i, request: r, text: `gateway withholds req-${r}'s answer` });
          for (let q = 0; q < w.cfg.requests; q++) {
            if (q === r || s[rq(w, q, R.phase)] !== PH.done) continue;
            pushAttack(RU.swap, t.slice(), [msg(K.res, H.gr, r, q)], { op: 'swap', nth: i, request: r, text: `gateway answers req-${r} with req-${q}'s answer` });
            break;
          }
        }
        return;
      }
      if (hop === H.gr) {
        hits[RU.relayRes]!++;
        return push(t0(), [msg(K.res, H.rc, r, p)]);
      }
      // Step 9: the client opens and checks the answer names its request.
      const t = t0();
      if (t[rq(w, r, R.phase)] !== PH.sending) {
        hits[RU.ansIgnore]!++;
        return push(t, []);
      }
      if (p === 15) {
        hits[RU.ansError]!++;
        t[rq(w, r, R.phase)] = PH.error;
        return push(t, [], { text: `${text}: explicit error` });
      }
      const from = p % 8;
      const rogue = p >= 8;
      if (from !== r && w.d['response-binding']) {
        hits[RU.ansRejOther]!++;
        t[rq(w, r, R.phase)] = PH.error;
        return push(t, [], { text: `${text}: client rejects an answer to another request` });
      }
      if (from !== r || rogue) t[G.viol]! |= V.integrity;
      hits[from !== r ? RU.ansTakeOther : RU.ansAccept]!++;
      t[rq(w, r, R.phase)] = PH.done;
      t[rq(w, r, R.answer)] = p;
      return push(t, [], { text: `${text}: client accepts the answer` });
    }
  }
}

/** pcc: the client verifies the candidates and seals one request key to at most `cap` of them. */
function clientPcc(w: World, t: State, r: number, p: number, push: (t: State, add: number[], a?: Partial<Action>) => void): void {
  const n = w.cfg.nodes;
  const mode = OFFER_MODES[p >> 5]!;
  const forged = p & 31;
  const hits = w.hits;
  if (mode === 'stale') {
    hits[RU.pccStale]!++;
    t[rq(w, r, R.phase)] = PH.error;
    return push(t, [], { text: 'client refuses keys of a past epoch' });
  }
  // The honest offer: cap distinct nodes; `all`: every node; `duplicates`: the honest ones thrice.
  const offered = mode === 'all' ? n : Math.min(w.cap, n);
  let mask = 0;
  for (let i = 0; i < offered; i++) mask |= 1 << i;
  if (forged > 0) {
    const e = forge(FORGERY_KINDS[forged - 1]!, honestEvidence(w, t, 0, r, true), [], r);
    if (e) {
      const why = clientChecks(w, e, r, 0, true);
      if (why) {
        t[rq(w, r, R.phase)] = PH.error;
        return push(t, [], { text: `client rejects a candidate (${why})` });
      }
      if (!genuinelyBound(e)) t[G.viol]! |= V.attestation;
      if (e.keyRogue) mask = (mask & ~1) | ROGUE_BIT;
    }
  }
  for (let i = 0; i < n; i++) {
    if (((mask >> i) & 1) === 0) continue;
    const e = honestEvidence(w, t, i, r, true);
    const why = clientChecks(w, e, r, i, true);
    if (why) {
      t[rq(w, r, R.phase)] = PH.error;
      return push(t, [], { text: `client rejects a candidate (${why})` });
    }
    if (e.fork) t[G.viol]! |= V.transparency;
  }
  // Step 5 with the cap: at most k nodes (the k-cap defence); without it every node offered.
  if (w.d['k-cap']) {
    let kept = 0;
    let trimmed = false;
    for (let i = 0; i < 8; i++) {
      if (((mask >> i) & 1) === 0) continue;
      if (kept < w.cap) kept++;
      else {
        mask &= ~(1 << i);
        trimmed = true;
      }
    }
    if (trimmed) hits[RU.kCap]!++;
  }
  let size = 0;
  for (let i = 0; i < 8; i++) if ((mask >> i) & 1) size++;
  if (size > w.cap) {
    hits[RU.kCapOff]!++;
    t[G.viol]! |= V['non-targetability'];
  }
  hits[RU.pccSeal]!++;
  t[rq(w, r, R.phase)] = PH.sending;
  t[rq(w, r, R.key)] = mask;
  return push(t, [msg(K.req, H.cr, r, mask)], { text: `client seals req-${r} to ${size} node(s)` });
}

/** The invariants violated in a state (PROTOCOL.md ids), in PROTOCOL.md order. */
export function violations(w: World, s: State): ModelInvariant[] {
  let bits = s[G.viol]!;
  const know = s[G.know]!;
  if (know & 0xff) bits |= V.confidentiality;
  if ((know >> 8) & 0xf) bits |= V.unlinkability;
  // stateless: a node still holds state of a request that ended.
  for (let r = 0; r < w.cfg.requests; r++) if ((s[G.residue]! >> r) & 1 && s[rq(w, r, R.phase)]! >= PH.done) bits |= V.stateless;
  return INVARIANT_BITS.filter((id) => bits & V[id]);
}

/**
 * The state hash: two interleaved 32-bit FNV-1a lanes over the canonical encoding (each word's 4
 * bytes, little-endian, in layout order; messages already sorted), 53 bits kept so it is a safe
 * integer key of a Set.
 */
export function hashState(s: State): number {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x050c5d1f | 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]! | 0;
    for (let b = 0; b < 4; b++) {
      const byte = (v >>> (8 * b)) & 0xff;
      h1 = Math.imul(h1 ^ byte, 0x01000193);
      h2 = Math.imul(h2 ^ byte, 0x01000193) ^ (h1 >>> 15);
    }
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

/** Whether every request has ended (a terminal state). */
export function finished(w: World, s: State): boolean {
  for (let r = 0; r < w.cfg.requests; r++) if (s[rq(w, r, R.phase)]! < PH.done) return false;
  return true;
}
