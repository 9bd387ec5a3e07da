/**
 * HPKE (RFC 9180), base mode, for the suites pph speaks: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * and AES-128-GCM or ChaCha20-Poly1305.
 *
 * A direct, synchronous implementation on the `node:crypto` primitives of `hpke-node.ts` rather
 * than `@hpke/core`'s `CipherSuite`. Measured here for one seal+open of 1 KiB (node 20, 2 cores):
 * this file ~180 µs; `CipherSuite` with node:crypto-backed KEM/KDF/AEAD objects ~257 µs, its
 * async shape (a promise per primitive, a mutex per seal) being the difference; `CipherSuite` on
 * WebCrypto ~5,500 µs; the primitives alone ~150 µs. The hot path must stay within ~1.5× of that
 * floor (design/PITFALLS.md), which only the direct implementation does. Synchronous calls also
 * suit the simulator: a crypto effect completes inside the step that performs it. The vectors of
 * RFC 9180 and a cross-check against `@hpke/core`'s own suite (test/protocol/hpke.test.ts) keep
 * this honest.
 *
 * Ephemeral keys come from an injected {@link Rng}: DeriveKeyPair(rng.bytes(32)) (RFC 9180 §7.1.3).
 */
import { abytes, concat, i2osp, utf8 } from './bytes.js';
import { HpkeError } from './errors.js';
import type { Rng } from './rng.js';
import {
  aeadOpen,
  aeadSeal,
  AEAD_TAG_BYTES,
  hkdfExpand,
  hkdfExtract,
  SHA256_BYTES,
  x25519Dh,
  x25519PublicBytes,
  x25519PublicBytesCached,
  x25519PublicKey,
  x25519PublicKeyCached,
  x25519SecretKey,
  x25519SecretKeyCached,
  type NodeAeadCipher,
} from './hpke-node.js';
import type { KeyObject } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Identifiers and sizes (RFC 9180 §7)

/** RFC 9180 §7.1: DHKEM(X25519, HKDF-SHA256). */
export const KEM_X25519_HKDF_SHA256 = 0x0020;
/** RFC 9180 §7.2: HKDF-SHA256. */
export const KDF_HKDF_SHA256 = 0x0001;
/** RFC 9180 §7.3: AES-128-GCM. */
export const AEAD_AES_128_GCM = 0x0001;
/** RFC 9180 §7.3: ChaCha20Poly1305. */
export const AEAD_CHACHA20_POLY1305 = 0x0003;

/** An HPKE ciphersuite by its registry identifiers. */
export interface HpkeSuite {
  readonly kemId: number;
  readonly kdfId: number;
  readonly aeadId: number;
}

/** The default suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (PROTOCOL.md). */
export const SUITE_X25519_SHA256_AES128GCM: HpkeSuite = Object.freeze({
  kemId: KEM_X25519_HKDF_SHA256,
  kdfId: KDF_HKDF_SHA256,
  aeadId: AEAD_AES_128_GCM,
});
/** The alternative: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305. */
export const SUITE_X25519_SHA256_CHACHA20POLY1305: HpkeSuite = Object.freeze({
  kemId: KEM_X25519_HKDF_SHA256,
  kdfId: KDF_HKDF_SHA256,
  aeadId: AEAD_CHACHA20_POLY1305,
});

/** Sizes of a supported suite, named as in RFC 9180 §7. */
export interface SuiteSizes {
  /** KEM: shared secret, encapsulated key, public key, secret key. */
  readonly Nsecret: number;
  readonly Nenc: number;
  readonly Npk: number;
  readonly Nsk: number;
  /** KDF output. */
  readonly Nh: number;
  /** AEAD key, nonce and tag. */
  readonly Nk: number;
  readonly Nn: number;
  readonly Nt: number;
}

/** RFC 9180 §7.1 Table 2 (X25519), §7.2 Table 3 (HKDF-SHA256), §7.3 Table 5 (both AEADs). */
const X25519_SHA256_SIZES = { Nsecret: 32, Nenc: 32, Npk: 32, Nsk: 32, Nh: SHA256_BYTES, Nk: 0, Nn: 12, Nt: AEAD_TAG_BYTES };
const AEADS: ReadonlyMap<number, { cipher: NodeAeadCipher; Nk: number }> = new Map([
  [AEAD_AES_128_GCM, { cipher: 'aes-128-gcm' as const, Nk: 16 }],
  [AEAD_CHACHA20_POLY1305, { cipher: 'chacha20-poly1305' as const, Nk: 32 }],
]);

