/**
 * Verification of an Intel DCAP quote (SGX v3, TDX v4/v5) with its collateral. Pure: no I/O, no
 * clock (the time is passed in as ms since the epoch). The checks run in this order, the first
 * failure raising {@link DcapError} with its code:
 *
 * 1. `parse`            the quote parses strictly (quote.ts)
 * 2. `quote-signature`  ECDSA P-256 (SHA-256) signature r‖s over header‖body by the attestation key
 * 3. `qe-report`        the QE report's signature by the PCK certificate's key (the quote's chain)
 * 4. `qe-binding`       QE report_data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes
 * 5. `pck-chain`        PCK → PCK Platform/Processor CA → Intel SGX Root CA (pinned by SPKI
 *                       SHA-256), then `not-yet-valid` / `expired` for each certificate at the time
 * 6. `crl`, `revoked`   root CRL signed by the root, PCK CRL by the PCK's issuing CA (through the
 *                       PCK CRL issuer chain), both current; no chain certificate listed
 * 7. `collateral`       TCB Info and QE Identity signed by the TCB Signing cert, whose chain ends in
 *                       the pinned root and which the root CRL does not list; `not-yet-valid` /
 *                       `expired` against issueDate / nextUpdate
 * 8. `tcb-status`       the TCB status from the levels (tcb.ts); a Revoked status or no level
 * 9. policy             debug and reserved TD attribute bits, the pins, then the accepted statuses
 *                       (`tcb-status` when the status is not accepted; default: UpToDate only)
 *
 * Only the ECDSA-256 attestation key type and the PCK-chain certification data exist in the
 * quotes Intel's QE produces; others are refused by the parser.
 *
 * @example
 * ```ts
 * const result = verifyDcapQuote(quoteBytes, collateralFromJson(text), { atMs: Date.UTC(2025, 6, 1) });
 * result.tcbStatus; // 'UpToDate'
 * ```
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { equalBytes, toHex } from '../../bytes.js';
import { PphError } from '../../errors.js';
import { isoFromMs } from '../der.js';
import { parseQeIdentity, parseTcbInfo, type DcapCollateral, type QeIdentity, type TcbInfo, type TcbStatus } from './collateral.js';
import { assertCrlCurrent, assertCrlIssuedBy, assertNotRevoked, parseCrl, type Crl } from './crl.js';
import { DcapError } from './errors.js';
import { assertChain, assertValidAt, intelChain, pckExtensions, rootPins, type IntelCert, type PckExtensions } from './pck.js';
import { parseDcapQuote, type DcapQuote, type DcapTee } from './quote.js';
import { evaluateTcb, type TcbEvaluation } from './tcb.js';

/** The rejection of a TCB status by policy, or a Revoked status: carries what was derived. */
export class DcapTcbStatusError extends DcapError {
  constructor(
    message: string,
    readonly tcbStatus: TcbStatus,
    readonly advisories: readonly string[],
  ) {
    super('tcb-status', message);
  }
}

/** go-tdx-guest's verify/validate options, as pins (undefined: not checked). */
export interface DcapPolicy {
  /** Statuses accepted (default: UpToDate only). Revoked is never accepted. */
  readonly acceptStatus?: readonly TcbStatus[];
  /** Accept TD_ATTRIBUTES.DEBUG (TDX) or ATTRIBUTES.DEBUG (SGX). Default false. */
  readonly allowDebug?: boolean;
  readonly reportData?: Uint8Array;
  // TDX
  readonly mrTd?: Uint8Array;
  /** RTMR0..3; an undefined entry is not checked. */
  readonly rtmr?: readonly (Uint8Array | undefined)[];
  readonly mrConfigId?: Uint8Array;
  readonly mrOwner?: Uint8Array;
  readonly mrOwnerConfig?: Uint8Array;
  /** Allow-list: MRSEAM must be one of these. */
  readonly mrSeam?: readonly Uint8Array[];
  readonly tdAttributes?: Uint8Array;
  readonly xfam?: Uint8Array;
  /** Each of the 16 TEE_TCB_SVN components at least this. */
  readonly minTeeTcbSvn?: Uint8Array;
  // SGX
  readonly mrEnclave?: Uint8Array;
  readonly mrSigner?: Uint8Array;
}

export interface DcapVerifyOptions {
  /** Verification time, ms since the epoch. */
  readonly atMs: number;
  /** SPKI SHA-256 (hex) of the accepted roots; default the Intel SGX Root CA's. */
  readonly pinnedRootSpkiSha256?: readonly string[];
  /** Require this TEE (the CLI's --tdx / --sgx). */
  readonly tee?: DcapTee;
  readonly policy?: DcapPolicy;
}

