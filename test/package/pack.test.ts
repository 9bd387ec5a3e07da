/**
 * The installed package, as a consumer gets it: `npm pack`, installed into a fresh project with
 * no network (npm ci --offline from the npm cache the repository's own install filled, with a
 * lockfile derived from ours, so the consumer gets the versions this repository tested), then
 * `pph start --no-matrix`, `pph matrix` on a small budget (it needs the shipped expected-outcome
 * files), and a vitest file that uses the library API with built-in scenarios by name.
 * The install footprint is measured and bounded: mermaid ships as one bundle in dist/assets,
 * not as an 84 MB dependency.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): SpawnSyncReturns<string> {
  const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  delete env.NODE_ENV;
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status} ${r.signal ?? ''}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

function duBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    total += e.isDirectory() ? duBytes(p) : statSync(p).size;
  }
  return total;
}

const CONSUMER_TEST = `
import { expect, test } from 'vitest';
import { runScenario } from 'private-processing-harness/sim';
import { loadScenario, listBuiltinScenarios } from 'private-processing-harness/scenarios';
import { runAttacked } from 'private-processing-harness/adversaries';
import { runCampaign } from 'private-processing-harness/engine';
import { existsSync } from 'node:fs';

test('built-in scenarios by name', () => {
  expect(listBuiltinScenarios()).toContain('default');
  const r = runScenario(loadScenario('token-spend'), { seed: 7 });
  expect(r.verdicts.confidentiality.holds).toBe(true);
});

test('a scenario under an adversary', () => {
  const a = runAttacked(loadScenario('matrix'), { seed: 7, adversaries: ['malicious-relay'] });
  expect(a.verdicts.confidentiality.holds).toBe(true);
});

test('a campaign with its JUnit and HTML report, no CLI', async () => {
  const c = await runCampaign({ scenario: 'campaign-relay', runs: 2, seed: 1, shrinkRuns: 0, out: 'lib-results' });
  expect(c.summary.runs).toBe(2);
  expect(existsSync(c.reports.junit)).toBe(true);
  expect(existsSync(c.reports.index)).toBe(true);
});
`;

describe('the npm package, installed', () => {
  it('packs, installs offline into a fresh project, and runs pph and the library API there', () => {
    const work = mkdtempSync(join(tmpdir(), 'pph-pack-'));
    try {
      // Build dist/ as `prepare` does, then pack what `files` ships.
      ok(sh(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], ROOT, 300_000), 'build');
      const packed = ok(sh(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT), 'npm pack');
      const info = (JSON.parse(packed) as { filename: string; files: { path: string }[] }[])[0]!;
      const files = info.files.map((f) => f.path);
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      for (const f of ['dist/cli/main.js', 'dist/assets/mermaid.min.js', 'scenarios/default.yaml', 'scenarios/expected/pp.yaml', 'scenarios/expected/pcc.yaml', 'LICENSE', 'README.md', 'docs/protocol.md', 'docs/threats.md']) expect(files, f).toContain(f);
      expect(files.some((f) => f.startsWith('test/'))).toBe(false);

      // A consumer project with a lockfile derived from ours: the production subtree only.
      const consumer = join(work, 'consumer');
      mkdirSync(consumer);
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
      const tgz = `file:../${info.filename}`;
      const packages: Record<string, unknown> = {
        '': { name: 'consumer', dependencies: { 'private-processing-harness': tgz } },
        'node_modules/private-processing-harness': { version: pkg.version, resolved: tgz, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
      };
      for (const [k, v] of Object.entries(lock.packages)) {
        if (!k.startsWith('node_modules/') || v.dev || v.devOptional) continue;
        const { peer: _peer, ...rest } = v;
        packages[k] = rest;
      }
      writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'private-processing-harness': tgz } }));
      writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
      ok(sh(NPM, ['ci', '--offline', '--ignore-scripts'], consumer), 'npm ci --offline in the consumer');

      // The footprint a library user installs (244 MB before mermaid became a shipped bundle).
      const footprintBytes = duBytes(join(consumer, 'node_modules'));
      console.info(`[pack] consumer install: ${(footprintBytes / 1e6).toFixed(1)} MB in node_modules`);
      expect(footprintBytes).toBeLessThan(40e6);
      expect(existsSync(join(consumer, 'node_modules', 'mermaid'))).toBe(false);

      const pph = join(consumer, 'node_modules', '.bin', 'pph');
      expect(ok(sh(pph, ['--help'], consumer), 'pph --help')).toContain('usage: pph');
      const start = ok(sh(pph, ['start', '--no-matrix'], consumer), 'pph start --no-matrix');
      expect(start).toMatch(/^PASS {2}run default/m);
      expect(existsSync(join(consumer, 'pph-results', 'run-default-seed-1', 'index.html'))).toBe(true);
      expect(existsSync(join(consumer, 'pph-results', 'run-default-seed-1', 'mermaid.min.js'))).toBe(true);
      const matrix = sh(pph, ['matrix', '--profiles', 'pp', '--adversaries', 'malicious-relay', '--runs', '1', '--kill-rounds', '1', '--workers', '1', '--out', 'm'], consumer);
      expect(matrix.stderr).not.toContain('ENOENT');
      expect(matrix.status, matrix.stderr).toBe(0);
      expect(existsSync(join(consumer, 'm', 'matrix.json'))).toBe(true);

      // The library from a consumer's own vitest suite (vitest linked from ours: no network).
      symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(consumer, 'node_modules', 'vitest'), 'dir');
      writeFileSync(join(consumer, 'library.test.ts'), CONSUMER_TEST);
      ok(sh(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', consumer, '--testTimeout', '120000'], consumer), 'consumer vitest');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 900_000);
});
