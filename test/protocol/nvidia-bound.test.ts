/**
 * CVM+GPU nodes: GPU evidence from the simulated GPU vendor, bound to a CVM session by the
 * derived nonce and the CVM's commitment to its GPU. Accepted only when bound, from the committed
 * GPU, in confidential mode; every other case is refused with its code. Also the simulated
 * transcripts themselves: real layout, deterministic, every field tampered refused.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { NvidiaEvidenceError } from '../../protocol/attestation/nvidia/errors.js';
import { NvidiaTrust, leafFwid } from '../../protocol/attestation/nvidia/chain.js';
import { parseNvidiaEvidence } from '../../protocol/attestation/nvidia/spdm.js';
import { verifyNvidiaEvidence } from '../../protocol/attestation/nvidia/verify.js';
import { cvmReportDataForGpu, deriveGpuNonce, verifyBoundNode } from '../../protocol/attestation/nvidia/binding.js';
import { SIM_CC_MODE_INDEX, SIM_MEASUREMENT_BLOCKS, SimGpu, SimGpuVendor, simCcModeMeasurement } from '../../protocol/attestation/nvidia/sim-gpu.js';
import { ChaChaRng } from '../../sim/rng.js';
import { errorCodeOf } from '../helpers/error-code.js';

const AT_MS = Date.UTC(2030, 0, 1);

const code = (run: () => unknown): string => errorCodeOf(NvidiaEvidenceError, run);

function world(seed: number) {
  const rng = ChaChaRng.fromSeed(seed);
  const vendor = SimGpuVendor.create(rng.fork('gpu-vendor'));
  const gpuA = vendor.provisionGpu(rng.fork('gpu-a'));
  const gpuB = vendor.provisionGpu(rng.fork('gpu-b'));
  /** A CVM session: its session key and the report data it attests, committing to `gpu`. */
  const session = (label: string, gpu: SimGpu) => {
    const sessionKey = rng.fork(`session-${label}`).bytes(32);
    return { sessionKey, reportData: cvmReportDataForGpu(sessionKey, gpu.leafSpkiSha256) };
  };
  return { rng, vendor, gpuA, gpuB, session, trust: vendor.trust() };
}

describe('simulated GPU transcripts', () => {
  const { rng, vendor, gpuA } = world(1);
  const nonce = rng.fork('nonce').bytes(32);
  const evidence = gpuA.attest(nonce, rng.fork('attest'));
  const chain = vendor.trust().chain(gpuA.chainDers);

  it('are in the real SPDM 1.1 layout and verify under the vendor root', () => {
    const ev = parseNvidiaEvidence(evidence);
    expect(toHex(ev.request.bytes.subarray(0, 4))).toBe('11e001ff');
    expect(ev.request.nonce).toEqual(nonce);
    expect(ev.response.version).toBe(0x11);
    expect(ev.response.numberOfBlocks).toBe(SIM_MEASUREMENT_BLOCKS);
    expect(ev.response.blocks.find((b) => b.index === SIM_CC_MODE_INDEX)!.value).toEqual(simCcModeMeasurement(true));
    expect(ev.response.signature.length).toBe(96);
    expect(chain.problem).toBeUndefined();
    const v = verifyNvidiaEvidence(evidence, chain, { atMs: AT_MS, nonce, ccMode: vendor.ccModePolicy });
    expect(v.fwid).toEqual(gpuA.fwid);
    expect(leafFwid(chain.leaf).digest).toEqual(gpuA.fwid);
  });

  it('are a pure function of the seed', () => {
    const again = world(1);
    const n2 = again.rng.fork('nonce').bytes(32);
    expect(toHex(again.gpuA.attest(n2, again.rng.fork('attest')))).toBe(toHex(evidence));
    expect(toHex(again.vendor.rootDer)).toBe(toHex(vendor.rootDer));
    expect(toHex(world(2).vendor.rootDer)).not.toBe(toHex(vendor.rootDer));
  });

  it('every byte flipped is refused (parse or signature), never accepted', () => {
    const codes = new Set<string>();
    for (let i = 0; i < evidence.length; i++) {
      const b = evidence.slice();
      b[i]! ^= 0x80;
      codes.add(code(() => verifyNvidiaEvidence(b, chain, { atMs: AT_MS, nonce })));
    }
    expect([...codes].sort()).toEqual(['parse', 'signature']);
  });

  it('under the NVIDIA root (not the vendor pin): chain; outside the validity: expired', () => {
    expect(code(() => verifyNvidiaEvidence(evidence, new NvidiaTrust().chain(gpuA.chainPem()), { atMs: AT_MS, nonce }))).toBe('chain');
    expect(code(() => verifyNvidiaEvidence(evidence, chain, { atMs: Date.UTC(2050, 0, 1), nonce }))).toBe('expired');
    expect(code(() => verifyNvidiaEvidence(evidence, chain, { atMs: Date.UTC(2019, 0, 1), nonce }))).toBe('not-yet-valid');
  });

  it('an opaque FWID that is not the leaf FWID: fwid', () => {
    const liar = new SimGpu(vendor, gpuA.leafDer, gpuA.privateKey, gpuA.publicKey, gpuA.firmware, new Uint8Array(48).fill(0xee), true, gpuA.driverVersion);
    const ev = liar.attest(nonce, rng.fork('liar'));
    expect(code(() => verifyNvidiaEvidence(ev, chain, { atMs: AT_MS, nonce }))).toBe('fwid');
  });

  it('signed by a key other than the leaf: signature', () => {
    const { gpuB } = world(1);
    const forged = new SimGpu(vendor, gpuA.leafDer, gpuB.privateKey, gpuB.publicKey, gpuA.firmware, gpuA.fwid, true, gpuA.driverVersion);
    expect(code(() => verifyNvidiaEvidence(forged.attest(nonce, rng.fork('forged')), chain, { atMs: AT_MS, nonce }))).toBe('signature');
  });
});