export interface DcapVerified {
  readonly quote: DcapQuote;
  readonly tcbStatus: TcbStatus;
  readonly advisories: readonly string[];
  readonly tcb: TcbEvaluation;
  readonly pck: PckExtensions;
  readonly tcbInfo: TcbInfo;
  readonly qeIdentity: QeIdentity;
  /** SHA-256 of the pinned root's SPKI the chain ended in. */
  readonly rootSpkiSha256: string;
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** An ECDSA P-256 public key from raw x‖y (SEC 1 §2.3.3 without the 0x04 prefix). */
function p256Key(xy: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(xy.subarray(0, 32)), y: b64url(xy.subarray(32, 64)) }, format: 'jwk' });
}

/** ECDSA P-256 with SHA-256 over `data`, signature raw r‖s (IEEE P1363). */
function p256Verify(key: KeyObject, data: Uint8Array, rs: Uint8Array): boolean {
  if (rs.length !== 64) return false;
  try {
    return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, rs);
  } catch {
    return false;
  }
}

/** TCB Info / QE Identity: issueDate ≤ at ≤ nextUpdate (PCS API v4: the collateral is current until nextUpdate). */
export function checkWindow(issueDate: string, nextUpdate: string, atMs: number, what: string): void {
  const from = Date.parse(issueDate);
  const until = Date.parse(nextUpdate);
  if (atMs < from) throw new DcapError('not-yet-valid', `${what}: issued ${issueDate}, verifying at ${isoFromMs(atMs)}`);
  if (atMs > until) throw new DcapError('expired', `${what}: next update was due ${nextUpdate}, verifying at ${isoFromMs(atMs)}`);
}

/** Steps 2–5: the quote's own signatures and its PCK chain. Returns the chain and PCK extensions. */
export function verifyQuoteEvidence(quote: DcapQuote, atMs: number, pins: ReadonlySet<string>): { chain: IntelCert[]; pck: PckExtensions } {
  // Step 2. Quote format appendix: "ECDSA signature over the Quote Header and the Report Body".
  let attestationKey: KeyObject;
  try {
    attestationKey = p256Key(quote.sig.attestationKey);
  } catch (e) {
    throw new DcapError('quote-signature', 'the attestation key is not a P-256 point', { cause: e });
  }
  if (!p256Verify(attestationKey, quote.signedBytes, quote.sig.signature)) throw new DcapError('quote-signature', 'the quote signature does not verify under the attestation key');
  // Step 3. The QE report is signed by the PCK key of the platform (certification data type 5).
  const chain = intelChain(quote.sig.pckChainPem, 'pck-chain', 'PCK chain');
  const leaf = chain[0]!;
  if (!p256Verify(leaf.key, quote.sig.qeReport.raw, quote.sig.qeReportSignature)) throw new DcapError('qe-report', `the QE report signature does not verify under the PCK certificate's key`);
  // Step 4. QE report REPORTDATA = SHA256(ECDSA Attestation Key ‖ QE Authentication Data) ‖ 32 × 0x00.
  const hash = createHash('sha256').update(quote.sig.attestationKey).update(quote.sig.qeAuthData).digest();
  const expected = new Uint8Array(64);
  expected.set(hash, 0);
  if (!equalBytes(expected, quote.sig.qeReport.reportData)) throw new DcapError('qe-binding', 'the QE report data does not bind the attestation key and QE auth data');
  // Step 5. PCK → Platform/Processor CA → Root.
  assertChain(chain, pins, 'pck-chain', 'PCK chain', 3);
  if (leaf.x509.ca) throw new DcapError('pck-chain', 'PCK chain: the PCK certificate is a CA');
  const pck = pckExtensions(leaf);
  assertValidAt(chain, atMs, 'PCK chain');
  return { chain, pck };
}

/**
 * A TCB Info or QE Identity body signed (ECDSA P-256 r‖s over its exact UTF-8 text) by the TCB
 * Signing certificate of `chainPem` (TCB Signing cert, root), the chain ending in a pinned root,
 * valid at `atMs` and, with `rootCrl`, not revoked. Throws `DcapError('collateral' | 'revoked' | 'expired' | 'not-yet-valid')`.
 */
