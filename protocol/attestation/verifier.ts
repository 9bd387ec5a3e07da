/**
 * Verifies an SEV-SNP ATTESTATION_REPORT against an AMD (or simulated) key hierarchy and a
 * policy. The checks run in a fixed order and the first failure is thrown as `AttestationError`
 * with its code (PROTOCOL.md step 4, invariant `attestation`):
 *
 * 1. `parse`: the 0x4A0 layout (sev-snp-report.ts).
 * 2. `chain`: VCEK ← ASK ← ARK (or VLEK ← ASVK ← ARK), ARK pinned; the report's SIGNING_KEY
 *    names the kind of key given.
 * 3. `expired`: every certificate of the path is valid at the injected time `atMs`.
 * 4. `signature`: ECDSA P-384/SHA-384 over bytes 0x000–0x29F by the VCEK/VLEK; a VCEK's HWID
 *    equals CHIP_ID (unless MASK_CHIP_KEY).
 * 5. `tcb`: REPORTED_TCB equals the TCB the VCEK was issued for, and that TCB ≥ the policy minimum.
 * 6. `policy`: guest POLICY bits (debug, migration agent, SMT) and VMPL.
 * 7. `measurement`: MEASUREMENT is in the allow-list.
 * 8. `binding`: REPORT_DATA equals the expected 64 bytes.
 *
 * `freshness` is reserved for callers (nonces live in REPORT_DATA, checked by `binding`).
 *
 * @example
 * ```ts
 * const store = TrustStore.fromPem(askArkPem);
 * const verifier = SevSnpVerifier.forSigner(store, vcekDer, 'vcek');
 * for (const r of reports) verifier.verify(r, { atMs, policy: { allowDebug: false } });
 * ```
 */
import { verify as cryptoVerify } from 'node:crypto';
import { abytes, equalBytes, toHex } from '../bytes.js';
import { AttestationError } from '../errors.js';
import type { AmdCertificate } from './amd-cert.js';
import { TrustStore, type EndorsedKey, type SignerKind, type TrustStoreOptions } from './chain.js';
import { decodeGuestPolicy, parseSevSnpReport, type SevSnpReport } from './sev-snp-report.js';
import { tcbDifferences, tcbShortfall, type TcbParts } from './tcb-version.js';

/** What a relying party requires beyond a genuine, unexpired, correctly signed report. Unset = unchecked. */
export interface SevSnpPolicy {
  /** `false`: reject POLICY.DEBUG (bit 19). */
  allowDebug?: boolean;
  /** `false`: reject POLICY.MIGRATE_MA (bit 18). */
  allowMigrationAgent?: boolean;
  /** `false`: reject POLICY.SMT (bit 16, the guest allows SMT). */
  allowSmt?: boolean;
  /** The VMPL the report must come from. */
  vmpl?: number;
  /** Minimum SPLs, compared component by component. */
  minTcb?: TcbParts;
  /** Allowed MEASUREMENT values (48 bytes each). */
  measurements?: readonly Uint8Array[];
  /** The expected REPORT_DATA (64 bytes), e.g. SHA-512(context ‖ pkE ‖ nonce). */
  reportData?: Uint8Array;
}

/** The baseline client policy of PROTOCOL.md step 4: debug off, migration agent off, VMPL 0. */
export const BASELINE_POLICY: Readonly<SevSnpPolicy> = Object.freeze({ allowDebug: false, allowMigrationAgent: false, vmpl: 0 });

/** Names of the checks that can be switched off, one at a time, for ablation. */
export type SevSnpCheck = 'chain' | 'expiry' | 'signature' | 'chipId' | 'tcb' | 'policy' | 'measurement' | 'binding';

export interface SevSnpVerifyOptions {
  /** The time of verification, ms since the epoch (injected: protocol/ never reads a clock). */
  atMs: number;
  policy?: SevSnpPolicy;
  /**
   * Where the trusted TCB comes from. `vcek` (default): the SPL extensions of the AMD-signed
   * VCEK, and REPORTED_TCB must equal them. `report`: REPORTED_TCB alone, unchecked against the
   * certificate (the real-world bug; for ablation).
   */
  tcbSource?: 'vcek' | 'report';
  /** FOR ABLATION ONLY: checks to skip, each by name. A production caller leaves this unset. */
  skip?: Partial<Record<SevSnpCheck, boolean>>;
}

export interface SevSnpVerified {
  readonly report: SevSnpReport;
  readonly signer: EndorsedKey;
  /** The TCB the decision trusted (the VCEK's, or REPORTED_TCB with `tcbSource: 'report'`). */
  readonly tcb: TcbParts;
}

