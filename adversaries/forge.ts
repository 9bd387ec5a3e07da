/**
 * Evidence forgery and the rogue node, as real bytes (THREATS.md adversary 2 and the operator's
 * extra nodes). Every forgery is built with the keys the adversary's positions hold: its own
 * vendor chain, the operator's chip on outdated firmware, a leaked chip key (`vendor-key`), or
 * genuine bundles it saw pass (replay, diversion). Nothing here fakes a verification: the client
 * checks each forgery with the same verifier as honest evidence.
 */
import { utf8 } from '../protocol/bytes.js';
import { encodeBundle, encodeReleaseEntry, parseBundle, reportDataBinding, type AttestationBundle } from '../protocol/attestation-bundle.js';
import { MerkleLog } from '../protocol/tlog/log.js';
import { hashLeaf } from '../protocol/tlog/merkle.js';
import { measurementOfImage } from '../sim/world-keys.js';
import { SimulatedVendor } from '../protocol/attestation/sim-vendor.js';
import { generateKeyPair, type KeyPair } from '../protocol/hpke.js';
import { diffusedResponseKey, openDiffusedRequest, openInnerRequest, responseKey, sealInnerResponse } from '../protocol/inner-session.js';
import { sha384 } from '@noble/hashes/sha2.js';
import type { NodeReplyView, Powers } from '../sim/adversary.js';
import { buildReport, signReportBody } from '../protocol/attestation/sim-vendor.js';
import { CHIP_TCB } from '../sim/world-keys.js';
import { NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { flipBit } from './network-plan.js';
import { RELEASED_HOST_DATA } from '../tee/enclave-program.js';
import { foreignTdxChip, type TdxChip } from '../sim/evidence/tdx.js';

export const FORGERIES = [
  'foreign-root',
  'forked-release',
  'swapped-cert',
  'debug-policy',
  'low-tcb',
  'key-substitution',
  'old-nonce',
  'diversion',
  'truncated',
  'bitflip',
  'malformed',
  'unlogged-measurement',
  'unsigned-report',
] as const;
export type Forgery = (typeof FORGERIES)[number];

/** The operator's own node outside the attested fleet: holds its HPKE key and reads what it opens. */
export class RogueNode {
  readonly keys: KeyPair;
  opened = 0;

  constructor(
    private readonly powers: Powers,
    name: string,
    /** Whether responses bind the request (the rogue mimics the honest enclave's protocol). */
    private readonly bindResponses = true,
  ) {
    this.keys = generateKeyPair(powers.rng.fork(`rogue-${name}`));
    // Its key is the adversary's: the observer opens with it what the rogue receives (no label of what it learned).
    powers.ownKey(this.keys.secretKey);
    // The operator tries its own key on every inner request: those the client sealed to it open.
    powers.runRogueNode((ref, nodeId, inner) => this.answer(ref, nodeId, inner));
  }

  /** Opens the request with its own key (real HPKE), keeps the plaintext, answers like an enclave would. */
  private answer(ref: number, nodeId: string, inner: Uint8Array): Uint8Array | null {
    const opened = this.open(nodeId, inner);
    if (!opened) return null;
    this.opened++;
    this.powers.note(`rogue node opened request ref ${ref} sealed to its key`);
    let requestId = '?';
    try {
      requestId = (JSON.parse(new TextDecoder().decode(opened.plaintext)) as { requestId?: string }).requestId ?? '?';
    } catch {
      // not JSON: answer anyway
    }
    const answer = utf8(JSON.stringify({ requestId, summary: ['(answer of a rogue node)'] }));
    return sealInnerResponse(opened.key, answer, this.powers.rng);
  }

  /** Tries its key on a pp inner request, then on a pcc diffused one under each node id it impersonates. */
  private open(nodeId: string, inner: Uint8Array): { plaintext: Uint8Array; key: Uint8Array } | null {
    try {
      const { plaintext, context } = openInnerRequest(this.keys.secretKey, nodeId, inner);
      return { plaintext, key: responseKey(context, this.bindResponses, this.keys.publicKey) };
    } catch {
      // not a pp request sealed to this key
    }
    for (const id of this.powers.public.enclaveNames) {
      try {
        const { plaintext, key } = openDiffusedRequest(this.keys.secretKey, id, inner);
        return { plaintext, key: diffusedResponseKey(key) };
      } catch {
        // not sealed to this key under that id
      }
    }
    return null;
  }

  /** A bundle for this node's key under the honest node's id, from a genuine one it replaces (log proof kept). */
  bundle(honest: AttestationBundle, report: Uint8Array, certificates: Uint8Array[], releaseEntry?: Uint8Array): Uint8Array {
    return encodeBundle({ ...honest, enclaveKey: this.keys.publicKey, report, certificates, releaseEntry: releaseEntry ?? honest.releaseEntry });
  }
}

/** What a forger keeps between attest replies: the genuine bundles it has seen. */
export class Forger {
  private readonly seen: Uint8Array[] = [];
  private ownVendor: SimulatedVendor | null = null;
  private ownTdx: TdxChip | null = null;
  readonly rogue: RogueNode;

  constructor(private readonly powers: Powers) {
    this.rogue = new RogueNode(powers, 'forger');
  }

  /** Keeps a genuine attest reply it relays unchanged (material for later replays and diversions). */
  observe(reply: Uint8Array): void {
    if (reply[0] === NODE_MSG.evidence) this.seen.push(reply.slice(1));
  }

  /** Replaces a genuine attest reply (kind byte + bundle) by the chosen forgery; records the genuine one. */
  forge(kind: Forgery, reply0: NodeReplyView, arg: number): Uint8Array {
    const reply = reply0.bytes;
    const nonceHex = reply0.nonce;
    if (reply[0] !== NODE_MSG.evidence) return reply;
    const genuine = reply.subarray(1);
    let honest: AttestationBundle;
    try {
      honest = parseBundle(genuine);
    } catch {
      return reply;
    }
    const earlier = this.seen.slice();
    this.seen.push(genuine.slice());
    const nonce = nonceHex === null ? new Uint8Array(0) : Uint8Array.from(Buffer.from(nonceHex, 'hex'));
    const binding = reportDataBinding(this.rogue.keys.publicKey, nonce);
    const measurement = sha384(utf8('measurement of pph-enclave 1.0'));
    const out = (bundle: Uint8Array) => nodeMessage(NODE_MSG.evidence, bundle);
    this.powers.note(`forged evidence: ${kind}`, { kind });
    switch (kind) {
      case 'foreign-root': {
        // Profile pp-tdx: a TDX quote from a platform of an Intel of its own (sim/evidence/tdx.ts).
        if (this.powers.public.evidence === 'tdx') return out(this.rogue.bundle(honest, (this.ownTdx ??= foreignTdxChip(this.powers.rng.fork('own-intel'))).quote({ reportData: binding, measurement, hostData: RELEASED_HOST_DATA }), []));
        // A chain of its own: genuine-looking layout and signature, rooted in a key no client pins.
        this.ownVendor ??= SimulatedVendor.create(this.powers.rng.fork('own-vendor'), { product: 'Milan' });
        const chip = this.ownVendor.provisionChip(this.powers.rng.fork('own-chip'), CHIP_TCB);
        const report = chip.signReport({ reportData: binding, measurement, hostData: RELEASED_HOST_DATA, policy: 0x30000n, vmpl: 0 });
        return out(this.rogue.bundle(honest, report, [chip.certDer, this.ownVendor.askDer]));
      }
      case 'swapped-cert': {
        // The genuine report with another chip's certificate (taken from evidence seen earlier).
        const other = earlier.map((b) => parseBundle(b)).find((b) => b.nodeId !== honest.nodeId);
        const outdated = this.powers.has('gateway') ? this.powers.key('chip:outdated').certDer : null;
        const cert = other?.certificates[0] ?? outdated;
        if (!cert) return reply;
        return out(encodeBundle({ ...honest, certificates: [cert, ...honest.certificates.slice(1)] }));
      }
      case 'debug-policy': {
        // A VM of the logged image launched with debug on: the host reads its key out of memory.
        const report = this.powers.launchVm(reply0.node, { image: 'pph-enclave 1.0', debug: true, reportData: binding });
        return out(this.rogue.bundle(honest, report, honest.certificates));
      }
      case 'unsigned-report': {
        // A report the operator wrote itself for its key, with the genuine chain of the node's chip.
        const report = signReportBody(buildReport({ reportData: binding, measurement, hostData: RELEASED_HOST_DATA, policy: 0x30000n, vmpl: 0, currentTcb: CHIP_TCB, reportedTcb: CHIP_TCB, signingKey: 'vcek' as never }), this.powers.rng.bytes(48));
        return out(this.rogue.bundle(honest, report, honest.certificates));
      }
      case 'low-tcb': {
        // The operator's unpatched chip: a genuine vendor certificate for an old TCB; its old
        // firmware signs what the host asks, including a debug policy or a REPORTED_TCB it does not have.
        // Profile pp-tdx: the operator's TDX platform on old microcode, TCB status OutOfDate.
        const oldTd = this.powers.key('tdx:outdated');
        if (oldTd) return out(this.rogue.bundle(honest, oldTd.quote({ reportData: binding, measurement, hostData: RELEASED_HOST_DATA }), []));
        const chip = this.powers.key('chip:outdated');
        const report = chip.signReport({ reportData: binding, measurement, hostData: RELEASED_HOST_DATA, policy: 0x30000n, vmpl: 0, currentTcb: CHIP_TCB, reportedTcb: CHIP_TCB, committedTcb: CHIP_TCB, launchTcb: CHIP_TCB });
        return out(this.rogue.bundle(honest, report, [chip.certDer, honest.certificates[1] ?? chip.certDer]));
      }
      case 'key-substitution':
        // The genuine report of an honest node, with the rogue's key in place of the bound one.
        return out(encodeBundle({ ...honest, enclaveKey: this.rogue.keys.publicKey }));
      case 'old-nonce': {
        // A genuine bundle of an earlier attest request (another nonce) of the same node.
        const old = earlier.map((b) => parseBundle(b)).filter((b) => b.nodeId === honest.nodeId);
        return old.length ? out(encodeBundle(old[arg % old.length]!)) : reply;
      }
      case 'diversion': {
        // A genuine bundle another session received, relayed to this one.
        if (earlier.length === 0) return reply;
        const b = parseBundle(earlier[arg % earlier.length]!);
        return out(encodeBundle({ ...b, nodeId: honest.nodeId }));
      }
      case 'truncated':
        return out(genuine.subarray(0, arg % genuine.length));
      case 'bitflip':
        // A single-bit flip inside the report's signed region (bytes 0x000–0x29F).
        return out(encodeBundle({ ...honest, report: flipBit(honest.report, arg % (0x2a0 * 8)) }));
      case 'malformed':
        return out(this.powers.rng.bytes(1 + (arg % 2048)));
      case 'forked-release': {
        // An image not in the log with a release entry of its own and an inclusion proof computed
        // in a forked tree (the public log with that entry in place of the node's): the proof does
        // not lead to the signed checkpoint's root, so only the inclusion check refuses it.
        const image = 'pph-enclave 1.0+operator-patch';
        const report = this.powers.launchVm(reply0.node, { image, debug: false, reportData: binding });
        const entry = encodeReleaseEntry(measurementOfImage(image), image);
        const pub = this.powers.public.log;
        const fork = new MerkleLog();
        for (let i = 0; i < honest.treeSize && i < pub.size; i++) fork.appendLeafHash(i === honest.leafIndex ? hashLeaf(entry) : pub.leafHash(i));
        if (fork.size !== honest.treeSize) return reply;
        const bundle = parseBundle(this.rogue.bundle(honest, report, honest.certificates, entry));
        return out(encodeBundle({ ...bundle, inclusionProof: fork.inclusionProof(honest.leafIndex, honest.treeSize) }));
      }
      case 'unlogged-measurement': {
        // The operator launches an image that is not in the log on a current chip.
        const report = this.powers.launchVm(reply0.node, { image: 'pph-enclave 1.0+operator-patch', debug: false, reportData: binding });
        return out(this.rogue.bundle(honest, report, honest.certificates));
      }
    }
  }
}
