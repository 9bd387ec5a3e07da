/**
 * The TDX runner over a fake configfs-tsm seeded with real TD quotes from ../shared/vectors/tdx/
 * (v4 and v5): the quote's framing parses, its fields equal tdx/expected.json, and it must carry
 * our REPORT_DATA. The framing error paths use quotes built here (header fields changed), since
 * no vector is malformed. Quote signatures and collateral are verified in
 * test/conformance/dcap-tdx.test.ts; go-tdx-guest's SPR_E4 quote (non-zero trailing bytes) is
 * refused by the strict parser (test/regressions/dcap-parse.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { TeeError } from '../../tee/runner.js';
import { TdxQuoteError, parseTdxQuote } from '../../tee/tdx-quote.js';
import { TdxRunner, tdxEvidence } from '../../tee/tdx.js';
import { describeVectors, readVector, readVectorJson } from '../helpers/vectors.js';
import { fakeConfigfsPerTest, type FakeConfigfs } from './fake-configfs.js';

const fake = fakeConfigfsPerTest(afterEach);

function quoteCode(bytes: Uint8Array): string {
  try {
    parseTdxQuote(bytes);
    return 'ok';
  } catch (e) {
    if (e instanceof TdxQuoteError) return e.code;
    throw e;
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof TeeError) return `${e.name}.${e.code}`;
    throw e;
  }
}

interface Expected {
  fields?: { version: number; tee_type: string; body_type?: number; tee_tcb_svn: string; mrseam: string; td_attributes: string; xfam: string; mrtd: string; rtmr0: string; report_data: string };
}

const QUOTES = [
  'go-tdx-guest/quote_v5_sample.dat',
  'go-tdx-guest/cos-113-tdx-quote.dat',
  'openpcc/gce-tdx-quote-v4.bin',
  'openpcc/azure-tdx-quote-v4.bin',
  'dcap-qvl/tdx_quote',
  'dcap-qvl/tdx_quote_outdated',
];

describeVectors('TDX runner over a fake configfs-tsm, real quotes', () => {
  const expected = readVectorJson<Record<string, Expected>>('tdx', 'expected.json');
  const quote = (p: string): Uint8Array => readVector('tdx', ...p.split('/'));

  for (const file of QUOTES) {
    it(`${file}: framing parses and the fields equal tdx/expected.json`, () => {
      const q = parseTdxQuote(quote(file));
      const f = expected[file]!.fields!;
      expect(q.version).toBe(f.version);
      expect(`0x${q.teeType.toString(16)}`).toBe(f.tee_type);
      if (f.body_type !== undefined) expect(q.bodyType).toBe(f.body_type);
      expect(toHex(q.teeTcbSvn)).toBe(f.tee_tcb_svn);
      expect(toHex(q.mrSeam)).toBe(f.mrseam);
      expect(toHex(q.tdAttributes)).toBe(f.td_attributes);
      expect(toHex(q.xfam)).toBe(f.xfam);
      expect(toHex(q.mrTd)).toBe(f.mrtd);
      expect(toHex(q.rtmr0)).toBe(f.rtmr0);
      expect(toHex(q.reportData)).toBe(f.report_data);
      expect(q.signatureData.length).toBeGreaterThan(0);
    });
  }

  it('cos-113: REPORT_DATA equals its nonce file, and the quote comes back through outblob', async () => {
    const bytes = quote('go-tdx-guest/cos-113-tdx-quote.dat');
    const nonce = readVector('tdx', 'go-tdx-guest', 'cos-113-tdx-quote.nonce.dat');
    const f = fake({ provider: 'tdx_guest', outblob: bytes });
    const runner = new TdxRunner({ configfsRoot: f.root, io: f.io, entryName: 'pph-td' });
    expect(runner.available().ok).toBe(true);
    await runner.start();
    const evidence = await runner.attest(nonce);
    expect(evidence.provider).toBe('tdx_guest');
    expect(toHex(evidence.report)).toBe(toHex(bytes));
    // GCE hands a zero-padded 8000-byte buffer: the padding is counted, not refused.
    expect(parseTdxQuote(evidence.report).trailingBytes).toBeGreaterThan(0);
    expect(await codeOf(runner.attest(new Uint8Array(64).fill(1)))).toBe('TeeError.binding');
    await runner.stop();
    expect(f.entries()).toEqual([]);
  });

  it('v5 quote (TDX 1.5 body) with its own REPORT_DATA through the runner', async () => {
    const bytes = quote('go-tdx-guest/quote_v5_sample.dat');
    const f = fake({ provider: 'tdx_guest', outblob: bytes });
    const runner = new TdxRunner({ configfsRoot: f.root, io: f.io });
    await runner.start();
    const reportData = parseTdxQuote(bytes).reportData;
    expect((await runner.attest(reportData)).generation).toBe(1);
    await runner.stop();
  });

  it('the SEV-SNP provider is not a TDX guest; the race and I/O checks are shared with SEV-SNP', async () => {
    const f = fake({ provider: 'sev_guest', outblob: quote('dcap-qvl/tdx_quote') });
    const runner = new TdxRunner({ configfsRoot: f.root, io: f.io });
    expect(runner.available().ok).toBe(false);
    expect(await codeOf(runner.start())).toBe('TeeError.provider');
    const raced = fake({ provider: 'tdx_guest', outblob: quote('dcap-qvl/tdx_quote') });
    raced.onOutblobRead = (dir) => raced.bumpGeneration(dir);
    const r2 = new TdxRunner({ configfsRoot: raced.root, io: raced.io });
    await r2.start();
    expect(await codeOf(r2.attest(parseTdxQuote(quote('dcap-qvl/tdx_quote')).reportData))).toBe('TeeError.race');
    await r2.stop();
  });
});

describe('TDX quote framing errors (constructed outblobs: no malformed vector exists)', () => {
  /**
   * Strictly framed signature data (the parser checks every length): signature, attestation key,
   * certification data type 6 { QE report, QE report signature, empty QE auth data, type 5 PEM }.
   */
  function sigData(): Uint8Array {
    const pem = new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const inner = 384 + 64 + 2 + 2 + 4 + pem.length;
    const b = new Uint8Array(128 + 6 + inner);
    const v = new DataView(b.buffer);
    v.setUint16(128, 6, true);
    v.setUint32(130, inner, true);
    v.setUint16(134 + 448 + 2, 5, true);
    v.setUint32(134 + 448 + 4, pem.length, true);
    b.set(pem, 134 + 448 + 8);
    return b;
  }
  /** A minimal well-framed v4 quote: header (Intel's QE vendor ID), 584-byte body, signature data. */
  function v4(): Uint8Array {
    const sig = sigData();
    const b = new Uint8Array(48 + 584 + 4 + sig.length);
    const v = new DataView(b.buffer);
    v.setUint16(0, 4, true);
    v.setUint16(2, 2, true);
    v.setUint32(4, 0x81, true);
    b.set(fromHex('939a7233f79c4ca9940a0db3957f0607'), 12);
    v.setUint32(48 + 584, sig.length, true);
    b.set(sig, 48 + 584 + 4);
    b.fill(0x5a, 48 + 520, 48 + 584); // REPORTDATA
    return b;
  }
  function v5(bodyType: number, size: number): Uint8Array {
    const sig = sigData();
    const b = new Uint8Array(48 + 6 + size + 4 + sig.length);
    const v = new DataView(b.buffer);
    v.setUint16(0, 5, true);
    v.setUint16(2, 2, true);
    v.setUint32(4, 0x81, true);
    b.set(fromHex('939a7233f79c4ca9940a0db3957f0607'), 12);
    v.setUint16(48, bodyType, true);
    v.setUint32(50, size, true);
    v.setUint32(54 + size, sig.length, true);
    b.set(sig, 54 + size + 4);
    return b;
  }
  const set16 = (b: Uint8Array, at: number, x: number): Uint8Array => {
    const c = b.slice();
    new DataView(c.buffer).setUint16(at, x, true);
    return c;
  };

  it('the constructed quotes parse, REPORTDATA at body offset 520', () => {
    expect(toHex(parseTdxQuote(v4()).reportData)).toBe('5a'.repeat(64));
    expect(parseTdxQuote(v5(3, 648)).bodyType).toBe(3);
    expect(parseTdxQuote(v5(2, 584)).bodyType).toBe(2);
  });
  it('version 3 (SGX) or 6: version', () => {
    expect(quoteCode(set16(v4(), 0, 3))).toBe('version');
    expect(quoteCode(set16(v4(), 0, 6))).toBe('version');
  });
  it('TEE type 0 (SGX): tee-type', () => {
    const b = v4();
    new DataView(b.buffer).setUint32(4, 0, true);
    expect(quoteCode(b)).toBe('tee-type');
  });
  it('attestation key type 1: key-type', () => {
    expect(quoteCode(set16(v4(), 2, 1))).toBe('key-type');
  });
  it('v5 body type 1 (SGX enclave report) or a size that does not match its type: body-type, body-size', () => {
    expect(quoteCode(v5(1, 384))).toBe('body-type');
    expect(quoteCode(v5(3, 584))).toBe('body-size');
  });
  it('cut anywhere: truncated', () => {
    const b = v4();
    for (const n of [0, 10, 47, 48, 100, 631, 635, b.length - 1]) expect(quoteCode(b.subarray(0, n))).toBe('truncated');
  });
  it('the runner turns a framing error into TeeError outblob', () => {
    expect(() => tdxEvidence('tdx_guest', set16(v4(), 0, 3), new Uint8Array(64))).toThrow(expect.objectContaining({ name: 'TeeError', code: 'outblob' }));
  });
});
