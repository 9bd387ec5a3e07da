/**
 * Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm-report, kernel ≥ 6.7): the one
 * interface through which a confidential VM's guest asks its TSM (the AMD-SP through sev-guest, the
 * TDX module through tdx-guest) for a report. An entry is a directory made with `mkdir` under
 * `<configfs>/tsm/report/`; the kernel fills it with attributes:
 *
 *   inblob      (WO) up to 64 bytes of user data: our REPORT_DATA binding
 *   outblob     (RO) the report, generated from inblob when read
 *   auxblob     (RO) provider extras; for `sev_guest` the GHCB certificate table (VCEK, ASK, ARK)
 *   provider    (RO) the format of outblob: `sev_guest` or `tdx_guest`
 *   generation  (RO) incremented on every write to inblob or an option
 *
 * The race the kernel documents: configfs is a multi-step ABI, so two writers can interleave on one
 * entry. "Userspace can detect conflicts by checking generation before writing to any attribute and
 * making sure the number of writes matches expectations after reading outblob." We read it before
 * the write and after the reads; anything but exactly one more is a conflict: retry, then fail.
 *
 * File access goes through {@link ConfigfsIo} so tests can stand a kernel-like fake over a tmp folder.
 */
import { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromUtf8 } from '../protocol/bytes.js';
import { REPORT_DATA_BYTES, TeeError, type TeeAvailability } from './runner.js';
import type { InferenceBackend } from './workload.js';

/** Where configfs is mounted on Linux. */
export const DEFAULT_CONFIGFS_ROOT = '/sys/kernel/config';
/** A limit on everything: attempts before a generation conflict is reported as `race`. */
export const TSM_ATTEMPTS_MAX = 3;
/** A limit on everything: the kernel caps outblob at 32 KiB (TSM_OUTBLOB_MAX); we refuse more. */
export const TSM_BLOB_BYTES_MAX = 1 << 20;

/** The file operations a configfs-tsm client needs (synchronous: each is one syscall on configfs). */
export interface ConfigfsIo {
  /** Whether `path` exists (file or directory). */
  exists(path: string): boolean;
  mkdir(path: string): void;
  rmdir(path: string): void;
  read(path: string): Uint8Array;
  /** One write(2) of all of `bytes` (configfs binary attributes take the value in one write). */
  write(path: string, bytes: Uint8Array): void;
}

/** The real filesystem. */
export const nodeConfigfsIo: ConfigfsIo = {
  exists(path) {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  mkdir: (path) => mkdirSync(path),
  rmdir: (path) => rmdirSync(path),
  read: (path) => new Uint8Array(readFileSync(path)),
  write: (path, bytes) => writeFileSync(path, bytes),
};

/** What one report request returns. */
export interface TsmReport {
  provider: string;
  outblob: Uint8Array;
  /** Absent when the entry has no auxblob or it is empty (the host gave no certificates). */
  auxblob?: Uint8Array;
  /** `generation` after the reads: exactly one more than before the write. */
  generation: number;
  /** How many attempts it took (1 unless another writer interfered). */
  attempts: number;
}

/** Options of {@link TsmEntry}. */
export interface TsmEntryOptions {
  /** configfs mount point (default /sys/kernel/config); reports live under `<root>/tsm/report`. */
  configfsRoot?: string;
  /** The entry's directory name; one entry per requesting context avoids conflicts altogether. */
  name: string;
  io?: ConfigfsIo;
}

function ioError(what: string, path: string, cause: unknown): TeeError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new TeeError('io', `${what} ${path}${code ? ` (${code})` : ''}`, { cause });
}

/** The directory that holds report entries under a configfs root. */
export function tsmReportDir(configfsRoot: string = DEFAULT_CONFIGFS_ROOT): string {
  return join(configfsRoot, 'tsm', 'report');
}

/**
 * One configfs-tsm report entry. `open()` creates it (or reuses an existing one of that name: the
 * generation check catches a second user), `request()` gets one report, `close()` removes it.
 *
 * @example
 * const entry = new TsmEntry({ name: `pph-${process.pid}` });
 * entry.open();
 * const { outblob } = entry.request(reportData);
 * entry.close();
 */
export class TsmEntry {
  readonly dir: string;
  private readonly io: ConfigfsIo;
  private created = false;
  private opened = false;

