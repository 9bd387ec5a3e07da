/**
 * `pph tlog verify-note --vkey <file> [--vkey <file>...] <note>`: verifies a C2SP signed note
 * (e.g. a sum.golang.org checkpoint) against verifier keys. Exit 0 valid, 1 invalid (the failed
 * check is printed), 2 bad usage, unreadable file or unparseable vkey.
 *
 * A vkey file holds one vkey per non-empty line; type 0x01 (Ed25519) and 0x04 (cosignature/v1)
 * keys are understood. Lines from keys not given are reported as skipped.
 */
import { NoteError } from '../../protocol/errors.js';
import { parseCheckpoint } from '../../protocol/tlog/checkpoint.js';
import { CosignatureV1Verifier } from '../../protocol/tlog/cosignature.js';
import { Ed25519NoteVerifier, SIG_TYPE_COSIGNATURE_V1, SIG_TYPE_ED25519, keyIdHex, parseVerifierKey, type NoteVerifier } from '../../protocol/tlog/note-key.js';
import { verifyNote } from '../../protocol/tlog/note.js';
import { readBytes, readText } from '../files.js';
import { EXIT_FAILED, EXIT_OK, UsageError, parseFlags, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph tlog verify-note --vkey <file> [--vkey <file>...] <note>',
  '',
  '  verify-note  check a C2SP signed note: every line from a given key must verify, lines from',
  '               other keys are skipped, at least one given key must have signed.',
  '  --vkey       file with verifier keys <name>+<hex id>+<base64>, one per line (repeatable)',
  '',
  'exit: 0 valid, 1 invalid (the failed check is printed), 2 bad usage or unreadable input',
].join('\n');

export const command: Command = {
  name: 'tlog',
  summary: 'transparency logs: verify a signed note / checkpoint (C2SP signed-note)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub !== 'verify-note') throw new UsageError(sub === undefined ? 'missing subcommand (verify-note)' : `unknown subcommand '${sub}'`);
    return verifyNoteCommand(rest, io);
  },
};

async function verifyNoteCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { vkey: { type: 'string', multiple: true } });
  const vkeyFiles = flags.strs('vkey');
  if (vkeyFiles.length === 0) throw new UsageError('missing required option --vkey');
  if (flags.positionals.length !== 1) throw new UsageError('expected exactly one note file');
  const verifiers = vkeyFiles.flatMap(loadVerifiers);
  const noteFile = flags.positionals[0]!;
  const note = readBytes(noteFile, 'note');
  try {
    const verified = verifyNote(note, verifiers);
    for (const s of verified.verified) io.out(`ok: signature by ${s.name}+${keyIdHex(s.keyId)} verifies`);
    for (const s of verified.unverified) io.out(`skipped: ${s.name}+${keyIdHex(s.keyId)} (not a given key)`);
    describeCheckpoint(verified.text, io);
    io.out(`valid: ${noteFile}`);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    io.err(`invalid: ${noteFile}: ${e.code}: ${e.message}`);
    return EXIT_FAILED;
  }
}

/** Every vkey in `file`; a missing file or a bad vkey is a usage error (exit 2). */
function loadVerifiers(file: string): NoteVerifier[] {
  const lines = readText(file, 'vkey').split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new UsageError(`vkey file ${file} holds no key`);
  return lines.map((line, i) => {
    try {
      const { type } = parseVerifierKey(line);
      if (type === SIG_TYPE_ED25519) return Ed25519NoteVerifier.fromVkey(line);
      if (type === SIG_TYPE_COSIGNATURE_V1) return CosignatureV1Verifier.fromVkey(line);
      throw new NoteError('key', `signature type 0x${type.toString(16).padStart(2, '0')} is not supported`);
    } catch (e) {
      if (e instanceof NoteError) throw new UsageError(`vkey file ${file} line ${i + 1}: ${e.message}`);
      throw e;
    }
  });
}

/** If the verified text is a tlog checkpoint, show its tree head (informational only). */
function describeCheckpoint(text: string, io: CliIo): void {
  try {
    const cp = parseCheckpoint(text);
    io.out(`checkpoint: origin=${JSON.stringify(cp.origin)} size=${cp.size} root=${Buffer.from(cp.rootHash).toString('base64')}`);
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
  }
}
