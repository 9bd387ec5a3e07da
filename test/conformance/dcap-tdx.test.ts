/**
 * Intel DCAP verification of the real TDX quotes of tdx/expected.json and MANIFEST.md (dcap-qvl
 * and go-tdx-guest samples, GCE and Azure quotes), with their collateral where it exists, and
 * every field and signature of a quote and its collateral tampered, one at a time.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { collateralFromPcsFiles, jsonMemberText, parseTcbInfo, type DcapCollateral } from '../../protocol/attestation/dcap/collateral.js';
import { assertNotRevoked, parseCrl } from '../../protocol/attestation/dcap/crl.js';
import { rootPins, type IntelCert } from '../../protocol/attestation/dcap/pck.js';
import { parseDcapQuote, parseTdxQuote } from '../../protocol/attestation/dcap/quote.js';
import { platformVerdict } from '../../protocol/attestation/dcap/tcb.js';
import { assertSignedCollateral, checkPolicy, verifyDcapQuote, verifyQuoteEvidence, type DcapPolicy } from '../../protocol/attestation/dcap/verify.js';
import { ANY_VALID_STATUS, codeOf, collateralVector, flip, flipPemChar, offsets, quoteVector, tamperText, verifyCode } from '../helpers/dcap.js';
import { describeVectors, readVector, readVectorJson, vectorPath } from '../helpers/vectors.js';

interface Expected {
  fields: { version: number; fmspc: string; qe_isvsvn: number; qe_mrsigner: string; report_data: string; tee_tcb_svn: string; pck_chain: [string, string, string][] };
}

/** Inside the dcap-qvl TDX collateral window 2025-06-19T10:32:27Z .. 2025-07-19T10:16:03Z (MANIFEST.md). */
const AT = Date.parse('2025-07-01T00:00:00Z');
const OPTS = { atMs: AT, tee: 'tdx' as const };

function goTdxGuestCollateral(): DcapCollateral {
  const g = (f: string): string => vectorPath('tdx', 'go-tdx-guest', f);
  return collateralFromPcsFiles({
    tcbInfoJson: readFileSync(g('sample_tcbInfo_response'), 'utf8'),
    qeIdentityJson: readFileSync(g('sample_qeIdentity_response'), 'utf8'),
    pckCrl: new Uint8Array(readFileSync(g('pckcrl'))),
    rootCrl: new Uint8Array(readFileSync(g('rootcrl.der'))),
    tcbSigningChain: readFileSync(g('tcb-signing-issuer-chain.pem'), 'utf8'),
    pckCrlIssuerChain: readFileSync(g('pckcrl-issuer-chain.pem'), 'utf8'),
  });
}

