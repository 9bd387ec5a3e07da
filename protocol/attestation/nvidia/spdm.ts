/**
 * NVIDIA GPU evidence: one SPDM 1.1 GET_MEASUREMENTS request followed by its MEASUREMENTS
 * response (DMTF DSP0274 1.1.1 §10.11), exactly as `nvmlDeviceGetConfComputeGpuAttestationReport`
 * returns it and NRAS receives it. Strict, total parser: every length is checked against the
 * bytes that remain, the block count and the record length must agree, every measurement block
 * and opaque TLV must consume exactly its declared size, and nothing may follow the signature
 * (see `allowTrailingZero` for the one real exception). Only {@link NvidiaEvidenceError} code
 * `parse` or `trailing-bytes` is thrown on any input.
 *
 * Layout (all integers little-endian, DSP0274 §8.1 "byte order"):
 *
 * ```
 * request (37 B)  SPDMVersion 0x11 | 0xE0 | Param1 0x01 (signature requested) | Param2 0xFF (all)
 *                 | Nonce[32] | SlotIDParam
 * response        SPDMVersion 0x11 | 0x60 | Param1 | Param2 (SlotID) | NumberOfBlocks
 *                 | MeasurementRecordLength u24 | MeasurementRecord | Nonce[32]
 *                 | OpaqueLength u16 | OpaqueData | Signature[96] (P-384 r‖s)
 * ```
 *
 * @example
 * ```ts
 * const ev = parseNvidiaEvidence(bytes);
 * ev.request.nonce;           // the verifier's 32-byte nonce
 * ev.response.opaque.fwid;    // 48 bytes, compared with the leaf certificate's DICE FWID
 * ev.signedBytes;             // request ‖ response without its signature
 * ```
 */
import { concat, toHex } from '../../bytes.js';
import { NvidiaEvidenceError } from './errors.js';

/** DSP0274 1.1 §9 (Table 4, SPDMVersion): major 1, minor 1. The only version NVIDIA GPUs speak here. */
export const SPDM_VERSION_11 = 0x11;
/** DSP0274 1.1 Table 4 "Request codes": GET_MEASUREMENTS. */
export const SPDM_GET_MEASUREMENTS = 0xe0;
/** DSP0274 1.1 Table 5 "Response codes": MEASUREMENTS. */
export const SPDM_MEASUREMENTS = 0x60;
/** DSP0274 1.1 Table 36: the Nonce field is 32 bytes. */
export const SPDM_NONCE_BYTES = 32;
/** Request with signature: 4 header bytes, the nonce and SlotIDParam (DSP0274 1.1 Table 36). */
export const SPDM_REQUEST_BYTES = 4 + SPDM_NONCE_BYTES + 1;
/** TPM_ALG_ECDSA_ECC_NIST_P384: r ‖ s, 48 bytes each (DSP0274 1.1 §10.4 "BaseAsymAlgo", Table 15). */
export const SPDM_SIGNATURE_BYTES = 96;
/** TPM_ALG_SHA_384, the measurement hash NVIDIA GPUs negotiate: digest blocks are 48 bytes. */
export const MEASUREMENT_DIGEST_BYTES = 48;
/** DSP0274 1.1 Table 38: OpaqueLength "shall be less than or equal to 1024 bytes". */
export const SPDM_OPAQUE_MAX = 1024;
/** A limit on everything: real transcripts are ~4.1 KiB; refuse more than 64 KiB. */
export const EVIDENCE_MAX_BYTES = 1 << 16;

/**
 * NVIDIA's opaque-data field types (OPAQUE_FIELD_ID_*, as NVIDIA's nvtrust verifier names them).
 * Unknown types are kept as raw TLVs (firmware adds types over time); type 255 is "invalid".
 */
