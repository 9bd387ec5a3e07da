/**
 * What a command may touch: its arguments, its output streams and the environment. Commands
 * return an exit code (0 every expectation held, 1 one failed, 2 bad input or usage) instead of
 * calling process.exit, so tests run them in-process.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  isTTY: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad usage or unreadable input: the CLI prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Flags {
  positionals: string[];
  /** A string option's value (the last one given), or undefined. */
  str(name: string): string | undefined;
  /** Every value of a repeatable string option. */
  strs(name: string): string[];
  bool(name: string): boolean;
  /** An integer option within [min, max]; UsageError otherwise. */
  int(name: string, fallback: number, min?: number, max?: number): number;
}

/** Edit distance of two short strings (Levenshtein), for did-you-mean hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean X?)` for the closest candidate within 2 edits (or a third of the name's length), else ''. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${best}?)` : '';
}

/**
 * Strict `parseArgs`; unknown flags or missing values become a UsageError (exit 2) that names the
 * option and the closest known one. A value that starts with `-` is taken as the value of a string
 * option when it is a number (`--seed -1` reads like `--seed=-1`), so range checks can say what is wrong.
 */
export function parseFlags(argv: string[], options: Options): Flags {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  const known = Object.keys(options);
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2) : null;
    const next = argv[i + 1];
    if (name !== null && !name.includes('=') && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const err = e as Error & { code?: string };
    const unknown = /Unknown option '([^']+)'/.exec(err.message);
    if (unknown) {
      const flag = unknown[1]!;
      const hint = flag.startsWith('--') ? didYouMean(flag.slice(2).split('=')[0]!, known).replace(/mean (\S+)\?/, 'mean --$1?') : '';
      throw new UsageError(`unknown option ${flag}${hint}`);
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(err.message);
    if (missing) throw new UsageError(`${missing[1]} expects a value`);
    const notString = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(err.message);
    if (notString) throw new UsageError(`${notString[1]} takes no value`);
    throw new UsageError(err.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
  const { values, positionals } = parsed;
  const str = (name: string): string | undefined => {
    const v = values[name];
    if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  return {
    positionals,
    str,
    strs: (name) => {
      const v = values[name];
      return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    },
    bool: (name) => values[name] === true,
    int: (name, fallback, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) => {
      const raw = str(name);
      if (raw === undefined) return fallback;
      const what = min >= 0 ? 'an unsigned integer' : 'an integer';
      if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} expects ${what}, got '${raw}'`);
      if (min >= 0 && raw.startsWith('-')) throw new UsageError(`--${name} expects an unsigned integer, got ${raw}`);
      const n = Number(raw);
      if (n < min || n > max) throw new UsageError(`--${name} expects an integer in [${min}, ${max}], got ${n}`);
      return n;
    },
  };
}

export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing required option ${flag}`);
  return value;
}

/**
 * Whether stdout's reader went away (EPIPE: `pph trace show t.jsonl | head -1`). From then on
 * output is dropped and the command runs to its end (its files are written whole), exiting with
 * its own code: the reader chose to stop reading, that is not an error (docs/json-output.md).
 */
let stdoutClosed = false;
let epipeGuarded = false;

function guardEpipe(): void {
  if (epipeGuarded) return;
  epipeGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      stdoutClosed = true;
      return;
    }
    throw e;
  });
}

function writeStdout(line: string): void {
  if (stdoutClosed) return;
  try {
    process.stdout.write(line + '\n');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') stdoutClosed = true;
    else throw e;
  }
}

export function nodeIo(): CliIo {
  guardEpipe();
  return {
    out: writeStdout,
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** An io that records output, for tests. */
export function memoryIo(env: Record<string, string | undefined> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env, cwd: process.cwd(), isTTY: false };
}
