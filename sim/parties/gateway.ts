/**
 * The gateway's executor (PROTOCOL.md step 7): OHTTP decapsulation, token verification and
 * spending, routing to a node, OHTTP encapsulation of the answer.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { decodeRequest, encodeResponse, type BhttpRequest } from '../../protocol/bhttp.js';
import { decapsulateRequest, type GatewayKey, type GatewayRequestContext } from '../../protocol/ohttp.js';
import { assertTokenChallenge, parseToken } from '../../protocol/tokens/token.js';
import { checkToken, type VoprfIssuerKey } from '../../protocol/tokens/type1-voprf.js';
import { uniformInt, type Rng } from '../../protocol/rng.js';
import { gatewayMachine, type GatewayEvent } from '../../model/machines/gateway.js';
import type { Intent } from '../../model/intents.js';
import type { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';
import { decodeBatch, encodeBatch } from './common.js';
import { header, HEADERS, NODE_MSG, nodeMessage, PATHS, tokenOfAuthorization } from '../../protocol/request-path.js';
import { decodeCandidate, encodeCandidate, epochNonce, type Candidate } from '../epoch.js';
import { DIFFUSION_CAP } from '../../model/profile.js';
import { codeOf } from './client.js';

/** `Pending.node` of a request addressed to a node only an operator adversary runs. */
const ROGUE = -1;

/** The gateway's own configuration: its profile switches and the keys the operator holds. */
export interface GatewayConfig {
  readonly pcc: boolean;
  /** The enclave names of the attested fleet, by node index (the address of node i is `directory.node(i)`). */
  readonly nodeIds: readonly string[];
  readonly spendTokens: boolean;
  readonly gatewayKey: GatewayKey;
  readonly tokenChallenge: Uint8Array;
  /**
   * The issuance keys in use (privately verifiable tokens: the operator holds its issuer's keys),
   * the shared one first.
   */
  readonly issuerKeys: () => readonly VoprfIssuerKey[];
  /** Planted bugs of the gateway's own code. */
  readonly bugs: { readonly routeAllToNodeZero?: boolean; readonly gatewaySwapsResponses?: boolean };
}

interface Pending {
  message: Message;
  context: GatewayRequestContext | null;
  request: BhttpRequest | null;
  route: 'attest' | 'summarise' | null;
  /** The honest node index, ROGUE for a node the operator runs outside the attested fleet, or null. */
  node: number | null;
  nodeId: string | null;
  tokenId: string | null;
  reply: Uint8Array | null;
}

