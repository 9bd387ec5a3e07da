/**
 * The SEV-SNP runner against a fake configfs-tsm (tmp folder + kernel-like io) seeded with real
 * AMD reports from ../shared/vectors/sev-snp/: the report comes back from outblob, the certificate
 * table from auxblob, and the verifier that checks simulated evidence checks it. Error paths:
 * generation race, wrong provider, missing configfs-tsm, short outblob, foreign REPORT_DATA.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { AttestationError } from '../../protocol/errors.js';
import { certificateDers } from '../../protocol/attestation/amd-cert.js';
import { SimulatedVendor } from '../../protocol/attestation/sim-vendor.js';
import { BASELINE_POLICY } from '../../protocol/attestation/verifier.js';
import { ChaChaRng } from '../../sim/rng.js';
import { TsmEntry, TSM_ATTEMPTS_MAX } from '../../tee/configfs-tsm.js';
import { InProcessRunner } from '../../tee/in-process.js';
import { TeeError } from '../../tee/runner.js';
import { encodeCertTable } from '../../tee/sev-snp-cert-table.js';
import { SevSnpRunner, verifySevSnpEvidence } from '../../tee/sev-snp.js';
import { describeVectors, readVector, readVectorJson } from '../helpers/vectors.js';
import { fakeConfigfsPerTest, type FakeConfigfs } from './fake-configfs.js';

/** Inside every VCEK window used here (dstack's starts 2026-06-17, go-sev-guest's ends 2029-09-24). */
const AT_MS = Date.UTC(2026, 6, 1);

const fake = fakeConfigfsPerTest(afterEach);

function runnerOn(f: FakeConfigfs): SevSnpRunner {
  return new SevSnpRunner({ configfsRoot: f.root, io: f.io, entryName: 'pph-test' });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof TeeError || e instanceof AttestationError) return `${e.name}.${e.code}`;
    throw e;
  }
}

const sev = (p: string): Uint8Array => readVector('sev-snp', ...p.split('/'));
/** SEV-SNP ABI Table 22: REPORT_DATA at 0x50, 64 bytes. */
const reportDataOf = (report: Uint8Array): Uint8Array => report.slice(0x50, 0x90);

