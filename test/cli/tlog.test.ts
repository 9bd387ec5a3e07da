/** `pph tlog verify-note` in-process on the real sum.golang.org and C2SP vectors. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { command } from '../../cli/commands/tlog.js';
import { CosignatureV1Signer } from '../../protocol/tlog/cosignature.js';
import { Ed25519NoteSigner } from '../../protocol/tlog/note-key.js';
import { signNote } from '../../protocol/tlog/note.js';
import { runCommand } from '../helpers/cli.js';
import { describeVectors, readVector, vectorPath } from '../helpers/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-tlog-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (argv: string[]) => runCommand(command, argv);

function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describeVectors('pph tlog verify-note', () => {
  const sumdbKey = vectorPath('checkpoint', 'sum.golang.org.vkey');
  const exampleKey = vectorPath('checkpoint', 'c2sp-signed-note-example.vkey');

  it('a real sum.golang.org checkpoint is valid (exit 0)', async () => {
    const r = await run(['verify-note', '--vkey', sumdbKey, vectorPath('checkpoint', 'sumdb-30055305.note')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok: signature by sum.golang.org+033de0ae verifies');
    expect(r.out.some((l) => l.startsWith('checkpoint: origin="go.sum database tree" size=30055305'))).toBe(true);
  });

  it('an unknown extra line is reported as skipped (exit 0)', async () => {
    const r = await run(['verify-note', '--vkey', sumdbKey, vectorPath('checkpoint', 'sumdb-15067302-with-extra-cosig.note')]);
    expect(r.code).toBe(0);
    expect(r.out.some((l) => l.startsWith('skipped: test.example.com+'))).toBe(true);
  });

  it('--vkey may be repeated; the C2SP example verifies with its own key', async () => {
    const r = await run(['verify-note', '--vkey', sumdbKey, '--vkey', exampleKey, vectorPath('checkpoint', 'c2sp-signed-note-example.note')]);
    expect(r.code).toBe(0);
  });

  it('a copy with a changed body is invalid (exit 1) and names the failed check', async () => {
    const note = new TextDecoder().decode(readVector('checkpoint', 'sumdb-30055305.note'));
    const changed = tempFile('changed.note', note.replace('30055305', '30055306'));
    const r = await run(['verify-note', '--vkey', sumdbKey, changed]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/signature/);
  });

  it('a note signed by none of the given keys is invalid (exit 1)', async () => {
    const r = await run(['verify-note', '--vkey', exampleKey, vectorPath('checkpoint', 'sumdb-30055305.note')]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/unknown-key/);
  });

  it('a malformed note is invalid (exit 1)', async () => {
    const r = await run(['verify-note', '--vkey', sumdbKey, tempFile('garbage.note', 'no signature block\n')]);
    expect(r.code).toBe(1);
  });

  it('a cosignature/v1 witness vkey is understood', async () => {
    const log = new Ed25519NoteSigner('example.com/log', new Uint8Array(32).fill(1));
    const witness = new CosignatureV1Signer('example.com/witness', new Uint8Array(32).fill(2));
    const note = witness.cosignNote(signNote('example.com/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n', [log]), 1_700_000_000);
    const noteFile = tempFile('cosigned.note', note);
    const keys = tempFile('keys.vkey', `${log.verifier().vkey()}\n${witness.verifier().vkey()}\n`);
    const r = await run(['verify-note', '--vkey', keys, noteFile]);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => l.startsWith('ok: '))).toHaveLength(2);
  });

  it.each([
    ['a missing note file', () => ['verify-note', '--vkey', sumdbKey, join(tmp, 'absent.note')]],
    ['a missing vkey file', () => ['verify-note', '--vkey', join(tmp, 'absent.vkey'), vectorPath('checkpoint', 'sumdb-30055305.note')]],
    ['an unparseable vkey', () => ['verify-note', '--vkey', tempFile('bad.vkey', 'sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8\n'), vectorPath('checkpoint', 'sumdb-30055305.note')]],
    ['no --vkey', () => ['verify-note', vectorPath('checkpoint', 'sumdb-30055305.note')]],
    ['no note', () => ['verify-note', '--vkey', sumdbKey]],
    ['two notes', () => ['verify-note', '--vkey', sumdbKey, 'a', 'b']],
    ['an unknown flag', () => ['verify-note', '--key', sumdbKey, 'a']],
    ['an unknown subcommand', () => ['verify', '--vkey', sumdbKey, 'a']],
    ['no subcommand', () => []],
  ])('%s is bad usage (exit 2)', async (_name, argv) => {
    const r = await run(argv());
    expect(r.code).toBe(2);
    expect(r.err.length).toBeGreaterThan(0);
  });
});
