/**
 * Verifies an SEV-SNP ATTESTATION_REPORT against an AMD (or simulated) key hierarchy and a
 * policy. The checks run in a fixed order and the first failure is thrown as `AttestationError`
 * with its code (PROTOCOL.md step 4, invariant `attestation`; docs/attestation-policy.md):
 *
 * 1. `parse`: the 0x4A0 layout (sev-snp-report.ts).
 * 2. `chain`: VCEK ← ASK ← ARK (or VLEK ← ASVK ← ARK), ARK pinned; the report's SIGNING_KEY
 *    names the kind of key given.
 * 3. `not-yet-valid` / `expired`: every certificate of the path is valid at the injected time `atMs`.
 * 4. with `crls`: `crl-issuer`, `crl-signature`, `crl-not-yet-valid`, `crl-expired` (each CRL
 *    is the ARK's and current), then `revoked` (the ASK/ASVK or the VCEK/VLEK is listed).
 * 5. `non-canonical`: the reserved tail of SIGNATURE (0x330–0x49F) is not zero; `signature`:
 *    ECDSA P-384/SHA-384 over bytes 0x000–0x29F by the VCEK/VLEK.
 * 6. `mask-chip-key`: MASK_CHIP_KEY set with a non-zero CHIP_ID; `hwid`: a VCEK's HWID is not
 *    the report's CHIP_ID.
 * 7. `vcek-tcb`: REPORTED_TCB differs from the TCB the VCEK was issued for; `tcb`: that TCB is
 *    below the policy minimum.
 * 8. `policy-reserved`, `debug`, `migrate-ma`, `smt`, `vmpl`: guest POLICY and VMPL.
 * 9. `measurement`, `host-data`, `id-key-digest`, `author-key-digest`, `report-data`, `binding`.
 *
 * Malleability: ECDSA accepts both (r, s) and (r, n − s). Real AMD firmware does not normalise
 * S (most of the real reports in the vectors are high-S), so both are accepted, and
 * {@link SevSnpVerified.canonical} gives the one byte string every accepted variant maps to (S
 * made low, the tail zero by step 5): key any replay cache or spent-evidence record on it.
 *
 * `freshness` is reserved for callers (nonces live in REPORT_DATA, checked by `binding`).
 *
 * @example
 * ```ts
 * const store = TrustStore.fromPem(askArkPem);
 * const verifier = SevSnpVerifier.forSigner(store, vcekDer, 'vcek');
 * for (const r of reports) verifier.verify(r, { atMs, policy: BASELINE_POLICY });
 * ```
 */
import { verify as cryptoVerify } from 'node:crypto';
import { equalBytes, toHex } from '../bytes.js';
import { AttestationError } from '../errors.js';
import type { AmdCertificate } from './amd-cert.js';
import { TrustStore, type EndorsedKey, type SignerKind, type TrustStoreOptions } from './chain.js';
import { checkCrl, revocationOf, type RevocationList } from './crl.js';
import { FIELD, REPORT_BYTES, parseSevSnpReport, type SevSnpReport } from './sev-snp-report.js';
import { checkGuestPolicy, checkMinTcb, checkPins, checkPolicyReserved, type SevSnpPolicy } from './sev-snp-policy.js';
import { tcbDifferences, type TcbParts } from './tcb-version.js';
import { isoFromMs } from './der.js';

export { BASELINE_POLICY, type SevSnpPolicy } from './sev-snp-policy.js';

/** Names of the checks that can be switched off, one at a time, for ablation. */
export type SevSnpCheck = 'chain' | 'expiry' | 'revocation' | 'signature' | 'chipId' | 'tcb' | 'policy' | 'measurement' | 'binding';

export interface SevSnpVerifyOptions {
  /** The time of verification, ms since the epoch (injected: protocol/ never reads a clock). */
  atMs: number;
  policy?: SevSnpPolicy;
  /** ARK-signed CRLs to check (RFC 5280 §5); each must be the ARK's and current at `atMs`. */
  crls?: readonly RevocationList[];
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
  /**
   * The canonical bytes of the evidence: the report with S replaced by min(S, n − S). Every
   * byte string that verifies as this report maps to these bytes; key caches on them.
   */
  readonly canonical: Uint8Array;
}