describe('verifyBoundNode: a CVM with a confidential GPU', () => {
  const { rng, vendor, gpuA, gpuB, session, trust } = world(7);
  const s1 = session('1', gpuA);
  const s2 = session('2', gpuA);
  const chainA = trust.chain(gpuA.chainDers);
  const chainB = trust.chain(gpuB.chainDers);
  const bound = (s: { sessionKey: Uint8Array; reportData: Uint8Array }, evidence: Uint8Array, chain = chainA) =>
    code(() => verifyBoundNode({ cvm: s, gpu: { evidence, chain }, atMs: AT_MS, ccMode: vendor.ccModePolicy }));

  it('GPU evidence requested with the nonce derived from this session, from the committed GPU, CC on: accepted', () => {
    const ev = gpuA.attest(deriveGpuNonce(s1.reportData), rng.fork('a1'));
    const node = verifyBoundNode({ cvm: s1, gpu: { evidence: ev, chain: chainA }, atMs: AT_MS, ccMode: vendor.ccModePolicy });
    expect(node.gpuIdentity).toBe(gpuA.leafSpkiSha256);
    expect(node.nonce).toEqual(deriveGpuNonce(s1.reportData));
    expect(node.gpu.evidence.request.nonce).toEqual(node.nonce);
  });

  it('the nonce is bound to the whole report data (sessions differ, nonces differ)', () => {
    expect(toHex(deriveGpuNonce(s1.reportData))).not.toBe(toHex(deriveGpuNonce(s2.reportData)));
    expect(deriveGpuNonce(s1.reportData).length).toBe(32);
    expect(s1.reportData.length).toBe(64);
  });

  it('GPU evidence replayed from another session of the same GPU: nonce', () => {
    const fromS2 = gpuA.attest(deriveGpuNonce(s2.reportData), rng.fork('a2'));
    expect(bound(s2, fromS2)).toBe('valid');
    expect(bound(s1, fromS2)).toBe('nonce');
  });

  it('GPU evidence with a nonce of its own choosing: nonce', () => {
    expect(bound(s1, gpuA.attest(new Uint8Array(32), rng.fork('zero')))).toBe('nonce');
  });

  it('a swapped GPU asked with the right nonce by a relaying host: gpu-mismatch', () => {
    const relayed = gpuB.attest(deriveGpuNonce(s1.reportData), rng.fork('b1'));
    expect(bound(s1, relayed, chainB)).toBe('gpu-mismatch');
  });

  it("the swapped GPU's evidence under the committed GPU's chain: signature", () => {
    const relayed = gpuB.attest(deriveGpuNonce(s1.reportData), rng.fork('b2'));
    expect(bound(s1, relayed, chainA)).toBe('signature');
  });

  it('the committed GPU with CC mode off: cc-mode', () => {
    const off = gpuA.withConfidentialMode(false);
    expect(off.leafSpkiSha256).toBe(gpuA.leafSpkiSha256);
    expect(bound(s1, off.attest(deriveGpuNonce(s1.reportData), rng.fork('off')))).toBe('cc-mode');
    const offAtProvision = vendor.provisionGpu(ChaChaRng.fromSeed(7).fork('gpu-a'), { confidentialMode: false });
    expect(offAtProvision.confidentialMode).toBe(false);
    expect(bound(s1, offAtProvision.attest(deriveGpuNonce(s1.reportData), rng.fork('off2')))).toBe('cc-mode');
  });

  it('the CVM session key differs from the one its report data commits to: gpu-mismatch', () => {
    const ev = gpuA.attest(deriveGpuNonce(s1.reportData), rng.fork('a3'));
    expect(bound({ sessionKey: s2.sessionKey, reportData: s1.reportData }, ev)).toBe('gpu-mismatch');
  });
});

describe('pph fuzz nvidia-spdm target', () => {
  it('throws only NvidiaEvidenceError on arbitrary bytes and on mutations of a valid transcript', async () => {
    const fc = (await import('fast-check')).default;
    const { fuzzProperty, TARGETS } = await import('../../cli/commands/fuzz.js');
    const target = TARGETS['nvidia-spdm']!;
    expect(code(() => target.parse(target.sample()))).toBe('valid');
    fc.assert(fuzzProperty(target), { numRuns: 2000, seed: 7 });
    // Full-length single-byte mutations reach the signature check.
    const sample = target.sample();
    fc.assert(
      fc.property(fc.nat({ max: sample.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const b = sample.slice();
        b[i]! ^= x;
        expect(['parse', 'signature']).toContain(code(() => target.parse(b)));
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
