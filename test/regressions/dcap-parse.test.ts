/**
 * Issue 14, "Leniencies": `parseTdxQuote` accepted empty signature data and trailing garbage. The
 * parser (protocol/attestation/dcap/quote.ts) is strict now: every length of the signature data
 * must add up, the certification data must be the PCK chain, and only zero bytes (a host's
 * fixed-size buffer) may follow the quote. Each case below was accepted before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TARGETS, fuzzProperty } from '../../cli/commands/fuzz.js';
import { DcapError } from '../../protocol/attestation/dcap/errors.js';
import { verifyDcapQuote } from '../../protocol/attestation/dcap/verify.js';
import { collateralVector } from '../helpers/dcap.js';
import { DcapQuoteError } from '../../protocol/attestation/dcap/errors.js';
import { encodeDcapQuote, parseDcapQuote, parseSgxQuote, parseTdxQuote, type DcapQuoteParts } from '../../protocol/attestation/dcap/quote.js';
import { TdxQuoteError, parseTdxQuote as teeParseTdxQuote } from '../../tee/tdx-quote.js';
import { describeVectors, readVector } from '../helpers/vectors.js';
import { errorCodeOf } from '../helpers/error-code.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function parts(version: 3 | 4 | 5): DcapQuoteParts {
  return {
    version,
    body: new Uint8Array(version === 3 ? 384 : version === 5 ? 648 : 584),
    signature: new Uint8Array(64).fill(1),
    attestationKey: new Uint8Array(64).fill(2),
    qeReport: new Uint8Array(384),
    qeReportSignature: new Uint8Array(64),
    qeAuthData: new Uint8Array(32),
    pckChainPem: PEM,
  };
}

const code = (f: () => unknown): string => errorCodeOf(DcapQuoteError, f, 'ok');

/** The v4 quote with its signature-data length field and data replaced. */
function withSignatureData(quote: Uint8Array, sigData: Uint8Array): Uint8Array {
  const signedEnd = 48 + 584;
  const out = new Uint8Array(signedEnd + 4 + sigData.length);
  out.set(quote.subarray(0, signedEnd));
  new DataView(out.buffer).setUint32(signedEnd, sigData.length, true);
  out.set(sigData, signedEnd + 4);
  return out;
}

describe('issue 14: strict DCAP quote parsing', () => {
  const v4 = encodeDcapQuote(parts(4));

  it('well-formed quotes of every version parse; the re-export in tee/ is the same parser', () => {
    expect(parseTdxQuote(v4).version).toBe(4);
    expect(parseTdxQuote(encodeDcapQuote(parts(5))).bodyType).toBe(3);
    expect(parseSgxQuote(encodeDcapQuote(parts(3))).tee).toBe('sgx');
    expect(teeParseTdxQuote).toBe(parseTdxQuote);
    expect(TdxQuoteError).toBe(DcapQuoteError);
  });

  it('empty signature data: signature-data (was accepted)', () => {
    expect(code(() => parseTdxQuote(withSignatureData(v4, new Uint8Array(0))))).toBe('signature-data');
  });

  it('signature data shorter than signature + key, or 8 bytes of anything: signature-data', () => {
    expect(code(() => parseTdxQuote(withSignatureData(v4, new Uint8Array(8))))).toBe('signature-data');
    expect(code(() => parseTdxQuote(withSignatureData(v4, new Uint8Array(127))))).toBe('signature-data');
  });

  it('a certification data size that does not add up (too long or too short): signature-data', () => {
    const q = parseDcapQuote(v4);
    const sig = q.signatureData.slice();
    const dv = new DataView(sig.buffer);
    const outer = dv.getUint32(130, true);
    dv.setUint32(130, outer + 1, true);
    expect(code(() => parseTdxQuote(withSignatureData(v4, sig)))).toBe('signature-data');
    dv.setUint32(130, outer - 1, true);
    expect(code(() => parseTdxQuote(withSignatureData(v4, sig)))).toBe('signature-data');
  });

  it('trailing garbage after the signature data: trailing (was accepted); zero padding is counted, not refused', () => {
    expect(code(() => parseTdxQuote(Uint8Array.from([...v4, 0x41])))).toBe('trailing');
    expect(code(() => parseTdxQuote(Uint8Array.from([...v4, 0, 0, 0, 1])))).toBe('trailing');
    const padded = Uint8Array.from([...v4, ...new Uint8Array(100)]);
    const q = parseTdxQuote(padded);
    expect(q.trailingBytes).toBe(100);
    expect(q.bytes).toEqual(v4);
  });

  it('certification data other than the PCK chain, or a PEM chain that is not PEM: cert-data', () => {
    expect(code(() => parseTdxQuote(encodeDcapQuote({ ...parts(4), pckChainPem: 'not a certificate' })))).toBe('cert-data');
    expect(code(() => parseTdxQuote(encodeDcapQuote({ ...parts(4), pckChainPem: '' })))).toBe('cert-data');
    expect(code(() => parseTdxQuote(encodeDcapQuote({ ...parts(4), pckChainPem: `${PEM}\u00e9` })))).toBe('cert-data');
    // The chain is outside every signature: another spelling of the same certificate (CRLF,
    // a space, a vertical tab) would be distinct bytes passing as the same evidence.
    for (const variant of [PEM.replace(/\n/g, '\r\n'), PEM.replace('MIIB', 'MI IB'), PEM.replace('\nMIIB', '\vMIIB')]) {
      expect(code(() => parseTdxQuote(encodeDcapQuote({ ...parts(4), pckChainPem: variant })))).toBe('cert-data');
    }
    const q = parseDcapQuote(v4);
    const sig = q.signatureData.slice();
    new DataView(sig.buffer).setUint16(128, 5, true); // type 5 where 6 (QE report certification data) belongs
    expect(code(() => parseTdxQuote(withSignatureData(v4, sig)))).toBe('cert-data');
  });

  it('attestation key type 3 (P-384: no QE produces it), a foreign QE vendor, an SGX v3 quote given as TDX', () => {
    const k3 = v4.slice();
    new DataView(k3.buffer).setUint16(2, 3, true);
    expect(code(() => parseTdxQuote(k3))).toBe('key-type');
    const vendor = v4.slice();
    vendor[12]! ^= 1;
    expect(code(() => parseTdxQuote(vendor))).toBe('vendor');
    expect(code(() => parseTdxQuote(encodeDcapQuote(parts(3))))).toBe('version');
    expect(code(() => parseSgxQuote(v4))).toBe('version');
  });

  it('an input over 1 MiB: limit', () => {
    expect(code(() => parseDcapQuote(new Uint8Array((1 << 20) + 1)))).toBe('limit');
  });
});

