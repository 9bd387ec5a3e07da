/**
 * Privacy Pass issuance type 0x0001, privately verifiable tokens from VOPRF(P-384, SHA-384)
 * (RFC 9578 §5). Import as a namespace: `import * as type1 from './type1-voprf.js'`.
 *
 * Client: {@link createTokenRequest} → issuer: {@link issue} → client: {@link finalize} →
 * issuer (or an origin sharing its key): {@link verifyToken}.
 */
import { abytes, equalBytes, utf8 } from '../bytes.js';
import { TokenError } from '../errors.js';
import type { Rng } from '../rng.js';
import { challengeDigest, encodeTokenChallenge, parseTokenChallenge, type TokenChallenge } from './challenge.js';
import { sha256 } from './hash.js';
import { authenticatorInput, NONCE_BYTES, tokenAuthenticatorInput, type Token } from './token.js';
import type { TokenRequest } from './token-request.js';
import type { VoprfTokenResponse } from './token-response.js';
import { TOKEN_TYPE_VOPRF } from './token-type.js';
import {
  decodeElement,
  ELEMENT_BYTES,
  evaluate,
  evaluateMatches,
  publicKeyFromSecret,
  randomScalar,
  SCALAR_BYTES,
  voprf,
  voprfBlind,
  voprfBlindEvaluate,
  voprfFinalize,
  type BlindChain,
} from './voprf-p384.js';

/** RFC 9578 §5.5: keys are derived with info "PrivacyPass". */
const KEY_INFO = utf8('PrivacyPass');
/** RFC 9497 §3.2.1: DeriveKeyPair takes a 32-byte seed (noble enforces it). */
export const SEED_BYTES = 32;

/** An issuer key pair with its RFC 9578 §5.5 key id. */
export interface VoprfIssuerKey {
  /** skI, 48-byte big-endian scalar. */
  readonly secretKey: Uint8Array;
  /** pkI, 49-byte compressed P-384 point. */
  readonly publicKey: Uint8Array;
  /** RFC 9578 §5.5: token_key_id = SHA256(SerializeElement(pkI)). */
  readonly tokenKeyId: Uint8Array;
}

/** What the client keeps between request and response (RFC 9578 §5.1). */
export interface VoprfClientState {
  readonly tokenType: typeof TOKEN_TYPE_VOPRF;
  readonly nonce: Uint8Array;
  readonly challengeDigest: Uint8Array;
  readonly tokenKeyId: Uint8Array;
  readonly issuerPublicKey: Uint8Array;
  readonly tokenInput: Uint8Array;
  readonly blind: Uint8Array;
  readonly blindedMsg: Uint8Array;
}

/**
 * The doubling chain of HashToGroup(token_input) that Blind made, for Finalize (voprf-p384.ts):
 * kept beside the state rather than in it, so the state stays plain bytes. A state without one
 * (a copy, a state from elsewhere) finalizes the same way, on a chain of its blinded element.
 */
const blindChains = new WeakMap<VoprfClientState, BlindChain>();

/** RFC 9578 §5.5: token_key_id = SHA256(SerializeElement(pkI)). */
export function tokenKeyId(publicKey: Uint8Array): Uint8Array {
  abytes('publicKey', publicKey, ELEMENT_BYTES);
  return sha256(publicKey);
}

/**
 * RFC 9578 §5.5: (skI, pkI) = DeriveKeyPair(seed, "PrivacyPass") (RFC 9497 §3.2.1).
 *
 * @example
 * const key = deriveIssuerKey(ChaChaRng.fromSeed(1).fork('issuer').bytes(32));
 */
export function deriveIssuerKey(seed: Uint8Array): VoprfIssuerKey {
  abytes('seed', seed, SEED_BYTES);
  const { secretKey } = voprf.deriveKeyPair(seed, KEY_INFO);
  return issuerKeyFromSecret(secretKey);
}

/** A fresh issuer key from `rng` (a 32-byte seed, then {@link deriveIssuerKey}). */
export function generateIssuerKey(rng: Rng): VoprfIssuerKey {
  return deriveIssuerKey(rng.bytes(SEED_BYTES));
}

/** Rebuilds the key pair from skI alone (pkI = skI·G). */
export function issuerKeyFromSecret(secretKey: Uint8Array): VoprfIssuerKey {
  const publicKey = publicKeyFromSecret(secretKey);
  return { secretKey: secretKey.slice(), publicKey, tokenKeyId: tokenKeyId(publicKey) };
}

/**
 * Client, RFC 9578 §5.1: draws nonce (32 bytes) then the blind from `rng`, in that order.
 * `challenge` is the TokenChallenge (encoded bytes as received, or decoded); its type must be
 * 0x0001 (`TokenError` code `type`).
 *
 * @example
 * const { request, state } = createTokenRequest(challengeBytes, key.publicKey, rng.fork('client'));
 */
