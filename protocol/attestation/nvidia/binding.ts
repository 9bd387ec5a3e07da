/**
 * A node as the published system runs it: a confidential VM (CVM) with a confidential GPU. The
 * relying party accepts the node only with both pieces of evidence bound together:
 *
 * 1. The CVM reads the GPU's device certificate (SPDM GET_CERTIFICATE) and commits, in the
 *    REPORT_DATA of its own attestation report, to its session key and to that GPU's identity:
 *    `report_data = SHA-512("pph cvm-gpu v1 report-data" ‖ 0x00 ‖ u16be(len) ‖ sessionKey ‖ SHA-256(leaf SPKI))`
 *    (64 bytes, the size of SEV-SNP REPORT_DATA and TDX REPORTDATA).
 * 2. The GPU's GET_MEASUREMENTS nonce is derived from that report data:
 *    `nonce = SHA-256("pph cvm-gpu v1 gpu-nonce" ‖ 0x00 ‖ report_data)` (32 bytes, DSP0274 1.1 Table 36).
 *
 * So GPU evidence produced for another session carries another nonce (`nonce`), and evidence of
 * another GPU, even one asked with the right nonce by a relaying host, names a leaf key the CVM
 * did not commit to (`gpu-mismatch`). The CVM report itself is verified by its own verifier
 * (SEV-SNP, TDX) before its report data is passed here. Pure: no I/O, time passed in.
 *
 * @example
 * ```ts
 * const reportData = cvmReportDataForGpu(sessionKey, gpu.leafSpkiSha256);  // into the CVM report
 * const evidence = gpu.attest(deriveGpuNonce(reportData), rng);             // the GPU's transcript
 * verifyBoundNode({ cvm: { reportData, sessionKey }, gpu: { evidence, chain }, atMs, ccMode });
 * ```
 */
import { createHash } from 'node:crypto';
import { concat, equalBytes, fromHex, utf8 } from '../../bytes.js';
import { NvidiaEvidenceError } from './errors.js';
import type { NvidiaDeviceChain } from './chain.js';
import { verifyNvidiaEvidence, type CcModePolicy, type NvidiaVerified } from './verify.js';
import type { NvidiaSpdmEvidence } from './spdm.js';

/** Domain-separation labels: each hash has its own purpose and version. */
export const CVM_REPORT_DATA_LABEL = 'pph cvm-gpu v1 report-data';
export const GPU_NONCE_LABEL = 'pph cvm-gpu v1 gpu-nonce';

function hash(alg: 'sha256' | 'sha512', ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function spkiHash(id: string | Uint8Array): Uint8Array {
  const b = typeof id === 'string' ? fromHex(id, 'gpuLeafSpkiSha256') : id;
  if (b.length !== 32) throw new RangeError(`gpuLeafSpkiSha256 expected 32 bytes, got ${b.length}`);
  return b;
}

/** The 64-byte REPORT_DATA a CVM attests: its session key and the identity of its GPU. */
export function cvmReportDataForGpu(sessionKey: Uint8Array, gpuLeafSpkiSha256: string | Uint8Array): Uint8Array {
  if (!(sessionKey instanceof Uint8Array) || sessionKey.length === 0 || sessionKey.length > 0xffff) {
    throw new RangeError('sessionKey expected 1..65535 bytes');
  }
  const len = Uint8Array.of(sessionKey.length >> 8, sessionKey.length & 0xff);
  return hash('sha512', utf8(CVM_REPORT_DATA_LABEL), Uint8Array.of(0), len, sessionKey, spkiHash(gpuLeafSpkiSha256));
}

/** The GPU's 32-byte GET_MEASUREMENTS nonce for a CVM session (its attested report data). */
export function deriveGpuNonce(cvmReportData: Uint8Array): Uint8Array {
  if (!(cvmReportData instanceof Uint8Array) || cvmReportData.length === 0) throw new RangeError('cvmReportData expected non-empty bytes');
  return hash('sha256', utf8(GPU_NONCE_LABEL), Uint8Array.of(0), cvmReportData);
}

export interface BoundNodeInput {
  /** The CVM side: its verified report data and the session key that report data commits to. */
  cvm: { reportData: Uint8Array; sessionKey: Uint8Array };
  /** The GPU side: its transcript and its device chain (checked against the caller's pinned roots). */
  gpu: { evidence: Uint8Array | NvidiaSpdmEvidence; chain: NvidiaDeviceChain };
  atMs: number;
  /** The CC-mode policy (golden "CC on" measurement); the simulated vendor provides one. */
  ccMode?: CcModePolicy;
}

export interface BoundNode {
  readonly gpu: NvidiaVerified;
  /** The GPU's identity the CVM committed to (SHA-256 of its leaf SPKI, hex). */
  readonly gpuIdentity: string;
  readonly nonce: Uint8Array;
}

/**
 * Accepts a CVM+GPU node only when the GPU evidence verifies, was requested with the nonce
 * derived from this CVM session, and comes from the GPU the CVM committed to. Throws
 * `NvidiaEvidenceError` (`nonce`, `gpu-mismatch`, or any code of {@link verifyNvidiaEvidence}).
 */
export function verifyBoundNode(input: BoundNodeInput): BoundNode {
  const nonce = deriveGpuNonce(input.cvm.reportData);
  const gpu = verifyNvidiaEvidence(input.gpu.evidence, input.gpu.chain, {
    atMs: input.atMs,
    nonce,
    ...(input.ccMode === undefined ? {} : { ccMode: input.ccMode }),
  });
  const expected = cvmReportDataForGpu(input.cvm.sessionKey, gpu.chain.leafSpkiSha256);
  if (!equalBytes(expected, input.cvm.reportData)) {
    throw new NvidiaEvidenceError('gpu-mismatch', `GPU ${gpu.chain.leafSpkiSha256.slice(0, 16)}… is not the GPU this CVM session committed to`);
  }
  return { gpu, gpuIdentity: gpu.chain.leafSpkiSha256, nonce: concat(nonce) };
}
