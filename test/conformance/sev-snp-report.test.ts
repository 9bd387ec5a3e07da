/**
 * SEV-SNP ABI Table 22 parsing against real reports (go-sev-guest, openpcc Azure/GCE, trustee,
 * virtee, dstack): every field of every entry of sev-snp/expected.json, plus the VCEK/VLEK
 * certificate extensions the manifest documents.
 */
import { expect, it } from 'vitest';
import { fromHex, toHex, equalBytes } from '../../protocol/bytes.js';
import { parseAmdCertificate } from '../../protocol/attestation/amd-cert.js';
import { parseSevSnpReport, type SevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { describeVectors, readVector, readVectorJson } from '../helpers/vectors.js';

interface Entry {
  fields?: Record<string, string | number>;
  format?: string;
}

function loadReport(file: string): Uint8Array {
  const raw = readVector('sev-snp', ...file.split('/'));
  return file.endsWith('.hex') ? fromHex(Buffer.from(raw).toString('latin1')) : raw;
}

/** The report in expected.json's vocabulary (hex of raw bytes; TCBs as their 8 raw bytes). */
function asExpected(r: SevSnpReport): Record<string, string | number> {
  const out: Record<string, string | number> = {
    version: r.version,
    guest_svn: r.guestSvn,
    policy: `0x${r.policy.toString(16)}`,
    family_id: toHex(r.familyId),
    image_id: toHex(r.imageId),
    vmpl: r.vmpl,
    sig_algo: r.signatureAlgo,
    current_tcb: toHex(r.currentTcb.raw),
    platform_info: `0x${r.platformInfo.toString(16)}`,
    flags_0x48: `0x${r.flags.toString(16)}`,
    report_data: toHex(r.reportData),
    measurement: toHex(r.measurement),
    host_data: toHex(r.hostData),
    id_key_digest: toHex(r.idKeyDigest),
    author_key_digest: toHex(r.authorKeyDigest),
    report_id: toHex(r.reportId),
    report_id_ma: toHex(r.reportIdMa),
    reported_tcb: toHex(r.reportedTcb.raw),
    chip_id: toHex(r.chipId),
    committed_tcb: toHex(r.committedTcb.raw),
    launch_tcb: toHex(r.launchTcb.raw),
  };
  if (r.cpuidFamId !== undefined) out.cpuid_fam_mod_step = toHex(Uint8Array.of(r.cpuidFamId, r.cpuidModId!, r.cpuidStep!));
  return out;
}

describeVectors('SEV-SNP ATTESTATION_REPORT parsing (SEV-SNP ABI Table 22)', () => {
  const expected = readVectorJson<Record<string, Entry>>('sev-snp', 'expected.json');
  const reports = Object.entries(expected).filter(([, e]) => e.fields !== undefined);

  it('expected.json lists the seven reports of the manifest', () => {
    expect(reports.map(([f]) => f).sort()).toEqual([
      'dstack/sev_snp_report_milan_2026-06-17.bin',
      'go-sev-guest/attestation.bin',
      'openpcc/azure-snp-report-genoa.bin',
      'openpcc/gce-snp-report-v4-no-vcek.bin',
      'trustee/test-report-milan.bin',
      'trustee/test-vlek-report-milan.bin',
      'virtee/report_milan.hex',
    ]);
  });

  for (const [file, entry] of reports) {
    it(`${file}: every field equals expected.json`, () => {
      const r = parseSevSnpReport(loadReport(file));
      expect(asExpected(r)).toEqual(entry.fields);
    });
  }

  it('decodes TCB_VERSION components (Milan/Genoa layout) as the manifest states', () => {
    const tcb = (f: string) => parseSevSnpReport(loadReport(f)).reportedTcb;
    expect(tcb('go-sev-guest/attestation.bin')).toMatchObject({ layout: 'milan', bootloader: 2, tee: 0, snp: 5, microcode: 68 });
    expect(tcb('trustee/test-report-milan.bin')).toMatchObject({ bootloader: 3, tee: 0, snp: 8, microcode: 0x73 });
    expect(tcb('trustee/test-vlek-report-milan.bin')).toMatchObject({ bootloader: 4, tee: 0, snp: 0x18, microcode: 0xd9 });
    expect(tcb('dstack/sev_snp_report_milan_2026-06-17.bin')).toMatchObject({ bootloader: 4, tee: 0, snp: 0x17, microcode: 0xd5 });
    expect(tcb('openpcc/azure-snp-report-genoa.bin')).toMatchObject({ bootloader: 0x0a, tee: 0, snp: 0x17, microcode: 0x54 });
    expect(tcb('go-sev-guest/attestation.bin').fmc).toBeUndefined();
  });

  it('decodes the 0x48 flags: SIGNING_KEY, MASK_CHIP_KEY, AUTHOR_KEY_EN', () => {
    const vlek = parseSevSnpReport(loadReport('trustee/test-vlek-report-milan.bin'));
    expect([vlek.signingKey, vlek.maskChipKey, vlek.authorKeyEn, vlek.vmpl]).toEqual(['vlek', false, false, 1]);
    expect(vlek.chipId.every((b) => b === 0)).toBe(true);
    const vcek = parseSevSnpReport(loadReport('go-sev-guest/attestation.bin'));
    expect([vcek.signingKey, vcek.maskChipKey, vcek.authorKeyEn]).toEqual(['vcek', false, false]);
  });

  it('v2 reports have no CPUID fields, v3/v4 do, none has v5 mitigation vectors', () => {
    const v2 = parseSevSnpReport(loadReport('go-sev-guest/attestation.bin'));
    expect([v2.cpuidFamId, v2.cpuidModId, v2.cpuidStep, v2.launchMitVector]).toEqual([undefined, undefined, undefined, undefined]);
    const v4 = parseSevSnpReport(loadReport('openpcc/gce-snp-report-v4-no-vcek.bin'));
    expect([v4.version, v4.cpuidFamId, v4.cpuidModId, v4.cpuidStep, v4.tcbLayout]).toEqual([4, 0x19, 0x01, 0x01, 'milan']);
    expect(v4.currentMitVector).toBeUndefined();
  });

  it('the Azure report is bytes [32:1216] of the HCL report', () => {
    const hcl = readVector('sev-snp', 'openpcc', 'azure-hcl-report-genoa.bin');
    expect(equalBytes(hcl.subarray(32, 1216), loadReport('openpcc/azure-snp-report-genoa.bin'))).toBe(true);
  });

  it('the signature fields hold little-endian r and s with zero upper bytes', () => {
    const r = parseSevSnpReport(loadReport('go-sev-guest/attestation.bin'));
    expect(r.signatureR.length).toBe(72);
    expect(r.signatureR.subarray(48).every((b) => b === 0)).toBe(true);
    expect(r.signatureS.subarray(48).every((b) => b === 0)).toBe(true);
    expect(r.signatureR.subarray(0, 48).some((b) => b !== 0)).toBe(true);
  });
});

describeVectors('AMD VCEK/VLEK certificate extensions (KDS spec Table 8)', () => {
  const cert = (...p: string[]) => parseAmdCertificate(readVector('sev-snp', ...p));

  it('Milan VCEK: SPLs equal REPORTED_TCB, hwid equals CHIP_ID, product Milan-B0', () => {
    const c = cert('go-sev-guest', 'vcek-milan.der');
    expect(c.amd.tcb).toEqual({ bootloader: 2, tee: 0, snp: 5, microcode: 68 });
    expect(c.amd.productName).toBe('Milan-B0');
    expect(toHex(c.amd.hwid!)).toBe(toHex(parseSevSnpReport(loadReport('go-sev-guest/attestation.bin')).chipId));
    expect([c.subjectCn, c.issuerCn, c.serialNumber]).toEqual(['SEV-VCEK', 'SEV-Milan', 0n]);
    expect([c.notBeforeMs, c.notAfterMs]).toEqual([Date.UTC(2022, 8, 24, 0, 55, 28), Date.UTC(2029, 8, 24, 0, 55, 28)]);
  });

  it('PEM VCEKs (Genoa, dstack) parse with their SPLs', () => {
    expect(cert('openpcc', 'vcek-genoa.pem').amd.tcb).toEqual({ bootloader: 10, tee: 0, snp: 0x17, microcode: 0x54 });
    expect(cert('dstack', 'sev_snp_vcek.pem').amd.tcb).toEqual({ bootloader: 4, tee: 0, snp: 0x17, microcode: 0xd5 });
  });

  it('VLEK: SPLs, no hwid, CSP id, issued by SEV-VLEK-Milan', () => {
    const c = cert('trustee', 'test-vlek-milan.der');
    expect(c.amd.tcb).toEqual({ bootloader: 4, tee: 0, snp: 0x18, microcode: 0xd9 });
    expect(c.amd.hwid).toBeUndefined();
    expect(c.amd.cspId).toBe('CN=cc-us-east-2.amazonaws.com');
    expect([c.subjectCn, c.issuerCn]).toEqual(['SEV-VLEK', 'SEV-VLEK-Milan']);
    expect([c.notBeforeMs, c.notAfterMs]).toEqual([Date.UTC(2024, 11, 10, 22, 14, 21), Date.UTC(2025, 11, 10, 22, 14, 21)]);
  });

  it('Turin VCEK: 8-byte hwid and an fmcSPL extension', () => {
    const c = cert('virtee', 'vcek_turin.der');
    expect(toHex(c.amd.hwid!)).toBe('1e550a8ee5cf9f4d');
    expect(c.amd.tcb).toEqual({ fmc: 0, bootloader: 0, tee: 0, snp: 0, microcode: 9 });
    expect([c.amd.productName, c.amd.structVersion]).toEqual(['Turin', 1]);
  });

  it('the invalid trustee VCEKs parse: legacy raw hwid and the new OCTET STRING-wrapped hwid', () => {
    const sequence = toHex(Uint8Array.from({ length: 64 }, (_, i) => i));
    const legacy = cert('trustee', 'test-vcek-invalid-legacy.der');
    const fresh = cert('trustee', 'test-vcek-invalid-new.der');
    expect(toHex(legacy.amd.hwid!)).toBe(sequence);
    expect(toHex(fresh.amd.hwid!)).toBe(sequence);
    expect(legacy.amd.tcb).toEqual({ bootloader: 3, tee: 0, snp: 10, microcode: 0xa9 });
    expect(fresh.amd.tcb).toEqual({ bootloader: 0, tee: 0, snp: 0, microcode: 0x1e });
  });
});
