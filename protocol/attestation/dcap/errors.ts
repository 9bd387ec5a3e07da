/**
 * Typed errors of Intel DCAP quote parsing and verification. Tests assert the class and `code`,
 * never the message.
 */
import { PphError } from '../../errors.js';

/**
 * A quote does not parse (strict framing). Codes: truncated, version, key-type, tee-type,
 * body-type, body-size, vendor, signature-data, cert-data, trailing, limit.
 */
export class DcapQuoteError extends PphError {}

/**
 * A DCAP quote was rejected. Codes, in the order the checks run:
 * - `parse` the quote does not parse (the DcapQuoteError is the cause), or is of the other TEE
 * - `quote-signature` ECDSA P-256 signature of header‖body by the attestation key
 * - `qe-report` QE report signature by the PCK certificate's key
 * - `qe-binding` QE report_data ≠ SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes
 * - `pck-chain` PCK → Platform/Processor CA → pinned Intel SGX Root CA
 * - `crl` a CRL's signature, issuer or format; `revoked` a certificate of a chain is on a CRL
 * - `not-yet-valid` / `expired` a certificate, CRL, TCB Info or QE Identity outside its window
 * - `collateral` TCB Info / QE Identity signature, signing chain, identity (id, version, FMSPC,
 *   PCE ID, QE MRSIGNER/ISVPRODID/MISCSELECT/ATTRIBUTES, TDX module MRSIGNER/attributes)
 * - `tcb-status` no TCB level matches, the status is Revoked, or it is not accepted by policy
 * - policy: `debug`, `td-attributes-reserved`, `mrtd`, `rtmr`, `report-data`, `mr-config-id`,
 *   `mr-owner`, `mr-owner-config`, `mrseam`, `td-attributes`, `xfam`, `tee-tcb-svn`,
 *   `mrenclave`, `mrsigner` (then `tcb-status` when the status is not accepted)
 */
export class DcapError extends PphError {}
