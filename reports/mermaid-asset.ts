/**
 * The mermaid bundle an `index.html` loads from beside itself. The page must open offline from
 * `file://`, so the classic `mermaid.min.js` is copied into every results folder (a module script
 * would be refused over `file://`, and inlining 3.5 MB into every page makes it unreadable as
 * source).
 *
 * Where it comes from: an installed pph carries the bundle in `dist/assets/` (copied there by
 * `scripts/build.mjs`), so a consumer does not install the 84 MB mermaid package; from the sources
 * (tsx, vitest) it is read from the mermaid dev dependency.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReportInputError } from './schemas.js';

export const MERMAID_FILE = 'mermaid.min.js';

interface Bundle {
  path: string;
  version: string;
}

let cached: Bundle | null = null;

function locate(): Bundle {
  if (cached) return cached;
  // Built layout: dist/reports/mermaid-asset.js → dist/assets/.
  const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');
  const shipped = join(assets, MERMAID_FILE);
  if (existsSync(shipped)) {
    let version = 'unknown';
    try {
      version = String((JSON.parse(readFileSync(join(assets, 'mermaid.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      /* the bundle is usable without its version note */
    }
    return (cached = { path: shipped, version });
  }
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mermaid/package.json');
  } catch {
    throw new ReportInputError('io', `no mermaid bundle: neither ${shipped} (an installed pph) nor the mermaid package (sources: npm install)`);
  }
  const path = join(dirname(pkg), 'dist', MERMAID_FILE);
  if (!existsSync(path)) throw new ReportInputError('io', `${path}: missing from the mermaid package`);
  const version = String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return (cached = { path, version });
}

/** Path of the `mermaid.min.js` that reports copy: the shipped one, else the mermaid package's. */
export function mermaidBundlePath(): string {
  return locate().path;
}

/** The bundled mermaid version (shown in the page footer). */
export function mermaidVersion(): string {
  return locate().version;
}

/** Copies the bundle into `dir` unless an identical-sized copy is already there. */
export function copyMermaidBundle(dir: string): string {
  const from = mermaidBundlePath();
  const to = join(dir, MERMAID_FILE);
  if (!existsSync(to) || statSync(to).size !== statSync(from).size) writeFileAtomic(to, readFileSync(from));
  return to;
}
