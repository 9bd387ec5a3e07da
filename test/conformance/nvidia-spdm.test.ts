/**
 * Real NVIDIA Hopper/Blackwell GPU evidence (nvidia-gpu/expected.json and MANIFEST.md): every
 * transcript verifies with its nonce under its chain and the pinned NVIDIA Device Identity CA,
 * with the stated fields; each field tampered, each certificate tampered, a wrong root, a wrong
 * nonce and every truncation are refused with their codes.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { NvidiaEvidenceError } from '../../protocol/attestation/nvidia/errors.js';
import { certificateDers } from '../../protocol/attestation/amd-cert.js';
import { NVIDIA_DEVICE_ROOT_SPKI_SHA256, NvidiaTrust, leafFwid, parseChainCertificates } from '../../protocol/attestation/nvidia/chain.js';
import { parseNvidiaEvidence, SPDM_REQUEST_BYTES } from '../../protocol/attestation/nvidia/spdm.js';
import { parseNrasEvidenceList, verifyNvidiaEvidence, verifyNvidiaEvidenceList, type NvidiaVerifyOptions } from '../../protocol/attestation/nvidia/verify.js';
import { createHash } from 'node:crypto';
import { describeVectors, readVector, readVectorJson } from '../helpers/vectors.js';
import { errorCodeOf } from '../helpers/error-code.js';

/** Any time works: every certificate is valid 2020..9999-12-31. */
const AT_MS = Date.UTC(2026, 0, 1);

interface Expected {
  total_len: number;
  request_nonce: string;
  response_nonce: string;
  measurement_blocks: number;
  measurement_record_len: number;
  opaque_len: number;
  driver_version: string;
  vbios_version_raw_le: string;
  project: string;
  project_sku: string;
  chip_sku: string;
  fwid_opaque: string;
  leaf_subject?: string;
}

const text = (p: string): string => Buffer.from(readVector('nvidia-gpu', ...p.split('/'))).toString('utf8');
const hexFile = (p: string): Uint8Array => fromHex(text(p).trim());

/** The NvidiaEvidenceError code of a verification, or 'valid'. */
const outcome = (run: () => unknown): string => errorCodeOf(NvidiaEvidenceError, run);

function flip(b: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = b.slice();
  out[index]! ^= mask;
  return out;
}

function toPem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

