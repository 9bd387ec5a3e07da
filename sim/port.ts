/**
 * A party's port (ARCHITECTURE.md "A party and its port"): the whole surface between a party and
 * the world. A party that holds a port gets its name and address, its own Rng, the clock, `send`
 * and `listen` on the network, `observe` (tell the observer what it received, holds, logged or
 * learned: ground truth, into the hashed trace), `intercept` (the decision points where an
 * adversary in its position may substitute its choice for the honest one), its own configuration
 * and the directory of addresses. It never sees the World, another party or the ground truth.
 * Every party (client, relay, gateway, node host and enclave, issuer, log) runs on a port.
 *
 * Ground truth stays on the world's side of the port. A party never writes a world table: it
 * tells the observer what it did (`observe`, `fact`) or makes a claim (`tell`: "I accepted this
 * report", "I generated this key", "this context is derived from request R") that the world's
 * observer judges against the ground truth it alone holds (which report an enclave produced for
 * which nonce, which keys honest enclaves generated, which request a message carries) and records
 * as a fact.
 */
import type { AnyStateMachine } from 'xstate';
import type { Rng } from '../protocol/rng.js';
import type { VoprfIssuerKey } from '../protocol/tokens/type1-voprf.js';
import type { FactData, FactName } from '../model/facts.js';
import type { Holding } from '../model/world-view.js';
import type { LogProofView } from './adversary.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, toHex } from '../protocol/bytes.js';
import { reportDataBinding } from '../protocol/attestation-bundle.js';
import { MachineActor } from './actor.js';
import type { Message } from './network.js';
import type { World } from './world.js';
import type { TraceKind } from './trace.js';
import type { Candidate } from './epoch.js';
import type { NodeReplyView } from './adversary.js';
import { gpuProcesses } from './evidence/gpu.js';
import { walkEnclaveState } from './state-walk.js';
import { verifyCosignedCheckpoint } from '../protocol/tlog/witness-policy.js';
import { enclaveKey, tlsSessionKey } from './openers.js';
import { freshCertificate, raTlsIssued, raTlsRetired } from './evidence/ra-tls.js';

/** Where an adversary may decide in a party's place, with what it sees and what it returns. */
export interface DecisionPoints {
  /** The issuer: the issuance key for an account (an `issuer` adversary may tag accounts). */
  'issuer-key': { in: { account: string; honest: VoprfIssuerKey }; out: VoprfIssuerKey };
  /** The log: the proof and checkpoint served to node `node` (a `log` adversary may fork them). */
  'log-view': { in: { node: number; honest: LogProofView }; out: LogProofView };
  /** The client: the issuance public key it is given for its account (an `issuer` adversary may tag accounts). */
  'issuance-key': { in: { account: string; honest: Uint8Array }; out: Uint8Array };
  /** The gateway: the node an attest request goes to (a `gateway` adversary may steer it). */
  'route-attest': { in: { honest: number; nodes: number }; out: number };
  /** The gateway: a node's reply before it is encapsulated for the client (a `gateway` adversary may replace it). */
  'node-reply': { in: NodeReplyView; out: Uint8Array };
  /** The gateway: an inner request an operator's own (rogue) node may answer instead of the named one (null: it does not). */
  'rogue-request': { in: { ref: number; nodeId: string; inner: Uint8Array }; out: Uint8Array | null };
  /** The gateway, pcc: the candidate keys offered to a client (a `gateway` adversary chooses them). */
  'offer-candidates': { in: { honest: Candidate[]; directory: Candidate[]; published: Candidate[] }; out: Candidate[] };
  /** The host: the launch configuration it feeds its enclave (null: the released one). */
  'host-config': { in: { node: number }; out: string | null };
  /** The enclave, pp-gpu: the model's input crosses into the GPU (an operator who took it out of confidential mode reads it). */
  'gpu-input': { in: { node: number; plaintext: Uint8Array; msg: number }; out: void };
}
export type DecisionPoint = keyof DecisionPoints;

