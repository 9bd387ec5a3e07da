/**
 * The relying party's SEV-SNP policy: what a genuine, correctly signed report must also satisfy
 * (the knobs of go-sev-guest's `verify`/`validate` options). Each refusal has its own
 * `AttestationError` code:
 *
 * - `policy-reserved`: POLICY bit 17 is not 1 or a bit of 25–63 is set (SEV-SNP ABI Table 9:
 *   bit 17 "Reserved. Must be one", higher bits reserved, must be zero). Always checked.
 * - `debug`, `migrate-ma`, `smt`: POLICY bits 19, 18, 16 when the policy forbids them.
 * - `vmpl`: VMPL differs from the required one.
 * - `tcb`: the trusted TCB is below `minTcb` in some component.
 * - `measurement`: MEASUREMENT not in the allow-list.
 * - `host-data`, `id-key-digest`, `author-key-digest`, `report-data`: a pinned field differs.
 * - `binding`: REPORT_DATA differs from the protocol binding (PROTOCOL.md step 4).
 *
 * @example
 * ```ts
 * const policy: SevSnpPolicy = { ...BASELINE_POLICY, minTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 } };
 * checkGuestPolicy(report, policy); checkPins(report, policy);
 * ```
 */
import { abytes, equalBytes, toHex } from '../bytes.js';
import { AttestationError } from '../errors.js';
import { decodeGuestPolicy, type SevSnpReport } from './sev-snp-report.js';
import { tcbShortfall, type TcbParts } from './tcb-version.js';

/** What a relying party requires beyond a genuine, unexpired, correctly signed report. Unset = unchecked. */
export interface SevSnpPolicy {
  /** `false`: reject POLICY.DEBUG (bit 19), code `debug`. */
  allowDebug?: boolean;
  /** `false`: reject POLICY.MIGRATE_MA (bit 18), code `migrate-ma`. */
  allowMigrationAgent?: boolean;
  /** `false`: reject POLICY.SMT (bit 16, the guest allows SMT), code `smt`. */
  allowSmt?: boolean;
  /** The VMPL the report must come from, code `vmpl`. */
  vmpl?: number;
  /** Minimum SPLs, compared component by component, code `tcb`. */
  minTcb?: TcbParts;
  /** Allowed MEASUREMENT values (48 bytes each), code `measurement`. */
  measurements?: readonly Uint8Array[];
  /** The protocol's expected REPORT_DATA (64 bytes), e.g. SHA-512(context ‖ pkE ‖ nonce), code `binding`. */
  reportData?: Uint8Array;
  /** A pinned REPORT_DATA (64 bytes), as `pph evidence verify --report-data`, code `report-data`. */
  pinnedReportData?: Uint8Array;
  /** A pinned HOST_DATA (32 bytes), code `host-data`. */
  hostData?: Uint8Array;
  /** A pinned ID_KEY_DIGEST (48 bytes), code `id-key-digest`. */
  idKeyDigest?: Uint8Array;
  /** A pinned AUTHOR_KEY_DIGEST (48 bytes), code `author-key-digest`. */
  authorKeyDigest?: Uint8Array;
}

/** The baseline client policy of PROTOCOL.md step 4: debug off, migration agent off, VMPL 0. */
export const BASELINE_POLICY: Readonly<SevSnpPolicy> = Object.freeze({ allowDebug: false, allowMigrationAgent: false, vmpl: 0 });

/** SEV-SNP ABI Table 9: bit 17 is reserved and must be one. */
export const POLICY_MUST_BE_ONE = 1n << 17n;
/**
 * Bits 25–63 must be zero. ABI revisions up to 1.57 reserve them; 1.58 gives bit 25 a meaning
 * (PAGE_SWAP_DISABLE) that pph does not evaluate, so it is refused like any unknown bit
 * (fail closed: a policy pph cannot read is not accepted).
 */
export const POLICY_MUST_BE_ZERO = ~((1n << 25n) - 1n) & ((1n << 64n) - 1n);

