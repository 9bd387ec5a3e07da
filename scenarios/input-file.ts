/**
 * Reading an input file with a size limit (STYLE.md habit 5), for the scenario loader and the CLI
 * (cli/read-bounded.ts builds its per-kind limits and stdin on this). The lowest layer that reads
 * files, so it imports nothing of the project but the error base class.
 *
 * Order of checks: stat (a missing or unreadable path), then the kind of file (only a regular file
 * is read: a FIFO would block, /dev/zero and /dev/urandom never end, a directory is no input), then
 * its size, then a bounded read of at most `maxBytes + 1` bytes from a descriptor opened with
 * O_NONBLOCK and checked again with fstat (the path may change between stat and open; a FIFO
 * opened that way does not block). A file that grew past the limit meanwhile is refused too.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { PphError } from '../protocol/errors.js';

/** Why an input was refused: its `code`. */
export type InputFileErrorCode = 'missing' | 'unreadable' | 'not-regular' | 'too-large' | 'not-utf8';

/** An input file that cannot be used; `path` names it, `code` says why (the message explains). */
export class InputFileError extends PphError {
  declare readonly code: InputFileErrorCode;
  readonly path: string;
  /** 1-based line and column of the first bad byte (`not-utf8` only). */
  readonly line: number | null;
  readonly column: number | null;

  constructor(code: InputFileErrorCode, path: string, message: string, where?: { line: number; column: number }) {
    super(code, message);
    this.path = path;
    this.line = where?.line ?? null;
    this.column = where?.column ?? null;
  }
}

/** `1 MiB`, `64 KiB`, `1000 bytes`: a limit as people read it. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1 << 30, 'GiB'],
    [1 << 20, 'MiB'],
    [1 << 10, 'KiB'],
  ];
  for (const [size, unit] of units) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The limit's name and value as messages print it: `scenarioBytesMax = 1 MiB`. */
export interface ByteLimit {
  readonly name: string;
  readonly bytes: number;
}

function tooLarge(path: string, what: string, size: string, limit: ByteLimit): InputFileError {
  return new InputFileError('too-large', path, `${what} ${path} is ${size}, over the limit ${limit.name} = ${formatBytes(limit.bytes)}`);
}

/**
 * The bytes of the regular file at `path`, at most `limit.bytes` of them.
 *
 * @throws {InputFileError} `missing`, `unreadable` (with the errno code), `not-regular`, `too-large`.
 * @example
 * const bytes = readFileBounded('scenarios/default.yaml', 'scenario', { name: 'scenarioBytesMax', bytes: 1 << 20 });
 */
export function readFileBounded(path: string, what: string, limit: ByteLimit): Uint8Array {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new InputFileError(code === 'ENOENT' ? 'missing' : 'unreadable', path, `cannot read ${what} ${path}: ${code}`, undefined);
  }
  if (!st.isFile()) throw new InputFileError('not-regular', path, `cannot read ${what} ${path}: it is ${kindOf(st)}, not a regular file (give a file, or - for standard input)`);
  if (st.size > limit.bytes) throw tooLarge(path, what, `${st.size} bytes`, limit);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError('unreadable', path, `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const again = fstatSync(fd);
    if (!again.isFile()) throw new InputFileError('not-regular', path, `cannot read ${what} ${path}: it is ${kindOf(again)}, not a regular file`);
    return readFdBounded(fd, path, what, limit);
  } finally {
    closeSync(fd);
  }
}

const EAGAIN_WAIT_MS = 5;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Reads `fd` to its end, refusing more than `limit.bytes` (`too-large`). A descriptor that is
 * non-blocking and momentarily empty (a pipe on standard input) is waited on, not busy-polled.
 */
export function readFdBounded(fd: number, path: string, what: string, limit: ByteLimit): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const chunk = Buffer.allocUnsafe(Math.min(limit.bytes + 1, 1 << 16) || 1);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, EAGAIN_WAIT_MS);
        continue;
      }
      if (code === 'EOF') break;
      throw new InputFileError('unreadable', path, `cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
    }
    if (n === 0) break;
    total += n;
    if (total > limit.bytes) throw tooLarge(path, what, `more than ${limit.bytes} bytes`, limit);
    chunks.push(Uint8Array.from(chunk.subarray(0, n)));
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Where a byte string stops being UTF-8: the offset, 1-based line and column, and the byte. */
export interface Utf8Problem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly byte: number;
}

/** The first byte that is not part of a well-formed UTF-8 sequence (RFC 3629 §4), or null. */
export function utf8Problem(bytes: Uint8Array): Utf8Problem | null {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return null;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return { offset, line, column: offset - lineStart + 1, byte: bytes[offset] ?? 0 };
  }
}

/**
 * Strict UTF-8 (RFC 3629): the text, or `InputFileError` `not-utf8` naming the line and column of
 * the first byte that is not part of a well-formed sequence (overlong forms, surrogates and code
 * points above U+10FFFF included). A leading byte order mark is dropped.
 */
export function decodeUtf8Strict(bytes: Uint8Array, path: string, what: string): string {
  try {
    // One pass for the common case; the slow scan only runs to locate a bad byte.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const bad = utf8Problem(bytes)!;
    const hex = bad.byte.toString(16).padStart(2, '0');
    throw new InputFileError('not-utf8', path, `${what} ${path}:${bad.line}:${bad.column}: byte 0x${hex} is not UTF-8 (the file must be UTF-8 text)`, bad);
  }
}

/** Offset of the first byte that breaks UTF-8 well-formedness (RFC 3629 §4 syntax). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (d < min || d > max) return i;
    }
    i += need + 1;
  }
  return Math.max(0, b.length - 1);
}
