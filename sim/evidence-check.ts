/**
 * The client's checks of PROTOCOL.md step 4 on an attestation bundle, each switchable for
 * ablation: chain to the pinned root, report signature, policy, TCB, measurement in the log by
 * inclusion proof against a checkpoint signed by the log and ≥ k witnesses, consistency with
 * the last checkpoint seen, key consistency, and REPORT_DATA binding pkE and the client's nonce.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, toHex } from '../protocol/bytes.js';
import { PphError } from '../protocol/errors.js';
import { parseBundle, releaseMeasurement, reportDataBinding } from '../protocol/attestation-bundle.js';
import { SevSnpVerifier, BASELINE_POLICY } from '../protocol/attestation/verifier.js';
import { parseSevSnpReport } from '../protocol/attestation/sev-snp-report.js';
import { hashLeaf, verifyInclusion } from '../protocol/tlog/merkle.js';
import { verifyCosignedCheckpoint, type CosignedCheckpoint } from '../protocol/tlog/witness-policy.js';
import { checkLogView, type LogViewState } from './log-view.js';
import { freshnessBoundMs } from '../model/log-policy.js';
import { EPOCH_MS } from '../model/profile.js';
import type { EvidenceChecks } from '../model/intents.js';
import { SIM_EPOCH_MS } from './clock.js';
import { MIN_TCB } from './world-keys.js';
import type { World } from './world.js';
import { enclaveConfigDigest, RELEASED_ENCLAVE_CONFIG } from '../tee/enclave-program.js';
import { checkTdxQuote, type CheckedReport } from './evidence/tdx.js';
import { checkGpuEvidence } from './evidence/gpu.js';
import { evidenceOf } from '../model/profile.js';

const RELEASED_CONFIG_DIGEST = enclaveConfigDigest(RELEASED_ENCLAVE_CONFIG);

export type { LogViewState } from './log-view.js';

export type BundleCheck = { ok: true; nodeId: string; enclaveKey: Uint8Array } | { ok: false; code: string; nodeId: string | null };

const verifiers = new WeakMap<World, Map<string, SevSnpVerifier>>();

function verifierFor(world: World, vcekDer: Uint8Array): SevSnpVerifier {
  let m = verifiers.get(world);
  if (!m) verifiers.set(world, (m = new Map()));
  const key = toHex(vcekDer);
  let v = m.get(key);
  if (!v) m.set(key, (v = SevSnpVerifier.forSigner(world.keys.trust, vcekDer, 'vcek')));
  return v;
}

function fail(code: string, nodeId: string | null = null): BundleCheck {
  return { ok: false, code, nodeId };
}

export function checkBundle(world: World, user: string, bytes: Uint8Array, nonce: Uint8Array, checks: EvidenceChecks, view: LogViewState, keyDigest: string, chosenNode: string | null): BundleCheck {
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
  const gpu = evidenceOf(world.spec.profile) === 'cvm-gpu' ? checkGpuEvidence(world, bundle, reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null), SIM_EPOCH_MS + world.clock.nowMs()) : null;
  if (gpu && !gpu.ok) return fail(gpu.code, nodeId);
  let report: CheckedReport;
  try {
    // Profile pp-tdx: a TDX quote checked with its DCAP collateral (sim/evidence/tdx.ts) in place of the SEV-SNP report.
    const sev = world.keys.tdx ? null : parseSevSnpReport(bundle.report);
    report = sev ?? checkTdxQuote(world.keys.tdx!, bundle.report, SIM_EPOCH_MS + world.clock.nowMs(), checks, reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null));
    if (sev && (checks.chain || checks.signature || checks.policy || checks.tcb || checks.binding)) {
      const vcek = bundle.certificates[0];
      if (!vcek) return fail('chain', nodeId);
      verifierFor(world, vcek).verify(sev, {
        atMs: SIM_EPOCH_MS + world.clock.nowMs(),
        policy: { ...BASELINE_POLICY, minTcb: MIN_TCB, reportData: gpu?.ok ? gpu.reportData : reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null) },
        tcbSource: checks.tcbFromReport ? 'report' : 'vcek',
        // PROTOCOL.md step 4: the vendor's CRL (ARK-signed) is part of the chain check.
        crls: [world.keys.crl],
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
        log: world.keys.logVerifier,
        witnesses: world.keys.witnessVerifiers,
        quorum: checks.witnesses ? world.keys.witnessQuorum : 0,
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
    const policy = { nowMs: world.clock.nowMs(), freshnessMs: freshnessBoundMs(world.pcc ? 'pcc' : 'pp', EPOCH_MS, world.spec.network.delayMs.max), quorum: checks.witnesses ? world.keys.witnessQuorum : 0 };
    const held = checkLogView(view, { size, rootHash: cosigned.checkpoint.rootHash, cosigners: cosigned.cosigners, consistency: bundle.consistency ?? [] }, policy);
    if (!held.ok) {
      world.mark('client.log-refused');
      world.mark(`client.log-refused.${held.code}`);
      world.observer.fact(user, 'log-view', { size, root, accepted: false });
      return fail(held.code, nodeId);
    }
    if (held.verified) world.observer.fact(user, 'log-consistency', { from: held.verified.from, to: held.verified.to });
  }

  // pp-gpu: REPORT_DATA wraps the session binding with the GPU's identity; freshness is judged on the session it commits to.
  const boundData = gpu?.ok && equalBytes(report.reportData, gpu.reportData) ? reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null) : report.reportData;
  recordAcceptance(world, user, nodeId, bundle.enclaveKey, report.measurement, boundData, nonce, size, root, bundle.report, bundle.checkpoint);
  return { ok: true, nodeId, enclaveKey: bundle.enclaveKey };
}

/** Ground truth about what the client just accepted, for the invariants. */
function recordAcceptance(world: World, user: string, nodeId: string, key: Uint8Array, measurement: Uint8Array, reportData: Uint8Array, nonce: Uint8Array, size: number, root: string, reportBytes: Uint8Array, note: string): void {
  const produced = world.reportNonce.get(toHex(sha256(reportBytes)));
  const trueRoot = size >= 1 && size <= world.keys.log.size ? toHex(world.keys.log.root(size)) : null;
  const client = world.clients.find((c) => c.name === user);
  const requestId = client ? (client.currentRequestId ?? '?') : '?';
  world.observer.fact(user, 'log-view', { size, root, accepted: true });
  // Observer judgements, recorded as a fact: fresh (this very report was produced by an enclave for
  // this attempt's nonce or, for a report no enclave produced, it binds this nonce), the key was
  // generated inside an honest enclave, the measurement and the checkpoint are the true log's.
  world.observer.fact(user, 'evidence-accepted', {
    requestId,
    node: nodeId,
    nonce: toHex(nonce),
    fresh: produced !== undefined ? produced === toHex(nonce) : equalBytes(reportData, reportDataBinding(key, nonce)),
    measurement: toHex(measurement),
    measurementLogged: world.keys.loggedMeasurements.has(toHex(measurement)),
    keyHonest: world.nodes.some((n) => n.generatedKey(key)),
    checkpointSize: size,
    viewConsistent: root === '' || root === trueRoot,
    ...logTruth(world, size, note),
  });
}

/**
 * Observer judgements on the checkpoint a client accepted: how long the true log had superseded it
 * (stale past the freshness bound of model/log-policy.ts), and how many witnesses that no adversary
 * holds validly cosigned it (against the run's quorum).
 */
function logTruth(world: World, size: number, note: string): { checkpointStale: boolean; staleForMs: number; honestCosigners: number; quorumRequired: number } {
  const now = world.clock.nowMs();
  const at = world.growingLog.supersededAt(size);
  const staleForMs = at === null ? 0 : Math.max(0, now - at);
  const honest = world.keys.witnessVerifiers.filter((_, i) => !world.colludingWitnesses.has(i));
  let honestCosigners = 0;
  try {
    honestCosigners = verifyCosignedCheckpoint(note, { log: world.keys.logVerifier, witnesses: honest, quorum: 0 }).cosigners.length;
  } catch {
    honestCosigners = 0; // a line from a known key that does not verify: no valid honest cosignature counted
  }
  return { checkpointStale: staleForMs > freshnessBoundMs(world.pcc ? 'pcc' : 'pp', EPOCH_MS, world.spec.network.delayMs.max), staleForMs, honestCosigners, quorumRequired: world.keys.witnessQuorum };
}