export const OPAQUE = {
  CERT_ISSUER_NAME: 1,
  CERT_AUTHORITY_KEY_IDENTIFIER: 2,
  DRIVER_VERSION: 3,
  GPU_INFO: 4,
  SKU: 5,
  VBIOS_VERSION: 6,
  MANUFACTURER_ID: 7,
  TAMPER_DETECTION: 8,
  SMC: 9,
  VPR: 10,
  NVDEC0_STATUS: 11,
  MSRSCNT: 12,
  CPRINFO: 13,
  BOARD_ID: 14,
  CHIP_SKU: 15,
  CHIP_SKU_MOD: 16,
  PROJECT: 17,
  PROJECT_SKU: 18,
  PROJECT_SKU_MOD: 19,
  FWID: 20,
  PROTECTED_PCIE_STATUS: 21,
  SWITCH_PDI: 22,
  FLOORSWEPT_PORTS: 23,
  POSITION_ID: 24,
  LOCK_SWITCH_STATUS: 25,
  GPU_LINK_CONN: 32,
  SYS_ENABLE_STATUS: 33,
  OPAQUE_DATA_VERSION: 34,
  CHIP_INFO: 35,
  FEATURE_FLAG: 36,
  INVALID: 255,
} as const;

export interface SpdmRequest {
  readonly version: number;
  readonly param1: number;
  readonly param2: number;
  readonly nonce: Uint8Array;
  readonly slotId: number;
  /** The 37 request bytes. */
  readonly bytes: Uint8Array;
}

/** One measurement block (DSP0274 1.1 Table 39) holding a DMTF measurement (Table 40). */
export interface MeasurementBlock {
  /** 1..0xFE (DSP0274 1.1 Table 39: Index). */
  readonly index: number;
  /** Bit 0 = DMTF (the only format accepted). */
  readonly specification: number;
  /** DMTFSpecMeasurementValueType: bit 7 raw bit stream, bits 6:0 the component kind. */
  readonly valueType: number;
  readonly value: Uint8Array;
}

export interface OpaqueTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** The opaque TLVs, with the fields a verifier looks at decoded. */
export interface OpaqueFields {
  readonly tlvs: readonly OpaqueTlv[];
  /** OPAQUE_FIELD_ID_FWID: the firmware identity, 48 bytes (SHA-384), or undefined. */
  readonly fwid: Uint8Array | undefined;
  readonly driverVersion: string | undefined;
  /** VBIOS version as NVIDIA prints it (e.g. "96.00.9F.00.01"), from the 8 raw LE bytes. */
  readonly vbiosVersion: string | undefined;
  readonly vbiosVersionRaw: Uint8Array | undefined;
  readonly project: string | undefined;
  readonly projectSku: string | undefined;
  readonly chipSku: string | undefined;
  readonly chipInfo: string | undefined;
  /** OPAQUE_FIELD_ID_FEATURE_FLAG: 0 SPT, 1 MPT, 2 PPCIE (when present). */
  readonly featureFlag: number | undefined;
}

export interface SpdmMeasurementsResponse {
  readonly version: number;
  readonly param1: number;
  readonly param2: number;
  /** DSP0274 1.1 Table 38: Param2 bits 3:0. */
  readonly slotId: number;
  readonly numberOfBlocks: number;
  readonly measurementRecordLength: number;
  readonly blocks: readonly MeasurementBlock[];
  readonly nonce: Uint8Array;
  readonly opaqueLength: number;
  readonly opaque: OpaqueFields;
  readonly signature: Uint8Array;
  /** The response bytes including the signature. */
  readonly bytes: Uint8Array;
}

export interface NvidiaSpdmEvidence {
  readonly request: SpdmRequest;
  readonly response: SpdmMeasurementsResponse;
  /** DSP0274 1.1 §10.11.1 (L1): request ‖ response without the signature: what the leaf key signs. */
  readonly signedBytes: Uint8Array;
  /** Request ‖ response, without any trailing byte. */
  readonly bytes: Uint8Array;
  /** How many bytes followed the signature (0, or 1 when `allowTrailingZero` accepted one 0x00). */
  readonly trailingBytes: number;
}

