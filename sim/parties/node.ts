/**
 * An enclave node: the host machine (model/machines/host.ts) around a TEE running the enclave
 * program (model/machines/enclave.ts) in tee/in-process.ts. The host moves bytes and restarts
 * the node; only the enclave's executor touches plaintext and keys, inside the TEE object.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, toHex, utf8 } from '../../protocol/bytes.js';
import { generateKeyPair, deriveKeyPair } from '../../protocol/hpke.js';
import { encodeCandidate, epochAt, epochNonce } from '../epoch.js';
import { EPOCH_MS, type EvidenceKind } from '../../model/profile.js';
import { RaTlsEnclave } from '../evidence/ra-tls.js';
import type { ConsistencyStep } from '../log-growth.js';
import { encodeBundle, reportDataBinding } from '../../protocol/attestation-bundle.js';
import type { Rng } from '../../protocol/rng.js';
import { hostMachine, type HostEvent } from '../../model/machines/host.js';
import { enclaveMachine, type EnclaveEvent } from '../../model/machines/enclave.js';
import type { Intent } from '../../model/intents.js';
import { InProcessRunner, InProcessTee } from '../../tee/in-process.js';
import {
  decodeReply,
  encodeBootCall,
  encodeRotateCall,
  encodeStagedCall,
  enclaveConfigDigest,
  ENCLAVE_CALL,
  OPEN_MODE,
  parseEnclaveConfig,
  RELEASED_ENCLAVE_CONFIG,
  RESPONSE_NONCE_BYTES,
  summariseTask,
  type EnclaveProbe,
  type EnclaveReply,
  type EnclaveTask,
} from '../../tee/enclave-program.js';
import type { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';
import type { WorldChip } from '../world-keys.js';
import { NODE_MSG, nodeMessage, textOf } from './common.js';
import { codeOf } from './client.js';
import { parseProofResponse } from './log.js';

/**
 * A node's own configuration: its hardware (the chip that signs its reports, the image it runs
 * and its release entry, for pp-gpu its GPU), its profile switches and its planted bugs.
 */
export interface NodeConfig {
  readonly index: number;
  readonly pcc: boolean;
  readonly evidence: EvidenceKind;
  readonly defences: { readonly 'state-erasure': boolean; readonly 'client-nonce': boolean };
  readonly chip: WorldChip;
  /** The measurement of the image this node runs (what its chip measures at launch). */
  readonly measurement: Uint8Array;
  readonly releaseEntry: Uint8Array;
  readonly releaseIndex: number;
  readonly logged: boolean;
  /** pp-gpu: the GPU's evidence bound to `session` (the CVM commits to its GPU in REPORT_DATA). */
  readonly gpuEvidence: ((session: Uint8Array) => { reportData: Uint8Array; attachment: Uint8Array }) | null;
  /** Virtual time by which the world's work has ended (pcc epochs stop ticking after it). */
  readonly workHorizonMs: number;
  readonly bugs: { readonly nodeKeySurvivesRestart?: boolean; readonly enclaveLogsPlaintextToHost?: boolean };
}

interface ReleaseProof {
  leafIndex: number;
  treeSize: number;
  proof: Uint8Array[];
  checkpoint: string;
  consistency: ConsistencyStep[];
}

const BOOT_FETCH_RETRY_MS = 500;
const BOOT_FETCH_ATTEMPTS_MAX = 20;

