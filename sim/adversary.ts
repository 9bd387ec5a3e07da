/**
 * Adversaries in the simulator (THREATS.md): an adversary occupies positions and gets exactly the
 * powers of those positions, through a {@link Powers} object the world builds for it. Asking for a
 * power (or a key) no position grants throws {@link PowerDenied}: the simulator, not the adversary's
 * good manners, keeps it from reading an honest party's secrets.
 *
 * The world consults the hooks adversaries register here at the points where a real attacker in
 * that position acts: links (network, relay), the gateway's routing and the replies it relays,
 * the log's checkpoint, the issuer's key per account, the host's restarts and configuration.
 */
import type * as fc from 'fast-check';
import { PphError } from '../protocol/errors.js';
import type { Rng } from '../protocol/rng.js';
import type { GatewayKey } from '../protocol/ohttp.js';
import type { VoprfIssuerKey } from '../protocol/tokens/type1-voprf.js';
import type { Decision, Message } from './network.js';
import type { Candidate } from './epoch.js';
import { measurementOfImage, type WorldChip } from './world-keys.js';
import type { SimSigner } from '../protocol/attestation/sim-vendor.js';
import type { Ed25519NoteSigner } from '../protocol/tlog/note-key.js';
import type { CosignatureV1Signer } from '../protocol/tlog/cosignature.js';
import type { ConsistencyStep } from './log-growth.js';
import type { World } from './world.js';
import { RELEASED_HOST_DATA } from '../tee/enclave-program.js';
import type { TdxChip } from './evidence/tdx.js';
import { gpuFleet } from './evidence/gpu.js';
import { retiredCredentials } from './evidence/ra-tls.js';
import { evidenceOf } from '../model/profile.js';
import { issuanceLimitOf } from './spec.js';
import { enclaveKey, ohttpKey, tlsSessionKey } from './openers.js';

/** The public transparency log as any party may read it: no append. */
export interface PublicLogView {
  readonly size: number;
  leafHash(index: number): Uint8Array;
  root(size?: number): Uint8Array;
  inclusionProof(index: number, size?: number): Uint8Array[];
  consistencyProof(size1: number, size2?: number): Uint8Array[];
}

/** An adversary asked for a power or key that none of its positions grants. */
export class PowerDenied extends PphError {}

export const LINKS = ['client-relay', 'relay-gateway', 'client-gateway', 'gateway-node', 'node-log', 'client-issuer'] as const;
export type LinkName = (typeof LINKS)[number];

export type Position =
  | `network:${LinkName}`
  | 'relay'
  | 'gateway'
  | 'issuer'
  | 'log'
  | 'vendor-key'
  | `node:${number}`
  /** A side channel on node i's enclave (THREATS.md): extracts its live HPKE secret key, nothing else. */
  | `node-key:${number}`
  | 'later'
  /** A user account of its own (a malicious client): its own address, issuance, requests through the relay. */
  | 'client'
  /** Colluding witnesses: the cosigning keys of fewer witnesses than the client's quorum (the trust model's bound). */
  | 'witnesses';

/** Links each position may act on (THREATS.md: the relay holds both relay links; the operator its own). */
function linksOf(p: Position): LinkName[] {
  if (p.startsWith('network:')) return [p.slice('network:'.length) as LinkName];
  if (p === 'relay') return ['client-relay', 'relay-gateway'];
  if (p === 'gateway') return ['relay-gateway', 'client-gateway', 'gateway-node', 'node-log'];
  if (p === 'log') return ['node-log'];
  if (p === 'issuer') return ['client-issuer'];
  return [];
}

export function isPosition(s: string): s is Position {
  if (/^network:/.test(s)) return (LINKS as readonly string[]).includes(s.slice(8));
  return ['relay', 'gateway', 'issuer', 'log', 'vendor-key', 'later', 'client', 'witnesses'].includes(s) || /^node(-key)?:\d+$/.test(s);
}

/** What a link hook sees and may answer: the message as it crosses, and its decisions. */
export type LinkTap = (message: Readonly<Message>) => Decision[];

