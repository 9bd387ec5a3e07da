/**
 * Every file the CLI reads, read with a limit per kind of input (docs/limits.md). A path is stat'ed
 * first: only a regular file is read (a FIFO, /dev/zero, /dev/urandom or a directory is refused
 * with exit 2 before a byte is read), except `-`, which is standard input, read with the same
 * limit. Too large, not a regular file, not UTF-8 (for text): a UsageError (exit 2) that names the
 * file and the limit.
 */
import { SCENARIO_BYTES_MAX } from '../scenarios/load.js';
import { decodeUtf8Strict, InputFileError, readFdBounded, readFileBounded, type ByteLimit } from '../scenarios/input-file.js';
import { UsageError } from './io.js';

const KiB = 1 << 10;
const MiB = 1 << 20;

/** The limit of each kind of input, in bytes (names carry units last, STYLE.md habit 6). */
export const INPUT_LIMITS = {
  /** A scenario YAML file (the scenario loader's own limit, scenarios/load.ts). */
  scenarioBytesMax: SCENARIO_BYTES_MAX,
  /** An attestation report or quote, raw or hex (a SEV-SNP report is 1184 bytes, a TDX quote a few KiB). */
  reportBytesMax: 1 * MiB,
  /** One DER or PEM certificate (--vcek, --vlek, a root): a VCEK is about 1.4 KiB. */
  certificateBytesMax: 64 * KiB,
  /** A PEM certificate chain (--chain). */
  chainBytesMax: 1 * MiB,
  /** A CRL (--crl). */
  crlBytesMax: 4 * MiB,
  /** DCAP collateral or GPU evidence (JSON or binary). */
  collateralBytesMax: 4 * MiB,
  /** A C2SP signed note or checkpoint. */
  noteBytesMax: 1 * MiB,
  /** A file of note verifier keys (--vkey). */
  vkeyBytesMax: 64 * KiB,
  /** A replay file (one counterexample). */
  replayBytesMax: 64 * MiB,
  /** A results folder's manifest.json. */
  manifestBytesMax: 16 * MiB,
  /** A campaign.json, matrix.json or campaign-spec.json written by pph. */
  summaryBytesMax: 16 * MiB,
  /** A trace.jsonl (one line per event of one run). */
  traceBytesMax: 256 * MiB,
  /** A campaign's runs.jsonl. */
  runsJsonlBytesMax: 256 * MiB,
  /** Any other input. */
  inputBytesMax: 16 * MiB,
} as const;

export type InputLimitName = keyof typeof INPUT_LIMITS;

/** The limit for a `what` label as commands pass it ('note', 'VCEK', 'chain', ...). */
const LIMIT_OF_WHAT: Record<string, InputLimitName> = {
  scenario: 'scenarioBytesMax',
  report: 'reportBytesMax',
  quote: 'reportBytesMax',
  evidence: 'collateralBytesMax',
  'evidence list': 'collateralBytesMax',
  collateral: 'collateralBytesMax',
  'collateral file': 'collateralBytesMax',
  vcek: 'certificateBytesMax',
  vlek: 'certificateBytesMax',
  certificate: 'certificateBytesMax',
  root: 'certificateBytesMax',
  'pinned root': 'certificateBytesMax',
  chain: 'chainBytesMax',
  crl: 'crlBytesMax',
  note: 'noteBytesMax',
  vkey: 'vkeyBytesMax',
  replay: 'replayBytesMax',
  'replay file': 'replayBytesMax',
  manifest: 'manifestBytesMax',
  'campaign.json': 'summaryBytesMax',
  'campaign-spec.json': 'summaryBytesMax',
  'matrix.json': 'summaryBytesMax',
  summary: 'summaryBytesMax',
  trace: 'traceBytesMax',
  runs: 'runsJsonlBytesMax',
  'runs.jsonl': 'runsJsonlBytesMax',
};

/** The limit that applies to an input labelled `what` (or the named one). */
export function limitFor(what: string, name?: InputLimitName): ByteLimit {
  const key = name ?? LIMIT_OF_WHAT[what.toLowerCase()] ?? 'inputBytesMax';
  return { name: key, bytes: INPUT_LIMITS[key] };
}

/** The path that means standard input. */
export const STDIN_PATH = '-';

let stdinTaken = false;

/** Standard input can be read once per process; tests reset it. */
export function resetStdinForTests(): void {
  stdinTaken = false;
}

function asUsage(e: unknown): never {
  if (e instanceof InputFileError) throw new UsageError(e.message);
  throw e;
}

/**
 * The bytes of `path` (`-`: standard input), at most the limit of `what`'s kind.
 *
 * @throws {UsageError} missing, unreadable, not a regular file, over the limit.
 * @example
 * const note = readBoundedBytes('sumdb.note', 'note'); // noteBytesMax = 1 MiB
 */
export function readBoundedBytes(path: string, what: string, name?: InputLimitName): Uint8Array {
  const limit = limitFor(what, name);
  try {
    if (path === STDIN_PATH) {
      if (stdinTaken) throw new UsageError(`${what}: standard input (-) was already read by another argument`);
      stdinTaken = true;
      return readFdBounded(0, '<stdin>', what, limit);
    }
    return readFileBounded(path, what, limit);
  } catch (e) {
    return asUsage(e);
  }
}

/** {@link readBoundedBytes}, decoded as strict UTF-8 (a bad byte is a UsageError naming line and column). */
export function readBoundedText(path: string, what: string, name?: InputLimitName): string {
  const bytes = readBoundedBytes(path, what, name);
  try {
    return decodeUtf8Strict(bytes, path === STDIN_PATH ? '<stdin>' : path, what);
  } catch (e) {
    return asUsage(e);
  }
}
