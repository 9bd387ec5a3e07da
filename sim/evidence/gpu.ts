/**
 * Profile `pp-gpu` (issue 15, docs/profiles.md): every node is a confidential VM (SEV-SNP, as in
 * `pp`) with a confidential GPU of a simulated NVIDIA (protocol/attestation/nvidia/sim-gpu.ts),
 * which runs the model, so request plaintext crosses into the GPU. The client accepts a node
 * only with both pieces of evidence bound together (protocol/attestation/nvidia/binding.ts):
 *
 * - the CVM's REPORT_DATA = cvmReportDataForGpu(session, SHA-256(GPU leaf SPKI)), where the
 *   session is pp's binding SHA-512(context ‖ pkE ‖ client nonce);
 * - the GPU's SPDM GET_MEASUREMENTS transcript is requested with deriveGpuNonce(REPORT_DATA) and
 *   checked by `verifyBoundNode`: device chain to the pinned (simulated) NVIDIA root, ECDSA-P384
 *   signature, the nonce, the GPU identity the CVM committed to, the CC-mode measurement.
 *
 * The GPU evidence travels in the attestation bundle as one more entry of its certificate list
 * (a tagged attachment after VCEK and ASK: the bundle format stays the same, and the SEV-SNP
 * verifier reads only the first certificate). A GPU outside confidential mode (CC off, or a
 * swapped GPU without it) exposes what the enclave hands it to the operator who set it up.
 *
 * The mutant `pp-gpu-unbound` (ablation `gpu-binding`) checks the GPU evidence alone (chain,
 * signature, CC mode): evidence from another GPU or another session passes.
 */
import { concat, equalBytes, toHex, utf8 } from '../../protocol/bytes.js';
import { PphError } from '../../protocol/errors.js';
import type { Rng } from '../../protocol/rng.js';
import type { AttestationBundle } from '../../protocol/attestation-bundle.js';
import { SimGpuVendor, type SimGpu } from '../../protocol/attestation/nvidia/sim-gpu.js';
import { cvmReportDataForGpu, deriveGpuNonce, verifyBoundNode } from '../../protocol/attestation/nvidia/binding.js';
import { verifyNvidiaEvidence } from '../../protocol/attestation/nvidia/verify.js';
import type { World } from '../world.js';
import type { Powers } from '../adversary.js';

/** A malformed GPU attachment (code `gpu-attachment`). */
export class GpuAttachmentError extends PphError {}

/** The tag that opens a GPU attachment in the bundle's certificate list (never a DER certificate: DER starts 0x30). */
const MAGIC = utf8('pph cvm-gpu attachment v1\0');
const LEAF_ID_BYTES = 32;
const MAX_CHAIN = 8;

/** The GPU evidence a CVM ships with its report: the GPU it committed to, its transcript, its device chain. */
export interface GpuAttachment {
  /** SHA-256 of the GPU leaf SPKI the CVM's REPORT_DATA commits to. */
  committed: Uint8Array;
  evidence: Uint8Array;
  chain: Uint8Array[];
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function encodeGpuAttachment(a: GpuAttachment): Uint8Array {
  if (a.committed.length !== LEAF_ID_BYTES) throw new RangeError('committed GPU id expected 32 bytes');
  return concat(MAGIC, a.committed, u32(a.evidence.length), a.evidence, Uint8Array.of(a.chain.length), ...a.chain.flatMap((c) => [u32(c.length), c]));
}

/** Parses an attachment (total: GpuAttachmentError `gpu-attachment` on any malformed byte). */
export function parseGpuAttachment(bytes: Uint8Array): GpuAttachment {
  const bad = (what: string) => new GpuAttachmentError('gpu-attachment', `GPU attachment: ${what}`);
  if (bytes.length < MAGIC.length || !equalBytes(bytes.subarray(0, MAGIC.length), MAGIC)) throw bad('no tag');
  let pos = MAGIC.length;
  const take = (n: number, what: string) => {
    if (pos + n > bytes.length) throw bad(`truncated in ${what}`);
    pos += n;
    return bytes.slice(pos - n, pos);
  };
  const len = (what: string) => {
    const b = take(4, what);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  };
  const committed = take(LEAF_ID_BYTES, 'committed');
  const evidence = take(len('evidence'), 'evidence');
  const count = take(1, 'chain')[0]!;
  if (count === 0 || count > MAX_CHAIN) throw bad(`chain of ${count} certificates`);
  const chain: Uint8Array[] = [];
  for (let i = 0; i < count; i++) chain.push(take(len('chain'), 'chain'));
  if (pos !== bytes.length) throw bad('trailing bytes');
  return { committed, evidence, chain };
}

export function isGpuAttachment(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && equalBytes(bytes.subarray(0, MAGIC.length), MAGIC);
}

/** One world's GPUs: the simulated vendor, the GPU attached to each node, the operator's spares. */
export class GpuFleet {
  readonly vendor: SimGpuVendor;
  private readonly attached: SimGpu[];
  /** Nodes whose GPU the operator took out of confidential mode (or swapped), and who reads it. */
  private readonly exposed = new Map<number, string>();
  private attestations = 0;

