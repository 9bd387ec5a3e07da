/**
 * One simulated world: parties as XState machines on a simulated network, every effect performed
 * here with protocol/ (real HPKE, OHTTP, BHTTP, tokens, SEV-SNP evidence, Merkle log). The world
 * also keeps the ground truth that the invariants read (model/world-view.ts); no party reads it.
 */
import { ChaChaRng } from './rng.js';
import { SimClock } from './clock.js';
import { Scheduler } from './scheduler.js';
import { Network, type LinkPolicy } from './network.js';
import { Trace } from './trace.js';
import { issuanceLimitOf, type PlantedBugs, type RunSpec } from './spec.js';
import { buildWorkload, makeCanary, type Workload } from './workload.js';
import { keysForRun, LOG_ORIGIN, MIN_TCB, type WorldKeys } from './world-keys.js';
import { HonestLog } from './log-growth.js';
import { ClientParty } from './parties/client.js';
import { RelayParty } from './parties/relay.js';
import { GatewayParty } from './parties/gateway.js';
import { NodeParty } from './parties/node.js';
import { IssuerParty } from './parties/issuer.js';
import { LogParty } from './parties/log.js';
import { seizeLater } from './later.js';
import { emptyHooks, Powers, type AdversaryHooks, type AdversaryPlan } from './adversary.js';
import { defencesFor, DIFFUSION_CAP, isAblation, PROFILE_DEFS, type Defences } from '../model/profile.js';
import type { WorldView, PartyInfo } from '../model/world-view.js';
import { viewFromTrace } from '../model/facts.js';
import { Observer } from './observer.js';
import { makePort } from './port.js';
import { enclaveKey, ohttpKey, type HeldKey } from './openers.js';
import { EPOCH_MS, evidenceOf } from '../model/profile.js';
import { freshnessBoundMs } from '../model/log-policy.js';
import { gpuBoundEvidence, gpuFleet } from './evidence/gpu.js';
import type { EvidenceTrust } from './evidence-check.js';
import { toHex } from '../protocol/bytes.js';
import type { Rng } from '../protocol/rng.js';
import type { VoprfIssuerKey } from '../protocol/tokens/type1-voprf.js';

const INTERNAL_LINKS = new Set(['gateway-node', 'node-log']);

export interface WorldOptions {
  bugs?: PlantedBugs;
  /** Keep every trace event in memory (default true; campaigns may keep only the hash). */
  keepTrace?: boolean;
  /** Adversaries with their drawn plans, installed before the world starts. */
  adversaries?: readonly AdversaryPlan[];
}

