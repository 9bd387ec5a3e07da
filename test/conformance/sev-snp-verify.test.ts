/**
 * Verification of the real SEV-SNP evidence of sev-snp/expected.json and MANIFEST.md: each entry
 * gives its documented result, including the repositories' own negative cases.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../protocol/bytes.js';
import { AttestationError } from '../../protocol/errors.js';
import { parseAmdCertificate } from '../../protocol/attestation/amd-cert.js';
import { AMD_ARK_SPKI_SHA256, TrustStore } from '../../protocol/attestation/chain.js';
import { parseSevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { BASELINE_POLICY, SevSnpVerifier, verifySevSnpReport, type VerifySevSnpInput } from '../../protocol/attestation/verifier.js';
import { describeVectors, readVector } from '../helpers/vectors.js';

/** Inside every VCEK window of the vectors (dstack's starts 2026-06-17, go-sev-guest's ends 2029-09-24). */
const AT_MS = Date.UTC(2026, 6, 1);
/** Inside the VLEK window 2024-12-10T22:14:21Z..2025-12-10T22:14:21Z. */
const VLEK_AT_MS = Date.UTC(2025, 5, 1);
/** The day the vectors were frozen: the VLEK has expired. */
const AFTER_VLEK_MS = Date.UTC(2026, 10, 25);

const bytes = (p: string): Uint8Array => readVector('sev-snp', ...p.split('/'));
const text = (p: string): string => Buffer.from(bytes(p)).toString('utf8');
const report = (p: string): Uint8Array => (p.endsWith('.hex') ? fromHex(text(p)) : bytes(p));

/** The AttestationError code of a verification, or 'valid'. */
function outcome(reportBytes: Uint8Array, input: VerifySevSnpInput): string {
  try {
    verifySevSnpReport(reportBytes, input);
    return 'valid';
  } catch (e) {
    if (e instanceof AttestationError) return e.code;
    throw e;
  }
}

function flip(b: Uint8Array, index: number, mask: number): Uint8Array {
  const out = b.slice();
  out[index]! ^= mask;
  return out;
}

