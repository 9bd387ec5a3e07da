/**
 * Source mutations (issue 13): removing any single defence in the source must make `pph matrix`
 * fail. Each mutation edits a temporary copy of the repository (one defence, as a real finding
 * would), and the copy's own matrix runs on a small budget in this process: profile pp, the
 * attackers that reach those defences, eight runs each (forged-quote draws its forked release
 * entry in run 6, targeting its stale evidence in run 7: the kill rounds of `pph matrix`). The unmutated copy passes the same budget
 * first, so a failure is the mutation's. Add a mutation: one entry in MUTATIONS (file, the exact
 * text, its replacement); the text must occur exactly once.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SOURCES = ['adversaries', 'bench', 'cli', 'model', 'protocol', 'reports', 'scenarios', 'sim', 'tee'];
const BUDGET = ['matrix', '--profiles', 'pp', '--adversaries', 'forged-quote,malicious-gateway,malicious-client,targeting,stale-log', '--runs', '8', '--shrink-runs', '0', '--workers', '1', '--json'];

interface Mutation {
  name: string;
  /** `all`: every occurrence (at least one) is replaced; otherwise the text must occur exactly once. */
  edits: { file: string; find: string; replace: string; all?: boolean }[];
}

export const MUTATIONS: Mutation[] = [
  { name: 'token verification removed (the gateway accepts any well-formed token)', edits: [{ file: 'sim/parties/gateway.ts', find: '      checkToken(token, match.key);\n', replace: '' }] },
  { name: 'inclusion check removed (the client trusts the release entry without its Merkle proof)', edits: [{ file: 'sim/evidence-check.ts', find: '        verifyInclusion(bundle.leafIndex, checkpoint.size, hashLeaf(bundle.releaseEntry), bundle.inclusionProof, checkpoint.rootHash);\n', replace: '' }] },
  {
    name: 'nonce check removed (REPORT_DATA binds the key only, on both sides)',
    edits: [
      { file: 'sim/parties/node.ts', find: "c.defences['client-nonce'] ? nonce : null", replace: 'null', all: true },
      { file: 'sim/evidence-check.ts', find: 'checks.clientNonce ? nonce : null', replace: 'null', all: true },
    ],
  },
  {
    name: 'consistency check on the growing log removed (the client takes any checkpoint the witnesses cosigned, however old)',
    edits: [{ file: 'sim/evidence-check.ts', find: 'checkLogView(view, { size, rootHash: cosigned.checkpoint.rootHash, cosigners: cosigned.cosigners, consistency: bundle.consistency ?? [] }, policy)', replace: '({ ok: true, verified: null } as const)' }],
  },
  { name: 'report-data binding removed (the client does not compare REPORT_DATA)', edits: [{ file: 'sim/evidence-check.ts', find: 'binding: !checks.binding }', replace: 'binding: true }' }] },
  { name: 'erasure of the HPKE context removed', edits: [{ file: 'tee/enclave-program.ts', find: '    this.forget(ref);\n    this.contexts.delete(ref);\n', replace: '    this.forget(ref);\n' }] },
  {
    name: 'erasure of the TEE request memory removed',
    edits: [
      { file: 'tee/enclave-program.ts', find: '    this.forget(ref);\n    this.contexts.delete(ref);\n', replace: '    this.contexts.delete(ref);\n' },
      { file: 'sim/parties/node.ts', find: '    this.tee.erase(ref);\n    this.raTls!.erase(ref);\n', replace: '    this.raTls!.erase(ref);\n' },
    ],
  },
  { name: 'the enclave keeps the last plaintext in a field of its own', edits: [{ file: 'tee/enclave-program.ts', find: "    this.put(ref, 'plaintext', plaintext);\n", replace: "    this.put(ref, 'plaintext', plaintext);\n    (this as unknown as { lastPlaintext: Uint8Array }).lastPlaintext = plaintext.slice();\n" }] },
  { name: 'the outer request carries the account (x-user header)', edits: [{ file: 'sim/parties/client.ts', find: "      headers = [[HEADERS.node, a.nodeId]];", replace: "      headers = [[HEADERS.node, a.nodeId], ['x-user', this.account]];" }] },
  { name: 'the outer request carries the user name (x-user header)', edits: [{ file: 'sim/parties/client.ts', find: "      headers = [[HEADERS.node, a.nodeId]];", replace: "      headers = [[HEADERS.node, a.nodeId], ['x-user', this.name]];" }] },
];

const copies: string[] = [];
afterAll(() => {
  for (const c of copies) rmSync(c, { recursive: true, force: true });
});

function copyRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pph-mutant-'));
  copies.push(dir);
  for (const d of SOURCES) cpSync(join(ROOT, d), join(dir, d), { recursive: true, filter: (src) => !src.includes('node_modules') });
  for (const f of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function apply(dir: string, m: Mutation): void {
  for (const e of m.edits) {
    const path = join(dir, e.file);
    const text = readFileSync(path, 'utf8');
    const count = text.split(e.find).length - 1;
    if (e.all) expect(count, `${m.name}: ${e.file} must contain the text`).toBeGreaterThan(0);
    else expect(count, `${m.name}: ${e.file} must contain the text exactly once`).toBe(1);
    writeFileSync(path, e.all ? text.split(e.find).join(e.replace) : text.replace(e.find, e.replace));
  }
}

/** The copy's own `pph matrix` on the small budget: exit code and matrix.json. */
async function matrixOf(dir: string): Promise<{ code: number; unexpected: string[] }> {
  const { runCli } = (await import(pathToFileURL(join(dir, 'cli/main.ts')).href)) as typeof import('../../cli/main.js');
  const { memoryIo } = (await import(pathToFileURL(join(dir, 'cli/io.ts')).href)) as typeof import('../../cli/io.js');
  const io = memoryIo();
  const code = await runCli([...BUDGET, '--out', join(dir, 'out')], io);
  const m = JSON.parse(io.stdout.join('\n')) as { cells: { adversary: string; invariant: string; status: string }[] };
  return { code, unexpected: m.cells.filter((c) => c.status === 'unexpected' || c.status === 'unobserved').map((c) => `${c.adversary}/${c.invariant}`) };
}

describe('source mutations: removing one defence in the source fails pph matrix', () => {
  it('the unmutated copy passes the same small budget', { timeout: 600_000 }, async () => {
    const r = await matrixOf(copyRepo());
    expect(r.unexpected).toEqual([]);
    expect(r.code).toBe(0);
  });

  for (const m of MUTATIONS) {
    it(m.name, { timeout: 600_000 }, async () => {
      const dir = copyRepo();
      apply(dir, m);
      const r = await matrixOf(dir);
      expect(r.code, `matrix passed with: ${m.name}`).toBe(1);
      expect(r.unexpected.length).toBeGreaterThan(0);
    });
  }
});