/**
 * Claims a party makes about what it did; the world's observer judges each against the ground
 * truth and records the fact (model/facts.ts). A party never learns the judgement.
 */
export type Claim =
  /** The client accepted evidence (PROTOCOL.md step 4): fresh? key honest? measurement logged? view consistent? */
  | {
      kind: 'evidence-accepted';
      requestId: string;
      node: string;
      nonce: Uint8Array;
      key: Uint8Array;
      measurement: Uint8Array;
      reportData: Uint8Array;
      report: Uint8Array;
      checkpointSize: number;
      root: string;
      /** The cosigned checkpoint note the client accepted (the observer judges its staleness and its honest cosigners). */
      checkpointNote: string;
      /** Profile ra-tls: the certificate the handshake authenticated, its session and its evidence's binding (freshness is judged on the certificate). */
      raTls?: { certificate: Uint8Array; clientRandom: Uint8Array; bindingKind: string; binding: Uint8Array };
    }
  /** The client sealed request `requestId` to `key` of node `node`: was the key generated inside an honest enclave? */
  | { kind: 'sealed-to'; requestId: string; node: string; key: Uint8Array }
  /** The gateway verified token `tokenId` (under the key `tokenKeyId`) on message `msg`: which request, and was the key one account's alone? */
  | { kind: 'token'; msg: number; tokenId: string; tokenKeyId: Uint8Array }
  /** The gateway serves the request of message `msg` with token `tokenId`. */
  | { kind: 'token-served'; msg: number; tokenId: string }
  /** The gateway routes the request of message `msg` to enclave `node`. */
  | { kind: 'routed'; msg: number; node: string }
  /** The enclave produced `report` for `nonce`. */
  | { kind: 'report-produced'; report: Uint8Array; nonce: Uint8Array }
  /** The enclave generated key pair `publicKey` inside its TEE. */
  | { kind: 'key-generated'; publicKey: Uint8Array; secretKey?: Uint8Array }
  /** Profile ra-tls: the enclave presented RA-TLS `certificate` (which it issued) in the session of ClientHello.random `clientRandom`. */
  | { kind: 'ra-tls-certificate'; certificate: Uint8Array; clientRandom: Uint8Array }
  /** Profile ra-tls: the enclave completed its side of a TLS handshake (the client-side traffic secrets, which the enclave holds). */
  | { kind: 'ra-tls-session'; clientRandom: Uint8Array; clientHandshakeSecret: Uint8Array; clientApplicationSecret: Uint8Array }
  /** Profile ra-tls: an enclave instance retired (restart), leaving its last certificate and key behind (what `attestation-relay` may extract). */
  | { kind: 'ra-tls-retired'; node: number; generation: number; certificate: Uint8Array; privateKey: Uint8Array }
  /** The enclave derived `value` (a key, an HPKE context) from request `requestId`. */
  | { kind: 'derived'; value: object; requestId: string }
  /**
   * The enclave's whole state (`state`: its fields), after request `requestId` (ref `afterRef`)
   * ended; `ended`/`inFlight`: the requests that ended here and those in flight again. The
   * observer walks it for anything of an ended request (invariant `stateless`).
   */
  | { kind: 'enclave-state'; state: Record<string, unknown>; afterRef: number; requestId: string; ended: ReadonlySet<string>; inFlight: ReadonlyMap<string, number>; when: string };

/** Trace kinds a party may note (the network, the machines, the observer and adversaries write the others). */
export type NoteKind = Extract<TraceKind, 'token' | 'error' | 'log' | 'state' | 'request' | 'consent' | 'verify' | 'crypto' | 'fault' | 'erase'>;

/** Addresses, never objects. */
export interface Directory {
  relay: string;
  gateway: string;
  issuer: string;
  log: string;
  node(i: number): string;
}