/** True when pph implements this (KEM, KDF, AEAD) combination. */
export function isSupportedSuite(kemId: number, kdfId: number, aeadId: number): boolean {
  return kemId === KEM_X25519_HKDF_SHA256 && kdfId === KDF_HKDF_SHA256 && AEADS.has(aeadId);
}

/** The sizes of `suite`; `HpkeError('suite')` when it is not supported. */
export function suiteSizes(suite: HpkeSuite): SuiteSizes {
  return resolveSuite(suite).sizes;
}

interface ResolvedSuite {
  sizes: SuiteSizes;
  cipher: NodeAeadCipher;
  /** RFC 9180 §5.1: suite_id = "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2). */
  suiteId: Uint8Array;
}

const resolved = new Map<number, ResolvedSuite>();

function resolveSuite(suite: HpkeSuite): ResolvedSuite {
  if (suite === null || typeof suite !== 'object') throw new TypeError(`suite expected HpkeSuite, got ${typeof suite}`);
  const { kemId, kdfId, aeadId } = suite;
  if (!isSupportedSuite(kemId, kdfId, aeadId)) {
    throw new HpkeError('suite', `unsupported HPKE suite kem=0x${hex4(kemId)} kdf=0x${hex4(kdfId)} aead=0x${hex4(aeadId)}`);
  }
  let r = resolved.get(aeadId);
  if (r === undefined) {
    const aead = AEADS.get(aeadId)!;
    r = {
      sizes: Object.freeze({ ...X25519_SHA256_SIZES, Nk: aead.Nk }),
      cipher: aead.cipher,
      suiteId: concat(utf8('HPKE'), i2osp(kemId, 2), i2osp(kdfId, 2), i2osp(aeadId, 2)),
    };
    resolved.set(aeadId, r);
  }
  return r;
}

function hex4(n: unknown): string {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n.toString(16).padStart(4, '0') : String(n);
}

/** A suite's AEAD on its own (RFC 9180 §7.3), for protocols that key it themselves (RFC 9458 §4.4). */
export interface SuiteAead {
  /** ciphertext ‖ 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array;
  /** The plaintext, or undefined when authentication fails. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | undefined;
}

/** The AEAD of `suite`; `HpkeError('suite')` when the suite is not supported. */
export function suiteAead(suite: HpkeSuite): SuiteAead {
  const { cipher } = resolveSuite(suite);
  return {
    seal: (key, nonce, aad, pt) => aeadSeal(cipher, key, nonce, aad, pt),
    open: (key, nonce, aad, ct) => aeadOpen(cipher, key, nonce, aad, ct),
  };
}

// ---------------------------------------------------------------------------------------------
// Labeled KDF (RFC 9180 §4)

const HPKE_V1 = utf8('HPKE-v1');
/** RFC 9180 §4.1: the KEM's own suite_id = "KEM" ‖ I2OSP(kem_id, 2). */
const KEM_SUITE_ID = concat(utf8('KEM'), i2osp(KEM_X25519_HKDF_SHA256, 2));
const EMPTY = new Uint8Array(0);
const LABEL = {
  dkpPrk: utf8('dkp_prk'),
  sk: utf8('sk'),
  eaePrk: utf8('eae_prk'),
  sharedSecret: utf8('shared_secret'),
  pskIdHash: utf8('psk_id_hash'),
  infoHash: utf8('info_hash'),
  secret: utf8('secret'),
  key: utf8('key'),
  baseNonce: utf8('base_nonce'),
  exp: utf8('exp'),
  sec: utf8('sec'),
};

/** RFC 9180 §4: LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). */
function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hkdfExtract(salt, HPKE_V1, suiteId, label, ikm);
}

/** RFC 9180 §4: LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L). */
function labeledExpand(suiteId: Uint8Array, prk: Uint8Array, label: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(prk, concat(i2osp(length, 2), HPKE_V1, suiteId, label, info), length);
}

// ---------------------------------------------------------------------------------------------
// DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, §7.1)

/** A raw X25519 key pair, 32 bytes each. */
export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

interface ImportedKeyPair extends KeyPair {
  readonly secret: KeyObject;
}

