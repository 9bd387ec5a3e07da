/**
 * Intel's SGX/TDX certificate hierarchy: the Intel SGX Root CA (self-signed, pinned here by the
 * SHA-256 of its SubjectPublicKeyInfo), the PCK Platform CA / PCK Processor CA, the PCK
 * certificates, and the TCB Signing certificate (Intel SGX PCK Certificate and Certificate
 * Revocation List Profile Specification, rev. 1.5+, §1.3 "Hierarchy").
 *
 * Every certificate of the hierarchy is signed ecdsa-with-SHA256 with a P-256 key. Signatures are
 * checked by node's `X509Certificate.verify`; the PCK certificate's SGX extensions (FMSPC, PCE
 * ID, the 16 CPUSVN components and the PCESVN, §1.5 "Intel SGX PCK Certificate Extensions") are
 * read with the DER reader.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { toHex } from '../../bytes.js';
import { PphError } from '../../errors.js';
import { certificateDers, parseCertificateDer, type AmdCertificate } from '../amd-cert.js';
import { DerReader, TAG, derReadOid, derReadUint, parseDer, type DerNode } from '../der.js';
import { isoFromMs } from '../der.js';
import { DcapError } from './errors.js';

/**
 * SHA-256 of the SubjectPublicKeyInfo of the Intel SGX Root CA (CN=Intel SGX Root CA, serial
 * 22650cd6…06ac, valid 2018-05-21..2049-12-31; the certificate's own SHA-256 is 44a0196b…74d3),
 * as served at https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem
 * and shipped by go-tdx-guest (verify/trusted_root.pem) and dcap-qvl (src/TrustedRootCA.der).
 */
export const INTEL_SGX_ROOT_SPKI_SHA256 = 'a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e';
/** The SHA-256 of the root certificate's DER, for display. */
export const INTEL_SGX_ROOT_CERT_SHA256 = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3';

/** RFC 5758 §3.2 ecdsa-with-SHA256: the only signature algorithm in Intel's hierarchy. */
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** PCK certificate profile §1.5: the SGX Extensions OID and its members. */
export const SGX_OID = {
  extensions: '1.2.840.113741.1.13.1',
  ppid: '1.2.840.113741.1.13.1.1',
  tcb: '1.2.840.113741.1.13.1.2',
  pcesvn: '1.2.840.113741.1.13.1.2.17',
  cpusvn: '1.2.840.113741.1.13.1.2.18',
  pceId: '1.2.840.113741.1.13.1.3',
  fmspc: '1.2.840.113741.1.13.1.4',
  sgxType: '1.2.840.113741.1.13.1.5',
} as const;

/** A limit on everything: certificates in one chain. */
const CHAIN_MAX_CERTS = 8;

/** One parsed certificate with its node:crypto views. */
export interface IntelCert {
  readonly cert: AmdCertificate;
  readonly x509: X509Certificate;
  readonly key: KeyObject;
  /** SHA-256 of the SPKI, hex. */
  readonly spkiSha256: string;
  /** The serial number as lower-case hex without leading zeros (CRL comparison). */
  readonly serial: string;
}

/** The SGX extensions of a PCK certificate (profile §1.5). */
export interface PckExtensions {
  readonly ppid: Uint8Array;
  /** The 16 SGX TCB component SVNs (…1.2.1 .. …1.2.16), in order. */
  readonly cpuSvnComponents: readonly number[];
  readonly pceSvn: number;
  readonly cpuSvn: Uint8Array;
  /** 2 bytes, hex. */
  readonly pceId: string;
  /** 6 bytes, hex. */
  readonly fmspc: string;
}

export const serialHex = (n: bigint): string => (n < 0n ? `-${(-n).toString(16)}` : n.toString(16));

