/**
 * A simulated confidential-GPU vendor: its own device root → provisioner ICA → per-GPU leaf
 * ("GSP FMC LF") hierarchy, drawn from an injected `Rng`, and GPUs that answer GET_MEASUREMENTS
 * with transcripts in the real SPDM 1.1 layout (spdm.ts) signed by their leaf key. The same
 * verifier (verify.ts) checks these and real NVIDIA evidence; only the pinned root differs
 * (`vendor.rootPin` / `vendor.trust()` instead of the NVIDIA Device Identity CA).
 *
 * Where the CC mode lives. Real evidence has no "CC mode" field: NVIDIA's verifier reads the mode
 * from NVML, outside the signed transcript, and a GPU in another mode (CC off, DevTools) is
 * caught because its measurements differ from the golden values of the RIM. The simulated GPU
 * therefore records its mode in one measurement block, {@link SIM_CC_MODE_INDEX}, whose value is
 * SHA-384 of a label and "on"/"off"; `vendor.ccModePolicy` is the golden "on" value, the RIM's
 * role, and the verifier refuses anything else as `cc-mode`.
 *
 * Differences from NVIDIA, all deliberate: a 3-certificate chain (real: 5), 16 measurement blocks
 * (real: 64), the Hopper-shaped FWID extension (2.23.133.5.4.1, CompositeDeviceID) on every leaf.
 * Deterministic: keys and responder nonces from the `Rng`, signatures by noble (RFC 6979),
 * validity from options (never the clock).
 *
 * @example
 * ```ts
 * const vendor = SimGpuVendor.create(rng.fork('gpu-vendor'));
 * const gpu = vendor.provisionGpu(rng.fork('gpu-0'));
 * const evidence = gpu.attest(nonce, rng.fork('gpu-0/attest-1'));
 * verifyNvidiaEvidence(evidence, vendor.trust().chain(gpu.chainDers), { atMs, nonce, ccMode: vendor.ccModePolicy });
 * ```
 */
import { createHash } from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { concat, toHex, utf8 } from '../../bytes.js';
import type { Rng } from '../../rng.js';
import { derEncode, derInteger, derOctetString, derOid, derSequence } from '../der.js';
import { issueCertificate, p384KeyFromRng, p384Spki, x509Extension, x509Name, type P384KeyPair } from '../x509-issue.js';
import { NvidiaTrust, OID_DICE_FWID_HOPPER } from './chain.js';
import { encodeMeasurementsResponseUnsigned, encodeSpdmRequest, OPAQUE, type OpaqueTlv } from './spdm.js';
import type { CcModePolicy } from './verify.js';
import { remember } from '../remember.js';

/** Fixed default validity: 2020-01-01 .. 2049-12-31 (constants, not the clock). */
export const SIM_GPU_VALID_FROM_MS = Date.UTC(2020, 0, 1);
export const SIM_GPU_VALID_TO_MS = Date.UTC(2049, 11, 31, 23, 59, 59);
/** Measurement blocks per transcript, and the block that records the CC mode. */
export const SIM_MEASUREMENT_BLOCKS = 16;
export const SIM_CC_MODE_INDEX = 16;
const OID_KEY_USAGE = '2.5.29.15';
const OID_SHA384 = '2.16.840.1.101.3.4.2.2';
/** RFC 5280 §4.2.1.3: digitalSignature only (bit 0; X.690 §11.2.2: 7 unused bits) = 03 02 07 80. */
const KEY_USAGE_DIGITAL_SIGNATURE = derEncode(0x03, Uint8Array.of(0x07, 0x80));
const ORG = 'Simulated GPU Vendor';

const sha384 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha384');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** The CC-mode measurement a simulated GPU reports. */
export function simCcModeMeasurement(on: boolean): Uint8Array {
  return sha384(utf8(`pph sim-gpu cc-mode ${on ? 'on' : 'off'}`));
}

export interface SimGpuOptions {
  /** The firmware the GPU runs (its FWID and measurements derive from it). Default "sim-fw-1.0". */
  firmware?: string;
  /** Default true. */
  confidentialMode?: boolean;
  driverVersion?: string;
}

/** One simulated GPU: its leaf certificate and signing key. */
export class SimGpu {
  readonly leafSpkiSha256: string;

