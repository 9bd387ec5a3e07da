/**
 * Regressions of issue 14, "Attestation policy": one test per case the hostile tester found.
 * Each reproduces the case as it was reported (through `pph evidence verify` where the report
 * used the CLI) and asserts the fixed behaviour: the exit code and the refusal's own code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../../cli/commands/evidence.js';
import { toHex } from '../../protocol/bytes.js';
import { AttestationError } from '../../protocol/errors.js';
import { TrustStore } from '../../protocol/attestation/chain.js';
import { FIELD, parseSevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { SimulatedVendor, toPem } from '../../protocol/attestation/sim-vendor.js';
import { SevSnpVerifier } from '../../protocol/attestation/verifier.js';
import { BASELINE_POLICY } from '../../protocol/attestation/sev-snp-policy.js';
import { ChaChaRng } from '../../sim/rng.js';
import { SIM_EPOCH_MS } from '../../sim/clock.js';
import { createKeys, CURRENT_IMAGE, measurementOfImage, MIN_TCB } from '../../sim/world-keys.js';
import { runCommand } from '../helpers/cli.js';
import { tinyWorld } from '../helpers/small-worlds.js';
import { describeVectors, readVector, vectorPath } from '../helpers/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-regress-policy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const put = (name: string, data: Uint8Array | string): string => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

interface JsonLine {
  ok: boolean;
  code: string | null;
  root: { name: string | null; amd: boolean; pinned_by: string } | null;
}
const run = (argv: string[]) => runCommand(command, argv);
const jsonOf = async (argv: string[]): Promise<{ exit: number; lines: JsonLine[] }> => {
  const r = await run([...argv, '--json']);
  return { exit: r.code, lines: r.out.map((l) => JSON.parse(l) as JsonLine) };
};

// A simulated Milan vendor and chip, written out as the files a user would pass.
const TCB = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };
const seed = ChaChaRng.fromSeed('regression-attestation-policy');
const vendor = SimulatedVendor.create(seed.fork('vendor'));
const chip = vendor.provisionChip(seed.fork('chip'), TCB);
const other = vendor.provisionChip(seed.fork('other'), TCB);
const AT = '2026-07-01T00:00:00Z';
const AT_MS = Date.UTC(2026, 6, 1);
const files = {
  chain: put('chain.pem', vendor.chainPem()),
  ark: put('ark.pem', toPem(vendor.arkDer)),
  ask: put('ask.pem', toPem(vendor.askDer)),
  vcek: put('vcek.der', chip.certDer),
};
const sim = ['verify', '--chain', files.chain, '--vcek', files.vcek, '--pin-root', files.ark, '--at', AT];
let n = 0;
const report = (fields: Parameters<typeof chip.signReport>[0] = {}): string => put(`r${n++}.bin`, chip.signReport(fields));
const codeFor = async (file: string, ...flags: string[]): Promise<[number, string | null]> => {
  const { exit, lines } = await jsonOf([...sim, ...flags, file]);
  return [exit, lines[0]!.code];
};

describe('issue 14 · attestation policy', () => {
  it('"a report with DEBUG=1 and one at VMPL 1 both print OK": refused as debug and vmpl by default, accepted with --allow-debug / --vmpl 1', async () => {
    const debug = report({ policy: 0x30000n | (1n << 19n) });
    const vmpl1 = report({ vmpl: 1 });
    expect(await codeFor(debug)).toEqual([1, 'debug']);
    expect(await codeFor(vmpl1)).toEqual([1, 'vmpl']);
    expect(await codeFor(debug, '--allow-debug')).toEqual([0, null]);
    expect(await codeFor(vmpl1, '--vmpl', '1')).toEqual([0, null]);
    expect(await codeFor(report(), '--vmpl', '1')).toEqual([1, 'vmpl']);
    const ma = report({ policy: 0x30000n | (1n << 18n) });
    expect(await codeFor(ma)).toEqual([1, 'migrate-ma']);
    expect(await codeFor(ma, '--allow-migrate-ma')).toEqual([0, null]);
    // The human line names the refusal too.
    expect((await run([...sim, debug])).out[0]).toMatch(/REJECTED \[debug\]/);
  });

  it('the flags of go-sev-guest: --min-tcb (any subset) → tcb, and each pin with its own code', async () => {
    const fields = { measurement: new Uint8Array(48).fill(1), reportData: new Uint8Array(64).fill(2), hostData: new Uint8Array(32).fill(3), idKeyDigest: new Uint8Array(48).fill(4), authorKeyDigest: new Uint8Array(48).fill(5) };
    const r = report(fields);
    expect(await codeFor(r, '--min-tcb', 'bl=3,tee=0,snp=8,ucode=115')).toEqual([0, null]);
    expect(await codeFor(r, '--min-tcb', 'snp=9')).toEqual([1, 'tcb']);
    expect(await codeFor(r, '--min-tcb', 'ucode=116,bl=0')).toEqual([1, 'tcb']);
    expect(await codeFor(r, '--min-tcb', 'bl=4')).toEqual([1, 'tcb']);
    const pins: [string, string, number, Uint8Array][] = [
      ['--measurement', 'measurement', 48, fields.measurement],
      ['--report-data', 'report-data', 64, fields.reportData],
      ['--host-data', 'host-data', 32, fields.hostData],
      ['--id-key-digest', 'id-key-digest', 48, fields.idKeyDigest],
      ['--author-key-digest', 'author-key-digest', 48, fields.authorKeyDigest],
    ];
    for (const [flag, code, size, right] of pins) {
      expect(await codeFor(r, flag, toHex(right)), flag).toEqual([0, null]);
      expect(await codeFor(r, flag, '00'.repeat(size)), flag).toEqual([1, code]);
    }
    // Several --measurement values form an allow-list.
    expect(await codeFor(r, '--measurement', '00'.repeat(48), '--measurement', toHex(fields.measurement))).toEqual([0, null]);
  });

  it('"AMD\'s ARKs stay pinned; --pin-root pins another root and the output says it is not AMD\'s"', async () => {
    // Without --pin-root the simulated root is refused: only AMD's ARKs are pinned.
    const { exit, lines } = await jsonOf(['verify', '--chain', files.chain, '--vcek', files.vcek, '--at', AT, report()]);
    expect([exit, lines[0]!.code, lines[0]!.root]).toEqual([1, 'chain', expect.objectContaining({ name: 'ARK-Milan', amd: false, pinned_by: 'amd-arks' })]);
    const pinned = await jsonOf([...sim, report()]);
    expect([pinned.exit, pinned.lines[0]!.ok, pinned.lines[0]!.root]).toEqual([0, true, expect.objectContaining({ name: 'ARK-Milan', amd: false, pinned_by: 'pin-root' })]);
    const text = await run([...sim, report(), report({ vmpl: 2 })]);
    expect(text.out[0]).toMatch(/: OK .* · root ARK-Milan pinned by --pin-root, NOT an AMD root$/);
    expect(text.out[1]).toMatch(/: REJECTED \[vmpl\] .* · root ARK-Milan pinned by --pin-root, NOT an AMD root$/);
    // Without --pin-root nothing claims a pin that was not made.
    expect((await run(['verify', '--chain', files.chain, '--vcek', files.vcek, '--at', AT, report()])).out[0]).not.toMatch(/pin-root/);
    // The pinned root completes a chain that lacks it (the ASK alone).
    expect((await run(['verify', '--chain', files.ask, '--vcek', files.vcek, '--pin-root', files.ark, '--at', AT, report()])).code).toBe(0);
    // Pinning another vendor's root refuses this chain.
    const rogue = SimulatedVendor.create(seed.fork('rogue'));
    expect(await codeFor(report(), '--pin-root', put('rogue-ark.pem', toPem(rogue.arkDer)))).toEqual([1, 'chain']);
  });

  it('"evidence that does not parse (a corrupt VCEK or chain) is a rejection with exit 1 and a code; exit 2 for usage and unreadable files"', async () => {
    const good = report();
    const corruptVcek = put('corrupt-vcek.der', chip.certDer.subarray(0, 200));
    const corruptChain = put('corrupt-chain.pem', vendor.chainPem().replace(/MII/g, 'M!I'));
    const one = async (argv: string[]): Promise<[number, string | null]> => {
      const { exit, lines } = await jsonOf(argv);
      return [exit, lines[0]?.code ?? null];
    };
    expect(await one(['verify', '--chain', files.chain, '--vcek', corruptVcek, '--pin-root', files.ark, '--at', AT, good])).toEqual([1, 'vcek-parse']);
    expect(await one(['verify', '--chain', corruptChain, '--vcek', files.vcek, '--pin-root', files.ark, '--at', AT, good])).toEqual([1, 'chain-parse']);
    expect(await one([...sim, put('short.bin', new Uint8Array(10))])).toEqual([1, 'parse']);
    expect((await run(['verify', '--chain', join(tmp, 'missing.pem'), '--vcek', files.vcek, good])).code).toBe(2);
    expect((await run(['verify', '--chain', files.chain, '--vcek', join(tmp, 'missing.der'), good])).code).toBe(2);
  });

  it('"reserved policy bits are ignored (bit 17 must be 1, bits 25+ must be 0)": policy-reserved', async () => {
    expect(await codeFor(report({ policy: 0x10000n }))).toEqual([1, 'policy-reserved']);
    expect(await codeFor(report({ policy: 0x00000n }))).toEqual([1, 'policy-reserved']);
    for (const bit of [25n, 26n, 40n, 63n]) expect(await codeFor(report({ policy: 0x30000n | (1n << bit) })), `bit ${bit}`).toEqual([1, 'policy-reserved']);
    // Not even --allow-debug lets a reserved bit through; the defined bits 20–24 are accepted.
    expect(await codeFor(report({ policy: 0xb0000n | (1n << 25n) }), '--allow-debug')).toEqual([1, 'policy-reserved']);
    expect(await codeFor(report({ policy: 0x30000n | (0x1fn << 20n) }))).toEqual([0, null]);
  });

  it('"MASK_CHIP_KEY with a non-zero CHIP_ID is accepted": mask-chip-key; with CHIP_ID zero it is valid', async () => {
    expect(await codeFor(report({ maskChipKey: true }))).toEqual([1, 'mask-chip-key']);
    expect(await codeFor(report({ maskChipKey: true, chipId: other.chipId }))).toEqual([1, 'mask-chip-key']);
    expect(await codeFor(report({ maskChipKey: true, chipId: new Uint8Array(64) }))).toEqual([0, null]);
    // And the VCEK checks have their own codes: another chip's CHIP_ID → hwid, another TCB → vcek-tcb.
    expect(await codeFor(report({ chipId: other.chipId }))).toEqual([1, 'hwid']);
    expect(await codeFor(report({ reportedTcb: { ...TCB, snp: 9 } }))).toEqual([1, 'vcek-tcb']);
  });

  it('"any change to the unsigned bytes 0x330–0x49F verifies": every tail byte → non-canonical (exit 1)', async () => {
    const base = chip.signReport();
    const verifier = SevSnpVerifier.forSigner(vendor.trustStore(), chip.certDer, 'vcek');
    for (let at = 0x330; at < 0x4a0; at++) {
      const b = base.slice();
      b[at] = 0x5a;
      try {
        verifier.verify(b, { atMs: AT_MS });
        expect.unreachable(`byte 0x${at.toString(16)} accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(AttestationError);
        expect((e as AttestationError).code).toBe('non-canonical');
      }
    }
    const tail = base.slice();
    tail[0x49f] = 1;
    expect(await codeFor(put('tail.bin', tail))).toEqual([1, 'non-canonical']);
  });

  it('"no CRL support": --crl checks the ARK-signed CRL; a revoked VCEK → revoked; another root\'s CRL → crl-issuer; expired → crl-expired', async () => {
    const r = report();
    const revoking = put('revoking.crl', toPem(vendor.issueCrl([chip.serial]), 'X509 CRL'));
    const clean = put('clean.crl', vendor.issueCrl([other.serial]));
    expect(await codeFor(r, '--crl', clean)).toEqual([0, null]);
    expect(await codeFor(r, '--crl', revoking)).toEqual([1, 'revoked']);
    expect(await codeFor(r, '--crl', clean, '--crl', revoking)).toEqual([1, 'revoked']);
    const stale = put('stale.crl', vendor.issueCrl([], { thisUpdateMs: Date.UTC(2025, 0, 1), nextUpdateMs: Date.UTC(2025, 1, 1) }));
    expect(await codeFor(r, '--crl', stale)).toEqual([1, 'crl-expired']);
    const rogue = put('rogue.crl', SimulatedVendor.create(seed.fork('rogue')).issueCrl([]));
    expect(await codeFor(r, '--crl', rogue)).toEqual([1, 'crl-issuer']);
    const broken = vendor.issueCrl([]);
    broken[broken.length - 5]! ^= 1;
    expect(await codeFor(r, '--crl', put('broken.crl', broken))).toEqual([1, 'crl-signature']);
    expect(await codeFor(r, '--crl', put('garbage.crl', 'not a CRL'))).toEqual([1, 'crl-parse']);
    expect((await run([...sim, '--crl', join(tmp, 'missing.crl'), r])).code).toBe(2);
  });

  it('"in the simulation let the vendor revoke a chip key": the world\'s CRL lists the revoked chip; only the CRL check refuses its evidence', () => {
    // The adversary revoked-chip-key serves this evidence through the gateway (test/adversaries
    // reaches its mark client.evidence-rejected.revoked with every expectation held).
    const keys = createKeys(tinyWorld(), ChaChaRng.fromSeed(14).fork('keys'));
    const revoked = keys.revokedChip();
    const fields = { reportData: new Uint8Array(64).fill(7), measurement: measurementOfImage(CURRENT_IMAGE), policy: 0x30000n, vmpl: 0 };
    const options = { atMs: SIM_EPOCH_MS, policy: { ...BASELINE_POLICY, minTcb: MIN_TCB, reportData: fields.reportData } };
    const verifier = SevSnpVerifier.forSigner(keys.trust, revoked.certDer, 'vcek');
    // Perfect evidence in every other respect: without the CRL it verifies.
    expect(verifier.verify(revoked.signReport(fields), options).report.vmpl).toBe(0);
    expect(() => verifier.verify(revoked.signReport(fields), { ...options, crls: [keys.crl] })).toThrow(expect.objectContaining({ code: 'revoked' }));
    expect(keys.crl.revoked.has(revoked.serial)).toBe(true);
    // The fleet's own chips are not on it.
    const honest = keys.chip(0);
    expect(keys.crl.revoked.has(honest.signer.serial)).toBe(false);
    expect(SevSnpVerifier.forSigner(keys.trust, honest.signer.certDer, 'vcek').verify(honest.signReport(fields), { ...options, crls: [keys.crl] }).report.vmpl).toBe(0);
  });

  it('"--at 2030-02-30T00:00:00Z and T24:00:00Z are accepted and roll over": every invalid calendar field → exit 2', async () => {
    const r = report();
    const base = ['verify', '--chain', files.chain, '--vcek', files.vcek, '--pin-root', files.ark];
    for (const at of ['2030-02-30T00:00:00Z', '2030-01-01T24:00:00Z', '2029-02-29T00:00:00Z', '2030-04-31T00:00:00Z', '2030-13-01T00:00:00Z', '2030-00-10T00:00:00Z', '2030-01-00T00:00:00Z', '2030-01-01T23:60:00Z', '2030-01-01T23:59:60Z', '2030-01-01T00:00:00+24:00', '2030-01-01T00:00:00+01:60', '2030-01-01 00:00:00Z', '2030-01-01T00:00:00']) {
      expect((await run([...base, '--at', at, r])).code, at).toBe(2);
    }
    for (const at of ['2028-02-29T00:00:00Z', '2030-12-31T23:59:59.999Z', '2030-01-01T01:00:00+01:00', '2030-01-01t00:00:00z']) expect((await run([...base, '--at', at, r])).code, at).toBe(0);
    // The offset is applied: 2030-01-01T00:30:00+01:00 is 2029-12-31T23:30Z, before a CRL that starts 2030-01-01.
    const crl = put('from-2030.crl', vendor.issueCrl([], { thisUpdateMs: Date.UTC(2030, 0, 1), nextUpdateMs: Date.UTC(2031, 0, 1) }));
    expect((await jsonOf([...base, '--crl', crl, '--at', '2030-01-01T00:30:00+01:00', r])).lines[0]!.code).toBe('crl-not-yet-valid');
    expect((await jsonOf([...base, '--crl', crl, '--at', '2030-01-01T00:30:00-01:00', r])).lines[0]!.code).toBe(null);
  });
});

describeVectors('issue 14 · signature malleability on real AMD reports', () => {
  const n = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
  const sOf = (b: Uint8Array): bigint => {
    let s = 0n;
    for (let i = 71; i >= 0; i--) s = (s << 8n) | BigInt(b[FIELD.SIGNATURE_S[0] + i]!);
    return s;
  };
  const withS = (b: Uint8Array, s: bigint): Uint8Array => {
    const out = b.slice();
    for (let i = 0; i < 72; i++, s >>= 8n) out[FIELD.SIGNATURE_S[0] + i] = Number(s & 0xffn);
    return out;
  };
  const real = readVector('sev-snp', 'trustee', 'test-report-milan.bin');
  const verifier = SevSnpVerifier.forSigner(TrustStore.fromPem(readVector('sev-snp', 'trustee', 'milan_ask_ark_asvk.pem')), readVector('sev-snp', 'trustee', 'test-vcek-milan.der'), 'vcek');

  it('the data behind the choice: real AMD firmware signs with high S, so refusing high-S would refuse genuine evidence', () => {
    const reports = ['go-sev-guest/attestation.bin', 'openpcc/azure-snp-report-genoa.bin', 'trustee/test-report-milan.bin', 'trustee/test-vlek-report-milan.bin', 'dstack/sev_snp_report_milan_2026-06-17.bin', 'openpcc/gce-snp-report-v4-no-vcek.bin'];
    const high = reports.filter((p) => sOf(readVector('sev-snp', ...p.split('/'))) > n / 2n);
    expect(high.length).toBeGreaterThan(0);
    expect(high.length).toBeLessThan(reports.length);
    expect(sOf(real) > n / 2n).toBe(true);
    // …and every real report has an all-zero SIGNATURE tail, so requiring it refuses none.
    for (const p of reports) expect(readVector('sev-snp', ...p.split('/')).subarray(0x330).every((x) => x === 0), p).toBe(true);
  });

  it('"a report with S replaced by n−S verifies": it still does (ECDSA), but both map to one canonical byte string', () => {
    const flipped = withS(real, n - sOf(real));
    const a = verifier.verify(real, { atMs: AT_MS });
    const b = verifier.verify(flipped, { atMs: AT_MS });
    expect(toHex(flipped)).not.toBe(toHex(real));
    expect(toHex(a.canonical)).toBe(toHex(b.canonical));
    expect(sOf(a.canonical) <= n / 2n).toBe(true);
    // The canonical form is itself a valid report, and canonical of canonical is itself.
    expect(toHex(verifier.verify(a.canonical, { atMs: AT_MS }).canonical)).toBe(toHex(a.canonical));
    expect(parseSevSnpReport(a.canonical).signedBytes).toEqual(parseSevSnpReport(real).signedBytes);
  });

  it('the CLI on the real report: with the real CRL at a time inside it, OK; after nextUpdate, crl-expired', async () => {
    const argv = ['verify', '--chain', vectorPath('sev-snp', 'trustee', 'milan_ask_ark_asvk.pem'), '--vcek', vectorPath('sev-snp', 'trustee', 'test-vcek-milan.der'), '--crl', vectorPath('sev-snp', 'openpcc', 'crl_milan.pem')];
    const report = vectorPath('sev-snp', 'trustee', 'test-report-milan.bin');
    expect((await jsonOf([...argv, '--at', '2025-12-01T00:00:00Z', report])).lines[0]).toMatchObject({ ok: true, root: { name: 'ARK-Milan', amd: true, pinned_by: 'amd-arks' } });
    // Pinning AMD's own ARK with --pin-root: the root is AMD's, and the line says nothing more.
    const ark = put('amd-ark-milan.pem', toPem(TrustStore.fromPem(readVector('sev-snp', 'trustee', 'milan_ask_ark_asvk.pem')).ark!.der));
    const viaPin = await run([...argv, '--pin-root', ark, '--at', '2025-12-01T00:00:00Z', report]);
    expect([viaPin.code, viaPin.out[0]]).toEqual([0, expect.not.stringMatching(/NOT an AMD root/)]);
    expect((await jsonOf([...argv, '--at', '2026-06-01T00:00:00Z', report])).lines[0]!.code).toBe('crl-expired');
    const genoaCrl = ['--crl', vectorPath('sev-snp', 'openpcc', 'crl_genoa.pem')];
    expect((await jsonOf([...argv, ...genoaCrl, '--at', '2025-12-01T00:00:00Z', report])).lines[0]!.code).toBe('crl-issuer');
  });
});
