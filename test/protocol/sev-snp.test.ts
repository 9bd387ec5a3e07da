/**
 * Negative and unit tests of SEV-SNP evidence: every field of a real report tampered, every
 * truncation length, wrong keys, wrong chains, expired certificates, each policy check reached,
 * the simulated vendor (real certificates and signatures from a seed), the DER reader/writer,
 * and fast-check totality of both parsers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../protocol/bytes.js';
import { AttestationError, CertificateError } from '../../protocol/errors.js';
import { parseCertificateDer } from '../../protocol/attestation/amd-cert.js';
import { TrustStore } from '../../protocol/attestation/chain.js';
import { parseCrl } from '../../protocol/attestation/crl.js';
import {
  DER_MAX_DEPTH,
  DerError,
  DerReader,
  TAG,
  derEncode,
  derInteger,
  derOid,
  derReadBitString,
  derReadInteger,
  derReadOid,
  derReadString,
  derReadTime,
  derSequence,
  derTime,
  isoFromMs,
  parseDer,
  type DerNode,
} from '../../protocol/attestation/der.js';
import { FIELD, INT_FIELD, REPORT_BYTES, SIGNED_BYTES, parseSevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { buildReport, signReportBody, SimulatedVendor } from '../../protocol/attestation/sim-vendor.js';
import { SevSnpVerifier, type SevSnpCheck, type SevSnpVerifyOptions } from '../../protocol/attestation/verifier.js';
import { issueCertificate, p384KeyFromRng, x509Name } from '../../protocol/attestation/x509-issue.js';
import { ChaChaRng } from '../../sim/rng.js';
import { describeVectors, readVector } from '../helpers/vectors.js';
import { errorCodeOf } from '../helpers/error-code.js';

const AT_MS = Date.UTC(2026, 6, 1);
const TCB = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };

/** The AttestationError code of `fn`, or 'valid'. Anything else fails the test. */
const codeOf = (fn: () => unknown): string => errorCodeOf(AttestationError, fn);

function flip(b: Uint8Array, index: number, mask: number): Uint8Array {
  const out = b.slice();
  out[index]! ^= mask;
  return out;
}

/** What flipping `mask` at `offset` of a valid VCEK-signed v2..v5 report must give (SEV-SNP ABI Table 22). */
function expectedFlipCode(original: Uint8Array, offset: number, mask: number): string {
  const [vOff, vLen] = INT_FIELD.VERSION;
  if (offset >= vOff && offset < vOff + vLen) {
    const version = new DataView(flip(original, offset, mask).buffer).getUint32(0, true);
    return version >= 2 && version <= 5 ? 'signature' : 'parse';
  }
  const [aOff, aLen] = INT_FIELD.SIGNATURE_ALGO;
  if (offset >= aOff && offset < aOff + aLen) return 'parse';
  if (offset === INT_FIELD.FLAGS[0]) {
    const signingKey = ((original[offset]! ^ mask) >> 2) & 7;
    return signingKey === 0 ? 'signature' : signingKey === 1 || signingKey === 7 ? 'chain' : 'parse';
  }
  return 'signature';
}

// ---------------------------------------------------------------------------------------------
// The simulated world used by most tests (no vectors needed).

const root = ChaChaRng.fromSeed(20240601);
const vendor = SimulatedVendor.create(root.fork('vendor'), { product: 'Milan' });
const chipA = vendor.provisionChip(root.fork('chip-a'), TCB);
const chipB = vendor.provisionChip(root.fork('chip-b'), TCB);
const verifierA = SevSnpVerifier.forSigner(vendor.trustStore(), chipA.certDer, 'vcek');
const simReport = chipA.signReport({ reportData: new Uint8Array(64).fill(0xab), measurement: new Uint8Array(48).fill(0x11) });
const simVerify = (report: Uint8Array, options: Partial<SevSnpVerifyOptions> = {}): string =>
  codeOf(() => verifierA.verify(report, { atMs: AT_MS, ...options }));

