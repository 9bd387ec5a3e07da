/**
 * Typed errors of the protocol layer. Tests assert the class and `code`, never the message.
 *
 * Every error of pph derives from {@link PphError}; below it there is one class per operation
 * (decode a BHTTP message, open an OHTTP request, verify evidence, ...), each with a stable `code`.
 */
export class PphError extends Error {
  /** A stable machine-readable reason, e.g. `truncated`, `signature`, `chain`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
    this.code = code;
  }
}

/** RFC 9292 decoding failed. Codes: truncated, varint, framing, trailing, limit, invalid. */
export class BhttpDecodeError extends PphError {}
/** RFC 9292 encoding refused its input (a field out of range). */
export class BhttpEncodeError extends PphError {}
/** HPKE (RFC 9180) setup, seal, open or export failed. Codes: open, seal, export, key, suite. */
export class HpkeError extends PphError {}
/** An OHTTP key configuration (RFC 9458 §3) could not be parsed or is unsupported. */
export class OhttpKeyConfigError extends PphError {}
/** OHTTP request encapsulation failed. */
export class OhttpEncapsulationError extends PphError {}
/** OHTTP request decapsulation failed. Codes: key-id, suite, truncated, open. */
export class OhttpDecapsulationError extends PphError {}
/** OHTTP response decapsulation failed. Codes: truncated, open. */
export class OhttpResponseError extends PphError {}
/** A Privacy Pass message could not be parsed. */
export class TokenFormatError extends PphError {}
/** Privacy Pass issuance or verification failed. Codes: proof, verify, key-id, type, challenge. */
export class TokenError extends PphError {}
/** A Merkle proof did not verify (RFC 9162 §2.1.3/§2.1.4). */
export class MerkleProofError extends PphError {}
/** A signed note or checkpoint failed to parse or verify (C2SP signed-note, tlog-checkpoint). */
export class NoteError extends PphError {}
/**
 * Attestation evidence was rejected. Codes: parse, signature, chain, expired, tcb, policy,
 * measurement, binding, freshness; for SEV-SNP also not-yet-valid, revoked, crl-parse,
 * crl-issuer, crl-signature, crl-not-yet-valid, crl-expired, non-canonical, mask-chip-key, hwid,
 * vcek-tcb, policy-reserved, debug, migrate-ma, smt, vmpl, host-data, id-key-digest,
 * author-key-digest, report-data (docs/attestation-policy.md).
 */
export class AttestationError extends PphError {}
/** A certificate could not be parsed (DER/X.509 or the AMD extensions). */
export class CertificateError extends PphError {}
