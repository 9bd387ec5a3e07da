/**
 * The gateway's executor (PROTOCOL.md step 7): OHTTP decapsulation, token verification and
 * spending, routing to a node, OHTTP encapsulation of the answer.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { decodeRequest, encodeResponse, type BhttpRequest } from '../../protocol/bhttp.js';
import { decapsulateRequest, type GatewayRequestContext } from '../../protocol/ohttp.js';
import { assertTokenChallenge, parseToken } from '../../protocol/tokens/token.js';
import { checkToken } from '../../protocol/tokens/type1-voprf.js';
import { uniformInt, type Rng } from '../../protocol/rng.js';
import { gatewayMachine, type GatewayEvent } from '../../model/machines/gateway.js';
import type { Intent } from '../../model/intents.js';
import { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { World } from '../world.js';
import { decodeBatch, encodeBatch, header, NODE_MSG, nodeMessage } from './common.js';
import { decodeCandidate, encodeCandidate, epochNonce, type Candidate } from '../epoch.js';
import { DIFFUSION_CAP } from '../../model/profile.js';
import { codeOf } from './client.js';

/** `Pending.node` of a request addressed to a node only an operator adversary runs. */
const ROGUE = -1;

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
  readonly name = 'gateway';
  readonly address = 'gateway';
  readonly actor: MachineActor<GatewayEvent>;
  private readonly rng: Rng;
  private readonly pending = new Map<number, Pending>();
  private readonly spent = new Set<string>();
  private lastAnswer: { ref: number; bytes: Uint8Array } | null = null;
  /** pcc: the latest published key of each node, and every one seen (an operator keeps them). */
  private readonly directory = new Map<number, Candidate>();
  private readonly published: Candidate[] = [];
  private nextRef = 1;

  constructor(private readonly world: World) {
    this.rng = world.rng.fork(this.name);
    this.actor = new MachineActor<GatewayEvent>(this.name, gatewayMachine, { spendTokens: world.defences['token-spend'] }, world.trace, world.clock, world.transitions);
    world.network.attach(this.address, (m) => this.receive(m));
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  /** Planted bug `relayForwardsClientAddress`: the relay tells us, beside message `id`, who sent it. */
  leakedAddress(id: number, address: string): void {
    this.world.observer.holds(this.name, 'received', utf8(`forwarded-for: ${address}`), id);
  }

  private receive(m: Message): void {
    const w = this.world;
    // Everything the gateway receives is its knowledge; straight from a client (no relay) it also sees the address.
    w.observer.holds(this.name, 'received', m.bytes, m.id, m.link === 'client-gateway' ? m.from : null);
    if (m.link === 'gateway-node' && m.bytes[0] === NODE_MSG.publish) {
      const c = decodeCandidate(m.bytes.subarray(1));
      const node = w.nodes.findIndex((n) => n.address === m.from);
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
        this.world.mark(`gateway.${intent.code.startsWith('token-') || intent.code === 'node-unavailable' ? intent.code : 'decap-failed'}`);
        return this.respond(intent.ref, p, intent.status, intent.code);
      default:
        throw new Error(`gateway cannot perform ${intent.kind}`);
    }
  }

  private decapsulate(ref: number, p: Pending): void {
    const w = this.world;
    try {
      const { request, context } = decapsulateRequest(w.keys.gateway, p.message.bytes);
      p.context = context;
      p.request = decodeRequest(request);
      // What the OHTTP layer yields is the gateway's knowledge by closure: it holds the key (sim/observer.ts).
      w.trace.append(w.clock.nowMs(), 'crypto', this.name, `ohttp open ${p.request.method} ${p.request.path.split('?')[0]}`, { msg: p.message.id });
      const path = p.request.path.split('?')[0];
      if (path === '/attest') {
        p.route = 'attest';
        p.node = this.chooseNode(/[?&]node=enclave-(\d+)/.exec(p.request.path)?.[1]);
      } else if (path === '/summarise') {
        p.route = 'summarise';
        const nodeId = w.pcc ? this.pickDiffused(header(p.request.headers, 'pph-nodes') ?? '') : (header(p.request.headers, 'pph-node') ?? '');
        const node = w.nodes.findIndex((n) => n.enclaveName === nodeId);
        p.nodeId = nodeId;
        p.node = w.hooks.rogueRequest.length > 0 ? ROGUE : node >= 0 ? node : null;
      } else {
        throw new Error(`unknown path ${p.request.path}`);
      }
      this.actor.send({ type: 'DECAPSULATED', ref, route: p.route });
    } catch (e) {
      w.trace.append(w.clock.nowMs(), 'verify', this.name, 'ohttp open failed', { ok: false, code: codeOf(e), msg: p.message.id });
      this.actor.send({ type: 'DECAP_FAILED', ref, code: codeOf(e) });
    }
  }

  /** The node the client asked for; an honest gateway honours it (a malformed choice: at random). */
  private chooseNode(asked: string | undefined): number {
    const w = this.world;
    if (w.bugs.routeAllToNodeZero) return 0;
    const n = asked === undefined ? -1 : Number(asked);
    const honest = Number.isInteger(n) && n >= 0 && n < w.nodes.length ? n : uniformInt(this.rng, w.nodes.length);
    const chosen = w.hooks.routeAttest.reduce((c, f) => f(c, w.nodes.length), honest);
    return Number.isInteger(chosen) && chosen >= 0 && chosen < w.nodes.length ? chosen : honest;
  }

  private verifyToken(ref: number, p: Pending): void {
    const w = this.world;
    const auth = header(p.request!.headers, 'authorization') ?? '';
    const m = /^PrivateToken token=([A-Za-z0-9_-]+)$/.exec(auth);
    try {
      if (!m) throw new Error('no token');
      const token = parseToken(new Uint8Array(Buffer.from(m[1]!, 'base64url')));
      // Privately verifiable (type 0x0001): the operator holds the issuer key (PROTOCOL.md).
      assertTokenChallenge(token, w.keys.tokenChallenge);
      const requestId = w.provenance.get(p.message.id);
      // The operator verifies under the key the token names; with per-user keys that names the user.
      const keys = w.issuerKeysInUse();
      const match = keys.find((k) => equalBytes(k.key.tokenKeyId, token.tokenKeyId)) ?? keys[0]!;
      checkToken(token, match.key);
      p.tokenId = toHex(sha256(token.nonce));
      // Knowledge: the gateway knows this request's token; the observer judges whether the key
      // that verified it was made for one account alone (a per-user tag).
      if (requestId) w.observer.fact(this.name, 'token', { msg: p.message.id, requestId, tokenId: p.tokenId, keyOwner: match.user });
      w.trace.append(w.clock.nowMs(), 'token', this.name, 'token verified', { ok: true, token: p.tokenId.slice(0, 16) });
      this.actor.send({ type: 'TOKEN_VALID', ref });
    } catch (e) {
      w.trace.append(w.clock.nowMs(), 'token', this.name, 'token rejected', { ok: false, code: codeOf(e) });
      this.actor.send({ type: 'TOKEN_INVALID', ref, code: m ? 'invalid' : 'missing' });
    }
  }

  private spendToken(ref: number, p: Pending): void {
    const w = this.world;
    if (this.spent.has(p.tokenId!)) {
      w.trace.append(w.clock.nowMs(), 'token', this.name, 'double spend refused', { ok: false, token: p.tokenId!.slice(0, 16) });
      this.actor.send({ type: 'DOUBLE_SPEND', ref });
      return;
    }
    this.spent.add(p.tokenId!);
    w.trace.append(w.clock.nowMs(), 'token', this.name, 'token spent', { token: p.tokenId!.slice(0, 16) });
    this.actor.send({ type: 'SPENT', ref });
  }

  private forward(ref: number, p: Pending): void {
    const w = this.world;
    if (p.node === ROGUE && p.route === 'summarise') return this.forwardToRogue(ref, p);
    if (w.pcc && p.route === 'attest') return this.offerCandidates(ref, p);
    if (p.node === null || !w.nodes[p.node]) {
      this.actor.send({ type: 'NODE_UNAVAILABLE', ref });
      return;
    }
    const node = w.nodes[p.node]!;
    let payload: Uint8Array;
    if (p.route === 'attest') {
      const nonce = /[?&]nonce=([0-9a-f]{64})/.exec(p.request!.path)?.[1];
      // Profile ra-tls: no nonce in the path; the request's body (the TLS ClientHello) goes to the node.
      payload = nodeMessage(NODE_MSG.attest, nonce ? fromHex(nonce) : p.request!.body);
    } else {
      const requestId = w.provenance.get(p.message.id);
      // Every request the gateway serves, whoever sent it, with the token it carried.
      w.observer.fact(this.name, 'token-served', { requestId: requestId ?? `message ${p.message.id}`, tokenId: p.tokenId ?? 'none' });
      if (requestId) {
        const r = w.request(requestId);
        if (r) w.observer.fact(this.name, 'routed', { requestId, user: r.user, node: node.enclaveName });
      }
      payload = nodeMessage(NODE_MSG.request, p.request!.body);
    }
    const m = w.network.send(this.address, node.address, 'gateway-node', payload, p.route === 'attest' ? 'attest-fwd' : 'inner-req', ref);
    const requestId = w.provenance.get(p.message.id);
    if (requestId) w.provenance.set(m.id, requestId);
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
    const w = this.world;
    const all = [...this.directory.values()].sort((a, b) => a.node - b.node);
    const pool = all.slice();
    const honest: Candidate[] = [];
    while (honest.length < DIFFUSION_CAP && pool.length) honest.push(pool.splice(uniformInt(this.rng, pool.length), 1)[0]!);
    const offered = w.hooks.offerCandidates.reduce((c, f) => f(c, all, this.published.slice()), honest);
    p.reply = nodeMessage(NODE_MSG.evidence, encodeBatch(offered.map(encodeCandidate)));
    w.trace.append(w.clock.nowMs(), 'log', this.name, `offered ${offered.length} candidate keys`, { nodes: offered.map((c) => `${c.node}@${c.epoch}`).join(',') });
    this.actor.send({ type: 'NODE_REPLY', ref });
  }

  /** An operator adversary's own node answers (it is not one of the attested honest nodes). */
  private forwardToRogue(ref: number, p: Pending): void {
    const w = this.world;
    let answer: Uint8Array | null = null;
    for (const f of w.hooks.rogueRequest) answer ??= f(ref, p.nodeId ?? '', p.request!.body);
    if (answer === null) {
      // Not sealed to a rogue key: the request goes to the honest node the client named.
      const node = w.nodes.findIndex((n) => n.enclaveName === p.nodeId);
      p.node = node >= 0 ? node : null;
      return this.forward(ref, p);
    }
    p.reply = nodeMessage(NODE_MSG.answer, answer);
    this.actor.send({ type: 'NODE_REPLY', ref });
  }

  /** pcc: the node-reply hooks see each offered bundle as one attest reply (nonce: its epoch's). */
  private rewriteCandidates(ref: number, reply: Uint8Array): Uint8Array {
    const w = this.world;
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
      for (const f of w.hooks.nodeReply) bytes = f({ route: 'attest', node, ref, nonce: toHex(epochNonce(c.epoch)), request: new Uint8Array(0), bytes });
      return bytes[0] === NODE_MSG.evidence ? encodeCandidate({ epoch: c.epoch, node, bundle: bytes.subarray(1) }) : item;
    });
    return nodeMessage(NODE_MSG.evidence, encodeBatch(out));
  }

  private respond(ref: number, p: Pending, status: number, code: string | null): void {
    const w = this.world;
    this.pending.delete(ref);
    const to = p.message.from;
    const link = p.message.link;
    const label = p.route === 'attest' ? 'attest-res' : 'ohttp-res';
    if (!p.context) {
      // RFC 9458 §5.2: a request that cannot be decapsulated gets a plain HTTP error, no OHTTP.
      w.network.send(this.address, to, link, utf8(code ?? 'error'), 'ohttp-error', p.message.id);
      this.actor.send({ type: 'RESPONSE_SENT', ref });
      return;
    }
    if (status === 200 && p.reply && p.route && w.hooks.nodeReply.length > 0) {
      const nonce = p.route === 'attest' ? (/[?&]nonce=([0-9a-f]{64})/.exec(p.request!.path)?.[1] ?? null) : null;
      if (w.pcc && p.route === 'attest') p.reply = this.rewriteCandidates(ref, p.reply);
      else for (const f of w.hooks.nodeReply) p.reply = f({ route: p.route, node: p.node ?? -1, ref, nonce, request: p.request!.body.slice(), bytes: p.reply });
    }
    let body = status === 200 && p.reply ? p.reply.subarray(1) : new Uint8Array(0);
    if (w.bugs.gatewaySwapsResponses && status === 200 && p.route === 'summarise') {
      const mine = body;
      if (this.lastAnswer) body = this.lastAnswer.bytes;
      this.lastAnswer = { ref, bytes: mine };
    }
    const headers: [string, string][] = code ? [['pph-error', code]] : [];
    const bhttp = encodeResponse({ informational: [], status, headers, body, trailers: [] });
    const bytes = p.context.encapsulateResponse(bhttp, this.rng);
    w.network.send(this.address, to, link, bytes, label, p.message.id);
    this.actor.send({ type: 'RESPONSE_SENT', ref });
  }
}
