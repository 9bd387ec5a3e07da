/**
 * The AMD SEV-SNP ATTESTATION_REPORT (SEV-SNP ABI specification, Table 22 "ATTESTATION_REPORT
 * Structure"): 0x4A0 bytes, little-endian integers, ECDSA P-384 signature over bytes 0x000–0x29F.
 * Report versions 2 to 5 share one layout; v3 adds CPUID_FAM_ID/MOD_ID/STEP, v5 the mitigation
 * vectors. Field names follow the spec (VERSION → `version`, REPORT_ID_MA → `reportIdMa`, ...).
 *
 * {@link parseSevSnpReport} is total: any malformed input raises `AttestationError` code `parse`.
 * {@link encodeSevSnpReport} writes the same layout (the simulated vendor signs its output).
 *
 * @example
 * ```ts
 * const r = parseSevSnpReport(bytes);
 * r.version; r.vmpl; toHex(r.measurement); r.reportedTcb.snp;
 * ```
 */
import { abytes } from '../bytes.js';
import { AttestationError } from '../errors.js';
import { decodeTcb, encodeTcb, tcbLayoutFor, type TcbLayout, type TcbParts, type TcbVersion } from './tcb-version.js';

/** SEV-SNP ABI Table 22: the report is 0x4A0 bytes. */
export const REPORT_BYTES = 0x4a0;
/** SEV-SNP ABI Table 22: SIGNATURE covers bytes 0x000–0x29F. */
export const SIGNED_BYTES = 0x2a0;
/** SEV-SNP ABI Table 22 / Chapter 10: SIGNATURE_ALGO 1 = ECDSA P-384 with SHA-384. */
export const SIG_ALGO_ECDSA_P384_SHA384 = 1;
/** Report versions this parser knows (2: SNP 1.51, 3: + CPUID, 4: same layout, 5: + mitigation vectors). */
export const MIN_REPORT_VERSION = 2;
export const MAX_REPORT_VERSION = 5;

/** SEV-SNP ABI Table 22, byte fields: [offset, length]. */
export const FIELD = {
  FAMILY_ID: [0x010, 16],
  IMAGE_ID: [0x020, 16],
  CURRENT_TCB: [0x038, 8],
  REPORT_DATA: [0x050, 64],
  MEASUREMENT: [0x090, 48],
  HOST_DATA: [0x0c0, 32],
  ID_KEY_DIGEST: [0x0e0, 48],
  AUTHOR_KEY_DIGEST: [0x110, 48],
  REPORT_ID: [0x140, 32],
  REPORT_ID_MA: [0x160, 32],
  REPORTED_TCB: [0x180, 8],
  CHIP_ID: [0x1a0, 64],
  COMMITTED_TCB: [0x1e0, 8],
  LAUNCH_TCB: [0x1f0, 8],
  SIGNATURE_R: [0x2a0, 72],
  SIGNATURE_S: [0x2e8, 72],
} as const satisfies Record<string, readonly [number, number]>;

/** Integer fields: [offset, bytes]. */
export const INT_FIELD = {
  VERSION: [0x000, 4],
  GUEST_SVN: [0x004, 4],
  POLICY: [0x008, 8],
  VMPL: [0x030, 4],
  SIGNATURE_ALGO: [0x034, 4],
  PLATFORM_INFO: [0x040, 8],
  FLAGS: [0x048, 4],
  CPUID_FAM_ID: [0x188, 1],
  CPUID_MOD_ID: [0x189, 1],
  CPUID_STEP: [0x18a, 1],
  CURRENT_BUILD: [0x1e8, 1],
  CURRENT_MINOR: [0x1e9, 1],
  CURRENT_MAJOR: [0x1ea, 1],
  COMMITTED_BUILD: [0x1ec, 1],
  COMMITTED_MINOR: [0x1ed, 1],
  COMMITTED_MAJOR: [0x1ee, 1],
  LAUNCH_MIT_VECTOR: [0x1f8, 8],
  CURRENT_MIT_VECTOR: [0x200, 8],
} as const satisfies Record<string, readonly [number, number]>;

