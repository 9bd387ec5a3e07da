/**
 * RFC 5280 §5 CRLs: AMD's real ARK-signed CRLs (openpcc vectors, RSASSA-PSS-SHA384) and the
 * simulated vendor's (ecdsa-with-SHA384), parsed by crl.ts and checked in the verifier's
 * revocation step: issuer, signature, thisUpdate/nextUpdate window, revoked serials.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttestationError } from '../../protocol/errors.js';
import { TrustStore } from '../../protocol/attestation/chain.js';
import { checkCrl, parseCrl, revocationOf } from '../../protocol/attestation/crl.js';
import { SimulatedVendor, toPem } from '../../protocol/attestation/sim-vendor.js';
import { SevSnpVerifier, type SevSnpVerifyOptions } from '../../protocol/attestation/verifier.js';
import { issueCrl, x509Name } from '../../protocol/attestation/x509-issue.js';
import { ChaChaRng } from '../../sim/rng.js';
import { describeVectors, readVector } from '../helpers/vectors.js';
import { errorCodeOf } from '../helpers/error-code.js';

const codeOf = (fn: () => unknown): string => errorCodeOf(AttestationError, fn);

const flip = (b: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const out = b.slice();
  out[at]! ^= mask;
  return out;
};

const pemBody = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));

describeVectors('AMD CRLs (openpcc crl_milan.pem, crl_genoa.pem)', () => {
  const milanPem = Buffer.from(readVector('sev-snp', 'openpcc', 'crl_milan.pem')).toString('utf8');
  const genoaPem = Buffer.from(readVector('sev-snp', 'openpcc', 'crl_genoa.pem')).toString('utf8');
  const milan = parseCrl(milanPem);
  const genoa = parseCrl(genoaPem);
  const milanStore = TrustStore.fromPem(readVector('sev-snp', 'trustee', 'milan_ask_ark_asvk.pem'));
  const genoaStore = TrustStore.fromPem(readVector('sev-snp', 'go-sev-guest', 'ask_ark_genoa.pem'));
  const milanReport = readVector('sev-snp', 'trustee', 'test-report-milan.bin');
  const milanVerifier = SevSnpVerifier.forSigner(milanStore, readVector('sev-snp', 'trustee', 'test-vcek-milan.der'), 'vcek');
  const genoaReport = readVector('sev-snp', 'openpcc', 'azure-snp-report-genoa.bin');
  const genoaVerifier = SevSnpVerifier.forSigner(genoaStore, readVector('sev-snp', 'openpcc', 'vcek-genoa.pem'), 'vcek');
  const IN_MILAN = Date.UTC(2025, 11, 1);
  const IN_GENOA = Date.UTC(2025, 6, 1);
  const vm = (crls: ReturnType<typeof parseCrl>[], atMs: number): string => codeOf(() => milanVerifier.verify(milanReport, { atMs, crls }));

  it('fields as MANIFEST.md states: issuer ARK, windows, Genoa revokes serial 0x20001 (an earlier Genoa ASK)', () => {
    expect([milan.thisUpdateMs, milan.nextUpdateMs]).toEqual([Date.UTC(2025, 4, 6, 12, 39, 6), Date.UTC(2026, 4, 12)]);
    expect([genoa.thisUpdateMs, genoa.nextUpdateMs]).toEqual([Date.UTC(2024, 9, 23, 4, 36, 24), Date.UTC(2025, 10, 3, 1)]);
    expect(milan.revoked.size).toBe(0);
    expect([...genoa.revoked.keys()]).toEqual([0x20001n]);
    expect(revocationOf(genoa, 0x20001n)).toBe(Date.UTC(2022, 9, 31, 12));
    expect(revocationOf(genoa, genoaStore.ask!.serialNumber)).toBeUndefined();
    expect([milan.crlNumber, genoa.crlNumber]).toEqual([6n, 4n]);
    expect(milan.scheme).toEqual({ kind: 'rsa-pss', hash: 'sha384', saltLength: 48 });
    expect(Buffer.from(milan.issuer).equals(Buffer.from(milanStore.ark!.subject))).toBe(true);
  });

  it('PEM and DER give the same CRL', () => {
    expect(parseCrl(pemBody(milanPem)).tbs).toEqual(milan.tbs);
  });

  it('each signed by its ARK; a real report verifies with its product CRL inside the window', () => {
    expect(codeOf(() => checkCrl(milan, milanStore.ark!, milanStore.keyOf(milanStore.ark!), IN_MILAN))).toBe('valid');
    expect(vm([milan], IN_MILAN)).toBe('valid');
    expect(codeOf(() => genoaVerifier.verify(genoaReport, { atMs: IN_GENOA, crls: [genoa] }))).toBe('valid');
  });

  it('outside thisUpdate..nextUpdate → crl-not-yet-valid / crl-expired (bounds inclusive)', () => {
    expect(vm([milan], milan.thisUpdateMs - 1000)).toBe('crl-not-yet-valid');
    expect(vm([milan], milan.thisUpdateMs)).toBe('valid');
    expect(vm([milan], milan.nextUpdateMs!)).toBe('valid');
    expect(vm([milan], milan.nextUpdateMs! + 1000)).toBe('crl-expired');
    expect(codeOf(() => genoaVerifier.verify(genoaReport, { atMs: Date.UTC(2026, 0, 1), crls: [genoa] }))).toBe('crl-expired');
  });

  it("another product's CRL → crl-issuer", () => {
    expect(vm([genoa], IN_MILAN)).toBe('crl-issuer');
    expect(vm([milan, genoa], IN_MILAN)).toBe('crl-issuer');
  });

  it('every byte of the Milan CRL flipped → crl-parse, crl-issuer or crl-signature; never accepted', () => {
    const der = pemBody(milanPem);
    const seen = new Set<string>();
    for (let at = 0; at < der.length; at++) {
      const code = codeOf(() => milanVerifier.verify(milanReport, { atMs: IN_MILAN, crls: [parseCrl(flip(der, at))] }));
      seen.add(code);
      if (!['crl-parse', 'crl-issuer', 'crl-signature'].includes(code)) expect(code, `byte ${at}`).toBe('crl-signature');
    }
    expect([...seen].sort()).toEqual(['crl-issuer', 'crl-parse', 'crl-signature']);
  });

  it('every truncation → crl-parse', () => {
    const der = pemBody(genoaPem);
    for (let n = 0; n < der.length; n++) expect(codeOf(() => parseCrl(der.subarray(0, n))), `length ${n}`).toBe('crl-parse');
  });
});

describe('simulated vendor CRL (ARK-signed, ecdsa-with-SHA384)', () => {
  const AT = Date.UTC(2026, 6, 1);
  const TCB = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };
  const root = ChaChaRng.fromSeed('crl-test');
  const vendor = SimulatedVendor.create(root.fork('vendor'));
  const chip = vendor.provisionChip(root.fork('chip'), TCB);
  const other = vendor.provisionChip(root.fork('other'), TCB);
  const vlek = vendor.provisionVlek(root.fork('vlek'), TCB);
  const verifier = SevSnpVerifier.forSigner(vendor.trustStore(), chip.certDer, 'vcek');
  const report = chip.signReport();
  const verify = (crlDer: Uint8Array, extra: Partial<SevSnpVerifyOptions> = {}): string =>
    codeOf(() => verifier.verify(report, { atMs: AT, crls: [parseCrl(crlDer)], ...extra }));

  it('revoking this VCEK → revoked; revoking another chip, or nothing → valid', () => {
    expect(verify(vendor.issueCrl([chip.serial]))).toBe('revoked');
    expect(verify(vendor.issueCrl([other.serial]))).toBe('valid');
    expect(verify(vendor.issueCrl([]))).toBe('valid');
    expect(verify(vendor.issueCrl([other.serial, chip.serial], { revokedAtMs: Date.UTC(2025, 0, 1) }))).toBe('revoked');
  });

  it('revoking the ASK revokes every VCEK under it; revoking the ASVK every VLEK', () => {
    expect(verify(vendor.issueCrl([vendor.caSerials.ask]))).toBe('revoked');
    const vlekVerifier = SevSnpVerifier.forSigner(vendor.trustStore(), vlek.certDer, 'vlek');
    const crl = parseCrl(vendor.issueCrl([vendor.caSerials.asvk]));
    expect(codeOf(() => vlekVerifier.verify(vlek.signReport(), { atMs: AT, crls: [crl] }))).toBe('revoked');
    expect(verify(vendor.issueCrl([vendor.caSerials.asvk]))).toBe('valid');
  });

  it('revocation is checked before the signature (a revoked chip is refused as revoked, whatever it signs)', () => {
    expect(codeOf(() => verifier.verify(flip(report, 0x90), { atMs: AT, crls: [parseCrl(vendor.issueCrl([chip.serial]))] }))).toBe('revoked');
  });

  it('window: before thisUpdate → crl-not-yet-valid, after nextUpdate → crl-expired', () => {
    const crl = vendor.issueCrl([], { thisUpdateMs: Date.UTC(2026, 0, 1), nextUpdateMs: Date.UTC(2026, 1, 1) });
    expect(verify(crl, { atMs: Date.UTC(2025, 11, 31) })).toBe('crl-not-yet-valid');
    expect(verify(crl, { atMs: Date.UTC(2026, 0, 15) })).toBe('valid');
    expect(verify(crl, { atMs: Date.UTC(2026, 1, 2) })).toBe('crl-expired');
  });

  it("a CRL by another vendor's ARK of the same name → crl-issuer (key identifier) or crl-signature", () => {
    const rogue = SimulatedVendor.create(root.fork('rogue'));
    expect(verify(rogue.issueCrl([]))).toBe('crl-issuer');
    // Same name, the right keyIdentifier copied, signed by the rogue key: the signature fails.
    const forged = parseCrl(rogue.issueCrl([]));
    const realAki = parseCrl(vendor.issueCrl([])).authorityKeyId!;
    const der = forged.der.slice();
    der.set(realAki, Buffer.from(der).indexOf(Buffer.from(forged.authorityKeyId!)));
    expect(verify(der)).toBe('crl-signature');
    // Another issuer name → crl-issuer.
    const named = issueCrl({ issuer: x509Name('ARK-Genoa'), issuerPrivateKey: vendor.keys.ark.privateKey, thisUpdateMs: 0, nextUpdateMs: Date.UTC(2040, 0, 1), revoked: [] });
    expect(verify(named)).toBe('crl-issuer');
  });

  it('every byte of a synthetic CRL that revokes nothing, flipped → never valid, and never "revoked"', () => {
    const der = vendor.issueCrl([other.serial]);
    for (let at = 0; at < der.length; at++) {
      const code = verify(flip(der, at, 0x04));
      if (!['crl-parse', 'crl-issuer', 'crl-signature'].includes(code)) expect(code, `byte ${at}`).toBe('crl-signature');
    }
  });

  it('PEM ("X509 CRL") and DER are both read; a certificate is not a CRL', () => {
    const der = vendor.issueCrl([chip.serial]);
    expect(parseCrl(toPem(der, 'X509 CRL')).tbs).toEqual(parseCrl(der).tbs);
    expect(codeOf(() => parseCrl(vendor.arkDer))).toBe('crl-parse');
    expect(codeOf(() => parseCrl(toPem(vendor.arkDer)))).toBe('crl-parse');
    expect(codeOf(() => parseCrl(''))).toBe('crl-parse');
    expect(() => parseCrl(42 as unknown as string)).toThrow(TypeError);
  });

  it('fast-check: arbitrary bytes and mutations of a CRL → parseCrl returns or throws only crl-parse (3,000 runs)', () => {
    const sample = vendor.issueCrl([chip.serial, other.serial]);
    const mutated = fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(sample.length)).map(([i, v, cut]) => {
      const m = sample.slice(0, Math.max(cut, i + 1));
      m[i] = v;
      return m;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), (bytes) => {
        try {
          parseCrl(bytes);
        } catch (e) {
          if (!(e instanceof AttestationError) || e.code !== 'crl-parse') throw e;
        }
      }),
      { numRuns: 3_000, seed: 0xc71 },
    );
  });
});