export interface PartyPort<C = unknown> {
  readonly name: string;
  readonly address: string;
  readonly rng: Rng;
  nowMs(): number;
  after(ms: number, label: string, fn: () => void): void;
  /** Runs `fn` at virtual time `atMs`. */
  at(atMs: number, label: string, fn: () => void): void;
  /**
   * Puts bytes on a link; `carries`: the id of the message whose request this one carries on;
   * `of`: the request this message carries, as its sender knows it (a client's own request, the
   * enclave's answer). The port, not the party, keeps the provenance table.
   */
  send(to: string, link: string, bytes: Uint8Array, label: string, options?: { stream?: number; carries?: number; of?: string }): Message;
  /** Receives every message addressed to this party. */
  listen(handler: (m: Message) => void): void;
  /** Ground truth into the trace: what this party received, holds, logged or learned. */
  observe(source: Holding['source'], bytes: Uint8Array, msg: number | null, fromAddress?: string | null): void;
  /** A fact about this party (model/facts.ts). */
  fact<K extends FactName>(name: K, data: FactData[K], what?: string): void;
  /** A trace line about what this party did (kind and data as in sim/trace.ts). */
  note(kind: NoteKind, what: string, data?: Record<string, string | number | boolean | null>): void;
  /** A claim the world's observer judges against the ground truth (see {@link Claim}). */
  tell(claim: Claim): void;
  /** A coverage mark (a defence branch fired). */
  mark(name: string): void;
  intercept<P extends DecisionPoint>(point: P, input: DecisionPoints[P]['in']): DecisionPoints[P]['out'];
  /** This party's own configuration (its profile switches, its keys). */
  readonly config: C;
  readonly directory: Directory;
  /** A machine actor for this party, tracing on the world's trace and clock. */
  actor<E extends { type: string }>(machine: AnyStateMachine, input: unknown): MachineActor<E>;
}

/** The world builds one port per party; only this function touches the World. */
export function makePort<C>(world: World, name: string, address: string, config: C): PartyPort<C> {
  const rng = world.rng.fork(name);
  return {
    name,
    address,
    rng,
    config,
    nowMs: () => world.clock.nowMs(),
    after: (ms, label, fn) => world.scheduler.after(ms, `${name} ${label}`, fn),
    at: (atMs, label, fn) => world.scheduler.at(atMs, `${name} ${label}`, fn),
    send(to, link, bytes, label, options = {}) {
      const m = world.network.send(address, to, link, bytes, label, options.stream);
      // Provenance (ground truth, the world's): the request the forwarded message carries.
      if (options.of !== undefined) world.provenance.set(m.id, options.of);
      else if (options.carries !== undefined) {
        const requestId = world.provenance.get(options.carries);
        if (requestId) world.provenance.set(m.id, requestId);
      }
      return m;
    },
    listen: (handler) => world.network.attach(address, handler),
    observe: (source, bytes, msg, fromAddress = null) => {
      world.observer.holds(name, source, bytes, msg, fromAddress);
    },
    fact: (factName, data, what) => {
      world.observer.fact(name, factName, data, what);
    },
    note: (kind, what, data) => {
      world.trace.append(world.clock.nowMs(), kind, name, what, data);
    },
    mark: (m) => world.mark(m),
    tell: (claim) => judge(world, name, claim),
    intercept: (point, input) => decide(world, point, input),
    directory: {
      relay: 'relay',
      gateway: 'gateway',
      issuer: 'issuer',
      log: 'log',
      node: (i) => `node-${i}`,
    },
    // The actor traces through closures: the party holds neither the trace nor the clock.
    actor: <E extends { type: string }>(machine: AnyStateMachine, input: unknown) =>
      new MachineActor<E>(name, machine, input, { append: (t, kind, party, what, data) => world.trace.append(t, kind, party, what, data) }, { nowMs: () => world.clock.nowMs() }, world.transitions),
  };
}

