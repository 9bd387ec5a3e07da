/**
 * The six places a verdict shows (issue 11, "one verdict everywhere"), read back from a command's
 * exit code, its stdout, `--json` and the results folder: they must all say the same thing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import type { VerdictStatus } from '../../reports/verdict.js';

export interface SixOutputs {
  exitCode: number;
  /** The status word of the CLI's PASS/FAIL/INTERRUPTED line. */
  cliWord: string | null;
  /** `index.html`'s band class and its data-failed count. */
  band: { status: string; failed: number } | null;
  /** The status word of summary.md's first verdict line. */
  summaryWord: string | null;
  /** junit.xml's `failures` at the top, and the number of `<failure>` elements. */
  junit: { failures: number; failureElements: number; tests: number } | null;
  /** `--json`'s `ok`, `status` and `verdict.counts.failed`. */
  json: { ok: boolean; status: string; failed: number; schemaVersion: unknown; kind: unknown } | null;
}

const WORD: Record<VerdictStatus, string> = { pass: 'PASS', fail: 'FAIL', interrupted: 'INTERRUPTED', error: 'ERROR' };
const EXIT: Record<VerdictStatus, number> = { pass: 0, fail: 1, interrupted: 130, error: 2 };

export function readFolderOutputs(dir: string): Pick<SixOutputs, 'band' | 'summaryWord' | 'junit'> {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const band = /<header class="band (\w+)" data-status="\w+" data-failed="(\d+)"/.exec(html);
  const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
  const word = /^\*\*(PASS|FAIL|INTERRUPTED|ERROR)\*\*:/m.exec(summary);
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  const top = /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(junit);
  return {
    band: band ? { status: band[1]!, failed: Number(band[2]) } : null,
    summaryWord: word ? word[1]! : null,
    junit: top ? { tests: Number(top[1]), failures: Number(top[2]), failureElements: (junit.match(/<failure /g) ?? []).length } : null,
  };
}

/** The status word of the first line that starts with one. */
export function cliWord(lines: readonly string[]): string | null {
  for (const l of lines) {
    const m = /^(PASS|FAIL|INTERRUPTED|ERROR) {2}/.exec(l);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * Runs `argv` twice (text, then `--json` into a second folder when `jsonOut` is given, else the
 * same folder with `--force`) and reads the six outputs.
 */
export async function commandOutputs(argv: string[], dir: string, opts: { jsonArgv?: string[] } = {}): Promise<SixOutputs> {
  const text = memoryIo();
  const exitCode = await runCli(argv, text);
  const folder = readFolderOutputs(dir);
  const jsonIo = memoryIo();
  const jsonExit = await runCli(opts.jsonArgv ?? [...argv, '--json', '--force'], jsonIo);
  expect(jsonExit, `--json exits like the text run\n${jsonIo.stderr.join('\n')}`).toBe(exitCode);
  const line = jsonIo.stdout.find((l) => l.startsWith('{'));
  const j = line ? (JSON.parse(line) as { ok: boolean; status: string; verdict: { counts: { failed: number } }; schemaVersion: unknown; kind: unknown }) : null;
  return {
    exitCode,
    cliWord: cliWord(text.stdout),
    ...folder,
    json: j ? { ok: j.ok, status: j.status, failed: j.verdict.counts.failed, schemaVersion: j.schemaVersion, kind: j.kind } : null,
  };
}

/** `pph report <dir>` and `pph report <dir> --json`: the same six from a folder regenerated. */
export async function reportOutputs(dir: string): Promise<SixOutputs> {
  const text = memoryIo();
  const exitCode = await runCli(['report', dir], text);
  const jsonIo = memoryIo();
  expect(await runCli(['report', dir, '--json'], jsonIo)).toBe(exitCode);
  const j = JSON.parse(jsonIo.stdout.find((l) => l.startsWith('{'))!) as { ok: boolean; status: string; verdict: { counts: { failed: number } }; schemaVersion: unknown; kind: unknown };
  return { exitCode, cliWord: cliWord(text.stdout), ...readFolderOutputs(dir), json: { ok: j.ok, status: j.status, failed: j.verdict.counts.failed, schemaVersion: j.schemaVersion, kind: j.kind } };
}

/** All six agree on `status`; JUnit's failures are the verdict's failed expectations. */
export function expectAgree(o: SixOutputs, status: VerdictStatus, context = ''): void {
  const what = `${context}\n${JSON.stringify(o, null, 1)}`;
  expect(o.exitCode, what).toBe(EXIT[status]);
  expect(o.cliWord, what).toBe(WORD[status]);
  expect(o.band?.status, what).toBe(status);
  expect(o.summaryWord, what).toBe(WORD[status]);
  expect(o.json?.ok, what).toBe(status === 'pass');
  expect(o.json?.status, what).toBe(status);
  expect(o.json?.schemaVersion, what).toBe(1);
  expect(typeof o.json?.kind, what).toBe('string');
  expect(o.junit, what).not.toBeNull();
  expect(o.junit!.failures, what).toBe(o.json!.failed);
  expect(o.junit!.failureElements, what).toBe(o.junit!.failures);
  expect(o.band!.failed, what).toBe(o.junit!.failures);
  if (status === 'pass') expect(o.junit!.failures, what).toBe(0);
  if (status === 'fail') expect(o.junit!.failures, what).toBeGreaterThan(0);
}
