/**
 * Oblivious HTTP (RFC 9458): key configurations (§3), request encapsulation (§4.3) and response
 * encapsulation (§4.4), on the synchronous HPKE of `hpke.ts`.
 *
 * Randomness: the client's ephemeral key and the gateway's response nonce come from the caller's
 * {@link Rng}. Tests may inject them instead (`testingOnlySkE`, `testingOnlyResponseNonce`), which
 * is how RFC 9458 Appendix A reproduces byte for byte. Nothing else here is random.
 *
 * A request context keeps only what the response needs (the exported secret and `enc`), never the
 * HPKE context, so nothing able to open further requests outlives the exchange.
 */
import { abytes, aint, concat, i2osp, utf8 } from './bytes.js';
import {
  HpkeError,
  OhttpDecapsulationError,
  OhttpEncapsulationError,
  OhttpKeyConfigError,
  OhttpResponseError,
} from './errors.js';
import {
  AEAD_AES_128_GCM,
  AEAD_CHACHA20_POLY1305,
  deriveKeyPair,
  generateKeyPair,
  isSupportedSuite,
  KDF_HKDF_SHA256,
  KEM_X25519_HKDF_SHA256,
  publicKeyFromSecret,
  setupBaseR,
  setupBaseS,
  suiteAead,
  suiteSizes,
  type EphemeralSource,
  type HpkeSuite,
  type SuiteSizes,
} from './hpke.js';
import { hkdfExpand, hkdfExtract } from './hpke-node.js';
import type { Rng } from './rng.js';

// ---------------------------------------------------------------------------------------------
// Key configuration (RFC 9458 §3)

/** One (KDF, AEAD) pair a gateway accepts (RFC 9458 §3.1 "HPKE Symmetric Algorithms"). */
export interface SymmetricAlgorithm {
  readonly kdfId: number;
  readonly aeadId: number;
}

/** A gateway's key configuration (RFC 9458 §3.1). */
export interface KeyConfig {
  /** Key Identifier (8 bits). */
  readonly keyId: number;
  /** HPKE KEM ID. */
  readonly kemId: number;
  /** The raw HPKE public key, Npk bytes for the KEM. */
  readonly publicKey: Uint8Array;
  /** Every (KDF, AEAD) pair the gateway accepts with this key, in its order of preference. */
  readonly symmetricAlgorithms: readonly SymmetricAlgorithm[];
}

/** The symmetric algorithms pph supports, in order of preference. */
export const SUPPORTED_SYMMETRIC_ALGORITHMS: readonly SymmetricAlgorithm[] = Object.freeze([
  Object.freeze({ kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM }),
  Object.freeze({ kdfId: KDF_HKDF_SHA256, aeadId: AEAD_CHACHA20_POLY1305 }),
]);

/**
 * RFC 9180 §7.1 Table 2: Npk of every registered DHKEM. A configuration for another of these KEMs
 * still parses (a key list may offer several); only encapsulation requires X25519.
 */
const KEM_PUBLIC_KEY_BYTES: ReadonlyMap<number, number> = new Map([
  [0x0010, 65], // DHKEM(P-256, HKDF-SHA256)
  [0x0011, 97], // DHKEM(P-384, HKDF-SHA384)
  [0x0012, 133], // DHKEM(P-521, HKDF-SHA512)
  [0x0020, 32], // DHKEM(X25519, HKDF-SHA256)
  [0x0021, 56], // DHKEM(X448, HKDF-SHA512)
]);

/** RFC 9458 §3.1: HPKE Symmetric Algorithms Length (16) = 4..65532, four bytes per pair. */
const SYMMETRIC_BYTES_MIN = 4;
const SYMMETRIC_BYTES_MAX = 65532;

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/**
 * Encodes one key configuration (RFC 9458 §3.1), without the 2-byte length prefix of a list.
 *
 * @example
 * const config = encodeKeyConfig({ keyId: 1, kemId: 0x0020, publicKey, symmetricAlgorithms: SUPPORTED_SYMMETRIC_ALGORITHMS });
 */
