/**
 * The NVIDIA device identity chain, leaf first: "GH100 A01 GSP FMC LF" (the key that signs
 * measurements) ← "GH100 A01 GSP BROM" ← "NVIDIA GH100 Provisioner ICA 1" ← "NVIDIA GH100
 * Identity" ← "NVIDIA Device Identity CA" (self-signed, pinned); Blackwell alike with GB20X names.
 * Path validation after RFC 5280 §6.1, reduced to what these chains use: names chain byte for
 * byte, each signature (ecdsa-with-SHA384) verifies under the next certificate's key, every
 * issuer is a CA (basicConstraints cA, keyUsage keyCertSign, pathLenConstraint), the leaf is not
 * a CA and may sign (keyUsage digitalSignature, a P-384 key), the root is self-signed and its
 * SubjectPublicKeyInfo is pinned, and each certificate is valid at the given time.
 *
 * The leaf also carries the firmware identity (FWID) the opaque data must repeat:
 * Hopper in extension 2.23.133.5.4.1 shaped as the DICE/RIoT CompositeDeviceID
 * `SEQUENCE { version INTEGER, deviceIdPublicKey SubjectPublicKeyInfo, fwid FWID }`; Blackwell in
 * 2.23.133.5.4.1.1 shaped as the TCG DICE TcbInfo (DICE Attestation Architecture §6.1.1,
 * `fwids [6] IMPLICIT SEQUENCE OF FWID`), whose first FWID is the one compared (as NVIDIA's
 * verifier does). `FWID ::= SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING }`.
 *
 * Chains are checked once and cached ({@link NvidiaTrust.chain}), so a simulation that verifies
 * the same GPU thousands of times pays for its chain once.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from '../../bytes.js';
import { PphError } from '../../errors.js';
import { certificateDers, parseCertificateDer, type AmdCertificate } from '../amd-cert.js';
import { DerReader, TAG, contextTag, derReadBitString, derReadInteger, derReadOid, isoFromMs, parseDer, type DerNode } from '../der.js';
import { NvidiaEvidenceError } from './errors.js';

/**
 * SHA-256 of the SubjectPublicKeyInfo of the "NVIDIA Device Identity CA" (P-384), the root of
 * every Hopper and Blackwell device chain, as shipped by NVIDIA's nvtrust local verifier
 * (`verifier/certs/verifier_device_root.pem`, certificate SHA-256 fingerprint
 * 102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48). Pinned by key, like the AMD ARKs.
 */
export const NVIDIA_DEVICE_ROOT_SPKI_SHA256 = 'a90c4eb5acfd3e3d03a25db6a26b84f720ad0503196c627c21ddd48dd85b06a4';

/** DICE FWID carriers: Hopper (CompositeDeviceID shape), Blackwell (TcbInfo shape). */
export const OID_DICE_FWID_HOPPER = '2.23.133.5.4.1';
export const OID_DICE_FWID_BLACKWELL = '2.23.133.5.4.1.1';
/** RFC 5758 §3.2 ecdsa-with-SHA384: the only certificate signature NVIDIA's device chains use. */
const OID_ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
/** NIST CSOR: id-sha384, the FWID hash algorithm. */
const OID_SHA384 = '2.16.840.1.101.3.4.2.2';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
/** A limit on everything: real chains hold 5 certificates. */
export const CHAIN_MAX_CERTS = 8;
const CACHE_MAX = 256;

export type GpuArch = 'HOPPER' | 'BLACKWELL';

/** The firmware identity carried by the leaf certificate. */
export interface LeafFwid {
  readonly oid: string;
  readonly hashAlg: string;
  readonly digest: Uint8Array;
}

const chainError = (message: string, cause?: unknown): NvidiaEvidenceError =>
  new NvidiaEvidenceError('chain', message, cause === undefined ? undefined : { cause });

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** RFC 5280 §4.2.1.9 BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }. */
function basicConstraints(cert: AmdCertificate): { ca: boolean; pathLen: number | undefined } {
  const v = cert.extensions.get(OID_BASIC_CONSTRAINTS);
  if (v === undefined) return { ca: false, pathLen: undefined };
  const r = DerReader.inside(parseDer(v));
  const b = r.optional(TAG.BOOLEAN);
  const ca = b !== undefined && b.value.length === 1 && b.value[0] === 0xff;
  const p = r.optional(TAG.INTEGER);
  r.end();
  const pathLen = p === undefined ? undefined : Number(derReadInteger(p));
  return { ca, pathLen };
}