describe('simulated vendor', () => {
  it('issues a chain and reports that the one verifier accepts', () => {
    expect(simVerify(simReport)).toBe('valid');
    const r = parseSevSnpReport(simReport);
    expect([r.version, r.signingKey, r.cpuidFamId, r.cpuidModId]).toEqual([3, 'vcek', 0x19, 0x01]);
    expect(r.chipId).toEqual(chipA.chipId);
    expect(r.reportedTcb).toMatchObject(TCB);
  });

  it('is deterministic: same seed, same certificates; same fields, same signed bytes (RFC 6979)', () => {
    const again = SimulatedVendor.create(ChaChaRng.fromSeed(20240601).fork('vendor'), { product: 'Milan' });
    expect(again.arkDer).toEqual(vendor.arkDer);
    const chipAgain = again.provisionChip(ChaChaRng.fromSeed(20240601).fork('chip-a'), TCB);
    expect(chipAgain.certDer).toEqual(chipA.certDer);
    expect(chipAgain.signReport({ reportData: new Uint8Array(64).fill(0xab), measurement: new Uint8Array(48).fill(0x11) })).toEqual(simReport);
    const otherSeed = SimulatedVendor.create(ChaChaRng.fromSeed(1).fork('vendor'));
    expect(otherSeed.arkDer).not.toEqual(vendor.arkDer);
  });

  it('certificates carry the AMD extensions and parse with our DER reader', () => {
    const c = parseCertificateDer(chipA.certDer);
    expect([c.subjectCn, c.issuerCn, c.amd.productName]).toEqual(['SEV-VCEK', 'SEV-Milan', 'Milan-B0']);
    expect(c.amd.tcb).toEqual(TCB);
    expect(c.amd.hwid).toEqual(chipA.chipId);
    expect(TrustStore.fromPem(vendor.chainPem(), { pinnedRootSpkiSha256: [vendor.rootPin] }).endorse(chipA.certDer, 'vcek').chainProblem).toBeUndefined();
  });

  it('Turin: FMC TCB layout, 8-byte hwid, valid; an FMC mismatch is vcek-tcb', () => {
    const turin = SimulatedVendor.create(root.fork('turin-vendor'), { product: 'Turin' });
    const chip = turin.provisionChip(root.fork('turin-chip'), { ...TCB, fmc: 2 });
    const v = SevSnpVerifier.forSigner(turin.trustStore(), chip.certDer, 'vcek');
    const report = chip.signReport();
    expect(parseSevSnpReport(report).reportedTcb).toMatchObject({ layout: 'turin', fmc: 2, snp: 8 });
    expect(parseCertificateDer(chip.certDer).amd.hwid!.length).toBe(8);
    expect(codeOf(() => v.verify(report, { atMs: AT_MS }))).toBe('valid');
    const wrongFmc = chip.signReport({ reportedTcb: { ...TCB, fmc: 3 } });
    expect(codeOf(() => v.verify(wrongFmc, { atMs: AT_MS }))).toBe('vcek-tcb');
  });

  it('VLEK: valid under the ASVK, chain under the ASK, chip id hidden', () => {
    const vlek = vendor.provisionVlek(root.fork('vlek'), TCB);
    const report = vlek.signReport({ vmpl: 1 });
    expect(parseSevSnpReport(report).chipId.every((b) => b === 0)).toBe(true);
    expect(codeOf(() => SevSnpVerifier.forSigner(vendor.trustStore(), vlek.certDer, 'vlek').verify(report, { atMs: AT_MS }))).toBe('valid');
    const store = vendor.trustStore();
    const swapped = TrustStore.fromRoles({ ark: store.ark!, asvk: store.ask! }, { pinnedRootSpkiSha256: [vendor.rootPin] });
    expect(codeOf(() => SevSnpVerifier.forSigner(swapped, vlek.certDer, 'vlek').verify(report, { atMs: AT_MS }))).toBe('chain');
  });

  it('report versions 2 and 5 sign and verify; v5 carries the mitigation vectors', () => {
    expect(simVerify(chipA.signReport({ version: 2 }))).toBe('valid');
    const v5 = chipA.signReport({ version: 5, launchMitVector: 5n, currentMitVector: 7n });
    expect(simVerify(v5)).toBe('valid');
    expect([parseSevSnpReport(v5).launchMitVector, parseSevSnpReport(v5).currentMitVector]).toEqual([5n, 7n]);
  });
});

