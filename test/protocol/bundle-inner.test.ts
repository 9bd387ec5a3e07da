import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBundle, parseBundle, BundleError, reportDataBinding, releaseMeasurement, encodeReleaseEntry, type AttestationBundle } from '../../protocol/attestation-bundle.js';
import { sealInnerRequest, openInnerRequest, responseKey, sealInnerResponse, openInnerResponse, InnerSessionError } from '../../protocol/inner-session.js';
import { generateKeyPair } from '../../protocol/hpke.js';
import { utf8, toHex } from '../../protocol/bytes.js';
import { ChaChaRng } from '../../sim/rng.js';

const rng = ChaChaRng.fromSeed('bundle');
const sample: AttestationBundle = {
  nodeId: 'enclave-0',
  enclaveKey: rng.bytes(32),
  report: rng.bytes(0x4a0),
  certificates: [rng.bytes(900), rng.bytes(700)],
  releaseEntry: encodeReleaseEntry(rng.bytes(48), 'pph-enclave 1.0'),
  leafIndex: 3,
  treeSize: 4,
  inclusionProof: [rng.bytes(32), rng.bytes(32)],
  checkpoint: 'log.pph.test\n4\nAAAA\n\n— log.pph.test abcd\n',
};

describe('attestation bundle', () => {
  it('round-trips', () => {
    expect(parseBundle(encodeBundle(sample))).toEqual(sample);
  });

  it('every truncation is a BundleError truncated, never another error', () => {
    const bytes = encodeBundle(sample);
    for (let n = 0; n < bytes.length; n++) {
      let err: unknown;
      try {
        parseBundle(bytes.subarray(0, n));
      } catch (e) {
        err = e;
      }
      expect(err, `length ${n}`).toBeInstanceOf(BundleError);
    }
  });

  it('rejects a wrong version, trailing bytes, a bad key length, invalid UTF-8 and huge fields', () => {
    const bytes = encodeBundle(sample);
    const code = (b: Uint8Array) => {
      try {
        parseBundle(b);
      } catch (e) {
        return (e as BundleError).code;
      }
      return 'ok';
    };
    expect(code(Uint8Array.of(2, ...bytes.subarray(1)))).toBe('version');
    expect(code(Uint8Array.of(...bytes, 0))).toBe('trailing');
    expect(code(encodeBundle({ ...sample, enclaveKey: new Uint8Array(31) }))).toBe('invalid');
    const badUtf8 = encodeBundle({ ...sample, nodeId: 'x' });
    badUtf8[5] = 0xff;
    expect(code(badUtf8)).toBe('invalid');
    expect(code(Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff))).toBe('limit');
    expect(() => releaseMeasurement(new Uint8Array(47))).toThrow(BundleError);
  });

  it('never throws anything but BundleError on arbitrary bytes (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          parseBundle(Uint8Array.of(1, ...b));
        } catch (e) {
          if (!(e instanceof BundleError)) throw e;
        }
      }),
      { numRuns: 10_000, seed: 4 },
    );
  });

  it('REPORT_DATA binds the key and the nonce: change either and it changes', () => {
    const k = rng.bytes(32);
    const n = rng.bytes(32);
    const base = toHex(reportDataBinding(k, n));
    expect(reportDataBinding(k, n)).toHaveLength(64);
    expect(toHex(reportDataBinding(rng.bytes(32), n))).not.toBe(base);
    expect(toHex(reportDataBinding(k, rng.bytes(32)))).not.toBe(base);
    expect(toHex(reportDataBinding(k, null))).not.toBe(base);
  });
});

describe('inner session', () => {
  const enclave = generateKeyPair(ChaChaRng.fromSeed('enclave'));

  it('seals to the enclave key and binds the answer to the request', () => {
    const r = ChaChaRng.fromSeed('client');
    const { bytes, context } = sealInnerRequest(enclave.publicKey, 'enclave-0', utf8('task'), r);
    const opened = openInnerRequest(enclave.secretKey, 'enclave-0', bytes);
    expect(new TextDecoder().decode(opened.plaintext)).toBe('task');
    const key = responseKey(opened.context, true, enclave.publicKey);
    const sealed = sealInnerResponse(key, utf8('answer'), r);
    expect(new TextDecoder().decode(openInnerResponse(responseKey(context, true, enclave.publicKey), sealed))).toBe('answer');
    // Paired check across the boundary: another request's context cannot open this answer.
    const other = sealInnerRequest(enclave.publicKey, 'enclave-0', utf8('task'), r);
    expect(() => openInnerResponse(responseKey(other.context, true, enclave.publicKey), sealed)).toThrow(InnerSessionError);
    // The unbound mutant: every request to this enclave shares one key, so a swap goes unnoticed.
    const unbound = sealInnerResponse(responseKey(null, false, enclave.publicKey), utf8('x'), r);
    expect(new TextDecoder().decode(openInnerResponse(responseKey(other.context, false, enclave.publicKey), unbound))).toBe('x');
  });

  it('refuses a wrong key, a wrong node id, every bit flip and every truncation', () => {
    const r = ChaChaRng.fromSeed('client2');
    const { bytes } = sealInnerRequest(enclave.publicKey, 'enclave-0', utf8('task'), r);
    const other = generateKeyPair(ChaChaRng.fromSeed('other'));
    expect(() => openInnerRequest(other.secretKey, 'enclave-0', bytes)).toThrow(InnerSessionError);
    expect(() => openInnerRequest(enclave.secretKey, 'enclave-1', bytes)).toThrow(InnerSessionError);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes.slice();
      b[i]! ^= 1;
      expect(() => openInnerRequest(enclave.secretKey, 'enclave-0', b), `flip ${i}`).toThrow(InnerSessionError);
    }
    for (let n = 0; n < bytes.length; n++) expect(() => openInnerRequest(enclave.secretKey, 'enclave-0', bytes.subarray(0, n))).toThrow(InnerSessionError);
    expect(() => openInnerResponse(new Uint8Array(16), new Uint8Array(10))).toThrow(InnerSessionError);
  });
});
