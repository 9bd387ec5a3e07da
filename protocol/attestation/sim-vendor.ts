/**
 * A simulated hardware vendor: its own ARK → ASK/ASVK → VCEK/VLEK hierarchy, drawn from an
 * injected `Rng`, issuing real X.509 certificates with the AMD extensions (KDS spec #57230
 * Table 8) and reports in the exact SEV-SNP ATTESTATION_REPORT layout signed by the chip's VCEK.
 * The one verifier (verifier.ts) checks both this and real AMD evidence; only the pinned roots
 * differ (`vendor.rootPin` instead of `AMD_ARK_SPKI_SHA256`).
 *
 * Deliberate difference from AMD: every key of the hierarchy is ECDSA P-384 (AMD's ARK/ASK/ASVK
 * are RSA-4096 with RSASSA-PSS). Generating RSA keys per seed would cost seconds and would need
 * an RSA key generator driven by our `Rng`; P-384 keys come straight from seeded bytes. The
 * verifier accepts both certificate signature algorithms.
 *
 * Everything is deterministic: keys from the `Rng`, signatures by noble (RFC 6979), validity
 * from options (never the clock). Vendors and chips are cached by the bytes drawn for them, so
 * rebuilding the same world per run costs one lookup.
 *
 * @example
 * ```ts
 * const vendor = SimulatedVendor.create(ChaChaRng.fromSeed(1).fork('vendor'), { product: 'Milan' });
 * const chip = vendor.provisionChip(rng.fork('chip-0'), { bootloader: 3, tee: 0, snp: 8, microcode: 115 });
 * const report = chip.signReport({ reportData, measurement });
 * SevSnpVerifier.forSigner(vendor.trustStore(), chip.vcekDer, 'vcek').verify(report, { atMs });
 * ```
 */
import { createHash } from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { abytes, toHex } from '../bytes.js';
import type { Rng } from '../rng.js';
import { AMD_OID } from './amd-cert.js';
import { TrustStore, type SignerKind } from './chain.js';
import { derIa5String, derInteger } from './der.js';
import { encodeSevSnpReport, FIELD, REPORT_BYTES, SIGNED_BYTES, type SevSnpReportFields } from './sev-snp-report.js';
import type { TcbParts } from './tcb-version.js';
import { issueCertificate, issueCrl, p384KeyFromRng, p384Spki, x509Extension, x509Name, type P384KeyPair } from './x509-issue.js';
import { remember } from './remember.js';

export type SimProduct = 'Milan' | 'Genoa' | 'Turin';

/** CPUID family/model/stepping written into v3+ reports (Turin = family 1Ah selects the FMC TCB layout). */
const CPUID: Record<SimProduct, { famId: number; modId: number; step: number }> = {
  Milan: { famId: 0x19, modId: 0x01, step: 0x01 },
  Genoa: { famId: 0x19, modId: 0x11, step: 0x01 },
  Turin: { famId: 0x1a, modId: 0x02, step: 0x01 },
};

/** Fixed default validity: 2020-01-01 .. 2049-12-31 (constants, not the clock). */
export const SIM_VALID_FROM_MS = Date.UTC(2020, 0, 1);
export const SIM_VALID_TO_MS = Date.UTC(2049, 11, 31, 23, 59, 59);
export interface SimVendorOptions {
  /** Default 'Milan'. Names the chain (ARK-Milan, SEV-Milan, SEV-VLEK-Milan) and the report CPUID. */
  product?: SimProduct;
  validFromMs?: number;
  validToMs?: number;
}

export interface SimChipOptions {
  /** Certificate validity of the VCEK/VLEK; defaults to the vendor's. */
  validFromMs?: number;
  validToMs?: number;
}

/** Writes an unsigned report (SIGNATURE zero) in the ATTESTATION_REPORT layout. */
export function buildReport(fields: SevSnpReportFields = {}): Uint8Array {
  return encodeSevSnpReport(fields);
}

/**
 * Returns a copy of `report` signed by `privateKey` (48-byte P-384 scalar): ECDSA-SHA384 over
 * bytes 0x000–0x29F, r and s written little-endian into their 72-byte fields.
 */