describe('SEV-SNP verifier: wrong keys, chains and times (simulated evidence)', () => {
  it("another chip's VCEK → signature", () => {
    const wrong = SevSnpVerifier.forSigner(vendor.trustStore(), chipB.certDer, 'vcek');
    expect(codeOf(() => wrong.verify(simReport, { atMs: AT_MS }))).toBe('signature');
  });

  it('a report signed by a key that is not the VCEK → signature', () => {
    const rogue = p384KeyFromRng(root.fork('rogue'));
    const forged = signReportBody(buildReport({ chipId: chipA.chipId, currentTcb: TCB }), rogue.privateKey);
    expect(simVerify(forged)).toBe('signature');
    expect(simVerify(signReportBody(forged, chipA.privateKey))).toBe('valid');
  });

  it('the signature is checked over the body: a zero or out-of-range r/s → signature', () => {
    const zeroed = simReport.slice();
    zeroed.fill(0, FIELD.SIGNATURE_R[0], FIELD.SIGNATURE_R[0] + 72);
    expect(simVerify(zeroed)).toBe('signature');
    expect(simVerify(flip(simReport, FIELD.SIGNATURE_S[0] + 60, 0x01))).toBe('signature');
  });

  it('a VCEK issued by a rogue key under the vendor ASK name → chain', () => {
    const rogue = p384KeyFromRng(root.fork('rogue-ask'));
    const leafKey = p384KeyFromRng(root.fork('rogue-leaf'));
    const forgedVcek = issueCertificate({
      issuer: x509Name('SEV-Milan'),
      subject: x509Name('SEV-VCEK'),
      serial: 7n,
      notBeforeMs: Date.UTC(2020, 0, 1),
      notAfterMs: Date.UTC(2040, 0, 1),
      subjectPublicKey: leafKey.publicKey,
      issuerPrivateKey: rogue.privateKey,
    });
    const report = signReportBody(buildReport({ chipId: chipA.chipId }), leafKey.privateKey);
    const v = SevSnpVerifier.forSigner(vendor.trustStore(), forgedVcek, 'vcek');
    expect(codeOf(() => v.verify(report, { atMs: AT_MS }))).toBe('chain');
    // The ablation: without the chain check the forgery passes (what an adversary would exploit).
    expect(codeOf(() => v.verify(report, { atMs: AT_MS, skip: { chain: true, tcb: true } }))).toBe('valid');
  });

  it("another vendor's chip, or simulated evidence under AMD's pins → chain", () => {
    const other = SimulatedVendor.create(root.fork('other-vendor'));
    const chip = other.provisionChip(root.fork('other-chip'), TCB);
    expect(codeOf(() => SevSnpVerifier.forSigner(vendor.trustStore(), chip.certDer, 'vcek').verify(chip.signReport(), { atMs: AT_MS }))).toBe('chain');
    const amdPinned = TrustStore.fromPem(vendor.chainPem());
    expect(amdPinned.rootProblem).toMatch(/not a pinned root/);
    expect(codeOf(() => SevSnpVerifier.forSigner(amdPinned, chipA.certDer, 'vcek').verify(simReport, { atMs: AT_MS }))).toBe('chain');
  });

  it('outside the VCEK validity → not-yet-valid before, expired after, inside → valid', () => {
    const chip = vendor.provisionChip(root.fork('short-lived'), TCB, { validFromMs: Date.UTC(2024, 0, 1), validToMs: Date.UTC(2025, 0, 1) });
    const v = SevSnpVerifier.forSigner(vendor.trustStore(), chip.certDer, 'vcek');
    const report = chip.signReport();
    expect(codeOf(() => v.verify(report, { atMs: Date.UTC(2025, 0, 1, 0, 0, 1) }))).toBe('expired');
    expect(codeOf(() => v.verify(report, { atMs: Date.UTC(2023, 11, 31) }))).toBe('not-yet-valid');
    expect(codeOf(() => v.verify(report, { atMs: Date.UTC(2024, 0, 1) }))).toBe('valid');
    expect(codeOf(() => v.verify(report, { atMs: Date.UTC(2025, 0, 1) }))).toBe('valid');
    expect(codeOf(() => v.verify(report, { atMs: Date.UTC(2024, 6, 1) }))).toBe('valid');
    expect(() => v.verify(report, { atMs: Number.NaN })).toThrow(TypeError);
  });

  it('a root that expired makes every report expired', () => {
    const old = SimulatedVendor.create(root.fork('old-vendor'), { validFromMs: Date.UTC(2010, 0, 1), validToMs: Date.UTC(2020, 0, 1) });
    const chip = old.provisionChip(root.fork('old-chip'), TCB, { validFromMs: Date.UTC(2010, 0, 1), validToMs: Date.UTC(2030, 0, 1) });
    const v = SevSnpVerifier.forSigner(old.trustStore(), chip.certDer, 'vcek');
    expect(codeOf(() => v.verify(chip.signReport(), { atMs: AT_MS }))).toBe('expired');
  });

  it('checks run in order: the first failure is reported', () => {
    const v = SevSnpVerifier.forSigner(vendor.trustStore(), chipB.certDer, 'vcek');
    // wrong key (signature) and debug (policy): signature first.
    const debugReport = chipA.signReport({ policy: 0x30000n | (1n << 19n) });
    expect(codeOf(() => v.verify(debugReport, { atMs: AT_MS, policy: { allowDebug: false } }))).toBe('signature');
    // expired and wrong key: expired first.
    expect(codeOf(() => v.verify(debugReport, { atMs: Date.UTC(2060, 0, 1), policy: { allowDebug: false } }))).toBe('expired');
    // truncated: parse before anything.
    expect(codeOf(() => v.verify(debugReport.subarray(1), { atMs: Date.UTC(2060, 0, 1) }))).toBe('parse');
  });
});

