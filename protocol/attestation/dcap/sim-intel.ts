/**
 * A simulated Intel: its own SGX Root CA → PCK Platform CA → PCK certificates and the TCB
 * Signing certificate, all ECDSA P-256 with ecdsa-with-SHA256 like Intel's, drawn from an
 * injected `Rng`; TCB Info v3 and QE Identity v2 signed by the TCB Signing key; CRLs; and TDX
 * (v4, v5) and SGX (v3) quotes in Intel's exact layout, signed by a platform's attestation key
 * whose QE report the PCK key signs. The one verifier (verify.ts) checks these and Intel's real
 * quotes; only the pinned root differs (`intel.rootPin` instead of Intel's).
 *
 * Everything is deterministic: keys from the `Rng`, signatures by noble (RFC 6979), times from
 * options (never the clock).
 *
 * @example
 * ```ts
 * const intel = SimulatedIntel.create(rng.fork('intel'));
 * const platform = intel.provisionPlatform(rng.fork('platform-0'));
 * const quote = platform.tdxQuote({ reportData });
 * verifyDcapQuote(quote, intel.collateral('tdx', platform), { atMs, pinnedRootSpkiSha256: [intel.rootPin] });
 * ```
 */
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { abytes, toHex } from '../../bytes.js';
import type { Rng } from '../../rng.js';
import { isoFromMs } from '../der.js';
import {
  TAG,
  derBitString,
  derBoolean,
  derContext,
  derEncode,
  derInteger,
  derOctetString,
  derOid,
  derSequence,
  derTime,
} from '../der.js';
import { keyIdentifier, x509Extension, x509Name, OID_AUTHORITY_KEY_ID, OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, OID_SUBJECT_KEY_ID } from '../x509-issue.js';
import type { DcapCollateral, TcbStatus } from './collateral.js';
import { OID_ECDSA_WITH_SHA256, SGX_OID } from './pck.js';
import { ENCLAVE_REPORT_BYTES, TD10_BODY_BYTES, TD15_BODY_BYTES, encodeDcapQuote, encodeSignedPart } from './quote.js';

/** RFC 5480 §2.1.1 id-ecPublicKey, §2.1.1.1 secp256r1. */
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_PRIME256V1 = '1.2.840.10045.3.1.7';
/** RFC 5280 §5.2.3 cRLNumber. */
const OID_CRL_NUMBER = '2.5.29.20';
/** RFC 5280 §4.2.1.3: keyCertSign + cRLSign (03 02 01 06); digitalSignature only (03 02 07 80). */
const KEY_USAGE_CA = derEncode(TAG.BIT_STRING, Uint8Array.of(0x01, 0x06));
const KEY_USAGE_SIGN = derEncode(TAG.BIT_STRING, Uint8Array.of(0x07, 0x80));

/** Fixed default validity: 2020-01-01 .. 2049-12-31 (constants, not the clock). */
export const SIM_INTEL_VALID_FROM_MS = Date.UTC(2020, 0, 1);
export const SIM_INTEL_VALID_TO_MS = Date.UTC(2049, 11, 31, 23, 59, 59);
/** The simulated QEs' identity (MRSIGNER = SHA-256 of a label; Intel's QE ATTRIBUTES 0x11: INIT, MODE64BIT). */
export const SIM_QE = {
  mrSigner: new Uint8Array(createHash('sha256').update('pph simulated Intel QE').digest()),
  attributes: Uint8Array.of(0x11, ...new Uint8Array(15)),
  isvProdId: { sgx: 1, tdx: 2 },
  isvSvn: 8,
} as const;

interface KeyPair {
  readonly privateKey: Uint8Array;
  /** 65-byte uncompressed SEC 1 point. */
  readonly publicKey: Uint8Array;
}

