/**
 * TokenRequest for issuance types 0x0001 (RFC 9578 §5.1) and 0x0002 (RFC 9578 §6.1):
 * token_type ‖ truncated_token_key_id ‖ blinded_msg.
 */
import { abytes, aint, concat, i2osp } from '../bytes.js';
import { TokenFormatError } from '../errors.js';
import { TokenReader } from './reader.js';
import { isTokenType, TOKEN_TYPE_BLIND_RSA, TOKEN_TYPE_VOPRF, type TokenType } from './token-type.js';

/** RFC 9578 §5.1: Ne = 49, a compressed P-384 point. */
export const VOPRF_ELEMENT_BYTES = 49;
/** RFC 9578 §6.1: Nk = 256, the RSA-2048 modulus length. */
export const BLIND_RSA_MODULUS_BYTES = 256;

export interface TokenRequest {
  readonly tokenType: TokenType;
  /** RFC 9578 §5.1: the last byte of token_key_id. */
  readonly truncatedTokenKeyId: number;
  /** Ne bytes for type 0x0001, Nk bytes for type 0x0002. */
  readonly blindedMsg: Uint8Array;
}

/** The blinded_msg length of `tokenType`. */
export function blindedMsgBytes(tokenType: TokenType): number {
  return tokenType === TOKEN_TYPE_VOPRF ? VOPRF_ELEMENT_BYTES : BLIND_RSA_MODULUS_BYTES;
}

/** Encodes a TokenRequest; `RangeError` when a field does not fit its type. */
export function encodeTokenRequest(request: TokenRequest): Uint8Array {
  if (!isTokenType(request.tokenType)) throw new RangeError(`tokenType expected 1 or 2, got ${request.tokenType}`);
  aint('truncatedTokenKeyId', request.truncatedTokenKeyId, 0, 0xff);
  abytes('blindedMsg', request.blindedMsg, blindedMsgBytes(request.tokenType));
  return concat(i2osp(request.tokenType, 2), i2osp(request.truncatedTokenKeyId, 1), request.blindedMsg);
}

/**
 * Parses a TokenRequest of either type. Total: `TokenFormatError` code `truncated`, `trailing`
 * or `type`. The blinded element itself is checked by the issuer (RFC 9578 §5.2).
 */
export function parseTokenRequest(bytes: Uint8Array): TokenRequest {
  abytes('bytes', bytes);
  const r = new TokenReader(bytes, 'TokenRequest');
  const tokenType = r.u16('token_type');
  if (tokenType !== TOKEN_TYPE_VOPRF && tokenType !== TOKEN_TYPE_BLIND_RSA) {
    throw new TokenFormatError('type', `TokenRequest: unsupported token_type 0x${tokenType.toString(16).padStart(4, '0')}`);
  }
  const truncatedTokenKeyId = r.u8('truncated_token_key_id');
  const blindedMsg = r.take(blindedMsgBytes(tokenType), 'blinded_msg');
  r.end();
  return { tokenType, truncatedTokenKeyId, blindedMsg };
}