describe('SEV-SNP verifier: tcb, policy, measurement, binding (simulated evidence)', () => {
  it('vcek-tcb: REPORTED_TCB differing from the VCEK → vcek-tcb; the report-only ablation accepts it', () => {
    const claimsNewer = chipA.signReport({ reportedTcb: { ...TCB, snp: 9 } });
    expect(simVerify(claimsNewer)).toBe('vcek-tcb');
    expect(simVerify(claimsNewer, { tcbSource: 'report', policy: { minTcb: { ...TCB, snp: 9 } } })).toBe('valid');
    // The real-world bug: the old VCEK (snp 8) is below the minimum; only tcbSource 'vcek' sees it.
    expect(simVerify(claimsNewer, { tcbSource: 'vcek', policy: { minTcb: { ...TCB, snp: 9 } } })).toBe('vcek-tcb');
    expect(simVerify(claimsNewer, { tcbSource: 'vcek', policy: { minTcb: { ...TCB, snp: 9 } }, skip: { tcb: false } })).toBe('vcek-tcb');
  });

  it('tcb: below the policy minimum in any component → tcb; equal or above → valid', () => {
    for (const c of ['bootloader', 'tee', 'snp', 'microcode'] as const) {
      expect(simVerify(simReport, { policy: { minTcb: { ...TCB, [c]: TCB[c] + 1 } } })).toBe('tcb');
    }
    expect(simVerify(simReport, { policy: { minTcb: TCB } })).toBe('valid');
    expect(simVerify(simReport, { policy: { minTcb: { bootloader: 0, tee: 0, snp: 0, microcode: 0 } } })).toBe('valid');
  });

  it('policy: debug, migration agent, SMT and VMPL each reached, each with its own code', () => {
    const debug = chipA.signReport({ policy: 0x30000n | (1n << 19n) });
    const ma = chipA.signReport({ policy: 0x30000n | (1n << 18n) });
    const vmpl2 = chipA.signReport({ vmpl: 2 });
    expect(simVerify(debug, { policy: { allowDebug: false } })).toBe('debug');
    expect(simVerify(debug, { policy: { allowDebug: true } })).toBe('valid');
    expect(simVerify(ma, { policy: { allowMigrationAgent: false } })).toBe('migrate-ma');
    expect(simVerify(ma, { policy: { allowMigrationAgent: true } })).toBe('valid');
    expect(simVerify(simReport, { policy: { allowSmt: false } })).toBe('smt'); // 0x30000 has bit 16 (SMT) set
    expect(simVerify(chipA.signReport({ policy: 0x20000n }), { policy: { allowSmt: false } })).toBe('valid');
    expect(simVerify(vmpl2, { policy: { vmpl: 0 } })).toBe('vmpl');
    expect(simVerify(vmpl2, { policy: { vmpl: 2 } })).toBe('valid');
  });

  it('measurement: not in the allow-list → measurement; listed → valid', () => {
    expect(simVerify(simReport, { policy: { measurements: [new Uint8Array(48)] } })).toBe('measurement');
    expect(simVerify(simReport, { policy: { measurements: [new Uint8Array(48), new Uint8Array(48).fill(0x11)] } })).toBe('valid');
    expect(() => verifierA.verify(simReport, { atMs: AT_MS, policy: { measurements: [new Uint8Array(47)] } })).toThrow(RangeError);
  });

  it('binding: REPORT_DATA must equal the expected 64 bytes', () => {
    expect(simVerify(simReport, { policy: { reportData: new Uint8Array(64) } })).toBe('binding');
    expect(simVerify(simReport, { policy: { reportData: new Uint8Array(64).fill(0xab) } })).toBe('valid');
  });

  it('CHIP_ID must match the VCEK hwid (hwid) unless MASK_CHIP_KEY, which needs a zero CHIP_ID', () => {
    const otherChipId = chipA.signReport({ chipId: chipB.chipId });
    expect(simVerify(otherChipId)).toBe('hwid');
    expect(simVerify(chipA.signReport({ maskChipKey: true }))).toBe('mask-chip-key');
    expect(simVerify(chipA.signReport({ maskChipKey: true, chipId: chipB.chipId }))).toBe('mask-chip-key');
    expect(simVerify(otherChipId, { skip: { chipId: true } })).toBe('valid');
    expect(simVerify(chipA.signReport({ maskChipKey: true, chipId: new Uint8Array(64) }))).toBe('valid');
  });

  it('policy-reserved: bit 17 clear or any of bits 25–63 set, whatever else the policy allows', () => {
    expect(simVerify(chipA.signReport({ policy: 0x10000n }))).toBe('policy-reserved');
    for (const bit of [25n, 31n, 32n, 63n]) expect(simVerify(chipA.signReport({ policy: 0x30000n | (1n << bit) }), { policy: { allowDebug: true } }), `bit ${bit}`).toBe('policy-reserved');
    expect(simVerify(chipA.signReport({ policy: 0x30000n | (0x1fn << 20n) }))).toBe('valid');
    expect(simVerify(chipA.signReport({ policy: 0x10000n }), { skip: { policy: true } })).toBe('valid');
  });

  it('pins: HOST_DATA, ID_KEY_DIGEST, AUTHOR_KEY_DIGEST, REPORT_DATA each with its own code; wrong pin length is a RangeError', () => {
    const f = { hostData: new Uint8Array(32).fill(1), idKeyDigest: new Uint8Array(48).fill(2), authorKeyDigest: new Uint8Array(48).fill(3), reportData: new Uint8Array(64).fill(4) };
    const r = chipA.signReport(f);
    expect(simVerify(r, { policy: { hostData: f.hostData, idKeyDigest: f.idKeyDigest, authorKeyDigest: f.authorKeyDigest, pinnedReportData: f.reportData } })).toBe('valid');
    expect(simVerify(r, { policy: { hostData: new Uint8Array(32) } })).toBe('host-data');
    expect(simVerify(r, { policy: { idKeyDigest: new Uint8Array(48) } })).toBe('id-key-digest');
    expect(simVerify(r, { policy: { authorKeyDigest: new Uint8Array(48) } })).toBe('author-key-digest');
    expect(simVerify(r, { policy: { pinnedReportData: new Uint8Array(64) } })).toBe('report-data');
    expect(() => verifierA.verify(r, { atMs: AT_MS, policy: { hostData: new Uint8Array(31) } })).toThrow(RangeError);
  });

  it('canonical: S and n − S verify alike and give the same canonical bytes, which are low-S', () => {
    const n = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
    const sOf = (b: Uint8Array): bigint => [...b.subarray(FIELD.SIGNATURE_S[0], FIELD.SIGNATURE_S[0] + 72)].reverse().reduce((a, x) => (a << 8n) | BigInt(x), 0n);
    const high = simReport.slice();
    let s = n - sOf(simReport);
    for (let i = 0; i < 72; i++, s >>= 8n) high[FIELD.SIGNATURE_S[0] + i] = Number(s & 0xffn);
    const a = verifierA.verify(simReport, { atMs: AT_MS });
    const b = verifierA.verify(high, { atMs: AT_MS });
    expect(sOf(simReport) <= n / 2n).toBe(true); // noble signs low-S
    expect(sOf(high) > n / 2n).toBe(true);
    expect(b.canonical).toEqual(a.canonical);
    expect(a.canonical).toEqual(simReport);
    expect(simVerify(flip(simReport, 0x330, 1))).toBe('non-canonical');
  });

  it('every named check can be skipped, and each skip is what lets its failure through', () => {
    const failing: Record<SevSnpCheck, [Uint8Array, Partial<SevSnpVerifyOptions>]> = {
      chain: [simReport, {}],
      expiry: [simReport, { atMs: Date.UTC(2070, 0, 1) }],
      signature: [flip(simReport, 0x90, 1), {}],
      chipId: [chipA.signReport({ chipId: chipB.chipId }), {}],
      tcb: [chipA.signReport({ reportedTcb: { ...TCB, tee: 1 } }), {}],
      policy: [chipA.signReport({ vmpl: 3 }), { policy: { vmpl: 0 } }],
      measurement: [simReport, { policy: { measurements: [new Uint8Array(48)] } }],
      binding: [simReport, { policy: { reportData: new Uint8Array(64) } }],
      revocation: [simReport, { crls: [parseCrl(vendor.issueCrl([chipA.serial]))] }],
    };
    const chainless = SevSnpVerifier.forSigner(TrustStore.fromPem(vendor.chainPem()), chipA.certDer, 'vcek');
    for (const [check, [report, options]] of Object.entries(failing) as [SevSnpCheck, [Uint8Array, Partial<SevSnpVerifyOptions>]][]) {
      const v = check === 'chain' ? chainless : verifierA;
      const code = codeOf(() => v.verify(report, { atMs: AT_MS, ...options }));
      const want = { expiry: 'expired', chipId: 'hwid', tcb: 'vcek-tcb', policy: 'vmpl', revocation: 'revoked' } as Record<string, string>;
      expect(code, check).toBe(want[check] ?? check);
      expect(codeOf(() => v.verify(report, { atMs: AT_MS, ...options, skip: { [check]: true } })), check).toBe('valid');
    }
  });
});