describeVectors('SEV-SNP verification of real evidence (sev-snp/expected.json)', () => {
  const chains = {
    milan: text('go-sev-guest/ask_ark_milan.pem'),
    milanAsvk: text('trustee/milan_ask_ark_asvk.pem'),
    genoa: text('go-sev-guest/ask_ark_genoa.pem'),
    turin: text('go-sev-guest/ask_ark_turin_vcek.pem'),
  };

  describe('valid evidence', () => {
    const valid: [string, string, string][] = [
      ['go-sev-guest/attestation.bin', 'go-sev-guest/vcek-milan.der', chains.milan],
      ['openpcc/azure-snp-report-genoa.bin', 'openpcc/vcek-genoa.pem', chains.genoa],
      ['trustee/test-report-milan.bin', 'trustee/test-vcek-milan.der', chains.milanAsvk],
      ['trustee/test-report-milan.bin', 'trustee/test-vcek-milan.der', chains.milan],
      ['virtee/report_milan.hex', 'virtee/vcek_milan.der', chains.milan],
      ['virtee/report_milan.hex', 'virtee/vcek_milan.der', chains.milanAsvk],
      ['dstack/sev_snp_report_milan_2026-06-17.bin', 'dstack/sev_snp_vcek.pem', chains.milan],
    ];
    for (const [file, vcek, chain] of valid) {
      it(`${file} with ${vcek} is valid`, () => {
        const result = verifySevSnpReport(report(file), { chain, vcek: bytes(vcek), atMs: AT_MS });
        expect(result.report.version).toBeGreaterThanOrEqual(2);
        expect(result.tcb).toEqual(parseAmdCertificate(bytes(vcek)).amd.tcb);
      });
    }

    it('go-sev-guest: its TCB is 0x0200000000000544 = bl 2, tee 0, snp 5, ucode 68', () => {
      const r = verifySevSnpReport(report('go-sev-guest/attestation.bin'), { chain: chains.milan, vcek: bytes('go-sev-guest/vcek-milan.der'), atMs: AT_MS });
      expect(r.tcb).toEqual({ bootloader: 2, tee: 0, snp: 5, microcode: 68 });
    });
  });

  describe('VLEK (trustee)', () => {
    const vlekReport = report('trustee/test-vlek-report-milan.bin');
    const vlek = bytes('trustee/test-vlek-milan.der');

    it('is valid inside its validity window', () => {
      expect(outcome(vlekReport, { chain: chains.milanAsvk, vlek, atMs: VLEK_AT_MS })).toBe('valid');
    });
    it('is expired after 2025-12-10 (e.g. 2026-11-25), not yet valid before 2024-12-10T22:14:21Z', () => {
      expect(outcome(vlekReport, { chain: chains.milanAsvk, vlek, atMs: AFTER_VLEK_MS })).toBe('expired');
      expect(outcome(vlekReport, { chain: chains.milanAsvk, vlek, atMs: Date.UTC(2024, 11, 10, 22, 14, 20) })).toBe('not-yet-valid');
      expect(outcome(vlekReport, { chain: chains.milanAsvk, vlek, atMs: Date.UTC(2024, 11, 10, 22, 14, 21) })).toBe('valid');
      expect(outcome(vlekReport, { chain: chains.milanAsvk, vlek, atMs: Date.UTC(2025, 11, 10, 22, 14, 21) })).toBe('valid');
    });
    it('fails as chain when checked against a chain without the ASVK', () => {
      expect(outcome(vlekReport, { chain: chains.milan, vlek, atMs: VLEK_AT_MS })).toBe('chain');
    });
    it('fails as chain when the ASK stands where the ASVK belongs', () => {
      const full = TrustStore.fromPem(chains.milanAsvk);
      const swapped = TrustStore.fromRoles({ ark: full.ark!, ask: full.ask!, asvk: full.ask! });
      expect(outcome(vlekReport, { chain: swapped, vlek, atMs: VLEK_AT_MS })).toBe('chain');
    });
    it('fails as chain when given as a VCEK (SIGNING_KEY says VLEK)', () => {
      expect(outcome(vlekReport, { chain: chains.milanAsvk, vcek: vlek, atMs: VLEK_AT_MS })).toBe('chain');
    });
  });

  describe('non-AMD VCEKs (trustee test-vcek-invalid-*)', () => {
    for (const file of ['trustee/test-vcek-invalid-legacy.der', 'trustee/test-vcek-invalid-new.der']) {
      it(`${file} is rejected as chain under both Milan chains`, () => {
        for (const chain of [chains.milan, chains.milanAsvk]) {
          expect(outcome(report('trustee/test-report-milan.bin'), { chain, vcek: bytes(file), atMs: AT_MS })).toBe('chain');
          const endorsed = TrustStore.fromPem(chain).endorse(bytes(file), 'vcek');
          expect(endorsed.chainProblem).toMatch(/not signed/);
        }
      });
    }
  });

  describe('GCE v4 report (no VCEK shipped)', () => {
    it('parses, and no VCEK at hand verifies it', () => {
      const gce = report('openpcc/gce-snp-report-v4-no-vcek.bin');
      expect(parseSevSnpReport(gce).version).toBe(4);
      // Another Milan chip's VCEK chains fine but cannot verify this chip's signature.
      expect(outcome(gce, { chain: chains.milan, vcek: bytes('virtee/vcek_milan.der'), atMs: AT_MS, skip: { tcb: true } })).toBe('signature');
    });
  });

  describe('Turin VCEK (virtee)', () => {
    it('chains to ARK-Turin through SEV-Turin', () => {
      const endorsed = TrustStore.fromPem(chains.turin).endorse(bytes('virtee/vcek_turin.der'), 'vcek');
      expect(endorsed.chainProblem).toBeUndefined();
      expect(endorsed.path.map((c) => c.subjectCn)).toEqual(['SEV-VCEK', 'SEV-Turin', 'ARK-Turin']);
    });
    it('does not chain under the Milan or Genoa roots', () => {
      for (const chain of [chains.milan, chains.genoa]) {
        expect(TrustStore.fromPem(chain).endorse(bytes('virtee/vcek_turin.der'), 'vcek').chainProblem).toBeDefined();
      }
    });
  });

  describe('repository negative cases', () => {
    const trustee = report('trustee/test-report-milan.bin');
    const trusteeInput = { chain: chains.milanAsvk, vcek: bytes('trustee/test-vcek-milan.der'), atMs: AT_MS };

    it('trustee: flip byte 42 → signature', () => {
      expect(outcome(flip(trustee, 42, 0x01), trusteeInput)).toBe('signature');
    });
    it('trustee: bump byte 384 (REPORTED_TCB.bootloader) → signature, and vcek-tcb when the TCB is checked alone', () => {
      const bumped = trustee.slice();
      bumped[384]! += 1;
      expect(outcome(bumped, trusteeInput)).toBe('signature');
      // trustee's verify_report_tcb checks the TCB without the signature: so do we, by skipping it.
      expect(outcome(bumped, { ...trusteeInput, skip: { signature: true } })).toBe('vcek-tcb');
    });
    it('virtee: xor 0x80 into byte 21 of the report → signature', () => {
      const input = { chain: chains.milan, vcek: bytes('virtee/vcek_milan.der'), atMs: AT_MS };
      expect(outcome(flip(report('virtee/report_milan.hex'), 21, 0x80), input)).toBe('signature');
    });
    it('virtee: xor 0xff into byte 40 of the VCEK DER → chain', () => {
      const vcek = flip(bytes('virtee/vcek_milan.der'), 40, 0xff);
      expect(outcome(report('virtee/report_milan.hex'), { chain: chains.milan, vcek, atMs: AT_MS })).toBe('chain');
    });
  });

  describe('policy, TCB minimum and roots on real reports', () => {
    it('go-sev-guest has POLICY 0xb0000 (DEBUG allowed): the baseline client policy rejects it', () => {
      const input = { chain: chains.milan, vcek: bytes('go-sev-guest/vcek-milan.der'), atMs: AT_MS };
      expect(outcome(report('go-sev-guest/attestation.bin'), { ...input, policy: BASELINE_POLICY })).toBe('debug');
      expect(outcome(report('go-sev-guest/attestation.bin'), { ...input, policy: { ...BASELINE_POLICY, allowDebug: true } })).toBe('valid');
      expect(outcome(report('virtee/report_milan.hex'), { ...input, vcek: bytes('virtee/vcek_milan.der'), policy: BASELINE_POLICY })).toBe('valid');
    });
    it('dstack is OutOfDate: a minimum of snp 0x18 rejects it as tcb', () => {
      const input = { chain: chains.milan, vcek: bytes('dstack/sev_snp_vcek.pem'), atMs: AT_MS };
      const dstack = report('dstack/sev_snp_report_milan_2026-06-17.bin');
      expect(outcome(dstack, { ...input, policy: { minTcb: { bootloader: 4, tee: 0, snp: 0x18, microcode: 0xd5 } } })).toBe('tcb');
      expect(outcome(dstack, { ...input, policy: { minTcb: { bootloader: 4, tee: 0, snp: 0x17, microcode: 0xd5 } } })).toBe('valid');
    });
    it('dstack is not valid before its VCEK was issued (2026-06-17): not-yet-valid, not expired', () => {
      const input = { chain: chains.milan, vcek: bytes('dstack/sev_snp_vcek.pem'), atMs: Date.UTC(2026, 5, 1) };
      expect(outcome(report('dstack/sev_snp_report_milan_2026-06-17.bin'), input)).toBe('not-yet-valid');
    });
    it('a Milan VCEK under the Genoa chain → chain', () => {
      expect(outcome(report('go-sev-guest/attestation.bin'), { chain: chains.genoa, vcek: bytes('go-sev-guest/vcek-milan.der'), atMs: AT_MS })).toBe('chain');
    });
    it('a genuine chain whose root is not pinned → chain', () => {
      const input = { chain: chains.milan, vcek: bytes('go-sev-guest/vcek-milan.der'), atMs: AT_MS, trust: { pinnedRootSpkiSha256: [AMD_ARK_SPKI_SHA256.Genoa] } };
      expect(outcome(report('go-sev-guest/attestation.bin'), input)).toBe('chain');
    });
    it('a chain without its ARK → chain', () => {
      const full = TrustStore.fromPem(chains.milan);
      const noRoot = TrustStore.fromCertificates([full.ask!]);
      expect(outcome(report('go-sev-guest/attestation.bin'), { chain: noRoot, vcek: bytes('go-sev-guest/vcek-milan.der'), atMs: AT_MS })).toBe('chain');
    });
    it('one verifier checks several reports of the same chip from its cached key', () => {
      const store = TrustStore.fromPem(chains.milan);
      const verifier = SevSnpVerifier.forSigner(store, bytes('trustee/test-vcek-milan.der'), 'vcek');
      expect(store.endorse(bytes('trustee/test-vcek-milan.der'), 'vcek')).toBe(verifier.signer);
      const good = report('trustee/test-report-milan.bin');
      for (let i = 0; i < 5; i++) expect(verifier.verify(good, { atMs: AT_MS }).report.guestSvn).toBe(4);
    });
  });
});