/** A reply from a node as the gateway sees it, before it encapsulates it for the client. */
export interface NodeReplyView {
  route: 'attest' | 'summarise';
  /** The node that answered. */
  node: number;
  /** The gateway's local ref of the request. */
  ref: number;
  /** The attest nonce (hex) of an attest request: the gateway reads it in the path. */
  nonce: string | null;
  /** The body of the decapsulated request (profile ra-tls: the client's TLS ClientHello), a copy. */
  request: Uint8Array;
  /** The node's bytes (kind byte then payload; see NODE_MSG). */
  bytes: Uint8Array;
}

/** What the log serves a host: the inclusion proof of its release entry and a checkpoint. */
export interface LogProofView {
  leafIndex: number;
  treeSize: number;
  proof: Uint8Array[];
  checkpoint: string;
  /** Consistency proofs from earlier published sizes to `treeSize` (sim/log-growth.ts); a fork cannot give valid ones. */
  consistency?: ConsistencyStep[];
}

/** The hooks the world consults; each set through a position-gated {@link Powers}. */
export interface AdversaryHooks {
  routeAttest: ((choice: number, nodes: number) => number)[];
  nodeReply: ((reply: NodeReplyView) => Uint8Array)[];
  /** Inner requests the operator received for a node id that is not one of its honest nodes. */
  rogueRequest: ((ref: number, nodeId: string, inner: Uint8Array) => Uint8Array | null)[];
  logView: ((node: number, honest: LogProofView) => LogProofView)[];
  issuerKeyFor: ((user: string, honest: VoprfIssuerKey) => VoprfIssuerKey)[];
  hostConfig: ((node: number) => string | null)[];
  offerCandidates: ((honest: Candidate[], directory: Candidate[], published: Candidate[]) => Candidate[])[];
}

export function emptyHooks(): AdversaryHooks {
  return { routeAttest: [], nodeReply: [], rogueRequest: [], logView: [], issuerKeyFor: [], hostConfig: [], offerCandidates: [] };
}

/** The key material the `key()` power can hand out, with the position that holds it. */
export type KeyName = 'gateway-ohttp' | 'issuer' | `chip:${number}` | 'chip:outdated' | 'chip:revoked' | 'tdx:outdated' | `enclave:${number}` | 'log' | `witness:${number}`;

/**
 * The powers of one adversary in one world. Every method checks the positions first.
 *
 * @example
 * powers.tap('client-relay', (m) => [{ kind: 'drop' }]);   // needs network:client-relay or relay
 * powers.key('gateway-ohttp');                             // needs gateway, else PowerDenied
 */
export class Powers {
  readonly rng: Rng;

  constructor(
    private readonly world: World,
    readonly adversary: string,
    readonly positions: readonly Position[],
  ) {
    this.rng = world.rng.fork(`adversary:${adversary}`);
  }

  has(p: Position): boolean {
    return this.positions.includes(p);
  }

  private require(what: string, ok: boolean): void {
    if (!ok) throw new PowerDenied('position', `${this.adversary} (${this.positions.join(', ') || 'no position'}) has no power to ${what}`);
  }

  /** Virtual time now (ms). */
  now(): number {
    return this.world.clock.nowMs();
  }

  /** Runs `fn` at virtual time `atMs` (an adversary acts on the simulated clock only). */
  at(atMs: number, what: string, fn: () => void): void {
    this.world.scheduler.at(Math.max(atMs, this.world.clock.nowMs()), `${this.adversary}: ${what}`, fn);
  }

  /** Writes an adversary action into the trace (highlighted in reports). */
  note(what: string, data: Record<string, string | number | boolean> = {}): void {
    this.world.trace.append(this.world.clock.nowMs(), 'tamper', this.adversary, what, data);
  }