function deriveImported(ikm: Uint8Array): ImportedKeyPair {
  // RFC 9180 §7.1.3: for X25519, sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", Nsk).
  const dkpPrk = labeledExtract(KEM_SUITE_ID, EMPTY, LABEL.dkpPrk, ikm);
  const secretKey = labeledExpand(KEM_SUITE_ID, dkpPrk, LABEL.sk, EMPTY, X25519_SHA256_SIZES.Nsk);
  return importSecret(secretKey, false);
}

function importSecret(secretKey: Uint8Array, longTerm: boolean): ImportedKeyPair {
  // Long-term keys: the KeyObject and its public bytes are imported once and cached (hpke-node.ts).
  if (longTerm) {
    const secret = x25519SecretKeyCached(secretKey);
    return { secretKey, publicKey: x25519PublicBytesCached(secret), secret };
  }
  const secret = x25519SecretKey(secretKey);
  return { secretKey, publicKey: x25519PublicBytes(secret), secret };
}

/**
 * RFC 9180 §7.1.3 DeriveKeyPair: a key pair determined by `ikm` (at least 32 bytes of entropy).
 *
 * @example
 * const { secretKey, publicKey } = deriveKeyPair(new Uint8Array(32).fill(7));
 */
export function deriveKeyPair(ikm: Uint8Array): KeyPair {
  abytes('ikm', ikm);
  if (ikm.length < X25519_SHA256_SIZES.Nsk) throw new RangeError(`ikm expected at least ${X25519_SHA256_SIZES.Nsk} bytes, got length=${ikm.length}`);
  const { secretKey, publicKey } = deriveImported(ikm);
  return { secretKey, publicKey };
}

/** A fresh key pair from the injected randomness: DeriveKeyPair(rng.bytes(32)) (RFC 9180 §7.1.3). */
export function generateKeyPair(rng: Rng): KeyPair {
  return deriveKeyPair(rng.bytes(X25519_SHA256_SIZES.Nsk));
}

/** The raw public key for a raw 32-byte X25519 secret key. */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  abytes('secretKey', secretKey, X25519_SHA256_SIZES.Nsk);
  return x25519PublicBytesCached(x25519SecretKeyCached(secretKey));
}

/**
 * Where a sender's ephemeral key comes from: an {@link Rng} (the normal case), an `ikmE` fed to
 * DeriveKeyPair (RFC 9180 test vectors), or — for testing only — the ephemeral secret itself
 * (RFC 9458 Appendix A gives skE, not ikmE). Never pass `testingOnlySkE` outside tests: reusing
 * an ephemeral key destroys the sender's privacy.
 */
export type EphemeralSource = Rng | { readonly ikmE: Uint8Array } | { readonly testingOnlySkE: Uint8Array };

function isRng(source: unknown): source is Rng {
  return typeof (source as Rng | undefined)?.bytes === 'function';
}

function ephemeralKeyPair(source: EphemeralSource): ImportedKeyPair {
  if (isRng(source)) return deriveImported(source.bytes(X25519_SHA256_SIZES.Nsk));
  if (source !== null && typeof source === 'object') {
    if ('ikmE' in source) return deriveImported(abytes('ikmE', source.ikmE));
    if ('testingOnlySkE' in source) return importSecret(abytes('testingOnlySkE', source.testingOnlySkE, 32), false);
  }
  throw new TypeError('ephemeral source expected Rng, { ikmE } or { testingOnlySkE }');
}

/** RFC 9180 §4.1 ExtractAndExpand(dh, kem_context). */
function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const eaePrk = labeledExtract(KEM_SUITE_ID, EMPTY, LABEL.eaePrk, dh);
  return labeledExpand(KEM_SUITE_ID, eaePrk, LABEL.sharedSecret, kemContext, X25519_SHA256_SIZES.Nsecret);
}

/** RFC 9180 §4.1 Encap(pkR): returns (shared_secret, enc). */
function encap(pkR: Uint8Array, ephemeral: ImportedKeyPair): { sharedSecret: Uint8Array; enc: Uint8Array } {
  const dh = x25519Dh(ephemeral.secret, x25519PublicKeyCached(pkR));
  // RFC 9180 §7.1.4: abort on an all-zero DH output (pkR of low order).
  if (dh === undefined) throw new HpkeError('key', 'X25519 with the recipient public key gave the all-zero value');
  const enc = ephemeral.publicKey;
  return { sharedSecret: extractAndExpand(dh, concat(enc, pkR)), enc };
}

