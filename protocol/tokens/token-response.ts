/**
 * TokenResponse for issuance types 0x0001 (RFC 9578 §5.2: evaluate_msg[Ne] ‖ evaluate_proof[2·Ns])
 * and 0x0002 (RFC 9578 §6.2: blind_sig[Nk]). The response carries no type: the client knows which
 * request it sent.
 */
import { abytes, concat } from '../bytes.js';
import { TokenReader } from './reader.js';
import { BLIND_RSA_MODULUS_BYTES, VOPRF_ELEMENT_BYTES } from './token-request.js';
import { isTokenType, TOKEN_TYPE_BLIND_RSA, TOKEN_TYPE_VOPRF, type TokenType } from './token-type.js';

/** RFC 9578 §5.2: the DLEQ proof is two P-384 scalars, 2·Ns = 96 bytes. */
export const VOPRF_PROOF_BYTES = 96;

export interface VoprfTokenResponse {
  readonly tokenType: typeof TOKEN_TYPE_VOPRF;
  readonly evaluateMsg: Uint8Array;
  readonly evaluateProof: Uint8Array;
}

export interface BlindRsaTokenResponse {
  readonly tokenType: typeof TOKEN_TYPE_BLIND_RSA;
  readonly blindSig: Uint8Array;
}

export type TokenResponse = VoprfTokenResponse | BlindRsaTokenResponse;

/** Encodes a TokenResponse; `RangeError` when a field has the wrong length. */
export function encodeTokenResponse(response: TokenResponse): Uint8Array {
  if (response.tokenType === TOKEN_TYPE_VOPRF) {
    abytes('evaluateMsg', response.evaluateMsg, VOPRF_ELEMENT_BYTES);
    abytes('evaluateProof', response.evaluateProof, VOPRF_PROOF_BYTES);
    return concat(response.evaluateMsg, response.evaluateProof);
  }
  if (response.tokenType === TOKEN_TYPE_BLIND_RSA) return abytes('blindSig', response.blindSig, BLIND_RSA_MODULUS_BYTES).slice();
  throw new RangeError(`tokenType expected 1 or 2, got ${(response as { tokenType: unknown }).tokenType}`);
}

/**
 * Parses the TokenResponse to a request of `tokenType`. Total: `TokenFormatError` code
 * `truncated` or `trailing`.
 */
export function parseTokenResponse(bytes: Uint8Array, tokenType: TokenType): TokenResponse {
  abytes('bytes', bytes);
  if (!isTokenType(tokenType)) throw new RangeError(`tokenType expected 1 or 2, got ${tokenType}`);
  const r = new TokenReader(bytes, 'TokenResponse');
  if (tokenType === TOKEN_TYPE_VOPRF) {
    const evaluateMsg = r.take(VOPRF_ELEMENT_BYTES, 'evaluate_msg');
    const evaluateProof = r.take(VOPRF_PROOF_BYTES, 'evaluate_proof');
    r.end();
    return { tokenType, evaluateMsg, evaluateProof };
  }
  const blindSig = r.take(BLIND_RSA_MODULUS_BYTES, 'blind_sig');
  r.end();
  return { tokenType, blindSig };
}