describeVectors('issue 14: the real quotes under the strict parser', () => {
  it('go-tdx-guest SPR_E4 ends in 39 bytes of test text: trailing; every other quote parses', () => {
    expect(code(() => parseTdxQuote(readVector('tdx', 'go-tdx-guest', 'tdx_prod_quote_SPR_E4.dat')))).toBe('trailing');
    for (const f of ['go-tdx-guest/quote_v5_sample.dat', 'go-tdx-guest/cos-113-tdx-quote.dat', 'openpcc/gce-tdx-quote-v4.bin', 'openpcc/azure-tdx-quote-v4.bin', 'dcap-qvl/tdx_quote', 'dcap-qvl/tdx_quote_outdated']) {
      expect(code(() => parseTdxQuote(readVector('tdx', ...f.split('/'))))).toBe('ok');
    }
    expect(code(() => parseSgxQuote(readVector('sgx', 'dcap-qvl', 'sgx_quote')))).toBe('ok');
  });

  it('re-encoding a parsed real quote gives its bytes back (the parser reads every byte)', () => {
    for (const [tee, f] of [['tdx', 'dcap-qvl/tdx_quote'], ['tdx', 'go-tdx-guest/quote_v5_sample.dat'], ['sgx', 'dcap-qvl/sgx_quote']] as const) {
      const raw = readVector(tee, ...f.split('/'));
      const q = parseDcapQuote(raw);
      const again = encodeDcapQuote({
        version: q.header.version,
        ...(q.header.version === 5 ? { bodyType: q.bodyType as 2 | 3 } : {}),
        qeSvn: q.header.qeSvn,
        pceSvn: q.header.pceSvn,
        userData: q.header.userData,
        body: (q.td ?? q.enclave)!.raw,
        signature: q.sig.signature,
        attestationKey: q.sig.attestationKey,
        qeReport: q.sig.qeReport.raw,
        qeReportSignature: q.sig.qeReportSignature,
        qeAuthData: q.sig.qeAuthData,
        pckChainPem: q.sig.pckChainPem,
      });
      expect(Buffer.from(again).equals(Buffer.from(q.bytes))).toBe(true);
    }
  });
});

describe('pph fuzz tdx-quote / sgx-quote: only typed errors', () => {
  for (const name of ['tdx-quote', 'sgx-quote']) {
    it(`${name}: 3000 runs`, () => {
      fc.assert(fuzzProperty(TARGETS[name]!), { numRuns: 3000, seed: 15 });
    });
  }
});

describeVectors('single-byte mutations of a real quote through the whole verifier', () => {
  it('every mutation is refused with a DcapError; the intact quote verifies', () => {
    const quote = readVector('tdx', 'dcap-qvl', 'tdx_quote');
    const collateral = collateralVector('tdx/dcap-qvl/tdx_quote_collateral.json');
    const atMs = Date.parse('2025-07-01T00:00:00Z');
    expect(verifyDcapQuote(quote, collateral, { atMs }).tcbStatus).toBe('UpToDate');
    const end = parseDcapQuote(quote).bytes.length;
    fc.assert(
      fc.property(fc.nat({ max: end - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = quote.slice();
        m[i]! ^= x;
        expect(() => verifyDcapQuote(m, collateral, { atMs })).toThrow(DcapError);
      }),
      { numRuns: 400, seed: 15 },
    );
  });
});
