/**
 * The TDX quote parser moved to protocol/attestation/dcap/quote.ts, where it is strict (exact
 * signature-data framing, PCK chain certification data, only zero padding after the quote) and
 * where quotes are also verified with their DCAP collateral (protocol/attestation/dcap/verify.ts).
 * This module keeps the names tee/ has imported since the framing-only parser.
 */
export { DcapQuoteError as TdxQuoteError } from '../protocol/attestation/dcap/errors.js';
export { parseTdxQuote, TEE_TYPE, type TdxQuote } from '../protocol/attestation/dcap/quote.js';
/** TEE type of TDX in the quote header (SGX is 0x00000000). */
export const TDX_TEE_TYPE = 0x81;