export function encodeKeyConfig(config: KeyConfig): Uint8Array {
  if (config === null || typeof config !== 'object') throw new TypeError(`config expected KeyConfig, got ${typeof config}`);
  aint('keyId', config.keyId, 0, 0xff);
  aint('kemId', config.kemId, 0, 0xffff);
  const npk = KEM_PUBLIC_KEY_BYTES.get(config.kemId);
  if (npk === undefined) throw new RangeError(`kemId 0x${config.kemId.toString(16)} is not a registered DHKEM`);
  abytes('publicKey', config.publicKey, npk);
  const algorithms = config.symmetricAlgorithms;
  if (!Array.isArray(algorithms)) throw new TypeError('symmetricAlgorithms expected an array');
  const symmetricBytes = 4 * algorithms.length;
  if (symmetricBytes < SYMMETRIC_BYTES_MIN || symmetricBytes > SYMMETRIC_BYTES_MAX) {
    throw new RangeError(`symmetricAlgorithms expected 1..${SYMMETRIC_BYTES_MAX / 4} entries, got ${algorithms.length}`);
  }
  const parts: Uint8Array[] = [Uint8Array.of(config.keyId), i2osp(config.kemId, 2), config.publicKey, i2osp(symmetricBytes, 2)];
  for (const a of algorithms) {
    parts.push(i2osp(aint('kdfId', a.kdfId, 0, 0xffff), 2), i2osp(aint('aeadId', a.aeadId, 0, 0xffff), 2));
  }
  return concat(...parts);
}

/** Parses one configuration at `at`; returns it and the offset after it. */
function readKeyConfig(bytes: Uint8Array, at: number, end: number): { config: KeyConfig; next: number } {
  if (end - at < 3) throw new OhttpKeyConfigError('truncated', 'key configuration shorter than its key id and KEM id');
  const keyId = bytes[at]!;
  const kemId = u16(bytes, at + 1);
  const npk = KEM_PUBLIC_KEY_BYTES.get(kemId);
  // The public key's length follows from the KEM, so an unknown KEM cannot even be framed.
  if (npk === undefined) throw new OhttpKeyConfigError('suite', `key configuration uses unknown KEM 0x${kemId.toString(16).padStart(4, '0')}`);
  let p = at + 3;
  if (end - p < npk + 2) throw new OhttpKeyConfigError('truncated', 'key configuration truncated in its public key');
  const publicKey = bytes.slice(p, p + npk);
  p += npk;
  const symmetricBytes = u16(bytes, p);
  p += 2;
  // RFC 9458 §3.1: 4..65532 bytes, whole (KDF, AEAD) pairs.
  if (symmetricBytes < SYMMETRIC_BYTES_MIN || symmetricBytes % 4 !== 0) {
    throw new OhttpKeyConfigError('invalid', `symmetric algorithms length ${symmetricBytes} is not a positive multiple of 4`);
  }
  if (end - p < symmetricBytes) throw new OhttpKeyConfigError('truncated', 'key configuration truncated in its symmetric algorithms');
  const symmetricAlgorithms: SymmetricAlgorithm[] = [];
  for (const stop = p + symmetricBytes; p < stop; p += 4) {
    symmetricAlgorithms.push({ kdfId: u16(bytes, p), aeadId: u16(bytes, p + 2) });
  }
  return { config: { keyId, kemId, publicKey, symmetricAlgorithms }, next: p };
}

/**
 * Parses exactly one key configuration (RFC 9458 §3.1). Throws `OhttpKeyConfigError` with code
 * `truncated`, `trailing` (bytes after it), `suite` (unknown KEM) or `invalid`.
 */
export function parseKeyConfig(bytes: Uint8Array): KeyConfig {
  abytes('bytes', bytes);
  const { config, next } = readKeyConfig(bytes, 0, bytes.length);
  if (next !== bytes.length) throw new OhttpKeyConfigError('trailing', `${bytes.length - next} bytes after the key configuration`);
  return config;
}