export interface ParseOptions {
  /**
   * Accept exactly one 0x00 byte after the signature (trustee's `hopper_coco_report1` capture
   * carries one). Off by default: a trailing byte is outside the signature, so it is refused as
   * `trailing-bytes`. Never accepts more than one byte, nor a non-zero byte.
   */
  allowTrailingZero?: boolean;
}

const fail = (message: string): NvidiaEvidenceError => new NvidiaEvidenceError('parse', message);

/** A bounds-checked little-endian cursor; every read past the end is `parse`. */
class Cursor {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}
  get left(): number {
    return this.bytes.length - this.pos;
  }
  take(n: number, field: string): Uint8Array {
    if (n > this.left) throw fail(`${this.what}: ${field} needs ${n} bytes at offset ${this.pos}, ${this.left} remain`);
    this.pos += n;
    return this.bytes.subarray(this.pos - n, this.pos);
  }
  u8(field: string): number {
    return this.take(1, field)[0]!;
  }
  u16(field: string): number {
    const b = this.take(2, field);
    return b[0]! | (b[1]! << 8);
  }
  u24(field: string): number {
    const b = this.take(3, field);
    return b[0]! | (b[1]! << 8) | (b[2]! << 16);
  }
}

/** Parses a GET_MEASUREMENTS request with signature (DSP0274 1.1 Table 36). */
export function parseSpdmRequest(bytes: Uint8Array): SpdmRequest {
  const c = new Cursor(bytes, 'GET_MEASUREMENTS');
  const version = c.u8('SPDMVersion');
  if (version !== SPDM_VERSION_11) throw fail(`request SPDMVersion 0x${version.toString(16)}, expected 0x11`);
  const code = c.u8('RequestResponseCode');
  if (code !== SPDM_GET_MEASUREMENTS) throw fail(`request code 0x${code.toString(16)}, expected GET_MEASUREMENTS 0xe0`);
  const param1 = c.u8('Param1');
  // DSP0274 1.1 Table 36: Param1 bit 0 "signature requested"; without it there is no nonce and no
  // signature, so nothing to verify. Bits 7:1 are reserved in 1.1 (and signed, so never ignored here).
  if (param1 !== 0x01) throw fail(`request Param1 0x${param1.toString(16)}, expected 0x01 (signature requested)`);
  const param2 = c.u8('Param2');
  // DSP0274 1.1 Table 36: Param2 0xFF "all measurements". NVIDIA's verifiers need every block.
  if (param2 !== 0xff) throw fail(`request Param2 0x${param2.toString(16)}, expected 0xff (all measurements)`);
  const nonce = c.take(SPDM_NONCE_BYTES, 'Nonce');
  const slot = c.u8('SlotIDParam');
  // DSP0274 1.1 Table 36: SlotIDParam bits 3:0 the slot (0..7), bits 7:4 reserved.
  if (slot > 7) throw fail(`request SlotIDParam 0x${slot.toString(16)} is not a slot 0..7`);
  if (c.left !== 0) throw fail(`request of ${bytes.length} bytes, expected ${SPDM_REQUEST_BYTES}`);
  return { version, param1, param2, nonce, slotId: slot, bytes };
}