  constructor(readonly options: TsmEntryOptions) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.name)) throw new RangeError(`name expected 1-64 of [A-Za-z0-9._-], got ${JSON.stringify(options.name)}`);
    this.io = options.io ?? nodeConfigfsIo;
    this.dir = join(tsmReportDir(options.configfsRoot), options.name);
  }

  /** Creates the entry (the kernel populates its attributes) and returns its provider. */
  open(): string {
    const reportDir = tsmReportDir(this.options.configfsRoot);
    if (!this.io.exists(reportDir)) throw new TeeError('unavailable', `configfs-tsm not found: no ${reportDir} (needs Linux ≥ 6.7 in a confidential VM, configfs mounted)`);
    if (!this.io.exists(this.dir)) {
      try {
        this.io.mkdir(this.dir);
        this.created = true;
      } catch (cause) {
        throw ioError('cannot create the report entry', this.dir, cause);
      }
    }
    this.opened = true;
    return this.provider();
  }

  /** The `provider` attribute, trimmed (`sev_guest`, `tdx_guest`). */
  provider(): string {
    return this.readText('provider');
  }

  /**
   * Writes `inblob`, reads `outblob` (and `auxblob` when present) and checks the generation
   * counter; retries a conflict up to {@link TSM_ATTEMPTS_MAX} times, then `TeeError('race')`.
   */
  request(inblob: Uint8Array): TsmReport {
    if (!this.opened) throw new TeeError('not-started', 'configfs-tsm entry used before open()');
    if (!(inblob instanceof Uint8Array)) throw new TypeError(`inblob expected Uint8Array, got ${typeof inblob}`);
    if (inblob.length > REPORT_DATA_BYTES) throw new RangeError(`inblob expected at most ${REPORT_DATA_BYTES} bytes, got length=${inblob.length}`);
    const provider = this.provider();
    let seen = '';
    for (let attempt = 1; attempt <= TSM_ATTEMPTS_MAX; attempt++) {
      const before = this.generation();
      this.writeAttr('inblob', inblob);
      const outblob = this.readBlob('outblob');
      const aux = this.io.exists(join(this.dir, 'auxblob')) ? this.readBlob('auxblob') : undefined;
      const after = this.generation();
      // ABI: "making sure the number of writes matches expectations after reading outblob": one write.
      if (after === before + 1) {
        return { provider, outblob, ...(aux !== undefined && aux.length > 0 ? { auxblob: aux } : {}), generation: after, attempts: attempt };
      }
      seen += `${seen ? ', ' : ''}${before}→${after}`;
    }
    throw new TeeError('race', `another writer changed ${this.dir} while we read it (generation ${seen}, expected one write each time)`);
  }

  /** Removes the entry if this object created it. */
  close(): void {
    this.opened = false;
    if (!this.created) return;
    this.created = false;
    try {
      this.io.rmdir(this.dir);
    } catch (cause) {
      throw ioError('cannot remove the report entry', this.dir, cause);
    }
  }

  private generation(): number {
    const text = this.readText('generation');
    if (!/^\d{1,15}$/.test(text)) throw new TeeError('io', `${join(this.dir, 'generation')} is not a decimal counter: ${JSON.stringify(text.slice(0, 32))}`);
    return Number(text);
  }

  private readBlob(attr: string): Uint8Array {
    const path = join(this.dir, attr);
    let bytes: Uint8Array;
    try {
      bytes = this.io.read(path);
    } catch (cause) {
      throw ioError('cannot read', path, cause);
    }
    if (bytes.length > TSM_BLOB_BYTES_MAX) throw new TeeError('io', `${path} holds ${bytes.length} bytes, more than ${TSM_BLOB_BYTES_MAX}`);
    return bytes;
  }

  private readText(attr: string): string {
    const bytes = this.readBlob(attr);
    try {
      return fromUtf8(bytes).trim();
    } catch (cause) {
      throw new TeeError('io', `${join(this.dir, attr)} is not text`, { cause });
    }
  }

  private writeAttr(attr: string, bytes: Uint8Array): void {
    const path = join(this.dir, attr);
    try {
      this.io.write(path, bytes);
    } catch (cause) {
      throw ioError('cannot write', path, cause);
    }
  }
}

/** Options shared by the configfs-tsm runners. */
export interface TsmRunnerOptions {
  /** configfs mount point (default /sys/kernel/config). */
  configfsRoot?: string;
  /** The report entry's name (default `pph-<pid>-<n>`: one entry per runner avoids conflicts). */
  entryName?: string;
  /** File access (tests stand a kernel-like fake here). */
  io?: ConfigfsIo;
  backend?: InferenceBackend;
}

let entries = 0;
/** A fresh entry name for this process. */
export function defaultEntryName(prefix: string): string {
  entries++;
  return `${prefix}-${process.pid}-${entries}`;
}

/**
 * Whether configfs-tsm answers with `provider` here: makes a probe entry, reads its provider and
 * removes it. Never throws.
 */
export function probeTsm(provider: string, options: TsmRunnerOptions = {}, device?: string): TeeAvailability {
  const entry = new TsmEntry({ configfsRoot: options.configfsRoot, name: defaultEntryName('pph-probe'), io: options.io });
  try {
    const found = entry.open();
    if (found !== provider) return { ok: false, why: `configfs-tsm provider is ${JSON.stringify(found)}, not ${provider}` };
    return { ok: true, why: `configfs-tsm at ${tsmReportDir(options.configfsRoot)} answers with provider ${provider}` };
  } catch (e) {
    // On the real root, the guest driver's device node tells "not this kind of guest" from "old kernel".
    const hint = device !== undefined && (options.configfsRoot ?? DEFAULT_CONFIGFS_ROOT) === DEFAULT_CONFIGFS_ROOT && options.io === undefined ? (nodeConfigfsIo.exists(device) ? `; ${device} exists (kernel < 6.7 or configfs not mounted?)` : `; no ${device} either`) : '';
    return { ok: false, why: (e as Error).message + hint };
  } finally {
    try {
      entry.close();
    } catch {
      // A probe entry that cannot be removed is reported by the next open; nothing to add here.
    }
  }
}