function keyFromRng(rng: Rng): KeyPair {
  const privateKey = p256.utils.randomSecretKey(rng.bytes(p256.lengths.seed!));
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

const spki = (publicKey: Uint8Array): Uint8Array => derSequence(derSequence(derOid(OID_EC_PUBLIC_KEY), derOid(OID_PRIME256V1)), derBitString(publicKey));
// RFC 5758 §3.2: for ecdsa-with-SHA256 the parameters field MUST be absent.
const ALGORITHM = derSequence(derOid(OID_ECDSA_WITH_SHA256));
const name = (cn: string): Uint8Array => x509Name(cn, 'Simulated Intel');

function issue(o: { issuer: Uint8Array; issuerKey: KeyPair; subject: Uint8Array; subjectKey: Uint8Array; serial: bigint; from: number; to: number; ca: boolean; extensions?: Uint8Array[] }): Uint8Array {
  const selfSigned = toHex(o.issuerKey.publicKey) === toHex(o.subjectKey);
  const extensions = [
    ...(o.ca ? [x509Extension(OID_BASIC_CONSTRAINTS, derSequence(derBoolean(true)), true)] : []),
    x509Extension(OID_KEY_USAGE, o.ca ? KEY_USAGE_CA : KEY_USAGE_SIGN, true),
    x509Extension(OID_SUBJECT_KEY_ID, derOctetString(keyIdentifier(o.subjectKey))),
    ...(selfSigned ? [] : [x509Extension(OID_AUTHORITY_KEY_ID, derSequence(derContext(0, keyIdentifier(o.issuerKey.publicKey), false)))]),
    ...(o.extensions ?? []),
  ];
  const tbs = derSequence(
    derContext(0, derInteger(2)), // RFC 5280 §4.1.2.1: v3
    derInteger(o.serial),
    ALGORITHM,
    o.issuer,
    derSequence(derTime(o.from), derTime(o.to)),
    o.subject,
    spki(o.subjectKey),
    derContext(3, derSequence(...extensions)),
  );
  // noble prehashes with SHA-256 and derives k per RFC 6979: same inputs, same bytes.
  return derSequence(tbs, ALGORITHM, derBitString(p256.sign(tbs, o.issuerKey.privateKey, { format: 'der' })));
}

function crl(issuer: Uint8Array, key: KeyPair, from: number, to: number, revoked: readonly bigint[]): Uint8Array {
  const entries = revoked.map((serial) => derSequence(derInteger(serial), derTime(from)));
  const tbs = derSequence(
    derInteger(1), // RFC 5280 §5.1.2.1: v2
    ALGORITHM,
    issuer,
    derTime(from),
    derTime(to),
    ...(entries.length ? [derSequence(...entries)] : []),
    derContext(0, derSequence(x509Extension(OID_AUTHORITY_KEY_ID, derSequence(derContext(0, keyIdentifier(key.publicKey), false))), x509Extension(OID_CRL_NUMBER, derInteger(1n)))),
  );
  return derSequence(tbs, ALGORITHM, derBitString(p256.sign(tbs, key.privateKey, { format: 'der' })));
}

/** RFC 7468 §2 strict PEM: 64-character lines, LF. */
export function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A raw r‖s ECDSA P-256/SHA-256 signature (IEEE P1363), as DCAP quotes and collateral carry it. */
const signRaw = (key: KeyPair, data: Uint8Array): Uint8Array => p256.sign(data, key.privateKey, { format: 'compact' });

export interface SimPlatformOptions {
  /** The 16 SGX TCB component SVNs of the PCK certificate. Default 3,3,2,2,4,1,0,5,0…. */
  cpuSvnComponents?: readonly number[];
  /** Default 13. */
  pceSvn?: number;
  /** 6 bytes hex. Default 'f0c06f000000' (not an FMSPC Intel uses). */
  fmspc?: string;
  /** The QE's ISVSVN. Default {@link SIM_QE}.isvSvn. */
  qeIsvSvn?: number;
}

export interface SimTdxQuoteOptions {
  reportData: Uint8Array;
  version?: 4 | 5;
  /** Default 03 01 02 00…: module TDX_01 at ISVSVN 3. */
  teeTcbSvn?: Uint8Array;
  mrSeam?: Uint8Array;
  tdAttributes?: Uint8Array;
  xfam?: Uint8Array;
  mrTd?: Uint8Array;
  mrConfigId?: Uint8Array;
  mrOwner?: Uint8Array;
  mrOwnerConfig?: Uint8Array;
  rtmr?: readonly Uint8Array[];
}

export interface SimSgxQuoteOptions {
  reportData: Uint8Array;
  mrEnclave?: Uint8Array;
  mrSigner?: Uint8Array;
  /** 16 bytes; default 05 00… e7 00…: INIT | MODE64BIT, XFRM e7 (no DEBUG). */
  attributes?: Uint8Array;
  isvProdId?: number;
  isvSvn?: number;
}

/** One platform: its PCK certificate (with the SGX extensions) and its QE's attestation key. */
export class SimIntelPlatform {
  readonly pckDer: Uint8Array;
  readonly pckSerial: bigint;
  readonly cpuSvnComponents: readonly number[];
  readonly pceSvn: number;
  readonly fmspc: string;
  readonly qeIsvSvn: number;
  readonly chainPem: string;

  /** @internal built by {@link SimulatedIntel.provisionPlatform}. */
  constructor(
    private readonly pck: KeyPair,
    private readonly attestation: KeyPair,
    o: { pckDer: Uint8Array; pckSerial: bigint; cpuSvnComponents: readonly number[]; pceSvn: number; fmspc: string; qeIsvSvn: number; chainPem: string },
  ) {
    this.pckDer = o.pckDer;
    this.pckSerial = o.pckSerial;
    this.cpuSvnComponents = o.cpuSvnComponents;
    this.pceSvn = o.pceSvn;
    this.fmspc = o.fmspc;
    this.qeIsvSvn = o.qeIsvSvn;
    this.chainPem = o.chainPem;
  }

  /** The QE report (SGX REPORT body) binding the attestation key, and its PCK signature. */
  private qeCertification(tee: 'sgx' | 'tdx'): { qeReport: Uint8Array; qeReportSignature: Uint8Array; qeAuthData: Uint8Array; attestationKey: Uint8Array } {
    const attestationKey = this.attestation.publicKey.subarray(1);
    const qeAuthData = Uint8Array.from({ length: 32 }, (_, i) => i);
    const r = new Uint8Array(ENCLAVE_REPORT_BYTES);
    const dv = new DataView(r.buffer);
    r.set(Uint8Array.from(this.cpuSvnComponents), 0); // CPUSVN
    r.set(SIM_QE.attributes, 48);
    r.set(createHash('sha256').update(`pph simulated ${tee} QE`).digest(), 64); // MRENCLAVE
    r.set(SIM_QE.mrSigner, 128);
    dv.setUint16(256, SIM_QE.isvProdId[tee], true);
    dv.setUint16(258, this.qeIsvSvn, true);
    // Quote format: QE REPORTDATA = SHA256(attestation key ‖ QE auth data) ‖ 32 × 0x00.
    r.set(createHash('sha256').update(attestationKey).update(qeAuthData).digest(), 320);
    return { qeReport: r, qeReportSignature: signRaw(this.pck, r), qeAuthData, attestationKey };
  }

  /** A TDX quote (v4 by default, v5 with a TDX 1.5 body). */
  tdxQuote(o: SimTdxQuoteOptions): Uint8Array {
    const version = o.version ?? 4;
    const body = new Uint8Array(version === 5 ? TD15_BODY_BYTES : TD10_BODY_BYTES);
    const put = (at: number, v: Uint8Array | undefined, n: number, what: string): void => {
      if (v !== undefined) body.set(abytes(what, v, n), at);
    };
    put(0, o.teeTcbSvn ?? Uint8Array.of(3, 1, 2, ...new Uint8Array(13)), 16, 'teeTcbSvn');
    put(16, o.mrSeam ?? new Uint8Array(createHash('sha384').update('pph simulated TDX module').digest()), 48, 'mrSeam');
    // MRSIGNERSEAM and SEAMATTRIBUTES stay zero: Intel's TDX module (tdxModule.mrsigner = 0).
    put(120, o.tdAttributes ?? Uint8Array.of(0, 0, 0, 0x10, 0, 0, 0, 0), 8, 'tdAttributes'); // SEPT_VE_DISABLE
    put(128, o.xfam ?? Uint8Array.of(0xe7, 0x02, 0x06, 0, 0, 0, 0, 0), 8, 'xfam');
    put(136, o.mrTd, 48, 'mrTd');
    put(184, o.mrConfigId, 48, 'mrConfigId');
    put(232, o.mrOwner, 48, 'mrOwner');
    put(280, o.mrOwnerConfig, 48, 'mrOwnerConfig');
    (o.rtmr ?? []).forEach((r, i) => put(328 + 48 * i, r, 48, `rtmr${i}`));
    put(520, o.reportData, 64, 'reportData');
    return this.quote(version, body, 'tdx');
  }

  /** An SGX quote (v3) for an enclave. */
  sgxQuote(o: SimSgxQuoteOptions): Uint8Array {
    const body = new Uint8Array(ENCLAVE_REPORT_BYTES);
    const dv = new DataView(body.buffer);
    body.set(Uint8Array.from(this.cpuSvnComponents), 0);
    body.set(abytes('attributes', o.attributes ?? Uint8Array.of(0x05, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0), 16), 48);
    if (o.mrEnclave) body.set(abytes('mrEnclave', o.mrEnclave, 32), 64);
    if (o.mrSigner) body.set(abytes('mrSigner', o.mrSigner, 32), 128);
    dv.setUint16(256, o.isvProdId ?? 0, true);
    dv.setUint16(258, o.isvSvn ?? 0, true);
    body.set(abytes('reportData', o.reportData, 64), 320);
    return this.quote(3, body, 'sgx');
  }

  private quote(version: 3 | 4 | 5, body: Uint8Array, tee: 'sgx' | 'tdx'): Uint8Array {
    const header = { version, qeSvn: this.qeIsvSvn, pceSvn: this.pceSvn, body, ...(version === 5 ? { bodyType: 3 as const } : {}) };
    const signed = encodeSignedPart(header);
    const qe = this.qeCertification(tee);
    return encodeDcapQuote({ ...header, ...qe, signature: signRaw(this.attestation, signed), pckChainPem: this.chainPem });
  }
}

export interface SimCollateralOptions {
  /** TCB Info / QE Identity issueDate and CRL thisUpdate; default the vendor's validFrom. */
  issueMs?: number;
  /** nextUpdate of all four; default the vendor's validTo. */
  nextUpdateMs?: number;
  /** PCK serials on the PCK CRL. */
  revokedPcks?: readonly bigint[];
  /** Revoke the PCK Platform CA / the TCB Signing cert on the root CRL. */
  revokePlatformCa?: boolean;
  revokeTcbSigning?: boolean;
  /** The status of the platform's own level (the level below is always OutOfDate). Default UpToDate. */
  status?: TcbStatus;
  advisories?: readonly string[];
}

/** The simulated Intel: root, PCK Platform CA, TCB Signing cert; issues platforms and collateral. */
export class SimulatedIntel {
  readonly rootDer: Uint8Array;
  readonly platformCaDer: Uint8Array;
  readonly tcbSigningDer: Uint8Array;
  /** SHA-256 of the root's SPKI (hex): pass as `pinnedRootSpkiSha256` / `--pin-root`. */
  readonly rootPin: string;
  readonly validFromMs: number;
  readonly validToMs: number;
  private serial = 0x100n;

  private constructor(
    private readonly root: KeyPair,
    private readonly platformCa: KeyPair,
    private readonly tcbSigning: KeyPair,
    validFromMs: number,
    validToMs: number,
  ) {
    this.validFromMs = validFromMs;
    this.validToMs = validToMs;
    const rootName = name('Sim SGX Root CA');
    this.rootDer = issue({ issuer: rootName, issuerKey: root, subject: rootName, subjectKey: root.publicKey, serial: 1n, from: validFromMs, to: validToMs, ca: true });
    this.platformCaDer = issue({ issuer: rootName, issuerKey: root, subject: name('Sim SGX PCK Platform CA'), subjectKey: platformCa.publicKey, serial: 2n, from: validFromMs, to: validToMs, ca: true });
    this.tcbSigningDer = issue({ issuer: rootName, issuerKey: root, subject: name('Sim SGX TCB Signing'), subjectKey: tcbSigning.publicKey, serial: 3n, from: validFromMs, to: validToMs, ca: false });
    this.rootPin = createHash('sha256').update(spki(root.publicKey)).digest('hex');
  }

  static create(rng: Rng, options: { validFromMs?: number; validToMs?: number } = {}): SimulatedIntel {
    return new SimulatedIntel(keyFromRng(rng.fork('root')), keyFromRng(rng.fork('platform-ca')), keyFromRng(rng.fork('tcb-signing')), options.validFromMs ?? SIM_INTEL_VALID_FROM_MS, options.validToMs ?? SIM_INTEL_VALID_TO_MS);
  }

  get rootPem(): string {
    return pem(this.rootDer);
  }

  /** A platform: a PCK certificate with the SGX extensions (profile §1.5) and a QE attestation key. */
  provisionPlatform(rng: Rng, o: SimPlatformOptions = {}): SimIntelPlatform {
    const cpuSvnComponents = o.cpuSvnComponents ?? [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
    if (cpuSvnComponents.length !== 16 || cpuSvnComponents.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) throw new RangeError('cpuSvnComponents: 16 integers 0..255');
    const pceSvn = o.pceSvn ?? 13;
    const fmspc = (o.fmspc ?? 'f0c06f000000').toLowerCase();
    abytes('fmspc', Buffer.from(fmspc, 'hex'), 6);
    const pck = keyFromRng(rng.fork('pck'));
    const attestation = keyFromRng(rng.fork('attestation-key'));
    const member = (oid: string, value: Uint8Array): Uint8Array => derSequence(derOid(oid), value);
    const tcb = derSequence(
      ...cpuSvnComponents.map((svn, i) => member(`${SGX_OID.tcb}.${i + 1}`, derInteger(svn))),
      member(SGX_OID.pcesvn, derInteger(pceSvn)),
      member(SGX_OID.cpusvn, derOctetString(Uint8Array.from(cpuSvnComponents))),
    );
    const sgx = derSequence(
      member(SGX_OID.ppid, derOctetString(rng.fork('ppid').bytes(16))),
      member(SGX_OID.tcb, tcb),
      member(SGX_OID.pceId, derOctetString(new Uint8Array(2))),
      member(SGX_OID.fmspc, derOctetString(Buffer.from(fmspc, 'hex'))),
      member(SGX_OID.sgxType, derEncode(0x0a, Uint8Array.of(0))), // ENUMERATED Standard (0)
    );
    const pckSerial = this.serial++;
    const pckDer = issue({
      issuer: name('Sim SGX PCK Platform CA'),
      issuerKey: this.platformCa,
      subject: name('Sim SGX PCK Certificate'),
      subjectKey: pck.publicKey,
      serial: pckSerial,
      from: this.validFromMs,
      to: this.validToMs,
      ca: false,
      extensions: [x509Extension(SGX_OID.extensions, sgx)],
    });
    const chainPem = pem(pckDer) + pem(this.platformCaDer) + pem(this.rootDer);
    return new SimIntelPlatform(pck, attestation, { pckDer, pckSerial, cpuSvnComponents, pceSvn, fmspc, qeIsvSvn: o.qeIsvSvn ?? SIM_QE.isvSvn, chainPem });
  }

  /**
   * The collateral for `platform`: TCB Info with two levels (the platform's own at `status`, one
   * below it OutOfDate with an advisory), for TDX the module identity TDX_01 (ISVSVN 3 UpToDate,
   * 1 OutOfDate) and TDX components 0,0,2; QE Identity (ISVSVN 8 UpToDate, 6 OutOfDate); CRLs.
   */
  collateral(tee: 'sgx' | 'tdx', platform: SimIntelPlatform, o: SimCollateralOptions = {}): DcapCollateral {
    const from = o.issueMs ?? this.validFromMs;
    const to = o.nextUpdateMs ?? this.validToMs;
    const comps = (svns: readonly number[]) => svns.map((svn) => ({ svn }));
    const lower = platform.cpuSvnComponents.map((c) => Math.max(0, c - 1));
    const tdxComps = comps([0, 0, 2, ...new Array<number>(13).fill(0)]);
    const level = (sgx: readonly number[], pcesvn: number, tcbStatus: TcbStatus, advisoryIDs: readonly string[], date: string) => ({
      tcb: { sgxtcbcomponents: comps(sgx), pcesvn, ...(tee === 'tdx' ? { tdxtcbcomponents: tdxComps } : {}) },
      tcbDate: date,
      tcbStatus,
      ...(advisoryIDs.length ? { advisoryIDs } : {}),
    });
    const zeros48 = '0'.repeat(96);
    const tcbInfo = JSON.stringify({
      id: tee === 'tdx' ? 'TDX' : 'SGX',
      version: 3,
      issueDate: isoFromMs(from),
      nextUpdate: isoFromMs(to),
      fmspc: platform.fmspc.toUpperCase(),
      pceId: '0000',
      tcbType: 0,
      tcbEvaluationDataNumber: 1,
      ...(tee === 'tdx'
        ? {
            tdxModule: { mrsigner: zeros48, attributes: '0000000000000000', attributesMask: 'FFFFFFFFFFFFFFFF' },
            tdxModuleIdentities: [
              {
                id: 'TDX_01',
                mrsigner: zeros48,
                attributes: '0000000000000000',
                attributesMask: 'FFFFFFFFFFFFFFFF',
                tcbLevels: [
                  { tcb: { isvsvn: 3 }, tcbDate: '2024-01-01T00:00:00Z', tcbStatus: 'UpToDate' },
                  { tcb: { isvsvn: 1 }, tcbDate: '2023-01-01T00:00:00Z', tcbStatus: 'OutOfDate', advisoryIDs: ['SIM-SA-00002'] },
                ],
              },
            ],
          }
        : {}),
      tcbLevels: [level(platform.cpuSvnComponents, platform.pceSvn, o.status ?? 'UpToDate', o.advisories ?? [], '2024-01-01T00:00:00Z'), level(lower, Math.max(0, platform.pceSvn - 1), 'OutOfDate', ['SIM-SA-00001'], '2023-01-01T00:00:00Z')],
    });
    const qeIdentity = JSON.stringify({
      id: tee === 'tdx' ? 'TD_QE' : 'QE',
      version: 2,
      issueDate: isoFromMs(from),
      nextUpdate: isoFromMs(to),
      tcbEvaluationDataNumber: 1,
      miscselect: '00000000',
      miscselectMask: 'FFFFFFFF',
      attributes: toHex(SIM_QE.attributes).toUpperCase(),
      attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
      mrsigner: toHex(SIM_QE.mrSigner).toUpperCase(),
      isvprodid: SIM_QE.isvProdId[tee],
      tcbLevels: [
        { tcb: { isvsvn: 8 }, tcbDate: '2024-01-01T00:00:00Z', tcbStatus: 'UpToDate' },
        { tcb: { isvsvn: 6 }, tcbDate: '2023-01-01T00:00:00Z', tcbStatus: 'OutOfDate', advisoryIDs: ['SIM-SA-00003'] },
      ],
    });
    const tcbChain = pem(this.tcbSigningDer) + pem(this.rootDer);
    const rootRevoked = [...(o.revokePlatformCa ? [2n] : []), ...(o.revokeTcbSigning ? [3n] : [])];
    return {
      pckCrlIssuerChain: pem(this.platformCaDer) + pem(this.rootDer),
      rootCaCrl: crl(name('Sim SGX Root CA'), this.root, from, to, rootRevoked),
      pckCrl: crl(name('Sim SGX PCK Platform CA'), this.platformCa, from, to, o.revokedPcks ?? []),
      tcbInfoIssuerChain: tcbChain,
      tcbInfo,
      tcbInfoSignature: signRaw(this.tcbSigning, Buffer.from(tcbInfo, 'utf8')),
      qeIdentityIssuerChain: tcbChain,
      qeIdentity,
      qeIdentitySignature: signRaw(this.tcbSigning, Buffer.from(qeIdentity, 'utf8')),
    };
  }
}