export class NodeParty {
  readonly hostName: string;
  readonly enclaveName: string;
  readonly address: string;
  readonly host: MachineActor<HostEvent>;
  readonly enclave: MachineActor<EnclaveEvent>;
  /**
   * Profiles pp, pcc (and pp-gpu): the enclave program (tee/enclave-program.ts) behind the
   * in-process runner, one program per boot. Profile ra-tls keeps its own TLS path (RaTlsEnclave)
   * and the request memory below.
   */
  private runner: InProcessRunner | null = null;
  /** ra-tls only: the TEE's per-request memory (plaintext, answer) next to the TLS sessions. */
  private tee = new InProcessTee();
  private readonly rng: Rng;
  private generation = 0;
  private enclaveKey: Uint8Array | null = null;
  private secretKey: Uint8Array | null = null;
  private release: ReleaseProof | null = null;
  /** Host side: bytes waiting to cross the TEE boundary, by ref (= gateway message id). */
  private readonly toEnclave = new Map<number, Message>();
  private readonly fromEnclave = new Map<number, Uint8Array>();
  /**
   * The simulator's bookkeeping about this node, not the enclave's state (the state walk skips
   * it): the request each ref carries, the requests that ended here.
   */
  private readonly truth = {
    requestIds: new Map<number, string>(),
    ended: new Set<string>(),
    /** Requests opened here and not yet answered (a retry of an ended request is in flight again). */
    inFlight: new Map<string, number>(),
    lastEnded: null as { ref: number; requestId: string } | null,
  };
  private epoch = -1;
  /** The launch configuration text the program runs with, and its HOST_DATA (SHA-256 of the configuration text). */
  private configText = RELEASED_ENCLAVE_CONFIG;
  private hostData: Uint8Array = enclaveConfigDigest(RELEASED_ENCLAVE_CONFIG);
  /** Profile ra-tls: this boot's RA-TLS server (certificate key, sessions), sim/evidence/ra-tls.ts. */
  private raTls: RaTlsEnclave | null = null;

  readonly index: number;
  private readonly setup: NodeConfig;

  /** `hostPort`: the host's (`host-<i>`, the node's address); `port`: the enclave's (`enclave-<i>`, no network of its own). */
  constructor(
    private readonly hostPort: PartyPort<NodeConfig>,
    private readonly port: PartyPort<NodeConfig>,
  ) {
    this.setup = port.config;
    this.index = port.config.index;
    this.hostName = hostPort.name;
    this.enclaveName = port.name;
    this.address = hostPort.address;
    this.rng = port.rng;
    this.host = hostPort.actor<HostEvent>(hostMachine, undefined);
    this.enclave = port.actor<EnclaveEvent>(enclaveMachine, { erase: port.config.defences['state-erasure'] });
    hostPort.listen((m) => this.receive(m));
  }

  start(): void {
    this.enclave.start((intent) => this.performEnclave(intent));
    this.host.start((intent) => this.performHost(intent));
  }

  /** Ground truth: whether `key` is this node's current key, held by an honest enclave running a logged image. */
  holdsKey(key: Uint8Array): boolean {
    return this.enclaveKey !== null && equalBytes(key, this.enclaveKey);
  }

  /** The `later` position seizes the node's current key (after its restart). */
  seizeKey(): Uint8Array | null {
    return this.secretKey;
  }

  get logged(): boolean {
    return this.setup.logged;
  }

  restart(): void {
    this.hostPort.note('fault', 'restart');
    this.host.send({ type: 'RESTART' });
  }

  receive(m: Message): void {
    this.hostPort.observe('received', m.bytes, m.id);
    if (m.link === 'node-log') {
      this.onReleaseProof(m.bytes);
      return;
    }
    this.toEnclave.set(m.id, m);
    this.host.send({ type: 'FROM_GATEWAY', ref: m.id });
  }

  // ---- host -------------------------------------------------------------------------------