/** P-384 group order n (SEC 2 §2.5.1) and n/2, for the low-S form. */
const P384_N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const P384_HALF_N = P384_N >> 1n;
/** SEV-SNP ABI Table 141: the ECDSA signature structure holds R (72), S (72), then reserved bytes to 0x49F. */
export const SIGNATURE_TAIL = FIELD.SIGNATURE_S[0] + FIELD.SIGNATURE_S[1];

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
    if (!skip.revocation && options.crls !== undefined) this.checkRevocation(options.crls, options.atMs);
    if (!skip.signature) this.checkSignature(r);
    if (!skip.chipId) this.checkChipId(r);
    const tcb = this.trustedTcb(r, options.tcbSource ?? 'vcek', Boolean(skip.tcb));
    if (!skip.tcb) checkMinTcb(tcb, policy.minTcb);
    if (!skip.policy) {
      checkPolicyReserved(r);
      checkGuestPolicy(r, policy);
    }
    if (!skip.measurement) checkPins(r, { measurements: policy.measurements, hostData: policy.hostData, idKeyDigest: policy.idKeyDigest, authorKeyDigest: policy.authorKeyDigest, pinnedReportData: policy.pinnedReportData });
    if (!skip.binding) checkPins(r, { reportData: policy.reportData });
    return { report: r, signer: this.signer, tcb, canonical: canonicalReport(r) };
  }

  private checkChain(r: SevSnpReport): void {
    this.signer.assertChain();
    // SEV-SNP ABI Table 22, 0x48 bits 4:2: the report names the key that signed it.
    if (r.signingKey !== this.signer.kind) {
      throw new AttestationError('chain', `report SIGNING_KEY is ${r.signingKey}, but a ${this.signer.kind.toUpperCase()} was given`);
    }
  }

  /**
   * AMD KDS publishes one CRL per product, signed by the ARK; it lists revoked ASKs/ASVKs, and
   * (in the simulation) revoked VCEKs/VLEKs. Every CRL given must be the ARK's and current.
   */
  private checkRevocation(crls: readonly RevocationList[], atMs: number): void {
    const ark = this.signer.store.ark;
    if (ark === undefined) throw new AttestationError('chain', 'no ARK to check a CRL against');
    for (const crl of crls) {
      checkCrl(crl, ark, this.signer.store.keyOf(ark), atMs);
      for (const cert of this.signer.path) {
        if (cert === ark) continue;
        const at = revocationOf(crl, cert.serialNumber);
        if (at !== undefined) throw new AttestationError('revoked', `${cert.subjectCn ?? 'certificate'} serial 0x${cert.serialNumber.toString(16)} was revoked at ${isoFromMs(at)}`);
      }
    }
  }

  private checkSignature(r: SevSnpReport): void {
    // SEV-SNP ABI Table 141: bytes after R and S are reserved; unsigned, so they must be zero,
    // or two byte strings would pass as one piece of evidence.
    for (let i = SIGNATURE_TAIL; i < REPORT_BYTES; i++) {
      if (r.bytes[i] !== 0) throw new AttestationError('non-canonical', `reserved SIGNATURE byte 0x${i.toString(16)} is not zero`);
    }
    const key = this.signer.publicKey;
    const sig = p1363Signature(r);
    // SEV-SNP ABI Table 22 / Chapter 10: ECDSA P-384 with SHA-384 over bytes 0x000–0x29F.
    const ok = key !== undefined && sig !== undefined && cryptoVerify('sha384', r.signedBytes, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (!ok) throw new AttestationError('signature', `report signature does not verify with the ${this.signer.kind.toUpperCase()}`);
  }

  /** A VCEK is issued per chip: its HWID must be the report's CHIP_ID (an 8-byte prefix on Turin). */
  private checkChipId(r: SevSnpReport): void {
    // SEV-SNP ABI Table 22, 0x48 bit 1 MASK_CHIP_KEY: "CHIP_ID is zero" when set.
    if (r.maskChipKey && r.chipId.some((b) => b !== 0)) throw new AttestationError('mask-chip-key', 'MASK_CHIP_KEY is set but CHIP_ID is not zero');
    const hwid = this.signer.leaf.amd.hwid;
    if (this.signer.kind !== 'vcek' || r.maskChipKey || hwid === undefined) return;
    const prefixOk = hwid.length <= r.chipId.length && equalBytes(hwid, r.chipId.subarray(0, hwid.length));
    if (!prefixOk || r.chipId.subarray(hwid.length).some((b) => b !== 0)) {
      throw new AttestationError('hwid', `VCEK hwid ${toHex(hwid)} does not match CHIP_ID ${toHex(r.chipId)}`);
    }
  }

  private trustedTcb(r: SevSnpReport, source: 'vcek' | 'report', skipped: boolean): TcbParts {
    const reported = stripLayout(r.reportedTcb, r.tcbLayout === 'turin');
    if (source === 'report') return reported;
    const vcekTcb = this.signer.leaf.amd.tcb;
    if (vcekTcb === undefined) {
      if (skipped) return reported;
      throw new AttestationError('vcek-tcb', `${this.signer.kind.toUpperCase()} carries no TCB extensions`);
    }
    // KDS spec: the VCEK is derived for one TCB; a report under it must claim exactly that TCB.
    const diff = tcbDifferences(reported, vcekTcb);
    if (diff.length > 0 && !skipped) throw new AttestationError('vcek-tcb', `REPORTED_TCB differs from the ${this.signer.kind.toUpperCase()}: ${diff.join(', ')}`);
    return vcekTcb;
  }
}

/**
 * The canonical form of a report's bytes: S replaced by n − S when S > n/2 (the low-S form of
 * the same ECDSA signature), everything else unchanged. Accepted reports have a zero tail.
 */
export function canonicalReport(r: SevSnpReport): Uint8Array {
  const out = r.bytes.slice();
  const [at] = FIELD.SIGNATURE_S;
  let s = 0n;
  for (let i = 71; i >= 0; i--) s = (s << 8n) | BigInt(out[at + i]!);
  if (s > P384_HALF_N && s < P384_N) {
    let low = P384_N - s;
    for (let i = 0; i < 72; i++) {
      out[at + i] = Number(low & 0xffn);
      low >>= 8n;
    }
  }
  return out;
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
