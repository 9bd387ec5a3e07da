/**
 * Typed errors of the TLS 1.3 layer. Tests assert the class and `code`, never the message.
 *
 * Codes: `decode` (a malformed message or record), `alert` (the peer sent a fatal alert),
 * `bad-record-mac` (AEAD open failed), `record-overflow`, `unexpected-message`, `handshake`
 * (no common version, suite, group or signature scheme; a field the peer must not send),
 * `certificate` (the certificate could not be used), `signature` (CertificateVerify does not
 * verify), `finished` (Finished verify_data wrong), `binding` (RA-TLS evidence not bound as
 * required), `evidence` (RA-TLS extension missing or malformed), `state` (API misuse).
 */
import { PphError } from '../errors.js';

/** RFC 8446 §6: AlertDescription values pph sends or names. */
export const ALERT = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_unknown: 46,
  illegal_parameter: 47,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  internal_error: 80,
  missing_extension: 109,
  unsupported_extension: 110,
} as const;

const DEFAULT_ALERT: Record<string, number> = {
  decode: ALERT.decode_error,
  'bad-record-mac': ALERT.bad_record_mac,
  'record-overflow': ALERT.record_overflow,
  'unexpected-message': ALERT.unexpected_message,
  handshake: ALERT.handshake_failure,
  certificate: ALERT.bad_certificate,
  signature: ALERT.decrypt_error,
  finished: ALERT.decrypt_error,
  binding: ALERT.bad_certificate,
  evidence: ALERT.bad_certificate,
};

export class TlsError extends PphError {
  /** The alert to send the peer for this failure (RFC 8446 §6.2), or the one received for `alert`. */
  readonly alert: number;
  constructor(code: string, message: string, options?: { alert?: number; cause?: unknown }) {
    super(code, message, options);
    this.alert = options?.alert ?? DEFAULT_ALERT[code] ?? ALERT.internal_error;
  }
}
