/**
 * The AMD certificate chain: ARK (self-signed root, pinned) → ASK → VCEK, or ARK → ASVK → VLEK
 * (AMD KDS spec #57230 §2). A {@link TrustStore} checks the ARK and the intermediates once; an
 * {@link EndorsedKey} adds one leaf (VCEK or VLEK) and caches its P-384 public key as a
 * `KeyObject`, so that thousands of reports verify without touching a certificate again.
 *
 * Certificate signatures may be RSASSA-PSS-SHA384 (AMD's real hierarchy) or ecdsa-with-SHA384
 * (the simulated vendor); both are checked by node's `X509Certificate.verify`. Chain faults are
 * not thrown at construction: they are recorded and raised as `AttestationError` code `chain`
 * when a report is verified, so the order of checks (parse, chain, expired, signature, ...)
 * holds for every report.
 *
 * @example
 * ```ts
 * const store = TrustStore.fromPem(askArkPem);              // AMD's ARKs pinned by default
 * const vcek = store.endorse(vcekDer, 'vcek');
 * vcek.assertChain(); vcek.assertValidAt(atMs);
 * ```
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from '../bytes.js';
import { AttestationError } from '../errors.js';
import { certificateDers, parseAmdCertificate, parseCertificateDer, type AmdCertificate } from './amd-cert.js';
import { isoFromMs as iso } from './der.js';

export type SignerKind = 'vcek' | 'vlek';

/**
 * SHA-256 of the SubjectPublicKeyInfo of AMD's root keys (ARK-Milan, ARK-Genoa, ARK-Turin), as
 * published by AMD KDS (https://kdsintf.amd.com/vcek/v1/<product>/cert_chain). Pinned by key,
 * not by certificate, so a re-issued ARK with the same key still chains.
 */
export const AMD_ARK_SPKI_SHA256: Readonly<Record<'Milan' | 'Genoa' | 'Turin', string>> = {
  Milan: '9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9',
  Genoa: '429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831',
  Turin: '4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08',
};

/** RFC 4055 §3.1 RSASSA-PSS and RFC 5758 §3.2 ecdsa-with-SHA384: the only certificate signatures accepted. */
const SIGNATURE_ALGORITHMS = new Set(['1.2.840.113549.1.1.10', '1.2.840.10045.4.3.3']);
/** RFC 5480 §2.1.1 id-ecPublicKey; the curve is checked when the key is imported. */
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** A limit on everything: distinct leaves remembered per store. */
const ENDORSED_CACHE_MAX = 256;

export interface TrustStoreOptions {
  /** SHA-256 (hex or bytes) of the SPKI of each acceptable root. Default: {@link AMD_ARK_SPKI_SHA256}. */
  pinnedRootSpkiSha256?: readonly (string | Uint8Array)[];
}

/** True when `cert`'s key is one of AMD's ARKs ({@link AMD_ARK_SPKI_SHA256}). */
export function isAmdRoot(cert: AmdCertificate | undefined): boolean {
  return cert !== undefined && (Object.values(AMD_ARK_SPKI_SHA256) as string[]).includes(spkiSha256(cert));
}

/** SHA-256 of a certificate's SubjectPublicKeyInfo, hex. */
export function spkiSha256(cert: AmdCertificate): string {
  return createHash('sha256').update(cert.spki).digest('hex');
}