/** RFC 9180 §4.1 Decap(enc, skR). */
function decap(enc: Uint8Array, skR: Uint8Array): Uint8Array {
  const recipient = importSecret(skR, true);
  const dh = x25519Dh(recipient.secret, x25519PublicKey(enc));
  // RFC 9180 §7.1.4: abort on an all-zero DH output (enc of low order).
  if (dh === undefined) throw new HpkeError('key', 'X25519 with the encapsulated key gave the all-zero value');
  return extractAndExpand(dh, concat(enc, recipient.publicKey));
}

// ---------------------------------------------------------------------------------------------
// Key schedule and contexts (RFC 9180 §5)

const MODE_BASE = 0x00;

/** The outputs of the key schedule, exposed only through {@link testingOnlyContextSecrets}. */
export interface ContextSecrets {
  readonly sharedSecret: Uint8Array;
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

/** RFC 9180 §5.1 KeySchedule<ROLE>(mode_base, shared_secret, info, psk = "", psk_id = ""). */
function keySchedule(r: ResolvedSuite, sharedSecret: Uint8Array, info: Uint8Array): ContextSecrets {
  const { suiteId, sizes } = r;
  const pskIdHash = labeledExtract(suiteId, EMPTY, LABEL.pskIdHash, EMPTY);
  const infoHash = labeledExtract(suiteId, EMPTY, LABEL.infoHash, info);
  const context = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
  const secret = labeledExtract(suiteId, sharedSecret, LABEL.secret, EMPTY);
  return {
    sharedSecret,
    key: labeledExpand(suiteId, secret, LABEL.key, context, sizes.Nk),
    baseNonce: labeledExpand(suiteId, secret, LABEL.baseNonce, context, sizes.Nn),
    exporterSecret: labeledExpand(suiteId, secret, LABEL.exp, context, sizes.Nh),
  };
}

let readSecrets: (ctx: HpkeContext) => ContextSecrets;

/** What both roles share: the sequence number, the nonce rule and the secret export. */
abstract class HpkeContext {
  readonly #secrets: ContextSecrets;
  readonly #suite: ResolvedSuite;
  #seq = 0;

  static {
    readSecrets = (ctx) => ctx.#secrets;
  }

  protected constructor(suite: ResolvedSuite, secrets: ContextSecrets) {
    this.#suite = suite;
    this.#secrets = secrets;
  }

  /** RFC 9180 §5.3: Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L). */
  export(exporterContext: Uint8Array, length: number): Uint8Array {
    abytes('exporterContext', exporterContext);
    const { Nh } = this.#suite.sizes;
    if (typeof length !== 'number' || !Number.isInteger(length)) throw new TypeError(`length expected integer, got ${typeof length}`);
    // RFC 9180 §5.3 / RFC 5869: L ≤ 255·Nh.
    if (length < 0 || length > 255 * Nh) throw new HpkeError('export', `export length ${length} is outside [0, ${255 * Nh}]`);
    return labeledExpand(this.#suite.suiteId, this.#secrets.exporterSecret, LABEL.sec, exporterContext, length);
  }

  /** RFC 9180 §5.2 ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn), then IncrementSeq. */
  protected nextNonce(code: 'seal' | 'open'): Uint8Array {
    const seq = this.#seq;
    // RFC 9180 §5.2: the sequence number must not wrap; a JS number is exact up to 2^53 - 1.
    if (seq >= Number.MAX_SAFE_INTEGER) throw new HpkeError(code, 'message limit reached');
    const nonce = this.#secrets.baseNonce.slice();
    let v = seq;
    for (let i = nonce.length - 1; v > 0 && i >= 0; i--) {
      nonce[i] = nonce[i]! ^ (v % 256);
      v = Math.floor(v / 256);
    }
    return nonce;
  }

  protected advance(): void {
    this.#seq++;
  }

  protected get cipher(): NodeAeadCipher {
    return this.#suite.cipher;
  }

  protected get key(): Uint8Array {
    return this.#secrets.key;
  }
}

/** A sender's context (RFC 9180 §5.2): seals messages in order and exports secrets. */
export class SenderContext extends HpkeContext {
  /** The encapsulated ephemeral public key to send with the first ciphertext. */
  readonly enc: Uint8Array;

