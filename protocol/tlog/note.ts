/**
 * Signed notes (c2sp.org/signed-note): parse, format, sign and verify.
 *
 *     <text, each line ending in \n>
 *     <blank line>
 *     — <key name> <base64(key ID (4, big-endian) || signature)>\n   (one or more)
 *
 * The parser is total: any input raises NoteError with a stable code, never a crash. Codes:
 * - `malformed`: not UTF-8, a control character, a bad signature line, bad base64;
 * - `no-signature`: no blank line before a signature block, or an empty block;
 * - `limit`: more than NOTE_MAX_BYTES bytes or NOTE_MAX_SIGNATURES signature lines;
 * - `signature`: a line from a known key that does not verify;
 * - `unknown-key`: no line from a known key.
 */
import { utf8 } from '../bytes.js';
import { NoteError } from '../errors.js';
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { isValidKeyName, isWellFormed, keyIdBytes, keyIdHex, type NoteSigner, type NoteVerifier } from './note-key.js';

/** Largest note accepted (post-quantum signatures reach ~5 kB; 16 of them fit many times). */
export const NOTE_MAX_BYTES = 1 << 20;
/** c2sp.org/signed-note §Format: verifiers SHOULD limit the signature count and MUST accept 16. */
export const NOTE_MAX_SIGNATURES = 100;

/** One signature line. */
export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  signature: Uint8Array;
}

/** A parsed (not yet verified) note. */
export interface Note {
  /** The note text, including its final newline. */
  text: string;
  /** The exact UTF-8 bytes of `text`: signatures cover these. */
  textBytes: Uint8Array;
  signatures: NoteSignature[];
}

/** A note whose signatures were checked against a set of verifiers. */
export interface VerifiedNote extends Note {
  /** One entry per known key whose line verified (duplicate lines folded). */
  verified: NoteSignature[];
  /** Lines from keys not in the verifier set, skipped as the spec requires. */
  unverified: NoteSignature[];
}

const EM_DASH_SPACE = utf8('\u2014 ');
const NEWLINE = 0x0a;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses a signed note without verifying it. Throws NoteError (see the file header for codes). */
export function parseNote(input: string | Uint8Array): Note {
  const msg = noteBytes(input);
  // Signed notes MUST be valid UTF-8 and MUST NOT contain ASCII control characters but newline.
  for (let i = 0; i < msg.length; i++) {
    if (msg[i]! < 0x20 && msg[i] !== NEWLINE) throw new NoteError('malformed', `control character 0x${msg[i]!.toString(16)} at byte ${i}`);
  }
  try {
    decoder.decode(msg);
  } catch {
    throw new NoteError('malformed', 'note is not valid UTF-8');
  }
  // The text is separated from the signatures by the last empty line.
  const split = lastBlankLine(msg);
  if (split < 0) throw new NoteError('no-signature', 'no blank line before a signature block');
  const textBytes = msg.slice(0, split + 1);
  const block = msg.subarray(split + 2);
  if (block.length === 0) throw new NoteError('no-signature', 'empty signature block');
  if (block[block.length - 1] !== NEWLINE) throw new NoteError('malformed', 'signature block does not end in a newline');
  // textBytes ends at a newline byte, so it is valid UTF-8 on its own.
  return { text: decoder.decode(textBytes), textBytes, signatures: parseSignatureBlock(block) };
}

/**
 * Parses and verifies a note: lines from keys outside `verifiers` are skipped; every line from a
 * known key (matching name AND key ID) must verify; at least one must exist.
 *
 * @example
 * const note = verifyNote(text, [Ed25519NoteVerifier.fromVkey(vkey)]);
 * note.verified[0].name // 'sum.golang.org'
 */
export function verifyNote(input: string | Uint8Array, verifiers: readonly NoteVerifier[]): VerifiedNote {
  if (!Array.isArray(verifiers)) throw new TypeError('verifiers expected an array');
  const note = parseNote(input);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    // c2sp.org/signed-note §Signatures: a key is known only if both name and key ID match.
    const candidates = verifiers.filter((v) => v.keyId === sig.keyId && v.name === sig.name);
    if (candidates.length === 0) {
      unverified.push(sig);
      continue;
    }
    // A signature from a known key that fails to verify rejects the whole note.
    if (!candidates.some((v) => v.verify(note.textBytes, sig.signature))) {
      throw new NoteError('signature', `signature by ${sig.name} (key ID ${keyIdHex(sig.keyId)}) does not verify`);
    }
    if (!verified.some((s) => s.keyId === sig.keyId && s.name === sig.name)) verified.push(sig);
  }
  // If no signature from a known key verifies, clients MUST reject the note.
  if (verified.length === 0) throw new NoteError('unknown-key', 'no signature from a known key');
  return { ...note, verified, unverified };
}