  /**
   * Keeps a message the adversary saw on a link it taps: from now on the observer counts it in the
   * adversary's knowledge (a `holds` fact), and opens it with every key the adversary holds or
   * gets later. What it learns is never declared: it is what its keys open (model/facts.ts).
   */
  keep(message: Readonly<Message>): void {
    this.require(`keep messages of link ${message.link}`, this.positions.some((p) => linksOf(p).includes(message.link as LinkName)));
    this.world.observer.holds(this.adversary, 'received', message.bytes, message.id);
  }

  /**
   * The adversary's own HPKE key (a rogue node's): the observer opens with it what the adversary
   * holds, under every honest node id and every id the rogue answered to.
   */
  ownKey(secretKey: Uint8Array): void {
    this.world.observer.holdsKey(this.adversary, enclaveKey(secretKey, this.adversary, () => [...this.world.nodes.map((n) => n.enclaveName), ...this.rogueIds]), 'its own key');
  }

  private readonly rogueIds = new Set<string>();

  /**
   * Gateway (operator) position, profile family ra-tls: the client-side traffic secrets of a TLS
   * session this adversary terminated itself (it computed them in its own handshake). The
   * observer opens with them what the adversary holds of that session.
   */
  terminatedTlsSession(clientRandom: Uint8Array, clientHandshakeSecret: Uint8Array, clientApplicationSecret: Uint8Array): void {
    this.require('terminate TLS sessions', this.has('gateway'));
    this.world.observer.holdsKey(this.adversary, tlsSessionKey(clientRandom, clientHandshakeSecret, clientApplicationSecret, this.adversary), 'a TLS session it terminated');
  }

  /**
   * Position `node-key:<i>`: a side channel on node i's enclave (THREATS.md) reads its live HPKE
   * secret key (skE of the current boot, and in pcc of the current epoch) now. Returns a copy, or
   * null while the node has no key; the observer records that the adversary holds it.
   */
  extractNodeKey(i: number): Uint8Array | null {
    this.require(`extract node ${i}'s enclave key`, this.has(`node-key:${i}`));
    const n = this.world.nodes[i];
    if (!n) throw new PowerDenied('no-such-node', `no node ${i}`);
    const sk = n.seizeKey();
    if (!sk) return null;
    this.note(`extracted ${n.enclaveName}'s live key by a side channel`);
    this.world.observer.holdsKey(this.adversary, enclaveKey(sk, n.enclaveName, () => [n.enclaveName]), 'side-channel extraction');
    return sk.slice();
  }

  /**
   * A coalition holding the relay and the gateway claims that the request in gateway-side message
   * `messageId` came from `address`. The simulator checks the claim against ground truth; a right
   * claim is a link of who and what (invariant `unlinkability`), a wrong one is only counted.
   */
  claimLink(messageId: number, address: string): void {
    this.require('link relay and gateway observations', this.has('relay') && this.has('gateway'));
    const w = this.world;
    const requestId = w.provenance.get(messageId);
    const r = requestId ? w.request(requestId) : undefined;
    const right = r !== undefined && w.clients.find((c) => c.name === r.user)?.address === address;
    w.mark(right ? 'coalition.link-right' : 'coalition.link-wrong');
    // The claim is a fact; `unlinkability` scores it against the request's user (also a fact).
    const user = w.observer.userOfAddress(address);
    if (requestId && user) w.observer.fact(this.adversary, 'link-claim', { requestId, user }, `claims ${requestId} came from ${address}`);
  }

  /**
   * Client position: the adversary's own user account sends `bytes` from its own address, to the
   * relay (an OHTTP request) or to the issuer (a token request for its account); replies come back
   * to `onReply`. It holds no honest user's keys or tokens: only what it makes or is issued.
   */
  clientSend(to: 'relay' | 'issuer', bytes: Uint8Array, label: string, onReply: (reply: Uint8Array) => void = () => {}): void {
    this.require('send as a client of its own', this.has('client'));
    const w = this.world;
    const address = `${this.adversary}-client`;
    if (!this.clientAttached) {
      this.clientAttached = true;
      w.network.attach(address, (m) => this.clientReplies.get(m.stream ?? -1)?.(m.bytes));
    }
    const m = w.network.send(address, to === 'relay' ? w.relay.address : w.issuer.address, to === 'relay' ? 'client-relay' : 'client-issuer', bytes.slice(), label);
    this.clientReplies.set(m.id, onReply);
  }

