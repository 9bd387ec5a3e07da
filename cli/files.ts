/** File reading for the CLI: every failure is a UsageError naming the file (exit 2). */
import { fromHex } from '../protocol/bytes.js';
import { UsageError } from './io.js';
import { readBoundedBytes, readBoundedText, type InputLimitName } from './read-bounded.js';

/**
 * The bytes of an input file, or of standard input for `-`, with the size limit of its kind
 * (cli/read-bounded.ts: stat first, only regular files, bounded read).
 */
export function readBytes(path: string, what: string, limit?: InputLimitName): Uint8Array {
  return readBoundedBytes(path, what, limit);
}

/** {@link readBytes} as strict UTF-8 text. */
export function readText(path: string, what: string, limit?: InputLimitName): string {
  return readBoundedText(path, what, limit);
}

/** A file holding either raw bytes or ASCII hex (whitespace allowed): returns the bytes. */
export function readBytesOrHex(path: string, what: string, limit?: InputLimitName): Uint8Array {
  const raw = readBytes(path, what, limit);
  const text = Buffer.from(raw).toString('latin1').trim();
  if (text.length > 0 && text.length % 2 === 0 && /^(0x)?[0-9a-fA-F\s]+$/.test(text)) {
    const clean = text.replace(/\s+/g, '');
    if (clean.length % 2 === 0) return fromHex(clean);
  }
  return raw;
}

/** Parses a hex command-line value; a UsageError names the flag. */
export function hexFlag(value: string, flag: string): Uint8Array {
  try {
    return fromHex(value, flag);
  } catch {
    throw new UsageError(`${flag}: expected hex`);
  }
}