  constructor(
    readonly vendor: SimGpuVendor,
    readonly leafDer: Uint8Array,
    /** Simulation only: the leaf key, for adversaries that extract keys. */
    readonly privateKey: Uint8Array,
    readonly publicKey: Uint8Array,
    readonly firmware: string,
    readonly fwid: Uint8Array,
    readonly confidentialMode: boolean,
    readonly driverVersion: string,
  ) {
    this.leafSpkiSha256 = createHash('sha256').update(p384Spki(publicKey)).digest('hex');
  }

  /** Leaf, ICA, root (DER). */
  get chainDers(): readonly Uint8Array[] {
    return [this.leafDer, this.vendor.icaDer, this.vendor.rootDer];
  }

  chainPem(): string {
    return this.chainDers.map(toPem).join('');
  }

  /** The same GPU switched to another mode (the host's gpu-admin-tools `--set-cc-mode`). */
  withConfidentialMode(on: boolean): SimGpu {
    return new SimGpu(this.vendor, this.leafDer, this.privateKey, this.publicKey, this.firmware, this.fwid, on, this.driverVersion);
  }

  /** The measurement blocks this GPU reports (block 16 records the CC mode). */
  measurements(): { index: number; valueType: number; value: Uint8Array }[] {
    const blocks = [];
    for (let index = 1; index <= SIM_MEASUREMENT_BLOCKS; index++) {
      const value = index === SIM_CC_MODE_INDEX ? simCcModeMeasurement(this.confidentialMode) : sha384(utf8(`pph sim-gpu measurement ${index} ${this.firmware}`));
      // DSP0274 1.1 Table 40: type 0x01 "mutable firmware", digest form (bit 7 clear), as NVIDIA reports.
      blocks.push({ index, valueType: 0x01, value });
    }
    return blocks;
  }

  /**
   * A GET_MEASUREMENTS transcript for `nonce`: the request, the response (responder nonce drawn
   * from `rng`, 32 bytes) and the ECDSA-P384 signature over both (noble: SHA-384, RFC 6979).
   */
  attest(nonce: Uint8Array, rng: Rng, slotId = 0): Uint8Array {
    const request = encodeSpdmRequest(nonce, slotId);
    const opaque: OpaqueTlv[] = [
      { type: OPAQUE.VBIOS_VERSION, value: Uint8Array.of(0x00, 0x01, 0x00, 0x96, 0x01, 0, 0, 0) },
      { type: OPAQUE.PROJECT, value: utf8('SIM0\0') },
      { type: OPAQUE.DRIVER_VERSION, value: utf8(`${this.driverVersion}\0`) },
      { type: OPAQUE.FWID, value: this.fwid },
      { type: OPAQUE.FEATURE_FLAG, value: Uint8Array.of(0, 0) },
    ];
    const unsigned = concat(request, encodeMeasurementsResponseUnsigned({ slotId, blocks: this.measurements(), nonce: rng.bytes(32), opaque }));
    const signature = p384.sign(unsigned, this.privateKey, { format: 'compact' });
    return concat(unsigned, signature);
  }
}

const vendorCache = new Map<string, SimGpuVendor>();

/** The vendor's device root and provisioner ICA, with their keys. */
export class SimGpuVendor {
  readonly rootDer: Uint8Array;
  readonly icaDer: Uint8Array;
  /** SHA-256 of the root's SubjectPublicKeyInfo, hex: what a verifier pins. */
  readonly rootPin: string;
  /** The golden "CC on" value of the CC-mode measurement (the RIM's role). */
  readonly ccModePolicy: CcModePolicy = { index: SIM_CC_MODE_INDEX, expected: simCcModeMeasurement(true) };
  private trustStore: NvidiaTrust | undefined;
  private readonly gpus = new Map<string, SimGpu>();

