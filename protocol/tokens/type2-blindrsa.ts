/**
 * Privacy Pass issuance type 0x0002, publicly verifiable tokens from blind RSA-2048
 * (RFC 9578 §6, RSABSSA-SHA384-PSS-Deterministic of RFC 9474). Import as a namespace:
 * `import * as type2 from './type2-blindrsa.js'`.
 *
 * Client: {@link createTokenRequest} → issuer: {@link issue} → client: {@link finalize} →
 * anyone holding pkI: {@link verifyToken}.
 */
import { abytes, equalBytes } from '../bytes.js';
import { TokenError, TokenFormatError } from '../errors.js';
import type { Rng } from '../rng.js';
import { BlindRsaError, blind, blindSign, finalize as finalizeBlindRsa, prepare, RSABSSA_SHA384_PSS_DETERMINISTIC, verify } from './blind-rsa.js';
import { challengeDigest, encodeTokenChallenge, parseTokenChallenge, type TokenChallenge } from './challenge.js';
import { sha256 } from './hash.js';
import { deriveRsaKeyPair } from './rsa-keygen.js';
import { importRsaPrivateKey, rsaPublicKey, type RsaPrivateKey, type RsaPublicKey } from './rsa-keys.js';
import { encodeRsaPssSpki, parseRsaPssSpki } from './rsa-pss-spki.js';
import { authenticatorInput, NONCE_BYTES, tokenAuthenticatorInput, type Token } from './token.js';
import { BLIND_RSA_MODULUS_BYTES, type TokenRequest } from './token-request.js';
import type { BlindRsaTokenResponse } from './token-response.js';
import { TOKEN_TYPE_BLIND_RSA } from './token-type.js';

/** RFC 9578 §6: the Deterministic variant (the token input is already unique by its nonce). */
const VARIANT = RSABSSA_SHA384_PSS_DETERMINISTIC;
/** RFC 9578 §8.2.2: "Blind RSA (2048-bit)". */
export const MODULUS_BITS = 2048;

export interface BlindRsaIssuerPublicKey {
  readonly rsa: RsaPublicKey;
  /** RFC 9578 §6.5: the RSASSA-PSS SPKI DER, as carried in `token-key`. */
  readonly spki: Uint8Array;
  /** RFC 9578 §6.5: token_key_id = SHA256(spki). */
  readonly tokenKeyId: Uint8Array;
}

export interface BlindRsaIssuerKey {
  readonly rsa: RsaPrivateKey;
  readonly publicKey: BlindRsaIssuerPublicKey;
}

/** What the client keeps between request and response (RFC 9578 §6.1). */
export interface BlindRsaClientState {
  readonly tokenType: typeof TOKEN_TYPE_BLIND_RSA;
  readonly nonce: Uint8Array;
  readonly challengeDigest: Uint8Array;
  readonly issuerPublicKey: BlindRsaIssuerPublicKey;
  readonly tokenInput: Uint8Array;
  readonly inv: bigint;
}

/**
 * Parses the issuer's SPKI (`token-key`). `TokenFormatError` code `der`/`algorithm`/`trailing`
 * from the DER, or `key-size` when the modulus is not 2048 bits.
 */
export function importIssuerPublicKey(spki: Uint8Array): BlindRsaIssuerPublicKey {
  const { n, e } = parseRsaPssSpki(spki);
  if (n.toString(2).length !== MODULUS_BITS) throw new TokenFormatError('key-size', `issuer key is not ${MODULUS_BITS}-bit RSA`);
  let rsa: RsaPublicKey;
  try {
    rsa = rsaPublicKey(n, e);
  } catch (cause) {
    throw new TokenFormatError('key', 'issuer key is not a usable RSA key', { cause });
  }
  return { rsa, spki: spki.slice(), tokenKeyId: sha256(spki) };
}

/** Wraps a 2048-bit RSA key as an issuer key (SPKI and key id computed once). */
export function issuerKeyFromRsa(rsa: RsaPrivateKey): BlindRsaIssuerKey {
  if (rsa.publicKey.n.toString(2).length !== MODULUS_BITS) throw new RangeError(`issuer key expected ${MODULUS_BITS}-bit RSA`);
  const spki = encodeRsaPssSpki(rsa.publicKey.n, rsa.publicKey.e);
  return { rsa, publicKey: { rsa: rsa.publicKey, spki, tokenKeyId: sha256(spki) } };
}

/**
 * A deterministic issuer key from `rng` (Miller-Rabin keygen in BigInt: 50–510 ms; cache it with
 * `exportRsaPrivateKeyPkcs8` and {@link importIssuerKey} when that matters).
 */
export function deriveIssuerKey(rng: Rng): BlindRsaIssuerKey {
  return issuerKeyFromRsa(deriveRsaKeyPair(rng, MODULUS_BITS));
}

/** An issuer key from an rsaEncryption PKCS#8 (PEM text or DER), as in RFC 9578 App. A.2. */
export function importIssuerKey(pkcs8: string | Uint8Array): BlindRsaIssuerKey {
  return issuerKeyFromRsa(importRsaPrivateKey(pkcs8));
}

/**
 * Client, RFC 9578 §6.1: draws the nonce (32 bytes), the PSS salt (48) and the blind r (256) from
 * `rng`, in that order. `issuerPublicKey` is the SPKI bytes or an imported key.
 *
 * @example
 * const { request, state } = createTokenRequest(challengeBytes, key.publicKey, rng.fork('client'));
 */
