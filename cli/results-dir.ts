/**
 * Opening a results folder before any work (issue 14, "Campaign folders"): the folder is created,
 * shown writable (a probe file written and removed), locked against a second writer
 * (cli/lock.ts), and refused when it already holds something, unless `--resume` (a campaign goes
 * on) or `--force` (the command's own files are removed first; anything else stays). Every
 * refusal is a {@link ResultsDirError}: exit 2 before a single run.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAtomicTemp } from '../reports/atomic-write.js';
import { LOCK_FILE, lockFolder, ResultsDirError, type FolderLock } from './lock.js';

export { ResultsDirError, type FolderLock } from './lock.js';

/** What `pph report` writes into every results folder (reports/index.ts). */
export const REPORT_FILES = ['index.html', 'summary.md', 'junit.xml', 'manifest.json', 'mermaid.min.js'] as const;

/** The files each command writes (and so the files its `--force` removes). */
export const OWNED_FILES: Record<string, (name: string) => boolean> = {
  run: (n) => ['result.json', 'trace.jsonl', ...REPORT_FILES].includes(n),
  campaign: (n) => ['runs.jsonl', 'campaign.json', 'campaign-spec.json', ...REPORT_FILES].includes(n) || isReplayName(n),
  merge: (n) => ['runs.jsonl', 'campaign.json', 'campaign-spec.json', ...REPORT_FILES].includes(n) || isReplayName(n),
  matrix: (n) => ['matrix.json', 'matrix.md', ...REPORT_FILES].includes(n) || isReplayName(n),
  bench: (n) => ['bench.json', 'bench.md', ...REPORT_FILES].includes(n),
  metadata: (n) => ['metadata.json', 'metadata.md', ...REPORT_FILES].includes(n),
  explore: (n) => ['explore.json', ...REPORT_FILES].includes(n) || isReplayName(n),
};

function isReplayName(n: string): boolean {
  return n.startsWith('replay-') && n.endsWith('.json');
}

export interface OpenOptions {
  /** The command that writes the folder: a key of {@link OWNED_FILES}. */
  command: keyof typeof OWNED_FILES;
  /** The command line, recorded in the lock (`pph campaign x --runs 4`). */
  commandLine: string;
  /** `--force`: remove the command's own files from a non-empty folder. */
  force: boolean;
  /** `--resume`: a non-empty folder is expected (the caller checks what it holds). */
  resume?: boolean;
  /** How the folder is named in messages. */
  label: string;
  notice?: (line: string) => void;
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Creates `dir` when missing, proves it writable, locks it and checks it is empty (or cleans it
 * with `force`). Call before any run; call `release()` on the result when done (also released at
 * process exit).
 *
 * @throws {ResultsDirError} `not-a-folder`, `unwritable`, `locked` or `not-empty`.
 */
export function openResultsDir(dir: string, o: OpenOptions): FolderLock {
  const label = o.label;
  try {
    if (!statSync(dir).isDirectory()) throw new ResultsDirError('not-a-folder', `--out ${label}: exists and is not a folder`);
  } catch (e) {
    if (e instanceof ResultsDirError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new ResultsDirError('not-a-folder', `--out ${label}: a parent is not a folder`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const c = code(e);
    throw new ResultsDirError(c === 'ENOTDIR' || c === 'EEXIST' ? 'not-a-folder' : 'unwritable', `--out ${label}: cannot create the folder (${c})`);
  }
  const probe = join(dir, `.pph-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'probe\n');
    rmSync(probe, { force: true });
  } catch (e) {
    throw new ResultsDirError('unwritable', `--out ${label}: not writable (${code(e)})`);
  }
  const lock = lockFolder(dir, o.commandLine, o.notice);
  try {
    const owns = OWNED_FILES[o.command]!;
    const present = readdirSync(dir).filter((n) => n !== LOCK_FILE);
    if (present.length === 0 || o.resume) return lock;
    if (!o.force) {
      const shown = present.slice(0, 5).join(', ') + (present.length > 5 ? `, … (${present.length} entries)` : '');
      throw new ResultsDirError('not-empty', `--out ${label}: not empty (${shown}); pass --force to replace what pph ${o.command} wrote there${o.command === 'campaign' ? ', or --resume to continue the campaign' : ''}, or choose another --out`);
    }
    const removed: string[] = [];
    const kept: string[] = [];
    for (const n of present) {
      const p = join(dir, n);
      if ((owns(n) || isAtomicTemp(n)) && !statSync(p).isDirectory()) {
        rmSync(p, { force: true });
        removed.push(n);
      } else kept.push(n);
    }
    if (kept.length) o.notice?.(`note: --force removed ${removed.length} file(s) pph ${o.command} writes from ${label}; kept ${kept.length} it does not write (${kept.slice(0, 5).join(', ')}${kept.length > 5 ? ', …' : ''})`);
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}
