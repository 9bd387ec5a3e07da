/**
 * The client's checks of PROTOCOL.md step 4 on an attestation bundle, each switchable for
 * ablation: chain to the pinned root, report signature, policy, TCB, measurement in the log by
 * inclusion proof against a checkpoint signed by the log and ≥ k witnesses, consistency with
 * the last checkpoint seen, key consistency, and REPORT_DATA binding pkE and the client's nonce.
 */
import { equalBytes, toHex } from '../protocol/bytes.js';
import { PphError } from '../protocol/errors.js';
import { parseBundle, releaseMeasurement, reportDataBinding } from '../protocol/attestation-bundle.js';
import { SevSnpVerifier, BASELINE_POLICY } from '../protocol/attestation/verifier.js';
import { parseSevSnpReport } from '../protocol/attestation/sev-snp-report.js';
import { hashLeaf, verifyInclusion } from '../protocol/tlog/merkle.js';
import { verifyCosignedCheckpoint, type CosignedCheckpoint } from '../protocol/tlog/witness-policy.js';
import { checkLogView, type LogViewState } from './log-view.js';
import type { EvidenceChecks } from '../model/intents.js';
import { SIM_EPOCH_MS } from './clock.js';
import type { WorldKeys } from './world-keys.js';
import type { TcbParts } from '../protocol/attestation/tcb-version.js';
import type { Claim, PartyPort } from './port.js';
import { enclaveConfigDigest, RELEASED_ENCLAVE_CONFIG } from '../tee/enclave-program.js';
import { checkTdxQuote, type CheckedReport } from './evidence/tdx.js';
import { checkGpuEvidence } from './evidence/gpu.js';
import type { EvidenceKind } from '../model/profile.js';
import type { SimGpuVendor } from '../protocol/attestation/nvidia/sim-gpu.js';

const RELEASED_CONFIG_DIGEST = enclaveConfigDigest(RELEASED_ENCLAVE_CONFIG);

export type { LogViewState } from './log-view.js';

export type BundleCheck = { ok: true; nodeId: string; enclaveKey: Uint8Array } | { ok: false; code: string; nodeId: string | null };

/**
 * What a client checks evidence against (its own configuration, public material): the pinned
 * vendor roots and CRL, the TDX collateral, the log's and witnesses' verifiers, the evidence
 * format of its profile and, for pp-gpu, the GPU vendor's root and whether it checks the binding.
 */
export interface EvidenceTrust {
  readonly keys: Pick<WorldKeys, 'trust' | 'tdx' | 'crl' | 'logVerifier' | 'witnessVerifiers' | 'witnessQuorum'>;
  readonly evidence: EvidenceKind;
  /** pp-gpu: the simulated NVIDIA (its pinned root and golden CC-mode measurement), made on first use. */
  readonly gpuVendor: () => SimGpuVendor;
  readonly gpuBinding: boolean;
  /** How long a checkpoint may have been superseded and still be accepted (model/log-policy.ts, the released policy). */
  readonly logFreshnessMs: number;
  /** The released policy's minimum TCB (checked against the chip certificate's). */
  readonly minTcb: TcbParts;
}

const verifiers = new WeakMap<EvidenceTrust, Map<string, SevSnpVerifier>>();

function verifierFor(trust: EvidenceTrust, vcekDer: Uint8Array): SevSnpVerifier {
  let m = verifiers.get(trust);
  if (!m) verifiers.set(trust, (m = new Map()));
  const key = toHex(vcekDer);
  let v = m.get(key);
  if (!v) m.set(key, (v = SevSnpVerifier.forSigner(trust.keys.trust, vcekDer, 'vcek')));
  return v;
}

function fail(code: string, nodeId: string | null = null): BundleCheck {
  return { ok: false, code, nodeId };
}

/**
 * The checks of step 4 on one bundle, on the client's port: its trust (`port.config.trust`), its
 * clock, and the facts it tells (what it accepted, for `requestId`; the observer judges it).
 * `raTls`: profile ra-tls, the certificate and session the claim carries (the observer judges
 * freshness on the certificate instead of the report).
 */
