/**
 * The TLS 1.3 record layer (RFC 8446 §5): TLSPlaintext framing, TLSInnerPlaintext, AEAD
 * protection with per-record nonces, and a stream deframer for bytes arriving in any chunks.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { concat } from '../bytes.js';
import { TlsError } from './errors.js';
import type { TrafficKeys } from './key-schedule.js';
import { u16 } from './wire.js';

/** RFC 8446 §5.1 ContentType. */
export const CONTENT = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 } as const;
/** RFC 8446 §5.1: TLSPlaintext.fragment MUST NOT exceed 2^14 bytes. */
export const MAX_PLAINTEXT = 1 << 14;
/** RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256. */
export const MAX_CIPHERTEXT = (1 << 14) + 256;
const TAG_LEN = 16;

export interface TlsRecord {
  readonly type: number;
  readonly legacyVersion: number;
  readonly fragment: Uint8Array;
}

/** One TLSPlaintext record (or the outer TLSCiphertext, whose type is application_data). */
export function encodeRecord(type: number, fragment: Uint8Array, legacyVersion = 0x0303): Uint8Array {
  if (fragment.length > MAX_CIPHERTEXT) throw new RangeError(`record fragment of ${fragment.length} bytes exceeds 2^14+256`);
  return concat(Uint8Array.of(type, legacyVersion >> 8, legacyVersion & 0xff), u16(fragment.length), fragment);
}

/** Plaintext records of `type` carrying `data`, split at 2^14 bytes (RFC 8446 §5.1). */
export function encodePlainRecords(type: number, data: Uint8Array, legacyVersion = 0x0303): Uint8Array {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length || i === 0; i += MAX_PLAINTEXT) out.push(encodeRecord(type, data.subarray(i, i + MAX_PLAINTEXT), legacyVersion));
  return concat(...out);
}

/** Splits a byte stream into records; keeps an incomplete tail for the next `push`. */
export class RecordDeframer {
  private buffer: Uint8Array = new Uint8Array(0);

  push(data: Uint8Array): TlsRecord[] {
    this.buffer = this.buffer.length ? concat(this.buffer, data) : data.slice();
    const records: TlsRecord[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 5) {
      const b = this.buffer;
      const type = b[offset]!;
      const legacyVersion = (b[offset + 1]! << 8) | b[offset + 2]!;
      const length = (b[offset + 3]! << 8) | b[offset + 4]!;
      // RFC 8446 §5.1: an unknown type is an unexpected_message; the version must be 0x03xx.
      if (type < CONTENT.change_cipher_spec || type > CONTENT.application_data) throw new TlsError('unexpected-message', `record of unknown content type ${type}`);
      if (b[offset + 1] !== 0x03) throw new TlsError('decode', `record legacy_record_version 0x${legacyVersion.toString(16)}`);
      if (length > MAX_CIPHERTEXT) throw new TlsError('record-overflow', `record of ${length} bytes exceeds 2^14+256`);
      if (b.length - offset - 5 < length) break;
      records.push({ type, legacyVersion, fragment: b.slice(offset + 5, offset + 5 + length) });
      offset += 5 + length;
    }
    this.buffer = this.buffer.slice(offset);
    return records;
  }

  /** Bytes of an incomplete record still waiting. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** RFC 8446 §5.3: the per-record nonce is the 64-bit sequence number, left-padded to iv_length, XORed with the static IV. */
export function recordNonce(iv: Uint8Array, seq: bigint): Uint8Array {
  const nonce = iv.slice();
  for (let i = 0; i < 8; i++) nonce[nonce.length - 1 - i]! ^= Number((seq >> BigInt(8 * i)) & 0xffn);
  return nonce;
}

/** One direction's AEAD state: keys and the sequence number (RFC 8446 §5.3). */
export class RecordProtection {
  private seqNo: bigint;
  /** `initialSeq` > 0 only to open or seal a record later in a stream (conformance tests). */
  constructor(
    readonly keys: TrafficKeys,
    initialSeq = 0n,
  ) {
    this.seqNo = initialSeq;
  }

  get seq(): bigint {
    return this.seqNo;
  }

  /**
   * RFC 8446 §5.2: TLSInnerPlaintext = content ‖ ContentType ‖ zeros[padding]; the outer record
   * is application_data, legacy_record_version 0x0303, and additional_data is its 5-byte header.
   */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    if (content.length > MAX_PLAINTEXT) throw new RangeError(`record content of ${content.length} bytes exceeds 2^14`);
    const inner = concat(content, Uint8Array.of(type), new Uint8Array(padding));
    if (inner.length > MAX_PLAINTEXT + 1) throw new RangeError('TLSInnerPlaintext exceeds 2^14 + 1 bytes');
    const header = concat(Uint8Array.of(CONTENT.application_data, 0x03, 0x03), u16(inner.length + TAG_LEN));
    const ciphertext = gcm(this.keys.key, this.nextNonce(), header).encrypt(inner);
    return concat(header, ciphertext);
  }

  /** Opens one TLSCiphertext; returns the inner content type and content. */
  open(record: TlsRecord): { type: number; content: Uint8Array } {
    if (record.type !== CONTENT.application_data) throw new TlsError('unexpected-message', `protected record with outer type ${record.type}`);
    if (record.fragment.length < TAG_LEN + 1) throw new TlsError('bad-record-mac', 'protected record shorter than tag + content type');
    const header = concat(Uint8Array.of(record.type, record.legacyVersion >> 8, record.legacyVersion & 0xff), u16(record.fragment.length));
    let inner: Uint8Array;
    try {
      inner = gcm(this.keys.key, this.nextNonce(), header).decrypt(record.fragment);
    } catch (cause) {
      // RFC 8446 §5.2: if decryption fails, the receiver MUST terminate with bad_record_mac.
      throw new TlsError('bad-record-mac', 'record AEAD open failed', { cause });
    }
    // RFC 8446 §5.4: the content type is the last non-zero byte; all-zero is unexpected_message.
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw new TlsError('unexpected-message', 'TLSInnerPlaintext without a content type');
    if (end > MAX_PLAINTEXT) throw new TlsError('record-overflow', 'TLSInnerPlaintext content exceeds 2^14');
    return { type: inner[end]!, content: inner.slice(0, end) };
  }

  private nextNonce(): Uint8Array {
    // RFC 8446 §5.3: the sequence number MUST NOT wrap; we refuse long before 2^64.
    if (this.seqNo >= 2n ** 63n) throw new TlsError('state', 'record sequence number exhausted');
    const nonce = recordNonce(this.keys.iv, this.seqNo);
    this.seqNo++;
    return nonce;
  }
}
