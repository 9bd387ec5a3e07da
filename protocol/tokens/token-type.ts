/**
 * The token types this project implements (RFC 9578 §8.2, "Token Type" registry of RFC 9577 §5.2)
 * and their authenticator length Nk.
 */

/** RFC 9578 §8.2.1: VOPRF (P-384, SHA-384), privately verifiable, Nk = 48. */
export const TOKEN_TYPE_VOPRF = 0x0001;
/** RFC 9578 §8.2.2: Blind RSA (2048-bit), publicly verifiable, Nk = 256. */
export const TOKEN_TYPE_BLIND_RSA = 0x0002;

export type TokenType = typeof TOKEN_TYPE_VOPRF | typeof TOKEN_TYPE_BLIND_RSA;

/** RFC 9578 §8.2: Nk, the authenticator length in bytes, per token type. */
const AUTHENTICATOR_BYTES: Readonly<Record<TokenType, number>> = {
  [TOKEN_TYPE_VOPRF]: 48,
  [TOKEN_TYPE_BLIND_RSA]: 256,
};

export function isTokenType(value: number): value is TokenType {
  return value === TOKEN_TYPE_VOPRF || value === TOKEN_TYPE_BLIND_RSA;
}

/** Nk for `tokenType`. */
export function authenticatorBytes(tokenType: TokenType): number {
  return AUTHENTICATOR_BYTES[tokenType];
}
