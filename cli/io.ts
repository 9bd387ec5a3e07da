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

/** Strict `parseArgs`; unknown flags or missing values become a UsageError (exit 2). */
export function parseFlags(argv: string[], options: Options): Flags {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError((e as Error).message);
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
      if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} expects an integer, got '${raw}'`);
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

export function nodeIo(): CliIo {
  return {
    out: (line) => process.stdout.write(line + '\n'),
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
