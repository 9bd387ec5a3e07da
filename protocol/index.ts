/**
 * The protocol layer's public facade (`private-processing-harness/protocol`): wire formats and
 * crypto, pure. Deeper modules are importable as `private-processing-harness/protocol/<file>`.
 */
export * from './errors.js';
export type { Rng } from './rng.js';
export { uniformInt, uniformFloat } from './rng.js';
export { toHex, fromHex, concat, equalBytes, utf8 } from './bytes.js';
export * as bhttp from './bhttp.js';
export * as hpke from './hpke.js';
export * as ohttp from './ohttp.js';
export * as innerSession from './inner-session.js';
export * as bundle from './attestation-bundle.js';
export * as tokensType1 from './tokens/type1-voprf.js';
export * as tokensType2 from './tokens/type2-blindrsa.js';
export * as merkle from './tlog/merkle.js';
export { MerkleLog } from './tlog/log.js';
export * as notes from './tlog/note.js';
export * as checkpoint from './tlog/checkpoint.js';
export { verifyCosignedCheckpoint } from './tlog/witness-policy.js';
export { parseSevSnpReport } from './attestation/sev-snp-report.js';
export { SevSnpVerifier, verifySevSnpReport, BASELINE_POLICY } from './attestation/verifier.js';
export { TrustStore } from './attestation/chain.js';
export { SimulatedVendor } from './attestation/sim-vendor.js';