export class World {
  readonly clock = new SimClock();
  readonly trace: Trace;
  readonly scheduler: Scheduler;
  readonly network: Network;
  readonly rng: Rng;
  readonly defences: Defences;
  /** Profile `pcc`: pre-attested epoch keys, requests sealed to up to k nodes. */
  readonly pcc: boolean;
  /** Virtual time by which every task has had time to end (last task + its timeouts and retries). */
  readonly workHorizonMs: number;
  readonly bugs: PlantedBugs;
  readonly workload: Workload;
  readonly keys: WorldKeys;
  /** The only writer of ground truth: fact events in the trace (model/facts.ts). */
  readonly observer: Observer;
  /** Ground truth of each request (parties never read it): its user, chat and canary. */
  private readonly requestTruth = new Map<string, { requestId: string; user: string; chatId: string; canary: string }>();
  /** Each user's account id: an identity canary (the client authenticates to the issuer with it). */
  readonly accounts: string[] = [];
  readonly clients: ClientParty[] = [];
  readonly relay: RelayParty;
  readonly gateway: GatewayParty;
  readonly nodes: NodeParty[] = [];
  readonly issuer: IssuerParty;
  readonly log: LogParty;
  /** Ground truth: which request each message carries (parties never read this). */
  readonly provenance = new Map<number, string>();
  /** What the `later` position records on the operator's links, to replay after seizing keys. */
  readonly recorded: { link: string; bytes: Uint8Array; event: number; msg: number }[] = [];
  /** Ground truth: the nonce each report (by SHA-256 of its bytes) was produced for by an enclave. */
  readonly reportNonce = new Map<string, string>();
  /** Reports produced so far, and at which count each nonce's report was (coverage of attestation races, sim/port.ts). */
  reportsProduced = 0;
  readonly nonceReportAt = new Map<string, number>();
  /** When evidence of each node was last accepted (virtual ms). */
  readonly evidenceAcceptedAt = new Map<string, number>();
  /** What adversaries registered through their powers; parties consult these at their decision points. */
  readonly hooks: AdversaryHooks = emptyHooks();
  /** Compromised nodes (position `node:<i>`) and the adversary that reads them. */
  readonly compromised = new Map<number, string>();
  /** Ground truth: the witnesses whose keys a `witnesses` adversary holds (their cosignatures are not honest). */
  readonly colludingWitnesses = new Set<number>();
  /** The honest log as it grows during the run (sim/log-growth.ts). */
  readonly growingLog: HonestLog;
  /** The released freshness bound of checkpoints (model/log-policy.ts) on this run's network. */
  get logFreshnessMs(): number {
    return freshnessBoundMs(this.pcc ? 'pcc' : 'pp', EPOCH_MS, this.spec.network.delayMs.max);
  }
  /** Node keys the `later` position seized after the run (set by sim/later.ts). */
  seizedNodeKeys: { name: string; key: Uint8Array }[] = [];
  /** Coverage marks: how often each defence branch fired in this run. */
  readonly marks = new Map<string, number>();
  /** Transition coverage: how often each machine transition was taken in this run (sim/coverage.ts). */
  readonly transitions = new Map<string, number>();
  private readonly installed: { plan: AdversaryPlan; powers: Powers }[] = [];
  /** Issuance keys handed to each account when an `issuer` adversary chose per-user keys. */
  private readonly userIssuerKeys = new Map<string, VoprfIssuerKey>();

