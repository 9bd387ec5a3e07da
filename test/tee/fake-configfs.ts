/**
 * A fake configfs-tsm in a tmp folder: real files (provider, generation, inblob, outblob, auxblob)
 * under `<root>/tsm/report/<entry>/`, and a {@link ConfigfsIo} that adds what the kernel does on
 * top of plain files: `mkdir` populates an entry, a write to `inblob` bumps `generation`, read-only
 * attributes refuse writes (EACCES), and `outblob` is produced from `inblob` when read.
 * `onOutblobRead` lets a test play a second writer (the generation-counter race).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ConfigfsIo } from '../../tee/configfs-tsm.js';

export interface FakeTsmOptions {
  /** `sev_guest`, `tdx_guest`, ... */
  provider: string;
  /** The report the "hardware" returns (real bytes from the vectors), or a function of inblob. */
  outblob: Uint8Array | ((inblob: Uint8Array) => Uint8Array);
  /** The host's certificate table; no auxblob attribute when undefined. */
  auxblob?: Uint8Array;
  /** Leave out `tsm/report` altogether (a machine without configfs-tsm). */
  noTsm?: boolean;
}

const READ_ONLY = new Set(['provider', 'generation', 'outblob', 'auxblob']);

function errno(code: string, path: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${path}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

export class FakeConfigfs {
  readonly root: string;
  readonly reportDir: string;
  /** Called before each read of an outblob with the entry's directory (a test's second writer). */
  onOutblobRead: ((entryDir: string) => void) | null = null;
  outblobReads = 0;

  constructor(private readonly options: FakeTsmOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'pph-configfs-'));
    this.reportDir = join(this.root, 'tsm', 'report');
    if (!options.noTsm) mkdirSync(this.reportDir, { recursive: true });
  }

  /** Another writer: what a concurrent process writing `inblob` does to `generation`. */
  bumpGeneration(entryDir: string): void {
    const g = Number(readFileSync(join(entryDir, 'generation'), 'utf8').trim());
    writeFileSync(join(entryDir, 'generation'), `${g + 1}\n`);
  }

  /** Entry directories currently present. */
  entries(): string[] {
    return existsSync(this.reportDir) ? readdirSync(this.reportDir) : [];
  }

  readonly io: ConfigfsIo = {
    exists: (path) => existsSync(path),
    mkdir: (path) => {
      if (dirname(path) !== this.reportDir) throw errno('EPERM', path);
      mkdirSync(path);
      writeFileSync(join(path, 'provider'), `${this.options.provider}\n`);
      writeFileSync(join(path, 'generation'), '0\n');
      writeFileSync(join(path, 'outblob'), new Uint8Array(0));
      if (this.options.auxblob !== undefined) writeFileSync(join(path, 'auxblob'), new Uint8Array(0));
    },
    rmdir: (path) => rmSync(path, { recursive: true }),
    read: (path) => {
      if (basename(path) === 'outblob') {
        this.outblobReads++;
        this.onOutblobRead?.(dirname(path));
        const inblob = existsSync(join(dirname(path), 'inblob')) ? new Uint8Array(readFileSync(join(dirname(path), 'inblob'))) : new Uint8Array(0);
        const out = typeof this.options.outblob === 'function' ? this.options.outblob(inblob) : this.options.outblob;
        writeFileSync(path, out);
        if (this.options.auxblob !== undefined) writeFileSync(join(dirname(path), 'auxblob'), this.options.auxblob);
      }
      return new Uint8Array(readFileSync(path));
    },
    write: (path, bytes) => {
      const attr = basename(path);
      if (READ_ONLY.has(attr)) throw errno('EACCES', path);
      if (attr !== 'inblob') throw errno('ENOENT', path);
      if (bytes.length > 64) throw errno('EINVAL', path);
      writeFileSync(path, bytes);
      this.bumpGeneration(dirname(path));
    },
  };

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Fakes made through the returned function are removed after each test of the calling file. */
export function fakeConfigfsPerTest(afterEach: (fn: () => void) => void): (options: FakeTsmOptions) => FakeConfigfs {
  const fakes: FakeConfigfs[] = [];
  afterEach(() => {
    for (const f of fakes.splice(0)) f.remove();
  });
  return (options) => {
    const f = new FakeConfigfs(options);
    fakes.push(f);
    return f;
  };
}
