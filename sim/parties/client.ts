/**
 * The client's executor: performs the intents of model/machines/client.ts with real crypto and
 * turns what arrives on the network into the machine's events.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import { encodeRequest, decodeResponse, type BhttpRequest } from '../../protocol/bhttp.js';
import { encapsulateRequest, type ClientRequestContext } from '../../protocol/ohttp.js';
import { diffusedResponseKey, sealDiffusedRequest, sealInnerRequest, openInnerResponse, responseKey } from '../../protocol/inner-session.js';
import { decodeCandidate, epochAt, epochNonce } from '../epoch.js';
import { DIFFUSION_CAP } from '../../model/profile.js';
import type { SenderContext } from '../../protocol/hpke.js';
import { createTokenRequest, finalize, type VoprfClientState } from '../../protocol/tokens/type1-voprf.js';
import { encodeTokenRequest } from '../../protocol/tokens/token-request.js';
import { parseTokenResponse } from '../../protocol/tokens/token-response.js';
import { encodeToken, parseToken } from '../../protocol/tokens/token.js';
import { TOKEN_TYPE_VOPRF } from '../../protocol/tokens/token-type.js';
import { PphError } from '../../protocol/errors.js';
import { uniformInt, type Rng } from '../../protocol/rng.js';
import { clientMachine, type ClientEvent } from '../../model/machines/client.js';
import type { Intent } from '../../model/intents.js';
import { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { World } from '../world.js';
import { checkBundle, type LogViewState } from '../evidence-check.js';
import { decodeBatch, encodeBatch, GATEWAY_AUTHORITY, header, textOf, Timers } from './common.js';
import { RaTlsClientSide } from './ra-tls-client.js';
import { isRaTls } from '../evidence/ra-tls.js';

interface Attempt {
  requestId: string;
  nonce: Uint8Array;
  /** The node this client picked at random for this attempt (target diffusion: not the gateway's choice). */
  node: string;
  ohttp: ClientRequestContext | null;
  bundle: Uint8Array | null;
  nodeId: string | null;
  enclaveKey: Uint8Array | null;
  inner: SenderContext | null;
  response: Uint8Array | null;
  /** pcc: the nodes (and keys) the request key is sealed to, and that key. */
  targets: { nodeId: string; key: Uint8Array }[];
  requestKey: Uint8Array | null;
}

/** Padding buckets for the BHTTP request (PROTOCOL.md step 5): sizes reveal only the bucket. */
const PAD_BUCKETS = [1024, 2048, 4096, 8192, 16384, 32768, 65536];

