/** File reading for the CLI: every failure is a UsageError naming the file (exit 2). */
import { readFileSync } from 'node:fs';
import { fromHex } from '../protocol/bytes.js';
import { UsageError } from './io.js';

export function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A file holding either raw bytes or ASCII hex (whitespace allowed): returns the bytes. */
export function readBytesOrHex(path: string, what: string): Uint8Array {
  const raw = readBytes(path, what);
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