  constructor(
    readonly spec: RunSpec,
    readonly seed: number,
    options: WorldOptions = {},
  ) {
    this.bugs = options.bugs ?? {};
    this.rng = ChaChaRng.fromSeed(seed);
    this.trace = new Trace(options.keepTrace ?? true);
    this.scheduler = new Scheduler(this.clock, spec.limits);
    const net = spec.network;
    const policy: LinkPolicy = { delayMsMin: net.delayMs.min, delayMsMax: net.delayMs.max, loss: net.loss, duplicate: net.duplicate };
    // The operator's own links (gateway to node, node to log) are streams inside one data centre:
    // they may lose a message (a node restarts mid-request) but never duplicate one.
    const internal: LinkPolicy = { ...policy, duplicate: 0 };
    this.network = new Network(this.clock, this.scheduler, this.trace, this.rng.fork('network'), (link) => (INTERNAL_LINKS.has(link) ? internal : policy));
    // A named profile (e.g. the mutant `pp-weak-binder`) switches its defences off on top of the scenario's ablations.
    this.pcc = PROFILE_DEFS[spec.profile]?.base === 'pcc';
    this.defences = defencesFor([...(PROFILE_DEFS[spec.profile]?.ablations ?? []), ...spec.ablations.filter(isAblation)]);
    this.workload = buildWorkload(spec, this.rng.fork('workload'));
    this.keys = keysForRun(spec, this.rng.fork('keys'));
    const lastTask = this.workload.tasks.reduce((m, t) => Math.max(m, t.atMs), 0);
    this.workHorizonMs = lastTask + 4 * spec.network.requestTimeoutMs * (spec.network.retries + 1);
    this.observer = new Observer(this.trace, this.clock, (msg) => this.provenance.get(msg));
    const accountRng = this.rng.fork('accounts');
    for (let u = 0; u < spec.world.users; u++) this.accounts.push(`acct-${toHex(accountRng.bytes(8))}`);

    for (const link of ['relay-gateway', 'client-gateway', 'gateway-node']) {
      this.network.hook(link, {
        onMessage: (m) => {
          this.recorded.push({ link, bytes: m.bytes, event: this.trace.count, msg: m.id });
          return [];
        },
      });
    }
    // Every party runs on a port (sim/port.ts) with its own configuration: none sees the world.
    const k = this.keys;
    const d = this.defences;
    const bugs = this.bugs;
    const evidence = evidenceOf(spec.profile);
    this.growingLog = new HonestLog(this.keys.log, this.keys.logSigner, this.keys.witnessSigners, this.keys.witnessSeeds, LOG_ORIGIN, [`pph-keys ${this.keys.keyDigest}`], this.keys.checkpointNote);
    // The log is an always-on service: it re-publishes until the work horizon, then for as long as
    // anything else is still scheduled (a late retry), so the run still reaches quiescence; capped
    // well inside the scheduler's time limit.
    const capMs = Math.min(3 * this.workHorizonMs, spec.limits.maxTimeMs / 2);
    this.log = new LogParty(makePort(this, 'log', 'log', { growing: this.growingLog, untilMs: this.workHorizonMs, capMs, busy: () => this.scheduler.pending > 0 }));
    this.issuer = new IssuerParty(makePort(this, 'issuer', 'issuer', { key: k.issuer, limit: d['rate-limit'] ? issuanceLimitOf(spec) : null }));
    this.relay = new RelayParty(makePort(this, 'relay', 'relay', { leakAddress: bugs.relayForwardsClientAddress ? (id: number, address: string) => this.gateway.leakedAddress(id, address) : null }));
    const nodeIds = Array.from({ length: spec.world.nodes }, (_, i) => `enclave-${i}`);
    this.gateway = new GatewayParty(
      makePort(this, 'gateway', 'gateway', {
        pcc: this.pcc,
        nodeIds,
        spendTokens: d['token-spend'],
        gatewayKey: k.gateway,
        tokenChallenge: k.tokenChallenge,
        issuerKeys: () => this.issuerKeysInUse().map((x) => x.key),
        bugs: { routeAllToNodeZero: bugs.routeAllToNodeZero, gatewaySwapsResponses: bugs.gatewaySwapsResponses },
      }),
    );
    const unlogged = spec.world.unloggedNodes ?? [];
    for (let i = 0; i < spec.world.nodes; i++) {
      const config = {
        index: i,
        pcc: this.pcc,
        evidence,
        defences: { 'state-erasure': d['state-erasure'], 'client-nonce': d['client-nonce'] },
        chip: k.chip(i),
        measurement: k.measurementOf(i),
        releaseEntry: k.releaseEntryOf(i),
        releaseIndex: k.releaseIndex(i),
        logged: !unlogged.includes(i),
        gpuEvidence: evidence === 'cvm-gpu' ? (session: Uint8Array) => gpuBoundEvidence(this, i, session) : null,
        workHorizonMs: this.workHorizonMs,
        bugs: { nodeKeySurvivesRestart: bugs.nodeKeySurvivesRestart, enclaveLogsPlaintextToHost: bugs.enclaveLogsPlaintextToHost },
      };
      this.nodes.push(new NodeParty(makePort(this, `host-${i}`, `node-${i}`, config), makePort(this, `enclave-${i}`, `node-${i}`, config)));
    }
    const trust: EvidenceTrust = {
      keys: { trust: k.trust, tdx: k.tdx, crl: k.crl, logVerifier: k.logVerifier, witnessVerifiers: k.witnessVerifiers, witnessQuorum: k.witnessQuorum },
      evidence,
      gpuVendor: () => gpuFleet(this).vendor,
      gpuBinding: d['gpu-binding'],
      logFreshnessMs: this.logFreshnessMs,
      minTcb: MIN_TCB,
    };
    const w = this.workload;
    for (let u = 0; u < spec.world.users; u++) {
      const name = `client-${u}`;
      this.clients.push(
        new ClientParty(
          makePort(this, name, name, {
            index: u,
            account: this.accounts[u]!,
            optedIn: w.optedIn[u]!,
            excludedChats: w.chats.filter((c) => c.user === u && c.excluded).map((c) => c.chatId),
            chats: w.chats.filter((c) => c.user === u).map((c) => ({ chatId: c.chatId, messages: c.messages })),
            defences: d,
            pcc: this.pcc,
            nodes: spec.world.nodes,
            retries: spec.network.retries,
            requestTimeoutMs: spec.network.requestTimeoutMs,
            tokensPerUser: spec.world.tokensPerUser,
            tokenChallenge: k.tokenChallenge,
            issuerPublicKey: k.issuer.publicKey,
            gatewayConfig: k.gateway.config,
            gatewayConfigBytes: k.gatewayConfigBytes,
            trust,
            bugs: { ignoreConsent: bugs.ignoreConsent, noClientTimeouts: bugs.noClientTimeouts, routeAllToNodeZero: bugs.routeAllToNodeZero },
          }),
        ),
      );
    }
    for (const a of options.adversaries ?? []) {
      const powers = new Powers(this, a.adversary.name, a.adversary.positions);
      a.adversary.install(powers, a.plan);
      this.installed.push({ plan: a, powers });
    }
  }

