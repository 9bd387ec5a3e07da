/**
 * Checkpoint note bodies (c2sp.org/tlog-checkpoint): origin, tree size, root hash, optional
 * extension lines. Parse errors are NoteError `checkpoint`.
 *
 *     example.com/behind-the-sofa
 *     20852163
 *     CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
 */
import { abytes } from '../bytes.js';
import { NoteError } from '../errors.js';
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { HASH_BYTES } from './merkle.js';
import { verifyNote, type VerifiedNote } from './note.js';
import { isWellFormed, type NoteVerifier } from './note-key.js';

/** A log's signed statement of its tree head. */
export interface Checkpoint {
  /** Unique identifier of the log (SHOULD be a schema-less URL). */
  origin: string;
  /** Number of leaves; exact up to 2^53 - 1 (larger sizes are refused). */
  size: number;
  /** RFC 6962 / RFC 9162 root hash at `size` (32 bytes). */
  rootHash: Uint8Array;
  /** Opaque extension lines, each non-empty. */
  extensions: string[];
}

/** A limit on everything: a checkpoint body is small. */
export const CHECKPOINT_MAX_LINES = 64;

/** Parses a checkpoint note text (the note body, ending in a newline). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw new TypeError(`text expected string, got ${typeof text}`);
  // tlog-checkpoint §Note text: at least three non-empty lines, each ending in a newline.
  if (!text.endsWith('\n')) throw new NoteError('checkpoint', 'checkpoint text must end in a newline');
  // c2sp.org/signed-note §Format, which a checkpoint body is: the text "MUST NOT contain any ASCII
  // control characters other than newline" (verifyNote checks it; a body parsed on its own, e.g.
  // from a log's HTTP response, is held to the same rule: NUL or ESC in an origin is refused).
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0009\u000b-\u001f\u007f]/.exec(text);
  if (control) throw new NoteError('checkpoint', `control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} in the checkpoint text`);
  if (!isWellFormed(text)) throw new NoteError('checkpoint', 'checkpoint text has a lone UTF-16 surrogate');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('checkpoint', 'checkpoint needs origin, size and root hash lines');
  if (lines.length > CHECKPOINT_MAX_LINES) throw new NoteError('checkpoint', `checkpoint has more than ${CHECKPOINT_MAX_LINES} lines`);
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  // §1: the origin MUST be non-empty.
  if (origin.length === 0) throw new NoteError('checkpoint', 'empty origin line');
  const size = parseTreeSize(sizeLine);
  // §3: the base64 root of the RFC 6962 tree (SHA-256).
  const rootHash = decodeBase64Strict(rootLine);
  if (!rootHash || rootHash.length !== HASH_BYTES) throw new NoteError('checkpoint', 'root hash line is not base64 of 32 bytes');
  // §4: extension lines, if any, MUST be non-empty.
  if (extensions.some((e) => e.length === 0)) throw new NoteError('checkpoint', 'empty extension line');
  return { origin, size, rootHash, extensions };
}

/** Formats a checkpoint body (the note text to sign). */
export function formatCheckpoint(cp: Checkpoint): string {
  // eslint-disable-next-line no-control-regex
  if (typeof cp.origin !== 'string' || cp.origin.length === 0 || /[\u0000-\u001f\u007f]/.test(cp.origin)) throw new RangeError('origin expected a non-empty line without control characters');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new RangeError(`size expected a non-negative safe integer, got ${cp.size}`);
  abytes('rootHash', cp.rootHash, HASH_BYTES);
  const extensions = cp.extensions ?? [];
  // eslint-disable-next-line no-control-regex
  if (extensions.some((e) => typeof e !== 'string' || e.length === 0 || /[\u0000-\u001f\u007f]/.test(e))) throw new RangeError('extensions expected non-empty lines without control characters');
  return [cp.origin, String(cp.size), encodeBase64(cp.rootHash), ...extensions].map((l) => l + '\n').join('');
}

/**
 * Verifies a signed checkpoint note with `verifiers` (see `verifyNote`), then parses its body.
 * Throws NoteError (`signature`, `unknown-key`, `checkpoint`, ...).
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): { checkpoint: Checkpoint; note: VerifiedNote } {
  const verified = verifyNote(note, verifiers);
  return { checkpoint: parseCheckpoint(verified.text), note: verified };
}

/** §2: ASCII decimal, no leading zeroes unless the tree is empty. */
function parseTreeSize(line: string): number {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(line)) throw new NoteError('checkpoint', 'tree size line is not a decimal without leading zeroes');
  const size = Number(line);
  if (!Number.isSafeInteger(size)) throw new NoteError('checkpoint', `tree size ${line} is beyond 2^53 - 1`);
  return size;
}
