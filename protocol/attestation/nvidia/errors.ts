/**
 * Typed errors of NVIDIA GPU evidence (SPDM GET_MEASUREMENTS transcripts and their device
 * certificate chains). Tests assert the class and `code`, never the message.
 */
import { PphError } from '../../errors.js';

/**
 * NVIDIA GPU evidence was rejected. Codes, in the order the checks run:
 * - `parse` the transcript does not parse (strict framing: lengths, counts, versions, codes),
 *   or an NRAS evidence list item is malformed (JSON, base64, missing field)
 * - `trailing-bytes` bytes after the 96-byte signature (the one trailing 0x00 of trustee's
 *   `hopper_coco_report1` is accepted only with `allowTrailingZero`)
 * - `chain` a certificate does not parse, is not issued by the next one (name, signature,
 *   basicConstraints, keyUsage, pathLen), the root is not self-signed or not pinned, the leaf
 *   key is not P-384
 * - `not-yet-valid` / `expired` a certificate of the chain is outside its validity at `atMs`
 * - `signature` the ECDSA-P384 signature over request‖response-without-signature does not verify
 *   under the leaf key
 * - `nonce` the request nonce is not the caller's nonce (or, in an NRAS list, the item's
 *   `nonce` field)
 * - `fwid` the leaf has no (or an ambiguous) DICE FWID extension, the opaque data has no FWID,
 *   or the two differ
 * - `field-mismatch` an NRAS list item's metadata (arch, driver_version, vbios_version) differs
 *   from the signed evidence
 * - `cc-mode` the measurement that records the confidential-computing mode is not the golden
 *   "CC on" value (a policy the caller passes; the simulated GPU vendor provides one)
 * - `gpu-mismatch` (binding) the GPU is not the one the CVM's report data commits to
 */
export class NvidiaEvidenceError extends PphError {}