export function signReportBody(report: Uint8Array, privateKey: Uint8Array): Uint8Array {
  abytes('report', report, REPORT_BYTES);
  abytes('privateKey', privateKey, 48);
  const out = report.slice();
  out.fill(0, SIGNED_BYTES);
  // SEV-SNP ABI Table 22 / Chapter 10: ECDSA P-384 with SHA-384 over bytes 0x000–0x29F (noble prehash = SHA-384, RFC 6979 k).
  const sig = p384.sign(out.subarray(0, SIGNED_BYTES), privateKey, { format: 'compact' });
  // SEV-SNP ABI Table 141: R at 0x2A0, S at 0x2E8, each 72 bytes little-endian.
  for (let i = 0; i < 48; i++) {
    out[FIELD.SIGNATURE_R[0] + i] = sig[47 - i]!;
    out[FIELD.SIGNATURE_S[0] + i] = sig[95 - i]!;
  }
  return out;
}

/** The AMD extensions of a VCEK/VLEK (KDS spec #57230 Table 8), one Extension DER each. */
export function amdLeafExtensions(product: SimProduct, tcb: TcbParts, opts: { hwid?: Uint8Array; cspId?: string }): Uint8Array[] {
  const int = (oid: string, v: number): Uint8Array => x509Extension(oid, derInteger(v));
  const ext = [
    int(AMD_OID.structVersion, product === 'Turin' ? 1 : 0),
    x509Extension(AMD_OID.productName, derIa5String(product === 'Milan' ? 'Milan-B0' : product)),
    ...(product === 'Turin' ? [int(AMD_OID.fmcSPL, tcb.fmc ?? 0)] : []),
    int(AMD_OID.blSPL, tcb.bootloader),
    int(AMD_OID.teeSPL, tcb.tee),
    int(AMD_OID.snpSPL, tcb.snp),
    int(AMD_OID.ucodeSPL, tcb.microcode),
  ];
  // KDS spec: the hwid extnValue holds the raw chip ID (no inner OCTET STRING).
  if (opts.hwid) ext.push(x509Extension(AMD_OID.hwid, opts.hwid));
  if (opts.cspId !== undefined) ext.push(x509Extension(AMD_OID.cspId, derIa5String(opts.cspId)));
  return ext;
}

/** A chip (VCEK) or a cloud provider's VLEK holder that signs reports. */
export interface SimSigner {
  readonly kind: SignerKind;
  readonly product: SimProduct;
  readonly tcb: TcbParts;
  /** 64 bytes (Turin: 8 meaningful bytes then zeros); all zero for a VLEK. */
  readonly chipId: Uint8Array;
  /** DER of the VCEK or VLEK certificate. */
  readonly certDer: Uint8Array;
  /** The certificate's serial number (what a CRL lists to revoke it). */
  readonly serial: bigint;
  /** Simulation only: the signing key, for adversaries that extract keys from a chip. */
  readonly privateKey: Uint8Array;
  /** A signed report: the chip's own TCB, CHIP_ID, SIGNING_KEY and CPUID unless `fields` override them. */
  signReport(fields?: SevSnpReportFields): Uint8Array;
}

class Signer implements SimSigner {
  constructor(
    readonly kind: SignerKind,
    readonly product: SimProduct,
    readonly tcb: TcbParts,
    readonly chipId: Uint8Array,
    readonly certDer: Uint8Array,
    readonly serial: bigint,
    readonly privateKey: Uint8Array,
  ) {}

  signReport(fields: SevSnpReportFields = {}): Uint8Array {
    const version = fields.version ?? 3;
    const defaults: SevSnpReportFields = {
      version,
      currentTcb: this.tcb,
      signingKey: this.kind,
      // SEV-SNP ABI Table 22: a VLEK-signed report does not reveal CHIP_ID.
      chipId: this.chipId,
      ...(version >= 3 ? { cpuid: CPUID[this.product] } : {}),
    };
    return signReportBody(buildReport({ ...defaults, ...fields }), this.privateKey);
  }
}

const vendorCache = new Map<string, SimulatedVendor>();