export class GatewayParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<GatewayEvent>;
  private readonly rng: Rng;
  private readonly pending = new Map<number, Pending>();
  private readonly spent = new Set<string>();
  private lastAnswer: { ref: number; bytes: Uint8Array } | null = null;
  /** pcc: the latest published key of each node, and every one seen (an operator keeps them). */
  private readonly directory = new Map<number, Candidate>();
  private readonly published: Candidate[] = [];
  private nextRef = 1;

  constructor(private readonly port: PartyPort<GatewayConfig>) {
    this.name = port.name;
    this.address = port.address;
    this.rng = port.rng;
    this.actor = port.actor<GatewayEvent>(gatewayMachine, { spendTokens: port.config.spendTokens });
    port.listen((m) => this.receive(m));
  }

  /** The index of the node at `address`, or -1. */
  private nodeAt(address: string): number {
    return this.port.config.nodeIds.findIndex((_, i) => this.port.directory.node(i) === address);
  }

  /** The index of the node whose enclave is named `nodeId`, or -1. */
  private nodeNamed(nodeId: string): number {
    return this.port.config.nodeIds.indexOf(nodeId);
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  /** Planted bug `relayForwardsClientAddress`: the relay tells us, beside message `id`, who sent it. */
  leakedAddress(id: number, address: string): void {
    this.port.observe('received', utf8(`forwarded-for: ${address}`), id);
  }

  private receive(m: Message): void {
    // Everything the gateway receives is its knowledge; straight from a client (no relay) it also sees the address.
    this.port.observe('received', m.bytes, m.id, m.link === 'client-gateway' ? m.from : null);
    if (m.link === 'gateway-node' && m.bytes[0] === NODE_MSG.publish) {
      const c = decodeCandidate(m.bytes.subarray(1));
      const node = this.nodeAt(m.from);
      if (c && node >= 0) {
        const cand = { epoch: c.epoch, node, bundle: c.bundle };
        this.directory.set(node, cand);
        this.published.push(cand);
      }
      return;
    }
    if (m.link === 'gateway-node') {
      const p = m.stream === undefined ? undefined : this.pending.get(m.stream);
      if (!p) return;
      p.reply = m.bytes;
      this.actor.send({ type: m.bytes[0] === NODE_MSG.error ? 'NODE_UNAVAILABLE' : 'NODE_REPLY', ref: m.stream! });
      return;
    }
    // A local ref per arrival: a duplicated message is a second request, not the same one.
    const ref = this.nextRef++;
    this.pending.set(ref, { message: m, context: null, request: null, route: null, node: null, nodeId: null, tokenId: null, reply: null });
    this.actor.send({ type: 'OHTTP_IN', ref });
  }

  private perform(intent: Intent): void {
    if (!('ref' in intent)) throw new Error(`gateway cannot perform ${intent.kind}`);
    const p = this.pending.get(intent.ref);
    if (!p) return;
    switch (intent.kind) {
      case 'decapsulate':
        return this.decapsulate(intent.ref, p);
      case 'verify-token':
        return this.verifyToken(intent.ref, p);
      case 'spend-token':
        return this.spendToken(intent.ref, p);
      case 'forward-to-node':
        return this.forward(intent.ref, p);
      case 'encapsulate-response':
        return this.respond(intent.ref, p, 200, null);
      case 'respond-error':
        this.port.mark(`gateway.${intent.code.startsWith('token-') || intent.code === 'node-unavailable' ? intent.code : 'decap-failed'}`);
        return this.respond(intent.ref, p, intent.status, intent.code);
      default:
        throw new Error(`gateway cannot perform ${intent.kind}`);
    }
  }

  private decapsulate(ref: number, p: Pending): void {
    const port = this.port;
    try {
      const { request, context } = decapsulateRequest(port.config.gatewayKey, p.message.bytes);
      p.context = context;
      p.request = decodeRequest(request);
      // What the OHTTP layer yields is the gateway's knowledge by closure: it holds the key (sim/observer.ts).
      port.note('crypto', `ohttp open ${p.request.method} ${p.request.path.split('?')[0]}`, { msg: p.message.id });
      const path = p.request.path.split('?')[0];
      if (path === PATHS.attest) {
        p.route = 'attest';
        p.node = this.chooseNode(/[?&]node=enclave-(\d+)/.exec(p.request.path)?.[1]);
      } else if (path === PATHS.summarise) {
        p.route = 'summarise';
        const nodeId = port.config.pcc ? this.pickDiffused(header(p.request.headers, HEADERS.nodes) ?? '') : (header(p.request.headers, HEADERS.node) ?? '');
        const node = this.nodeNamed(nodeId);
        p.nodeId = nodeId;
        p.node = node >= 0 ? node : null;
      } else {
        throw new Error(`unknown path ${p.request.path}`);
      }
      this.actor.send({ type: 'DECAPSULATED', ref, route: p.route });
    } catch (e) {
      port.note('verify', 'ohttp open failed', { ok: false, code: codeOf(e), msg: p.message.id });
      this.actor.send({ type: 'DECAP_FAILED', ref, code: codeOf(e) });
    }
  }

  /** The node the client asked for; an honest gateway honours it (a malformed choice: at random). */
  private chooseNode(asked: string | undefined): number {
    const c = this.port.config;
    if (c.bugs.routeAllToNodeZero) return 0;
    const nodes = c.nodeIds.length;
    const n = asked === undefined ? -1 : Number(asked);
    const honest = Number.isInteger(n) && n >= 0 && n < nodes ? n : uniformInt(this.rng, nodes);
    const chosen = this.port.intercept('route-attest', { honest, nodes });
    return Number.isInteger(chosen) && chosen >= 0 && chosen < nodes ? chosen : honest;
  }

  private verifyToken(ref: number, p: Pending): void {
    const port = this.port;
    const m = tokenOfAuthorization(header(p.request!.headers, HEADERS.authorization) ?? '');
    try {
      if (!m) throw new Error('no token');
      const token = parseToken(m);
      // Privately verifiable (type 0x0001): the operator holds the issuer key (PROTOCOL.md).
      assertTokenChallenge(token, port.config.tokenChallenge);
      // The operator verifies under the key the token names; with per-user keys that names the user.
      const keys = port.config.issuerKeys();
      const match = { key: keys.find((k) => equalBytes(k.tokenKeyId, token.tokenKeyId)) ?? keys[0]! };
      checkToken(token, match.key);
      p.tokenId = toHex(sha256(token.nonce));
      // Knowledge: the gateway knows this request's token; the observer judges which request it
      // is and whether the key that verified it was made for one account alone (a per-user tag).
      port.tell({ kind: 'token', msg: p.message.id, tokenId: p.tokenId, tokenKeyId: match.key.tokenKeyId });
      port.note('token', 'token verified', { ok: true, token: p.tokenId.slice(0, 16) });
      this.actor.send({ type: 'TOKEN_VALID', ref });
    } catch (e) {
      port.note('token', 'token rejected', { ok: false, code: codeOf(e) });
      this.actor.send({ type: 'TOKEN_INVALID', ref, code: m ? 'invalid' : 'missing' });
    }
  }

  private spendToken(ref: number, p: Pending): void {
    if (this.spent.has(p.tokenId!)) {
      this.port.note('token', 'double spend refused', { ok: false, token: p.tokenId!.slice(0, 16) });
      this.actor.send({ type: 'DOUBLE_SPEND', ref });
      return;
    }
    this.spent.add(p.tokenId!);
    this.port.note('token', 'token spent', { token: p.tokenId!.slice(0, 16) });
    this.actor.send({ type: 'SPENT', ref });
  }

  private forward(ref: number, p: Pending): void {
    const port = this.port;
    if (p.route === 'summarise' && p.node !== ROGUE && this.forwardToRogue(ref, p)) return;
    if (port.config.pcc && p.route === 'attest') return this.offerCandidates(ref, p);
    if (p.node === null || p.node < 0 || p.node >= port.config.nodeIds.length) {
      this.actor.send({ type: 'NODE_UNAVAILABLE', ref });
      return;
    }
    const node = { enclaveName: port.config.nodeIds[p.node]!, address: port.directory.node(p.node) };
    let payload: Uint8Array;
    if (p.route === 'attest') {
      const nonce = /[?&]nonce=([0-9a-f]{64})/.exec(p.request!.path)?.[1];
      // Profile ra-tls: no nonce in the path; the request's body (the TLS ClientHello) goes to the node.
      payload = nodeMessage(NODE_MSG.attest, nonce ? fromHex(nonce) : p.request!.body);
    } else {
      // Every request the gateway serves, whoever sent it, with the token it carried.
      port.tell({ kind: 'token-served', msg: p.message.id, tokenId: p.tokenId ?? 'none' });
      port.tell({ kind: 'routed', msg: p.message.id, node: node.enclaveName });
      payload = nodeMessage(NODE_MSG.request, p.request!.body);
    }
    port.send(node.address, 'gateway-node', payload, p.route === 'attest' ? 'attest-fwd' : 'inner-req', { stream: ref, carries: p.message.id });
  }

  /** pcc: of the nodes the request key was sealed to, the gateway picks one (the honest choice: at random). */
  private pickDiffused(list: string): string {
    const ids = list.split(',').filter((s) => s !== '');
    return ids.length ? ids[uniformInt(this.rng, ids.length)]! : '';
  }

  /**
   * pcc: answers a candidate request from the directory, without a node: an honest gateway offers
   * the current keys of DIFFUSION_CAP random nodes. The reply is a batch of (epoch, bundle).
   */
  private offerCandidates(ref: number, p: Pending): void {
    const all = [...this.directory.values()].sort((a, b) => a.node - b.node);
    const pool = all.slice();
    const honest: Candidate[] = [];
    while (honest.length < DIFFUSION_CAP && pool.length) honest.push(pool.splice(uniformInt(this.rng, pool.length), 1)[0]!);
    const offered = this.port.intercept('offer-candidates', { honest, directory: all, published: this.published.slice() });
    p.reply = nodeMessage(NODE_MSG.evidence, encodeBatch(offered.map(encodeCandidate)));
    this.port.note('log', `offered ${offered.length} candidate keys`, { nodes: offered.map((c) => `${c.node}@${c.epoch}`).join(',') });
    this.actor.send({ type: 'NODE_REPLY', ref });
  }

  /**
   * An operator adversary's own node may answer (it is not one of the attested honest nodes):
   * true when it did. Otherwise (not sealed to a rogue key) the request goes to the honest node
   * the client named.
   */
  private forwardToRogue(ref: number, p: Pending): boolean {
    const answer = this.port.intercept('rogue-request', { ref, nodeId: p.nodeId ?? '', inner: p.request!.body });
    if (answer === null) return false;
    p.node = ROGUE;
    p.reply = nodeMessage(NODE_MSG.answer, answer);
    this.actor.send({ type: 'NODE_REPLY', ref });
    return true;
  }

  /** pcc: the node-reply hooks see each offered bundle as one attest reply (nonce: its epoch's). */
  private rewriteCandidates(ref: number, reply: Uint8Array): Uint8Array {
    let items: Uint8Array[];
    try {
      items = decodeBatch(reply.subarray(1));
    } catch {
      return reply;
    }
    const out = items.map((item) => {
      const c = decodeCandidate(item);
      if (!c) return item;
      const node = this.published.find((x) => equalBytes(x.bundle, c.bundle))?.node ?? 0;
      let bytes = nodeMessage(NODE_MSG.evidence, c.bundle);
      bytes = this.port.intercept('node-reply', { route: 'attest', node, ref, nonce: toHex(epochNonce(c.epoch)), request: new Uint8Array(0), bytes });
      return bytes[0] === NODE_MSG.evidence ? encodeCandidate({ epoch: c.epoch, node, bundle: bytes.subarray(1) }) : item;
    });
    return nodeMessage(NODE_MSG.evidence, encodeBatch(out));
  }

  private respond(ref: number, p: Pending, status: number, code: string | null): void {
    const port = this.port;
    this.pending.delete(ref);
    const to = p.message.from;
    const link = p.message.link;
    const label = p.route === 'attest' ? 'attest-res' : 'ohttp-res';
    if (!p.context) {
      // RFC 9458 §5.2: a request that cannot be decapsulated gets a plain HTTP error, no OHTTP.
      port.send(to, link, utf8(code ?? 'error'), 'ohttp-error', { stream: p.message.id });
      this.actor.send({ type: 'RESPONSE_SENT', ref });
      return;
    }
    if (status === 200 && p.reply && p.route) {
      // The decision point `node-reply`: an operator adversary may replace what a node answered.
      const nonce = p.route === 'attest' ? (/[?&]nonce=([0-9a-f]{64})/.exec(p.request!.path)?.[1] ?? null) : null;
      if (port.config.pcc && p.route === 'attest') p.reply = this.rewriteCandidates(ref, p.reply);
      else p.reply = port.intercept('node-reply', { route: p.route, node: p.node ?? -1, ref, nonce, request: p.request!.body.slice(), bytes: p.reply });
    }
    let body = status === 200 && p.reply ? p.reply.subarray(1) : new Uint8Array(0);
    if (port.config.bugs.gatewaySwapsResponses && status === 200 && p.route === 'summarise') {
      const mine = body;
      if (this.lastAnswer) body = this.lastAnswer.bytes;
      this.lastAnswer = { ref, bytes: mine };
    }
    const headers: [string, string][] = code ? [[HEADERS.error, code]] : [];
    const bhttp = encodeResponse({ informational: [], status, headers, body, trailers: [] });
    const bytes = p.context.encapsulateResponse(bhttp, this.rng);
    port.send(to, link, bytes, label, { stream: p.message.id });
    this.actor.send({ type: 'RESPONSE_SENT', ref });
  }
}