  /** Client position: the account (and address) of the adversary's own user. */
  clientAccount(): string {
    this.require('act as a client of its own', this.has('client'));
    return `${this.adversary}-client`;
  }

  private clientAttached = false;
  private seizedOnce = false;
  private readonly clientReplies = new Map<number, (reply: Uint8Array) => void>();

  /** Client position: records that its own account was issued a token (the observer's `token-issued` fact). */
  clientIssued(tokenId: string): void {
    this.require('hold tokens of its own account', this.has('client'));
    this.world.observer.fact(`${this.adversary}-client`, 'token-issued', { tokenId });
  }

  /**
   * Declares the user this adversary targets (a `target` fact, with the nodes it holds: its
   * `node:<i>` positions). The choice is the adversary's; the nodes come from its positions, not
   * from anything it says. The pooled non-targetability test of a campaign reads this fact.
   */
  declareTarget(user: string): void {
    const nodes = this.positions.filter((p) => /^node:\d+$/.test(p)).map((p) => Number(p.slice(5)));
    this.require('target a user with nodes of its own', nodes.length > 0);
    const names = nodes.filter((i) => this.world.nodes[i]).map((i) => this.world.nodes[i]!.enclaveName);
    this.world.observer.fact(this.adversary, 'target', { user, nodes: names }, `targets ${user} with ${names.join(', ')}`);
  }

  /** Sits on a link: sees each message as it crosses and decides its fate. */
  tap(link: LinkName, fn: LinkTap): void {
    this.require(`act on link ${link}`, this.positions.some((p) => linksOf(p).includes(link)));
    this.world.network.hook(link, { onMessage: fn });
  }

  /** The addresses the relay knows for each message it receives (the relay position only). */
  clientAddressOf(message: Readonly<Message>): string {
    this.require('know client addresses', this.has('relay') || (this.has('gateway') && message.link === 'client-gateway'));
    return message.from;
  }

  /** Gateway position: chooses the node for each attest request. */
  routeAttest(fn: (choice: number, nodes: number) => number): void {
    this.require('choose routing', this.has('gateway'));
    this.world.hooks.routeAttest.push(fn);
  }

  /** Gateway position: sees and may replace every node reply before it goes back to the client. */
  onNodeReply(fn: (reply: NodeReplyView) => Uint8Array): void {
    this.require('rewrite node replies', this.has('gateway'));
    this.world.hooks.nodeReply.push(fn);
  }

  /** Gateway position: runs a rogue node that answers requests addressed to a node id it invented. */
  runRogueNode(fn: (ref: number, nodeId: string, inner: Uint8Array) => Uint8Array | null): void {
    this.require('run an extra node', this.has('gateway'));
    // What the rogue receives is the adversary's: the observer opens it with the keys it holds.
    this.world.hooks.rogueRequest.push((ref, nodeId, inner) => {
      this.rogueIds.add(nodeId);
      this.world.observer.holds(this.adversary, 'received', inner, null);
      return fn(ref, nodeId, inner);
    });
  }

  /** Gateway (operator) position: restarts node `node` at virtual time `atMs`. */
  restartNode(node: number, atMs: number): void {
    this.require('restart nodes', this.has('gateway'));
    const n = this.world.nodes[node];
    if (!n) throw new PowerDenied('no-such-node', `no node ${node}`);
    this.at(atMs, `restart node-${node}`, () => {
      this.note(`restart node-${node}`);
      n.restart();
    });
  }

