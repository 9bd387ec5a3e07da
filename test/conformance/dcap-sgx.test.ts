/**
 * Intel DCAP verification of the real SGX quote of sgx/expected.json (dcap-qvl sample/sgx_quote,
 * quote v3 with the full collateral), and every field and signature tampered, one at a time.
 */
import { expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { AMD_ARK_SPKI_SHA256 } from '../../protocol/attestation/chain.js';
import { collateralFromPcsFiles, collateralToPcsFiles, type DcapCollateral } from '../../protocol/attestation/dcap/collateral.js';
import { DcapError } from '../../protocol/attestation/dcap/errors.js';
import { INTEL_SGX_ROOT_CERT_SHA256, INTEL_SGX_ROOT_SPKI_SHA256, spkiPinOf } from '../../protocol/attestation/dcap/pck.js';
import { parseSgxQuote } from '../../protocol/attestation/dcap/quote.js';
import { checkPolicy, DcapTcbStatusError, verifyDcapQuote } from '../../protocol/attestation/dcap/verify.js';
import { createHash } from 'node:crypto';
import { ANY_VALID_STATUS, codeOf, collateralVector, flip, flipPemChar, offsets, quoteVector, tamperText, verifyCode } from '../helpers/dcap.js';
import { describeVectors, readVector, readVectorJson } from '../helpers/vectors.js';

/** Inside [2025-06-19T10:56:11Z, 2025-07-19T10:01:18Z] (sgx/expected.json verify_time). */
const AT = Date.parse('2025-07-01T00:00:00Z');
const OPTS = { atMs: AT, tee: 'sgx' as const, policy: { acceptStatus: ANY_VALID_STATUS } };

describeVectors('DCAP SGX: dcap-qvl sgx_quote with its collateral', () => {
  const quote = quoteVector('sgx/dcap-qvl/sgx_quote');
  const collateral = collateralVector('sgx/dcap-qvl/sgx_quote_collateral.json');
  const expected = readVectorJson<Record<string, { fields: Record<string, unknown> }>>('sgx', 'expected.json')['dcap-qvl/sgx_quote']!;

  it('gives ConfigurationAndSWHardeningNeeded with INTEL-SA-00289, INTEL-SA-00615 (the repo test could_parse_sgx_quote)', () => {
    const r = verifyDcapQuote(quote, collateral, OPTS);
    expect(r.tcbStatus).toBe('ConfigurationAndSWHardeningNeeded');
    expect(r.advisories).toEqual(['INTEL-SA-00289', 'INTEL-SA-00615']);
    // expected.json checked_here: the level tcbDate 2024-03-13, QE isvsvn 10 -> UpToDate.
    expect(r.tcb.platform.tcbDate).toBe('2024-03-13T00:00:00Z');
    expect(r.tcb.qe.status).toBe('UpToDate');
    expect(r.pck.fmspc).toBe('00a067110000');
    expect(r.pck.pceSvn).toBe(13);
    expect(r.pck.cpuSvnComponents.slice(0, 6)).toEqual([11, 11, 2, 2, 255, 1]);
    expect(r.tcbInfo.tcbEvaluationDataNumber).toBe(expected.fields.tcbEvaluationDataNumber);
    expect(r.rootSpkiSha256).toBe(INTEL_SGX_ROOT_SPKI_SHA256);
  });

  it('the fields equal sgx/expected.json; report_data is "Hello, world!"', () => {
    const q = parseSgxQuote(quote);
    const f = expected.fields;
    expect(toHex(q.enclave.mrEnclave)).toBe(f.mrenclave);
    expect(toHex(q.enclave.mrSigner)).toBe(f.mrsigner);
    expect(q.enclave.isvProdId).toBe(f.isvprodid);
    expect(toHex(q.enclave.attributes)).toBe(f.attributes);
    expect(Buffer.from(q.enclave.reportData.subarray(0, 13)).toString()).toBe('Hello, world!');
    expect(toHex(q.sig.qeReport.mrSigner)).toBe(f.qe_mrsigner);
    expect(q.sig.qeReport.isvSvn).toBe(f.qe_isvsvn);
  });

  it('the default policy accepts UpToDate only: tcb-status, with the derived status on the error', () => {
    let err: unknown;
    try {
      verifyDcapQuote(quote, collateral, { atMs: AT });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DcapTcbStatusError);
    expect((err as DcapTcbStatusError).code).toBe('tcb-status');
    expect((err as DcapTcbStatusError).tcbStatus).toBe('ConfigurationAndSWHardeningNeeded');
    expect(verifyCode(quote, collateral, { atMs: AT, policy: { acceptStatus: ['ConfigurationAndSWHardeningNeeded'] } })).toBe('valid');
  });

  it('the pinned root is the vectors\' Intel SGX Root CA', () => {
    const pem = readVector('tdx', 'go-tdx-guest', 'Intel_SGX_RootCA.pem');
    expect(spkiPinOf(pem)).toBe(INTEL_SGX_ROOT_SPKI_SHA256);
    const der = Buffer.from(Buffer.from(pem).toString().replace(/-----[^-]+-----|\s+/g, ''), 'base64');
    expect(createHash('sha256').update(der).digest('hex')).toBe(INTEL_SGX_ROOT_CERT_SHA256);
  });

  it('through the PCS file shapes (tcb_info.json, qe_identity.json, DER CRLs, PEM chains): the same result', () => {
    const files = collateralToPcsFiles(collateral);
    const back = collateralFromPcsFiles(files);
    expect(back.tcbInfo).toBe(collateral.tcbInfo);
    expect(verifyDcapQuote(quote, back, OPTS).tcbStatus).toBe('ConfigurationAndSWHardeningNeeded');
  });

  const o = offsets(quote);
  const quoteTampers: [string, Uint8Array, string][] = [
    ['header user_data byte', flip(quote, o.header), 'quote-signature'],
    ['header version', flip(quote, 0, 0x07), 'parse'],
    ['header QE vendor ID', flip(quote, 12), 'parse'],
    ['body byte (MRENCLAVE)', flip(quote, o.body + 64), 'quote-signature'],
    ['body byte (REPORTDATA)', flip(quote, o.body + 383), 'quote-signature'],
    ['signature r', flip(quote, o.sigR + 5), 'quote-signature'],
    ['signature s', flip(quote, o.sigS + 5), 'quote-signature'],
    ['attestation key x', flip(quote, o.attKey + 1), 'quote-signature'],
    ['attestation key y', flip(quote, o.attKey + 63), 'quote-signature'],
    ['QE report (ISVSVN)', flip(quote, o.qeReport + 258), 'qe-report'],
    ['QE report (REPORTDATA)', flip(quote, o.qeReport + 320), 'qe-report'],
    ['QE report signature r', flip(quote, o.qeReportSig), 'qe-report'],
    ['QE report signature s', flip(quote, o.qeReportSig + 40), 'qe-report'],
    ['QE auth data', flip(quote, o.qeAuth + 3), 'qe-binding'],
    ['PCK certificate (issuer name)', flipPemChar(quote, o.pem + 28 + 120), 'pck-chain'],
    ['PCK certificate signature', flipPemChar(quote, o.pem + 28 + 1200), 'pck-chain'],
    ['trailing garbage', Uint8Array.from([...quote, 0x41]), 'parse'],
  ];
  for (const [what, bytes, code] of quoteTampers) {
    it(`tampered ${what}: ${code}`, () => {
      expect(verifyCode(bytes, collateral, OPTS)).toBe(code);
    });
  }

  it('truncated anywhere: parse', () => {
    for (const n of [0, 1, 47, 48, 100, 431, 432, 435, 436, 500, 1000, 1200, 2000, 4000, quote.length - 1]) {
      expect(verifyCode(quote.subarray(0, n), collateral, OPTS)).toBe('parse');
    }
  });

  const hexFlip = (h: Uint8Array, at: number): Uint8Array => flip(h, at);
  const collTampers: [string, (c: DcapCollateral) => DcapCollateral, string][] = [
    ['tcb_info body (a status)', (c) => ({ ...c, tcbInfo: tamperText(c.tcbInfo, '"SWHardeningNeeded"', '"UpToDate"') }), 'collateral'],
    ['tcb_info body (an SVN)', (c) => ({ ...c, tcbInfo: tamperText(c.tcbInfo, '"pcesvn":13', '"pcesvn":12') }), 'collateral'],
    ['tcb_info signature', (c) => ({ ...c, tcbInfoSignature: hexFlip(c.tcbInfoSignature, 10) }), 'collateral'],
    ['tcb_info issuer chain (the PCK CRL chain instead)', (c) => ({ ...c, tcbInfoIssuerChain: c.pckCrlIssuerChain }), 'collateral'],
    ['qe_identity body (isvprodid)', (c) => ({ ...c, qeIdentity: tamperText(c.qeIdentity, '"isvprodid":1', '"isvprodid":2') }), 'collateral'],
    ['qe_identity signature', (c) => ({ ...c, qeIdentitySignature: hexFlip(c.qeIdentitySignature, 63) }), 'collateral'],
    ['PCK CRL signature', (c) => ({ ...c, pckCrl: hexFlip(c.pckCrl, c.pckCrl.length - 3) }), 'crl'],
    ['PCK CRL body', (c) => ({ ...c, pckCrl: hexFlip(c.pckCrl, 60) }), 'crl'],
    ['root CRL signature', (c) => ({ ...c, rootCaCrl: hexFlip(c.rootCaCrl, c.rootCaCrl.length - 3) }), 'crl'],
    ['root CRL swapped for the PCK CRL', (c) => ({ ...c, rootCaCrl: c.pckCrl }), 'crl'],
    ['PCK CRL issuer chain (the TCB signing chain instead)', (c) => ({ ...c, pckCrlIssuerChain: c.tcbInfoIssuerChain }), 'crl'],
    ['PCK CRL truncated', (c) => ({ ...c, pckCrl: c.pckCrl.subarray(0, 100) }), 'crl'],
  ];
  for (const [what, change, code] of collTampers) {
    it(`tampered collateral: ${what}: ${code}`, () => {
      expect(verifyCode(quote, change(collateral), OPTS)).toBe(code);
    });
  }

  it('time outside the window: not-yet-valid before, expired after; wrong root: pck-chain', () => {
    expect(verifyCode(quote, collateral, { ...OPTS, atMs: Date.parse('2025-06-01T00:00:00Z') })).toBe('not-yet-valid');
    expect(verifyCode(quote, collateral, { ...OPTS, atMs: Date.parse('2025-08-01T00:00:00Z') })).toBe('expired');
    expect(verifyCode(quote, collateral, { ...OPTS, atMs: Date.parse('2031-01-01T00:00:00Z') })).toBe('expired'); // PCK leaf ends 2030-09-20
    expect(verifyCode(quote, collateral, { ...OPTS, pinnedRootSpkiSha256: [AMD_ARK_SPKI_SHA256.Milan] })).toBe('pck-chain');
    expect(verifyCode(quote, collateral, { ...OPTS, tee: 'tdx' })).toBe('parse');
  });

  it('policy: MRENCLAVE, MRSIGNER, REPORTDATA pins; the debug bit', () => {
    const q = parseSgxQuote(quote);
    expect(codeOf(() => checkPolicy(q, { mrEnclave: q.enclave.mrEnclave, mrSigner: q.enclave.mrSigner, reportData: q.enclave.reportData }))).toBe('valid');
    expect(codeOf(() => checkPolicy(q, { mrEnclave: new Uint8Array(32) }))).toBe('mrenclave');
    expect(codeOf(() => checkPolicy(q, { mrSigner: new Uint8Array(32) }))).toBe('mrsigner');
    expect(codeOf(() => checkPolicy(q, { reportData: new Uint8Array(64) }))).toBe('report-data');
    const debug = parseSgxQuote(flip(quote, o.body + 48, 0x02)); // ATTRIBUTES.DEBUG
    expect(codeOf(() => checkPolicy(debug, {}))).toBe('debug');
    expect(codeOf(() => checkPolicy(debug, { allowDebug: true }))).toBe('valid');
    expect(verifyCode(flip(quote, o.body + 48, 0x02), collateral, OPTS)).toBe('quote-signature');
  });

  it('every rejection is a DcapError', () => {
    expect(() => verifyDcapQuote(new Uint8Array(10), collateral, OPTS)).toThrow(DcapError);
  });
});
