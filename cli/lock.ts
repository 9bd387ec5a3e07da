/**
 * An exclusive lock on a results folder (issue 14: two campaigns writing one `--out` interleaved
 * their runs). The lock is a file `.pph-lock` created with O_EXCL (`wx`): creating it either
 * succeeds for exactly one process or fails with EEXIST. It holds who took it (pid, host, command,
 * start time) so the second writer can say who holds the folder. A lock left by a process that
 * died (same host, pid no longer alive) is taken over with a notice; a lock of another host is
 * never guessed stale.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PphError } from '../protocol/errors.js';
import { wallClockIso } from '../bench/stopwatch.js';

export const LOCK_FILE = '.pph-lock';

/** A results folder cannot be used. Codes: locked, not-empty, unwritable, not-a-folder. */
export class ResultsDirError extends PphError {}

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export interface FolderLock {
  file: string;
  info: LockInfo;
  /** Removes the lock file when it is still ours (idempotent). */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') return { pid: v.pid, host: v.host, command: String(v.command ?? '?'), startedAt: String(v.startedAt ?? '?') };
  } catch {
    // unreadable or being written: treated as held
  }
  return null;
}

const held = new Set<FolderLock>();
let exitHook = false;

/**
 * Takes the lock of `dir` (which must exist) for `command`.
 *
 * @throws {ResultsDirError} `locked` when another live process holds it (the message names its pid,
 *   host, command and start time).
 */
export function lockFolder(dir: string, command: string, notice: (line: string) => void = () => {}): FolderLock {
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, startedAt: wallClockIso() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ResultsDirError('unwritable', `${dir}: cannot create ${LOCK_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      const other = readLock(file);
      if (other && other.host === info.host && other.pid !== process.pid && !alive(other.pid) && attempt === 0) {
        notice(`note: ${dir} was locked by pid ${other.pid} (${other.command}, since ${other.startedAt}), which is no longer running: taking the lock over`);
        rmSync(file, { force: true });
        continue;
      }
      const who = other ? `pid ${other.pid} on ${other.host} (${other.command}, since ${other.startedAt})` : `another process (${LOCK_FILE} unreadable)`;
      throw new ResultsDirError('locked', `${dir}: locked by ${who}; wait for it to finish, or write elsewhere with --out`);
    }
    try {
      writeSync(fd, `${JSON.stringify(info)}\n`);
    } finally {
      closeSync(fd);
    }
    const lock: FolderLock = {
      file,
      info,
      release() {
        if (!held.delete(lock)) return;
        const now = readLock(file);
        if (now && now.pid === info.pid && now.startedAt === info.startedAt && now.host === info.host) rmSync(file, { force: true });
      },
    };
    held.add(lock);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const l of [...held]) l.release();
      });
    }
    return lock;
  }
  throw new ResultsDirError('locked', `${dir}: locked (${LOCK_FILE} reappeared while taking it over)`);
}