describe('SEV-SNP report parser: malformed input', () => {
  it('every length but 0x4A0 → parse (all shorter lengths and 200 longer ones)', () => {
    const lengths = [...Array.from({ length: REPORT_BYTES }, (_, i) => i), ...Array.from({ length: 200 }, (_, i) => REPORT_BYTES + 1 + i * 7)];
    for (const n of lengths) {
      const input = n <= REPORT_BYTES ? simReport.subarray(0, n) : new Uint8Array(n);
      expect(codeOf(() => parseSevSnpReport(input)), `length ${n}`).toBe('parse');
    }
    expect(codeOf(() => verifierA.verify(simReport.subarray(0, SIGNED_BYTES), { atMs: AT_MS }))).toBe('parse');
  });

  it('unknown VERSION, SIGNATURE_ALGO or reserved SIGNING_KEY → parse', () => {
    for (const version of [0, 1, 6, 0xffffffff]) {
      const b = simReport.slice();
      new DataView(b.buffer).setUint32(0, version, true);
      expect(codeOf(() => parseSevSnpReport(b)), `version ${version}`).toBe('parse');
    }
    for (const algo of [0, 2, 0x100]) {
      const b = simReport.slice();
      new DataView(b.buffer).setUint32(0x34, algo, true);
      expect(codeOf(() => parseSevSnpReport(b)), `algo ${algo}`).toBe('parse');
    }
    for (const key of [2, 3, 4, 5, 6]) expect(codeOf(() => parseSevSnpReport(flip(simReport, 0x48, key << 2)))).toBe('parse');
  });

  it('a non-Uint8Array or missing atMs is a TypeError (argument validation, not evidence)', () => {
    expect(() => parseSevSnpReport('report' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => verifierA.verify('report' as unknown as Uint8Array, { atMs: AT_MS })).toThrow(TypeError);
    expect(() => verifierA.verify(simReport, {} as SevSnpVerifyOptions)).toThrow(TypeError);
    expect(() => vendor.trustStore().endorse(chipA.certDer, 'vcekk' as 'vcek')).toThrow(TypeError);
  });

  it('the parser keeps a private copy: mutating the input afterwards changes nothing', () => {
    const input = simReport.slice();
    const r = parseSevSnpReport(input);
    input.fill(0);
    expect(codeOf(() => verifierA.verify(r, { atMs: AT_MS }))).toBe('valid');
  });

  it('fast-check: arbitrary bytes make the parser throw only AttestationError (10,000 runs)', () => {
    const mutated = fc
      .array(fc.tuple(fc.nat(REPORT_BYTES - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
      .map((edits) => {
        const b = simReport.slice();
        for (const [i, v] of edits) b[i] = v;
        return b;
      });
    const input = fc.oneof(fc.uint8Array({ maxLength: 1400 }), fc.uint8Array({ minLength: REPORT_BYTES, maxLength: REPORT_BYTES }), mutated);
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          parseSevSnpReport(bytes);
        } catch (e) {
          if (!(e instanceof AttestationError) || e.code !== 'parse') throw e;
        }
      }),
      { numRuns: 10_000, seed: 0x5e5 },
    );
  });

  it('fast-check: the verifier on mutated reports throws only AttestationError (1,000 runs)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(REPORT_BYTES - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = simReport.slice();
        for (const [i, v] of edits) b[i] = v;
        // Every byte counts: the signed area by the signature, the SIGNATURE tail by non-canonical.
        const changed = edits.some(([i, v]) => simReport[i] !== v) && edits.some(([i]) => b[i] !== simReport[i]);
        const code = codeOf(() => verifierA.verify(b, { atMs: AT_MS }));
        if (changed) expect(code).not.toBe('valid');
      }),
      { numRuns: 1_000, seed: 0x5e6 },
    );
  });
});