function importKey(cert: AmdCertificate): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(cert.spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** True when `child` names `parent` as issuer and `parent`'s key verifies `child`'s signature. */
function issuedBy(child: AmdCertificate, parent: AmdCertificate, parentKey: KeyObject | undefined): boolean {
  if (parentKey === undefined || !SIGNATURE_ALGORITHMS.has(child.signatureAlgorithm)) return false;
  // RFC 5280 §6.1.3 (a)(4): the issuer name must equal the working issuer name.
  if (!sameName(child.issuer, parent.subject)) return false;
  try {
    return new X509Certificate(child.der).verify(parentKey);
  } catch {
    return false;
  }
}

function pinSet(options: TrustStoreOptions): Set<string> {
  const pinned = options.pinnedRootSpkiSha256 ?? Object.values(AMD_ARK_SPKI_SHA256);
  return new Set(pinned.map((p) => toHex(typeof p === 'string' ? fromHex(p, 'pin') : p)));
}

function sameName(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

const chainError = (message: string): AttestationError => new AttestationError('chain', message);

/** The product a certificate belongs to: "ARK-Milan" / "SEV-Milan" / "SEV-VLEK-Milan" → "Milan". */
function productOf(cn: string | undefined): string | undefined {
  const m = /^(?:ARK|SEV-VLEK|SEV)-(.+)$/.exec(cn ?? '');
  return m?.[1];
}

/** A parsed, pre-checked AMD root and intermediates. Build it once, endorse many leaves. */
export class TrustStore {
  /** Why the root is unusable (missing, not pinned, not self-signed), else undefined. */
  readonly rootProblem: string | undefined;
  private readonly problems: Record<SignerKind, string | undefined>;
  private readonly endorsed = new Map<string, EndorsedKey>();
  private readonly keys = new Map<AmdCertificate, KeyObject | undefined>();

  private constructor(
    readonly ark: AmdCertificate | undefined,
    readonly ask: AmdCertificate | undefined,
    readonly asvk: AmdCertificate | undefined,
    counts: { arks: number; asks: number; asvks: number },
    pins: ReadonlySet<string>,
  ) {
    this.rootProblem = this.checkRoot(counts.arks, pins);
    this.problems = {
      vcek: this.rootProblem ?? this.checkIntermediate(ask, counts.asks, 'ASK'),
      vlek: this.rootProblem ?? this.checkIntermediate(asvk, counts.asvks, 'ASVK'),
    };
  }

  /**
   * Reads a PEM (or DER) bundle such as AMD KDS `cert_chain` (ASK then ARK) or trustee's
   * ASK+ARK+ASVK. Throws `CertificateError` if a certificate cannot be parsed; chain faults are
   * recorded for {@link EndorsedKey.assertChain}.
   */
  static fromPem(bundle: string | Uint8Array | readonly Uint8Array[], options: TrustStoreOptions = {}): TrustStore {
    const ders = Array.isArray(bundle) ? (bundle as readonly Uint8Array[]) : certificateDers(bundle as string | Uint8Array);
    return TrustStore.fromCertificates(ders.map(parseCertificateDer), options);
  }

  /** Sorts certificates into ARK, ASK and ASVK by their names and checks each link once. */
  static fromCertificates(certs: readonly AmdCertificate[], options: TrustStoreOptions = {}): TrustStore {
    const arks = certs.filter((c) => sameName(c.issuer, c.subject));
    const others = certs.filter((c) => !arks.includes(c));
    // AMD KDS spec §2.2: the ASVK is named SEV-VLEK-<product>, the ASK SEV-<product>.
    const asvks = others.filter((c) => c.subjectCn?.startsWith('SEV-VLEK-'));
    const asks = others.filter((c) => !asvks.includes(c));
    const one = (list: AmdCertificate[]): AmdCertificate | undefined => (list.length === 1 ? list[0] : undefined);
    return new TrustStore(one(arks), one(asks), one(asvks), { arks: arks.length, asks: asks.length, asvks: asvks.length }, pinSet(options));
  }

  /**
   * A store from certificates in given roles, bypassing the sorting by name: lets a test or an
   * adversary put, say, the ASK where the ASVK belongs (which must then fail as `chain`).
   */
  static fromRoles(roles: { ark: AmdCertificate; ask?: AmdCertificate; asvk?: AmdCertificate }, options: TrustStoreOptions = {}): TrustStore {
    const count = (c: AmdCertificate | undefined): number => (c === undefined ? 0 : 1);
    return new TrustStore(roles.ark, roles.ask, roles.asvk, { arks: 1, asks: count(roles.ask), asvks: count(roles.asvk) }, pinSet(options));
  }

  private checkRoot(count: number, pins: ReadonlySet<string>): string | undefined {
    const ark = this.ark;
    if (ark === undefined) return `expected one self-signed ARK in the chain, found ${count}`;
    const pin = spkiSha256(ark);
    if (!pins.has(pin)) return `root ${ark.subjectCn ?? '?'} is not a pinned root (SPKI SHA-256 ${pin})`;
    if (!issuedBy(ark, ark, this.keyOf(ark))) return `root ${ark.subjectCn ?? '?'} is not validly self-signed`;
    return undefined;
  }

  private checkIntermediate(cert: AmdCertificate | undefined, count: number, role: string): string | undefined {
    if (cert === undefined) return `expected one ${role} in the chain, found ${count}`;
    if (!issuedBy(cert, this.ark!, this.keyOf(this.ark!))) return `${role} ${cert.subjectCn ?? '?'} is not signed by ${this.ark!.subjectCn ?? 'the ARK'}`;
    return undefined;
  }

  /** The intermediate that signs leaves of `kind`: ASK for a VCEK, ASVK for a VLEK. */
  intermediateFor(kind: SignerKind): AmdCertificate | undefined {
    return kind === 'vlek' ? this.asvk : this.ask;
  }

  /** Why leaves of `kind` cannot chain (root or intermediate fault), or undefined. */
  problemFor(kind: SignerKind): string | undefined {
    return this.problems[kind];
  }

  /** The cached public key of a certificate of this store. */
  keyOf(cert: AmdCertificate): KeyObject | undefined {
    if (!this.keys.has(cert)) this.keys.set(cert, importKey(cert));
    return this.keys.get(cert);
  }

  /**
   * Checks a VCEK or VLEK against this store once and caches the result (and its key). Throws
   * `CertificateError` if the leaf cannot be parsed.
   */
  endorse(leaf: Uint8Array | string | AmdCertificate, kind: SignerKind): EndorsedKey {
    if (kind !== 'vcek' && kind !== 'vlek') throw new TypeError(`kind expected 'vcek' or 'vlek', got ${String(kind)}`);
    const cert = isCertificate(leaf) ? leaf : parseAmdCertificate(leaf);
    const id = `${kind}:${Buffer.from(cert.der).toString('base64')}`;
    const cached = this.endorsed.get(id);
    if (cached) return cached;
    const key = new EndorsedKey(this, cert, kind);
    if (this.endorsed.size >= ENDORSED_CACHE_MAX) this.endorsed.delete(this.endorsed.keys().next().value!);
    this.endorsed.set(id, key);
    return key;
  }
}

function isCertificate(x: unknown): x is AmdCertificate {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && 'tbs' in x && 'spki' in x;
}

/** A VCEK or VLEK checked against a {@link TrustStore}, with its report-signing key cached. */
export class EndorsedKey {
  /** Leaf, intermediate, root: the certificates whose validity periods must cover the time of use. */
  readonly path: readonly AmdCertificate[];
  /** The leaf's P-384 key, or undefined when the leaf does not hold one. */
  readonly publicKey: KeyObject | undefined;
  /** Why this leaf does not chain to a pinned root, or undefined. */
  readonly chainProblem: string | undefined;

  constructor(
    readonly store: TrustStore,
    readonly leaf: AmdCertificate,
    readonly kind: SignerKind,
  ) {
    const intermediate = store.intermediateFor(kind);
    this.path = [leaf, intermediate, store.ark].filter((c): c is AmdCertificate => c !== undefined);
    this.publicKey = leaf.publicKeyAlgorithm === OID_EC_PUBLIC_KEY ? p384Key(leaf) : undefined;
    this.chainProblem = this.findProblem(intermediate);
  }

  private findProblem(intermediate: AmdCertificate | undefined): string | undefined {
    const upstream = this.store.problemFor(this.kind);
    if (upstream !== undefined) return upstream;
    const role = this.kind === 'vlek' ? 'ASVK' : 'ASK';
    const name = this.kind === 'vlek' ? 'VLEK' : 'VCEK';
    // AMD KDS spec §2: the leaf subject is CN=SEV-VCEK or CN=SEV-VLEK.
    if (this.leaf.subjectCn !== `SEV-${name}`) return `leaf ${this.leaf.subjectCn ?? '?'} is not a ${name}`;
    if (!issuedBy(this.leaf, intermediate!, this.store.keyOf(intermediate!))) {
      return `${name} is not signed by the ${role} ${intermediate!.subjectCn ?? '?'}`;
    }
    // KDS spec #57230 Table 8: productName ("Milan-B0") names the product of the chain ("SEV-Milan").
    const product = this.leaf.amd.productName?.split('-')[0];
    if (product !== undefined && product !== productOf(intermediate!.subjectCn)) {
      return `${name} product ${this.leaf.amd.productName} does not match ${intermediate!.subjectCn ?? '?'}`;
    }
    if (this.publicKey === undefined) return `${name} does not hold an ECDSA P-384 key`;
    return undefined;
  }

  /** Throws `AttestationError` code `chain` unless the leaf chains to a pinned root. */
  assertChain(): void {
    if (this.chainProblem !== undefined) throw chainError(this.chainProblem);
  }

  /**
   * Throws `AttestationError` unless every certificate of the path is valid at `atMs`: code
   * `not-yet-valid` before a notBefore, `expired` after a notAfter.
   */
  assertValidAt(atMs: number): void {
    if (typeof atMs !== 'number' || !Number.isFinite(atMs)) throw new TypeError('atMs expected a finite number');
    for (const c of this.path) {
      // RFC 5280 §4.1.2.5: valid from notBefore through notAfter inclusive.
      if (atMs < c.notBeforeMs || atMs > c.notAfterMs) {
        const code = atMs < c.notBeforeMs ? 'not-yet-valid' : 'expired';
        throw new AttestationError(code, `${c.subjectCn ?? 'certificate'} is valid ${iso(c.notBeforeMs)}..${iso(c.notAfterMs)}, not at ${iso(atMs)}`);
      }
    }
  }
}

function p384Key(cert: AmdCertificate): KeyObject | undefined {
  const key = importKey(cert);
  return key?.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? key : undefined;
}