/** RFC 5280 §4.2.1.3 KeyUsage BIT STRING: bit 0 digitalSignature, bit 5 keyCertSign; undefined if absent. */
function keyUsage(cert: AmdCertificate): { digitalSignature: boolean; keyCertSign: boolean } | undefined {
  const v = cert.extensions.get(OID_KEY_USAGE);
  if (v === undefined) return undefined;
  const node = parseDer(v);
  if (node.tag !== TAG.BIT_STRING || node.value.length < 2) throw chainError('keyUsage is not a BIT STRING with bits');
  const first = node.value[1]!;
  return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
}

/** FWID ::= SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING } (TCG DICE). */
function readFwid(node: DerNode, oid: string): LeafFwid {
  const r = DerReader.inside(node);
  const hashAlg = derReadOid(r.next(TAG.OID));
  const digest = r.next(TAG.OCTET_STRING).value;
  r.end();
  return { oid, hashAlg, digest };
}

/** The leaf's FWID (first FWID of the DICE extension), or a `fwid` error. */
export function leafFwid(cert: AmdCertificate): LeafFwid {
  const hopper = cert.extensions.get(OID_DICE_FWID_HOPPER);
  const blackwell = cert.extensions.get(OID_DICE_FWID_BLACKWELL);
  if (hopper !== undefined && blackwell !== undefined) {
    throw new NvidiaEvidenceError('fwid', `leaf carries both ${OID_DICE_FWID_HOPPER} and ${OID_DICE_FWID_BLACKWELL}`);
  }
  const oid = hopper !== undefined ? OID_DICE_FWID_HOPPER : OID_DICE_FWID_BLACKWELL;
  const value = hopper ?? blackwell;
  if (value === undefined) throw new NvidiaEvidenceError('fwid', `leaf has no DICE FWID extension (${OID_DICE_FWID_HOPPER} or ${OID_DICE_FWID_BLACKWELL})`);
  let fwid: LeafFwid;
  try {
    const seq = DerReader.inside(parseDer(value));
    if (seq.peekTag() === TAG.INTEGER) {
      // CompositeDeviceID { version INTEGER, deviceIdPublicKey SubjectPublicKeyInfo, fwid FWID }.
      seq.next(TAG.INTEGER);
      seq.next(TAG.SEQUENCE);
      fwid = readFwid(seq.next(TAG.SEQUENCE), oid);
      seq.end();
    } else {
      // DiceTcbInfo: vendor [0] .. index [5], fwids [6] IMPLICIT SEQUENCE OF FWID, flags [7] ...
      let found: DerNode | undefined;
      while (!seq.done) {
        const n = seq.next();
        if (n.tag === contextTag(6)) found = n;
      }
      if (found === undefined) throw new NvidiaEvidenceError('fwid', `DICE TcbInfo in ${oid} has no fwids`);
      const list = DerReader.inside(found);
      fwid = readFwid(list.next(TAG.SEQUENCE), oid);
    }
  } catch (e) {
    if (e instanceof NvidiaEvidenceError) throw e;
    if (e instanceof PphError) throw new NvidiaEvidenceError('fwid', `leaf FWID extension ${oid} does not parse: ${e.message}`, { cause: e });
    throw e;
  }
  if (fwid.hashAlg !== OID_SHA384 || fwid.digest.length !== 48) {
    throw new NvidiaEvidenceError('fwid', `leaf FWID is not a SHA-384 digest (${fwid.hashAlg}, ${fwid.digest.length} bytes)`);
  }
  return fwid;
}