export function assertSignedCollateral(
  chainPem: string,
  body: string,
  signature: Uint8Array,
  o: { atMs: number; pins: ReadonlySet<string>; rootCrl?: Crl; what: string },
): void {
  const signing = intelChain(chainPem, 'collateral', `${o.what} issuer chain`);
  assertChain(signing, o.pins, 'collateral', `${o.what} issuer chain`, 2);
  if (o.rootCrl !== undefined) assertNotRevoked(o.rootCrl, signing[0]!, `${o.what} signing certificate`);
  assertValidAt(signing, o.atMs, `${o.what} issuer chain`);
  if (!p256Verify(signing[0]!.key, Buffer.from(body, 'utf8'), signature)) throw new DcapError('collateral', `${o.what}: the signature does not verify under ${signing[0]!.cert.subjectCn}`);
}

/** Steps 6–7: CRLs, then TCB Info and QE Identity. */
export function verifyCollateral(chain: readonly IntelCert[], collateral: DcapCollateral, atMs: number, pins: ReadonlySet<string>): { tcbInfo: TcbInfo; qeIdentity: QeIdentity } {
  const root = chain[chain.length - 1]!;
  const ca = chain[1]!;
  // Step 6. Root CA CRL (RFC 5280 §6.3): issued by the root, current, the CA not listed.
  const rootCrl = parseCrl(collateral.rootCaCrl, 'root CA CRL');
  assertCrlIssuedBy(rootCrl, root, 'root CA CRL');
  assertCrlCurrent(rootCrl, atMs, 'root CA CRL');
  assertNotRevoked(rootCrl, ca, 'root CA CRL');
  // The PCK CRL issuer chain: its CA must be the PCK's issuing CA (same name and key).
  const crlChain = intelChain(collateral.pckCrlIssuerChain, 'crl', 'PCK CRL issuer chain');
  assertChain(crlChain, pins, 'crl', 'PCK CRL issuer chain');
  const crlCa = crlChain[0]!;
  if (crlCa.spkiSha256 !== ca.spkiSha256 || Buffer.compare(crlCa.cert.subject, ca.cert.subject) !== 0) {
    throw new DcapError('crl', `PCK CRL issuer chain: ${crlCa.cert.subjectCn} is not the PCK's issuing CA ${ca.cert.subjectCn}`);
  }
  const pckCrl = parseCrl(collateral.pckCrl, 'PCK CRL');
  assertCrlIssuedBy(pckCrl, ca, 'PCK CRL');
  assertCrlCurrent(pckCrl, atMs, 'PCK CRL');
  assertNotRevoked(pckCrl, chain[0]!, 'PCK CRL');

  // Step 7. TCB Info and QE Identity: the signature over the exact JSON text, by the TCB Signing cert.
  assertSignedCollateral(collateral.tcbInfoIssuerChain, collateral.tcbInfo, collateral.tcbInfoSignature, { atMs, pins, rootCrl, what: 'TCB Info' });
  assertSignedCollateral(collateral.qeIdentityIssuerChain, collateral.qeIdentity, collateral.qeIdentitySignature, { atMs, pins, rootCrl, what: 'QE Identity' });
  const tcbInfo = parseTcbInfo(collateral.tcbInfo);
  checkWindow(tcbInfo.issueDate, tcbInfo.nextUpdate, atMs, 'TCB Info');
  const qeIdentity = parseQeIdentity(collateral.qeIdentity);
  checkWindow(qeIdentity.issueDate, qeIdentity.nextUpdate, atMs, 'QE Identity');
  return { tcbInfo, qeIdentity };
}

/** TD_ATTRIBUTES bits a TD may set (go-tdx-guest validate: DEBUG 0, SEPT_VE_DISABLE 28, PKS 30, PERFMON 63). */
export const TD_ATTRIBUTES_ALLOWED = (1n << 0n) | (1n << 28n) | (1n << 30n) | (1n << 63n);

const le64 = (b: Uint8Array): bigint => Buffer.from(b).readBigUInt64LE(0);

function pin(actual: Uint8Array, expected: Uint8Array | undefined, code: string, what: string): void {
  if (expected !== undefined && !equalBytes(actual, expected)) throw new DcapError(code, `${what} ${toHex(actual)}, the policy pins ${toHex(expected)}`);
}