export function createTokenRequest(
  challenge: Uint8Array | TokenChallenge,
  issuerPublicKey: Uint8Array | BlindRsaIssuerPublicKey,
  rng: Rng,
): { request: TokenRequest; state: BlindRsaClientState } {
  const encoded = challenge instanceof Uint8Array ? challenge : encodeTokenChallenge(challenge);
  const decoded = challenge instanceof Uint8Array ? parseTokenChallenge(challenge) : challenge;
  if (decoded.tokenType !== TOKEN_TYPE_BLIND_RSA) throw new TokenError('type', `challenge is for token type ${decoded.tokenType}, not 0x0002`);
  const pk = issuerPublicKey instanceof Uint8Array ? importIssuerPublicKey(issuerPublicKey) : issuerPublicKey;
  const nonce = rng.bytes(NONCE_BYTES);
  const digest = challengeDigest(encoded);
  // RFC 9578 §6.1: token_input = concat(0x0002, nonce, challenge_digest, token_key_id).
  const tokenInput = authenticatorInput(TOKEN_TYPE_BLIND_RSA, nonce, digest, pk.tokenKeyId);
  // RFC 9578 §6.1: Blind(pkI, PrepareIdentity(token_input)); Identity draws nothing.
  const { blindedMsg, inv } = blind(VARIANT, pk.rsa, prepare(VARIANT, tokenInput, rng), rng);
  const request: TokenRequest = {
    tokenType: TOKEN_TYPE_BLIND_RSA,
    // RFC 9578 §6.1: the least significant byte of token_key_id.
    truncatedTokenKeyId: pk.tokenKeyId[pk.tokenKeyId.length - 1]!,
    blindedMsg,
  };
  return { request, state: { tokenType: TOKEN_TYPE_BLIND_RSA, nonce, challengeDigest: digest, issuerPublicKey: pk, tokenInput, inv } };
}

/**
 * Issuer, RFC 9578 §6.2: checks type (`TokenError` `type`) and truncated key id (`key-id`), then
 * BlindSign. A blinded_msg not below n is `TokenFormatError` `blinded-msg`. Deterministic: no Rng.
 */
export function issue(request: TokenRequest, key: BlindRsaIssuerKey): BlindRsaTokenResponse {
  if (request.tokenType !== TOKEN_TYPE_BLIND_RSA) throw new TokenError('type', `request is for token type ${request.tokenType}, not 0x0002`);
  const keyId = key.publicKey.tokenKeyId;
  if (request.truncatedTokenKeyId !== keyId[keyId.length - 1]) throw new TokenError('key-id', 'truncated_token_key_id does not match the issuer key');
  abytes('blindedMsg', request.blindedMsg, BLIND_RSA_MODULUS_BYTES);
  try {
    return { tokenType: TOKEN_TYPE_BLIND_RSA, blindSig: blindSign(key.rsa, request.blindedMsg) };
  } catch (e) {
    if (e instanceof BlindRsaError && e.code === 'invalid-input') throw new TokenFormatError('blinded-msg', 'blinded_msg is not below n', { cause: e });
    throw e;
  }
}

/**
 * Client, RFC 9578 §6.3: unblinds and checks the signature under pkI. A response that does not
 * yield a valid signature raises `TokenError` code `proof` (the issuer's answer does not check out).
 */
export function finalize(response: BlindRsaTokenResponse, state: BlindRsaClientState): Token {
  if (response.tokenType !== TOKEN_TYPE_BLIND_RSA) throw new TokenError('type', 'response is not for token type 0x0002');
  let authenticator: Uint8Array;
  try {
    authenticator = finalizeBlindRsa(VARIANT, state.issuerPublicKey.rsa, state.tokenInput, response.blindSig, state.inv);
  } catch (cause) {
    if (cause instanceof BlindRsaError) throw new TokenError('proof', 'blind signature does not finalize to a valid signature', { cause });
    throw cause;
  }
  return {
    tokenType: TOKEN_TYPE_BLIND_RSA,
    nonce: state.nonce,
    challengeDigest: state.challengeDigest,
    tokenKeyId: state.issuerPublicKey.tokenKeyId,
    authenticator,
  };
}

/**
 * RFC 9578 §6.4: RSASSA-PSS-VERIFY(pkI, token_authenticator_input, authenticator), SHA-384,
 * sLen 48. Throws `TokenError` code `type`, `key-id` or `verify`.
 */
export function checkToken(token: Token, publicKey: BlindRsaIssuerPublicKey): void {
  if (token.tokenType !== TOKEN_TYPE_BLIND_RSA) throw new TokenError('type', `token type ${token.tokenType} is not 0x0002`);
  if (!equalBytes(token.tokenKeyId, publicKey.tokenKeyId)) throw new TokenError('key-id', 'token_key_id is not this issuer key');
  if (!verify(VARIANT, publicKey.rsa, tokenAuthenticatorInput(token), token.authenticator)) {
    throw new TokenError('verify', 'token authenticator does not verify');
  }
}

/** {@link checkToken} as a boolean: false for any `TokenError`. */
export function verifyToken(token: Token, publicKey: BlindRsaIssuerPublicKey): boolean {
  try {
    checkToken(token, publicKey);
    return true;
  } catch (e) {
    if (e instanceof TokenError) return false;
    throw e;
  }
}