/** Parses one DER certificate into an {@link IntelCert}; a fault is `DcapError(code)`. */
export function intelCert(der: Uint8Array, code: string, what: string): IntelCert {
  let cert: AmdCertificate;
  let x509: X509Certificate;
  let key: KeyObject;
  try {
    cert = parseCertificateDer(der);
    x509 = new X509Certificate(Buffer.from(cert.der));
    key = createPublicKey({ key: Buffer.from(cert.spki), format: 'der', type: 'spki' });
  } catch (e) {
    if (e instanceof PphError || e instanceof Error) throw new DcapError(code, `${what}: certificate does not parse: ${e.message}`, { cause: e });
    throw e;
  }
  return { cert, x509, key, spkiSha256: createHash('sha256').update(cert.spki).digest('hex'), serial: serialHex(cert.serialNumber) };
}

/** Splits a PEM chain and parses each certificate; `code` names the failure. */
export function intelChain(pem: string | Uint8Array, code: string, what: string): IntelCert[] {
  let ders: Uint8Array[];
  try {
    ders = certificateDers(pem);
  } catch (e) {
    throw new DcapError(code, `${what}: ${(e as Error).message}`, { cause: e });
  }
  if (ders.length > CHAIN_MAX_CERTS) throw new DcapError(code, `${what}: ${ders.length} certificates, at most ${CHAIN_MAX_CERTS}`);
  return ders.map((d, i) => intelCert(d, code, `${what} certificate ${i}`));
}

function issuedBy(child: IntelCert, parent: IntelCert): boolean {
  if (child.cert.signatureAlgorithm !== OID_ECDSA_WITH_SHA256) return false;
  // RFC 5280 §6.1.3 (a)(4): the issuer name must equal the working issuer name.
  if (Buffer.compare(child.cert.issuer, parent.cert.subject) !== 0) return false;
  try {
    return child.x509.verify(parent.key);
  } catch {
    return false;
  }
}

/**
 * Checks `chain` = [leaf, intermediates..., root]: each certificate signed by the next, every
 * issuer a CA (RFC 5280 §4.2.1.9 basicConstraints cA), the root self-signed and pinned. Throws
 * `DcapError(code)`; times are checked separately by {@link assertValidAt}.
 */
export function assertChain(chain: readonly IntelCert[], pins: ReadonlySet<string>, code: string, what: string, length?: number): void {
  if (chain.length < 2 || (length !== undefined && chain.length !== length)) {
    throw new DcapError(code, `${what}: ${chain.length} certificates, expected ${length ?? 'at least 2'} (leaf … root)`);
  }
  const root = chain[chain.length - 1]!;
  if (!pins.has(root.spkiSha256)) throw new DcapError(code, `${what}: the root's key (SPKI SHA-256 ${root.spkiSha256}) is not the pinned Intel SGX Root CA`);
  if (!issuedBy(root, root)) throw new DcapError(code, `${what}: the root is not self-signed`);
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i]!;
    const parent = chain[i + 1]!;
    if (!parent.x509.ca) throw new DcapError(code, `${what}: certificate ${i + 1} (${parent.cert.subjectCn}) is not a CA`);
    if (!issuedBy(child, parent)) throw new DcapError(code, `${what}: certificate ${i} (${child.cert.subjectCn}) is not signed by ${parent.cert.subjectCn}`);
  }
}

/** RFC 5280 §4.1.2.5: notBefore ≤ at ≤ notAfter, for each certificate. */
export function assertValidAt(chain: readonly IntelCert[], atMs: number, what: string): void {
  for (const c of chain) {
    if (atMs < c.cert.notBeforeMs) throw new DcapError('not-yet-valid', `${what}: ${c.cert.subjectCn} is valid from ${isoFromMs(c.cert.notBeforeMs)}, verifying at ${isoFromMs(atMs)}`);
    if (atMs > c.cert.notAfterMs) throw new DcapError('expired', `${what}: ${c.cert.subjectCn} expired ${isoFromMs(c.cert.notAfterMs)}, verifying at ${isoFromMs(atMs)}`);
  }
}

function octets(node: DerNode, n: number, what: string): Uint8Array {
  if (node.tag !== TAG.OCTET_STRING || node.value.length !== n) throw new DcapError('pck-chain', `PCK certificate: ${what} is not an OCTET STRING of ${n} bytes`);
  return node.value;
}