export function checkBundle(port: Pick<PartyPort<{ trust: EvidenceTrust }>, 'config' | 'nowMs' | 'fact' | 'tell' | 'mark'>, requestId: string, bytes: Uint8Array, nonce: Uint8Array, checks: EvidenceChecks, view: LogViewState, keyDigest: string, chosenNode: string | null, raTls?: NonNullable<Extract<Claim, { kind: 'evidence-accepted' }>['raTls']>): BundleCheck {
  const trust = port.config.trust;
  const k = trust.keys;
  let bundle;
  try {
    bundle = parseBundle(bytes);
  } catch {
    return fail('parse');
  }
  const nodeId = bundle.nodeId;
  // The client chose the node; evidence from another one means the gateway steered the request.
  if (chosenNode !== null && nodeId !== chosenNode) return fail('node-choice', nodeId);
  // Profile pp-gpu: the GPU evidence bound to this CVM session, and the REPORT_DATA that commits to both (sim/evidence/gpu.ts).
  const gpu = trust.evidence === 'cvm-gpu' ? checkGpuEvidence(trust.gpuVendor(), trust.gpuBinding, bundle, reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null), SIM_EPOCH_MS + port.nowMs()) : null;
  if (gpu && !gpu.ok) return fail(gpu.code, nodeId);
  let report: CheckedReport;
  try {
    // Profile pp-tdx: a TDX quote checked with its DCAP collateral (sim/evidence/tdx.ts) in place of the SEV-SNP report.
    const sev = k.tdx ? null : parseSevSnpReport(bundle.report);
    report = sev ?? checkTdxQuote(k.tdx!, bundle.report, SIM_EPOCH_MS + port.nowMs(), checks, reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null));
    if (sev && (checks.chain || checks.signature || checks.policy || checks.tcb || checks.binding)) {
      const vcek = bundle.certificates[0];
      if (!vcek) return fail('chain', nodeId);
      verifierFor(trust, vcek).verify(sev, {
        atMs: SIM_EPOCH_MS + port.nowMs(),
        policy: { ...BASELINE_POLICY, minTcb: trust.minTcb, reportData: gpu?.ok ? gpu.reportData : reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null) },
        tcbSource: checks.tcbFromReport ? 'report' : 'vcek',
        // PROTOCOL.md step 4: the vendor's CRL (ARK-signed) is part of the chain check.
        crls: [k.crl],
        skip: { chain: !checks.chain, expiry: !checks.chain, revocation: !checks.chain, signature: !checks.signature, chipId: !checks.signature, policy: !checks.policy, tcb: !checks.tcb, binding: !checks.binding },
      });
    }
  } catch (e) {
    return fail(e instanceof PphError ? e.code : 'parse', nodeId);
  }
  // The launch configuration is not measured; the platform binds it in HOST_DATA. Only the
  // released configuration is acceptable (a node launched with another one is refused).
  if (checks.hostData !== false && !equalBytes(report.hostData, RELEASED_CONFIG_DIGEST)) return fail('host-data', nodeId);

  let size = bundle.treeSize;
  let root = '';
  let cosigned: CosignedCheckpoint | null = null;
  if (checks.measurementInLog || checks.logConsistency || checks.keyConsistency) {
    try {
      cosigned = verifyCosignedCheckpoint(bundle.checkpoint, {
        log: k.logVerifier,
        witnesses: k.witnessVerifiers,
        quorum: checks.witnesses ? k.witnessQuorum : 0,
        origin: 'log.pph.test',
      });
      const checkpoint = cosigned.checkpoint;
      size = checkpoint.size;
      root = toHex(checkpoint.rootHash);
      if (checks.keyConsistency && !checkpoint.extensions.includes(`pph-keys ${keyDigest}`)) return fail('key-consistency', nodeId);
      if (checks.measurementInLog) {
        if (!equalBytes(releaseMeasurement(bundle.releaseEntry), report.measurement)) return fail('measurement', nodeId);
        verifyInclusion(bundle.leafIndex, checkpoint.size, hashLeaf(bundle.releaseEntry), bundle.inclusionProof, checkpoint.rootHash);
      }
    } catch (e) {
      const code = e instanceof PphError ? e.code : 'log';
      return fail(code === 'quorum' ? 'witnesses' : e instanceof PphError && e.name === 'MerkleProofError' ? 'measurement' : `log-${code}`, nodeId);
    }
  }
  // The log is append-only and fresh (sim/log-view.ts): consistent with the newest checkpoint this
  // client saw by an RFC 9162 consistency proof, and cosigned by the quorum within the freshness bound.
  if (checks.logConsistency && cosigned) {
    const policy = { nowMs: port.nowMs(), freshnessMs: trust.logFreshnessMs, quorum: checks.witnesses ? k.witnessQuorum : 0 };
    const held = checkLogView(view, { size, rootHash: cosigned.checkpoint.rootHash, cosigners: cosigned.cosigners, consistency: bundle.consistency ?? [] }, policy);
    if (!held.ok) {
      port.mark('client.log-refused');
      port.mark(`client.log-refused.${held.code}`);
      port.fact('log-view', { size, root, accepted: false });
      return fail(held.code, nodeId);
    }
    if (held.verified) port.fact('log-consistency', { from: held.verified.from, to: held.verified.to });
  }

  // pp-gpu: REPORT_DATA wraps the session binding with the GPU's identity; freshness is judged on the session it commits to.
  const boundData = gpu?.ok && equalBytes(report.reportData, gpu.reportData) ? reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null) : report.reportData;
  port.fact('log-view', { size, root, accepted: true });
  // What the client just accepted; the observer judges it (fresh, key honest, measurement logged, view consistent).
  port.tell({ kind: 'evidence-accepted', requestId, node: nodeId, nonce, key: bundle.enclaveKey, measurement: report.measurement, reportData: boundData, report: bundle.report, checkpointSize: size, root, checkpointNote: bundle.checkpoint, ...(raTls ? { raTls } : {}) });
  return { ok: true, nodeId, enclaveKey: bundle.enclaveKey };
}