describeVectors('SEV-SNP real report tampering (trustee test-report-milan)', () => {
  const real = readVector('sev-snp', 'trustee', 'test-report-milan.bin');
  const store = TrustStore.fromPem(readVector('sev-snp', 'trustee', 'milan_ask_ark_asvk.pem'));
  const verifier = SevSnpVerifier.forSigner(store, readVector('sev-snp', 'trustee', 'test-vcek-milan.der'), 'vcek');
  const verify = (b: Uint8Array): string => codeOf(() => verifier.verify(b, { atMs: AT_MS }));

  it('the untampered report is valid', () => {
    expect(verify(real)).toBe('valid');
  });

  const named = [...Object.entries(FIELD), ...Object.entries(INT_FIELD)].filter(([, [offset]]) => offset < SIGNED_BYTES);
  for (const [name, [offset, size]] of named) {
    it(`${name} (0x${offset.toString(16)}, ${size} bytes): one bit flipped in its first and last byte is rejected`, () => {
      for (const [at, mask] of [[offset, 0x01], [offset + size - 1, 0x80]] as const) {
        expect(verify(flip(real, at, mask)), `${name} byte 0x${at.toString(16)} mask ${mask}`).toBe(expectedFlipCode(real, at, mask));
      }
    });
  }

  it('every byte of the signed area 0x000–0x29F (reserved bytes included), bits 0 and 7 → rejected', () => {
    for (let at = 0; at < SIGNED_BYTES; at++) {
      for (const mask of [0x01, 0x80]) {
        const code = verify(flip(real, at, mask));
        if (code !== expectedFlipCode(real, at, mask)) expect(code, `byte 0x${at.toString(16)} mask ${mask}`).toBe(expectedFlipCode(real, at, mask));
      }
    }
  });

  it('every byte of R and S (0x2A0–0x32F) → signature', () => {
    for (let at = FIELD.SIGNATURE_R[0]; at < FIELD.SIGNATURE_S[0] + 72; at++) {
      const code = verify(flip(real, at, 0x01));
      if (code !== 'signature') expect(code, `byte 0x${at.toString(16)}`).toBe('signature');
    }
  });

  it('the reserved tail of the SIGNATURE structure (0x330–0x49F) is unsigned, so it must be zero: any change → non-canonical', () => {
    for (let at = 0x330; at < REPORT_BYTES; at++) {
      const code = verify(flip(real, at, 0x01));
      if (code !== 'non-canonical') expect(code, `byte 0x${at.toString(16)}`).toBe('non-canonical');
    }
  });

  it("another Milan chip's VCEK (virtee) → signature", () => {
    const other = SevSnpVerifier.forSigner(store, readVector('sev-snp', 'virtee', 'vcek_milan.der'), 'vcek');
    expect(codeOf(() => other.verify(real, { atMs: AT_MS }))).toBe('signature');
  });

  it('the Genoa chain for a Milan VCEK → chain; before the VCEK was issued → expired', () => {
    const genoa = TrustStore.fromPem(readVector('sev-snp', 'go-sev-guest', 'ask_ark_genoa.pem'));
    const v = SevSnpVerifier.forSigner(genoa, readVector('sev-snp', 'trustee', 'test-vcek-milan.der'), 'vcek');
    expect(codeOf(() => v.verify(real, { atMs: AT_MS }))).toBe('chain');
    expect(codeOf(() => verifier.verify(real, { atMs: Date.UTC(2023, 0, 1) }))).toBe('not-yet-valid');
  });

  it('every truncation of the real report → parse', () => {
    for (let n = 0; n < REPORT_BYTES; n++) expect(codeOf(() => verifier.verify(real.subarray(0, n), { atMs: AT_MS }))).toBe('parse');
  });

  it('fast-check: mutated real certificates make the certificate parser throw only CertificateError (10,000 runs)', () => {
    const der = readVector('sev-snp', 'go-sev-guest', 'vcek-milan.der');
    const mutated = fc
      .tuple(fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(der.length))
      .map(([edits, cut]) => {
        const b = der.slice(0, Math.max(cut, der.length - 40));
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 600 })), (bytes) => {
        try {
          parseCertificateDer(bytes);
        } catch (e) {
          if (!(e instanceof CertificateError)) throw e;
        }
      }),
      { numRuns: 10_000, seed: 0xce7 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** Reads every element, recursively, decoding each primitive the way X.509 parsing would. */
function walk(node: DerNode): void {
  if (node.tag & 0x20) {
    const r = DerReader.inside(node);
    while (!r.done) walk(r.next());
    return;
  }
  switch (node.tag) {
    case TAG.OID:
      derReadOid(node);
      break;
    case TAG.INTEGER:
      derReadInteger(node);
      break;
    case TAG.BIT_STRING:
      derReadBitString(node);
      break;
    case TAG.UTC_TIME:
    case TAG.GENERALIZED_TIME:
      derReadTime(node);
      break;
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      derReadString(node);
      break;
  }
}

const derCode = (bytes: Uint8Array): string => {
  try {
    walk(parseDer(bytes));
    return 'ok';
  } catch (e) {
    if (e instanceof DerError) return e.code;
    throw e;
  }
};

describe('DER reader and writer (X.690)', () => {
  it('round-trips INTEGERs, including sign boundaries, with minimal encodings', () => {
    const values = [0n, 1n, 127n, 128n, 255n, 256n, -1n, -128n, -129n, -256n, 2n ** 64n, -(2n ** 64n)];
    for (const v of values) expect(derReadInteger(parseDer(derInteger(v))), String(v)).toBe(v);
    expect(derInteger(128n)).toEqual(Uint8Array.of(0x02, 0x02, 0x00, 0x80));
    expect(derInteger(-129n)).toEqual(Uint8Array.of(0x02, 0x02, 0xff, 0x7f));
    expect(derCode(Uint8Array.of(0x02, 0x02, 0x00, 0x01))).toBe('value');
    expect(derCode(Uint8Array.of(0x02, 0x02, 0xff, 0x80))).toBe('value');
    expect(derCode(Uint8Array.of(0x02, 0x00))).toBe('value');
  });

  it('round-trips OIDs (X.690 §8.19) and refuses non-minimal subidentifiers', () => {
    for (const oid of ['1.3.6.1.4.1.3704.1.3.8', '2.5.4.3', '1.2.840.113549.1.1.10', '2.999.1', '0.0']) {
      expect(derReadOid(parseDer(derOid(oid)))).toBe(oid);
    }
    expect(derOid('1.2.840.10045.4.3.3')).toEqual(fromHex('06082a8648ce3d040303'));
    expect(derCode(Uint8Array.of(0x06, 0x02, 0x80, 0x01))).toBe('value');
    expect(derCode(Uint8Array.of(0x06, 0x01, 0x81))).toBe('value');
    expect(derCode(Uint8Array.of(0x06, 0x00))).toBe('value');
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), read back exactly', () => {
    const t2049 = Date.UTC(2049, 11, 31, 23, 59, 59);
    const t2050 = Date.UTC(2050, 0, 1);
    expect(derTime(t2049)[0]).toBe(TAG.UTC_TIME);
    expect(derTime(t2050)[0]).toBe(TAG.GENERALIZED_TIME);
    for (const t of [t2049, t2050, Date.UTC(1950, 0, 1), Date.UTC(2024, 1, 29, 12, 0, 1)]) expect(derReadTime(parseDer(derTime(t)))).toBe(t);
    expect(isoFromMs(Date.UTC(2025, 11, 10, 22, 14, 21))).toBe('2025-12-10T22:14:21Z');
    expect(derCode(derEncode(TAG.UTC_TIME, new TextEncoder().encode('250230000000Z')))).toBe('value');
    expect(derCode(derEncode(TAG.UTC_TIME, new TextEncoder().encode('2502010000Z')))).toBe('value');
  });

  it('long-form lengths round-trip; indefinite, non-minimal and over-long lengths are refused', () => {
    for (const n of [127, 128, 255, 256, 70_000]) expect(parseDer(derEncode(TAG.OCTET_STRING, new Uint8Array(n))).value.length).toBe(n);
    expect(derCode(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toBe('length');
    expect(derCode(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5))).toBe('length');
    expect(derCode(Uint8Array.of(0x04, 0x82, 0x00, 0x80, ...new Uint8Array(128)))).toBe('length');
    expect(derCode(Uint8Array.of(0x04, 0x85, 1, 0, 0, 0, 0))).toBe('length');
  });

  it('truncated, trailing, high-tag and too-deep inputs are refused with their codes', () => {
    expect(derCode(new Uint8Array(0))).toBe('truncated');
    expect(derCode(Uint8Array.of(0x30))).toBe('truncated');
    expect(derCode(Uint8Array.of(0x04, 0x03, 1, 2))).toBe('truncated');
    expect(derCode(Uint8Array.of(0x04, 0x82, 0x01))).toBe('truncated');
    expect(derCode(Uint8Array.of(0x05, 0x00, 0x00))).toBe('trailing');
    expect(derCode(Uint8Array.of(0x1f, 0x81, 0x00))).toBe('tag');
    let deep = derSequence();
    for (let i = 0; i < DER_MAX_DEPTH + 1; i++) deep = derSequence(deep);
    expect(derCode(deep)).toBe('depth');
    expect(() => new DerReader(new Uint8Array((1 << 20) + 1))).toThrow(DerError);
  });

  it('fast-check: arbitrary bytes make the DER reader throw only DerError (10,000 runs)', () => {
    const nested = fc.uint8Array({ maxLength: 64 }).map((b) => derSequence(derEncode(TAG.SET, b), b));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), nested), (bytes) => {
        derCode(bytes);
      }),
      { numRuns: 10_000, seed: 0xde7 },
    );
  });
});