  private constructor(
    /** Simulation only: the vendor's keys. */
    readonly keys: { readonly root: P384KeyPair; readonly ica: P384KeyPair },
    readonly validFromMs: number,
    readonly validToMs: number,
    serials: readonly bigint[],
  ) {
    const base = { notBeforeMs: validFromMs, notAfterMs: validToMs, ca: true };
    this.rootDer = issueCertificate({
      ...base,
      issuer: x509Name('PPH-SIM Device Identity CA', ORG),
      subject: x509Name('PPH-SIM Device Identity CA', ORG),
      serial: serials[0]!,
      subjectPublicKey: keys.root.publicKey,
      issuerPrivateKey: keys.root.privateKey,
    });
    this.icaDer = issueCertificate({
      ...base,
      issuer: x509Name('PPH-SIM Device Identity CA', ORG),
      subject: x509Name('PPH-SIM Provisioner ICA', ORG),
      serial: serials[1]!,
      subjectPublicKey: keys.ica.publicKey,
      issuerPrivateKey: keys.root.privateKey,
    });
    this.rootPin = createHash('sha256').update(p384Spki(keys.root.publicKey)).digest('hex');
  }

  /** A vendor whose keys come from `rng` (draws 2 × 88 bytes). Cached by those bytes and the validity. */
  static create(rng: Rng, options: { validFromMs?: number; validToMs?: number } = {}): SimGpuVendor {
    const from = options.validFromMs ?? SIM_GPU_VALID_FROM_MS;
    const to = options.validToMs ?? SIM_GPU_VALID_TO_MS;
    const draws = [rng.bytes(88), rng.bytes(88)];
    return remember(vendorCache, `${from}|${to}|${draws.map(toHex).join('')}`, () => {
      const keys = draws.map((d) => p384KeyFromRng(fixedRng(d.subarray(0, 72))));
      return new SimGpuVendor({ root: keys[0]!, ica: keys[1]! }, from, to, draws.map((d) => serialFrom(d.subarray(72))));
    });
  }

  /** A verifier trust store pinning this vendor's root (built once). */
  trust(): NvidiaTrust {
    this.trustStore ??= new NvidiaTrust({ rootSpkiSha256: [this.rootPin] });
    return this.trustStore;
  }

  /** A GPU with its own leaf key and certificate (draws 72 + 16 bytes). */
  provisionGpu(rng: Rng, options: SimGpuOptions = {}): SimGpu {
    const keySeed = rng.bytes(72);
    const serial = rng.bytes(16);
    const firmware = options.firmware ?? 'sim-fw-1.0';
    const driverVersion = options.driverVersion ?? '550.90.07';
    const id = `${toHex(keySeed)}|${toHex(serial)}|${firmware}|${driverVersion}`;
    const gpu = remember(this.gpus, id, () => {
      const key = p384KeyFromRng(fixedRng(keySeed));
      const fwid = sha384(utf8(`pph sim-gpu fwid ${firmware}`));
      // CompositeDeviceID { version 1, deviceIdPublicKey SPKI, fwid FWID { sha384, digest } } (as on Hopper leaves).
      const composite = derSequence(derInteger(1), p384Spki(key.publicKey), derSequence(derOid(OID_SHA384), derOctetString(fwid)));
      const leafDer = issueCertificate({
        issuer: x509Name('PPH-SIM Provisioner ICA', ORG),
        subject: x509Name('PPH-SIM A01 GSP FMC LF', ORG),
        serial: serialFrom(serial),
        notBeforeMs: this.validFromMs,
        notAfterMs: this.validToMs,
        subjectPublicKey: key.publicKey,
        issuerPrivateKey: this.keys.ica.privateKey,
        extensions: [x509Extension(OID_KEY_USAGE, KEY_USAGE_DIGITAL_SIGNATURE, true), x509Extension(OID_DICE_FWID_HOPPER, composite)],
      });
      return new SimGpu(this, leafDer, key.privateKey, key.publicKey, firmware, fwid, true, driverVersion);
    });
    return options.confidentialMode === false ? gpu.withConfidentialMode(false) : gpu;
  }
}

/** An Rng that replays already drawn bytes (so caching by those bytes stays exact). */
function fixedRng(bytes: Uint8Array): Rng {
  let offset = 0;
  return {
    bytes(n: number): Uint8Array {
      if (offset + n > bytes.length) throw new RangeError('fixedRng exhausted');
      offset += n;
      return bytes.slice(offset - n, offset);
    },
    fork(): Rng {
      throw new Error('fixedRng cannot fork');
    },
  };
}

/** RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 16 random bytes, top bit cleared, never 0. */
function serialFrom(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n & ((1n << 127n) - 1n)) | 1n;
}

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}