/** SEV-SNP ABI Table 22, 0x48 bits 4:2 SIGNING_KEY: 0 VCEK, 1 VLEK, 7 none, 2–6 reserved. */
export type SigningKey = 'vcek' | 'vlek' | 'none';
const SIGNING_KEYS: Record<number, SigningKey> = { 0: 'vcek', 1: 'vlek', 7: 'none' };

export interface SevSnpReport {
  /** A private copy of the 0x4A0 input; the fields below are views into it. */
  readonly bytes: Uint8Array;
  /** Bytes 0x000–0x29F, the message the signature covers. */
  readonly signedBytes: Uint8Array;
  readonly version: number;
  readonly guestSvn: number;
  /** Guest policy (SEV-SNP ABI §4.3); see {@link decodeGuestPolicy}. */
  readonly policy: bigint;
  readonly familyId: Uint8Array;
  readonly imageId: Uint8Array;
  readonly vmpl: number;
  readonly signatureAlgo: number;
  readonly currentTcb: TcbVersion;
  /** See {@link decodePlatformInfo}. */
  readonly platformInfo: bigint;
  /** The raw 32-bit word at 0x48. */
  readonly flags: number;
  readonly authorKeyEn: boolean;
  readonly maskChipKey: boolean;
  readonly signingKey: SigningKey;
  readonly reportData: Uint8Array;
  readonly measurement: Uint8Array;
  readonly hostData: Uint8Array;
  readonly idKeyDigest: Uint8Array;
  readonly authorKeyDigest: Uint8Array;
  readonly reportId: Uint8Array;
  readonly reportIdMa: Uint8Array;
  readonly reportedTcb: TcbVersion;
  /** v3+ only (undefined in v2 reports, where the bytes are reserved). */
  readonly cpuidFamId: number | undefined;
  readonly cpuidModId: number | undefined;
  readonly cpuidStep: number | undefined;
  readonly chipId: Uint8Array;
  readonly committedTcb: TcbVersion;
  readonly currentBuild: number;
  readonly currentMinor: number;
  readonly currentMajor: number;
  readonly committedBuild: number;
  readonly committedMinor: number;
  readonly committedMajor: number;
  readonly launchTcb: TcbVersion;
  /** v5 only. */
  readonly launchMitVector: bigint | undefined;
  readonly currentMitVector: bigint | undefined;
  /** The TCB layout of every TCB field (Turin when CPUID_FAM_ID is 1Ah). */
  readonly tcbLayout: TcbLayout;
  /** SIGNATURE R and S: 72-byte little-endian fields (SEV-SNP ABI Table 141, ECDSA signature). */
  readonly signatureR: Uint8Array;
  readonly signatureS: Uint8Array;
}

function fail(message: string): never {
  throw new AttestationError('parse', message);
}

function readUint(b: Uint8Array, [offset, size]: readonly [number, number]): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[offset + i]!);
  return v;
}

const u32 = (b: Uint8Array, f: readonly [number, number]): number => Number(readUint(b, f));
const view = (b: Uint8Array, [offset, size]: readonly [number, number]): Uint8Array => b.subarray(offset, offset + size);

/**
 * Parses an ATTESTATION_REPORT. Throws `TypeError` if `input` is not a Uint8Array, otherwise
 * only `AttestationError` code `parse` (wrong length, unknown VERSION, SIGNATURE_ALGO or
 * SIGNING_KEY).
 */