/**
 * Reads the SGX extensions of a PCK certificate (profile §1.5): SGXExtensions ::= SEQUENCE OF
 * SEQUENCE { sgxExtensionId OID, value ANY }; TCB ::= SEQUENCE OF SEQUENCE { OID, INTEGER | OCTET STRING }.
 */
export function pckExtensions(pck: IntelCert): PckExtensions {
  const raw = pck.cert.extensions.get(SGX_OID.extensions);
  if (raw === undefined) throw new DcapError('pck-chain', 'PCK certificate has no SGX extensions (1.2.840.113741.1.13.1)');
  try {
    const members = new Map<string, DerNode>();
    const list = DerReader.inside(parseDer(raw));
    while (!list.done) {
      const m = DerReader.inside(list.next(TAG.SEQUENCE));
      const oid = derReadOid(m.next(TAG.OID));
      const value = m.next();
      m.end();
      if (members.has(oid)) throw new DcapError('pck-chain', `PCK certificate: SGX extension ${oid} twice`);
      members.set(oid, value);
    }
    const get = (oid: string): DerNode => {
      const v = members.get(oid);
      if (v === undefined) throw new DcapError('pck-chain', `PCK certificate: SGX extension ${oid} missing`);
      return v;
    };
    const tcb = new Map<string, DerNode>();
    const tcbList = DerReader.inside(get(SGX_OID.tcb));
    while (!tcbList.done) {
      const m = DerReader.inside(tcbList.next(TAG.SEQUENCE));
      const oid = derReadOid(m.next(TAG.OID));
      const value = m.next();
      m.end();
      if (tcb.has(oid)) throw new DcapError('pck-chain', `PCK certificate: TCB member ${oid} twice`);
      tcb.set(oid, value);
    }
    const tcbGet = (oid: string): DerNode => {
      const v = tcb.get(oid);
      if (v === undefined) throw new DcapError('pck-chain', `PCK certificate: TCB member ${oid} missing`);
      return v;
    };
    const cpuSvnComponents: number[] = [];
    for (let i = 1; i <= 16; i++) {
      const n = derReadUint(tcbGet(`${SGX_OID.tcb}.${i}`));
      if (n > 255) throw new DcapError('pck-chain', `PCK certificate: SGX TCB component ${i} = ${n} exceeds 255`);
      cpuSvnComponents.push(n);
    }
    const pceSvn = derReadUint(tcbGet(SGX_OID.pcesvn));
    if (pceSvn > 0xffff) throw new DcapError('pck-chain', `PCK certificate: PCESVN ${pceSvn} exceeds 65535`);
    return {
      ppid: octets(get(SGX_OID.ppid), 16, 'PPID'),
      cpuSvnComponents,
      pceSvn,
      cpuSvn: octets(tcbGet(SGX_OID.cpusvn), 16, 'CPUSVN'),
      pceId: toHex(octets(get(SGX_OID.pceId), 2, 'PCE-ID')),
      fmspc: toHex(octets(get(SGX_OID.fmspc), 6, 'FMSPC')),
    };
  } catch (e) {
    if (e instanceof DcapError) throw e;
    if (e instanceof PphError) throw new DcapError('pck-chain', `PCK certificate: SGX extensions do not parse: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The pin set: SHA-256 (hex) of acceptable root SPKIs. Default: Intel's. */
export function rootPins(pins?: readonly string[]): Set<string> {
  return new Set((pins ?? [INTEL_SGX_ROOT_SPKI_SHA256]).map((p) => p.toLowerCase()));
}

/** The SPKI SHA-256 of a root certificate given as PEM/DER, for `--pin-root`. */
export function spkiPinOf(pemOrDer: string | Uint8Array): string {
  const certs = intelChain(pemOrDer, 'parse', 'pinned root');
  if (certs.length !== 1) throw new DcapError('parse', `pinned root: expected one certificate, found ${certs.length}`);
  return certs[0]!.spkiSha256;
}