export function createTokenRequest(
  challenge: Uint8Array | TokenChallenge,
  issuerPublicKey: Uint8Array,
  rng: Rng,
): { request: TokenRequest; state: VoprfClientState } {
  const encoded = challenge instanceof Uint8Array ? challenge : encodeTokenChallenge(challenge);
  const decoded = challenge instanceof Uint8Array ? parseTokenChallenge(challenge) : challenge;
  if (decoded.tokenType !== TOKEN_TYPE_VOPRF) throw new TokenError('type', `challenge is for token type ${decoded.tokenType}, not 0x0001`);
  decodeElement(abytes('issuerPublicKey', issuerPublicKey, ELEMENT_BYTES), 'issuer public key');
  const keyId = tokenKeyId(issuerPublicKey);
  const nonce = rng.bytes(NONCE_BYTES);
  const digest = challengeDigest(encoded);
  // RFC 9578 §5.1: token_input = concat(0x0001, nonce, challenge_digest, token_key_id).
  const tokenInput = authenticatorInput(TOKEN_TYPE_VOPRF, nonce, digest, keyId);
  const { blind, blinded, chain } = voprfBlind(tokenInput, randomScalar(rng));
  const request: TokenRequest = {
    tokenType: TOKEN_TYPE_VOPRF,
    // RFC 9578 §5.1: truncated_token_key_id is the least significant byte of token_key_id.
    truncatedTokenKeyId: keyId[keyId.length - 1]!,
    blindedMsg: blinded,
  };
  const state: VoprfClientState = {
    tokenType: TOKEN_TYPE_VOPRF,
    nonce,
    challengeDigest: digest,
    tokenKeyId: keyId,
    issuerPublicKey: issuerPublicKey.slice(),
    tokenInput,
    blind,
    blindedMsg: blinded,
  };
  blindChains.set(state, chain);
  return { request, state };
}

/**
 * Issuer, RFC 9578 §5.2: checks type (`TokenError` `type`) and truncated key id (`key-id`),
 * decodes the blinded element (`TokenFormatError` `element`), evaluates it and proves the
 * evaluation (DLEQ, RFC 9497 §2.2) with proof randomness drawn from `rng`.
 */
export function issue(request: TokenRequest, key: VoprfIssuerKey, rng: Rng): VoprfTokenResponse {
  if (request.tokenType !== TOKEN_TYPE_VOPRF) throw new TokenError('type', `request is for token type ${request.tokenType}, not 0x0001`);
  if (request.truncatedTokenKeyId !== key.tokenKeyId[key.tokenKeyId.length - 1]) {
    throw new TokenError('key-id', 'truncated_token_key_id does not match the issuer key');
  }
  decodeElement(request.blindedMsg, 'blinded_msg');
  const { evaluated, proof } = voprfBlindEvaluate(key.secretKey, key.publicKey, request.blindedMsg, randomScalar(rng));
  return { tokenType: TOKEN_TYPE_VOPRF, evaluateMsg: evaluated, evaluateProof: proof };
}

/**
 * Client, RFC 9578 §5.3: verifies the issuer's DLEQ proof against pkI and unblinds. A proof that
 * does not verify raises `TokenError` code `proof`; a malformed element `TokenFormatError` `element`.
 */
export function finalize(response: VoprfTokenResponse, state: VoprfClientState): Token {
  if (response.tokenType !== TOKEN_TYPE_VOPRF) throw new TokenError('type', 'response is not for token type 0x0001');
  decodeElement(response.evaluateMsg, 'evaluate_msg');
  abytes('evaluateProof', response.evaluateProof, 2 * SCALAR_BYTES);
  let authenticator: Uint8Array;
  try {
    authenticator = voprfFinalize(state.tokenInput, state.blind, response.evaluateMsg, state.blindedMsg, state.issuerPublicKey, response.evaluateProof, blindChains.get(state));
  } catch (cause) {
    // A proof that fails, or whose scalars are out of range (Error from voprfFinalize or noble's Fn).
    throw new TokenError('proof', 'issuer DLEQ proof does not verify', { cause });
  }
  return {
    tokenType: TOKEN_TYPE_VOPRF,
    nonce: state.nonce,
    challengeDigest: state.challengeDigest,
    tokenKeyId: state.tokenKeyId,
    authenticator,
  };
}

/**
 * Issuer-side verification, RFC 9578 §5.4: Evaluate(skI, token_authenticator_input) must equal
 * the authenticator. Throws `TokenError` code `type`, `key-id` or `verify`.
 */
export function checkToken(token: Token, key: VoprfIssuerKey): void {
  if (token.tokenType !== TOKEN_TYPE_VOPRF) throw new TokenError('type', `token type ${token.tokenType} is not 0x0001`);
  if (!equalBytes(token.tokenKeyId, key.tokenKeyId)) throw new TokenError('key-id', 'token_key_id is not this issuer key');
  if (!evaluateMatches(key.secretKey, tokenAuthenticatorInput(token), token.authenticator)) throw new TokenError('verify', 'token authenticator does not verify');
}

/** {@link checkToken} as a boolean: false for any `TokenError`. */
export function verifyToken(token: Token, key: VoprfIssuerKey): boolean {
  try {
    checkToken(token, key);
    return true;
  } catch (e) {
    if (e instanceof TokenError) return false;
    throw e;
  }
}