/** Verifies many reports from one VCEK/VLEK with everything expensive done once. */
export class SevSnpVerifier {
  constructor(readonly signer: EndorsedKey) {}

  /** A verifier for `leaf` (DER or PEM) endorsed by `store`. Throws `CertificateError` if the leaf does not parse. */
  static forSigner(store: TrustStore, leaf: Uint8Array | string | AmdCertificate, kind: SignerKind): SevSnpVerifier {
    return new SevSnpVerifier(store.endorse(leaf, kind));
  }

  /** Runs every check in order; returns the parsed report or throws `AttestationError`. */
  verify(report: Uint8Array | SevSnpReport, options: SevSnpVerifyOptions): SevSnpVerified {
    if (typeof options !== 'object' || options === null || typeof options.atMs !== 'number' || !Number.isFinite(options.atMs)) {
      throw new TypeError('options.atMs expected a finite number of milliseconds');
    }
    const r = report instanceof Uint8Array ? parseSevSnpReport(report) : asParsed(report);
    const skip = options.skip ?? {};
    const policy = options.policy ?? {};
    if (!skip.chain) this.checkChain(r);
    if (!skip.expiry) this.signer.assertValidAt(options.atMs);
    if (!skip.signature) this.checkSignature(r);
    if (!skip.chipId) this.checkChipId(r);
    const tcb = this.trustedTcb(r, options.tcbSource ?? 'vcek', Boolean(skip.tcb));
    if (!skip.tcb) checkMinTcb(tcb, policy.minTcb);
    if (!skip.policy) checkGuestPolicy(r, policy);
    if (!skip.measurement) checkMeasurement(r, policy.measurements);
    if (!skip.binding) checkBinding(r, policy.reportData);
    return { report: r, signer: this.signer, tcb };
  }

  private checkChain(r: SevSnpReport): void {
    this.signer.assertChain();
    // SEV-SNP ABI Table 22, 0x48 bits 4:2: the report names the key that signed it.
    if (r.signingKey !== this.signer.kind) {
      throw new AttestationError('chain', `report SIGNING_KEY is ${r.signingKey}, but a ${this.signer.kind.toUpperCase()} was given`);
    }
  }