  /** Runs the world to quiescence, then the `later` key seizure; returns the view rebuilt from the trace's facts. */
  run(): WorldView {
    this.trace.append(0, 'log', 'world', `start ${this.spec.name}`, { seed: this.seed, users: this.spec.world.users, nodes: this.spec.world.nodes, requests: this.spec.world.requests });
    const o = this.observer;
    o.fact('world', 'world', {
      nodes: this.spec.world.nodes,
      diffusionCap: this.pcc ? DIFFUSION_CAP : null,
      users: this.clients.map((c) => c.name),
      // What the run checks and expects: `pph check` judges the trace file alone against them.
      invariants: [...this.spec.invariants],
      expectViolated: Object.entries(this.spec.expect).filter(([, e]) => e === 'violated').map(([id]) => id).sort(),
      scenario: this.spec.name,
      profile: this.spec.profile,
      // The issuer's per-account limit the protocol claims (`authorization`), ablated or not.
      issuanceTokens: issuanceLimitOf(this.spec).tokens,
      issuanceWindowMs: issuanceLimitOf(this.spec).windowMs,
    });
    for (const p of this.partyInfo()) o.fact(p.name, 'party', { role: p.role, trusted: p.trustedForContent });
    // The operator's gateway holds the OHTTP key: what it opens is its knowledge (closure over keys).
    o.holdsKey(this.gateway.name, ohttpKey(this.keys.gateway), 'the gateway key');
    for (const c of this.clients) {
      // Identity canaries: the account id and the user name (a network address is seen as the sender).
      o.plantIdentity(c.name, this.accounts[c.index]!);
      o.plantIdentity(c.name, c.name, true);
      o.plantAddress(c.address, c.name);
    }
    for (const chat of this.workload.chats) {
      const blocked = chat.excluded || !this.workload.optedIn[chat.user];
      o.fact(this.clients[chat.user]!.name, 'chat', { chatId: chat.chatId, user: this.clients[chat.user]!.name, blocked });
      for (const canary of chat.canaries) o.plantChat(chat.chatId, canary);
    }
    this.log.start();
    this.issuer.start();
    this.relay.start();
    this.gateway.start();
    for (const n of this.nodes) n.start();
    for (const c of this.clients) c.start();
    const canaryRng = this.rng.fork('canaries');
    for (const task of this.workload.tasks) {
      const client = this.clients[task.user]!;
      const canary = makeCanary(canaryRng);
      this.requestTruth.set(task.requestId, { requestId: task.requestId, user: client.name, chatId: task.chatId, canary });
      o.plantContent(task.requestId, canary);
      o.fact(client.name, 'request', { requestId: task.requestId, user: client.name, chatId: task.chatId, canary, issuedAtMs: task.atMs });
      // The user types the request (its canary) into the client.
      this.scheduler.at(task.atMs, `task ${task.requestId}`, () => client.task(task.requestId, task.chatId, canary));
    }
    for (const f of this.spec.faults.nodeRestarts) {
      this.scheduler.at(f.atMs, `restart node-${f.node}`, () => this.nodes[f.node]!.restart());
    }
    this.scheduler.runUntilIdle();
    for (const n of this.nodes) n.snapshotEnclave('end of run');
    seizeLater(this);
    for (const { plan, powers } of this.installed) plan.adversary.finish?.(powers, plan.plan);
    // The end event seals the hash of every line before it: `pph check` finds an edited trace.
    this.trace.append(this.clock.nowMs(), 'end', 'world', 'end of run', { events: this.scheduler.eventsExecuted, sealed: this.trace.hashSoFar(), seals: [...this.trace.prefixSeals] });
    return viewFromTrace(this.trace.judged);
  }

