/**
 * Issues X.509 v3 certificates (RFC 5280 §4.1) with P-384 keys and ecdsa-with-SHA384 signatures
 * (RFC 5758 §3.2), written with our DER writer and signed by noble (deterministic, RFC 6979), so
 * the same seed gives byte-identical certificates. Used by the simulated vendor and by tests
 * that forge evidence (sign with a non-vendor key, alter an extension, ...).
 *
 * @example
 * ```ts
 * const key = p384KeyFromRng(rng);
 * const der = issueCertificate({ issuer: name('ARK-Milan'), subject: name('ARK-Milan'), serial: 1n,
 *   notBeforeMs, notAfterMs, subjectPublicKey: key.publicKey, issuerPrivateKey: key.privateKey, ca: true });
 * ```
 */
import { p384 } from '@noble/curves/nist.js';
import type { Rng } from '../rng.js';
import {
  derBitString,
  derBoolean,
  derContext,
  derInteger,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
} from './der.js';

/** RFC 5758 §3.2 ecdsa-with-SHA384; RFC 5480 §2.1.1 id-ecPublicKey; RFC 5480 §2.1.1.1 secp384r1. */
export const OID_ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_SECP384R1 = '1.3.132.0.34';
/** RFC 5280 §4.2.1.9 basicConstraints. */
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

export interface P384KeyPair {
  /** 48-byte scalar. */
  readonly privateKey: Uint8Array;
  /** 97-byte uncompressed SEC 1 point. */
  readonly publicKey: Uint8Array;
}

/** A P-384 key pair from the injected generator (72 bytes reduced mod n, FIPS 186-5 A.2.1 style). */
export function p384KeyFromRng(rng: Rng): P384KeyPair {
  const privateKey = p384.utils.randomSecretKey(rng.bytes(p384.lengths.seed!));
  return { privateKey, publicKey: p384.getPublicKey(privateKey, false) };
}

/** A distinguished name in the AMD shape (OU, C, L, ST, O, CN), RFC 5280 §4.1.2.4. */
export function x509Name(cn: string, org = 'Simulated Vendor'): Uint8Array {
  const rdn = (oid: string, value: Uint8Array): Uint8Array => derSet(derSequence(derOid(oid), value));
  return derSequence(
    rdn('2.5.4.11', derUtf8String('Engineering')),
    rdn('2.5.4.6', derPrintableString('US')),
    rdn('2.5.4.7', derUtf8String('Simulation')),
    rdn('2.5.4.8', derUtf8String('CA')),
    rdn('2.5.4.10', derUtf8String(org)),
    rdn('2.5.4.3', derUtf8String(cn)),
  );
}

/** SubjectPublicKeyInfo of a P-384 point (RFC 5480 §2). */
export function p384Spki(publicKey: Uint8Array): Uint8Array {
  return derSequence(derSequence(derOid(OID_EC_PUBLIC_KEY), derOid(OID_SECP384R1)), derBitString(publicKey));
}

/** One Extension (RFC 5280 §4.1.2.9): extnID, critical if set, extnValue wrapping `valueDer`. */
export function x509Extension(oid: string, valueDer: Uint8Array, critical = false): Uint8Array {
  return critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(valueDer))
    : derSequence(derOid(oid), derOctetString(valueDer));
}

export interface CertificateSpec {
  issuer: Uint8Array;
  subject: Uint8Array;
  serial: bigint;
  notBeforeMs: number;
  notAfterMs: number;
  subjectPublicKey: Uint8Array;
  issuerPrivateKey: Uint8Array;
  /** Adds basicConstraints cA=TRUE (RFC 5280 §4.2.1.9). */
  ca?: boolean;
  /** Further extensions, each from {@link x509Extension}. */
  extensions?: readonly Uint8Array[];
}

/** DER of a certificate signed with ecdsa-with-SHA384 by `issuerPrivateKey` (RFC 6979 nonce). */
export function issueCertificate(spec: CertificateSpec): Uint8Array {
  // RFC 5758 §3.2: for ecdsa-with-SHA384 the parameters field MUST be absent.
  const algorithm = derSequence(derOid(OID_ECDSA_WITH_SHA384));
  const extensions = [
    ...(spec.ca ? [x509Extension(OID_BASIC_CONSTRAINTS, derSequence(derBoolean(true)), true)] : []),
    ...(spec.extensions ?? []),
  ];
  const tbs = derSequence(
    derContext(0, derInteger(2)), // RFC 5280 §4.1.2.1: v3
    derInteger(spec.serial),
    algorithm,
    spec.issuer,
    derSequence(derTime(spec.notBeforeMs), derTime(spec.notAfterMs)),
    spec.subject,
    p384Spki(spec.subjectPublicKey),
    ...(extensions.length ? [derContext(3, derSequence(...extensions))] : []),
  );
  // noble hashes with SHA-384 (prehash) and derives k per RFC 6979: same inputs, same bytes.
  const signature = p384.sign(tbs, spec.issuerPrivateKey, { format: 'der' });
  return derSequence(tbs, algorithm, derBitString(signature));
}