function parseMeasurementRecord(record: Uint8Array, count: number): MeasurementBlock[] {
  const c = new Cursor(record, 'MeasurementRecord');
  const blocks: MeasurementBlock[] = [];
  const seen = new Set<number>();
  while (c.left > 0) {
    if (blocks.length === count) throw fail(`MeasurementRecord holds more than NumberOfBlocks=${count} blocks`);
    // DSP0274 1.1 Table 39: Index (1), MeasurementSpecification (1), MeasurementSize (2), Measurement.
    const index = c.u8('Index');
    if (index === 0 || index === 0xff) throw fail(`measurement block index ${index} is reserved`);
    if (seen.has(index)) throw fail(`measurement block index ${index} appears twice`);
    seen.add(index);
    const specification = c.u8('MeasurementSpecification');
    // DSP0274 1.1 Table 39 / Table 31: bit 0 = DMTF, the only measurement format defined.
    if (specification !== 0x01) throw fail(`measurement block ${index}: specification 0x${specification.toString(16)}, expected DMTF 0x01`);
    const size = c.u16('MeasurementSize');
    const m = new Cursor(c.take(size, `block ${index} Measurement`), `block ${index}`);
    // DSP0274 1.1 Table 40: DMTFSpecMeasurementValueType (1), DMTFSpecMeasurementValueSize (2), value.
    const valueType = m.u8('DMTFSpecMeasurementValueType');
    const valueSize = m.u16('DMTFSpecMeasurementValueSize');
    const value = m.take(valueSize, 'DMTFSpecMeasurementValue');
    if (m.left !== 0) throw fail(`measurement block ${index}: MeasurementSize ${size} ≠ 3 + value size ${valueSize}`);
    // Table 40 bit 7 = 0: a digest, whose size is the negotiated hash's (SHA-384 here).
    if ((valueType & 0x80) === 0 && valueSize !== MEASUREMENT_DIGEST_BYTES) {
      throw fail(`measurement block ${index}: digest of ${valueSize} bytes, expected ${MEASUREMENT_DIGEST_BYTES} (SHA-384)`);
    }
    blocks.push({ index, specification, valueType, value });
  }
  if (blocks.length !== count) throw fail(`NumberOfBlocks=${count} but MeasurementRecord holds ${blocks.length}`);
  return blocks;
}

const latin1 = (b: Uint8Array | undefined): string | undefined => {
  if (b === undefined) return undefined;
  let s = '';
  for (const x of b) {
    if (x === 0) break; // NVIDIA pads strings with NUL
    s += String.fromCharCode(x);
  }
  return s;
};

/** "96.00.9F.00.01" from the 8 little-endian raw bytes (as nvtrust and NRAS print VBIOS versions). */
export function formatVbiosVersion(raw: Uint8Array): string {
  const h = (i: number): string => (raw[i] ?? 0).toString(16).padStart(2, '0').toUpperCase();
  return `${h(3)}.${h(2)}.${h(1)}.${h(0)}.${h(4)}`;
}

/** Parses NVIDIA's opaque data: consecutive TLVs of u16 type, u16 size, value, nothing left over. */
export function parseOpaqueData(data: Uint8Array): OpaqueFields {
  const c = new Cursor(data, 'OpaqueData');
  const tlvs: OpaqueTlv[] = [];
  const byType = new Map<number, Uint8Array>();
  while (c.left > 0) {
    const type = c.u16('DataType');
    const size = c.u16('DataSize');
    const value = c.take(size, `opaque field ${type}`);
    if (type === OPAQUE.INVALID) throw fail('opaque field type 255 (OPAQUE_FIELD_ID_INVALID)');
    if (byType.has(type)) throw fail(`opaque field type ${type} appears twice`);
    byType.set(type, value);
    tlvs.push({ type, value });
  }
  const fwid = byType.get(OPAQUE.FWID);
  if (fwid !== undefined && fwid.length !== MEASUREMENT_DIGEST_BYTES) throw fail(`opaque FWID of ${fwid.length} bytes, expected 48`);
  const vbios = byType.get(OPAQUE.VBIOS_VERSION);
  if (vbios !== undefined && vbios.length !== 8) throw fail(`opaque VBIOS_VERSION of ${vbios.length} bytes, expected 8`);
  const flag = byType.get(OPAQUE.FEATURE_FLAG);
  let featureFlag: number | undefined;
  if (flag !== undefined) {
    if (flag.length === 0 || flag.length > 4) throw fail(`opaque FEATURE_FLAG of ${flag.length} bytes`);
    featureFlag = 0;
    for (let i = flag.length - 1; i >= 0; i--) featureFlag = featureFlag * 256 + flag[i]!;
  }
  return {
    tlvs,
    fwid,
    driverVersion: latin1(byType.get(OPAQUE.DRIVER_VERSION)),
    vbiosVersion: vbios === undefined ? undefined : formatVbiosVersion(vbios),
    vbiosVersionRaw: vbios,
    project: latin1(byType.get(OPAQUE.PROJECT)),
    projectSku: latin1(byType.get(OPAQUE.PROJECT_SKU)),
    chipSku: latin1(byType.get(OPAQUE.CHIP_SKU)),
    chipInfo: latin1(byType.get(OPAQUE.CHIP_INFO)),
    featureFlag,
  };
}

