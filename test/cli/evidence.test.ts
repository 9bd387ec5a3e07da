/** `pph evidence verify` in-process on the real SEV-SNP vectors. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { command } from '../../cli/commands/evidence.js';
import { AMD_ARK_SPKI_SHA256 } from '../../protocol/attestation/chain.js';
import { runCommand } from '../helpers/cli.js';
import { describeVectors, readVector, vectorPath } from '../helpers/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-evidence-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (argv: string[]) => runCommand(command, argv);

interface JsonLine {
  file: string;
  ok: boolean;
  code: string | null;
  root: { name: string | null; spki_sha256: string; amd: boolean; pinned_by: string } | null;
  fields: Record<string, string | number> | null;
}

const sev = (...p: string[]): string => vectorPath('sev-snp', ...p);

describeVectors('pph evidence verify', () => {
  const milan = ['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), '--vcek', sev('go-sev-guest', 'vcek-milan.der')];
  const vlek = ['verify', '--chain', sev('trustee', 'milan_ask_ark_asvk.pem'), '--vlek', sev('trustee', 'test-vlek-milan.der')];

  it('go-sev-guest report (POLICY 0xb0000, DEBUG allowed): refused as debug by default; --allow-debug → exit 0, one readable line', async () => {
    const strict = await run([...milan, '--at', '2026-07-01T00:00:00Z', sev('go-sev-guest', 'attestation.bin')]);
    expect(strict.code).toBe(1);
    expect(strict.out[0]).toMatch(/attestation\.bin: REJECTED \[debug\]/);
    const r = await run([...milan, '--allow-debug', '--at', '2026-07-01T00:00:00Z', sev('go-sev-guest', 'attestation.bin')]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/attestation\.bin: OK v2 vmpl 0 policy 0xb0000 tcb 0200000000000544 measurement b07af962/);
  });

  it('--json prints the fields of expected.json, with code null', async () => {
    const r = await run([...milan, '--allow-debug', '--at', '2026-07-01T00:00:00Z', '--json', sev('go-sev-guest', 'attestation.bin')]);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out[0]!) as JsonLine;
    expect(line).toEqual({
      file: sev('go-sev-guest', 'attestation.bin'),
      ok: true,
      code: null,
      root: { name: 'ARK-Milan', spki_sha256: AMD_ARK_SPKI_SHA256.Milan, amd: true, pinned_by: 'amd-arks' },
      fields: {
        version: 2,
        policy: '0xb0000',
        vmpl: 0,
        reported_tcb: '0200000000000544',
        measurement: 'b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01',
        report_data: '0102030405' + '0'.repeat(118),
        chip_id: '3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d',
      },
    });
  });

  it('a hex report file (virtee) is read as hex', async () => {
    const r = await run(['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), '--vcek', sev('virtee', 'vcek_milan.der'), '--at', '2026-07-01T00:00:00Z', sev('virtee', 'report_milan.hex')]);
    expect(r.code).toBe(0);
  });

  it('VLEK (a VMPL 1 report): refused as vmpl by default; --vmpl 1 and --at inside its window → 0; without --at (now, after 2025-12-10) → 1 expired', async () => {
    const report = sev('trustee', 'test-vlek-report-milan.bin');
    const strict = await run([...vlek, '--json', '--at', '2025-06-01T00:00:00Z', report]);
    expect([strict.code, (JSON.parse(strict.out[0]!) as JsonLine).code]).toEqual([1, 'vmpl']);
    expect((await run([...vlek, '--vmpl', '1', '--at', '2025-06-01T00:00:00Z', report])).code).toBe(0);
    const now = await run([...vlek, '--vmpl', '1', '--json', report]);
    expect(now.code).toBe(1);
    expect((JSON.parse(now.out[0]!) as JsonLine).code).toBe('expired');
  });

  it('a tampered copy → 1 with code signature; the fields are still shown', async () => {
    const bytes = readVector('sev-snp', 'go-sev-guest', 'attestation.bin').slice();
    bytes[0x90]! ^= 1;
    const tampered = join(tmp, 'tampered.bin');
    writeFileSync(tampered, bytes);
    const r = await run([...milan, '--allow-debug', '--at', '2026-07-01T00:00:00Z', '--json', sev('go-sev-guest', 'attestation.bin'), tampered]);
    expect(r.code).toBe(1);
    const lines = r.out.map((l) => JSON.parse(l) as JsonLine);
    expect(lines.map((l) => [l.ok, l.code])).toEqual([[true, null], [false, 'signature']]);
    expect(lines[1]!.fields!.version).toBe(2);
    const human = await run([...milan, '--allow-debug', '--at', '2026-07-01T00:00:00Z', tampered]);
    expect(human.out[0]).toMatch(/tampered\.bin: REJECTED \[signature\]/);
  });

  it('an unparsable report → 1 with code parse and fields null', async () => {
    const short = join(tmp, 'short.bin');
    writeFileSync(short, new Uint8Array(100).fill(7));
    const r = await run([...milan, '--at', '2026-07-01T00:00:00Z', '--json', short]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out[0]!)).toMatchObject({ ok: false, code: 'parse', fields: null });
  });

  it('a non-AMD VCEK → 1 chain', async () => {
    const r = await run(['verify', '--chain', sev('trustee', 'milan_ask_ark_asvk.pem'), '--vcek', sev('trustee', 'test-vcek-invalid-new.der'), '--at', '2026-07-01T00:00:00Z', '--json', sev('trustee', 'test-report-milan.bin')]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out[0]!) as JsonLine).code).toBe('chain');
  });

  it('a missing report file → 2 naming the file (the other reports are still checked)', async () => {
    const missing = join(tmp, 'does-not-exist.bin');
    const r = await run([...milan, '--allow-debug', '--at', '2026-07-01T00:00:00Z', sev('go-sev-guest', 'attestation.bin'), missing]);
    expect(r.code).toBe(2);
    expect(r.out).toHaveLength(1);
    expect(r.err.join('\n')).toContain(missing);
  });

  it('a VCEK or chain that does not parse is a rejection (exit 1 with a code), not usage', async () => {
    const report = sev('go-sev-guest', 'attestation.bin');
    const garbage = join(tmp, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const cases: [string[], string][] = [
      [['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), '--vcek', report], 'vcek-parse'],
      [['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), '--vcek', garbage], 'vcek-parse'],
      [['verify', '--chain', garbage, '--vcek', sev('go-sev-guest', 'vcek-milan.der')], 'chain-parse'],
      [['verify', '--chain', sev('go-sev-guest', 'vcek-milan.der'), '--vcek', sev('go-sev-guest', 'vcek-milan.der')], 'chain'],
      [['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), '--vlek', sev('go-sev-guest', 'vcek-milan.der')], 'chain'],
    ];
    for (const [argv, code] of cases) {
      const r = await run([...argv, '--allow-debug', '--at', '2026-07-01T00:00:00Z', '--json', report]);
      expect(r.code, argv.join(' ')).toBe(1);
      const line = JSON.parse(r.out[0]!) as JsonLine;
      expect([line.ok, line.code], argv.join(' ')).toEqual([false, code]);
      expect(line.fields!.version).toBe(2);
    }
  });

  it('bad usage → 2: no subcommand, no chain, both or neither key, no report, bad --at, bad policy flags, unreadable chain, VCEK or CRL', async () => {
    const report = sev('go-sev-guest', 'attestation.bin');
    const cases: string[][] = [
      [],
      ['check', report],
      ['verify', '--vcek', sev('go-sev-guest', 'vcek-milan.der'), report],
      [...milan, '--vlek', sev('trustee', 'test-vlek-milan.der'), report],
      ['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), report],
      [...milan],
      [...milan, '--at', 'yesterday', report],
      [...milan, '--at', '2026-13-01T00:00:00Z', report],
      [...milan, '--unknown', report],
      ['verify', '--chain', join(tmp, 'nope.pem'), '--vcek', sev('go-sev-guest', 'vcek-milan.der'), report],
      ['verify', '--chain', sev('go-sev-guest', 'ask_ark_milan.pem'), '--vcek', join(tmp, 'nope.der'), report],
      [...milan, '--crl', join(tmp, 'nope.crl'), report],
      [...milan, '--pin-root', join(tmp, 'nope-root.pem'), report],
      [...milan, '--pin-root', report, report],
      [...milan, '--vmpl', '4', report],
      [...milan, '--vmpl', 'x', report],
      [...milan, '--min-tcb', 'bl=256', report],
      [...milan, '--min-tcb', 'xyz=1', report],
      [...milan, '--min-tcb', 'bl=1,bl=2', report],
      [...milan, '--measurement', 'ab', report],
      [...milan, '--report-data', '00'.repeat(63), report],
      [...milan, '--host-data', 'zz', report],
      [...milan, '--id-key-digest', '00'.repeat(47), report],
      [...milan, '--author-key-digest', '00'.repeat(49), report],
      [...milan, '--at', '2030-02-30T00:00:00Z', report],
      [...milan, '--at', '2030-01-01T24:00:00Z', report],
    ];
    for (const argv of cases) expect((await run(argv)).code, argv.join(' ')).toBe(2);
    const unreadableChain = await run(cases[9]!);
    expect(unreadableChain.err.join('\n')).toContain('nope.pem');
  });

  it('verifies ~2000 copies of a report in one call (a few tampered among them)', async () => {
    const dir = join(tmp, 'many');
    mkdirSync(dir);
    const source = readVector('sev-snp', 'trustee', 'test-report-milan.bin');
    const files: string[] = [];
    const tamperedIndexes = new Set([17, 999, 1998]);
    for (let i = 0; i < 2000; i++) {
      const file = join(dir, `r${i}.bin`);
      if (tamperedIndexes.has(i)) {
        const b = source.slice();
        b[42]! ^= 1;
        writeFileSync(file, b);
      } else copyFileSync(sev('trustee', 'test-report-milan.bin'), file);
      files.push(file);
    }
    const r = await run(['verify', '--chain', sev('trustee', 'milan_ask_ark_asvk.pem'), '--vcek', sev('trustee', 'test-vcek-milan.der'), '--at', '2026-07-01T00:00:00Z', '--json', ...files]);
    expect(r.code).toBe(1);
    const lines = r.out.map((l) => JSON.parse(l) as JsonLine);
    expect(lines).toHaveLength(2000);
    lines.forEach((line, i) => {
      expect(line.file).toBe(files[i]);
      expect(line.ok).toBe(!tamperedIndexes.has(i));
      expect(line.code).toBe(tamperedIndexes.has(i) ? 'signature' : null);
    });
    const allGood = await run(['verify', '--chain', sev('trustee', 'milan_ask_ark_asvk.pem'), '--vcek', sev('trustee', 'test-vcek-milan.der'), '--at', '2026-07-01T00:00:00Z', ...files.filter((_, i) => !tamperedIndexes.has(i))]);
    expect(allGood.code).toBe(0);
    expect(allGood.out).toHaveLength(1997);
  });
});
