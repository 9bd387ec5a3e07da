/**
 * `pph evidence verify --tdx|--sgx <quote> --collateral <json|dir>` on the real DCAP vectors: exit
 * codes, JSON output, the PCS directory form (written here from the JSON collateral), policy flags.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { command } from '../../cli/commands/evidence.js';
import { PCS_FILES } from '../../cli/commands/evidence-dcap.js';
import { collateralToPcsFiles } from '../../protocol/attestation/dcap/collateral.js';
import { parseTdxQuote } from '../../protocol/attestation/dcap/quote.js';
import { INTEL_SGX_ROOT_SPKI_SHA256 } from '../../protocol/attestation/dcap/pck.js';
import { toHex } from '../../protocol/bytes.js';
import { runCommand } from '../helpers/cli.js';
import { collateralVector, quoteVector } from '../helpers/dcap.js';
import { describeVectors, vectorPath } from '../helpers/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-dcap-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TDX = vectorPath('tdx', 'dcap-qvl', 'tdx_quote');
const TDX_COLL = vectorPath('tdx', 'dcap-qvl', 'tdx_quote_collateral.json');
const SGX = vectorPath('sgx', 'dcap-qvl', 'sgx_quote');
const SGX_COLL = vectorPath('sgx', 'dcap-qvl', 'sgx_quote_collateral.json');
const AT = ['--at', '2025-07-01T00:00:00Z'];

const verify = (...args: string[]) => runCommand(command, ['verify', ...args]);
const json = (out: string[]): Record<string, unknown> => JSON.parse(out[0]!) as Record<string, unknown>;

describeVectors('pph evidence verify --tdx / --sgx', () => {
  it('TDX dcap-qvl sample: exit 0, UpToDate, the fields, Intel root', async () => {
    const r = await verify('--tdx', TDX, '--collateral', TDX_COLL, ...AT, '--json');
    expect(r.code).toBe(0);
    const o = json(r.out);
    expect(o).toMatchObject({ ok: true, code: null, tcbStatus: 'UpToDate', advisories: [], root: { spki_sha256: INTEL_SGX_ROOT_SPKI_SHA256, intel: true } });
    expect((o.fields as Record<string, unknown>).mrtd).toBe(toHex(parseTdxQuote(quoteVector('tdx/dcap-qvl/tdx_quote')).mrTd));
    const text = await verify('--tdx', TDX, '--collateral', TDX_COLL, ...AT);
    expect(text.code).toBe(0);
    expect(text.out[0]).toMatch(/: OK TDX v4 tcb UpToDate mrtd [0-9a-f]{96}$/);
  });

  it('SGX sample: rejected by the default policy with its status and advisories; accepted with --accept-status', async () => {
    const r = await verify('--sgx', SGX, '--collateral', SGX_COLL, ...AT, '--json');
    expect(r.code).toBe(1);
    expect(json(r.out)).toMatchObject({ ok: false, code: 'tcb-status', tcbStatus: 'ConfigurationAndSWHardeningNeeded', advisories: ['INTEL-SA-00289', 'INTEL-SA-00615'] });
    const ok = await verify('--sgx', SGX, '--collateral', SGX_COLL, ...AT, '--accept-status', 'UpToDate,ConfigurationAndSWHardeningNeeded', '--json');
    expect(ok.code).toBe(0);
    expect(json(ok.out)).toMatchObject({ ok: true, tcbStatus: 'ConfigurationAndSWHardeningNeeded', advisories: ['INTEL-SA-00289', 'INTEL-SA-00615'] });
  });

  it('the collateral as a directory of PCS files (converted from the JSON): the same verdicts', async () => {
    for (const [name, coll] of [['tdx', 'tdx/dcap-qvl/tdx_quote_collateral.json'], ['sgx', 'sgx/dcap-qvl/sgx_quote_collateral.json']] as const) {
      const dir = join(tmp, name);
      const files = collateralToPcsFiles(collateralVector(coll));
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(join(dir, PCS_FILES.tcbInfo), files.tcbInfoJson);
      writeFileSync(join(dir, PCS_FILES.qeIdentity), files.qeIdentityJson);
      writeFileSync(join(dir, PCS_FILES.pckCrl), files.pckCrl);
      writeFileSync(join(dir, PCS_FILES.rootCrl), files.rootCrl);
      writeFileSync(join(dir, PCS_FILES.tcbSigningChain), files.tcbSigningChain);
      writeFileSync(join(dir, PCS_FILES.pckCrlIssuerChain), files.pckCrlIssuerChain);
    }
    const t = await verify('--tdx', TDX, '--collateral', join(tmp, 'tdx'), ...AT, '--json');
    expect(t.code).toBe(0);
    expect(json(t.out).tcbStatus).toBe('UpToDate');
    const s = await verify('--sgx', SGX, '--collateral', join(tmp, 'sgx'), ...AT, '--accept-status', 'ConfigurationAndSWHardeningNeeded', '--json');
    expect(s.code).toBe(0);
    // A directory missing a file is unreadable input: exit 2.
    rmSync(join(tmp, 'sgx', PCS_FILES.rootCrl));
    expect((await verify('--sgx', SGX, '--collateral', join(tmp, 'sgx'), ...AT)).code).toBe(2);
  });

  it('policy flags: a matching pin passes, another value is refused with its code', async () => {
    const q = parseTdxQuote(quoteVector('tdx/dcap-qvl/tdx_quote'));
    const base = ['--tdx', TDX, '--collateral', TDX_COLL, ...AT, '--json'];
    const pass = await verify(...base, '--mrtd', toHex(q.mrTd), '--rtmr0', toHex(q.td!.rtmr[0]), '--report-data', toHex(q.reportData), '--mrseam', '00'.repeat(48), '--mrseam', toHex(q.mrSeam), '--xfam', toHex(q.xfam), '--td-attributes', toHex(q.tdAttributes), '--min-tee-tcb-svn', toHex(q.teeTcbSvn));
    expect(pass.code).toBe(0);
    const cases: [string[], string][] = [
      [['--mrtd', '11'.repeat(48)], 'mrtd'],
      [['--rtmr3', '11'.repeat(48)], 'rtmr'],
      [['--report-data', '00'.repeat(64)], 'report-data'],
      [['--mr-config-id', '11'.repeat(48)], 'mr-config-id'],
      [['--mr-owner', '11'.repeat(48)], 'mr-owner'],
      [['--mr-owner-config', '11'.repeat(48)], 'mr-owner-config'],
      [['--mrseam', '11'.repeat(48)], 'mrseam'],
      [['--xfam', '00'.repeat(8)], 'xfam'],
      [['--td-attributes', '00'.repeat(8)], 'td-attributes'],
      [['--min-tee-tcb-svn', 'ff'.repeat(16)], 'tee-tcb-svn'],
      [['--accept-status', 'OutOfDate'], 'tcb-status'],
    ];
    for (const [flags, code] of cases) {
      const r = await verify(...base, ...flags);
      expect(r.code).toBe(1);
      expect(json(r.out).code).toBe(code);
    }
  });

  it('rejections are exit 1 with a code: corrupt quote, wrong TEE, corrupt collateral, another root, time out of window', async () => {
    const junk = join(tmp, 'junk.bin');
    writeFileSync(junk, new Uint8Array(700).fill(7));
    const badColl = join(tmp, 'bad.json');
    writeFileSync(badColl, '{"pck_crl": 1}');
    const amdRoot = vectorPath('sev-snp', 'go-sev-guest', 'ask_ark_milan.pem');
    const cases: [string[], string][] = [
      [['--tdx', junk, '--collateral', TDX_COLL], 'parse'],
      [['--tdx', SGX, '--collateral', SGX_COLL], 'parse'],
      [['--tdx', TDX, '--collateral', badColl], 'collateral'],
      [['--tdx', TDX, '--collateral', SGX_COLL], 'crl'], // the SGX PCK CRL is the Processor CA's, not this PCK's Platform CA
      [['--tdx', TDX, '--collateral', TDX_COLL, '--at', '2025-08-01T00:00:00Z'], 'expired'],
    ];
    for (const [args, code] of cases) {
      const r = await verify(...AT, ...args, '--json');
      expect(r.code).toBe(1);
      expect(json(r.out).code).toBe(code);
    }
    // --pin-root takes the first certificate of the file; the ARK-Milan is not Intel's root.
    const ark = join(tmp, 'ark.pem');
    const pem = readFileSync(amdRoot, 'utf8');
    writeFileSync(ark, pem.slice(pem.lastIndexOf('-----BEGIN CERTIFICATE-----')));
    const pinned = await verify('--tdx', TDX, '--collateral', TDX_COLL, ...AT, '--pin-root', ark);
    expect(pinned.code).toBe(1);
    expect(pinned.out[0]).toMatch(/REJECTED \[pck-chain\].*NOT Intel's/);
  });

  it('usage errors and unreadable files are exit 2', async () => {
    const cases: string[][] = [
      ['--tdx', TDX, '--sgx', SGX, '--collateral', TDX_COLL],
      ['--tdx', TDX],
      ['--tdx', join(tmp, 'missing.bin'), '--collateral', TDX_COLL],
      ['--tdx', TDX, '--collateral', join(tmp, 'missing.json')],
      ['--tdx', TDX, '--collateral', TDX_COLL, '--at', '2030-02-30T00:00:00Z'],
      ['--tdx', TDX, '--collateral', TDX_COLL, '--at', '2025-07-01T24:00:00Z'],
      ['--tdx', TDX, '--collateral', TDX_COLL, '--mrtd', 'abcd'],
      ['--tdx', TDX, '--collateral', TDX_COLL, '--accept-status', 'Fine'],
      ['--tdx', TDX, '--collateral', TDX_COLL, '--accept-status', 'Revoked'],
      ['--tdx', TDX, '--collateral', TDX_COLL, '--pin-root', TDX_COLL],
      ['--tdx', TDX, '--collateral', TDX_COLL, 'extra-positional'],
    ];
    for (const args of cases) expect((await verify(...AT, ...args)).code, args.join(' ')).toBe(2);
  });
});
