/**
 * The Token structure (RFC 9577 §2.2) and its authenticator input, shared by every token type.
 */
import { abytes, concat, equalBytes, i2osp } from '../bytes.js';
import { TokenError, TokenFormatError } from '../errors.js';
import { challengeDigest } from './challenge.js';
import { TokenReader } from './reader.js';
import { authenticatorBytes, isTokenType, type TokenType } from './token-type.js';

/** RFC 9577 §2.2 fixes the nonce, challenge digest and key id at 32 bytes (Nid = 32). */
export const NONCE_BYTES = 32;
export const DIGEST_BYTES = 32;
export const TOKEN_KEY_ID_BYTES = 32;

export interface Token {
  readonly tokenType: TokenType;
  readonly nonce: Uint8Array;
  readonly challengeDigest: Uint8Array;
  readonly tokenKeyId: Uint8Array;
  /** Nk bytes: 48 for type 0x0001, 256 for type 0x0002. */
  readonly authenticator: Uint8Array;
}

/**
 * RFC 9577 §2.2: token_authenticator_input = token_type ‖ nonce ‖ challenge_digest ‖ token_key_id,
 * the message the issuer's key authenticates.
 */
export function authenticatorInput(tokenType: TokenType, nonce: Uint8Array, digest: Uint8Array, tokenKeyId: Uint8Array): Uint8Array {
  abytes('nonce', nonce, NONCE_BYTES);
  abytes('challengeDigest', digest, DIGEST_BYTES);
  abytes('tokenKeyId', tokenKeyId, TOKEN_KEY_ID_BYTES);
  return concat(i2osp(tokenType, 2), nonce, digest, tokenKeyId);
}

/** The authenticator input of an existing token (everything but the authenticator). */
export function tokenAuthenticatorInput(token: Token): Uint8Array {
  return authenticatorInput(token.tokenType, token.nonce, token.challengeDigest, token.tokenKeyId);
}

/**
 * Encodes a Token. Throws `RangeError` when a field has the wrong length for its type.
 *
 * @example
 * const bytes = encodeToken(token); // 2 + 32 + 32 + 32 + Nk bytes
 */
export function encodeToken(token: Token): Uint8Array {
  if (!isTokenType(token.tokenType)) throw new RangeError(`tokenType expected 1 or 2, got ${token.tokenType}`);
  abytes('authenticator', token.authenticator, authenticatorBytes(token.tokenType));
  return concat(tokenAuthenticatorInput(token), token.authenticator);
}

/**
 * Parses a Token. Total: `TokenFormatError` with code `truncated`, `trailing` or `type`
 * (a token type this project does not know, whose Nk is therefore unknown).
 */
export function parseToken(bytes: Uint8Array): Token {
  abytes('bytes', bytes);
  const r = new TokenReader(bytes, 'Token');
  const tokenType = r.u16('token_type');
  if (!isTokenType(tokenType)) throw new TokenFormatError('type', `Token: unsupported token_type 0x${tokenType.toString(16).padStart(4, '0')}`);
  const nonce = r.take(NONCE_BYTES, 'nonce');
  const digest = r.take(DIGEST_BYTES, 'challenge_digest');
  const tokenKeyId = r.take(TOKEN_KEY_ID_BYTES, 'token_key_id');
  const authenticator = r.take(authenticatorBytes(tokenType), 'authenticator');
  r.end();
  return { tokenType, nonce, challengeDigest: digest, tokenKeyId, authenticator };
}

/**
 * RFC 9577 §2.2: the origin checks that the token answers the challenge it sent. Throws
 * `TokenError` code `challenge` when `token.challenge_digest` ≠ SHA256(`encodedChallenge`).
 */
export function assertTokenChallenge(token: Token, encodedChallenge: Uint8Array): void {
  if (!equalBytes(token.challengeDigest, challengeDigest(encodedChallenge))) {
    throw new TokenError('challenge', 'token challenge_digest does not match the challenge');
  }
}