describeVectors('DCAP TDX: real quotes with their collateral', () => {
  const expected = readVectorJson<Record<string, Expected>>('tdx', 'expected.json');
  const quote = quoteVector('tdx/dcap-qvl/tdx_quote');
  const collateral = collateralVector('tdx/dcap-qvl/tdx_quote_collateral.json');

  it('dcap-qvl tdx_quote: UpToDate, no advisories (repo test could_parse_tdx_quote), under the default policy', () => {
    const r = verifyDcapQuote(quote, collateral, OPTS);
    expect(r.tcbStatus).toBe('UpToDate');
    expect(r.advisories).toEqual([]);
    expect(r.pck.fmspc).toBe(expected['dcap-qvl/tdx_quote']!.fields.fmspc);
    // TEE_TCB_SVN 06 01 03…: module TDX_01 at ISVSVN 6 (level isvsvn 4: UpToDate).
    expect(r.tcb.tdxModule?.status).toBe('UpToDate');
    expect(r.tcb.qe.status).toBe('UpToDate');
  });

  it('dcap-qvl tdx_quote_outdated: no TCB level matches (tcb-status)', () => {
    // Not asserted by the repo (it overrides the TCB Info). Derived from the levels: the PCK's
    // SGX TCB component 8 (index 7, "SEAMLDR ACM") is 3, and every one of the three TCB levels
    // of FMSPC 90C06F000000 requires 5 there, so no level matches: Intel's QVL answers
    // "TCB_NOT_SUPPORTED" and go-tdx-guest "no matching TCB level found".
    const outdated = quoteVector('tdx/dcap-qvl/tdx_quote_outdated');
    const c = collateralVector('tdx/dcap-qvl/tdx_quote_outdated_collateral.json');
    const at = Date.parse('2026-03-01T00:00:00Z'); // in 2026-02-18 .. 2026-03-20
    expect(verifyCode(outdated, c, { atMs: at, policy: { acceptStatus: ANY_VALID_STATUS } })).toBe('tcb-status');
    const { pck } = verifyQuoteEvidence(parseDcapQuote(outdated), at, rootPins());
    expect(pck.cpuSvnComponents[7]).toBe(3);
    expect(parseTcbInfo(c.tcbInfo).tcbLevels.every((l) => l.tcb.sgxtcbcomponents[7]!.svn === 5)).toBe(true);
  });

  it('go-tdx-guest SPR_E4 (v4): refused as is (non-zero trailing bytes); without them, no TCB level matches at 2023-07-01', () => {
    const raw = quoteVector('tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat');
    const c = goTdxGuestCollateral();
    expect(verifyCode(raw, c, { atMs: Date.parse('2023-07-01T00:00:00Z') })).toBe('parse');
    // The last 39 bytes are "\nextra bytes(only for testing purpose)\n", appended by the repo.
    const stripped = raw.subarray(0, raw.length - 39);
    expect(Buffer.from(raw.subarray(raw.length - 39)).toString()).toContain('extra bytes');
    // MANIFEST.md: quote valid, collateral signatures valid, but no matching TCB level
    // (PCK CPUSVN components 3,3,2,2,2,1,0,2…, PCESVN 11, TEE_TCB_SVN 03 00 04…).
    expect(verifyCode(stripped, c, { atMs: Date.parse('2023-07-01T00:00:00Z'), policy: { acceptStatus: ANY_VALID_STATUS } })).toBe('tcb-status');
    expect(toHex(parseTdxQuote(stripped).teeTcbSvn)).toBe(expected['go-tdx-guest/tdx_prod_quote_SPR_E4.dat']!.fields.tee_tcb_svn);
  });

  it('go-tdx-guest quote_v5_sample (v5, TDX 1.5 body): valid at 2026-02-03; against sample_tcbinfo_response_v5 UpToDate', () => {
    const at = Date.parse('2026-02-03T00:00:00Z');
    const q = parseDcapQuote(quoteVector('tdx/go-tdx-guest/quote_v5_sample.dat'));
    const { pck } = verifyQuoteEvidence(q, at, rootPins());
    expect(pck.fmspc).toBe('90c06f000000');
    const text = readFileSync(vectorPath('tdx', 'go-tdx-guest', 'sample_tcbinfo_response_v5'), 'utf8');
    const body = jsonMemberText(text, 'tcbInfo')!;
    const signature = Buffer.from((JSON.parse(text) as { signature: string }).signature, 'hex');
    // The repo's TCB Signing cert expired 2025-05-21; Intel reissued it with the same key
    // (2025-05-06..2032-05-06, in the dcap-qvl collateral): that chain verifies the 2026 TCB Info.
    expect(codeOf(() => assertSignedCollateral(collateral.tcbInfoIssuerChain, body, signature, { atMs: at, pins: rootPins(), what: 'TCB Info v5' }))).toBe('valid');
    expect(codeOf(() => assertSignedCollateral(collateral.tcbInfoIssuerChain, body.replace('UpToDate', 'UpToDatE'), signature, { atMs: at, pins: rootPins(), what: 'TCB Info v5' }))).toBe('collateral');
    // Levels: the first (UpToDate) needs SGX components 3,3,2,2,4,1,0,5, PCESVN 13 and TDX
    // component 2 ≥ 3; the PCK has 4,4,2,2,4,1,0,5 / 13 and TEE_TCB_SVN 0b 01 04 (components 0
    // and 1 go to module TDX_01, whose first level needs ISVSVN 6 ≤ 11: UpToDate).
    const v = platformVerdict(q, pck, parseTcbInfo(body));
    expect(v.total.status).toBe('UpToDate');
    expect(v.tdxModule?.status).toBe('UpToDate');
  });

  for (const file of ['go-tdx-guest/cos-113-tdx-quote.dat', 'openpcc/gce-tdx-quote-v4.bin', 'openpcc/azure-tdx-quote-v4.bin', 'dcap-qvl/tdx_quote_outdated']) {
    it(`${file}: quote signature, QE report, binding and PCK chain verify; fields equal tdx/expected.json`, () => {
      const q = parseDcapQuote(quoteVector(`tdx/${file}`));
      const f = expected[file]!.fields;
      const { chain, pck } = verifyQuoteEvidence(q, Date.parse('2026-02-01T00:00:00Z'), rootPins());
      expect(pck.fmspc).toBe(f.fmspc);
      expect(chain.map((c) => c.cert.subjectCn)).toEqual(f.pck_chain.map((c) => c[0]));
      expect(q.sig.qeReport.isvSvn).toBe(f.qe_isvsvn);
      expect(toHex(q.sig.qeReport.mrSigner)).toBe(f.qe_mrsigner);
      expect(toHex(q.td!.reportData)).toBe(f.report_data);
    });
  }

  it('cos-113: REPORTDATA equals its nonce file; the zero padding is counted, not part of the quote bytes', () => {
    const raw = quoteVector('tdx/go-tdx-guest/cos-113-tdx-quote.dat');
    const q = parseDcapQuote(raw);
    expect(toHex(q.td!.reportData)).toBe(toHex(readVector('tdx', 'go-tdx-guest', 'cos-113-tdx-quote.nonce.dat')));
    expect(q.trailingBytes).toBe(3065);
    expect(q.bytes.length + q.trailingBytes).toBe(raw.length);
  });

  it('the Azure quote (FMSPC 90c06f000000) against the v5 TCB Info: UpToDate', () => {
    // Not asserted by any repo. From the levels: PCK 3,3,2,2,4,1,0,5 / PCESVN 13 meets the first
    // level exactly; TEE_TCB_SVN 07 01 03: component 2 = 3 ≥ 3, module TDX_01 ISVSVN 7 ≥ 6.
    const at = Date.parse('2026-02-03T00:00:00Z');
    const q = parseDcapQuote(quoteVector('tdx/openpcc/azure-tdx-quote-v4.bin'));
    const { pck } = verifyQuoteEvidence(q, at, rootPins());
    const body = jsonMemberText(readFileSync(vectorPath('tdx', 'go-tdx-guest', 'sample_tcbinfo_response_v5'), 'utf8'), 'tcbInfo')!;
    expect(platformVerdict(q, pck, parseTcbInfo(body)).total.status).toBe('UpToDate');
    // …but its collateral is not the dcap-qvl one (FMSPC b0c06f000000): collateral.
    expect(verifyCode(quoteVector('tdx/openpcc/azure-tdx-quote-v4.bin'), collateral, OPTS)).toBe('collateral');
  });

  const o = offsets(quote);
  const tampers: [string, Uint8Array, string][] = [
    ['header user_data', flip(quote, o.header + 3), 'quote-signature'],
    ['header QE SVN', flip(quote, 8), 'quote-signature'],
    ['header TEE type', flip(quote, 4), 'parse'],
    ['header key type', flip(quote, 2), 'parse'],
    ['body TEE_TCB_SVN', flip(quote, o.body), 'quote-signature'],
    ['body MRTD', flip(quote, o.body + 136 + 7), 'quote-signature'],
    ['body RTMR3', flip(quote, o.body + 472), 'quote-signature'],
    ['body REPORTDATA', flip(quote, o.body + 583), 'quote-signature'],
    ['signature r', flip(quote, o.sigR), 'quote-signature'],
    ['signature s', flip(quote, o.sigS + 31), 'quote-signature'],
    ['attestation key', flip(quote, o.attKey + 10), 'quote-signature'],
    ['QE report', flip(quote, o.qeReport + 100), 'qe-report'],
    ['QE report signature', flip(quote, o.qeReportSig + 10), 'qe-report'],
    ['QE auth data', flip(quote, o.qeAuth), 'qe-binding'],
    ['PCK certificate', flipPemChar(quote, o.pem + 28 + 120), 'pck-chain'],
    ['PCK Platform CA certificate', flipPemChar(quote, o.pem + 1400), 'pck-chain'],
    ['signature data length', flip(quote, o.sigR - 4), 'parse'],
    ['certification data type', flip(quote, o.attKey + 64), 'parse'],
    ['non-zero padding', flip(quote, quote.length - 1), 'parse'],
  ];
  for (const [what, bytes, code] of tampers) {
    it(`tampered ${what}: ${code}`, () => {
      expect(verifyCode(bytes, collateral, OPTS)).toBe(code);
    });
  }

  it('truncated anywhere: parse (v4 and v5)', () => {
    const v5 = quoteVector('tdx/go-tdx-guest/quote_v5_sample.dat');
    for (const q of [quote, v5]) {
      const end = parseDcapQuote(q).bytes.length;
      for (const n of [0, 2, 47, 48, 53, 54, 600, 631, 636, 700, 1000, 1200, 3000, end - 1]) expect(verifyCode(q.subarray(0, n), collateral, OPTS)).toBe('parse');
    }
  });

  const collTampers: [string, (c: DcapCollateral) => DcapCollateral, string][] = [
    ['tcb_info tdxModule mrsigner', (c) => ({ ...c, tcbInfo: tamperText(c.tcbInfo, '"mrsigner":"0', '"mrsigner":"1') }), 'collateral'],
    ['tcb_info fmspc', (c) => ({ ...c, tcbInfo: tamperText(c.tcbInfo, 'B0C06F000000', 'B0C06F000001') }), 'collateral'],
    ['tcb_info signature', (c) => ({ ...c, tcbInfoSignature: flip(c.tcbInfoSignature, 0) }), 'collateral'],
    ['qe_identity mrsigner', (c) => ({ ...c, qeIdentity: tamperText(c.qeIdentity, 'DC9E2A7C', 'DC9E2A7D') }), 'collateral'],
    ['qe_identity signature', (c) => ({ ...c, qeIdentitySignature: flip(c.qeIdentitySignature, 33) }), 'collateral'],
    ['qe_identity issuer chain truncated to the root', (c) => ({ ...c, qeIdentityIssuerChain: c.qeIdentityIssuerChain.slice(c.qeIdentityIssuerChain.indexOf('-----END CERTIFICATE-----') + 26) }), 'collateral'],
    ['PCK CRL signature', (c) => ({ ...c, pckCrl: flip(c.pckCrl, c.pckCrl.length - 2) }), 'crl'],
    ['PCK CRL a revoked serial', (c) => ({ ...c, pckCrl: flip(c.pckCrl, 300) }), 'crl'],
    ['root CRL', (c) => ({ ...c, rootCaCrl: flip(c.rootCaCrl, 50) }), 'crl'],
  ];
  for (const [what, change, code] of collTampers) {
    it(`tampered collateral: ${what}: ${code}`, () => {
      expect(verifyCode(quote, change(collateral), OPTS)).toBe(code);
    });
  }

  it('time outside the window: not-yet-valid before, expired after; wrong root: pck-chain', () => {
    expect(verifyCode(quote, collateral, { ...OPTS, atMs: Date.parse('2025-06-19T00:00:00Z') })).toBe('not-yet-valid');
    expect(verifyCode(quote, collateral, { ...OPTS, atMs: Date.parse('2025-07-20T00:00:00Z') })).toBe('expired');
    expect(verifyCode(quote, collateral, { ...OPTS, atMs: Date.parse('2017-01-01T00:00:00Z') })).toBe('not-yet-valid');
    expect(verifyCode(quote, collateral, { ...OPTS, pinnedRootSpkiSha256: ['00'.repeat(32)] })).toBe('pck-chain');
    expect(verifyCode(quote, collateral, { ...OPTS, tee: 'sgx' })).toBe('parse');
  });

  it('revocation: a serial the real PCK CRL (44 entries) lists is refused', () => {
    const crl = parseCrl(collateral.pckCrl, 'PCK CRL');
    expect(crl.revoked.size).toBe(44);
    const fake = { serial: [...crl.revoked][5]!, cert: { subjectCn: 'a revoked PCK' } } as unknown as IntelCert;
    expect(codeOf(() => assertNotRevoked(crl, fake, 'PCK CRL'))).toBe('revoked');
  });

  it('policy pins (go-tdx-guest options): each matching value passes, each other value has its code', () => {
    const td = parseTdxQuote(quote).td!;
    const ok: DcapPolicy = {
      mrTd: td.mrTd,
      rtmr: td.rtmr,
      reportData: td.reportData,
      mrConfigId: td.mrConfigId,
      mrOwner: td.mrOwner,
      mrOwnerConfig: td.mrOwnerConfig,
      mrSeam: [new Uint8Array(48), td.mrSeam],
      tdAttributes: td.tdAttributes,
      xfam: td.xfam,
      minTeeTcbSvn: td.teeTcbSvn,
    };
    expect(verifyCode(quote, collateral, { ...OPTS, policy: ok })).toBe('valid');
    const wrong = (b: Uint8Array): Uint8Array => flip(b, 0);
    const cases: [DcapPolicy, string][] = [
      [{ mrTd: wrong(td.mrTd) }, 'mrtd'],
      [{ rtmr: [undefined, undefined, wrong(td.rtmr[2])] }, 'rtmr'],
      [{ rtmr: [wrong(td.rtmr[0])] }, 'rtmr'],
      [{ reportData: wrong(td.reportData) }, 'report-data'],
      [{ mrConfigId: wrong(td.mrConfigId) }, 'mr-config-id'],
      [{ mrOwner: wrong(td.mrOwner) }, 'mr-owner'],
      [{ mrOwnerConfig: wrong(td.mrOwnerConfig) }, 'mr-owner-config'],
      [{ mrSeam: [wrong(td.mrSeam)] }, 'mrseam'],
      [{ tdAttributes: wrong(td.tdAttributes) }, 'td-attributes'],
      [{ xfam: wrong(td.xfam) }, 'xfam'],
      [{ minTeeTcbSvn: Uint8Array.of(7) }, 'tee-tcb-svn'],
      [{ acceptStatus: ['OutOfDate'] }, 'tcb-status'],
    ];
    for (const [policy, code] of cases) expect(verifyCode(quote, collateral, { ...OPTS, policy })).toBe(code);
  });

  it('the debug bit and reserved TD attribute bits are refused by default', () => {
    const at = o.body + 120;
    const debug = parseDcapQuote(flip(quote, at, 0x01));
    expect(codeOf(() => checkPolicy(debug, {}))).toBe('debug');
    expect(codeOf(() => checkPolicy(debug, { allowDebug: true }))).toBe('valid');
    for (const [byte, mask] of [[0, 0x02], [1, 0x01], [3, 0x20], [3, 0x80], [4, 0x01], [7, 0x40]] as const) {
      expect(codeOf(() => checkPolicy(parseDcapQuote(flip(quote, at + byte, mask)), { allowDebug: true }))).toBe('td-attributes-reserved');
    }
    // Bits 28 (SEPT_VE_DISABLE, set here), 30 (PKS), 63 (PERFMON) are allowed.
    expect(codeOf(() => checkPolicy(parseDcapQuote(flip(quote, at + 3, 0x40)), {}))).toBe('valid');
    expect(codeOf(() => checkPolicy(parseDcapQuote(flip(quote, at + 7, 0x80)), {}))).toBe('valid');
    // And a signed quote with the bit flipped fails its signature first.
    expect(verifyCode(flip(quote, at, 0x01), collateral, OPTS)).toBe('quote-signature');
  });
});