  /**
   * Gateway (operator) position: launches a VM of its choice on node `node`'s machine (any image,
   * any policy, e.g. debug on) and asks the chip for its report. The chip signs what it measured:
   * the image's measurement and the launch policy are real, so the verifier sees exactly those.
   */
  launchVm(node: number, vm: { image: string; debug: boolean; reportData: Uint8Array; hostData?: Uint8Array }): Uint8Array {
    this.require('launch VMs on the operator machines', this.has('gateway'));
    const k = this.world.keys;
    if (!this.world.nodes[node]) throw new PowerDenied('no-such-node', `no node ${node}`);
    const policy = 0x30000n | (vm.debug ? 1n << 19n : 0n);
    this.note(`launched ${vm.debug ? 'a debug VM' : 'a VM'} of ${vm.image} on node-${node}`);
    // Profile pp-tdx: a TD on the node's TDX platform (debug: TD_ATTRIBUTES.DEBUG), quoted by its QE.
    const td = k.chip(node).tdx;
    if (td) return td.quote({ reportData: vm.reportData, measurement: measurementOfImage(vm.image), hostData: vm.hostData ?? RELEASED_HOST_DATA, debug: vm.debug });
    // HOST_DATA is the operator's choice at launch: by default the released configuration's digest.
    return k.chip(node).signer.signReport({ reportData: vm.reportData, measurement: measurementOfImage(vm.image), hostData: vm.hostData ?? RELEASED_HOST_DATA, policy, vmpl: 0 });
  }

  /**
   * Gateway position, profile `pcc`: chooses the candidate keys offered to each client, from the
   * directory of current keys and every key ever published (an operator keeps them all).
   */
  offerCandidates(fn: (honest: Candidate[], directory: Candidate[], published: Candidate[]) => Candidate[]): void {
    this.require('choose the candidate nodes offered', this.has('gateway'));
    this.world.hooks.offerCandidates.push(fn);
  }

  /**
   * Gateway (operator) position, profile pp-gpu: takes node `node`'s GPU out of confidential mode
   * (`cc-off`, the host's gpu-admin-tools `--set-cc-mode off`) or swaps in a genuine GPU of its own
   * without it (`swap`); from then on the operator reads what that GPU processes (sim/evidence/gpu.ts).
   */
  exposeGpu(node: number, how: 'cc-off' | 'swap'): void {
    this.require('reconfigure GPUs on the operator machines', this.has('gateway'));
    const fleet = gpuFleet(this.world);
    if (!this.world.nodes[node]) throw new PowerDenied('no-such-node', `no node ${node}`);
    this.note(`${how === 'swap' ? 'swapped in a GPU without confidential mode' : 'switched confidential mode off'} on node-${node}`);
    fleet.attach(node, how === 'swap' ? fleet.spare() : fleet.gpu(node).withConfidentialMode(false), this.adversary);
  }

  /** Gateway (operator) position, profile pp-gpu: asks node `node`'s GPU (as attached now) for measurements with a nonce of its choice. */
  attestGpu(node: number, nonce: Uint8Array): { evidence: Uint8Array; chain: Uint8Array[]; leafSpkiSha256: string } {
    this.require('talk to the GPUs on the operator machines', this.has('gateway'));
    const fleet = gpuFleet(this.world);
    const gpu = fleet.gpu(node);
    return { evidence: fleet.attest(gpu, nonce), chain: [...gpu.chainDers], leafSpkiSha256: gpu.leafSpkiSha256 };
  }

  /**
   * Gateway (operator) position, profile ra-tls: ONE genuine RA-TLS certificate and its private key
   * extracted from a retired instance of node `node` (an earlier boot, after the operator restarted
   * it: the memory of an instance that no longer runs, as `later` seizes keys after a restart), or
   * null while no retired instance of that node had issued a certificate. Never a live enclave's key.
   */
  retiredRaTlsCredential(node: number): { certificate: Uint8Array; privateKey: Uint8Array; generation: number } | null {
    this.require('extract a retired enclave instance\'s RA-TLS key', this.has('gateway'));
    if (!this.world.nodes[node]) throw new PowerDenied('no-such-node', `no node ${node}`);
    const c = retiredCredentials(this.world, node)[0];
    return c ? { certificate: c.certificate.slice(), privateKey: c.privateKey.slice(), generation: c.generation } : null;
  }

