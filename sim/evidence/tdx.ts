/**
 * Profile `pp-tdx` (issue 15, docs/profiles.md): nodes are Intel TDX trust domains on platforms of
 * a simulated Intel (protocol/attestation/dcap/sim-intel.ts: its own SGX Root CA, PCK Platform CA,
 * TCB Signing key); each node's evidence is a TDX v4 quote in Intel's layout, and the client
 * checks it with the one DCAP verifier (protocol/attestation/dcap/verify.ts) against the collateral
 * (TCB Info, QE Identity, both CRLs) under the simulated Intel's pinned root.
 *
 * The mapping of the SEV-SNP fields the rest of the client's step 4 uses:
 * - MEASUREMENT → MRTD (48 bytes: the image's launch digest, the same value the log holds);
 * - REPORT_DATA → REPORTDATA (64 bytes: SHA-512(context ‖ pkE ‖ nonce), protocol/attestation-bundle.ts);
 * - HOST_DATA → MRCONFIGID (48 bytes, set by the host at TD creation and not measured, TDX Module
 *   ABI `TDH.MNG.INIT` TD_PARAMS.MRCONFIGID): the SHA-256 of the launch configuration, zero-padded;
 * - the TCB check → the TCB status from Intel's TCB Info (UpToDate required; the mutant
 *   `pp-tdx-status-ignored` accepts every status but Revoked, which the verifier never accepts);
 * - the debug policy bit → TD_ATTRIBUTES.DEBUG (bit 0), refused by the verifier's policy.
 *
 * Everything is drawn from the world's Rng (forked, so the SEV-SNP worlds' streams are unchanged).
 */
import type { Rng } from '../../protocol/rng.js';
import { SimulatedIntel, type SimIntelPlatform } from '../../protocol/attestation/dcap/sim-intel.js';
import { verifyDcapQuote } from '../../protocol/attestation/dcap/verify.js';
import { TCB_STATUSES, type DcapCollateral, type TcbStatus } from '../../protocol/attestation/dcap/collateral.js';
import type { EvidenceChecks } from '../../model/intents.js';

/** The SGX TCB components and PCESVN every fleet platform runs (UpToDate in the collateral). */
const FLEET_CPUSVN = [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
const FLEET_PCESVN = 13;
/** The operator's unpatched platform: one below in every component, which the TCB Info rates OutOfDate. */
const OUTDATED_CPUSVN = FLEET_CPUSVN.map((c) => Math.max(0, c - 1));
/** TD_ATTRIBUTES (8 bytes, little-endian bit numbers): SEPT_VE_DISABLE (bit 28); DEBUG is bit 0. */
const TD_ATTRIBUTES = Uint8Array.of(0, 0, 0, 0x10, 0, 0, 0, 0);
const TD_ATTRIBUTES_DEBUG = Uint8Array.of(1, 0, 0, 0x10, 0, 0, 0, 0);
/** Every status the mutant accepts: all but Revoked (which verifyDcapQuote refuses whatever the policy). */
const ANY_STATUS: readonly TcbStatus[] = TCB_STATUSES.filter((s) => s !== 'Revoked');

/** What a TD asks its platform to quote (the SEV-SNP `signReport` fields, plus the debug attribute). */
export interface TdFields {
  reportData: Uint8Array;
  measurement: Uint8Array;
  hostData?: Uint8Array;
  debug?: boolean;
}

/** A TDX platform of the fleet (or the operator's outdated one): quotes what its TD asks. */
export interface TdxChip {
  platform: SimIntelPlatform;
  quote(fields: TdFields): Uint8Array;
}

/** The simulated Intel of one world, one platform per node, and the collateral the client fetched (Intel PCS). */
export interface TdxFleet {
  intel: SimulatedIntel;
  collateral: DcapCollateral;
  chip(node: number): TdxChip;
  /** The operator's platform on old microcode (made on first use): genuine PCK, TCB status OutOfDate. */
  outdated(): TdxChip;
}

function mrConfigId(hostData: Uint8Array | undefined): Uint8Array | undefined {
  if (!hostData) return undefined;
  const out = new Uint8Array(48);
  out.set(hostData.subarray(0, 48));
  return out;
}

function chipOf(platform: SimIntelPlatform): TdxChip {
  return {
    platform,
    quote: (f) => platform.tdxQuote({ reportData: f.reportData, mrTd: f.measurement, mrConfigId: mrConfigId(f.hostData), tdAttributes: f.debug ? TD_ATTRIBUTES_DEBUG : TD_ATTRIBUTES }),
  };
}

export function createTdxFleet(rng: Rng, nodes: number): TdxFleet {
  const intel = SimulatedIntel.create(rng.fork('intel'));
  const chips = Array.from({ length: nodes }, (_, i) => chipOf(intel.provisionPlatform(rng.fork(`tdx-platform-${i}`), { cpuSvnComponents: FLEET_CPUSVN, pceSvn: FLEET_PCESVN })));
  // One FMSPC for the fleet: its TCB Info rates the fleet's level UpToDate and the level below OutOfDate.
  const reference = chips[0]?.platform ?? intel.provisionPlatform(rng.fork('tdx-platform-reference'), { cpuSvnComponents: FLEET_CPUSVN, pceSvn: FLEET_PCESVN });
  const collateral = intel.collateral('tdx', reference);
  let outdated: TdxChip | null = null;
  return {
    intel,
    collateral,
    chip: (node) => chips[node]!,
    outdated: () => (outdated ??= chipOf(intel.provisionPlatform(rng.fork('tdx-platform-outdated'), { cpuSvnComponents: OUTDATED_CPUSVN, pceSvn: FLEET_PCESVN - 1 }))),
  };
}

/** The fields of a verified quote the rest of step 4 reads (the shape of the SEV-SNP report's). */
export interface CheckedReport {
  measurement: Uint8Array;
  reportData: Uint8Array;
  hostData: Uint8Array;
}

/**
 * Step 4 on a TDX quote: quote signature, QE report, PCK chain to the pinned (simulated) Intel
 * root, CRLs, TCB Info and QE Identity, TCB status, TD_ATTRIBUTES (debug, reserved bits) and
 * REPORTDATA = the binding of pkE and the nonce. Throws the verifier's DcapError (typed codes).
 */
export function checkTdxQuote(fleet: TdxFleet, quote: Uint8Array, atMs: number, checks: EvidenceChecks, binding: Uint8Array): CheckedReport {
  const v = verifyDcapQuote(quote, fleet.collateral, {
    atMs,
    tee: 'tdx',
    pinnedRootSpkiSha256: [fleet.intel.rootPin],
    policy: { acceptStatus: checks.tcb ? ['UpToDate'] : ANY_STATUS, ...(checks.binding ? { reportData: binding } : {}), allowDebug: !checks.policy },
  });
  const td = v.quote.td!;
  // MRCONFIGID carries the 32-byte configuration digest, zero-padded; anything else is not a digest.
  const padded = td.mrConfigId.subarray(32).every((b) => b === 0);
  return { measurement: td.mrTd, reportData: td.reportData, hostData: padded ? td.mrConfigId.subarray(0, 32) : td.mrConfigId };
}


/** A platform of an Intel of the operator's own making (root no client pins): for the `foreign-root` forgery. */
export function foreignTdxChip(rng: Rng): TdxChip {
  const own = SimulatedIntel.create(rng.fork('own-intel'));
  return chipOf(own.provisionPlatform(rng.fork('own-platform'), { cpuSvnComponents: FLEET_CPUSVN, pceSvn: FLEET_PCESVN }));
}