/**
 * Parses request ‖ response. Throws `NvidiaEvidenceError` code `parse` for any framing fault,
 * `trailing-bytes` for bytes after the signature (unless exactly one 0x00 and `allowTrailingZero`).
 */
export function parseNvidiaEvidence(input: Uint8Array, options: ParseOptions = {}): NvidiaSpdmEvidence {
  if (!(input instanceof Uint8Array)) throw new TypeError('evidence expected Uint8Array');
  if (input.length > EVIDENCE_MAX_BYTES) throw fail(`evidence of ${input.length} bytes exceeds ${EVIDENCE_MAX_BYTES}`);
  const bytes = input.slice();
  if (bytes.length < SPDM_REQUEST_BYTES) throw fail(`evidence of ${bytes.length} bytes is shorter than the ${SPDM_REQUEST_BYTES}-byte request`);
  const request = parseSpdmRequest(bytes.subarray(0, SPDM_REQUEST_BYTES));
  const c = new Cursor(bytes.subarray(SPDM_REQUEST_BYTES), 'MEASUREMENTS');
  // DSP0274 1.1 Table 38: the successful MEASUREMENTS response.
  const version = c.u8('SPDMVersion');
  // DSP0274 1.1 §9: the response carries the version the request used.
  if (version !== request.version) throw fail(`response SPDMVersion 0x${version.toString(16)} ≠ request 0x${request.version.toString(16)}`);
  const code = c.u8('RequestResponseCode');
  if (code !== SPDM_MEASUREMENTS) throw fail(`response code 0x${code.toString(16)}, expected MEASUREMENTS 0x60`);
  const param1 = c.u8('Param1');
  const param2 = c.u8('Param2');
  // DSP0274 1.1 Table 38: Param2 bits 3:0 = the SlotID of the request (the certificate chain used).
  const slotId = param2 & 0x0f;
  if (slotId !== request.slotId) throw fail(`response SlotID ${slotId} ≠ request SlotID ${request.slotId}`);
  const numberOfBlocks = c.u8('NumberOfBlocks');
  // Table 38: with Param2 = 0xFF in the request, NumberOfBlocks is the count of all blocks returned.
  if (numberOfBlocks === 0) throw fail('NumberOfBlocks is 0: a request for all measurements returned none');
  const measurementRecordLength = c.u24('MeasurementRecordLength');
  const blocks = parseMeasurementRecord(c.take(measurementRecordLength, 'MeasurementRecord'), numberOfBlocks);
  const nonce = c.take(SPDM_NONCE_BYTES, 'Nonce');
  const opaqueLength = c.u16('OpaqueLength');
  if (opaqueLength > SPDM_OPAQUE_MAX) throw fail(`OpaqueLength ${opaqueLength} exceeds ${SPDM_OPAQUE_MAX} (DSP0274 1.1 Table 38)`);
  const opaque = parseOpaqueData(c.take(opaqueLength, 'OpaqueData'));
  const signedEnd = SPDM_REQUEST_BYTES + c.pos;
  const signature = c.take(SPDM_SIGNATURE_BYTES, 'Signature');
  const end = SPDM_REQUEST_BYTES + c.pos;
  const trailing = bytes.length - end;
  if (trailing > 0) {
    const oneZero = trailing === 1 && bytes[end] === 0;
    if (!(oneZero && options.allowTrailingZero === true)) {
      throw new NvidiaEvidenceError(
        'trailing-bytes',
        `${trailing} byte(s) after the signature (${toHex(bytes.subarray(end, end + 8))}${trailing > 8 ? '…' : ''})${oneZero ? '; one trailing 0x00 is accepted only with allowTrailingZero (--allow-trailing-zero)' : ''}`,
      );
    }
  }
  return {
    request,
    response: {
      version,
      param1,
      param2,
      slotId,
      numberOfBlocks,
      measurementRecordLength,
      blocks,
      nonce,
      opaqueLength,
      opaque,
      signature,
      bytes: bytes.subarray(SPDM_REQUEST_BYTES, end),
    },
    signedBytes: bytes.subarray(0, signedEnd),
    bytes: bytes.subarray(0, end),
    trailingBytes: trailing,
  };
}