  private performHost(intent: Intent): void {
    const host = this.hostPort;
    const c = this.setup;
    switch (intent.kind) {
      case 'boot': {
        this.generation = intent.generation;
        this.tee.wipe();
        this.runner?.stopSync();
        this.runner = null;
        this.enclaveKey = null;
        this.secretKey = null;
        this.epoch = -1;
        this.enclave.send({ type: 'RESET' });
        // The enclave generates its key inside the TEE (PROTOCOL.md step 0).
        const pair = c.bugs.nodeKeySurvivesRestart ? deriveKeyPair(sha256(utf8(`fixed node key ${this.index}`))) : generateKeyPair(this.rng.fork(`boot-${this.generation}`));
        this.secretKey = pair.secretKey;
        this.enclaveKey = pair.publicKey;
        this.port.tell({ kind: 'key-generated', publicKey: pair.publicKey, secretKey: pair.secretKey });
        this.port.note('crypto', 'generated enclave key', { generation: this.generation, pk: toHex(pair.publicKey).slice(0, 16) });
        this.release = null;
        this.acceptHostConfig();
        if (c.evidence !== 'ra-tls') this.launchProgram(pair.secretKey);
        else {
          this.tee.memory.boot.set('skE', pair.secretKey);
          const port = this.port;
          const env = { chip: c.chip, measurement: c.measurement, releaseEntry: c.releaseEntry, nowMs: () => port.nowMs(), note: port.note, tell: port.tell };
          this.raTls = RaTlsEnclave.boot(this.raTls, env, this.index, this.generation, this.rng, this.hostData);
        }
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
        host.send(host.directory.gateway, 'gateway-node', nodeMessage(NODE_MSG.error, utf8(intent.code)), 'node-error', { stream: m.stream });
        return;
      }
      case 'from-enclave': {
        const bytes = this.fromEnclave.get(intent.ref);
        const m = this.toEnclave.get(intent.ref);
        this.fromEnclave.delete(intent.ref);
        this.toEnclave.delete(intent.ref);
        if (!bytes || !m) return;
        host.observe('received', bytes, m.id);
        // The answer carries the request the enclave opened (the port keeps the provenance).
        const requestId = this.truth.requestIds.get(intent.ref);
        host.send(host.directory.gateway, 'gateway-node', bytes, bytes[0] === NODE_MSG.evidence ? 'attest-bundle' : 'inner-res', requestId ? { stream: m.stream, of: requestId } : { stream: m.stream });
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
    const fed = this.hostPort.intercept('host-config', { node: this.index });
    let text = fed ?? RELEASED_ENCLAVE_CONFIG;
    try {
      parseEnclaveConfig(text);
    } catch (e) {
      // The program refuses a configuration it does not know and runs the released one.
      this.port.note('verify', 'refused launch configuration', { ok: false, code: codeOf(e) });
      text = RELEASED_ENCLAVE_CONFIG;
    }
    this.configText = text;
    this.hostData = enclaveConfigDigest(text);
    if (fed !== null) this.port.note('state', 'launched with host configuration', { config: text, hostData: toHex(this.hostData).slice(0, 16) });
  }

  /** The host fetches the inclusion proof of its release entry from the log, retrying on loss. */
  private fetchReleaseProof(generation: number, attempt: number): void {
    const host = this.hostPort;
    if (this.release !== null || generation !== this.generation) return;
    if (attempt >= BOOT_FETCH_ATTEMPTS_MAX) {
      host.note('error', 'no release proof from the log: node stays down', { attempts: attempt });
      return;
    }
    const leaf = this.setup.releaseIndex;
    host.send(host.directory.log, 'node-log', Uint8Array.of(leaf >>> 24, (leaf >> 16) & 0xff, (leaf >> 8) & 0xff, leaf & 0xff), 'proof-req');
    host.after(BOOT_FETCH_RETRY_MS, 'proof retry', () => this.fetchReleaseProof(generation, attempt + 1));
  }

  private onReleaseProof(bytes: Uint8Array): void {
    const parsed = parseProofResponse(bytes);
    if (!parsed || this.enclaveKey === null) return;
    // The log pushes a fresh proof at each refresh (sim/parties/log.ts): a booted host keeps the newest.
    if (this.release !== null) {
      if (parsed.treeSize >= this.release.treeSize) this.release = parsed;
      return;
    }
    this.release = parsed;
    this.host.send({ type: 'BOOTED' });
    this.enclave.send({ type: 'KEY_READY' });
    if (this.setup.pcc) this.publishEpochKey(this.generation);
  }

  // ---- enclave (inside the TEE) ----------------------------------------------------------

  private output(ref: number, kind: number, payload: Uint8Array): void {
    this.fromEnclave.set(ref, nodeMessage(kind, payload));
    this.host.send({ type: 'FROM_ENCLAVE', ref });
  }

  private performEnclave(intent: Intent): void {
    const port = this.port;
    const c = this.setup;
    switch (intent.kind) {
      case 'produce-evidence':
        return this.produceEvidence(intent.ref);
      case 'open-request': {
        this.snapshotEnclave('before next request');
        const m = this.toEnclave.get(intent.ref);
        if (!m || !this.secretKey) return;
        if (this.raTls) return this.openRaTls(intent.ref, m);
        // The enclave program opens (tee/enclave-program.ts); its probe writes the facts (onOpened).
        const reply = this.enter(encodeStagedCall(ENCLAVE_CALL.open, intent.ref, Uint8Array.of(c.pcc ? OPEN_MODE.diffused : OPEN_MODE.inner), m.bytes.subarray(1)));
        if (reply.kind === 'opened') {
          for (const entry of this.runner!.drainLog()) this.hostLog(intent.ref, m, entry);
          this.enclave.send({ type: 'OPENED', ref: intent.ref });
        } else {
          const code = reply.kind === 'error' ? reply.code : reply.kind;
          if (code === 'InnerSessionError.replay') port.mark('enclave.replay-refused');
          this.openFailed(intent.ref, code);
        }
        return;
      }
      case 'infer': {
        if (this.raTls) return this.inferRaTls(intent.ref);
        const requestId = this.truth.requestIds.get(intent.ref);
        if (!requestId) return;
        // The enclave program's summarise step (summariseTask, the one every TEE runner runs).
        const reply = this.enter(encodeStagedCall(ENCLAVE_CALL.infer, intent.ref));
        if (reply.kind !== 'inferred') return;
        port.note('crypto', `summarised ${requestId}`, { ref: intent.ref });
        this.enclave.send({ type: 'INFERRED', ref: intent.ref });
        return;
      }
      case 'seal-response': {
        if (this.raTls) return this.sealRaTls(intent.ref);
        if (!this.enclaveKey) return;
        // PROTOCOL.md step 8, in the program; the response nonce is drawn from the run's Rng (reproducible runs).
        const reply = this.enter(encodeStagedCall(ENCLAVE_CALL.seal, intent.ref, this.rng.bytes(RESPONSE_NONCE_BYTES)));
        if (reply.kind !== 'answer') return;
        this.endRequest(intent.ref);
        this.output(intent.ref, NODE_MSG.answer, reply.sealed.slice());
        this.enclave.send({ type: 'SEALED', ref: intent.ref });
        return;
      }
      case 'erase': {
        // The program honours its launch option: erase (PROTOCOL.md step 8) or keep (the ablation).
        const kept = this.raTls ? this.eraseRaTls(intent.ref) : this.enter(encodeStagedCall(ENCLAVE_CALL.erase, intent.ref)).kind === 'kept';
        if (kept) port.note('state', 'kept request state (launched without erasure)', { ref: intent.ref });
        else {
          port.note('erase', `erased request state`, { ref: intent.ref });
          port.mark('enclave.erased');
        }
        this.enclave.send({ type: 'ERASED', ref: intent.ref });
        return;
      }
      default:
        throw new Error(`enclave cannot perform ${intent.kind}`);
    }
  }

  // ---- the enclave program through the in-process runner ------------------------------------

  /**
   * Boots this generation's program: a new runner (a restart loses everything), launched with the
   * node's one erasure switch (`defences['state-erasure']`) and the accepted launch configuration
   * (HOST_DATA-bound); the key generated above enters with the boot call.
   */
  private launchProgram(secretKey: Uint8Array): void {
    const c = this.setup;
    const probe: EnclaveProbe = {
      opened: (ref, requestId, plaintext, context) => this.onOpened(ref, requestId, plaintext, context),
      answered: (ref, answer, key, requestKey) => this.onAnswered(ref, answer, key, requestKey),
    };
    this.runner = new InProcessRunner({ backend: this.tee.backend, launch: { erase: c.defences['state-erasure'], config: this.configText, logsPlaintext: c.bugs.enclaveLogsPlaintextToHost === true, probe } });
    this.runner.startSync();
    const reply = this.enter(encodeBootCall({ secretKey, nodeId: this.enclaveName }));
    if (reply.kind !== 'booted' || !equalBytes(reply.publicKey, this.enclaveKey!)) throw new Error(`enclave program did not boot: ${reply.kind === 'error' ? reply.code : reply.kind}`);
  }

  private enter(call: Uint8Array): EnclaveReply {
    return decodeReply(this.runner!.enterSync(call));
  }

  /** Probe (inside the program, after it opened a request): the facts of the opening. */
  private onOpened(ref: number, requestId: string, plaintext: Uint8Array, context: object | null): void {
    const m = this.toEnclave.get(ref)!;
    if (context) this.port.tell({ kind: 'derived', value: context, requestId });
    this.recordOpened(ref, m, requestId, plaintext);
  }

  /** Probe (inside the program, after it sealed an answer): the derived keys and the answer fact. */
  private onAnswered(ref: number, answer: Uint8Array, key: Uint8Array, requestKey: Uint8Array | null): void {
    const requestId = this.truth.requestIds.get(ref);
    if (!requestId) return;
    this.port.tell({ kind: 'derived', value: key, requestId });
    if (requestKey) this.port.tell({ kind: 'derived', value: requestKey, requestId });
    this.port.fact('answer-produced', { requestId, answer: toHex(sha256(answer)) });
  }

  private recordOpened(ref: number, m: Message, requestId: string, plaintext: Uint8Array): void {
    const port = this.port;
    this.truth.requestIds.set(ref, requestId);
    this.truth.inFlight.set(requestId, (this.truth.inFlight.get(requestId) ?? 0) + 1);
    port.fact('enclave-opened', { requestId, ciphertext: toHex(sha256(m.bytes)) });
    port.observe('state', plaintext, m.id);
    if (this.setup.evidence === 'cvm-gpu') port.intercept('gpu-input', { node: this.index, plaintext, msg: m.id });
    port.note('crypto', `opened ${requestId}`, { ref, bytes: plaintext.length });
  }

  /** The program's log (configuration `log=requests`, or the planted bug) goes to the host. */
  private hostLog(ref: number, m: Message, plaintext: Uint8Array): void {
    this.port.note('log', 'wrote opened request to the log the host collects', { ref, bytes: plaintext.length });
    this.hostPort.observe('log', plaintext, m.id);
  }

  private openFailed(ref: number, code: string): void {
    this.port.note('verify', 'inner request does not open', { ok: false, code });
    this.endRequest(ref);
    this.output(ref, NODE_MSG.error, utf8(code));
    this.enclave.send({ type: 'OPEN_FAILED', ref, code });
  }

  // ---- profile ra-tls: its own TLS path (sim/evidence/ra-tls.ts) ----------------------------

  private openRaTls(ref: number, m: Message): void {
    try {
      const { plaintext } = this.raTls!.open(ref, m.bytes.subarray(1));
      const req = JSON.parse(textOf(plaintext)) as { requestId: string };
      this.tee.put(ref, 'plaintext', plaintext);
      this.recordOpened(ref, m, req.requestId, plaintext);
      if (this.setup.bugs.enclaveLogsPlaintextToHost || parseEnclaveConfig(this.configText).log === 'requests') this.hostLog(ref, m, plaintext);
      this.enclave.send({ type: 'OPENED', ref });
    } catch (e) {
      this.openFailed(ref, codeOf(e));
    }
  }

  private inferRaTls(ref: number): void {
    const pt = this.tee.get(ref, 'plaintext');
    if (!pt) return;
    const req = JSON.parse(textOf(pt)) as EnclaveTask;
    const answer = summariseTask(req, this.tee.backend);
    this.tee.put(ref, 'answer', answer);
    this.port.note('crypto', `summarised ${req.requestId}`, { messages: req.messages.length, bytes: answer.length });
    this.enclave.send({ type: 'INFERRED', ref });
  }

  private sealRaTls(ref: number): void {
    const answer = this.tee.get(ref, 'answer');
    if (!answer || !this.enclaveKey) return;
    // PROTOCOL.md step 8 over RA-TLS: the answer rides the TLS session's keys.
    const sealed = this.raTls!.seal(ref, answer);
    const requestId = this.truth.requestIds.get(ref);
    if (requestId) this.port.fact('answer-produced', { requestId, answer: toHex(sha256(answer)) });
    this.endRequest(ref);
    this.output(ref, NODE_MSG.answer, sealed);
    this.enclave.send({ type: 'SEALED', ref });
  }

  /** Returns whether the state was kept (never: ra-tls erases when the machine asks). */
  private eraseRaTls(ref: number): boolean {
    this.tee.erase(ref);
    this.raTls!.erase(ref);
    return false;
  }

  private produceEvidence(ref: number): void {
    const m = this.toEnclave.get(ref);
    if (!m || !this.enclaveKey || !this.release) return;
    const nonce = m.bytes.subarray(1);
    if (this.raTls) return this.output(ref, ...this.raTls.attest(ref, nonce, this.enclaveName, this.release));
    const bundle = this.bundleFor(nonce);
    this.port.note('crypto', 'signed attestation report', { ref, nonce: toHex(nonce).slice(0, 16) });
    this.output(ref, NODE_MSG.evidence, bundle);
  }

  /** The attestation bundle of the current key for `nonce` (a client's, or a pcc epoch's). */
  private bundleFor(nonce: Uint8Array): Uint8Array {
    const c = this.setup;
    const session = reportDataBinding(this.enclaveKey!, c.defences['client-nonce'] ? nonce : null);
    // Profile pp-gpu: REPORT_DATA commits to the session and this CVM's GPU, whose evidence rides along (sim/evidence/gpu.ts).
    const gpu = c.evidence === 'cvm-gpu' && c.gpuEvidence ? c.gpuEvidence(session) : null;
    const reportData = gpu?.reportData ?? session;
    const chip = c.chip;
    const report = chip.signReport({ reportData, measurement: c.measurement, hostData: this.hostData });
    this.port.tell({ kind: 'report-produced', report, nonce });
    const release = this.release!;
    return encodeBundle({
      nodeId: this.enclaveName,
      enclaveKey: this.enclaveKey!,
      report,
      certificates: gpu ? [...chip.certificates, gpu.attachment] : chip.certificates,
      releaseEntry: c.releaseEntry,
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
    const port = this.port;
    if (generation !== this.generation || !this.release || !this.secretKey) return;
    const e = epochAt(port.nowMs());
    if (e !== this.epoch) {
      if (this.epoch >= 0) {
        // Rotate: a fresh key for the new epoch; the old one stays one epoch for requests in flight.
        // The host hands the program the epoch's key (generated from the run's Rng: reproducible runs); the program keeps the previous one an epoch.
        const pair = generateKeyPair(this.rng.fork(`boot-${this.generation}-epoch-${e}`));
        const reply = this.enter(encodeRotateCall(pair.secretKey));
        if (reply.kind !== 'booted' || !equalBytes(reply.publicKey, pair.publicKey)) throw new Error('enclave program did not rotate its key');
        this.secretKey = pair.secretKey;
        this.enclaveKey = pair.publicKey;
        port.tell({ kind: 'key-generated', publicKey: pair.publicKey, secretKey: pair.secretKey });
        port.note('crypto', 'rotated enclave key', { epoch: e, pk: toHex(pair.publicKey).slice(0, 16) });
      }
      this.epoch = e;
      const bundle = this.bundleFor(epochNonce(e));
      this.hostPort.send(this.hostPort.directory.gateway, 'gateway-node', nodeMessage(NODE_MSG.publish, encodeCandidate({ epoch: e, node: this.index, bundle })), 'publish-key');
    }
    // Epochs tick while there is work; after it the world must go quiet (the run ends when idle).
    if ((e + 1) * EPOCH_MS <= this.setup.workHorizonMs) port.at((e + 1) * EPOCH_MS, `epoch ${e + 1}`, () => this.publishEpochKey(generation));
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
   * Hands the observer the enclave's whole state (every field of this node object but the host
   * side and the simulator's bookkeeping: the TEE memory, contexts, keys, caches, and any field a
   * future change adds); the observer walks it for anything derived from a request that has
   * ended (its canary, a key or an HPKE context derived from it) and records the fact (invariant
   * `stateless`, sim/state-walk.ts).
   */
  snapshotEnclave(when: string): void {
    const last = this.truth.lastEnded;
    if (!last) return;
    const state: Record<string, unknown> = {};
    for (const k of Object.keys(this)) {
      if (NOT_ENCLAVE_STATE.has(k)) continue;
      state[k] = (this as unknown as Record<string, unknown>)[k];
    }
    // The program's memory, every field of it, as the runner exposes it (tee/in-process.ts state()).
    if (this.runner) state['program'] = this.runner.state();
    this.port.tell({ kind: 'enclave-state', state, afterRef: last.ref, requestId: last.requestId, ended: this.truth.ended, inFlight: this.truth.inFlight, when });
  }
}

/** Fields of a node that are not the enclave's state: the host side, the ports, the configuration, the simulator's bookkeeping. */
const NOT_ENCLAVE_STATE = new Set(['runner', 'hostPort', 'port', 'setup', 'host', 'enclave', 'hostName', 'enclaveName', 'address', 'index', 'rng', 'toEnclave', 'fromEnclave', 'truth', 'release', 'generation']);
