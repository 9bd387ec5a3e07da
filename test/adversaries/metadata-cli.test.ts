import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { MetadataFileSchema, parseJsonFile } from '../../reports/schemas.js';

const SMALL = ['--requests', '3000', '--clients', '200', '--seed', '5', '--workers', '1'];

function outDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'pph-metadata-')), 'out');
}

describe('pph metadata', () => {
  it('writes metadata.json (MetadataFileSchema) and metadata.md, prints a table; exit 0', async () => {
    const out = outDir();
    const io = memoryIo();
    expect(await runCli(['metadata', ...SMALL, '--defence', 'padding,relays', '--out', out], io)).toBe(0);
    const file = parseJsonFile(MetadataFileSchema, readFileSync(join(out, 'metadata.json'), 'utf8'), 'metadata.json');
    expect(file.curves.map((c) => c.defence)).toEqual(['padding', 'relays']);
    expect(file.curves[0]!.points.map((p) => p.x)).toEqual([0, 256, 1024, 4096, 16384, 65536]);
    expect(file).toMatchObject({ kind: 'metadata', seed: 5, requests: 3000, clients: 200 });
    const md = readFileSync(join(out, 'metadata.md'), 'utf8');
    expect(md).toContain('## padding (x = paddingBytes, B)');
    expect(md).toContain('## relays (x = relays, relays)');
    expect(md.split('\n').filter((l) => l.startsWith('| x |'))).toHaveLength(2);
    expect(io.stdout[0]).toMatch(/^pph metadata {2}seed=5 {2}requests=3000/);
    expect(io.stdout.filter((l) => l.startsWith('padding '))).toHaveLength(6);
    expect(io.stdout.some((l) => /metadata\.json,metadata\.md/.test(l))).toBe(true);
  });

  it('--json prints the file; the same flags write byte-identical files', async () => {
    const a = outDir();
    const b = outDir();
    const io = memoryIo();
    expect(await runCli(['metadata', ...SMALL, '--defence', 'cover', '--base', 'paddingBytes=4096', '--coalition', 'all', '--out', a, '--json'], io)).toBe(0);
    const printed = JSON.parse(io.stdout.join('\n'));
    expect(printed.kind).toBe('metadata');
    expect(printed.base).toMatchObject({ paddingBytes: 4096, coalition: 'all' });
    expect(await runCli(['metadata', ...SMALL, '--defence', 'cover', '--base', 'paddingBytes=4096', '--coalition', 'all', '--out', b, '--json'], memoryIo())).toBe(0);
    expect(readFileSync(join(b, 'metadata.json'), 'utf8')).toBe(readFileSync(join(a, 'metadata.json'), 'utf8'));
    // --json adds the verdict fields (schemaVersion, kind, ok, ...) to the file's content.
    expect(printed).toMatchObject(JSON.parse(readFileSync(join(a, 'metadata.json'), 'utf8')));
  });

  it('--workers 2 writes the same metadata.json as one thread', async () => {
    const one = outDir();
    const two = outDir();
    const flags = ['metadata', ...SMALL, '--defence', 'padding,cover,combined'];
    expect(await runCli([...flags, '--workers', '1', '--out', one], memoryIo())).toBe(0);
    expect(await runCli([...flags, '--workers', '2', '--out', two], memoryIo())).toBe(0);
    expect(readFileSync(join(two, 'metadata.json'), 'utf8')).toBe(readFileSync(join(one, 'metadata.json'), 'utf8'));
  });

  it('exits 2 on bad flags, naming the flag', async () => {
    const cases: [string[], string][] = [
      [['--requests', 'many'], '--requests'],
      [['--requests', '0'], '--requests'],
      [['--clients', '-3'], '--clients'],
      [['--seed', '1.5'], '--seed'],
      [['--rate', 'fast'], '--rate'],
      [['--defence', 'padding,tor'], '--defence'],
      [['--base', 'colour=3'], '--base'],
      [['--base', 'batchSize=0'], '--base'],
      [['--base', 'paddingBytes=big'], '--base'],
      [['--coalition', 'some'], '--coalition'],
      [['--workers', '0'], '--workers'],
      [['--frobnicate'], 'frobnicate'],
    ];
    for (const [flags, named] of cases) {
      const io = memoryIo();
      expect(await runCli(['metadata', ...flags, '--out', outDir()], io), flags.join(' ')).toBe(2);
      expect(io.stderr.join('\n'), flags.join(' ')).toContain(named);
    }
  });
});