  /**
   * Enclave `enclaveName` generated or derived a key (a boot or pcc epoch key pair, an RA-TLS
   * session's traffic secrets). An adversary that holds that enclave (position `node:<i>`, a
   * compromised enclave) holds the key from now on.
   */
  compromisedEnclaveHolds(enclaveName: string, key: (enclaveName: string) => HeldKey, how: string): void {
    const index = this.nodes.findIndex((n) => n.enclaveName === enclaveName);
    const thief = this.compromised.get(index);
    if (thief) this.observer.holdsKey(thief, key(enclaveName), `${how} inside its ${enclaveName}`);
  }

  /** Ground truth: which request a key, a context or a buffer an enclave derived belongs to (for the state walk). */
  private readonly derived = new WeakMap<object, string>();
  /** Ground truth: every public key an honest enclave generated (any node, boot or epoch), hex. */
  private readonly enclaveKeys = new Set<string>();

  /** An enclave generated key pair `publicKey` inside its TEE (told through its port). */
  enclaveGenerated(publicKey: Uint8Array): void {
    this.enclaveKeys.add(toHex(publicKey));
  }

  /**
   * Whether an honest enclave generated `key` (in any boot or epoch). A key it generated and later
   * erased is no one's: sealing to it loses a request, not its content.
   */
  generatedByEnclave(key: Uint8Array): boolean {
    return this.enclaveKeys.has(toHex(key));
  }

  derivedFrom(value: object, requestId: string): void {
    this.derived.set(value, requestId);
  }

  derivedRequest(value: object): string | null {
    return this.derived.get(value) ?? null;
  }

  /** Counts one hit of a defence branch (coverage mark), e.g. `client.evidence-rejected.signature`. */
  mark(name: string): void {
    this.marks.set(name, (this.marks.get(name) ?? 0) + 1);
  }

  /** The issuer key account `user` gets (step 3): the honest one unless an issuer adversary tags it. */
  issuerKeyFor(user: string): VoprfIssuerKey {
    let k = this.userIssuerKeys.get(user);
    if (!k) {
      k = this.hooks.issuerKeyFor.reduce((key, f) => f(user, key), this.keys.issuer);
      this.userIssuerKeys.set(user, k);
    }
    return k;
  }

  /** Every issuer key in use, with the account it was made for (null: the shared honest key). */
  issuerKeysInUse(): { user: string | null; key: VoprfIssuerKey }[] {
    const out: { user: string | null; key: VoprfIssuerKey }[] = [{ user: null, key: this.keys.issuer }];
    for (const [user, key] of this.userIssuerKeys) if (key !== this.keys.issuer) out.push({ user, key });
    return out;
  }

  /** Names of the adversaries installed in this world. */
  get adversaryNames(): string[] {
    return this.installed.map((i) => i.plan.adversary.name);
  }

  /** Ground truth of a request (its user, chat, canary), for the simulator's own bookkeeping. */
  request(requestId: string) {
    return this.requestTruth.get(requestId);
  }

  private partyInfo(): PartyInfo[] {
    return [
      ...this.clients.map((c) => ({ name: c.name, role: 'client' as const, trustedForContent: true })),
      { name: this.relay.name, role: 'relay' as const, trustedForContent: false },
      { name: this.gateway.name, role: 'gateway' as const, trustedForContent: false },
      ...this.nodes.map((n) => ({ name: n.hostName, role: 'host' as const, trustedForContent: false })),
      ...this.nodes.map((n) => ({ name: n.enclaveName, role: 'enclave' as const, trustedForContent: true })),
      { name: this.issuer.name, role: 'issuer' as const, trustedForContent: false },
      { name: this.log.name, role: 'log' as const, trustedForContent: false },
      ...this.installed.map((i) => ({ name: i.plan.adversary.name, role: 'adversary' as const, trustedForContent: false })),
    ];
  }
}