const fail = (code: string, message: string): never => {
  throw new AttestationError(code, message);
};

/** `policy-reserved` unless POLICY's reserved bits are as the ABI fixes them. */
export function checkPolicyReserved(r: SevSnpReport): void {
  // SEV-SNP ABI Table 9 (Guest Policy): bit 17 MBO, bits 63:25 MBZ.
  if ((r.policy & POLICY_MUST_BE_ONE) === 0n) fail('policy-reserved', `guest POLICY 0x${r.policy.toString(16)}: reserved bit 17 must be 1`);
  const high = r.policy & POLICY_MUST_BE_ZERO;
  if (high !== 0n) fail('policy-reserved', `guest POLICY 0x${r.policy.toString(16)}: reserved bits 0x${high.toString(16)} must be 0`);
}

/** The guest policy bits and VMPL against `policy`: `debug`, `migrate-ma`, `smt`, `vmpl`. */
export function checkGuestPolicy(r: SevSnpReport, policy: SevSnpPolicy): void {
  const guest = decodeGuestPolicy(r.policy);
  // SEV-SNP ABI Table 9 Guest Policy: bit 19 DEBUG, bit 18 MIGRATE_MA, bit 16 SMT.
  if (policy.allowDebug === false && guest.debug) fail('debug', 'guest POLICY allows debugging (bit 19)');
  if (policy.allowMigrationAgent === false && guest.migrateMa) fail('migrate-ma', 'guest POLICY allows a migration agent (bit 18)');
  if (policy.allowSmt === false && guest.smt) fail('smt', 'guest POLICY allows SMT (bit 16)');
  // SEV-SNP ABI Table 22: VMPL at 0x30, the privilege level that requested the report.
  if (policy.vmpl !== undefined && r.vmpl !== policy.vmpl) fail('vmpl', `VMPL ${r.vmpl}, policy requires ${policy.vmpl}`);
}

/** `tcb` when `tcb` is below `min` in some component. */
export function checkMinTcb(tcb: TcbParts, min: TcbParts | undefined): void {
  if (min === undefined) return;
  const short = tcbShortfall(tcb, min);
  if (short.length > 0) fail('tcb', `TCB below the policy minimum: ${short.join(', ')}`);
}

/** Measurement allow-list, then the pinned fields, then the protocol binding. */
export function checkPins(r: SevSnpReport, policy: SevSnpPolicy): void {
  if (policy.measurements !== undefined && !policy.measurements.some((m) => equalBytes(abytes('policy.measurements[]', m, 48), r.measurement))) {
    fail('measurement', `MEASUREMENT ${toHex(r.measurement)} is not in the allow-list`);
  }
  // SEV-SNP ABI Table 22: HOST_DATA 0xC0 (32), ID_KEY_DIGEST 0xE0 (48), AUTHOR_KEY_DIGEST 0x110 (48), REPORT_DATA 0x50 (64).
  pin(r.hostData, policy.hostData, 32, 'host-data', 'HOST_DATA');
  pin(r.idKeyDigest, policy.idKeyDigest, 48, 'id-key-digest', 'ID_KEY_DIGEST');
  pin(r.authorKeyDigest, policy.authorKeyDigest, 48, 'author-key-digest', 'AUTHOR_KEY_DIGEST');
  pin(r.reportData, policy.pinnedReportData, 64, 'report-data', 'REPORT_DATA');
  if (policy.reportData !== undefined && !equalBytes(abytes('policy.reportData', policy.reportData, 64), r.reportData)) {
    fail('binding', 'REPORT_DATA does not equal the expected binding');
  }
}

function pin(have: Uint8Array, want: Uint8Array | undefined, size: number, code: string, name: string): void {
  if (want === undefined) return;
  if (!equalBytes(abytes(`policy ${name}`, want, size), have)) fail(code, `${name} ${toHex(have)} differs from the pinned ${toHex(want)}`);
}
