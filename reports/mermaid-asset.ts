/**
 * The mermaid bundle an `index.html` loads from beside itself. The page must open offline from
 * `file://`, so the classic `mermaid.min.js` of the installed package is copied into every results
 * folder (a module script would be refused over `file://`, and inlining 3.5 MB into every page
 * makes it unreadable as source). Resolved through the package, so it works from the sources
 * (tsx, vitest) and from `dist/` alike.
 */
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ReportInputError } from './schemas.js';

export const MERMAID_FILE = 'mermaid.min.js';

/** Path of `mermaid/dist/mermaid.min.js` of the installed mermaid package. */
export function mermaidBundlePath(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mermaid/package.json');
  } catch {
    throw new ReportInputError('io', 'the mermaid package is not installed (npm install)');
  }
  const path = join(dirname(pkg), 'dist', MERMAID_FILE);
  if (!existsSync(path)) throw new ReportInputError('io', `${path}: missing from the mermaid package`);
  return path;
}

/** The installed mermaid version (shown in the page footer). */
export function mermaidVersion(): string {
  const pkg = join(dirname(dirname(mermaidBundlePath())), 'package.json');
  return String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version ?? 'unknown');
}

/** Copies the bundle into `dir` unless an identical-sized copy is already there. */
export function copyMermaidBundle(dir: string): string {
  const from = mermaidBundlePath();
  const to = join(dir, MERMAID_FILE);
  if (!existsSync(to) || statSync(to).size !== statSync(from).size) copyFileSync(from, to);
  return to;
}