describeVectors('NVIDIA SPDM GET_MEASUREMENTS evidence (nvidia-gpu/expected.json)', () => {
  const expected = readVectorJson<Record<string, Expected & { items?: Expected[] }>>('nvidia-gpu', 'expected.json');
  const trust = new NvidiaTrust();
  const singles = [
    { file: 'nvtrust/hopperAttestationReport.hex.txt', chain: 'nvtrust/hopperCertChain.pem', arch: 'HOPPER', oid: '2.23.133.5.4.1', trailing: 0 },
    { file: 'trustee/hopper_coco_report1.hex.txt', chain: 'trustee/hopper_coco_certs1.pem', arch: 'HOPPER', oid: '2.23.133.5.4.1', trailing: 1 },
    { file: 'trustee/blackwell_rtxpro6000_report.hex.txt', chain: 'trustee/blackwell_cert_chain.pem', arch: 'BLACKWELL', oid: '2.23.133.5.4.1.1', trailing: 0 },
  ];

  it('pins the SPKI of nvtrust/verifier_device_root.pem (certificate SHA-256 102bf659…7b48)', () => {
    const [root] = parseChainCertificates(text('nvtrust/verifier_device_root.pem'));
    expect(createHash('sha256').update(root!.der).digest('hex')).toBe('102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48');
    expect(createHash('sha256').update(root!.spki).digest('hex')).toBe(NVIDIA_DEVICE_ROOT_SPKI_SHA256);
  });

  for (const s of singles) {
    describe(s.file, () => {
      const e = expected[s.file]!;
      const bytes = hexFile(s.file);
      const chain = trust.chain(text(s.chain));
      const opts: NvidiaVerifyOptions = { atMs: AT_MS, nonce: fromHex(e.request_nonce), allowTrailingZero: s.trailing > 0 };

      it('is valid with its nonce, with the fields expected.json states', () => {
        expect(bytes.length).toBe(e.total_len);
        const v = verifyNvidiaEvidence(bytes, chain, opts);
        const ev = v.evidence;
        expect(v.nonceChecked).toBe(true);
        expect(v.arch).toBe(s.arch);
        expect(ev.trailingBytes).toBe(s.trailing);
        expect(ev.request.bytes.length).toBe(37);
        expect(toHex(ev.request.bytes.subarray(0, 4))).toBe('11e001ff');
        expect(ev.response.version).toBe(0x11);
        expect(toHex(ev.request.nonce)).toBe(e.request_nonce);
        expect(toHex(ev.response.nonce)).toBe(e.response_nonce);
        expect(ev.response.numberOfBlocks).toBe(e.measurement_blocks);
        expect(ev.response.blocks.map((b) => b.index)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
        expect(ev.response.blocks.every((b) => b.value.length === 48)).toBe(true);
        expect(ev.response.measurementRecordLength).toBe(e.measurement_record_len);
        expect(ev.response.opaqueLength).toBe(e.opaque_len);
        expect(ev.response.signature.length).toBe(96);
        expect(ev.signedBytes.length).toBe(e.total_len - s.trailing - 96);
        const o = ev.response.opaque;
        expect(o.driverVersion).toBe(e.driver_version);
        expect(toHex(o.vbiosVersionRaw!)).toBe(e.vbios_version_raw_le);
        expect(o.project).toBe(e.project);
        expect(o.projectSku).toBe(e.project_sku);
        expect(o.chipSku).toBe(e.chip_sku);
        expect(toHex(v.fwid)).toBe(e.fwid_opaque);
        const certFwid = leafFwid(chain.leaf);
        expect(certFwid.oid).toBe(s.oid);
        expect(toHex(certFwid.digest)).toBe(e.fwid_opaque);
        expect(chain.certs.length).toBe(5);
        expect(chain.certs[4]!.subjectCn).toBe('NVIDIA Device Identity CA');
      });

      it('without a nonce it verifies but says the nonce was not checked', () => {
        const v = verifyNvidiaEvidence(bytes, chain, { atMs: AT_MS, allowTrailingZero: s.trailing > 0 });
        expect(v.nonceChecked).toBe(false);
      });

      it('a wrong caller nonce is refused (nonce)', () => {
        expect(outcome(() => verifyNvidiaEvidence(bytes, chain, { ...opts, nonce: flip(fromHex(e.request_nonce), 31) }))).toBe('nonce');
      });

      it('a wrong root is refused (chain)', () => {
        const rimRoot = NvidiaTrust.fromRootPem(text('nvtrust/verifier_RIM_root.pem'));
        expect(outcome(() => verifyNvidiaEvidence(bytes, rimRoot.chain(text(s.chain)), opts))).toBe('chain');
      });

      it('--root with the device root itself verifies', () => {
        const pinned = NvidiaTrust.fromRootPem(text('nvtrust/verifier_device_root.pem'));
        expect(outcome(() => verifyNvidiaEvidence(bytes, pinned.chain(text(s.chain)), opts))).toBe('valid');
      });
    });
  }

  describe('the trailing 0x00 of trustee/hopper_coco_report1', () => {
    const bytes = hexFile('trustee/hopper_coco_report1.hex.txt');
    const chain = trust.chain(text('trustee/hopper_coco_certs1.pem'));
    const nonce = fromHex(expected['trustee/hopper_coco_report1.hex.txt']!.request_nonce);

    it('is refused by default (trailing-bytes), accepted with allowTrailingZero', () => {
      expect(bytes[bytes.length - 1]).toBe(0);
      expect(outcome(() => verifyNvidiaEvidence(bytes, chain, { atMs: AT_MS, nonce }))).toBe('trailing-bytes');
      expect(outcome(() => verifyNvidiaEvidence(bytes, chain, { atMs: AT_MS, nonce, allowTrailingZero: true }))).toBe('valid');
      // Without the byte it is a strict, valid transcript.
      expect(outcome(() => verifyNvidiaEvidence(bytes.subarray(0, bytes.length - 1), chain, { atMs: AT_MS, nonce }))).toBe('valid');
    });

    it('leniency is for exactly one zero byte: a non-zero byte or two zeros are refused', () => {
      const base = bytes.subarray(0, bytes.length - 1);
      const withTail = (...tail: number[]): Uint8Array => Uint8Array.from([...base, ...tail]);
      expect(outcome(() => parseNvidiaEvidence(withTail(0x01), { allowTrailingZero: true }))).toBe('trailing-bytes');
      expect(outcome(() => parseNvidiaEvidence(withTail(0, 0), { allowTrailingZero: true }))).toBe('trailing-bytes');
      expect(outcome(() => parseNvidiaEvidence(withTail(0x01)))).toBe('trailing-bytes');
    });
  });

  describe('tampering nvtrust/hopperAttestationReport (each field)', () => {
    const file = 'nvtrust/hopperAttestationReport.hex.txt';
    const e = expected[file]!;
    const bytes = hexFile(file);
    const pem = text('nvtrust/hopperCertChain.pem');
    const chain = trust.chain(pem);
    const opts: NvidiaVerifyOptions = { atMs: AT_MS, nonce: fromHex(e.request_nonce) };
    const ev = parseNvidiaEvidence(bytes);
    const R = SPDM_REQUEST_BYTES;
    const recordStart = R + 8;
    const nonceStart = recordStart + ev.response.measurementRecordLength;
    const opaqueStart = nonceStart + 32 + 2;
    const sigStart = ev.signedBytes.length;
    /** Offset of the value of the opaque TLV of `type`. */
    const tlvValueAt = (type: number): number => {
      let at = opaqueStart;
      for (const t of ev.response.opaque.tlvs) {
        if (t.type === type) return at + 4;
        at += 4 + t.value.length;
      }
      throw new Error(`no TLV ${type}`);
    };
    const fwidAt = tlvValueAt(20);

    it('the computed offsets point at the fields', () => {
      expect(toHex(bytes.subarray(4, 36))).toBe(e.request_nonce);
      expect(toHex(bytes.subarray(nonceStart, nonceStart + 32))).toBe(e.response_nonce);
      expect(toHex(bytes.subarray(fwidAt, fwidAt + 48))).toBe(e.fwid_opaque);
      expect(sigStart + 96).toBe(bytes.length);
    });

    const signed: [string, () => number][] = [
      ['request nonce', () => 4 + 7],
      ['response Param1', () => R + 2],
      ['first measurement block value', () => recordStart + 7 + 10],
      ['measurement block 33 value', () => recordStart + 32 * 55 + 7 + 47],
      ['last measurement block value', () => nonceStart - 1],
      ['responder nonce', () => nonceStart + 3],
      ['opaque driver version', () => tlvValueAt(3) + 1],
      ['opaque NVDEC0 status', () => tlvValueAt(11)],
      ['opaque FWID', () => fwidAt + 20],
      ['signature r', () => sigStart + 5],
      ['signature s', () => sigStart + 48 + 5],
    ];
    for (const [what, at] of signed) {
      it(`${what} flipped: signature`, () => {
        expect(outcome(() => verifyNvidiaEvidence(flip(bytes, at()), chain, opts))).toBe('signature');
      });
    }

    it('request and response slot both changed to 1 (consistent framing): signature', () => {
      const b = bytes.slice();
      b[36] = 1;
      b[R + 3] = 1;
      expect(outcome(() => verifyNvidiaEvidence(b, chain, opts))).toBe('signature');
    });

    it('r or s zeroed, or r‖s swapped: signature', () => {
      const zeroR = bytes.slice();
      zeroR.fill(0, sigStart, sigStart + 48);
      const zeroS = bytes.slice();
      zeroS.fill(0, sigStart + 48);
      const swapped = bytes.slice();
      swapped.set(bytes.subarray(sigStart + 48), sigStart);
      swapped.set(bytes.subarray(sigStart, sigStart + 48), sigStart + 48);
      for (const b of [zeroR, zeroS, swapped]) expect(outcome(() => verifyNvidiaEvidence(b, chain, opts))).toBe('signature');
    });

    const framing: [string, (b: Uint8Array) => void][] = [
      ['request SPDMVersion 0x10', (b) => (b[0] = 0x10)],
      ['request code GET_CERTIFICATE 0x82', (b) => (b[1] = 0x82)],
      ['request Param1 without signature', (b) => (b[2] = 0x00)],
      ['request Param2 one index', (b) => (b[3] = 0x01)],
      ['request SlotIDParam 8', (b) => (b[36] = 0x08)],
      ['response SPDMVersion 0x12', (b) => (b[R] = 0x12)],
      ['response code ERROR 0x7f', (b) => (b[R + 1] = 0x7f)],
      ['response SlotID ≠ request SlotID', (b) => (b[R + 3] = 0x01)],
      ['NumberOfBlocks 63', (b) => (b[R + 4] = 63)],
      ['NumberOfBlocks 65', (b) => (b[R + 4] = 65)],
      ['NumberOfBlocks 0', (b) => (b[R + 4] = 0)],
      ['MeasurementRecordLength + 1', (b) => (b[R + 5]! += 1)],
      ['MeasurementRecordLength − 1', (b) => (b[R + 5]! -= 1)],
      ['block index 0', (b) => (b[recordStart] = 0)],
      ['block index duplicated', (b) => (b[recordStart + 55] = 1)],
      ['block specification not DMTF', (b) => (b[recordStart + 1] = 0x02)],
      ['block MeasurementSize ≠ 3 + value size', (b) => (b[recordStart + 2] = 52)],
      ['digest of 47 bytes', (b) => (b[recordStart + 5] = 47)],
      ['OpaqueLength + 1', (b) => (b[nonceStart + 32]! += 1)],
      ['OpaqueLength over 1024', (b) => (b[nonceStart + 33] = 0x04)],
      ['opaque TLV size past the end', (b) => (b[opaqueStart + 3] = 0x10)],
      ['opaque FWID of 47 bytes', (b) => (b[fwidAt - 2] = 47)],
      ['opaque type 255 (invalid)', (b) => ((b[opaqueStart] = 0xff), (b[opaqueStart + 1] = 0))],
    ];
    for (const [what, mutate] of framing) {
      it(`${what}: parse`, () => {
        const b = bytes.slice();
        mutate(b);
        expect(outcome(() => verifyNvidiaEvidence(b, chain, opts))).toBe('parse');
      });
    }

    it('truncated at every structural boundary and at every other length: parse', () => {
      const boundaries = [0, 1, 2, 3, 4, 36, R, R + 1, R + 4, R + 5, R + 8, nonceStart, nonceStart + 32, opaqueStart, sigStart, sigStart + 48, bytes.length - 1];
      for (let k = 0; k <= 64; k++) boundaries.push(recordStart + 55 * k, recordStart + 55 * k + 4, recordStart + 55 * k + 7);
      let at = opaqueStart;
      for (const t of ev.response.opaque.tlvs) boundaries.push(at, at + 2, at + 4, (at += 4 + t.value.length));
      for (const n of boundaries) expect(outcome(() => verifyNvidiaEvidence(bytes.subarray(0, n), chain, opts)), `length ${n}`).toBe('parse');
      const codes = new Set<string>();
      for (let n = 0; n < bytes.length; n++) codes.add(outcome(() => parseNvidiaEvidence(bytes.subarray(0, n))));
      expect([...codes]).toEqual(['parse']);
    });

    it('one byte appended: trailing-bytes', () => {
      expect(outcome(() => verifyNvidiaEvidence(Uint8Array.from([...bytes, 0x00]), chain, opts))).toBe('trailing-bytes');
    });

    const ders = certificateDers(pem);
    const names = ['leaf (GSP FMC LF)', 'GSP BROM', 'Provisioner ICA', 'GH100 Identity', 'Device Identity CA (root)'];
    ders.forEach((der, i) => {
      it(`certificate ${i} ${names[i]}: its signature flipped, its key or name flipped: chain`, () => {
        const sigByte = der.length - 5; // inside signatureValue
        const withCert = (d: Uint8Array): string => ders.map((x, j) => toPem(j === i ? d : x)).join('');
        expect(outcome(() => verifyNvidiaEvidence(bytes, new NvidiaTrust().chain(withCert(flip(der, sigByte))), opts))).toBe('chain');
        // The last byte of the subject public key (uncompressed point) sits just before the extensions.
        const spkiEnd = (() => {
          const c = parseChainCertificates([der])[0]!;
          return Buffer.from(der).indexOf(Buffer.from(c.spki)) + c.spki.length - 1;
        })();
        expect(outcome(() => verifyNvidiaEvidence(bytes, new NvidiaTrust().chain(withCert(flip(der, spkiEnd))), opts))).toBe('chain');
        const subjectByte = (() => {
          const c = parseChainCertificates([der])[0]!;
          return Buffer.from(der).indexOf(Buffer.from(c.subject)) + c.subject.length - 2;
        })();
        expect(outcome(() => verifyNvidiaEvidence(bytes, new NvidiaTrust().chain(withCert(flip(der, subjectByte))), opts))).toBe('chain');
      });
    });

    it('a certificate left out, the order changed, or only the leaf: chain', () => {
      const pems = ders.map(toPem);
      expect(outcome(() => verifyNvidiaEvidence(bytes, trust.chain(pems.filter((_, j) => j !== 2).join('')), opts))).toBe('chain');
      expect(outcome(() => verifyNvidiaEvidence(bytes, trust.chain(pems.filter((_, j) => j !== 4).join('')), opts))).toBe('chain');
      expect(outcome(() => verifyNvidiaEvidence(bytes, trust.chain([pems[0], pems[2], pems[1], pems[3], pems[4]].join('')), opts))).toBe('chain');
      expect(outcome(() => verifyNvidiaEvidence(bytes, trust.chain(pems[0]!), opts))).toBe('chain');
      expect(outcome(() => trust.chain('not a pem'))).toBe('chain');
    });

    it('a chain without its root: chain by default; completed by --root (fromRootPem) it verifies', () => {
      const noRoot = ders.slice(0, 4).map(toPem).join('');
      expect(outcome(() => verifyNvidiaEvidence(bytes, trust.chain(noRoot), opts))).toBe('chain');
      const pinned = NvidiaTrust.fromRootPem(text('nvtrust/verifier_device_root.pem'));
      expect(pinned.chain(noRoot).certs.length).toBe(5);
      expect(outcome(() => verifyNvidiaEvidence(bytes, pinned.chain(noRoot), opts))).toBe('valid');
      const rim = NvidiaTrust.fromRootPem(text('nvtrust/verifier_RIM_root.pem'));
      expect(outcome(() => verifyNvidiaEvidence(bytes, rim.chain(noRoot), opts))).toBe('chain');
    });

    it("another GPU's valid chain (trustee's H100): signature", () => {
      const other = trust.chain(text('trustee/hopper_coco_certs1.pem'));
      expect(other.problem).toBeUndefined();
      expect(outcome(() => verifyNvidiaEvidence(bytes, other, opts))).toBe('signature');
    });

    it('a time before the chain is valid: not-yet-valid; after 9999-12-31: expired', () => {
      expect(outcome(() => verifyNvidiaEvidence(bytes, chain, { ...opts, atMs: Date.UTC(2019, 0, 1) }))).toBe('not-yet-valid');
      expect(outcome(() => verifyNvidiaEvidence(bytes, chain, { ...opts, atMs: Date.UTC(10000, 0, 2) }))).toBe('expired');
    });
  });

  describe('nvtrust/ppcie-hgx8-gpu_evidence.json (8 GPUs, NRAS list shape)', () => {
    const file = 'nvtrust/ppcie-hgx8-gpu_evidence.json';
    const e = expected[file]! as unknown as { items: Expected[] };
    const json = text(file);
    const nonce = fromHex(e.items[0]!.request_nonce);

    it('all 8 are valid with the nonce, with the fields expected.json states', () => {
      const results = verifyNvidiaEvidenceList(json, trust, { atMs: AT_MS, nonce });
      expect(results.length).toBe(8);
      const serials = new Set<string>();
      results.forEach((r, i) => {
        expect(r.ok, `item ${i}`).toBe(true);
        if (!r.ok) return;
        const x = e.items[i]!;
        const ev = r.verified.evidence;
        expect(ev.bytes.length).toBe(x.total_len);
        expect(toHex(ev.response.nonce)).toBe(x.response_nonce);
        expect(ev.response.opaqueLength).toBe(x.opaque_len);
        expect(ev.response.opaque.driverVersion).toBe(x.driver_version);
        expect(ev.response.opaque.vbiosVersion).toBe('96.00.A5.00.01');
        expect(ev.response.opaque.project).toBe(x.project);
        expect(toHex(r.verified.fwid)).toBe(x.fwid_opaque);
        const serial = /2\.5\.4\.5=([0-9A-F]+)/.exec(x.leaf_subject!)![1]!;
        const leafSerialAttr = Buffer.from(r.verified.chain.leaf.subject).toString('latin1');
        expect(leafSerialAttr).toContain(serial);
        serials.add(r.verified.chain.leafSpkiSha256);
      });
      expect(serials.size).toBe(8);
    });

    const items = JSON.parse(json) as Record<string, string>[];
    const withItem = (i: number, patch: Record<string, unknown>): unknown => items.map((it, j) => (j === i ? { ...it, ...patch } : it));
    const codeOf = (list: unknown, i: number): string => {
      const r = verifyNvidiaEvidenceList(list, trust, { atMs: AT_MS, nonce })[i]!;
      return r.ok ? 'valid' : r.error.code;
    };

    it('any evidence byte tampered (request nonce, a measurement, the signature): signature', () => {
      const ev = new Uint8Array(Buffer.from(items[3]!.evidence!, 'base64'));
      for (const at of [10, 37 + 8 + 100, ev.length - 50]) {
        expect(codeOf(withItem(3, { evidence: Buffer.from(flip(ev, at)).toString('base64') }), 3)).toBe('signature');
      }
    });

    it("another item's chain: signature; a wrong nonce: nonce; the item's nonce field changed: nonce", () => {
      expect(codeOf(withItem(0, { certificate: items[1]!.certificate }), 0)).toBe('signature');
      expect(verifyNvidiaEvidenceList(json, trust, { atMs: AT_MS, nonce: flip(nonce, 0) }).every((r) => !r.ok && r.error.code === 'nonce')).toBe(true);
      const otherNonce = toHex(flip(nonce, 0));
      const r = verifyNvidiaEvidenceList(withItem(5, { nonce: otherNonce }), trust, { atMs: AT_MS })[5]!;
      expect(r.ok ? 'valid' : r.error.code).toBe('nonce');
    });

    it('metadata that differs from the signed evidence: field-mismatch', () => {
      expect(codeOf(withItem(2, { arch: 'BLACKWELL' }), 2)).toBe('field-mismatch');
      expect(codeOf(withItem(2, { driver_version: '590.13' }), 2)).toBe('field-mismatch');
      expect(codeOf(withItem(2, { vbios_version: '96.00.A5.00.02' }), 2)).toBe('field-mismatch');
    });

    it('malformed lists and items: parse', () => {
      expect(outcome(() => parseNrasEvidenceList('{'))).toBe('parse');
      expect(outcome(() => parseNrasEvidenceList('{}'))).toBe('parse');
      expect(outcome(() => parseNrasEvidenceList('[]'))).toBe('parse');
      expect(outcome(() => parseNrasEvidenceList('[1]'))).toBe('parse');
      expect(outcome(() => parseNrasEvidenceList(withItem(0, { evidence: undefined })))).toBe('parse');
      expect(outcome(() => parseNrasEvidenceList(withItem(0, { certificate: 7 })))).toBe('parse');
      expect(codeOf(withItem(4, { evidence: '***' }), 4)).toBe('parse');
      expect(codeOf(withItem(4, { nonce: 'xyz' }), 4)).toBe('parse');
      expect(codeOf(withItem(4, { certificate: Buffer.from('no pem here').toString('base64') }), 4)).toBe('chain');
    });

    it('the {"evidence_list": [...]} wrapper is accepted', () => {
      const r = verifyNvidiaEvidenceList({ evidence_list: items }, trust, { atMs: AT_MS, nonce });
      expect(r.every((x) => x.ok)).toBe(true);
    });
  });
});