/** Encodes an `application/ohttp-keys` list (RFC 9458 §3.2): each configuration behind a 2-byte length. */
export function encodeKeyConfigList(configs: readonly KeyConfig[]): Uint8Array {
  if (!Array.isArray(configs)) throw new TypeError('configs expected an array');
  const parts: Uint8Array[] = [];
  for (const c of configs) {
    const encoded = encodeKeyConfig(c);
    if (encoded.length > 0xffff) throw new RangeError(`key configuration of ${encoded.length} bytes exceeds the 2-byte length prefix`);
    parts.push(i2osp(encoded.length, 2), encoded);
  }
  return concat(...parts);
}

/** A configuration of a list that was skipped: its KEM is not one pph can frame (RFC 9458 §3.2). */
export interface SkippedKeyConfig {
  readonly keyId: number;
  readonly kemId: number;
  /** The configuration's length, from its 2-byte prefix. */
  readonly length: number;
}

/**
 * Parses an `application/ohttp-keys` list (RFC 9458 §3.2) and says which configurations it
 * skipped. RFC 9458 §3.2: "Clients MUST discard incorrectly encoded lists" — the list framing is
 * the 2-byte length prefix per configuration, so a configuration whose KEM pph does not know
 * (e.g. ML-KEM-768 0x0041 or X-Wing 0x647a, whose public key length pph cannot derive) is framed
 * correctly and is skipped, not fatal; the others are kept. What fails the whole list
 * (`OhttpKeyConfigError`): a truncated prefix or configuration (`truncated`), a configuration
 * shorter than its key id and KEM id (`truncated`), a configuration of a known KEM that does not
 * fill its prefix exactly (`trailing`) or does not parse (codes as {@link parseKeyConfig}).
 */
export function readKeyConfigList(bytes: Uint8Array): { configs: KeyConfig[]; skipped: SkippedKeyConfig[] } {
  abytes('bytes', bytes);
  const configs: KeyConfig[] = [];
  const skipped: SkippedKeyConfig[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (bytes.length - p < 2) throw new OhttpKeyConfigError('truncated', 'key configuration list truncated in a length prefix');
    const length = u16(bytes, p);
    p += 2;
    if (bytes.length - p < length) throw new OhttpKeyConfigError('truncated', 'key configuration list truncated in a configuration');
    if (length < 3) throw new OhttpKeyConfigError('truncated', 'key configuration shorter than its key id and KEM id');
    const kemId = u16(bytes, p + 1);
    if (!KEM_PUBLIC_KEY_BYTES.has(kemId)) {
      skipped.push({ keyId: bytes[p]!, kemId, length });
      p += length;
      continue;
    }
    const { config, next } = readKeyConfig(bytes, p, p + length);
    if (next !== p + length) throw new OhttpKeyConfigError('trailing', 'key configuration shorter than its length prefix');
    configs.push(config);
    p = next;
  }
  return { configs, skipped };
}

/**
 * The configurations of an `application/ohttp-keys` list (RFC 9458 §3.2) whose KEM pph can
 * frame; see {@link readKeyConfigList} for what is skipped and what fails the list.
 */
export function parseKeyConfigList(bytes: Uint8Array): KeyConfig[] {
  return readKeyConfigList(bytes).configs;
}

// ---------------------------------------------------------------------------------------------
// Gateway keys

/** A gateway's secret key together with the configuration that advertises it. */
export interface GatewayKey {
  readonly config: KeyConfig;
  /** The raw 32-byte X25519 secret key. */
  readonly secretKey: Uint8Array;
}

/** A gateway key for an existing X25519 secret key. */
export function gatewayKeyFromSecret(
  keyId: number,
  secretKey: Uint8Array,
  symmetricAlgorithms: readonly SymmetricAlgorithm[] = SUPPORTED_SYMMETRIC_ALGORITHMS,
): GatewayKey {
  aint('keyId', keyId, 0, 0xff);
  const publicKey = publicKeyFromSecret(secretKey);
  return { config: { keyId, kemId: KEM_X25519_HKDF_SHA256, publicKey, symmetricAlgorithms }, secretKey };
}

