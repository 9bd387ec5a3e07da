/**
 * The attestation bundle a node returns for a client nonce (PROTOCOL.md step 4): report,
 * certificate chain, release entry, inclusion proof and the checkpoint with its cosignatures.
 * Wire format (ours; no standard covers the bundle): version byte 1, then each field as a
 * u32 big-endian length and its bytes, in the order of `BUNDLE_FIELDS`. The parser is total.
 */
import { concat, fromUtf8, utf8 } from './bytes.js';
import { PphError } from './errors.js';
import { sha512 } from '@noble/hashes/sha2.js';

export class BundleError extends PphError {}

export interface AttestationBundle {
  nodeId: string;
  /** The enclave's HPKE public key pkE (32 bytes). */
  enclaveKey: Uint8Array;
  /** The 0x4A0-byte SEV-SNP ATTESTATION_REPORT. */
  report: Uint8Array;
  /** DER certificates: chip key (VCEK) first, then the intermediate (ASK). The root is pinned. */
  certificates: Uint8Array[];
  /** The release entry in the log: the image measurement (48 bytes) and its name. */
  releaseEntry: Uint8Array;
  leafIndex: number;
  treeSize: number;
  inclusionProof: Uint8Array[];
  /** The signed checkpoint note (C2SP tlog-checkpoint + signatures + cosignatures). */
  checkpoint: string;
  /** Optional: RFC 9162 consistency proofs from earlier checkpoint sizes to this checkpoint's. */
  consistency?: { fromSize: number; proof: Uint8Array[] }[];
}

const VERSION = 1;
const MAX_FIELD_BYTES = 1 << 20;
const MAX_LIST = 64;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

function field(bytes: Uint8Array): Uint8Array {
  return concat(u32(bytes.length), bytes);
}

function list(items: Uint8Array[]): Uint8Array {
  return field(concat(...items.map(field)));
}

export function encodeBundle(b: AttestationBundle): Uint8Array {
  return concat(
    Uint8Array.of(VERSION),
    field(utf8(b.nodeId)),
    field(b.enclaveKey),
    field(b.report),
    list(b.certificates),
    field(b.releaseEntry),
    u32(b.leafIndex),
    u32(b.treeSize),
    list(b.inclusionProof),
    field(utf8(b.checkpoint)),
    // Optional, last: consistency proofs from earlier checkpoint sizes to this one (absent: none).
    b.consistency && b.consistency.length ? list(b.consistency.map((c) => concat(u32(c.fromSize), list(c.proof)))) : new Uint8Array(0),
  );
}

function parseConsistencyStep(item: Uint8Array): { fromSize: number; proof: Uint8Array[] } {
  const r = new Reader(item);
  const fromSize = r.u32('consistency');
  const proof = r.list('consistency');
  if (!r.done()) throw new BundleError('trailing', 'bytes after a consistency step');
  return { fromSize, proof };
}

class Reader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  u32(name: string): number {
    if (this.pos + 4 > this.bytes.length) throw new BundleError('truncated', `bundle truncated in ${name}`);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getUint32(0, false);
    this.pos += 4;
    return v;
  }
  field(name: string): Uint8Array {
    const n = this.u32(name);
    if (n > MAX_FIELD_BYTES) throw new BundleError('limit', `bundle field ${name} of ${n} bytes exceeds ${MAX_FIELD_BYTES}`);
    if (this.pos + n > this.bytes.length) throw new BundleError('truncated', `bundle truncated in ${name}`);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  list(name: string): Uint8Array[] {
    const inner = new Reader(this.field(name));
    const out: Uint8Array[] = [];
    while (!inner.done()) {
      if (out.length >= MAX_LIST) throw new BundleError('limit', `bundle list ${name} has more than ${MAX_LIST} items`);
      out.push(inner.field(name));
    }
    return out;
  }
  text(name: string): string {
    try {
      return fromUtf8(this.field(name));
    } catch (e) {
      if (e instanceof BundleError) throw e;
      throw new BundleError('invalid', `bundle field ${name} is not UTF-8`);
    }
  }
  done(): boolean {
    return this.pos === this.bytes.length;
  }
}

/** Parses a bundle; BundleError (codes truncated, limit, invalid, version, trailing) on bad bytes. */
export function parseBundle(bytes: Uint8Array): AttestationBundle {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bundle expected Uint8Array');
  if (bytes.length < 1) throw new BundleError('truncated', 'empty bundle');
  if (bytes[0] !== VERSION) throw new BundleError('version', `bundle version ${bytes[0]} is not ${VERSION}`);
  const r = new Reader(bytes.subarray(1));
  const b: AttestationBundle = {
    nodeId: r.text('nodeId'),
    enclaveKey: r.field('enclaveKey'),
    report: r.field('report'),
    certificates: r.list('certificates'),
    releaseEntry: r.field('releaseEntry'),
    leafIndex: r.u32('leafIndex'),
    treeSize: r.u32('treeSize'),
    inclusionProof: r.list('inclusionProof'),
    checkpoint: r.text('checkpoint'),
  };
  if (!r.done()) {
    // The optional last field; anything else after the checkpoint is trailing bytes.
    try {
      b.consistency = r.list('consistency').map(parseConsistencyStep);
    } catch (e) {
      if (e instanceof BundleError && e.code === 'limit') throw e;
      throw new BundleError('trailing', 'bytes after the end of the bundle are not a consistency list');
    }
  }
  if (!r.done()) throw new BundleError('trailing', 'bytes after the end of the bundle');
  if (b.enclaveKey.length !== 32) throw new BundleError('invalid', `enclaveKey of ${b.enclaveKey.length} bytes, expected 32`);
  return b;
}

const BINDING_CONTEXT = utf8('pph attestation binding v1');

/**
 * REPORT_DATA (64 bytes) = SHA-512(context ‖ pkE ‖ nonce) (PROTOCOL.md step 0). Without a nonce
 * (the `client-nonce` mutant) it binds the key only, so captured evidence can be replayed.
 */
export function reportDataBinding(enclaveKey: Uint8Array, nonce: Uint8Array | null): Uint8Array {
  return sha512(nonce ? concat(BINDING_CONTEXT, enclaveKey, nonce) : concat(BINDING_CONTEXT, enclaveKey));
}

/** A release entry: 48-byte measurement followed by the image name. */
export function encodeReleaseEntry(measurement: Uint8Array, image: string): Uint8Array {
  return concat(measurement, utf8(image));
}

export function releaseMeasurement(entry: Uint8Array): Uint8Array {
  if (entry.length < 48) throw new BundleError('invalid', `release entry of ${entry.length} bytes is shorter than a measurement`);
  return entry.subarray(0, 48);
}
