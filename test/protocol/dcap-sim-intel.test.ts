/**
 * The simulated Intel (protocol/attestation/dcap/sim-intel.ts): its TDX and SGX quotes and
 * collateral verify with the same verifier as Intel's real ones, under its pinned root only;
 * deterministic per seed; revocation, OutOfDate levels and module/QE convergence end to end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command } from '../../cli/commands/evidence.js';
import { collateralToJson } from '../../protocol/attestation/dcap/collateral.js';
import { parseDcapQuote } from '../../protocol/attestation/dcap/quote.js';
import { SimulatedIntel } from '../../protocol/attestation/dcap/sim-intel.js';
import { verifyDcapQuote } from '../../protocol/attestation/dcap/verify.js';
import { toHex } from '../../protocol/bytes.js';
import { ChaChaRng } from '../../sim/rng.js';
import { runCommand } from '../helpers/cli.js';
import { ANY_VALID_STATUS, flip, offsets, verifyCode } from '../helpers/dcap.js';

const AT = Date.UTC(2026, 0, 1);
const world = (seed: number) => {
  const rng = ChaChaRng.fromSeed(seed);
  const intel = SimulatedIntel.create(rng.fork('intel'));
  const platform = intel.provisionPlatform(rng.fork('platform-0'));
  return { rng, intel, platform };
};
const reportData = new Uint8Array(64).fill(0xab);

describe('simulated Intel: quotes verified by the DCAP verifier', () => {
  const { rng, intel, platform } = world(1);
  const pins = { atMs: AT, pinnedRootSpkiSha256: [intel.rootPin] };

  it('TDX v4 and v5 and SGX v3 quotes verify UpToDate under the simulated root', () => {
    for (const version of [4, 5] as const) {
      const quote = platform.tdxQuote({ reportData, version, mrTd: new Uint8Array(48).fill(1) });
      const r = verifyDcapQuote(quote, intel.collateral('tdx', platform), { ...pins, tee: 'tdx', policy: { reportData, mrTd: new Uint8Array(48).fill(1) } });
      expect(r.tcbStatus).toBe('UpToDate');
      expect(r.quote.header.version).toBe(version);
      expect(r.tcb.tdxModule?.status).toBe('UpToDate');
    }
    const sgx = platform.sgxQuote({ reportData, mrEnclave: new Uint8Array(32).fill(2) });
    expect(verifyDcapQuote(sgx, intel.collateral('sgx', platform), { ...pins, tee: 'sgx', policy: { mrEnclave: new Uint8Array(32).fill(2) } }).tcbStatus).toBe('UpToDate');
  });

  it('deterministic: the same seed gives the same bytes; another seed another root', () => {
    const again = world(1);
    expect(toHex(again.platform.tdxQuote({ reportData }))).toBe(toHex(platform.tdxQuote({ reportData })));
    expect(collateralToJson(again.intel.collateral('tdx', again.platform))).toBe(collateralToJson(intel.collateral('tdx', platform)));
    expect(world(2).intel.rootPin).not.toBe(intel.rootPin);
  });

  it('not Intel: refused under the default pin (pck-chain), and across simulated vendors', () => {
    const quote = platform.tdxQuote({ reportData });
    const collateral = intel.collateral('tdx', platform);
    expect(verifyCode(quote, collateral, { atMs: AT })).toBe('pck-chain');
    const other = world(2);
    expect(verifyCode(quote, collateral, { atMs: AT, pinnedRootSpkiSha256: [other.intel.rootPin] })).toBe('pck-chain');
    // A quote of this vendor with the other vendor's collateral: the CRLs are not this root's.
    expect(verifyCode(quote, other.intel.collateral('tdx', other.platform), pins)).toBe('crl');
  });

  it('revocation end to end: the PCK on the PCK CRL, the Platform CA or the TCB Signing cert on the root CRL', () => {
    const quote = platform.tdxQuote({ reportData });
    expect(verifyCode(quote, intel.collateral('tdx', platform, { revokedPcks: [platform.pckSerial] }), pins)).toBe('revoked');
    expect(verifyCode(quote, intel.collateral('tdx', platform, { revokedPcks: [platform.pckSerial + 1000n] }), pins)).toBe('valid');
    expect(verifyCode(quote, intel.collateral('tdx', platform, { revokePlatformCa: true }), pins)).toBe('revoked');
    expect(verifyCode(quote, intel.collateral('tdx', platform, { revokeTcbSigning: true }), pins)).toBe('revoked');
  });

  it('TCB levels: a platform one SVN below matches the OutOfDate level, with its advisory', () => {
    const older = intel.provisionPlatform(rng.fork('platform-old'), { cpuSvnComponents: [2, 2, 1, 1, 3, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0], pceSvn: 12 });
    const r = verifyDcapQuote(older.tdxQuote({ reportData }), intel.collateral('tdx', platform), { ...pins, policy: { acceptStatus: ANY_VALID_STATUS } });
    expect(r.tcbStatus).toBe('OutOfDate');
    expect(r.advisories).toEqual(['SIM-SA-00001']);
    const below = intel.provisionPlatform(rng.fork('platform-older'), { cpuSvnComponents: new Array(16).fill(0), pceSvn: 1 });
    expect(verifyCode(below.tdxQuote({ reportData }), intel.collateral('tdx', platform), { ...pins, policy: { acceptStatus: ANY_VALID_STATUS } })).toBe('tcb-status');
  });

  it('convergence: an old TDX module or QE turns ConfigurationNeeded into OutOfDateConfigurationNeeded', () => {
    const collateral = intel.collateral('tdx', platform, { status: 'ConfigurationNeeded', advisories: ['SIM-SA-00010'] });
    const accept = { ...pins, policy: { acceptStatus: ANY_VALID_STATUS } };
    expect(verifyDcapQuote(platform.tdxQuote({ reportData }), collateral, accept).tcbStatus).toBe('ConfigurationNeeded');
    // TEE_TCB_SVN 02 01 02: module TDX_01 at ISVSVN 2 is below the UpToDate level (3).
    const oldModule = verifyDcapQuote(platform.tdxQuote({ reportData, teeTcbSvn: Uint8Array.of(2, 1, 2, ...new Uint8Array(13)) }), collateral, accept);
    expect(oldModule.tcbStatus).toBe('OutOfDateConfigurationNeeded');
    expect(oldModule.advisories).toEqual(['SIM-SA-00010', 'SIM-SA-00002']);
    const oldQe = intel.provisionPlatform(rng.fork('platform-0'), { qeIsvSvn: 7 });
    expect(verifyDcapQuote(oldQe.tdxQuote({ reportData }), collateral, accept).tcbStatus).toBe('OutOfDateConfigurationNeeded');
    // A module version the TCB Info does not know: tcb-status.
    expect(verifyCode(platform.tdxQuote({ reportData, teeTcbSvn: Uint8Array.of(3, 2, 2, ...new Uint8Array(13)) }), collateral, accept)).toBe('tcb-status');
  });

  it('every signed field tampered is refused with its code, as for Intel\'s quotes', () => {
    const quote = platform.tdxQuote({ reportData });
    const collateral = intel.collateral('tdx', platform);
    const o = offsets(quote);
    const cases: [number, string][] = [
      [o.header, 'quote-signature'],
      [o.body + 136, 'quote-signature'],
      [o.sigS, 'quote-signature'],
      [o.attKey, 'quote-signature'],
      [o.qeReport + 258, 'qe-report'],
      [o.qeReportSig, 'qe-report'],
      [o.qeAuth, 'qe-binding'],
    ];
    for (const [at, code] of cases) expect(verifyCode(flip(quote, at), collateral, pins)).toBe(code);
    expect(verifyCode(quote, { ...collateral, tcbInfo: collateral.tcbInfo.replace('UpToDate', 'UpToDatf') }, pins)).toBe('collateral');
    expect(verifyCode(quote, collateral, { ...pins, atMs: Date.UTC(2050, 1, 1) })).toBe('expired');
    expect(parseDcapQuote(quote).trailingBytes).toBe(0);
  });

  it('the CLI verifies the simulated vendor\'s quote with --pin-root and says the root is not Intel\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pph-sim-intel-'));
    try {
      writeFileSync(join(dir, 'quote.bin'), platform.tdxQuote({ reportData }));
      writeFileSync(join(dir, 'collateral.json'), collateralToJson(intel.collateral('tdx', platform)));
      writeFileSync(join(dir, 'root.pem'), intel.rootPem);
      const args = ['verify', '--tdx', join(dir, 'quote.bin'), '--collateral', join(dir, 'collateral.json'), '--at', '2026-01-01T00:00:00Z'];
      const pinned = await runCommand(command, [...args, '--pin-root', join(dir, 'root.pem')]);
      expect(pinned.code).toBe(0);
      expect(pinned.out[0]).toMatch(/OK TDX v4 tcb UpToDate .*NOT Intel's/);
      const unpinned = await runCommand(command, [...args, '--json']);
      expect(unpinned.code).toBe(1);
      expect(JSON.parse(unpinned.out[0]!).code).toBe('pck-chain');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