/** Step 9 (before the status): the pins of `policy`. */
export function checkPolicy(quote: DcapQuote, policy: DcapPolicy): void {
  const td = quote.td;
  if (td !== undefined) {
    const attributes = le64(td.tdAttributes);
    // TDX module ABI TDINFO_STRUCT.ATTRIBUTES bit 0 TUD.DEBUG: the host can read and write the TD.
    if ((attributes & 1n) !== 0n && policy.allowDebug !== true) throw new DcapError('debug', 'TD_ATTRIBUTES.DEBUG is set');
    if ((attributes & ~TD_ATTRIBUTES_ALLOWED) !== 0n) throw new DcapError('td-attributes-reserved', `TD_ATTRIBUTES ${toHex(td.tdAttributes)} sets a reserved or unsupported bit`);
    pin(td.tdAttributes, policy.tdAttributes, 'td-attributes', 'TD_ATTRIBUTES');
    pin(td.xfam, policy.xfam, 'xfam', 'XFAM');
    pin(td.mrTd, policy.mrTd, 'mrtd', 'MRTD');
    policy.rtmr?.forEach((r, i) => pin(td.rtmr[i]!, r, 'rtmr', `RTMR${i}`));
    pin(td.mrConfigId, policy.mrConfigId, 'mr-config-id', 'MRCONFIGID');
    pin(td.mrOwner, policy.mrOwner, 'mr-owner', 'MROWNER');
    pin(td.mrOwnerConfig, policy.mrOwnerConfig, 'mr-owner-config', 'MROWNERCONFIG');
    pin(td.reportData, policy.reportData, 'report-data', 'REPORTDATA');
    if (policy.mrSeam !== undefined && !policy.mrSeam.some((m) => equalBytes(m, td.mrSeam))) throw new DcapError('mrseam', `MRSEAM ${toHex(td.mrSeam)} is not in the allow-list`);
    if (policy.minTeeTcbSvn !== undefined && td.teeTcbSvn.some((v, i) => v < (policy.minTeeTcbSvn![i] ?? 0))) {
      throw new DcapError('tee-tcb-svn', `TEE_TCB_SVN ${toHex(td.teeTcbSvn)} is below the minimum ${toHex(policy.minTeeTcbSvn)}`);
    }
  }
  const enclave = quote.enclave;
  if (enclave !== undefined) {
    // SGX SDM vol. 3D §38.7.1 SECS.ATTRIBUTES bit 1 DEBUG.
    if ((enclave.attributes[0]! & 0x02) !== 0 && policy.allowDebug !== true) throw new DcapError('debug', 'the enclave ATTRIBUTES.DEBUG is set');
    pin(enclave.mrEnclave, policy.mrEnclave, 'mrenclave', 'MRENCLAVE');
    pin(enclave.mrSigner, policy.mrSigner, 'mrsigner', 'MRSIGNER');
    pin(enclave.reportData, policy.reportData, 'report-data', 'REPORTDATA');
  }
}

/** The whole verification (steps 1–9). Throws {@link DcapError}; returns what was verified. */
export function verifyDcapQuote(bytes: Uint8Array | DcapQuote, collateral: DcapCollateral, options: DcapVerifyOptions): DcapVerified {
  if (!Number.isFinite(options.atMs)) throw new RangeError('atMs must be a finite number of ms');
  let quote: DcapQuote;
  try {
    quote = bytes instanceof Uint8Array ? parseDcapQuote(bytes) : bytes;
  } catch (e) {
    if (e instanceof PphError) throw new DcapError('parse', `quote: ${e.message}`, { cause: e });
    throw e;
  }
  if (options.tee !== undefined && quote.tee !== options.tee) throw new DcapError('parse', `a ${quote.tee.toUpperCase()} quote (v${quote.header.version}), expected ${options.tee.toUpperCase()}`);
  const pins = rootPins(options.pinnedRootSpkiSha256);
  const { chain, pck } = verifyQuoteEvidence(quote, options.atMs, pins);
  const { tcbInfo, qeIdentity } = verifyCollateral(chain, collateral, options.atMs, pins);
  const tcb = evaluateTcb(quote, pck, tcbInfo, qeIdentity);
  if (tcb.status === 'Revoked') throw new DcapTcbStatusError('the TCB status is Revoked', tcb.status, tcb.advisories);
  const policy = options.policy ?? {};
  checkPolicy(quote, policy);
  const accepted = policy.acceptStatus ?? ['UpToDate'];
  if (!accepted.includes(tcb.status)) {
    const adv = tcb.advisories.length > 0 ? ` (${tcb.advisories.join(', ')})` : '';
    throw new DcapTcbStatusError(`TCB status ${tcb.status}${adv} is not accepted (accepted: ${accepted.join(', ')})`, tcb.status, tcb.advisories);
  }
  return { quote, tcbStatus: tcb.status, advisories: tcb.advisories, tcb, pck, tcbInfo, qeIdentity, rootSpkiSha256: chain[chain.length - 1]!.spkiSha256 };
}