export function parseSevSnpReport(input: Uint8Array): SevSnpReport {
  abytes('report', input);
  if (input.length !== REPORT_BYTES) fail(`report expected ${REPORT_BYTES} bytes, got ${input.length}`);
  const b = input.slice();
  // SEV-SNP ABI Table 22: VERSION at 0x00.
  const version = u32(b, INT_FIELD.VERSION);
  if (version < MIN_REPORT_VERSION || version > MAX_REPORT_VERSION) fail(`unknown report VERSION ${version}`);
  // SEV-SNP ABI Table 22: SIGNATURE_ALGO at 0x34.
  const signatureAlgo = u32(b, INT_FIELD.SIGNATURE_ALGO);
  if (signatureAlgo !== SIG_ALGO_ECDSA_P384_SHA384) fail(`unsupported SIGNATURE_ALGO ${signatureAlgo}`);
  // SEV-SNP ABI Table 22: 0x48 bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY.
  const flags = u32(b, INT_FIELD.FLAGS);
  const signingKey = SIGNING_KEYS[(flags >>> 2) & 0x7];
  if (signingKey === undefined) fail(`reserved SIGNING_KEY ${(flags >>> 2) & 0x7}`);
  // SEV-SNP ABI Table 22: CPUID_FAM_ID/MOD_ID/STEP at 0x188–0x18A exist from version 3.
  const hasCpuid = version >= 3;
  const cpuidFamId = hasCpuid ? b[0x188]! : undefined;
  const layout = tcbLayoutFor(cpuidFamId);
  const tcb = (f: readonly [number, number]): TcbVersion => decodeTcb(view(b, f), layout);
  const hasMit = version >= 5;
  return {
    bytes: b,
    signedBytes: b.subarray(0, SIGNED_BYTES),
    version,
    guestSvn: u32(b, INT_FIELD.GUEST_SVN), // 0x04
    policy: readUint(b, INT_FIELD.POLICY), // 0x08
    familyId: view(b, FIELD.FAMILY_ID), // 0x10
    imageId: view(b, FIELD.IMAGE_ID), // 0x20
    vmpl: u32(b, INT_FIELD.VMPL), // 0x30
    signatureAlgo,
    currentTcb: tcb(FIELD.CURRENT_TCB), // 0x38
    platformInfo: readUint(b, INT_FIELD.PLATFORM_INFO), // 0x40
    flags,
    authorKeyEn: (flags & 1) !== 0,
    maskChipKey: (flags & 2) !== 0,
    signingKey,
    reportData: view(b, FIELD.REPORT_DATA), // 0x50
    measurement: view(b, FIELD.MEASUREMENT), // 0x90
    hostData: view(b, FIELD.HOST_DATA), // 0xC0
    idKeyDigest: view(b, FIELD.ID_KEY_DIGEST), // 0xE0
    authorKeyDigest: view(b, FIELD.AUTHOR_KEY_DIGEST), // 0x110
    reportId: view(b, FIELD.REPORT_ID), // 0x140
    reportIdMa: view(b, FIELD.REPORT_ID_MA), // 0x160
    reportedTcb: tcb(FIELD.REPORTED_TCB), // 0x180
    cpuidFamId,
    cpuidModId: hasCpuid ? b[0x189]! : undefined,
    cpuidStep: hasCpuid ? b[0x18a]! : undefined,
    chipId: view(b, FIELD.CHIP_ID), // 0x1A0
    committedTcb: tcb(FIELD.COMMITTED_TCB), // 0x1E0
    currentBuild: b[0x1e8]!,
    currentMinor: b[0x1e9]!,
    currentMajor: b[0x1ea]!,
    committedBuild: b[0x1ec]!,
    committedMinor: b[0x1ed]!,
    committedMajor: b[0x1ee]!,
    launchTcb: tcb(FIELD.LAUNCH_TCB), // 0x1F0
    // SEV-SNP ABI Table 22 (v5): LAUNCH_MIT_VECTOR at 0x1F8, CURRENT_MIT_VECTOR at 0x200.
    launchMitVector: hasMit ? readUint(b, INT_FIELD.LAUNCH_MIT_VECTOR) : undefined,
    currentMitVector: hasMit ? readUint(b, INT_FIELD.CURRENT_MIT_VECTOR) : undefined,
    tcbLayout: layout,
    signatureR: view(b, FIELD.SIGNATURE_R), // 0x2A0
    signatureS: view(b, FIELD.SIGNATURE_S), // 0x2E8
  };
}