describeVectors('SEV-SNP runner over a fake configfs-tsm, real reports', () => {
  const goReport = sev('go-sev-guest/attestation.bin');
  const goTable = encodeCertTable([
    { role: 'vcek', bytes: sev('go-sev-guest/vcek-milan.der') },
    // AMD KDS cert_chain is ASK then ARK; the host hands them as DER.
    { role: 'ask', bytes: certificateDers(sev('go-sev-guest/ask_ark_milan.pem'))[0]! },
    { role: 'ark', bytes: certificateDers(sev('go-sev-guest/ask_ark_milan.pem'))[1]! },
  ]);

  it('the vectors carry the REPORT_DATA of sev-snp/expected.json', () => {
    const expected = readVectorJson<Record<string, { fields?: { report_data?: string } }>>('sev-snp', 'expected.json');
    expect(toHex(reportDataOf(goReport))).toBe(expected['go-sev-guest/attestation.bin']!.fields!.report_data);
    const dstack = reportDataOf(sev('dstack/sev_snp_report_milan_2026-06-17.bin'));
    expect(toHex(dstack)).toBe(expected['dstack/sev_snp_report_milan_2026-06-17.bin']!.fields!.report_data);
  });

  it('go-sev-guest: report from outblob, VCEK/ASK/ARK from auxblob, verified as valid', async () => {
    const f = fake({ provider: 'sev_guest', outblob: goReport, auxblob: goTable });
    const runner = runnerOn(f);
    expect(runner.available().ok).toBe(true);
    await runner.start();
    const evidence = await runner.attest(reportDataOf(goReport));
    expect(evidence.provider).toBe('sev_guest');
    expect(toHex(evidence.report)).toBe(toHex(goReport));
    expect(evidence.generation).toBe(1);
    expect(toHex(evidence.certificates![0]!)).toBe(toHex(sev('go-sev-guest/vcek-milan.der')));
    // The inblob the "kernel" saw is exactly our REPORT_DATA.
    expect(toHex(f.io.read(`${f.reportDir}/pph-test/inblob`))).toBe(toHex(reportDataOf(goReport)));
    const verified = verifySevSnpEvidence(evidence, reportDataOf(goReport), { atMs: AT_MS });
    expect(verified.tcb).toEqual({ bootloader: 2, tee: 0, snp: 5, microcode: 68 });
    // Its POLICY allows DEBUG: the baseline client policy refuses it, as in the conformance tests.
    expect(() => verifySevSnpEvidence(evidence, reportDataOf(goReport), { atMs: AT_MS, policy: BASELINE_POLICY })).toThrow(expect.objectContaining({ code: 'debug' }));
    // A verifier expecting another REPORT_DATA refuses it as binding.
    expect(() => verifySevSnpEvidence(evidence, new Uint8Array(64), { atMs: AT_MS })).toThrow(expect.objectContaining({ code: 'binding' }));
    await runner.stop();
    expect(f.entries()).toEqual([]);
  });

  it('dstack: no auxblob (host gave no certificates), chain and VCEK supplied by the relying party', async () => {
    const report = sev('dstack/sev_snp_report_milan_2026-06-17.bin');
    const f = fake({ provider: 'sev_guest', outblob: report });
    const runner = runnerOn(f);
    await runner.start();
    const evidence = await runner.attest(reportDataOf(report));
    expect(evidence.certTable).toBeUndefined();
    expect(() => verifySevSnpEvidence(evidence, reportDataOf(report), { atMs: AT_MS })).toThrow(expect.objectContaining({ code: 'certificates' }));
    const input = { atMs: AT_MS, chain: Buffer.from(sev('go-sev-guest/ask_ark_milan.pem')).toString('utf8'), signer: sev('dstack/sev_snp_vcek.pem') };
    expect(verifySevSnpEvidence(evidence, reportDataOf(report), input).report.version).toBe(3);
    // dstack's TCB is OutOfDate: a minimum of snp 0x18 rejects it.
    const strict = { ...input, policy: { minTcb: { bootloader: 4, tee: 0, snp: 0x18, microcode: 0xd5 } } };
    expect(() => verifySevSnpEvidence(evidence, reportDataOf(report), strict)).toThrow(expect.objectContaining({ code: 'tcb' }));
    await runner.stop();
  });

  it('a flipped report byte from the "hardware" fails the signature check', async () => {
    const tampered = goReport.slice();
    tampered[0x90]! ^= 1; // MEASUREMENT
    const f = fake({ provider: 'sev_guest', outblob: tampered, auxblob: goTable });
    const runner = runnerOn(f);
    await runner.start();
    const evidence = await runner.attest(reportDataOf(goReport));
    expect(() => verifySevSnpEvidence(evidence, reportDataOf(goReport), { atMs: AT_MS })).toThrow(expect.objectContaining({ code: 'signature' }));
    await runner.stop();
  });

  describe('the generation-counter race (configfs-tsm ABI)', () => {
    it('another writer between our write and our read: retried, and the retry is clean', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport });
      let raced = false;
      f.onOutblobRead = (dir) => {
        if (!raced) f.bumpGeneration(dir);
        raced = true;
      };
      const entry = new TsmEntry({ configfsRoot: f.root, name: 'pph-race', io: f.io });
      entry.open();
      const got = entry.request(reportDataOf(goReport));
      expect(got.attempts).toBe(2);
      // generation: 0 → 1 (us) → 2 (them) → 3 (our retry).
      expect(got.generation).toBe(3);
      entry.close();
    });

    it('a writer that interferes every time: TeeError race after the bounded attempts', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport });
      f.onOutblobRead = (dir) => f.bumpGeneration(dir);
      const runner = runnerOn(f);
      await runner.start();
      expect(await codeOf(runner.attest(reportDataOf(goReport)))).toBe('TeeError.race');
      expect(f.outblobReads).toBe(TSM_ATTEMPTS_MAX);
      await runner.stop();
    });

    it('a report carrying someone else\'s REPORT_DATA (an undetected interleaving): TeeError binding', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport });
      const runner = runnerOn(f);
      await runner.start();
      expect(await codeOf(runner.attest(new Uint8Array(64).fill(9)))).toBe('TeeError.binding');
      await runner.stop();
    });
  });

  describe('machines where it cannot work', () => {
    it('wrong provider (a TDX guest): not available, start refuses with provider', async () => {
      const f = fake({ provider: 'tdx_guest', outblob: goReport });
      const runner = runnerOn(f);
      const a = runner.available();
      expect(a.ok).toBe(false);
      expect(a.why).toMatch(/tdx_guest/);
      expect(await codeOf(runner.start())).toBe('TeeError.provider');
      expect(f.entries()).toEqual([]);
    });

    it('no configfs-tsm directory: not available, start refuses with unavailable', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport, noTsm: true });
      const runner = runnerOn(f);
      expect(runner.available()).toEqual({ ok: false, why: expect.stringMatching(/configfs-tsm not found/) });
      expect(await codeOf(runner.start())).toBe('TeeError.unavailable');
    });

    it('the default root on this machine is probed without throwing', () => {
      const a = new SevSnpRunner().available();
      expect(typeof a.ok).toBe('boolean');
      expect(a.why.length).toBeGreaterThan(0);
    });

    it('short outblob: TeeError outblob', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport.subarray(0, 0x2a0) });
      const runner = runnerOn(f);
      await runner.start();
      expect(await codeOf(runner.attest(reportDataOf(goReport)))).toBe('TeeError.outblob');
      await runner.stop();
    });

    it('an outblob of the right size that is no report (unknown VERSION): TeeError outblob', async () => {
      const f = fake({ provider: 'sev_guest', outblob: new Uint8Array(0x4a0) });
      const runner = runnerOn(f);
      await runner.start();
      expect(await codeOf(runner.attest(new Uint8Array(64)))).toBe('TeeError.outblob');
      await runner.stop();
    });

    it('an auxblob that is no certificate table: TeeError auxblob', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport, auxblob: utf8('not a table') });
      const runner = runnerOn(f);
      await runner.start();
      expect(await codeOf(runner.attest(reportDataOf(goReport)))).toBe('TeeError.auxblob');
      await runner.stop();
    });

    it('used before start, or with a REPORT_DATA of the wrong length', async () => {
      const f = fake({ provider: 'sev_guest', outblob: goReport });
      const runner = runnerOn(f);
      expect(await codeOf(runner.attest(new Uint8Array(64)))).toBe('TeeError.not-started');
      await runner.start();
      await expect(runner.attest(new Uint8Array(63))).rejects.toThrow(RangeError);
      await runner.stop();
    });
  });
});

describe('the same verifier checks simulated evidence', () => {
  it('in-process runner with a simulated Milan chip: verifySevSnpEvidence accepts it, and refuses another REPORT_DATA', async () => {
    const rng = ChaChaRng.fromSeed('tee-sim-evidence');
    const vendor = SimulatedVendor.create(rng.fork('vendor'));
    const chip = vendor.provisionChip(rng.fork('chip'), { bootloader: 4, tee: 0, snp: 22, microcode: 213 });
    const runner = new InProcessRunner({ attester: (reportData) => ({ provider: 'simulated', report: chip.signReport({ reportData }), certificates: [chip.certDer, vendor.askDer] }) });
    await runner.start();
    const reportData = fromHex('ab'.repeat(64));
    const evidence = await runner.attest(reportData);
    const verified = verifySevSnpEvidence(evidence, reportData, { atMs: AT_MS, chain: vendor.trustStore(), policy: BASELINE_POLICY });
    expect(verified.signer.kind).toBe('vcek');
    expect(() => verifySevSnpEvidence(evidence, new Uint8Array(64), { atMs: AT_MS, chain: vendor.trustStore() })).toThrow(expect.objectContaining({ code: 'binding' }));
    await runner.stop();
  });
});
