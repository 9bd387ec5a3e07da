/**
 * An enclave node: the host machine (model/machines/host.ts) around a TEE running the enclave
 * program (model/machines/enclave.ts) in tee/in-process.ts. The host moves bytes and restarts
 * the node; only the enclave's executor touches plaintext and keys, inside the TEE object.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, toHex, utf8 } from '../../protocol/bytes.js';
import { generateKeyPair, deriveKeyPair } from '../../protocol/hpke.js';
import { diffusedResponseKey, InnerSessionError, openDiffusedRequest, openInnerRequest, responseKey, sealInnerResponse } from '../../protocol/inner-session.js';
import { encodeCandidate, epochAt, epochNonce } from '../epoch.js';
import { EPOCH_MS, evidenceOf } from '../../model/profile.js';
import { gpuBoundEvidence, gpuProcesses } from '../evidence/gpu.js';
import { encodeBundle, reportDataBinding } from '../../protocol/attestation-bundle.js';
import type { RecipientContext } from '../../protocol/hpke.js';
import type { Rng } from '../../protocol/rng.js';
import { hostMachine, type HostEvent } from '../../model/machines/host.js';
import { enclaveMachine, type EnclaveEvent } from '../../model/machines/enclave.js';
import type { Intent } from '../../model/intents.js';
import { InProcessTee } from '../../tee/in-process.js';
import type { ChatMessage } from '../../tee/workload.js';
import { enclaveConfigDigest, parseEnclaveConfig, RELEASED_ENCLAVE_CONFIG, type EnclaveConfig } from '../../tee/enclave-program.js';
import { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { World } from '../world.js';
import { NODE_MSG, nodeMessage, textOf } from './common.js';
import { codeOf } from './client.js';

interface ReleaseProof {
  leafIndex: number;
  treeSize: number;
  proof: Uint8Array[];
  checkpoint: string;
  consistency: { fromSize: number; proof: Uint8Array[] }[];
}

const SUMMARY_SENTENCES = 3;
const BOOT_FETCH_RETRY_MS = 500;
const BOOT_FETCH_ATTEMPTS_MAX = 20;

export class NodeParty {
  readonly hostName: string;
  readonly enclaveName: string;
  readonly address: string;
  readonly host: MachineActor<HostEvent>;
  readonly enclave: MachineActor<EnclaveEvent>;
  private tee = new InProcessTee();
  private readonly rng: Rng;
  private generation = 0;
  private enclaveKey: Uint8Array | null = null;
  private secretKey: Uint8Array | null = null;
  private release: ReleaseProof | null = null;
  /** Host side: bytes waiting to cross the TEE boundary, by ref (= gateway message id). */
  private readonly toEnclave = new Map<number, Message>();
  private readonly fromEnclave = new Map<number, Uint8Array>();
  /** Enclave side: HPKE contexts live only inside the TEE, by ref. */
  private readonly contexts = new Map<number, RecipientContext>();
  /**
   * The simulator's bookkeeping about this node, not the enclave's state (the state walk skips
   * it): the request each ref carries, the requests that ended here, every key it generated.
   */
  private readonly truth = {
    requestIds: new Map<number, string>(),
    ended: new Set<string>(),
    /** Requests opened here and not yet answered (a retry of an ended request is in flight again). */
    inFlight: new Map<string, number>(),
    lastEnded: null as { ref: number; requestId: string } | null,
    generated: new Set<string>(),
  };
  /** pcc: the previous epoch's key, kept one epoch for requests sealed just before the rotation. */
  private previousSecretKey: Uint8Array | null = null;
  private epoch = -1;
  /** pcc: hashes of the requests this boot opened (the enclave replay cache). */
  private readonly replayCache = new Set<string>();
  /** pcc: request keys of the requests in progress (the answer is sealed under a key derived from it). */
  private readonly requestKeys = new Map<number, Uint8Array>();
  /** The launch configuration the program runs with, and its HOST_DATA (SHA-256 of the configuration text). */
  private config: EnclaveConfig = parseEnclaveConfig(RELEASED_ENCLAVE_CONFIG);
  private hostData: Uint8Array = enclaveConfigDigest(RELEASED_ENCLAVE_CONFIG);

  constructor(
    private readonly world: World,
    readonly index: number,
  ) {
    this.hostName = `host-${index}`;
    this.enclaveName = `enclave-${index}`;
    this.address = `node-${index}`;
    this.rng = world.rng.fork(this.enclaveName);
    this.host = new MachineActor<HostEvent>(this.hostName, hostMachine, undefined, world.trace, world.clock);
    this.enclave = new MachineActor<EnclaveEvent>(this.enclaveName, enclaveMachine, { erase: world.defences['state-erasure'] }, world.trace, world.clock);
    world.network.attach(this.address, (m) => this.receive(m));
  }

  start(): void {
    this.enclave.start((intent) => this.performEnclave(intent));
    this.host.start((intent) => this.performHost(intent));
  }

  /** Ground truth: whether `key` is this node's current key, held by an honest enclave running a logged image. */
  holdsKey(key: Uint8Array): boolean {
    return this.enclaveKey !== null && equalBytes(key, this.enclaveKey);
  }

  /**
   * Ground truth: whether this node's honest enclave generated `key` (in any boot or epoch). A key
   * it generated and later erased is no one's: sealing to it loses a request, not its content.
   */
  generatedKey(key: Uint8Array): boolean {
    return this.truth.generated.has(toHex(key));
  }

  /** The `later` position seizes the node's current key (after its restart). */
  seizeKey(): Uint8Array | null {
    return this.secretKey;
  }

  get logged(): boolean {
    return !(this.world.spec.world.unloggedNodes ?? []).includes(this.index);
  }

  restart(): void {
    this.world.trace.append(this.world.clock.nowMs(), 'fault', this.hostName, 'restart');
    this.host.send({ type: 'RESTART' });
  }

  receive(m: Message): void {
    const w = this.world;
    w.observer.holds(this.hostName, 'received', m.bytes, m.id);
    if (m.link === 'node-log') {
      this.onReleaseProof(m.bytes);
      return;
    }
    this.toEnclave.set(m.id, m);
    this.host.send({ type: 'FROM_GATEWAY', ref: m.id });
  }

  // ---- host -------------------------------------------------------------------------------

  private performHost(intent: Intent): void {
    const w = this.world;
    switch (intent.kind) {
      case 'boot': {
        this.generation = intent.generation;
        this.tee.wipe();
        this.contexts.clear();
        this.requestKeys.clear();
        this.replayCache.clear();
        this.enclaveKey = null;
        this.secretKey = null;
        this.previousSecretKey = null;
        this.epoch = -1;
        this.enclave.send({ type: 'RESET' });
        // The enclave generates its key inside the TEE (PROTOCOL.md step 0).
        const pair = w.bugs.nodeKeySurvivesRestart ? deriveKeyPair(sha256(utf8(`fixed node key ${this.index}`))) : generateKeyPair(this.rng.fork(`boot-${this.generation}`));
        this.secretKey = pair.secretKey;
        this.enclaveKey = pair.publicKey;
        this.truth.generated.add(toHex(pair.publicKey));
        this.tee.memory.boot.set('skE', pair.secretKey);
        w.trace.append(w.clock.nowMs(), 'crypto', this.enclaveName, 'generated enclave key', { generation: this.generation, pk: toHex(pair.publicKey).slice(0, 16) });
        this.release = null;
        this.acceptHostConfig();
        this.fetchReleaseProof(this.generation, 0);
        return;
      }
      case 'to-enclave': {
        const m = this.toEnclave.get(intent.ref);
        if (!m) return;
        if (m.bytes[0] === NODE_MSG.attest) this.enclave.send({ type: 'ATTEST_REQUEST', ref: intent.ref });
        else this.enclave.send({ type: 'REQUEST', ref: intent.ref });
        return;
      }
      case 'host-refuse': {
        const m = this.toEnclave.get(intent.ref);
        this.toEnclave.delete(intent.ref);
        if (!m) return;
        w.network.send(this.address, w.gateway.address, 'gateway-node', nodeMessage(NODE_MSG.error, utf8(intent.code)), 'node-error', m.stream);
        return;
      }
      case 'from-enclave': {
        const bytes = this.fromEnclave.get(intent.ref);
        const m = this.toEnclave.get(intent.ref);
        this.fromEnclave.delete(intent.ref);
        this.toEnclave.delete(intent.ref);
        if (!bytes || !m) return;
        w.observer.holds(this.hostName, 'received', bytes, m.id);
        const out = w.network.send(this.address, w.gateway.address, 'gateway-node', bytes, bytes[0] === NODE_MSG.evidence ? 'attest-bundle' : 'inner-res', m.stream);
        const requestId = this.truth.requestIds.get(intent.ref);
        if (requestId) w.provenance.set(out.id, requestId);
        return;
      }
      default:
        throw new Error(`host cannot perform ${intent.kind}`);
    }
  }

  /**
   * The launch configuration the host gives the enclave program (tee/enclave-program.ts): the
   * released one, or what an operator adversary (`unmeasured-input`) chooses. The program honours
   * it (e.g. `log=requests` writes opened requests to the log the host collects); the platform
   * binds it in HOST_DATA of every report, so a client that checks HOST_DATA refuses a node
   * launched with anything else. Nothing here depends on a defence switch.
   */
  private acceptHostConfig(): void {
    const w = this.world;
    const fed = w.hooks.hostConfig.map((f) => f(this.index)).find((c) => c !== null) ?? null;
    let text = fed ?? RELEASED_ENCLAVE_CONFIG;
    try {
      this.config = parseEnclaveConfig(text);
    } catch (e) {
      // The program refuses a configuration it does not know and runs the released one.
      w.trace.append(w.clock.nowMs(), 'verify', this.enclaveName, 'refused launch configuration', { ok: false, code: codeOf(e) });
      text = RELEASED_ENCLAVE_CONFIG;
      this.config = parseEnclaveConfig(text);
    }
    this.hostData = enclaveConfigDigest(text);
    if (fed !== null) w.trace.append(w.clock.nowMs(), 'state', this.enclaveName, 'launched with host configuration', { config: text, hostData: toHex(this.hostData).slice(0, 16) });
  }

  /** The host fetches the inclusion proof of its release entry from the log, retrying on loss. */
  private fetchReleaseProof(generation: number, attempt: number): void {
    const w = this.world;
    if (this.release !== null || generation !== this.generation) return;
    if (attempt >= BOOT_FETCH_ATTEMPTS_MAX) {
      w.trace.append(w.clock.nowMs(), 'error', this.hostName, 'no release proof from the log: node stays down', { attempts: attempt });
      return;
    }
    const leaf = w.keys.releaseIndex(this.index);
    w.network.send(this.address, w.log.address, 'node-log', Uint8Array.of(leaf >>> 24, (leaf >> 16) & 0xff, (leaf >> 8) & 0xff, leaf & 0xff), 'proof-req');
    w.scheduler.after(BOOT_FETCH_RETRY_MS, `${this.hostName} proof retry`, () => this.fetchReleaseProof(generation, attempt + 1));
  }

  private onReleaseProof(bytes: Uint8Array): void {
    const parsed = this.world.log.parseProofResponse(bytes);
    if (!parsed || this.enclaveKey === null) return;
    // The log pushes a fresh proof at each refresh (sim/parties/log.ts): a booted host keeps the newest.
    if (this.release !== null) {
      if (parsed.treeSize >= this.release.treeSize) this.release = parsed;
      return;
    }
    this.release = parsed;
    this.host.send({ type: 'BOOTED' });
    this.enclave.send({ type: 'KEY_READY' });
    if (this.world.pcc) this.publishEpochKey(this.generation);
  }

  // ---- enclave (inside the TEE) ----------------------------------------------------------

  private output(ref: number, kind: number, payload: Uint8Array): void {
    this.fromEnclave.set(ref, nodeMessage(kind, payload));
    this.host.send({ type: 'FROM_ENCLAVE', ref });
  }

  private performEnclave(intent: Intent): void {
    const w = this.world;
    switch (intent.kind) {
      case 'produce-evidence':
        return this.produceEvidence(intent.ref);
      case 'open-request': {
        this.snapshotEnclave('before next request');
        const m = this.toEnclave.get(intent.ref);
        if (!m || !this.secretKey) return;
        try {
          const { plaintext, context } = w.pcc ? this.openDiffused(intent.ref, m.bytes.subarray(1)) : openInnerRequest(this.secretKey, this.enclaveName, m.bytes.subarray(1));
          const req = JSON.parse(textOf(plaintext)) as { requestId: string };
          if (context) {
            this.contexts.set(intent.ref, context);
            w.derivedFrom(context, req.requestId);
          }
          this.tee.put(intent.ref, 'plaintext', plaintext);
          this.truth.requestIds.set(intent.ref, req.requestId);
          this.truth.inFlight.set(req.requestId, (this.truth.inFlight.get(req.requestId) ?? 0) + 1);
          w.observer.fact(this.enclaveName, 'enclave-opened', { requestId: req.requestId, ciphertext: toHex(sha256(m.bytes)) });
          w.observer.holds(this.enclaveName, 'state', plaintext, m.id);
          if (evidenceOf(w.spec.profile) === 'cvm-gpu') gpuProcesses(w, this.index, plaintext, m.id);
          // The program's log (configuration `log=requests`, or the planted bug) goes to the host.
          if (w.bugs.enclaveLogsPlaintextToHost || this.config.log === 'requests') {
            w.trace.append(w.clock.nowMs(), 'log', this.enclaveName, 'wrote opened request to the log the host collects', { ref: intent.ref, bytes: plaintext.length });
            w.observer.holds(this.hostName, 'log', plaintext, m.id);
          }
          const thief = w.compromised.get(this.index);
          // A compromised enclave (position node:<i>) reads everything this node decrypts.
          if (thief) w.observer.holds(thief, 'learned', plaintext, m.id);
          w.trace.append(w.clock.nowMs(), 'crypto', this.enclaveName, `opened ${req.requestId}`, { ref: intent.ref, bytes: plaintext.length });
          this.enclave.send({ type: 'OPENED', ref: intent.ref });
        } catch (e) {
          w.trace.append(w.clock.nowMs(), 'verify', this.enclaveName, 'inner request does not open', { ok: false, code: codeOf(e) });
          this.endRequest(intent.ref);
          this.output(intent.ref, NODE_MSG.error, utf8(codeOf(e)));
          this.enclave.send({ type: 'OPEN_FAILED', ref: intent.ref, code: codeOf(e) });
        }
        return;
      }
      case 'infer': {
        const pt = this.tee.get(intent.ref, 'plaintext');
        if (!pt) return;
        const req = JSON.parse(textOf(pt)) as { requestId: string; canary: string; messages: ChatMessage[] };
        // The canary of the request travels with the answer, as a real summary could quote it.
        const summary = this.tee.backend.summarise([...req.messages, { from: 'client', text: `Request ${req.canary}.` }], SUMMARY_SENTENCES);
        const answer = utf8(JSON.stringify({ requestId: req.requestId, summary, canary: req.canary }));
        this.tee.put(intent.ref, 'answer', answer);
        w.trace.append(w.clock.nowMs(), 'crypto', this.enclaveName, `summarised ${req.requestId}`, { messages: req.messages.length, bytes: answer.length });
        this.enclave.send({ type: 'INFERRED', ref: intent.ref });
        return;
      }
      case 'seal-response': {
        const answer = this.tee.get(intent.ref, 'answer');
        const context = this.contexts.get(intent.ref) ?? null;
        const requestKey = this.requestKeys.get(intent.ref);
        this.requestKeys.delete(intent.ref);
        if (!answer || (!context && !requestKey) || !this.enclaveKey) return;
        // PROTOCOL.md step 8: the answer key is exported from this request's HPKE context.
        const key = requestKey ? diffusedResponseKey(requestKey) : responseKey(context, true, this.enclaveKey);
        this.tee.put(intent.ref, 'response-key', key);
        const sealed = sealInnerResponse(key, answer, this.rng);
        const requestId = this.truth.requestIds.get(intent.ref);
        if (requestId) {
          w.derivedFrom(key, requestId);
          if (requestKey) w.derivedFrom(requestKey, requestId);
          w.observer.fact(this.enclaveName, 'answer-produced', { requestId, answer: toHex(sha256(answer)) });
        }
        this.endRequest(intent.ref);
        this.output(intent.ref, NODE_MSG.answer, sealed);
        this.enclave.send({ type: 'SEALED', ref: intent.ref });
        return;
      }
      case 'erase': {
        this.tee.erase(intent.ref);
        this.contexts.delete(intent.ref);
        w.trace.append(w.clock.nowMs(), 'erase', this.enclaveName, `erased request state`, { ref: intent.ref });
        w.mark('enclave.erased');
        this.enclave.send({ type: 'ERASED', ref: intent.ref });
        return;
      }
      default:
        throw new Error(`enclave cannot perform ${intent.kind}`);
    }
  }

  private produceEvidence(ref: number): void {
    const w = this.world;
    const m = this.toEnclave.get(ref);
    if (!m || !this.enclaveKey || !this.release) return;
    const nonce = m.bytes.subarray(1);
    const bundle = this.bundleFor(nonce);
    w.trace.append(w.clock.nowMs(), 'crypto', this.enclaveName, 'signed attestation report', { ref, nonce: toHex(nonce).slice(0, 16) });
    this.output(ref, NODE_MSG.evidence, bundle);
  }

  /** The attestation bundle of the current key for `nonce` (a client's, or a pcc epoch's). */
  private bundleFor(nonce: Uint8Array): Uint8Array {
    const w = this.world;
    const session = reportDataBinding(this.enclaveKey!, w.defences['client-nonce'] ? nonce : null);
    // Profile pp-gpu: REPORT_DATA commits to the session and this CVM's GPU, whose evidence rides along (sim/evidence/gpu.ts).
    const gpu = evidenceOf(w.spec.profile) === 'cvm-gpu' ? gpuBoundEvidence(w, this.index, session) : null;
    const reportData = gpu?.reportData ?? session;
    const chip = w.keys.chip(this.index);
    const report = chip.signReport({ reportData, measurement: w.keys.measurementOf(this.index), hostData: this.hostData });
    w.reportNonce.set(toHex(sha256(report)), toHex(nonce));
    const release = this.release!;
    return encodeBundle({
      nodeId: this.enclaveName,
      enclaveKey: this.enclaveKey!,
      report,
      certificates: gpu ? [...chip.certificates, gpu.attachment] : chip.certificates,
      releaseEntry: w.keys.releaseEntryOf(this.index),
      leafIndex: release.leafIndex,
      treeSize: release.treeSize,
      inclusionProof: release.proof,
      checkpoint: release.checkpoint,
      consistency: release.consistency,
    });
  }

  // ---- pcc: pre-attested epoch keys --------------------------------------------------------

  /**
   * Publishes this boot's key for the current epoch (a report binding pkE and the epoch nonce)
   * to the gateway's directory, and rotates at every epoch boundary while this boot lives.
   */
  private publishEpochKey(generation: number): void {
    const w = this.world;
    if (generation !== this.generation || !this.release || !this.secretKey) return;
    const e = epochAt(w.clock.nowMs());
    if (e !== this.epoch) {
      if (this.epoch >= 0) {
        // Rotate: a fresh key for the new epoch; the old one stays one epoch for requests in flight.
        this.previousSecretKey = this.secretKey;
        const pair = generateKeyPair(this.rng.fork(`boot-${this.generation}-epoch-${e}`));
        this.secretKey = pair.secretKey;
        this.enclaveKey = pair.publicKey;
        this.truth.generated.add(toHex(pair.publicKey));
        this.tee.memory.boot.set('skE', pair.secretKey);
        w.trace.append(w.clock.nowMs(), 'crypto', this.enclaveName, 'rotated enclave key', { epoch: e, pk: toHex(pair.publicKey).slice(0, 16) });
      }
      this.epoch = e;
      const bundle = this.bundleFor(epochNonce(e));
      w.network.send(this.address, w.gateway.address, 'gateway-node', nodeMessage(NODE_MSG.publish, encodeCandidate({ epoch: e, node: this.index, bundle })), 'publish-key');
    }
    // Epochs tick while there is work; after it the world must go quiet (the run ends when idle).
    if ((e + 1) * EPOCH_MS <= w.workHorizonMs) w.scheduler.at((e + 1) * EPOCH_MS, `${this.enclaveName} epoch ${e + 1}`, () => this.publishEpochKey(generation));
  }

  /** Opens a diffused request with this epoch's key or the previous one; refuses a replay. */
  private openDiffused(ref: number, bytes: Uint8Array): { plaintext: Uint8Array; context: null } {
    const digest = toHex(sha256(bytes));
    if (this.replayCache.has(digest)) {
      this.world.mark('enclave.replay-refused');
      throw new InnerSessionError('replay', 'this request was already opened (enclave replay cache)');
    }
    let opened: { plaintext: Uint8Array; key: Uint8Array } | null = null;
    let last: unknown = null;
    for (const sk of [this.secretKey, this.previousSecretKey]) {
      if (!sk || opened) continue;
      try {
        opened = openDiffusedRequest(sk, this.enclaveName, bytes);
      } catch (e) {
        last = e;
      }
    }
    if (!opened) throw last;
    this.replayCache.add(digest);
    this.requestKeys.set(ref, opened.key);
    return { plaintext: opened.plaintext, context: null };
  }

  /** The request at `ref` has been answered (or refused) here: from now on nothing of it may remain. */
  private endRequest(ref: number): void {
    const requestId = this.truth.requestIds.get(ref);
    if (!requestId) return;
    this.truth.ended.add(requestId);
    this.truth.lastEnded = { ref, requestId };
    const n = (this.truth.inFlight.get(requestId) ?? 1) - 1;
    if (n > 0) this.truth.inFlight.set(requestId, n);
    else this.truth.inFlight.delete(requestId);
  }

  /**
   * Walks the enclave's whole state (every field of this node object but the host side and the
   * simulator's bookkeeping, recursively: the TEE memory, contexts, keys, caches, and any field a
   * future change adds) and records, as a fact, everything in it derived from a request that has
   * ended: its canary (in plaintext, an answer, any byte string or string), a key or an HPKE
   * context derived from it (invariant `stateless`).
   */
  snapshotEnclave(when: string): void {
    const last = this.truth.lastEnded;
    if (!last) return;
    const w = this.world;
    const found = new Map<string, string>();
    const seen = new Set<object>();
    const note = (requestId: string, path: string) => {
      if (this.truth.ended.has(requestId) && !this.truth.inFlight.has(requestId) && !found.has(`${requestId}|${path}`)) found.set(`${requestId}|${path}`, requestId);
    };
    const visit = (v: unknown, path: string, depth: number): void => {
      if (v === null || v === undefined || depth > 16) return;
      if (typeof v === 'string') {
        for (const r of w.observer.contentIn(utf8(v))) note(r, path);
        return;
      }
      if (typeof v !== 'object') return;
      if (seen.has(v)) return;
      seen.add(v);
      const derived = w.derivedRequest(v);
      if (derived) note(derived, path);
      if (v instanceof Uint8Array) {
        for (const r of w.observer.contentIn(v)) note(r, path);
        return;
      }
      if (v instanceof Map) {
        for (const [k, x] of v) {
          visit(k, `${path}.key(${String(k)})`, depth + 1);
          visit(x, `${path}.get(${String(k)})`, depth + 1);
        }
        return;
      }
      if (v instanceof Set) {
        let i = 0;
        for (const x of v) visit(x, `${path}.values[${i++}]`, depth + 1);
        return;
      }
      if (Array.isArray(v)) {
        v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
        return;
      }
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
    };
    for (const k of Object.keys(this)) {
      if (NOT_ENCLAVE_STATE.has(k)) continue;
      visit((this as unknown as Record<string, unknown>)[k], k, 0);
    }
    const leftover = [...found.keys()].sort();
    w.observer.fact(this.enclaveName, 'enclave-state', { afterRef: last.ref, requestId: last.requestId, leftover }, `state walk ${when}: ${leftover.length} value(s) of ended requests`);
  }
}

/** Fields of a node that are not the enclave's state: the host side, the world, the simulator's bookkeeping. */
const NOT_ENCLAVE_STATE = new Set(['world', 'host', 'enclave', 'hostName', 'enclaveName', 'address', 'index', 'rng', 'toEnclave', 'fromEnclave', 'truth', 'release', 'generation']);