  /** Gateway (operator) position: feeds configuration to the enclave from the host. */
  hostConfig(fn: (node: number) => string | null): void {
    this.require('feed host configuration', this.has('gateway'));
    this.world.hooks.hostConfig.push(fn);
  }

  /** Log position: serves a view of its choice (proof and checkpoint) to each node. */
  serveLogView(fn: (node: number, honest: LogProofView) => LogProofView): void {
    this.require('serve log views', this.has('log'));
    this.world.hooks.logView.push(fn);
  }

  /** Issuer position: chooses the issuance key per account. */
  issuerKeyFor(fn: (user: string, honest: VoprfIssuerKey) => VoprfIssuerKey): void {
    this.require('choose issuance keys', this.has('issuer'));
    this.world.hooks.issuerKeyFor.push(fn);
  }

  /**
   * Node position: the enclave of node `i` is the adversary's (a compromised enclave): it sees
   * everything that node's host receives and holds every key the node generates from now on
   * (sim/world.ts `compromisedEnclaveHolds`); the observer opens the one with the other.
   */
  compromiseNode(i: number): void {
    this.require(`read node ${i}`, this.has(`node:${i}`));
    const n = this.world.nodes[i];
    if (!n) throw new PowerDenied('no-such-node', `no node ${i}`);
    this.world.compromised.set(i, this.adversary);
    this.world.observer.mirror(n.hostName, this.adversary);
  }

  /**
   * The `later` position, after the run: the long-term keys it seized (gateway OHTTP key, each
   * node's key after its restart) and the traffic it recorded on the operator's links.
   */
  seized(): { gateway: GatewayKey; nodes: { name: string; key: Uint8Array }[]; recorded: { link: string; bytes: Uint8Array }[] } {
    this.require('seize keys after the fact', this.has('later'));
    const w = this.world;
    if (!this.seizedOnce) {
      // What it holds from now on: the recorded traffic and the seized keys; the observer opens the one with the other.
      this.seizedOnce = true;
      for (const r of w.recorded) w.observer.holds(this.adversary, 'received', r.bytes, r.msg);
      w.observer.holdsKey(this.adversary, ohttpKey(w.keys.gateway), 'seized after the run');
      for (const k of w.seizedNodeKeys) w.observer.holdsKey(this.adversary, enclaveKey(k.key, k.name, () => w.nodes.map((n) => n.enclaveName)), 'seized after the run (key after restart)');
    }
    return { gateway: w.keys.gateway, nodes: w.seizedNodeKeys, recorded: w.recorded.map((r) => ({ link: r.link, bytes: r.bytes })) };
  }

  /**
   * Public material every party sees: the gateway key config, checkpoint, vendor roots, the log.
   * Read-only copies: bytes are copied out, and the log is a view that reads the public log (leaf
   * hashes, roots, proofs) but cannot append to it: a power never changes honest state.
   */
  get public() {
    const k = this.world.keys;
    const log = k.log;
    const copy = (b: Uint8Array) => b.slice();
    const publicLog: PublicLogView = Object.freeze({
      get size() {
        return log.size;
      },
      leafHash: (i: number) => copy(log.leafHash(i)),
      root: (size?: number) => copy(log.root(size)),
      inclusionProof: (i: number, size?: number) => log.inclusionProof(i, size).map(copy),
      consistencyProof: (a: number, b?: number) => log.consistencyProof(a, b).map(copy),
    });
    return Object.freeze({ gatewayConfig: structuredClone(k.gateway.config), gatewayConfigBytes: copy(k.gatewayConfigBytes), issuerPublicKey: copy(k.issuer.publicKey), tokenChallenge: copy(k.tokenChallenge), checkpoint: k.checkpointNote, vendorAskDer: copy(k.vendor.askDer), nodes: this.world.nodes.length, enclaveNames: this.world.nodes.map((n) => n.enclaveName), measurementOf: (i: number) => copy(k.measurementOf(i)), releaseEntryOf: (i: number) => copy(k.releaseEntryOf(i)), releaseIndex: (i: number) => k.releaseIndex(i), log: publicLog, evidence: evidenceOf(this.world.spec.profile), issuanceLimit: issuanceLimitOf(this.world.spec) });
  }

