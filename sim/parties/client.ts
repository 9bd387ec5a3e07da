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
import type { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';
import type { Defences } from '../../model/profile.js';
import type { KeyConfig } from '../../protocol/ohttp.js';
import type { ChatMessage } from '../../tee/workload.js';
import { checkBundle, type EvidenceTrust, type LogViewState } from '../evidence-check.js';
import { decodeBatch, encodeBatch, textOf, Timers } from './common.js';
import { authorizationFor, encodePaddedRequest, GATEWAY_AUTHORITY, header, HEADERS, PATHS } from '../../protocol/request-path.js';

/** A client's own configuration: its user's data and consent, its profile switches, the public keys it was given. */
export interface ClientConfig {
  readonly index: number;
  /** This user's account id (it authenticates issuance). */
  readonly account: string;
  readonly optedIn: boolean;
  readonly excludedChats: readonly string[];
  /** The user's own chats (their messages go into the request). */
  readonly chats: readonly { chatId: string; messages: readonly ChatMessage[] }[];
  readonly defences: Defences;
  readonly pcc: boolean;
  readonly nodes: number;
  readonly retries: number;
  readonly requestTimeoutMs: number;
  readonly tokensPerUser: number;
  readonly tokenChallenge: Uint8Array;
  /** The honest issuance public key (the `issuance-key` decision point may hand another). */
  readonly issuerPublicKey: Uint8Array;
  readonly gatewayConfig: KeyConfig;
  readonly gatewayConfigBytes: Uint8Array;
  /** The roots and verifiers of step 4 (public material). */
  readonly trust: EvidenceTrust;
  /** Planted bugs of the client's own code. */
  readonly bugs: { readonly ignoreConsent?: boolean; readonly noClientTimeouts?: boolean; readonly routeAllToNodeZero?: boolean };
}
import { RaTlsClientSide } from './ra-tls-client.js';

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
  /** The content of each task the user gave (its canary: what the user typed). */
  private readonly contents = new Map<string, string>();
  readonly index: number;
  /** Profile ra-tls: the attested channel is a TLS 1.3 session (sim/parties/ra-tls-client.ts). */
  private readonly raTls: RaTlsClientSide | null;

  constructor(private readonly port: PartyPort<ClientConfig>) {
    const c = port.config;
    this.index = c.index;
    this.name = port.name;
    this.address = port.address;
    this.rng = port.rng;
    this.raTls = c.trust.evidence === 'ra-tls' ? new RaTlsClientSide(port) : null;
    const d = c.defences;
    this.actor = port.actor<ClientEvent>(
      clientMachine,
      {
        user: this.name,
        optedIn: c.bugs.ignoreConsent ? true : c.optedIn,
        excludedChats: c.bugs.ignoreConsent ? [] : [...c.excludedChats],
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
        retries: c.retries,
        tokenBatch: c.tokensPerUser,
        attestTimeoutMs: c.requestTimeoutMs,
        responseTimeoutMs: c.requestTimeoutMs,
      },
    );
    this.timers = new Timers(port, (name) => this.actor.send({ type: 'TIMEOUT', name }));
    port.listen((m) => this.receive(m));
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  /** This user's account id (it authenticates issuance; an identity canary of the observer). */
  get account(): string {
    return this.port.config.account;
  }

  get currentRequestId(): string | null {
    return this.attempt?.requestId ?? null;
  }

  /** The user asks for request `requestId` on chat `chatId`; `canary`: what the user typed. */
  task(requestId: string, chatId: string, canary: string): void {
    this.contents.set(requestId, canary);
    this.port.note('request', `task ${requestId}`, { chat: chatId });
    this.actor.send({ type: 'TASK', requestId, chatId });
  }

  private get now(): number {
    return this.port.nowMs();
  }

  private perform(intent: Intent): void {
    switch (intent.kind) {
      case 'timer':
        if (this.port.config.bugs.noClientTimeouts) return; // planted bug: a lost message leaves the request hanging
        return this.timers.arm(intent.name, intent.ms);
      case 'cancel-timer':
        return this.timers.cancel(intent.name);
      case 'consent-block': {
        this.port.fact('request-blocked', { requestId: intent.requestId, reason: intent.reason });
        this.port.note('consent', `kept ${intent.requestId} on the device`, { chat: intent.chatId, reason: intent.reason });
        return;
      }
      case 'request-tokens':
        return this.requestTokens(intent.count);
      case 'attest':
        if (intent.attempt > 0) this.port.mark('client.attest-retry');
        return this.attest(intent.requestId);
      case 'verify-evidence':
        return this.verifyEvidence(intent);
      case 'send-request':
        return this.sendRequest(intent.requestId, intent.chatId, intent.pad);
      case 'open-response':
        return this.openResponse(intent.requestId, intent.checkBinding);
      case 'request-done': {
        this.port.fact('request-ended', { requestId: intent.requestId, outcome: intent.outcome, code: intent.code, atMs: this.now });
        this.port.note(intent.outcome === 'ok' ? 'request' : 'error', `${intent.requestId} ${intent.outcome}`, { code: intent.code });
        if (intent.outcome === 'error') this.port.mark(`client.${intent.code}`);
        this.attempt = null;
        return;
      }
      default:
        throw new Error(`client cannot perform ${intent.kind}`);
    }
  }

  private requestTokens(count: number): void {
    const c = this.port.config;
    this.tokenStates = [];
    const requests: Uint8Array[] = [];
    const issuerKey = this.issuerKey;
    for (let i = 0; i < count; i++) {
      const { request, state } = createTokenRequest(c.tokenChallenge, issuerKey, this.rng);
      this.tokenStates.push(state);
      requests.push(encodeTokenRequest(request));
    }
    this.port.note('token', `blinded ${count} token requests`);
    // Issuance is for an authenticated account (PROTOCOL.md step 2): the first item names it.
    this.port.send(this.port.directory.issuer, 'client-issuer', encodeBatch([utf8(`account ${this.account}`), ...requests]), 'token-req');
  }

  /** The issuance public key this client is given for its account (the `issuance-key` decision point). */
  private get issuerKey(): Uint8Array {
    return this.port.intercept('issuance-key', { account: this.name, honest: this.port.config.issuerPublicKey });
  }

  private onTokenResponse(bytes: Uint8Array): void {
    if (this.tokenStates.length === 0) return; // a duplicate or late response: nothing awaits it
    try {
      const responses = decodeBatch(bytes);
      if (responses.length !== this.tokenStates.length) throw new Error('token batch size mismatch');
      const fresh = responses.map((r, i) => encodeToken(finalize(parseTokenResponse(r, TOKEN_TYPE_VOPRF) as never, this.tokenStates[i]!)));
      this.tokens.push(...fresh);
      // Observer: these tokens come from an issuance (authorization judges what the gateway serves against them).
      for (const t of fresh) this.port.fact('token-issued', { tokenId: toHex(sha256(parseToken(t).nonce)) });
      this.tokenStates = [];
      this.port.note('token', `finalized ${fresh.length} tokens`, { ok: true });
      this.actor.send({ type: 'TOKENS_READY', count: fresh.length });
    } catch (e) {
      this.port.note('token', 'token issuance failed', { ok: false, code: codeOf(e) });
      this.actor.send({ type: 'TOKENS_FAILED', code: codeOf(e) });
    }
  }

  /** The entry point of the relay (or of the gateway when the `relay` defence is off). */
  private get firstHop(): { to: string; link: string } {
    const dir = this.port.directory;
    return this.port.config.defences.relay ? { to: dir.relay, link: 'client-relay' } : { to: dir.gateway, link: 'client-gateway' };
  }

  private sendOhttp(requestId: string, bhttp: BhttpRequest, pad: boolean, label: string): ClientRequestContext {
    const encoded = pad ? encodePaddedRequest(bhttp) : encodeRequest(bhttp);
    const { encapsulated, context } = encapsulateRequest(this.port.config.gatewayConfig, encoded, this.rng);
    const hop = this.firstHop;
    this.port.send(hop.to, hop.link, encapsulated, label, { of: requestId });
    return context;
  }

  private attest(requestId: string): void {
    const nonce = this.rng.bytes(32);
    const pick = uniformInt(this.rng, this.port.config.nodes);
    const node = `enclave-${this.port.config.bugs.routeAllToNodeZero ? 0 : pick}`;
    this.attempt = { requestId, nonce, node, ohttp: null, bundle: null, nodeId: null, enclaveKey: null, inner: null, response: null, targets: [], requestKey: null };
    // pp: attest one node of the client's choosing with a fresh nonce; pcc: fetch pre-attested candidates.
    // ra-tls: the ClientHello (carrying the nonce) is the body, forwarded to the node as the attest request.
    const path = this.port.config.pcc ? `${PATHS.attest}?candidates` : this.raTls ? `${PATHS.attest}?node=${node}` : `${PATHS.attest}?nonce=${toHex(nonce)}&node=${node}`;
    const body = this.raTls ? this.raTls.hello(requestId, nonce, node) : new Uint8Array(0);
    const req: BhttpRequest = { method: this.raTls ? 'POST' : 'GET', scheme: 'https', authority: GATEWAY_AUTHORITY, path, headers: [], body, trailers: [] };
    this.attempt.ohttp = this.sendOhttp(requestId, req, false, 'attest-req');
  }

  private verifyEvidence(intent: Extract<Intent, { kind: 'verify-evidence' }>): void {
    const a = this.attempt;
    if (!a || a.requestId !== intent.requestId || !a.bundle) return;
    // Key consistency (step 3): the keys this client was given must be the ones the log publishes.
    const keyDigest = toHex(sha256(concat(this.port.config.gatewayConfigBytes, this.issuerKey)));
    if (this.port.config.pcc) return this.verifyCandidates(intent, a, keyDigest);
    const result = this.raTls ? this.raTls.verify(a.requestId, a.bundle, intent.checks, this.logView, keyDigest, a.node) : checkBundle(this.port, a.requestId, a.bundle, a.nonce, intent.checks, this.logView, keyDigest, a.node);
    this.port.note('verify', `evidence for ${intent.requestId}`, { ok: result.ok, code: result.ok ? 'ok' : result.code, node: result.nodeId ?? '-' });
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
    const port = this.port;
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
        const r = checkBundle(port, a.requestId, c.bundle, epochNonce(c.epoch), intent.checks, this.logView, keyDigest, null);
        if (r.ok) {
          if (!passing.has(r.nodeId)) passing.set(r.nodeId, r.enclaveKey);
          continue;
        }
        code = r.code;
      }
      firstFailure ||= code;
      port.note('verify', `candidate for ${intent.requestId}`, { ok: false, code });
    }
    if (passing.size === 0) {
      port.note('verify', `evidence for ${intent.requestId}`, { ok: false, code: firstFailure });
      this.actor.send({ type: 'EVIDENCE_REJECTED', requestId: intent.requestId, code: firstFailure });
      return;
    }
    const pool = [...passing.entries()];
    let chosen = pool;
    if (port.config.defences['k-cap'] && pool.length > DIFFUSION_CAP) {
      port.mark('client.k-capped');
      chosen = [];
      while (chosen.length < DIFFUSION_CAP) chosen.push(pool.splice(uniformInt(this.rng, pool.length), 1)[0]!);
    }
    a.targets = chosen.map(([nodeId, key]) => ({ nodeId, key }));
    a.nodeId = a.targets[0]!.nodeId;
    a.enclaveKey = a.targets[0]!.key;
    port.note('verify', `evidence for ${intent.requestId}`, { ok: true, code: 'ok', node: a.targets.map((t) => t.nodeId).join(',') });
    this.actor.send({ type: 'EVIDENCE_OK', requestId: intent.requestId });
  }

  private sendRequest(requestId: string, chatId: string, pad: boolean): void {
    const a = this.attempt;
    const canary = this.contents.get(requestId);
    const chat = this.port.config.chats.find((c) => c.chatId === chatId);
    if (!a || !a.enclaveKey || !a.nodeId || canary === undefined || !chat) throw new Error(`client ${this.name}: send-request without attested key`);
    const token = this.tokens.shift();
    const plaintext = utf8(JSON.stringify({ requestId, chatId, canary, messages: chat.messages }));
    let bytes: Uint8Array;
    let headers: [string, string][];
    if (this.port.config.pcc) {
      const sealed = sealDiffusedRequest(a.targets.map((t) => ({ pkE: t.key, nodeId: t.nodeId })), plaintext, this.rng);
      bytes = sealed.bytes;
      a.requestKey = sealed.key;
      headers = [[HEADERS.nodes, a.targets.map((t) => t.nodeId).join(',')]];
    } else {
      const sealed = this.raTls ? { bytes: this.raTls.seal(requestId, plaintext), context: null } : sealInnerRequest(a.enclaveKey, a.nodeId, plaintext, this.rng);
      bytes = sealed.bytes;
      a.inner = sealed.context;
      headers = [[HEADERS.node, a.nodeId]];
    }
    if (token) headers.push([HEADERS.authorization, authorizationFor(token)]);
    const req: BhttpRequest = { method: 'POST', scheme: 'https', authority: GATEWAY_AUTHORITY, path: PATHS.summarise, headers, body: bytes, trailers: [] };
    a.ohttp = this.sendOhttp(requestId, req, pad, 'ohttp-req');
    this.port.fact('request-sent', { requestId });
    const targets = this.port.config.pcc ? a.targets : [{ nodeId: a.nodeId, key: a.enclaveKey }];
    for (const t of targets) {
      // The observer judges: was this key generated inside an honest enclave (any node, any boot)?
      this.port.tell({ kind: 'sealed-to', requestId, node: t.nodeId, key: t.key });
    }
  }

  private openResponse(requestId: string, checkBinding: boolean): void {
    const a = this.attempt;
    if (!a || a.requestId !== requestId || !a.response || !a.ohttp) return;
    try {
      const res = decodeResponse(a.ohttp.decapsulateResponse(a.response));
      if (res.status !== 200) {
        this.reject(requestId, header(res.headers, HEADERS.error) ?? `status-${res.status}`);
        return;
      }
      const key = this.raTls ? null : this.port.config.pcc && a.requestKey ? diffusedResponseKey(a.requestKey) : responseKey(a.inner, true, a.enclaveKey!);
      const answer = this.raTls ? this.raTls.open(requestId, res.body) : openInnerResponse(key!, res.body);
      const parsed = JSON.parse(textOf(answer)) as { requestId?: string };
      if (checkBinding && parsed.requestId !== requestId) {
        this.reject(requestId, 'binding');
        return;
      }
      this.port.fact('answer-accepted', { requestId, answer: toHex(sha256(answer)) });
      this.port.note('verify', `answer to ${requestId}`, { ok: true });
      this.actor.send({ type: 'RESPONSE_OK', requestId });
    } catch (e) {
      this.reject(requestId, codeOf(e));
    }
  }

  private reject(requestId: string, code: string): void {
    this.port.note('verify', `answer to ${requestId}`, { ok: false, code });
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
        this.port.note('verify', `attest response for ${a.requestId}`, { ok: false, code: codeOf(e) });
        this.port.mark('client.attest-response-rejected');
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