/** A vendor root of trust: ARK, ASK and ASVK with their keys. */
export class SimulatedVendor {
  readonly arkDer: Uint8Array;
  readonly askDer: Uint8Array;
  readonly asvkDer: Uint8Array;
  /** SHA-256 of the ARK's SubjectPublicKeyInfo, hex: the value a client pins. */
  readonly rootPin: string;
  private store: TrustStore | undefined;
  private readonly chips = new Map<string, SimSigner>();

  private constructor(
    readonly product: SimProduct,
    /** Simulation only: the vendor's keys, for vendor-compromise scenarios. */
    readonly keys: { readonly ark: P384KeyPair; readonly ask: P384KeyPair; readonly asvk: P384KeyPair },
    readonly validFromMs: number,
    readonly validToMs: number,
    private readonly serials: readonly bigint[],
  ) {
    const cert = (cn: string, issuerCn: string, key: P384KeyPair, issuerKey: P384KeyPair, serial: bigint): Uint8Array =>
      issueCertificate({
        issuer: x509Name(issuerCn),
        subject: x509Name(cn),
        serial,
        notBeforeMs: validFromMs,
        notAfterMs: validToMs,
        subjectPublicKey: key.publicKey,
        issuerPrivateKey: issuerKey.privateKey,
        ca: true,
      });
    const ark = `ARK-${product}`;
    this.arkDer = cert(ark, ark, keys.ark, keys.ark, serials[0]!);
    this.askDer = cert(`SEV-${product}`, ark, keys.ask, keys.ark, serials[1]!);
    this.asvkDer = cert(`SEV-VLEK-${product}`, ark, keys.asvk, keys.ark, serials[2]!);
    this.rootPin = createHash('sha256').update(p384Spki(keys.ark.publicKey)).digest('hex');
  }

  /** A vendor whose keys come from `rng` (draws 3 × 88 bytes). Cached by those bytes and the options. */
  static create(rng: Rng, options: SimVendorOptions = {}): SimulatedVendor {
    const product = options.product ?? 'Milan';
    if (!(product in CPUID)) throw new RangeError(`product expected Milan, Genoa or Turin, got ${String(product)}`);
    const from = options.validFromMs ?? SIM_VALID_FROM_MS;
    const to = options.validToMs ?? SIM_VALID_TO_MS;
    const draws = [0, 1, 2].map(() => rng.bytes(88)); // 72 for the key, 16 for the serial
    return remember(vendorCache, `${product}|${from}|${to}|${draws.map(toHex).join('')}`, () => {
      const keys = draws.map((d) => p384KeyFromRng(fixedRng(d.subarray(0, 72))));
      return new SimulatedVendor(product, { ark: keys[0]!, ask: keys[1]!, asvk: keys[2]! }, from, to, draws.map((d) => serialFrom(d.subarray(72))));
    });
  }

  /** ARK + ASK + ASVK as PEM (ASK first, like AMD KDS cert_chain). */
  chainPem(): string {
    return [this.askDer, this.arkDer, this.asvkDer].map((der) => toPem(der)).join('');
  }

  /** The pre-checked store pinning this vendor's root (built once). */
  trustStore(): TrustStore {
    this.store ??= TrustStore.fromPem([this.askDer, this.arkDer, this.asvkDer], { pinnedRootSpkiSha256: [this.rootPin] });
    return this.store;
  }

  /** Serial numbers of the ARK, ASK and ASVK. */
  get caSerials(): { ark: bigint; ask: bigint; asvk: bigint } {
    return { ark: this.serials[0]!, ask: this.serials[1]!, asvk: this.serials[2]! };
  }

  /**
   * The vendor's CRL (RFC 5280 §5), signed by the ARK like AMD KDS's `/vcek/v1/<product>/crl`:
   * lists the given serials (VCEKs, VLEKs, or an ASK/ASVK) as revoked at `revokedAtMs`.
   * Valid `thisUpdateMs`..`nextUpdateMs` (default: the vendor's validity). Deterministic.
   */
  issueCrl(serials: readonly bigint[], options: { thisUpdateMs?: number; nextUpdateMs?: number; revokedAtMs?: number; crlNumber?: bigint } = {}): Uint8Array {
    const thisUpdateMs = options.thisUpdateMs ?? this.validFromMs;
    return issueCrl({
      issuer: x509Name(`ARK-${this.product}`),
      issuerPrivateKey: this.keys.ark.privateKey,
      thisUpdateMs,
      nextUpdateMs: options.nextUpdateMs ?? this.validToMs,
      revoked: serials.map((serial) => ({ serial, atMs: options.revokedAtMs ?? thisUpdateMs })),
      ...(options.crlNumber !== undefined ? { crlNumber: options.crlNumber } : {}),
    });
  }