/** The decision points: the honest choice unless an adversary in that position registered a hook (sim/adversary.ts). */
function decide<P extends DecisionPoint>(world: World, point: P, input: DecisionPoints[P]['in']): DecisionPoints[P]['out'] {
  const h = world.hooks;
  switch (point) {
    case 'issuer-key': {
      const x = input as DecisionPoints['issuer-key']['in'];
      return world.issuerKeyFor(x.account) as never;
    }
    case 'issuance-key': {
      const x = input as DecisionPoints['issuance-key']['in'];
      return world.issuerKeyFor(x.account).publicKey as never;
    }
    case 'log-view': {
      const x = input as DecisionPoints['log-view']['in'];
      let view = x.honest;
      for (const f of h.logView) view = f(x.node, view);
      return view as never;
    }
    case 'route-attest': {
      const x = input as DecisionPoints['route-attest']['in'];
      return h.routeAttest.reduce((c, f) => f(c, x.nodes), x.honest) as never;
    }
    case 'node-reply': {
      const x = input as DecisionPoints['node-reply']['in'];
      let bytes = x.bytes;
      for (const f of h.nodeReply) bytes = f({ ...x, bytes });
      return bytes as never;
    }
    case 'rogue-request': {
      const x = input as DecisionPoints['rogue-request']['in'];
      let answer: Uint8Array | null = null;
      for (const f of h.rogueRequest) answer ??= f(x.ref, x.nodeId, x.inner);
      return answer as never;
    }
    case 'offer-candidates': {
      const x = input as DecisionPoints['offer-candidates']['in'];
      return h.offerCandidates.reduce((c, f) => f(c, x.directory, x.published), x.honest) as never;
    }
    case 'host-config': {
      const x = input as DecisionPoints['host-config']['in'];
      return (h.hostConfig.map((f) => f(x.node)).find((c) => c !== null) ?? null) as never;
    }
    case 'gpu-input': {
      const x = input as DecisionPoints['gpu-input']['in'];
      // Profile pp-gpu: the model runs on the GPU; one outside confidential mode shows the operator its input.
      gpuProcesses(world, x.node, x.plaintext, x.msg);
      return undefined as never;
    }
    default:
      throw new Error(`no decision point ${String(point)}`);
  }
}

/**
 * Observer judgements on the checkpoint a client accepted: how long the true log had superseded it
 * (stale past the freshness bound of model/log-policy.ts), and how many witnesses that no adversary
 * holds validly cosigned it (against the run's quorum).
 */
function logTruth(world: World, size: number, note: string): { checkpointStale: boolean; staleForMs: number; honestCosigners: number; quorumRequired: number } {
  const now = world.clock.nowMs();
  const at = world.growingLog.supersededAt(size);
  const staleForMs = at === null ? 0 : Math.max(0, now - at);
  const honest = world.keys.witnessVerifiers.filter((_, i) => !world.colludingWitnesses.has(i));
  let honestCosigners = 0;
  try {
    honestCosigners = verifyCosignedCheckpoint(note, { log: world.keys.logVerifier, witnesses: honest, quorum: 0 }).cosigners.length;
  } catch {
    honestCosigners = 0; // a line from a known key that does not verify: no valid honest cosignature counted
  }
  return { checkpointStale: staleForMs > world.logFreshnessMs, staleForMs, honestCosigners, quorumRequired: world.keys.witnessQuorum };
}