/** Formats a note: text, blank line, one line per signature. */
export function formatNote(note: Pick<Note, 'text' | 'signatures'>): string {
  checkText(note.text);
  if (note.signatures.length === 0) throw new NoteError('no-signature', 'a signed note needs at least one signature');
  return note.text + '\n' + note.signatures.map(formatSignatureLine).join('');
}

/** One signature line `— <name> <base64(keyID || sig)>\n`. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw new NoteError('malformed', 'invalid key name');
  const payload = new Uint8Array(4 + sig.signature.length);
  payload.set(keyIdBytes(sig.keyId), 0);
  payload.set(sig.signature, 4);
  return `\u2014 ${sig.name} ${encodeBase64(payload)}\n`;
}

/**
 * Signs `text` (which must end in a newline) with each signer; returns the exact note text.
 *
 * @example
 * const signer = new Ed25519NoteSigner('example.com/log', seed);
 * signNote('hello\n', [signer]); // 'hello\n\n— example.com/log <base64>\n'
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (!Array.isArray(signers) || signers.length === 0) throw new RangeError('signers expected a non-empty array');
  const bytes = utf8(text);
  const signatures = signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(bytes) }));
  return formatNote({ text, signatures });
}

/** Adds signatures to an already signed note (e.g. a witness cosigning a checkpoint). */
export function addSignatures(note: string | Uint8Array, signatures: readonly NoteSignature[]): string {
  const parsed = parseNote(note);
  return formatNote({ text: parsed.text, signatures: [...parsed.signatures, ...signatures] });
}

// ---- internals ----

function noteBytes(input: string | Uint8Array): Uint8Array {
  if (typeof input === 'string') {
    if (input.length > NOTE_MAX_BYTES) throw new NoteError('limit', `note exceeds ${NOTE_MAX_BYTES} bytes`);
    if (!isWellFormed(input)) throw new NoteError('malformed', 'note has a lone UTF-16 surrogate');
    input = utf8(input);
  } else if (!(input instanceof Uint8Array)) {
    throw new TypeError(`note expected string or Uint8Array, got ${typeof input}`);
  }
  if (input.length > NOTE_MAX_BYTES) throw new NoteError('limit', `note exceeds ${NOTE_MAX_BYTES} bytes`);
  return input;
}

/** Index of the first newline of the last "\n\n", or -1. */
function lastBlankLine(msg: Uint8Array): number {
  for (let i = msg.length - 2; i >= 0; i--) {
    if (msg[i] === NEWLINE && msg[i + 1] === NEWLINE) return i;
  }
  return -1;
}

function parseSignatureBlock(block: Uint8Array): NoteSignature[] {
  const signatures: NoteSignature[] = [];
  let start = 0;
  while (start < block.length) {
    const end = block.indexOf(NEWLINE, start); // found: the block ends in a newline
    if (signatures.length >= NOTE_MAX_SIGNATURES) throw new NoteError('limit', `more than ${NOTE_MAX_SIGNATURES} signature lines`);
    signatures.push(parseSignatureLine(block.subarray(start, end)));
    start = end + 1;
  }
  return signatures;
}

/** `— <key name> <base64(key ID || signature)>` (without the newline). */
function parseSignatureLine(line: Uint8Array): NoteSignature {
  if (!startsWith(line, EM_DASH_SPACE)) throw new NoteError('malformed', 'signature line does not start with "— "');
  const rest = decoder.decode(line.subarray(EM_DASH_SPACE.length));
  const space = rest.indexOf(' ');
  if (space < 0) throw new NoteError('malformed', 'signature line has no space between name and signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw new NoteError('malformed', 'signature line has an invalid key name');
  const payload = decodeBase64Strict(rest.slice(space + 1));
  // Key ID (4 bytes) and at least one byte of signature.
  if (!payload || payload.length < 5) throw new NoteError('malformed', `signature by ${name} is not base64 of key ID || signature`);
  const keyId = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  return { name, keyId, signature: payload.slice(4) };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** c2sp.org/signed-note §Format: the text ends in a newline; no control characters but newline. */
function checkText(text: string): void {
  if (typeof text !== 'string') throw new TypeError(`text expected string, got ${typeof text}`);
  if (!text.endsWith('\n')) throw new NoteError('malformed', 'note text must end in a newline');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new NoteError('malformed', 'note text has a control character');
  if (!isWellFormed(text)) throw new NoteError('malformed', 'note text has a lone UTF-16 surrogate');
  if (utf8(text).length > NOTE_MAX_BYTES) throw new NoteError('limit', `note text exceeds ${NOTE_MAX_BYTES} bytes`);
}