/** Guest policy bits (SEV-SNP ABI §4.3, Table 9 "Guest Policy Structure"). */
export interface GuestPolicy {
  readonly abiMinor: number;
  readonly abiMajor: number;
  /** bit 16: SMT is allowed. */
  readonly smt: boolean;
  /** bit 18: association with a migration agent is allowed. */
  readonly migrateMa: boolean;
  /** bit 19: debugging (DBG_DECRYPT/ENCRYPT) is allowed. */
  readonly debug: boolean;
  /** bit 20: the guest may be activated on one socket only. */
  readonly singleSocket: boolean;
}

export function decodeGuestPolicy(policy: bigint): GuestPolicy {
  const bit = (n: number): boolean => ((policy >> BigInt(n)) & 1n) === 1n;
  return {
    abiMinor: Number(policy & 0xffn),
    abiMajor: Number((policy >> 8n) & 0xffn),
    smt: bit(16),
    migrateMa: bit(18),
    debug: bit(19),
    singleSocket: bit(20),
  };
}

/** PLATFORM_INFO bits (SEV-SNP ABI Table 22, 0x40). */
export interface PlatformInfo {
  /** bit 0: SMT is enabled on the platform. */
  readonly smtEn: boolean;
  /** bit 1: TSME is enabled. */
  readonly tsmeEn: boolean;
  /** bit 2: ECC memory. */
  readonly eccEn: boolean;
}

export function decodePlatformInfo(info: bigint): PlatformInfo {
  return { smtEn: (info & 1n) === 1n, tsmeEn: (info & 2n) === 2n, eccEn: (info & 4n) === 4n };
}

/** Values for {@link encodeSevSnpReport}; anything left out is zero (or the default noted). */
export interface SevSnpReportFields {
  /** Default 3. */
  version?: number;
  guestSvn?: number;
  /** Default 0x30000 (SMT allowed, reserved bit 17 set, no debug, no migration agent). */
  policy?: bigint;
  familyId?: Uint8Array;
  imageId?: Uint8Array;
  vmpl?: number;
  /** Default 1 (ECDSA P-384). */
  signatureAlgo?: number;
  currentTcb?: TcbParts;
  platformInfo?: bigint;
  authorKeyEn?: boolean;
  maskChipKey?: boolean;
  /** Default 'vcek'. */
  signingKey?: SigningKey;
  reportData?: Uint8Array;
  measurement?: Uint8Array;
  hostData?: Uint8Array;
  idKeyDigest?: Uint8Array;
  authorKeyDigest?: Uint8Array;
  reportId?: Uint8Array;
  reportIdMa?: Uint8Array;
  /** Default: `currentTcb`. */
  reportedTcb?: TcbParts;
  /** v3+: CPUID family, model, stepping. Family 0x1A selects the Turin TCB layout. */
  cpuid?: { famId: number; modId: number; step: number };
  chipId?: Uint8Array;
  /** Default: `currentTcb`. */
  committedTcb?: TcbParts;
  currentVersion?: { build: number; minor: number; major: number };
  committedVersion?: { build: number; minor: number; major: number };
  /** Default: `currentTcb`. */
  launchTcb?: TcbParts;
  launchMitVector?: bigint;
  currentMitVector?: bigint;
}

