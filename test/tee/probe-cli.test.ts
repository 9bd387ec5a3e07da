/** `pph tee probe`: every runner listed with whether it works here and why. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';

const empty = mkdtempSync(join(tmpdir(), 'pph-probe-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('pph tee probe', () => {
  it('--json: in-process and worker work; sev-snp and tdx do not without configfs-tsm, and say so', async () => {
    const io = memoryIo({ PPH_CONFIGFS_ROOT: empty });
    expect(await runCli(['tee', 'probe', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('\n')) as { configfsRoot: string; runners: { name: string; ok: boolean; why: string }[] };
    expect(out.configfsRoot).toBe(empty);
    expect(out.runners.map((r) => [r.name, r.ok])).toEqual([
      ['in-process', true],
      ['worker', true],
      ['sev-snp', false],
      ['tdx', false],
    ]);
    for (const r of out.runners.filter((x) => !x.ok)) expect(r.why).toMatch(/configfs-tsm not found/);
  });

  it('text: one line per runner', async () => {
    const io = memoryIo({ PPH_CONFIGFS_ROOT: empty });
    expect(await runCli(['tee', 'probe'], io)).toBe(0);
    expect(io.stdout).toHaveLength(5);
    expect(io.stdout[3]).toMatch(/^sev-snp\s+no\s+configfs-tsm not found/);
  });

  it('a missing or unknown subcommand, or an extra argument, is bad usage', async () => {
    for (const argv of [['tee'], ['tee', 'frobnicate'], ['tee', 'probe', 'extra'], ['tee', 'probe', '--nope']]) {
      const io = memoryIo();
      expect(await runCli(argv, io), argv.join(' ')).toBe(2);
    }
  });
});
