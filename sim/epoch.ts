/**
 * Key epochs of profile `pcc`: a node's pre-attested key is bound to an epoch (REPORT_DATA binds
 * pkE and the epoch's nonce), and clients accept only keys of the current or previous epoch.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../protocol/bytes.js';
import { EPOCH_MS } from '../model/profile.js';

export function epochAt(virtualMs: number): number {
  return Math.floor(virtualMs / EPOCH_MS);
}

/** The public nonce of epoch `e` (32 bytes): what a pre-attested report binds instead of a client nonce. */
export function epochNonce(e: number): Uint8Array {
  return sha256(utf8(`pph key epoch ${e}`));
}

/** A published candidate: the epoch and the attestation bundle of one node's key. */
export interface Candidate {
  epoch: number;
  node: number;
  bundle: Uint8Array;
}

export function encodeCandidate(c: Candidate): Uint8Array {
  const out = new Uint8Array(4 + c.bundle.length);
  new DataView(out.buffer).setUint32(0, c.epoch);
  out.set(c.bundle, 4);
  return out;
}

/** Total: null when shorter than the epoch field. */
export function decodeCandidate(bytes: Uint8Array): { epoch: number; bundle: Uint8Array } | null {
  if (bytes.length < 4) return null;
  return { epoch: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0), bundle: bytes.subarray(4) };
}