function importKey(cert: AmdCertificate): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(cert.spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

function signedBy(child: AmdCertificate, parentKey: KeyObject | undefined): boolean {
  if (parentKey === undefined || child.signatureAlgorithm !== OID_ECDSA_WITH_SHA384) return false;
  try {
    return new X509Certificate(child.der).verify(parentKey);
  } catch {
    return false;
  }
}

/** The architecture a leaf names ("GH100 A01 GSP FMC LF" → HOPPER, "GB20X …" → BLACKWELL). */
function archOf(cn: string | undefined): GpuArch | undefined {
  if (cn === undefined) return undefined;
  if (/^GH1\d\d\b/.test(cn)) return 'HOPPER';
  if (/^GB[12]\d[\dX]\b/.test(cn)) return 'BLACKWELL';
  return undefined;
}

/** A device chain checked against the pinned root(s): the leaf key is ready for evidence. */
export class NvidiaDeviceChain {
  /** Leaf first, root last. */
  readonly certs: readonly AmdCertificate[];
  readonly leaf: AmdCertificate;
  /** The leaf's P-384 key (verified chain), or undefined with {@link problem}. */
  readonly leafKey: KeyObject | undefined;
  /** Why this chain does not validate (structure, names, signatures, constraints, pin), else undefined. */
  readonly problem: string | undefined;
  /** SHA-256 of the leaf's SubjectPublicKeyInfo, hex: the GPU's identity. */
  readonly leafSpkiSha256: string;
  readonly arch: GpuArch | undefined;

  constructor(certs: readonly AmdCertificate[], pins: ReadonlySet<string>) {
    this.certs = certs;
    this.leaf = certs[0]!;
    this.leafSpkiSha256 = sha256Hex(this.leaf.spki);
    this.arch = archOf(this.leaf.subjectCn);
    let problem: string | undefined;
    try {
      problem = this.findProblem(pins);
    } catch (e) {
      if (!(e instanceof PphError)) throw e;
      problem = e.message;
    }
    this.problem = problem;
    const key = problem === undefined ? importKey(this.leaf) : undefined;
    this.leafKey = key;
  }

  private findProblem(pins: ReadonlySet<string>): string | undefined {
    const certs = this.certs;
    if (certs.length < 2) return `a device chain needs the leaf and the root, got ${certs.length} certificate(s)`;
    const keys = certs.map(importKey);
    const root = certs[certs.length - 1]!;
    const name = (c: AmdCertificate): string => c.subjectCn ?? '?';
    // RFC 5280 §6.1: the trust anchor is self-issued and, here, pinned by its key.
    if (Buffer.compare(root.issuer, root.subject) !== 0) return `the last certificate ${name(root)} is not self-issued`;
    const pin = sha256Hex(root.spki);
    if (!pins.has(pin)) return `root ${name(root)} is not a pinned root (SPKI SHA-256 ${pin})`;
    if (!signedBy(root, keys[certs.length - 1])) return `root ${name(root)} is not validly self-signed`;
    for (let i = 0; i < certs.length - 1; i++) {
      const child = certs[i]!;
      const parent = certs[i + 1]!;
      // RFC 5280 §6.1.3 (a)(4): the issuer name equals the working issuer name.
      if (Buffer.compare(child.issuer, parent.subject) !== 0) return `${name(child)} names an issuer other than ${name(parent)}`;
      if (!signedBy(child, keys[i + 1])) return `${name(child)} is not signed by ${name(parent)} (ecdsa-with-SHA384)`;
    }
    for (let i = 1; i < certs.length; i++) {
      const c = certs[i]!;
      const bc = basicConstraints(c);
      // RFC 5280 §6.1.4 (k): an issuer must be a CA; (l)/(m) pathLenConstraint bounds the CAs below it.
      if (!bc.ca) return `${name(c)} issues certificates but is not a CA (basicConstraints)`;
      if (bc.pathLen !== undefined && i - 1 > bc.pathLen) return `${name(c)} has pathLenConstraint ${bc.pathLen} but ${i - 1} CA(s) below it`;
      // RFC 5280 §4.2.1.3: keyCertSign MUST be asserted when the key verifies certificate signatures.
      const ku = keyUsage(c);
      if (ku === undefined || !ku.keyCertSign) return `${name(c)} lacks keyUsage keyCertSign`;
    }
    if (basicConstraints(this.leaf).ca) return `leaf ${name(this.leaf)} is a CA`;
    const ku = keyUsage(this.leaf);
    if (ku === undefined || !ku.digitalSignature) return `leaf ${name(this.leaf)} lacks keyUsage digitalSignature`;
    const key = keys[0];
    if (key?.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1') return `leaf ${name(this.leaf)} does not hold a P-384 key`;
    return undefined;
  }

  /** Throws `chain` unless the chain validates to a pinned root. */
  assertChain(): void {
    if (this.problem !== undefined) throw chainError(this.problem);
  }

  /** Throws `not-yet-valid` / `expired` unless every certificate is valid at `atMs` (RFC 5280 §4.1.2.5, inclusive). */
  assertValidAt(atMs: number): void {
    if (typeof atMs !== 'number' || !Number.isFinite(atMs)) throw new TypeError('atMs expected a finite number');
    for (const c of this.certs) {
      const window = `${c.subjectCn ?? 'certificate'} is valid ${isoFromMs(c.notBeforeMs)}..${isoFromMs(c.notAfterMs)}, not at ${isoFromMs(atMs)}`;
      if (atMs < c.notBeforeMs) throw new NvidiaEvidenceError('not-yet-valid', window);
      if (atMs > c.notAfterMs) throw new NvidiaEvidenceError('expired', window);
    }
  }
}

export interface NvidiaTrustOptions {
  /** SHA-256 (hex or bytes) of each acceptable root SPKI. Default: {@link NVIDIA_DEVICE_ROOT_SPKI_SHA256}. */
  rootSpkiSha256?: readonly (string | Uint8Array)[];
}

/** Splits a PEM bundle (or one DER certificate, or a list of DERs) and parses each; `chain` on failure. */
export function parseChainCertificates(chain: string | Uint8Array | readonly Uint8Array[]): AmdCertificate[] {
  try {
    const ders = Array.isArray(chain) ? (chain as readonly Uint8Array[]) : certificateDers(chain as string | Uint8Array);
    if (ders.length > CHAIN_MAX_CERTS) throw chainError(`${ders.length} certificates, more than ${CHAIN_MAX_CERTS}`);
    return ders.map(parseCertificateDer);
  } catch (e) {
    if (e instanceof NvidiaEvidenceError) throw e;
    if (e instanceof PphError) throw chainError(`device chain does not parse: ${e.message}`, e);
    throw e;
  }
}

/** The pinned NVIDIA root(s) and a cache of checked chains. */
export class NvidiaTrust {
  private readonly pins: ReadonlySet<string>;
  private readonly roots: readonly AmdCertificate[];
  private readonly cache = new Map<string, NvidiaDeviceChain>();

  constructor(options: NvidiaTrustOptions = {}, roots: readonly AmdCertificate[] = []) {
    const pins = options.rootSpkiSha256 ?? [NVIDIA_DEVICE_ROOT_SPKI_SHA256];
    this.pins = new Set(pins.map((p) => toHex(typeof p === 'string' ? fromHex(p, 'root pin') : p)));
    this.roots = roots;
  }

  /**
   * Pins the key of the root certificate(s) in `pem` (the CLI's `--root`). A chain that stops
   * below such a root (its last certificate names the root as issuer) is completed with it.
   * Throws `chain` if no certificate parses.
   */
  static fromRootPem(pem: string | Uint8Array): NvidiaTrust {
    const roots = parseChainCertificates(pem);
    return new NvidiaTrust({ rootSpkiSha256: roots.map((r) => sha256Hex(r.spki)) }, roots);
  }

  /** A checked chain (leaf first). Throws `chain` only when a certificate does not parse; other faults are in `problem`. */
  chain(chain: string | Uint8Array | readonly Uint8Array[]): NvidiaDeviceChain {
    const certs = parseChainCertificates(chain);
    const last = certs[certs.length - 1];
    if (last !== undefined && Buffer.compare(last.issuer, last.subject) !== 0) {
      const root = this.roots.find((r) => Buffer.compare(r.subject, last.issuer) === 0);
      if (root !== undefined && certs.length < CHAIN_MAX_CERTS) certs.push(root);
    }
    const id = certs.map((c) => Buffer.from(c.der).toString('base64')).join('.');
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const checked = new NvidiaDeviceChain(certs, this.pins);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, checked);
    return checked;
  }
}