/** The observer's side of a claim: judged against the world's ground truth, recorded as a fact. */
function judge(world: World, party: string, c: Claim): void {
  const o = world.observer;
  switch (c.kind) {
    case 'evidence-accepted': {
      const produced = world.reportNonce.get(toHex(sha256(c.report)));
      // Coverage of the attestation race: another report was produced between this attempt's
      // report and its acceptance (the window in which evidence not bound to the nonce is stale).
      const at = world.nonceReportAt.get(toHex(c.nonce));
      if (at !== undefined && world.reportsProduced > at + 1) world.mark('observer.attest-interleaved');
      world.evidenceAcceptedAt.set(c.node, world.clock.nowMs());
      const size = c.checkpointSize;
      const trueRoot = size >= 1 && size <= world.keys.log.size ? toHex(world.keys.log.root(size)) : null;
      // Fresh: this very report was produced by an enclave for this attempt's nonce or, for a
      // report no enclave produced, it binds this nonce; the key was generated inside an honest
      // enclave; the measurement and the checkpoint are the true log's.
      o.fact(party, 'evidence-accepted', {
        requestId: c.requestId,
        node: c.node,
        nonce: toHex(c.nonce),
        fresh: c.raTls ? freshCertificate(world, c.raTls, c.nonce) : produced !== undefined ? produced === toHex(c.nonce) : equalBytes(c.reportData, reportDataBinding(c.key, c.nonce)),
        measurement: toHex(c.measurement),
        measurementLogged: world.keys.loggedMeasurements.has(toHex(c.measurement)),
        keyHonest: world.generatedByEnclave(c.key),
        checkpointSize: size,
        viewConsistent: c.root === '' || c.root === trueRoot,
        ...logTruth(world, size, c.checkpointNote),
      });
      return;
    }
    case 'sealed-to':
      o.fact(party, 'sealed-to', { requestId: c.requestId, node: c.node, keyHonest: world.generatedByEnclave(c.key) });
      return;
    case 'token': {
      const requestId = world.provenance.get(c.msg);
      // Which account the key that verified it was made for (a per-user tag), if any.
      const keyOwner = world.issuerKeysInUse().find((k) => equalBytes(k.key.tokenKeyId, c.tokenKeyId))?.user ?? null;
      if (requestId) o.fact(party, 'token', { msg: c.msg, requestId, tokenId: c.tokenId, keyOwner });
      return;
    }
    case 'token-served':
      o.fact(party, 'token-served', { requestId: world.provenance.get(c.msg) ?? `message ${c.msg}`, tokenId: c.tokenId });
      return;
    case 'routed': {
      const requestId = world.provenance.get(c.msg);
      const r = requestId ? world.request(requestId) : undefined;
      if (requestId && r) o.fact(party, 'routed', { requestId, user: r.user, node: c.node });
      return;
    }
    case 'report-produced':
      world.reportNonce.set(toHex(sha256(c.report)), toHex(c.nonce));
      world.nonceReportAt.set(toHex(c.nonce), world.reportsProduced++);
      // How close the race came: this node's report produced shortly after a client accepted
      // this node's evidence for another attempt (2^k ms buckets up to 1 s): a little later, and
      // that acceptance would have come after this report (the guided search climbs towards it).
      {
        const last = world.evidenceAcceptedAt.get(party);
        const gap = last === undefined ? Infinity : world.clock.nowMs() - last;
        if (gap <= 1024) world.mark(`observer.attest-gap.le-${2 ** Math.max(0, Math.ceil(Math.log2(Math.max(1, gap))))}ms`);
      }
      return;
    case 'key-generated': {
      world.enclaveGenerated(c.publicKey);
      // A compromised enclave's holder (position node:<i>) holds what it generates (closure over keys).
      const secretKey = c.secretKey;
      if (secretKey) world.compromisedEnclaveHolds(party, (name) => enclaveKey(secretKey, name, () => [name]), 'generated');
      return;
    }
    case 'ra-tls-certificate':
      raTlsIssued(world, c.certificate, c.clientRandom);
      return;
    case 'ra-tls-session': {
      // A compromised enclave's holder (position node:<i>) holds its sessions' keys too (closure over keys).
      world.compromisedEnclaveHolds(party, (name) => tlsSessionKey(c.clientRandom, c.clientHandshakeSecret, c.clientApplicationSecret, name), 'a TLS session completed');
      return;
    }
    case 'ra-tls-retired':
      raTlsRetired(world, { node: c.node, generation: c.generation, certificate: c.certificate, privateKey: c.privateKey });
      return;
    case 'derived':
      world.derivedFrom(c.value, c.requestId);
      return;
    case 'enclave-state': {
      const leftover = walkEnclaveState(c.state, (requestId) => c.ended.has(requestId) && !c.inFlight.has(requestId), (b) => o.contentIn(b), (v) => world.derivedRequest(v));
      o.fact(party, 'enclave-state', { afterRef: c.afterRef, requestId: c.requestId, leftover }, `state walk ${c.when}: ${leftover.length} value(s) of ended requests`);
      return;
    }
  }
}