  /** @internal use {@link setupBaseS}. */
  constructor(suite: ResolvedSuite, secrets: ContextSecrets, enc: Uint8Array) {
    super(suite, secrets);
    this.enc = enc;
  }

  /** RFC 9180 §5.2 ContextS.Seal(aad, pt): the next ciphertext (plaintext ‖ 16-byte tag). */
  seal(pt: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    abytes('pt', pt);
    abytes('aad', aad);
    const ct = aeadSeal(this.cipher, this.key, this.nextNonce('seal'), aad, pt);
    this.advance();
    return ct;
  }
}

/** A recipient's context (RFC 9180 §5.2): opens messages in order and exports secrets. */
export class RecipientContext extends HpkeContext {
  /** @internal use {@link setupBaseR}. */
  constructor(suite: ResolvedSuite, secrets: ContextSecrets) {
    super(suite, secrets);
  }

  /**
   * RFC 9180 §5.2 ContextR.Open(aad, ct). `HpkeError('open')` when authentication fails; the
   * sequence number advances only on success, as the RFC requires.
   */
  open(ct: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    abytes('ct', ct);
    abytes('aad', aad);
    const pt = aeadOpen(this.cipher, this.key, this.nextNonce('open'), aad, ct);
    if (pt === undefined) throw new HpkeError('open', 'HPKE open failed: ciphertext or associated data not authentic');
    this.advance();
    return pt;
  }
}

/**
 * RFC 9180 §5.1.1 SetupBaseS(pkR, info): encapsulate to `pkR` and derive the sender's context.
 *
 * @example
 * const rng = ChaChaRng.fromSeed(1);
 * const recipient = generateKeyPair(rng.fork('recipient'));
 * const sender = setupBaseS(recipient.publicKey, utf8('app info'), rng.fork('client'));
 * const ct = sender.seal(utf8('hello'));
 * const pt = setupBaseR(recipient.secretKey, sender.enc, utf8('app info')).open(ct);
 */
export function setupBaseS(
  pkR: Uint8Array,
  info: Uint8Array,
  source: EphemeralSource,
  suite: HpkeSuite = SUITE_X25519_SHA256_AES128GCM,
): SenderContext {
  abytes('pkR', pkR, X25519_SHA256_SIZES.Npk);
  abytes('info', info);
  const r = resolveSuite(suite);
  const { sharedSecret, enc } = encap(pkR, ephemeralKeyPair(source));
  return new SenderContext(r, keySchedule(r, sharedSecret, info), enc);
}

/** RFC 9180 §5.1.1 SetupBaseR(enc, skR, info): decapsulate `enc` and derive the recipient's context. */
export function setupBaseR(
  skR: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
  suite: HpkeSuite = SUITE_X25519_SHA256_AES128GCM,
): RecipientContext {
  abytes('skR', skR, X25519_SHA256_SIZES.Nsk);
  abytes('enc', enc, X25519_SHA256_SIZES.Nenc);
  abytes('info', info);
  const r = resolveSuite(suite);
  return new RecipientContext(r, keySchedule(r, decap(enc, skR), info));
}

/** RFC 9180 §6.1 single-shot Seal<MODE_BASE>(pkR, info, aad, pt) → (enc, ct). */
export function sealBase(
  pkR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
  source: EphemeralSource,
  suite: HpkeSuite = SUITE_X25519_SHA256_AES128GCM,
): { enc: Uint8Array; ct: Uint8Array } {
  const ctx = setupBaseS(pkR, info, source, suite);
  return { enc: ctx.enc, ct: ctx.seal(pt, aad) };
}

/** RFC 9180 §6.1 single-shot Open<MODE_BASE>(enc, skR, info, aad, ct) → pt. */
export function openBase(
  skR: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
  suite: HpkeSuite = SUITE_X25519_SHA256_AES128GCM,
): Uint8Array {
  return setupBaseR(skR, enc, info, suite).open(ct, aad);
}

/**
 * For testing only: the key-schedule outputs behind a context, so that conformance tests can
 * compare `key`, `base_nonce` and `exporter_secret` with the RFC 9180 vectors.
 */
export function testingOnlyContextSecrets(ctx: SenderContext | RecipientContext): ContextSecrets {
  return readSecrets(ctx);
}
