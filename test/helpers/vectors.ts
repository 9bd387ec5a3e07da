/**
 * Where the external test vectors live: $PPH_VECTORS, else ../shared/vectors beside the repo.
 * When the folder is absent, vector tests skip with a visible notice, unless REQUIRE_VECTORS=1,
 * in which case they fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function vectorsDir(): string {
  return process.env.PPH_VECTORS ? resolve(process.env.PPH_VECTORS) : resolve(repoRoot, '..', 'shared', 'vectors');
}

export function vectorsAvailable(): boolean {
  return existsSync(join(vectorsDir(), 'MANIFEST.md'));
}

export function vectorPath(...parts: string[]): string {
  return join(vectorsDir(), ...parts);
}

export function readVector(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(vectorPath(...parts)));
}

export function readVectorJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(vectorPath(...parts), 'utf8')) as T;
}

/**
 * `describe` for a suite that needs the vectors folder. Absent folder: one skipped test whose
 * name says why (visible in the report), or a failing test when REQUIRE_VECTORS=1.
 */
export function describeVectors(name: string, body: () => void): void {
  if (vectorsAvailable()) {
    describe(name, body);
    return;
  }
  const notice = `test vectors not found at ${vectorsDir()} (set PPH_VECTORS)`;
  if (process.env.REQUIRE_VECTORS === '1') {
    describe(name, () => {
      it('requires the test vectors (REQUIRE_VECTORS=1)', () => {
        throw new Error(notice);
      });
    });
  } else {
    console.warn(`[pph] SKIPPED ${name}: ${notice}`);
    describe.skip(`${name} [SKIPPED: ${notice}]`, () => {
      it('needs vectors', () => {});
    });
  }
}