  constructor(
    private readonly rng: Rng,
    nodes: number,
  ) {
    this.vendor = SimGpuVendor.create(rng.fork('nvidia'));
    this.attached = Array.from({ length: nodes }, (_, i) => this.vendor.provisionGpu(rng.fork(`gpu-${i}`)));
  }

  gpu(node: number): SimGpu {
    const g = this.attached[node];
    if (!g) throw new RangeError(`no node ${node}`);
    return g;
  }

  /** The operator's spare GPU (genuine, same vendor, not in confidential mode). */
  spare(): SimGpu {
    return this.vendor.provisionGpu(this.rng.fork('gpu-spare'), { confidentialMode: false });
  }

  /** The operator re-attaches node `node` with `gpu` (CC off, or a swapped GPU); `reader` then sees what the GPU processes. */
  attach(node: number, gpu: SimGpu, reader: string): void {
    this.gpu(node);
    this.attached[node] = gpu;
    if (gpu.confidentialMode) this.exposed.delete(node);
    else this.exposed.set(node, reader);
  }

  /** Who reads node `node`'s GPU memory and PCIe traffic (null: the GPU is in confidential mode). */
  readerOf(node: number): string | null {
    return this.exposed.get(node) ?? null;
  }

  /** A fresh GET_MEASUREMENTS transcript of `gpu` for `nonce` (responder nonce from the fleet's Rng, in call order). */
  attest(gpu: SimGpu, nonce: Uint8Array): Uint8Array {
    return gpu.attest(nonce, this.rng.fork(`attest-${this.attestations++}`));
  }
}

const fleets = new WeakMap<World, GpuFleet>();

/** The world's GPU fleet (profile pp-gpu), made on first use from a fork of the world's Rng. */
export function gpuFleet(world: World): GpuFleet {
  let f = fleets.get(world);
  if (!f) fleets.set(world, (f = new GpuFleet(world.rng.fork('gpus'), world.spec.world.nodes)));
  return f;
}

/**
 * Node side: the CVM reads its GPU's certificate, commits to it and to the session in REPORT_DATA,
 * and asks the GPU for measurements with the nonce derived from that REPORT_DATA.
 */
export function gpuBoundEvidence(world: World, node: number, session: Uint8Array): { reportData: Uint8Array; attachment: Uint8Array } {
  const fleet = gpuFleet(world);
  const gpu = fleet.gpu(node);
  const reportData = cvmReportDataForGpu(session, gpu.leafSpkiSha256);
  const evidence = fleet.attest(gpu, deriveGpuNonce(reportData));
  return { reportData, attachment: encodeGpuAttachment({ committed: Uint8Array.from(Buffer.from(gpu.leafSpkiSha256, 'hex')), evidence, chain: [...gpu.chainDers] }) };
}

/** The attachment of a bundle (the one certificate-list entry with the tag), or null. */
export function attachmentOf(bundle: AttestationBundle): GpuAttachment | null {
  const found = bundle.certificates.filter(isGpuAttachment);
  return found.length === 1 ? parseGpuAttachment(found[0]!) : null;
}

export type GpuCheck = { ok: true; reportData: Uint8Array } | { ok: false; code: string };

/**
 * Client side: the GPU half of step 4. Returns the REPORT_DATA the CVM report must carry
 * (session ‖ committed GPU), or the refusal code (`gpu-missing`, `gpu-attachment`, `gpu-<code>`
 * of the NVIDIA verifier: `gpu-chain`, `gpu-signature`, `gpu-nonce`, `gpu-mismatch`, `gpu-cc-mode`, …).
 */
export function checkGpuEvidence(vendor: SimGpuVendor, binding: boolean, bundle: AttestationBundle, session: Uint8Array, atMs: number): GpuCheck {
  const fleet = { vendor };
  try {
    const a = attachmentOf(bundle);
    if (!a) return { ok: false, code: 'gpu-missing' };
    const reportData = cvmReportDataForGpu(session, a.committed);
    const chain = fleet.vendor.trust().chain(a.chain);
    if (binding) verifyBoundNode({ cvm: { reportData, sessionKey: session }, gpu: { evidence: a.evidence, chain }, atMs, ccMode: fleet.vendor.ccModePolicy });
    // The mutant: the GPU evidence is genuine and in CC mode, but nothing ties it to this CVM or session.
    else verifyNvidiaEvidence(a.evidence, chain, { atMs, ccMode: fleet.vendor.ccModePolicy });
    return { ok: true, reportData };
  } catch (e) {
    if (e instanceof GpuAttachmentError) return { ok: false, code: e.code };
    if (e instanceof PphError) return { ok: false, code: e.code.startsWith('gpu-') ? e.code : `gpu-${e.code}` };
    throw e;
  }
}

/** Enclave side: the model runs on the GPU; a GPU outside confidential mode shows the operator what it processes. */
export function gpuProcesses(world: World, node: number, plaintext: Uint8Array, msg: number): void {
  const reader = gpuFleet(world).readerOf(node);
  if (!reader) return;
  world.trace.append(world.clock.nowMs(), 'log', `host-${node}`, 'GPU outside confidential mode: inference input readable over PCIe', { node, bytes: plaintext.length });
  world.observer.holds(reader, 'learned', plaintext, msg);
}

/** A leaf id as hex (for notes). */
export function gpuId(a: GpuAttachment): string {
  return toHex(a.committed).slice(0, 16);
}

/**
 * For a forger holding a leaked chip key (vendor-key-leak) with the operator's position: the
 * forged report must commit to the node's GPU too. It reads the GPU the honest bundle committed
 * to, signs REPORT_DATA = cvmReportDataForGpu(session, that GPU) and asks that GPU (on its own
 * machine) for fresh measurements with the derived nonce. Without a GPU profile: the plain report.
 */
export function gpuBoundForgery(powers: Powers, node: number, honest: AttestationBundle, session: Uint8Array, sign: (reportData: Uint8Array) => Uint8Array): { report: Uint8Array; certificates: Uint8Array[] } {
  if (powers.public.evidence !== 'cvm-gpu') return { report: sign(session), certificates: honest.certificates };
  const a = attachmentOf(honest);
  if (!a || node < 0) return { report: sign(session), certificates: honest.certificates };
  const reportData = cvmReportDataForGpu(session, a.committed);
  const ev = powers.attestGpu(node, deriveGpuNonce(reportData));
  const certificates = [...honest.certificates.filter((c) => !isGpuAttachment(c)), encodeGpuAttachment({ committed: a.committed, evidence: ev.evidence, chain: ev.chain })];
  return { report: sign(reportData), certificates };
}