  private checkSignature(r: SevSnpReport): void {
    const key = this.signer.publicKey;
    const sig = p1363Signature(r);
    // SEV-SNP ABI Table 22 / Chapter 10: ECDSA P-384 with SHA-384 over bytes 0x000–0x29F.
    const ok = key !== undefined && sig !== undefined && cryptoVerify('sha384', r.signedBytes, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (!ok) throw new AttestationError('signature', `report signature does not verify with the ${this.signer.kind.toUpperCase()}`);
  }

  /** A VCEK is issued per chip: its HWID must be the report's CHIP_ID (an 8-byte prefix on Turin). */
  private checkChipId(r: SevSnpReport): void {
    const hwid = this.signer.leaf.amd.hwid;
    if (this.signer.kind !== 'vcek' || r.maskChipKey || hwid === undefined) return;
    const prefixOk = hwid.length <= r.chipId.length && equalBytes(hwid, r.chipId.subarray(0, hwid.length));
    if (!prefixOk || r.chipId.subarray(hwid.length).some((b) => b !== 0)) {
      throw new AttestationError('signature', `VCEK hwid ${toHex(hwid)} does not match CHIP_ID ${toHex(r.chipId)}`);
    }
  }

  private trustedTcb(r: SevSnpReport, source: 'vcek' | 'report', skipped: boolean): TcbParts {
    const reported = stripLayout(r.reportedTcb, r.tcbLayout === 'turin');
    if (source === 'report') return reported;
    const vcekTcb = this.signer.leaf.amd.tcb;
    if (vcekTcb === undefined) {
      if (skipped) return reported;
      throw new AttestationError('tcb', `${this.signer.kind.toUpperCase()} carries no TCB extensions`);
    }
    // KDS spec: the VCEK is derived for one TCB; a report under it must claim exactly that TCB.
    const diff = tcbDifferences(reported, vcekTcb);
    if (diff.length > 0 && !skipped) throw new AttestationError('tcb', `REPORTED_TCB differs from the ${this.signer.kind.toUpperCase()}: ${diff.join(', ')}`);
    return vcekTcb;
  }
}

function asParsed(report: unknown): SevSnpReport {
  if (typeof report !== 'object' || report === null || !((report as SevSnpReport).signedBytes instanceof Uint8Array)) {
    throw new TypeError('report expected Uint8Array or a parsed SevSnpReport');
  }
  return report as SevSnpReport;
}

function stripLayout(t: TcbParts, withFmc: boolean): TcbParts {
  const base = { bootloader: t.bootloader, tee: t.tee, snp: t.snp, microcode: t.microcode };
  return withFmc ? { ...base, fmc: t.fmc ?? 0 } : base;
}

/** r and s are 72-byte little-endian fields; P-1363 wants 48-byte big-endian each. */
function p1363Signature(r: SevSnpReport): Uint8Array | undefined {
  const out = new Uint8Array(96);
  for (const [field, at] of [[r.signatureR, 0], [r.signatureS, 48]] as const) {
    // Values ≥ 2^384 cannot be P-384 scalars: the upper 24 bytes must be zero.
    for (let i = 48; i < 72; i++) if (field[i] !== 0) return undefined;
    for (let i = 0; i < 48; i++) out[at + i] = field[47 - i]!;
  }
  return out;
}

function checkMinTcb(tcb: TcbParts, min: TcbParts | undefined): void {
  if (min === undefined) return;
  const short = tcbShortfall(tcb, min);
  if (short.length > 0) throw new AttestationError('tcb', `TCB below the policy minimum: ${short.join(', ')}`);
}

function checkGuestPolicy(r: SevSnpReport, policy: SevSnpPolicy): void {
  const guest = decodeGuestPolicy(r.policy);
  // SEV-SNP ABI §4.3 Guest Policy: bit 19 DEBUG, bit 18 MIGRATE_MA, bit 16 SMT.
  if (policy.allowDebug === false && guest.debug) throw new AttestationError('policy', 'guest POLICY allows debugging');
  if (policy.allowMigrationAgent === false && guest.migrateMa) throw new AttestationError('policy', 'guest POLICY allows a migration agent');
  if (policy.allowSmt === false && guest.smt) throw new AttestationError('policy', 'guest POLICY allows SMT');
  if (policy.vmpl !== undefined && r.vmpl !== policy.vmpl) throw new AttestationError('policy', `VMPL ${r.vmpl}, policy requires ${policy.vmpl}`);
}

function checkMeasurement(r: SevSnpReport, allowed: readonly Uint8Array[] | undefined): void {
  if (allowed === undefined) return;
  if (!allowed.some((m) => equalBytes(abytes('policy.measurements[]', m, 48), r.measurement))) {
    throw new AttestationError('measurement', `MEASUREMENT ${toHex(r.measurement)} is not in the allow-list`);
  }
}

function checkBinding(r: SevSnpReport, expected: Uint8Array | undefined): void {
  if (expected === undefined) return;
  if (!equalBytes(abytes('policy.reportData', expected, 64), r.reportData)) {
    throw new AttestationError('binding', 'REPORT_DATA does not equal the expected binding');
  }
}

/** Inputs of the one-shot {@link verifySevSnpReport}. Give exactly one of `vcek` and `vlek`. */
export interface VerifySevSnpInput extends SevSnpVerifyOptions {
  /** A prepared store, or the PEM/DER bundle of ARK + ASK (+ ASVK). */
  chain: TrustStore | string | Uint8Array;
  vcek?: Uint8Array | string | AmdCertificate;
  vlek?: Uint8Array | string | AmdCertificate;
  /** Roots to pin when `chain` is a bundle (default: AMD's ARKs). */
  trust?: TrustStoreOptions;
}

/**
 * One-shot verification (see the file comment for the order of checks). For many reports,
 * build a {@link TrustStore} once and pass it as `chain` (leaves are cached per store), or use
 * {@link SevSnpVerifier}. Throws `AttestationError`, or `CertificateError` for an unparsable
 * certificate.
 *
 * @example
 * ```ts
 * verifySevSnpReport(reportBytes, { chain: askArkPem, vcek: vcekDer, atMs: Date.UTC(2026, 0, 1) });
 * ```
 */
export function verifySevSnpReport(report: Uint8Array, input: VerifySevSnpInput): SevSnpVerified {
  const parsed = parseSevSnpReport(report);
  if ((input.vcek === undefined) === (input.vlek === undefined)) throw new TypeError('give exactly one of vcek and vlek');
  const store = input.chain instanceof TrustStore ? input.chain : TrustStore.fromPem(input.chain, input.trust);
  const kind: SignerKind = input.vcek !== undefined ? 'vcek' : 'vlek';
  return SevSnpVerifier.forSigner(store, (input.vcek ?? input.vlek)!, kind).verify(parsed, input);
}