export class ClientParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<ClientEvent>;
  private readonly rng: Rng;
  private readonly timers: Timers;
  private tokens: Uint8Array[] = [];
  private tokenStates: VoprfClientState[] = [];
  private attempt: Attempt | null = null;
  private readonly logView: LogViewState = { last: null };
  /** Profile ra-tls: the attested channel is a TLS 1.3 session (sim/parties/ra-tls-client.ts). */
  private readonly raTls: RaTlsClientSide | null;

  constructor(
    private readonly world: World,
    readonly index: number,
  ) {
    this.name = `client-${index}`;
    this.address = `client-${index}`;
    this.rng = world.rng.fork(this.name);
    this.raTls = isRaTls(world) ? new RaTlsClientSide(world, this.name, this.rng) : null;
    const w = world.workload;
    const d = world.defences;
    const net = world.spec.network;
    this.actor = new MachineActor<ClientEvent>(
      this.name,
      clientMachine,
      {
        user: this.name,
        optedIn: world.bugs.ignoreConsent ? true : w.optedIn[index]!,
        excludedChats: world.bugs.ignoreConsent ? [] : w.chats.filter((c) => c.user === index && c.excluded).map((c) => c.chatId),
        checks: {
          chain: d['chain-check'],
          signature: d['report-signature'],
          policy: d['policy-check'],
          tcb: d['tcb-check'],
          tcbFromReport: !d['tcb-from-report'],
          measurementInLog: d['measurement-log'],
          witnesses: d['witness-cosignatures'],
          logConsistency: d['log-consistency'],
          binding: d['report-binding'],
          clientNonce: d['client-nonce'],
          keyConsistency: d['key-consistency'],
          hostData: d['measured-config'],
        },
        pad: d.padding,
        checkResponseBinding: d['response-binding'],
        retries: net.retries,
        tokenBatch: world.spec.world.tokensPerUser,
        attestTimeoutMs: net.requestTimeoutMs,
        responseTimeoutMs: net.requestTimeoutMs,
      },
      world.trace,
      world.clock,
      world.transitions,
    );
    this.timers = new Timers(world, this.name, (name) => this.actor.send({ type: 'TIMEOUT', name }));
    world.network.attach(this.address, (m) => this.receive(m));
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  /** This user's account id (it authenticates issuance; an identity canary of the observer). */
  get account(): string {
    return this.world.accounts[this.index]!;
  }

  get currentRequestId(): string | null {
    return this.attempt?.requestId ?? null;
  }

  task(requestId: string, chatId: string): void {
    this.world.trace.append(this.world.clock.nowMs(), 'request', this.name, `task ${requestId}`, { chat: chatId });
    this.actor.send({ type: 'TASK', requestId, chatId });
  }

  private get now(): number {
    return this.world.clock.nowMs();
  }

  private perform(intent: Intent): void {
    switch (intent.kind) {
      case 'timer':
        if (this.world.bugs.noClientTimeouts) return; // planted bug: a lost message leaves the request hanging
        return this.timers.arm(intent.name, intent.ms);
      case 'cancel-timer':
        return this.timers.cancel(intent.name);
      case 'consent-block': {
        this.world.observer.fact(this.name, 'request-blocked', { requestId: intent.requestId, reason: intent.reason });
        this.world.trace.append(this.now, 'consent', this.name, `kept ${intent.requestId} on the device`, { chat: intent.chatId, reason: intent.reason });
        return;
      }
      case 'request-tokens':
        return this.requestTokens(intent.count);
      case 'attest':
        if (intent.attempt > 0) this.world.mark('client.attest-retry');
        return this.attest(intent.requestId);
      case 'verify-evidence':
        return this.verifyEvidence(intent);
      case 'send-request':
        return this.sendRequest(intent.requestId, intent.chatId, intent.pad);
      case 'open-response':
        return this.openResponse(intent.requestId, intent.checkBinding);
      case 'request-done': {
        this.world.observer.fact(this.name, 'request-ended', { requestId: intent.requestId, outcome: intent.outcome, code: intent.code, atMs: this.now });
        this.world.trace.append(this.now, intent.outcome === 'ok' ? 'request' : 'error', this.name, `${intent.requestId} ${intent.outcome}`, { code: intent.code });
        if (intent.outcome === 'error') this.world.mark(`client.${intent.code}`);
        this.attempt = null;
        return;
      }
      default:
        throw new Error(`client cannot perform ${intent.kind}`);
    }
  }

  private requestTokens(count: number): void {
    const k = this.world.keys;
    this.tokenStates = [];
    const requests: Uint8Array[] = [];
    const issuerKey = this.world.issuerKeyFor(this.name).publicKey;
    for (let i = 0; i < count; i++) {
      const { request, state } = createTokenRequest(k.tokenChallenge, issuerKey, this.rng);
      this.tokenStates.push(state);
      requests.push(encodeTokenRequest(request));
    }
    this.world.trace.append(this.now, 'token', this.name, `blinded ${count} token requests`);
    // Issuance is for an authenticated account (PROTOCOL.md step 2): the first item names it.
    this.world.network.send(this.address, this.world.issuer.address, 'client-issuer', encodeBatch([utf8(`account ${this.account}`), ...requests]), 'token-req');
  }

  private onTokenResponse(bytes: Uint8Array): void {
    if (this.tokenStates.length === 0) return; // a duplicate or late response: nothing awaits it
    try {
      const responses = decodeBatch(bytes);
      if (responses.length !== this.tokenStates.length) throw new Error('token batch size mismatch');
      const fresh = responses.map((r, i) => encodeToken(finalize(parseTokenResponse(r, TOKEN_TYPE_VOPRF) as never, this.tokenStates[i]!)));
      this.tokens.push(...fresh);
      // Observer: these tokens come from an issuance (authorization judges what the gateway serves against them).
      for (const t of fresh) this.world.observer.fact(this.name, 'token-issued', { tokenId: toHex(sha256(parseToken(t).nonce)) });
      this.tokenStates = [];
      this.world.trace.append(this.now, 'token', this.name, `finalized ${fresh.length} tokens`, { ok: true });
      this.actor.send({ type: 'TOKENS_READY', count: fresh.length });
    } catch (e) {
      this.world.trace.append(this.now, 'token', this.name, 'token issuance failed', { ok: false, code: codeOf(e) });
      this.actor.send({ type: 'TOKENS_FAILED', code: codeOf(e) });
    }
  }

  /** The entry point of the relay (or of the gateway when the `relay` defence is off). */
  private get firstHop(): { to: string; link: string } {
    return this.world.defences.relay ? { to: this.world.relay.address, link: 'client-relay' } : { to: this.world.gateway.address, link: 'client-gateway' };
  }

  private sendOhttp(requestId: string, bhttp: BhttpRequest, pad: boolean, label: string): ClientRequestContext {
    let encoded = encodeRequest(bhttp);
    if (pad) {
      const bucket = PAD_BUCKETS.find((b) => b >= encoded.length) ?? encoded.length;
      encoded = encodeRequest(bhttp, { paddingBytes: bucket - encoded.length });
    }
    const { encapsulated, context } = encapsulateRequest(this.world.keys.gateway.config, encoded, this.rng);
    const hop = this.firstHop;
    const m = this.world.network.send(this.address, hop.to, hop.link, encapsulated, label);
    this.world.provenance.set(m.id, requestId);
    return context;
  }

  private attest(requestId: string): void {
    const nonce = this.rng.bytes(32);
    const pick = uniformInt(this.rng, this.world.spec.world.nodes);
    const node = `enclave-${this.world.bugs.routeAllToNodeZero ? 0 : pick}`;
    this.attempt = { requestId, nonce, node, ohttp: null, bundle: null, nodeId: null, enclaveKey: null, inner: null, response: null, targets: [], requestKey: null };
    // pp: attest one node of the client's choosing with a fresh nonce; pcc: fetch pre-attested candidates.
    // ra-tls: the ClientHello (carrying the nonce) is the body, forwarded to the node as the attest request.
    const path = this.world.pcc ? '/attest?candidates' : this.raTls ? `/attest?node=${node}` : `/attest?nonce=${toHex(nonce)}&node=${node}`;
    const body = this.raTls ? this.raTls.hello(requestId, nonce, node) : new Uint8Array(0);
    const req: BhttpRequest = { method: this.raTls ? 'POST' : 'GET', scheme: 'https', authority: GATEWAY_AUTHORITY, path, headers: [], body, trailers: [] };
    this.attempt.ohttp = this.sendOhttp(requestId, req, false, 'attest-req');
  }

  private verifyEvidence(intent: Extract<Intent, { kind: 'verify-evidence' }>): void {
    const a = this.attempt;
    if (!a || a.requestId !== intent.requestId || !a.bundle) return;
    // Key consistency (step 3): the keys this client was given must be the ones the log publishes.
    const keyDigest = toHex(sha256(concat(this.world.keys.gatewayConfigBytes, this.world.issuerKeyFor(this.name).publicKey)));
    if (this.world.pcc) return this.verifyCandidates(intent, a, keyDigest);
    const result = this.raTls ? this.raTls.verify(a.requestId, a.bundle, intent.checks, this.logView, keyDigest, a.node) : checkBundle(this.world, this.name, a.bundle, a.nonce, intent.checks, this.logView, keyDigest, a.node);
    this.world.trace.append(this.now, 'verify', this.name, `evidence for ${intent.requestId}`, { ok: result.ok, code: result.ok ? 'ok' : result.code, node: result.nodeId ?? '-' });
    if (!result.ok) {
      this.actor.send({ type: 'EVIDENCE_REJECTED', requestId: intent.requestId, code: result.code });
      return;
    }
    a.nodeId = result.nodeId;
    a.enclaveKey = result.enclaveKey;
    this.actor.send({ type: 'EVIDENCE_OK', requestId: intent.requestId });
  }

  /**
   * pcc: checks every offered candidate (each check of step 4; REPORT_DATA binds the key and its
   * epoch's nonce; only the current or previous epoch), then seals to at most DIFFUSION_CAP of the
   * passing nodes, chosen at random by the client (the `k-cap` mutant takes them all).
   */
  private verifyCandidates(intent: Extract<Intent, { kind: 'verify-evidence' }>, a: Attempt, keyDigest: string): void {
    const w = this.world;
    let items: Uint8Array[] = [];
    try {
      items = decodeBatch(a.bundle!);
    } catch {
      items = [];
    }
    const now = epochAt(this.now);
    const passing = new Map<string, Uint8Array>();
    let firstFailure = items.length ? '' : 'no-candidates';
    for (const item of items) {
      const c = decodeCandidate(item);
      let code: string;
      if (!c) code = 'parse';
      else if (c.epoch + 1 < now || c.epoch > now) code = 'epoch';
      else {
        const r = checkBundle(w, this.name, c.bundle, epochNonce(c.epoch), intent.checks, this.logView, keyDigest, null);
        if (r.ok) {
          if (!passing.has(r.nodeId)) passing.set(r.nodeId, r.enclaveKey);
          continue;
        }
        code = r.code;
      }
      firstFailure ||= code;
      w.trace.append(this.now, 'verify', this.name, `candidate for ${intent.requestId}`, { ok: false, code });
    }
    if (passing.size === 0) {
      this.world.trace.append(this.now, 'verify', this.name, `evidence for ${intent.requestId}`, { ok: false, code: firstFailure });
      this.actor.send({ type: 'EVIDENCE_REJECTED', requestId: intent.requestId, code: firstFailure });
      return;
    }
    const pool = [...passing.entries()];
    let chosen = pool;
    if (w.defences['k-cap'] && pool.length > DIFFUSION_CAP) {
      w.mark('client.k-capped');
      chosen = [];
      while (chosen.length < DIFFUSION_CAP) chosen.push(pool.splice(uniformInt(this.rng, pool.length), 1)[0]!);
    }
    a.targets = chosen.map(([nodeId, key]) => ({ nodeId, key }));
    a.nodeId = a.targets[0]!.nodeId;
    a.enclaveKey = a.targets[0]!.key;
    w.trace.append(this.now, 'verify', this.name, `evidence for ${intent.requestId}`, { ok: true, code: 'ok', node: a.targets.map((t) => t.nodeId).join(',') });
    this.actor.send({ type: 'EVIDENCE_OK', requestId: intent.requestId });
  }

  private sendRequest(requestId: string, chatId: string, pad: boolean): void {
    const a = this.attempt;
    const r = this.world.request(requestId);
    const chat = this.world.workload.chats.find((c) => c.chatId === chatId);
    if (!a || !a.enclaveKey || !a.nodeId || !r || !chat) throw new Error(`client ${this.name}: send-request without attested key`);
    const token = this.tokens.shift();
    const plaintext = utf8(JSON.stringify({ requestId, chatId, canary: r.canary, messages: chat.messages }));
    let bytes: Uint8Array;
    let headers: [string, string][];
    if (this.world.pcc) {
      const sealed = sealDiffusedRequest(a.targets.map((t) => ({ pkE: t.key, nodeId: t.nodeId })), plaintext, this.rng);
      bytes = sealed.bytes;
      a.requestKey = sealed.key;
      headers = [['pph-nodes', a.targets.map((t) => t.nodeId).join(',')]];
    } else {
      const sealed = this.raTls ? { bytes: this.raTls.seal(requestId, plaintext), context: null } : sealInnerRequest(a.enclaveKey, a.nodeId, plaintext, this.rng);
      bytes = sealed.bytes;
      a.inner = sealed.context;
      headers = [['pph-node', a.nodeId]];
    }
    if (token) headers.push(['authorization', `PrivateToken token=${Buffer.from(token).toString('base64url')}`]);
    const req: BhttpRequest = { method: 'POST', scheme: 'https', authority: GATEWAY_AUTHORITY, path: '/summarise', headers, body: bytes, trailers: [] };
    a.ohttp = this.sendOhttp(requestId, req, pad, 'ohttp-req');
    const o = this.world.observer;
    o.fact(this.name, 'request-sent', { requestId });
    const targets = this.world.pcc ? a.targets : [{ nodeId: a.nodeId, key: a.enclaveKey }];
    for (const t of targets) {
      // Observer: was this key generated inside an honest enclave (any node, any boot)?
      o.fact(this.name, 'sealed-to', { requestId, node: t.nodeId, keyHonest: this.world.nodes.some((n) => n.generatedKey(t.key)) });
    }
  }

  private openResponse(requestId: string, checkBinding: boolean): void {
    const a = this.attempt;
    if (!a || a.requestId !== requestId || !a.response || !a.ohttp) return;
    try {
      const res = decodeResponse(a.ohttp.decapsulateResponse(a.response));
      if (res.status !== 200) {
        this.reject(requestId, header(res.headers, 'pph-error') ?? `status-${res.status}`);
        return;
      }
      const answer = this.raTls ? this.raTls.open(requestId, res.body) : openInnerResponse(this.world.pcc && a.requestKey ? diffusedResponseKey(a.requestKey) : responseKey(a.inner, true, a.enclaveKey!), res.body);
      const parsed = JSON.parse(textOf(answer)) as { requestId?: string };
      if (checkBinding && parsed.requestId !== requestId) {
        this.reject(requestId, 'binding');
        return;
      }
      this.world.observer.fact(this.name, 'answer-accepted', { requestId, answer: toHex(sha256(answer)) });
      this.world.trace.append(this.now, 'verify', this.name, `answer to ${requestId}`, { ok: true });
      this.actor.send({ type: 'RESPONSE_OK', requestId });
    } catch (e) {
      this.reject(requestId, codeOf(e));
    }
  }

  private reject(requestId: string, code: string): void {
    this.world.trace.append(this.now, 'verify', this.name, `answer to ${requestId}`, { ok: false, code });
    this.actor.send({ type: 'RESPONSE_REJECTED', requestId, code });
  }

  private receive(m: Message): void {
    if (m.label === 'token-res') return this.onTokenResponse(m.bytes);
    const a = this.attempt;
    if (!a) return;
    if (m.label === 'attest-res' && !a.bundle && a.ohttp && !a.enclaveKey) {
      // The bundle travels in an OHTTP response: open it here, hand the machine a reference.
      try {
        const res = decodeResponse(a.ohttp.decapsulateResponse(m.bytes));
        if (res.status !== 200) return;
        a.bundle = res.body;
        this.actor.send({ type: 'BUNDLE', requestId: a.requestId, ref: m.id });
      } catch (e) {
        this.world.trace.append(this.now, 'verify', this.name, `attest response for ${a.requestId}`, { ok: false, code: codeOf(e) });
        this.world.mark('client.attest-response-rejected');
      }
      return;
    }
    if (m.label === 'ohttp-res' && (a.inner || a.requestKey || this.raTls?.sent(a.requestId)) && !a.response) {
      a.response = m.bytes;
      this.actor.send({ type: 'RESPONSE', requestId: a.requestId, ref: m.id });
    }
  }
}

export function codeOf(e: unknown): string {
  if (e instanceof PphError) return `${e.name}.${e.code}`;
  if (e instanceof SyntaxError) return 'json';
  return (e as Error)?.name ?? 'error';
}