function writeUint(b: Uint8Array, [offset, size]: readonly [number, number], value: bigint | number, name: string): void {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * size)) throw new RangeError(`${name} does not fit in ${size} bytes`);
  for (let i = 0; i < size; i++) {
    b[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function writeBytes(b: Uint8Array, name: keyof typeof FIELD, value: Uint8Array | undefined): void {
  if (value === undefined) return;
  const [offset, size] = FIELD[name];
  b.set(abytes(name, value, size), offset);
}

const ZERO_TCB: TcbParts = { bootloader: 0, tee: 0, snp: 0, microcode: 0 };

/** Writes an unsigned report (SIGNATURE zero) in the SEV-SNP ABI Table 22 layout. */
export function encodeSevSnpReport(f: SevSnpReportFields = {}): Uint8Array {
  const b = new Uint8Array(REPORT_BYTES);
  const version = f.version ?? 3;
  writeUint(b, INT_FIELD.VERSION, version, 'VERSION');
  writeUint(b, INT_FIELD.GUEST_SVN, f.guestSvn ?? 0, 'GUEST_SVN');
  writeUint(b, INT_FIELD.POLICY, f.policy ?? 0x30000n, 'POLICY');
  writeBytes(b, 'FAMILY_ID', f.familyId);
  writeBytes(b, 'IMAGE_ID', f.imageId);
  writeUint(b, INT_FIELD.VMPL, f.vmpl ?? 0, 'VMPL');
  writeUint(b, INT_FIELD.SIGNATURE_ALGO, f.signatureAlgo ?? SIG_ALGO_ECDSA_P384_SHA384, 'SIGNATURE_ALGO');
  if (f.cpuid !== undefined && version < 3) throw new RangeError('CPUID fields need report version 3 or later');
  const layout = tcbLayoutFor(f.cpuid?.famId);
  const current = f.currentTcb ?? ZERO_TCB;
  b.set(encodeTcb(current, layout), FIELD.CURRENT_TCB[0]);
  writeUint(b, INT_FIELD.PLATFORM_INFO, f.platformInfo ?? 0n, 'PLATFORM_INFO');
  const signingKey = { vcek: 0, vlek: 1, none: 7 }[f.signingKey ?? 'vcek'];
  writeUint(b, INT_FIELD.FLAGS, (f.authorKeyEn ? 1 : 0) | (f.maskChipKey ? 2 : 0) | (signingKey << 2), 'flags');
  writeBytes(b, 'REPORT_DATA', f.reportData);
  writeBytes(b, 'MEASUREMENT', f.measurement);
  writeBytes(b, 'HOST_DATA', f.hostData);
  writeBytes(b, 'ID_KEY_DIGEST', f.idKeyDigest);
  writeBytes(b, 'AUTHOR_KEY_DIGEST', f.authorKeyDigest);
  writeBytes(b, 'REPORT_ID', f.reportId);
  writeBytes(b, 'REPORT_ID_MA', f.reportIdMa);
  b.set(encodeTcb(f.reportedTcb ?? current, layout), FIELD.REPORTED_TCB[0]);
  if (f.cpuid) {
    writeUint(b, INT_FIELD.CPUID_FAM_ID, f.cpuid.famId, 'CPUID_FAM_ID');
    writeUint(b, INT_FIELD.CPUID_MOD_ID, f.cpuid.modId, 'CPUID_MOD_ID');
    writeUint(b, INT_FIELD.CPUID_STEP, f.cpuid.step, 'CPUID_STEP');
  }
  writeBytes(b, 'CHIP_ID', f.chipId);
  b.set(encodeTcb(f.committedTcb ?? current, layout), FIELD.COMMITTED_TCB[0]);
  const cur = f.currentVersion ?? { build: 0, minor: 0, major: 0 };
  const com = f.committedVersion ?? cur;
  writeUint(b, INT_FIELD.CURRENT_BUILD, cur.build, 'CURRENT_BUILD');
  writeUint(b, INT_FIELD.CURRENT_MINOR, cur.minor, 'CURRENT_MINOR');
  writeUint(b, INT_FIELD.CURRENT_MAJOR, cur.major, 'CURRENT_MAJOR');
  writeUint(b, INT_FIELD.COMMITTED_BUILD, com.build, 'COMMITTED_BUILD');
  writeUint(b, INT_FIELD.COMMITTED_MINOR, com.minor, 'COMMITTED_MINOR');
  writeUint(b, INT_FIELD.COMMITTED_MAJOR, com.major, 'COMMITTED_MAJOR');
  b.set(encodeTcb(f.launchTcb ?? current, layout), FIELD.LAUNCH_TCB[0]);
  if ((f.launchMitVector !== undefined || f.currentMitVector !== undefined) && version < 5) {
    throw new RangeError('mitigation vectors need report version 5');
  }
  writeUint(b, INT_FIELD.LAUNCH_MIT_VECTOR, f.launchMitVector ?? 0n, 'LAUNCH_MIT_VECTOR');
  writeUint(b, INT_FIELD.CURRENT_MIT_VECTOR, f.currentMitVector ?? 0n, 'CURRENT_MIT_VECTOR');
  return b;
}