/** A fresh gateway key from the injected randomness (RFC 9180 §7.1.3 DeriveKeyPair(rng.bytes(32))). */
export function generateGatewayKey(
  keyId: number,
  rng: Rng,
  symmetricAlgorithms: readonly SymmetricAlgorithm[] = SUPPORTED_SYMMETRIC_ALGORITHMS,
): GatewayKey {
  return gatewayKeyFromSecret(keyId, generateKeyPair(rng).secretKey, symmetricAlgorithms);
}

/** As {@link generateGatewayKey}, from input keying material (deterministic; ≥ 32 bytes of entropy). */
export function deriveGatewayKey(
  keyId: number,
  ikm: Uint8Array,
  symmetricAlgorithms: readonly SymmetricAlgorithm[] = SUPPORTED_SYMMETRIC_ALGORITHMS,
): GatewayKey {
  return gatewayKeyFromSecret(keyId, deriveKeyPair(ikm).secretKey, symmetricAlgorithms);
}

// ---------------------------------------------------------------------------------------------
// Requests (RFC 9458 §4.3)

/** RFC 9458 §4.3: the header is key_id (1) ‖ kem_id (2) ‖ kdf_id (2) ‖ aead_id (2). */
const HEADER_BYTES = 7;
const REQUEST_LABEL = utf8('message/bhttp request');
const RESPONSE_LABEL = utf8('message/bhttp response');

function requestHeader(keyId: number, suite: HpkeSuite): Uint8Array {
  return concat(Uint8Array.of(keyId), i2osp(suite.kemId, 2), i2osp(suite.kdfId, 2), i2osp(suite.aeadId, 2));
}

/** RFC 9458 §4.3: info = "message/bhttp request" ‖ 0x00 ‖ hdr. */
function requestInfo(header: Uint8Array): Uint8Array {
  return concat(REQUEST_LABEL, Uint8Array.of(0), header);
}

/** What each side keeps to protect the response (RFC 9458 §4.4). */
interface ResponseKeying {
  readonly suite: HpkeSuite;
  readonly sizes: SuiteSizes;
  readonly enc: Uint8Array;
  /** context.Export("message/bhttp response", max(Nn, Nk)). */
  readonly secret: Uint8Array;
}

/** RFC 9458 §4.4: the response nonce and the exported secret are max(Nn, Nk) bytes. */
function responseNonceBytes(sizes: SuiteSizes): number {
  return Math.max(sizes.Nn, sizes.Nk);
}

/** RFC 9458 §4.4: PRK = Extract(enc ‖ response_nonce, secret); key = Expand(PRK, "key", Nk); nonce = Expand(PRK, "nonce", Nn). */
function responseAeadKeys(k: ResponseKeying, responseNonce: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const prk = hkdfExtract(concat(k.enc, responseNonce), k.secret);
  return { key: hkdfExpand(prk, utf8('key'), k.sizes.Nk), nonce: hkdfExpand(prk, utf8('nonce'), k.sizes.Nn) };
}

/** The client's side of one exchange: opens the gateway's response. */
export class ClientRequestContext {
  readonly #keying: ResponseKeying;

  /** @internal use {@link encapsulateRequest}. */
  constructor(keying: ResponseKeying) {
    this.#keying = keying;
  }

  /** The suite this request used. */
  get suite(): HpkeSuite {
    return this.#keying.suite;
  }

  /**
   * RFC 9458 §4.4, client side: opens an encapsulated response (response_nonce ‖ ct) and returns
   * the Binary HTTP response. `OhttpResponseError` with code `truncated` or `open`.
   */
  decapsulateResponse(encapsulated: Uint8Array): Uint8Array {
    abytes('encapsulated', encapsulated);
    const k = this.#keying;
    const nonceBytes = responseNonceBytes(k.sizes);
    if (encapsulated.length < nonceBytes + k.sizes.Nt) {
      throw new OhttpResponseError('truncated', `encapsulated response of ${encapsulated.length} bytes is shorter than nonce and tag (${nonceBytes + k.sizes.Nt})`);
    }
    const { key, nonce } = responseAeadKeys(k, encapsulated.subarray(0, nonceBytes));
    const response = suiteAead(k.suite).open(key, nonce, new Uint8Array(0), encapsulated.subarray(nonceBytes));
    if (response === undefined) throw new OhttpResponseError('open', 'encapsulated response did not authenticate');
    return response;
  }
}

