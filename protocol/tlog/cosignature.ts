/**
 * Witness cosignatures, c2sp.org/tlog-cosignature `cosignature/v1` (signature type 0x04):
 *
 *     signed message = "cosignature/v1\n" || "time <decimal>\n" || checkpoint note text
 *     signature      = key ID (4) || u64 timestamp (big-endian) || Ed25519 signature (64)
 *     key ID         = SHA-256(name || "\n" || 0x04 || public key)[:4]
 *
 * Cosignatures are note signatures, so a verifier here plugs into `verifyNote` beside the log's
 * own key. Timestamps are POSIX seconds passed in by the caller (no clock here).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { KeyObject } from 'node:crypto';
import { abytes, concat, utf8 } from '../bytes.js';
import { NoteError } from '../errors.js';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  ED25519_SIGNATURE_BYTES,
  SIG_TYPE_COSIGNATURE_V1,
  computeKeyId,
  ed25519Verify,
  formatVerifierKey,
  importEd25519PublicKey,
  isValidKeyName,
  parseVerifierKey,
  type NoteVerifier,
} from './note-key.js';
import { formatNote, parseNote, type NoteSignature } from './note.js';

/** The signature bytes after the key ID: u64 timestamp + Ed25519 signature. */
export const COSIGNATURE_V1_BYTES = 8 + ED25519_SIGNATURE_BYTES;

/**
 * Largest timestamp accepted. The spec caps it at 2^63 - 1; we stop at 2^53 - 1 (year ~285
 * million) so timestamps stay exact JS numbers; verifiers MAY reject future timestamps.
 */
export const COSIGNATURE_MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** tlog-cosignature §Ed25519 signed message: header line, timestamp line, then the note text. */
export function cosignatureV1Message(text: Uint8Array, timestampSec: number): Uint8Array {
  abytes('text', text);
  checkTimestamp(timestampSec);
  // The timestamp line is ASCII decimal with no leading zeroes.
  return concat(utf8(`cosignature/v1\ntime ${timestampSec}\n`), text);
}

/** Splits cosignature bytes (after the key ID) into timestamp and signature; undefined if malformed. */
export function decodeCosignatureV1(signature: Uint8Array): { timestampSec: number; signature: Uint8Array } | undefined {
  if (signature.length !== COSIGNATURE_V1_BYTES) return undefined;
  const timestamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
  if (timestamp > BigInt(COSIGNATURE_MAX_TIMESTAMP)) return undefined;
  return { timestampSec: Number(timestamp), signature: signature.subarray(8) };
}

/** Verifies cosignature/v1 lines from one witness key. */
export class CosignatureV1Verifier implements NoteVerifier {
  readonly keyId: number;
  readonly type = SIG_TYPE_COSIGNATURE_V1;
  private readonly key: KeyObject;

  constructor(
    readonly name: string,
    readonly publicKey: Uint8Array,
  ) {
    if (!isValidKeyName(name)) throw new RangeError('name expected a non-empty key name without spaces or +');
    this.key = importEd25519PublicKey(publicKey);
    // tlog-cosignature §Format: the key ID commits to signature type 0x04.
    this.keyId = computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey);
  }

  /** The verifier for a type 0x04 vkey; NoteError `key` otherwise. */
  static fromVkey(vkey: string): CosignatureV1Verifier {
    const parsed = parseVerifierKey(vkey);
    if (parsed.type !== SIG_TYPE_COSIGNATURE_V1) throw new NoteError('key', `vkey has signature type ${parsed.type}, want 4`);
    if (parsed.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) throw new NoteError('key', 'cosignature vkey must hold a 32-byte Ed25519 key');
    return new CosignatureV1Verifier(parsed.name, parsed.publicKey);
  }

  verify(text: Uint8Array, signature: Uint8Array): boolean {
    return this.timestampOf(text, signature) !== undefined;
  }

  /** The cosignature's timestamp if it verifies over `text`, else undefined. */
  timestampOf(text: Uint8Array, signature: Uint8Array): number | undefined {
    const decoded = decodeCosignatureV1(signature);
    if (!decoded) return undefined;
    const ok = ed25519Verify(this.key, cosignatureV1Message(text, decoded.timestampSec), decoded.signature);
    return ok ? decoded.timestampSec : undefined;
  }

  vkey(): string {
    return formatVerifierKey(this.name, SIG_TYPE_COSIGNATURE_V1, this.publicKey);
  }
}

/** A witness that cosigns checkpoints, from an explicit 32-byte Ed25519 seed. */
export class CosignatureV1Signer {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  private readonly seed: Uint8Array;

  constructor(
    readonly name: string,
    seed: Uint8Array,
  ) {
    if (!isValidKeyName(name)) throw new RangeError('name expected a non-empty key name without spaces or +');
    this.seed = abytes('seed', seed, ED25519_SEED_BYTES).slice();
    this.publicKey = ed25519.getPublicKey(this.seed);
    this.keyId = computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, this.publicKey);
  }

  /** The note signature (timestamp || Ed25519 signature) over checkpoint `text` at `timestampSec`. */
  cosign(text: Uint8Array | string, timestampSec: number): NoteSignature {
    const bytes = typeof text === 'string' ? utf8(text) : abytes('text', text);
    const sig = ed25519.sign(cosignatureV1Message(bytes, timestampSec), this.seed);
    const timestamp = new Uint8Array(8);
    new DataView(timestamp.buffer).setBigUint64(0, BigInt(timestampSec));
    return { name: this.name, keyId: this.keyId, signature: concat(timestamp, sig) };
  }

  /** Appends this witness's cosignature to a signed checkpoint note (existing lines kept as they are). */
  cosignNote(note: string | Uint8Array, timestampSec: number): string {
    const parsed = parseNote(note);
    return formatNote({ text: parsed.text, signatures: [...parsed.signatures, this.cosign(parsed.textBytes, timestampSec)] });
  }

  verifier(): CosignatureV1Verifier {
    return new CosignatureV1Verifier(this.name, this.publicKey);
  }
}

function checkTimestamp(timestampSec: number): void {
  if (typeof timestampSec !== 'number') throw new TypeError(`timestampSec expected number, got ${typeof timestampSec}`);
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0) throw new RangeError(`timestampSec expected an integer in [0, 2^53 - 1], got ${timestampSec}`);
}
