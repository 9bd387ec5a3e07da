/**
 * Atomic writes for every results file (issue 14, "Writes are not atomic"): the data goes to
 * `<path>.tmp-<pid>-<n>` in the same folder, is flushed to disk, then renamed over `path`. POSIX
 * rename(2) replaces the target in one step, so a reader (or a crash) sees either the old file or
 * the new one, never half of one.
 *
 * `runs.jsonl` is the one file that grows instead: {@link appendLine} writes each whole line with a
 * single write(2) on an O_APPEND descriptor, so a crash can only tear the last line, which the
 * reader recognises and drops (cli/campaign/runs-file.ts).
 *
 * Imports only node: both reports/ and cli/ use it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

let counter = 0;

/** The temporary name {@link writeFileAtomic} writes first; the `.tmp-` infix lets `--force` clean leftovers. */
export function tempNameFor(path: string): string {
  return `${path}.tmp-${process.pid}-${counter++}`;
}

/** True for a leftover temporary file of {@link writeFileAtomic} (a process died between write and rename). */
export function isAtomicTemp(name: string): boolean {
  return /\.tmp-\d+-\d+$/.test(name);
}

/**
 * Writes `data` to `path` atomically (temporary file, fsync, rename). On failure the temporary
 * file is removed and the error (ENOENT, EACCES, ENOSPC, ...) is thrown unchanged.
 *
 * @example
 * writeFileAtomic('results/campaign.json', JSON.stringify(summary, null, 2) + '\n');
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error matters
      }
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Appends one whole line (a `\n` is added when missing) with a single write(2) in append mode, so
 * concurrent appends never interleave inside a line and a crash tears at most the last line.
 */
export function appendLine(path: string, line: string): void {
  const text = line.endsWith('\n') ? line : `${line}\n`;
  const bytes = Buffer.from(text, 'utf8');
  const fd = openSync(path, 'a', 0o644);
  try {
    const n = writeSync(fd, bytes, 0, bytes.length);
    // A short write on a regular file means the disk is full: say so rather than leave half a line.
    if (n !== bytes.length) throw Object.assign(new Error(`${path}: short write (${n} of ${bytes.length} bytes)`), { code: 'ENOSPC' });
  } finally {
    closeSync(fd);
  }
}
