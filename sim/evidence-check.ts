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
import { verifyCosignedCheckpoint } from '../protocol/tlog/witness-policy.js';
import type { EvidenceChecks } from '../model/intents.js';
import { SIM_EPOCH_MS } from './clock.js';
import { MIN_TCB } from './world-keys.js';
import type { World } from './world.js';
import { enclaveConfigDigest, RELEASED_ENCLAVE_CONFIG } from '../tee/enclave-program.js';
import { checkTdxQuote, type CheckedReport } from './evidence/tdx.js';
import { checkGpuEvidence } from './evidence/gpu.js';
import { evidenceOf } from '../model/profile.js';

const RELEASED_CONFIG_DIGEST = enclaveConfigDigest(RELEASED_ENCLAVE_CONFIG);

export interface LogViewState {
  last: { size: number; root: string } | null;
}

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

/** `fresh`: the caller's ground truth for the acceptance fact (profile ra-tls: the certificate was presented in this session); default from the reports the enclaves produced. */
export function checkBundle(world: World, user: string, bytes: Uint8Array, nonce: Uint8Array, checks: EvidenceChecks, view: LogViewState, keyDigest: string, chosenNode: string | null, fresh?: boolean): BundleCheck {
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
  if (checks.measurementInLog || checks.logConsistency || checks.keyConsistency) {
    try {
      const { checkpoint } = verifyCosignedCheckpoint(bundle.checkpoint, {
        log: world.keys.logVerifier,
        witnesses: world.keys.witnessVerifiers,
        quorum: checks.witnesses ? world.keys.witnessQuorum : 0,
        origin: 'log.pph.test',
      });
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
  // The log is append-only: a checkpoint of the size we saw must have its root; a different size
  // would need a consistency proof, which the pp bundle does not carry (a growing log is refused).
  if (checks.logConsistency && view.last && (view.last.size !== size || view.last.root !== root)) {
    world.observer.fact(user, 'log-view', { size, root, accepted: false });
    return fail('log-consistency', nodeId);
  }
  if (root) view.last = { size, root };

  // pp-gpu: REPORT_DATA wraps the session binding with the GPU's identity; freshness is judged on the session it commits to.
  const boundData = gpu?.ok && equalBytes(report.reportData, gpu.reportData) ? reportDataBinding(bundle.enclaveKey, checks.clientNonce ? nonce : null) : report.reportData;
  recordAcceptance(world, user, nodeId, bundle.enclaveKey, report.measurement, boundData, nonce, size, root, bundle.report, fresh);
  return { ok: true, nodeId, enclaveKey: bundle.enclaveKey };
}

/** Ground truth about what the client just accepted, for the invariants. */
function recordAcceptance(world: World, user: string, nodeId: string, key: Uint8Array, measurement: Uint8Array, reportData: Uint8Array, nonce: Uint8Array, size: number, root: string, reportBytes: Uint8Array, freshness?: boolean): void {
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
    fresh: freshness ?? (produced !== undefined ? produced === toHex(nonce) : equalBytes(reportData, reportDataBinding(key, nonce))),
    measurement: toHex(measurement),
    measurementLogged: world.keys.loggedMeasurements.has(toHex(measurement)),
    keyHonest: world.nodes.some((n) => n.generatedKey(key)),
    checkpointSize: size,
    viewConsistent: root === '' || root === trueRoot,
  });
}