/** Options of {@link encapsulateRequest}. */
export interface EncapsulateOptions {
  /** The (KDF, AEAD) pair to use; default: the first pair of the configuration that pph supports. */
  readonly symmetric?: SymmetricAlgorithm;
}

function chooseSuite(config: KeyConfig, wanted: SymmetricAlgorithm | undefined): HpkeSuite {
  const offered = (a: SymmetricAlgorithm): boolean => isSupportedSuite(config.kemId, a.kdfId, a.aeadId);
  const pick = wanted === undefined
    ? config.symmetricAlgorithms.find(offered)
    : config.symmetricAlgorithms.find((a) => a.kdfId === wanted.kdfId && a.aeadId === wanted.aeadId && offered(a));
  if (pick === undefined) {
    throw new OhttpEncapsulationError('suite', `key configuration ${config.keyId} offers no supported suite${wanted ? ' matching the one asked for' : ''}`);
  }
  return { kemId: config.kemId, kdfId: pick.kdfId, aeadId: pick.aeadId };
}

/**
 * RFC 9458 §4.3, client side: encapsulates a Binary HTTP request to a gateway's key configuration.
 * The ephemeral key comes from `source`: an {@link Rng} normally; `{ testingOnlySkE }` in tests.
 * Throws `OhttpKeyConfigError` for an unparsable configuration, `OhttpEncapsulationError`
 * (`suite`, `key`) when it cannot be used.
 *
 * @example
 * const gateway = generateGatewayKey(1, rng.fork('gateway'));
 * const { encapsulated, context } = encapsulateRequest(gateway.config, bhttpRequest, rng.fork('client'));
 * const { request, context: server } = decapsulateRequest(gateway, encapsulated);
 * const response = context.decapsulateResponse(server.encapsulateResponse(bhttpResponse, rng.fork('gateway')));
 */
export function encapsulateRequest(
  keyConfig: KeyConfig | Uint8Array,
  request: Uint8Array,
  source: EphemeralSource,
  options: EncapsulateOptions = {},
): { encapsulated: Uint8Array; context: ClientRequestContext } {
  const config = keyConfig instanceof Uint8Array ? parseKeyConfig(keyConfig) : keyConfig;
  abytes('request', request);
  const suite = chooseSuite(config, options.symmetric);
  const header = requestHeader(config.keyId, suite);
  let sender;
  try {
    sender = setupBaseS(config.publicKey, requestInfo(header), source, suite);
  } catch (e) {
    if (e instanceof HpkeError) throw new OhttpEncapsulationError('key', `cannot encapsulate to key ${config.keyId}: ${e.message}`, { cause: e });
    throw e;
  }
  const sizes = suiteSizes(suite);
  // RFC 9458 §4.3: ct = sctxt.Seal("", request); enc_request = hdr ‖ enc ‖ ct.
  const encapsulated = concat(header, sender.enc, sender.seal(request));
  const secret = sender.export(RESPONSE_LABEL, responseNonceBytes(sizes));
  return { encapsulated, context: new ClientRequestContext({ suite, sizes, enc: sender.enc, secret }) };
}

/** The gateway's side of one exchange: protects the response to the request it opened. */
export class GatewayRequestContext {
  readonly #keying: ResponseKeying;
  /** The key identifier the request named. */
  readonly keyId: number;

  /** @internal use {@link decapsulateRequest}. */
  constructor(keyId: number, keying: ResponseKeying) {
    this.keyId = keyId;
    this.#keying = keying;
  }

  /** The suite the client chose. */
  get suite(): HpkeSuite {
    return this.#keying.suite;
  }