  /** A chip with its own CHIP_ID and VCEK (issued by the ASK for `tcb`). Draws 72 + 64 + 16 bytes. */
  provisionChip(rng: Rng, tcb: TcbParts, options: SimChipOptions = {}): SimSigner {
    const key = rng.bytes(72);
    const id = rng.bytes(64);
    const serial = rng.bytes(16);
    // Turin VCEKs carry an 8-byte hwid (the first 8 bytes of CHIP_ID, the rest zero).
    const chipId = new Uint8Array(64);
    chipId.set(this.product === 'Turin' ? id.subarray(0, 8) : id);
    const hwid = this.product === 'Turin' ? chipId.slice(0, 8) : chipId;
    return this.leaf('vcek', key, serial, tcb, chipId, { hwid }, options);
  }

  /** A VLEK for a cloud provider (issued by the ASVK); its reports carry an all-zero CHIP_ID. */
  provisionVlek(rng: Rng, tcb: TcbParts, cspId = 'CN=sim-csp.example', options: SimChipOptions = {}): SimSigner {
    const key = rng.bytes(72);
    const serial = rng.bytes(16);
    return this.leaf('vlek', key, serial, tcb, new Uint8Array(64), { cspId }, options);
  }

  private leaf(kind: SignerKind, keySeed: Uint8Array, serial: Uint8Array, tcb: TcbParts, chipId: Uint8Array, ext: { hwid?: Uint8Array; cspId?: string }, options: SimChipOptions): SimSigner {
    const from = options.validFromMs ?? this.validFromMs;
    const to = options.validToMs ?? this.validToMs;
    const id = `${kind}|${toHex(keySeed)}|${toHex(serial)}|${JSON.stringify(tcb)}|${from}|${to}|${ext.cspId ?? ''}|${toHex(chipId)}`;
    return remember(this.chips, id, () => {
      const key = p384KeyFromRng(fixedRng(keySeed));
      const issuer = kind === 'vlek' ? { cn: `SEV-VLEK-${this.product}`, key: this.keys.asvk } : { cn: `SEV-${this.product}`, key: this.keys.ask };
      const certDer = issueCertificate({
        issuer: x509Name(issuer.cn),
        subject: x509Name(kind === 'vlek' ? 'SEV-VLEK' : 'SEV-VCEK'),
        serial: serialFrom(serial),
        notBeforeMs: from,
        notAfterMs: to,
        subjectPublicKey: key.publicKey,
        issuerPrivateKey: issuer.key.privateKey,
        extensions: amdLeafExtensions(this.product, tcb, ext),
      });
      return new Signer(kind, this.product, tcb, chipId, certDer, serialFrom(serial), key.privateKey);
    });
  }
}

/** An Rng that replays already drawn bytes (so caching by those bytes stays exact). */
function fixedRng(bytes: Uint8Array): Rng {
  let offset = 0;
  const rng: Rng = {
    bytes(n: number): Uint8Array {
      if (offset + n > bytes.length) throw new RangeError('fixedRng exhausted');
      offset += n;
      return bytes.slice(offset - n, offset);
    },
    fork(): Rng {
      throw new Error('fixedRng cannot fork');
    },
  };
  return rng;
}

/** RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 16 random bytes, top bit cleared, never 0. */
function serialFrom(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n & ((1n << 127n) - 1n)) | 1n;
}

/** RFC 7468 §2 PEM of a DER certificate (or, with `label`, of a CRL: "X509 CRL"). */
export function toPem(der: Uint8Array, label: 'CERTIFICATE' | 'X509 CRL' = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}