  /**
   * Secret key material, only to the position that holds it: the operator holds the gateway and
   * (privately verifiable tokens) issuer keys; the log its signing key; `vendor-key` the chips'
   * signing keys; `witnesses` the keys of fewer witnesses than the quorum; no position holds an
 * honest enclave's key or an honest witness's key.
   */
  key(name: 'gateway-ohttp'): GatewayKey;
  key(name: 'issuer'): VoprfIssuerKey;
  key(name: `chip:${number}`): WorldChip;
  key(name: 'chip:outdated'): SimSigner;
  key(name: 'chip:revoked'): SimSigner;
  key(name: 'tdx:outdated'): TdxChip | null;
  key(name: 'log'): Ed25519NoteSigner;
  key(name: `witness:${number}`): CosignatureV1Signer;
  key(name: KeyName): unknown;
  key(name: KeyName): unknown {
    const k = this.world.keys;
    if (name === 'gateway-ohttp') {
      this.require('read the gateway OHTTP key', this.has('gateway'));
      return k.gateway;
    }
    if (name === 'issuer') {
      this.require('read the issuer key', this.has('issuer') || this.has('gateway'));
      return k.issuer;
    }
    if (name === 'chip:outdated') {
      // The operator owns this machine; its old firmware signs whatever the host asks.
      this.require('use the outdated chip', this.has('gateway'));
      return k.outdatedChip();
    }
    if (name === 'tdx:outdated') {
      // Profile pp-tdx: the operator's TDX platform on old microcode (genuine PCK, TCB status OutOfDate).
      this.require('use the outdated TDX platform', this.has('gateway'));
      return k.tdx?.outdated() ?? null;
    }
    if (name === 'chip:revoked') {
      // The operator's machine whose chip key leaked; the vendor has revoked its VCEK since.
      this.require('use the revoked chip', this.has('gateway'));
      return k.revokedChip();
    }
    if (name.startsWith('chip:')) {
      this.require(`read ${name}'s signing key`, this.has('vendor-key'));
      return k.chip(Number(name.slice(5)));
    }
    if (name === 'log') {
      this.require('read the log signing key', this.has('log'));
      return k.logSigner;
    }
    if (name.startsWith('witness:')) {
      // Position `witnesses`: fewer witnesses than the quorum collude, the first quorum - 1 of them.
      const i = Number(name.slice('witness:'.length));
      this.require(`read ${name}'s cosigning key`, this.has('witnesses') && Number.isInteger(i) && i >= 0 && i < Math.min(k.witnessQuorum - 1, k.witnessSigners.length));
      this.world.colludingWitnesses.add(i);
      return k.witnessSigners[i];
    }
    this.require(`read ${name}`, false);
    return undefined;
  }
}

/**
 * One adversary of the catalogue: its positions, the defence branches it targets (coverage marks)
 * and a fast-check plan it acts through. `install` runs before the world starts.
 */
export interface Adversary<P = unknown> {
  name: string;
  description: string;
  positions: readonly Position[];
  /** Coverage marks it must reach on the baseline profile (a campaign fails when one stays at 0). */
  marks: readonly string[];
  /** Profiles it needs (default: any). */
  profiles?: readonly string[];
  plan(spec: { world: { nodes: number; users: number; requests: number } }): fc.Arbitrary<P>;
  install(powers: Powers, plan: P): void;
  /** Runs after the world quiesced (e.g. `later` seizes keys); may record more for the invariants. */
  finish?(powers: Powers, plan: P): void;
}

/** An adversary and its drawn plan, as a run receives them. */
export interface AdversaryPlan {
  adversary: Adversary<unknown>;
  plan: unknown;
}