  /**
   * RFC 9458 §4.4, gateway side: encapsulates a Binary HTTP response as response_nonce ‖ ct.
   * The nonce, max(Nn, Nk) bytes, is drawn from `source` (an {@link Rng}), or, for testing only,
   * given as `{ testingOnlyResponseNonce }`.
   */
  encapsulateResponse(response: Uint8Array, source: Rng | { readonly testingOnlyResponseNonce: Uint8Array }): Uint8Array {
    abytes('response', response);
    const k = this.#keying;
    const nonceBytes = responseNonceBytes(k.sizes);
    let responseNonce: Uint8Array;
    if (typeof (source as Rng | undefined)?.bytes === 'function') responseNonce = (source as Rng).bytes(nonceBytes);
    else if (source !== null && typeof source === 'object' && 'testingOnlyResponseNonce' in source) {
      responseNonce = abytes('testingOnlyResponseNonce', source.testingOnlyResponseNonce, nonceBytes);
    } else throw new TypeError('response nonce source expected Rng or { testingOnlyResponseNonce }');
    const { key, nonce } = responseAeadKeys(k, responseNonce);
    return concat(responseNonce, suiteAead(k.suite).seal(key, nonce, new Uint8Array(0), response));
  }
}

function findKey(keys: readonly GatewayKey[], keyId: number, kemId: number): GatewayKey {
  const sameId = keys.filter((k) => k.config.keyId === keyId);
  if (sameId.length === 0) throw new OhttpDecapsulationError('key-id', `no gateway key with id ${keyId}`);
  const key = sameId.find((k) => k.config.kemId === kemId);
  if (key === undefined) throw new OhttpDecapsulationError('suite', `key ${keyId} does not use KEM 0x${kemId.toString(16).padStart(4, '0')}`);
  return key;
}

/**
 * RFC 9458 §4.3, gateway side: opens an encapsulated request with one of the gateway's keys and
 * returns the Binary HTTP request and a context for the response. `OhttpDecapsulationError` with
 * code `truncated`, `key-id` (no key has that id), `suite` (KEM, KDF or AEAD not offered with the
 * key) or `open` (the ciphertext or `enc` does not check out).
 */
export function decapsulateRequest(
  keys: GatewayKey | readonly GatewayKey[],
  encapsulated: Uint8Array,
): { request: Uint8Array; context: GatewayRequestContext } {
  const keyList: readonly GatewayKey[] = Array.isArray(keys) ? keys : [keys as GatewayKey];
  abytes('encapsulated', encapsulated);
  if (encapsulated.length < HEADER_BYTES) throw new OhttpDecapsulationError('truncated', `encapsulated request of ${encapsulated.length} bytes is shorter than its header`);
  const keyId = encapsulated[0]!;
  const suite: HpkeSuite = { kemId: u16(encapsulated, 1), kdfId: u16(encapsulated, 3), aeadId: u16(encapsulated, 5) };
  const key = findKey(keyList, keyId, suite.kemId);
  const offered = key.config.symmetricAlgorithms.some((a) => a.kdfId === suite.kdfId && a.aeadId === suite.aeadId);
  if (!offered || !isSupportedSuite(suite.kemId, suite.kdfId, suite.aeadId)) {
    throw new OhttpDecapsulationError('suite', `suite kdf=0x${suite.kdfId.toString(16)} aead=0x${suite.aeadId.toString(16)} is not offered with key ${keyId}`);
  }
  const sizes = suiteSizes(suite);
  if (encapsulated.length < HEADER_BYTES + sizes.Nenc + sizes.Nt) {
    throw new OhttpDecapsulationError('truncated', `encapsulated request of ${encapsulated.length} bytes is shorter than header, enc and tag`);
  }
  const header = encapsulated.subarray(0, HEADER_BYTES);
  const enc = encapsulated.slice(HEADER_BYTES, HEADER_BYTES + sizes.Nenc);
  try {
    const recipient = setupBaseR(key.secretKey, enc, requestInfo(header), suite);
    const request = recipient.open(encapsulated.subarray(HEADER_BYTES + sizes.Nenc));
    const secret = recipient.export(RESPONSE_LABEL, responseNonceBytes(sizes));
    return { request, context: new GatewayRequestContext(keyId, { suite, sizes, enc, secret }) };
  } catch (e) {
    // A low-order enc (HpkeError 'key') is as much the client's garbage as a bad tag.
    if (e instanceof HpkeError) throw new OhttpDecapsulationError('open', `cannot open request for key ${keyId}: ${e.message}`, { cause: e });
    throw e;
  }
}