// ---------------------------------------------------------------------------------------------
// Writer (for the simulated GPU). Inputs are ours, so errors here are RangeError/TypeError.

/** The 37-byte GET_MEASUREMENTS request for all blocks with a signature (DSP0274 1.1 Table 36). */
export function encodeSpdmRequest(nonce: Uint8Array, slotId = 0): Uint8Array {
  if (nonce.length !== SPDM_NONCE_BYTES) throw new RangeError(`nonce expected ${SPDM_NONCE_BYTES} bytes, got ${nonce.length}`);
  if (!Number.isInteger(slotId) || slotId < 0 || slotId > 7) throw new RangeError(`slotId expected 0..7, got ${slotId}`);
  return concat(Uint8Array.of(SPDM_VERSION_11, SPDM_GET_MEASUREMENTS, 0x01, 0xff), nonce, Uint8Array.of(slotId));
}

const le16 = (n: number): Uint8Array => Uint8Array.of(n & 0xff, (n >> 8) & 0xff);

/** DSP0274 1.1 Table 39/40: one block holding a DMTF measurement. */
export function encodeMeasurementBlock(block: Omit<MeasurementBlock, 'specification'>): Uint8Array {
  if (block.index < 1 || block.index > 0xfe) throw new RangeError(`block index expected 1..254, got ${block.index}`);
  return concat(Uint8Array.of(block.index, 0x01), le16(3 + block.value.length), Uint8Array.of(block.valueType), le16(block.value.length), block.value);
}

export function encodeOpaqueData(tlvs: readonly OpaqueTlv[]): Uint8Array {
  return concat(...tlvs.flatMap((t) => [le16(t.type), le16(t.value.length), t.value]));
}

/** The MEASUREMENTS response without its signature (the caller appends the 96-byte signature). */
export function encodeMeasurementsResponseUnsigned(spec: {
  slotId: number;
  blocks: readonly Omit<MeasurementBlock, 'specification'>[];
  nonce: Uint8Array;
  opaque: readonly OpaqueTlv[];
}): Uint8Array {
  const record = concat(...spec.blocks.map(encodeMeasurementBlock));
  const opaque = encodeOpaqueData(spec.opaque);
  if (opaque.length > SPDM_OPAQUE_MAX) throw new RangeError(`opaque data of ${opaque.length} bytes exceeds ${SPDM_OPAQUE_MAX}`);
  if (spec.nonce.length !== SPDM_NONCE_BYTES) throw new RangeError('responder nonce expected 32 bytes');
  return concat(
    Uint8Array.of(SPDM_VERSION_11, SPDM_MEASUREMENTS, 0x00, spec.slotId & 0x0f, spec.blocks.length),
    Uint8Array.of(record.length & 0xff, (record.length >> 8) & 0xff, (record.length >> 16) & 0xff),
    record,
    spec.nonce,
    le16(opaque.length),
    opaque,
  );
}
