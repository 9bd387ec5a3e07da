/**
 * Verifies NVIDIA GPU evidence (an SPDM 1.1 GET_MEASUREMENTS transcript, spdm.ts) under a device
 * chain (chain.ts). Checks, in this order, each failing with its own `NvidiaEvidenceError` code:
 *
 * 1. `parse` / `trailing-bytes`: the transcript framing (strict);
 * 2. `chain`: the device chain validates to a pinned root;
 * 3. `not-yet-valid` / `expired`: every certificate is valid at `atMs` (time is passed in);
 * 4. `signature`: ECDSA-P384 / SHA-384 over request ‖ response-without-signature, r‖s raw
 *    (DSP0274 1.1 §10.11.1: the signature covers L1 = the GET_MEASUREMENTS request and the
 *    MEASUREMENTS response up to, not including, the Signature field), under the leaf key;
 * 5. `nonce`: the request nonce equals the caller's (when given);
 * 6. `fwid`: the opaque FWID equals the FWID in the leaf's DICE extension;
 * 7. `cc-mode`: optional policy, the measurement that records the CC mode holds its golden value.
 *
 * Pure: no I/O, no clock. The NRAS-shaped evidence list (`[{arch, certificate, evidence, nonce,
 * driver_version, vbios_version, version}]`, certificate = base64 of the PEM chain, evidence =
 * base64 of the transcript) is checked item by item by {@link verifyNvidiaEvidenceList}.
 *
 * @example
 * ```ts
 * const trust = new NvidiaTrust();                         // NVIDIA Device Identity CA pinned
 * const ok = verifyNvidiaEvidence(bytes, trust.chain(pem), { atMs, nonce });
 * ok.evidence.response.opaque.driverVersion;               // "550.90.07"
 * ```
 */
import { verify as cryptoVerify } from 'node:crypto';
import { equalBytes, fromHex, toHex } from '../../bytes.js';
import { NvidiaEvidenceError } from './errors.js';
import { leafFwid, NvidiaDeviceChain, NvidiaTrust, type GpuArch } from './chain.js';
import { parseNvidiaEvidence, SPDM_NONCE_BYTES, type NvidiaSpdmEvidence, type ParseOptions } from './spdm.js';

/** A policy naming the measurement block that records the CC mode and its "CC on" value. */
export interface CcModePolicy {
  readonly index: number;
  /** The golden value of that block when confidential computing is on. */
  readonly expected: Uint8Array;
}

export interface NvidiaVerifyOptions extends ParseOptions {
  /** Verification time (ms since epoch). Required: protocol/ never reads the clock. */
  atMs: number;
  /** The caller's 32-byte nonce; when given, the request nonce must equal it. */
  nonce?: Uint8Array;
  /** When given, the CC-mode measurement must hold its golden value (`cc-mode`). */
  ccMode?: CcModePolicy;
}

export interface NvidiaVerified {
  readonly evidence: NvidiaSpdmEvidence;
  readonly chain: NvidiaDeviceChain;
  readonly arch: GpuArch | undefined;
  /** The FWID both the leaf certificate and the opaque data carry. */
  readonly fwid: Uint8Array;
  /** Whether the caller's nonce was compared (false when none was given). */
  readonly nonceChecked: boolean;
}

/** Throws `NvidiaEvidenceError` unless `evidence` verifies; returns the parsed, checked evidence. */
export function verifyNvidiaEvidence(evidence: Uint8Array | NvidiaSpdmEvidence, chain: NvidiaDeviceChain, options: NvidiaVerifyOptions): NvidiaVerified {
  if (typeof options?.atMs !== 'number' || !Number.isFinite(options.atMs)) throw new TypeError('atMs expected a finite number');
  if (options.nonce !== undefined && (!(options.nonce instanceof Uint8Array) || options.nonce.length !== SPDM_NONCE_BYTES)) {
    throw new TypeError(`nonce expected a ${SPDM_NONCE_BYTES}-byte Uint8Array`);
  }
  const ev = evidence instanceof Uint8Array ? parseNvidiaEvidence(evidence, options) : evidence;
  chain.assertChain();
  chain.assertValidAt(options.atMs);
  // DSP0274 1.1 §10.11.1 / §15: ECDSA with the negotiated BaseAsymAlgo (P-384) and BaseHashAlgo (SHA-384) over L1.
  let ok = false;
  try {
    ok = cryptoVerify('sha384', ev.signedBytes, { key: chain.leafKey!, dsaEncoding: 'ieee-p1363' }, ev.response.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new NvidiaEvidenceError('signature', `SPDM MEASUREMENTS signature does not verify under ${chain.leaf.subjectCn ?? 'the leaf'}`);
  const nonceChecked = options.nonce !== undefined;
  if (nonceChecked && !equalBytes(ev.request.nonce, options.nonce!)) {
    throw new NvidiaEvidenceError('nonce', `request nonce ${toHex(ev.request.nonce)} is not the expected ${toHex(options.nonce!)}`);
  }
  const certFwid = leafFwid(chain.leaf);
  const opaqueFwid = ev.response.opaque.fwid;
  if (opaqueFwid === undefined) throw new NvidiaEvidenceError('fwid', 'the opaque data carries no FWID (type 20)');
  if (!equalBytes(opaqueFwid, certFwid.digest)) {
    throw new NvidiaEvidenceError('fwid', `opaque FWID ${toHex(opaqueFwid)} ≠ leaf ${certFwid.oid} FWID ${toHex(certFwid.digest)}`);
  }
  if (options.ccMode !== undefined) assertCcMode(ev, options.ccMode);
  return { evidence: ev, chain, arch: chain.arch, fwid: opaqueFwid, nonceChecked };
}

/** Throws `cc-mode` unless the CC-mode measurement block holds the golden "CC on" value. */
export function assertCcMode(ev: NvidiaSpdmEvidence, policy: CcModePolicy): void {
  const block = ev.response.blocks.find((b) => b.index === policy.index);
  if (block === undefined) throw new NvidiaEvidenceError('cc-mode', `no measurement block ${policy.index} (the CC-mode measurement)`);
  if (!equalBytes(block.value, policy.expected)) {
    throw new NvidiaEvidenceError('cc-mode', `measurement ${policy.index} is ${toHex(block.value).slice(0, 16)}…, not the CC-on value: the GPU is not in confidential mode`);
  }
}

// ---------------------------------------------------------------------------------------------
// The NRAS-shaped evidence list.

/** One item of the list as NRAS receives it (nvtrust `collect_gpu_evidence_remote`). */
export interface NrasEvidenceItem {
  readonly arch: string | undefined;
  readonly certificate: string;
  readonly evidence: string;
  readonly nonce: string | undefined;
  readonly driverVersion: string | undefined;
  readonly vbiosVersion: string | undefined;
  readonly version: string | undefined;
}

export type NvidiaListItemResult =
  | { readonly index: number; readonly ok: true; readonly verified: NvidiaVerified }
  | { readonly index: number; readonly ok: false; readonly error: NvidiaEvidenceError; readonly evidence: NvidiaSpdmEvidence | undefined };

const parseError = (message: string): NvidiaEvidenceError => new NvidiaEvidenceError('parse', message);
/** A limit on everything: NRAS lists hold one item per GPU (8 on HGX). */
export const NRAS_LIST_MAX = 64;

function strictBase64(s: string, field: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  // RFC 4648 §4: the base64 alphabet with padding.
  if (clean.length === 0 || clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw parseError(`${field} is not base64`);
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** Parses the list JSON (text or already parsed). Throws `parse` for a malformed list or item. */
export function parseNrasEvidenceList(input: string | unknown): NrasEvidenceItem[] {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new NvidiaEvidenceError('parse', `evidence list is not JSON: ${(e as Error).message}`);
    }
  }
  // NRAS v3 also wraps the list as {"evidence_list": [...]}; accept both shapes.
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Array.isArray((value as { evidence_list?: unknown }).evidence_list)) {
    value = (value as { evidence_list: unknown[] }).evidence_list;
  }
  if (!Array.isArray(value)) throw parseError('evidence list is not a JSON array');
  if (value.length === 0) throw parseError('evidence list is empty');
  if (value.length > NRAS_LIST_MAX) throw parseError(`evidence list of ${value.length} items exceeds ${NRAS_LIST_MAX}`);
  return value.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw parseError(`item ${i} is not an object`);
    const o = item as Record<string, unknown>;
    const str = (k: string, required: boolean): string | undefined => {
      const v = o[k];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string') throw parseError(`item ${i}: "${k}" ${v === undefined ? 'is missing' : 'is not a string'}`);
      return v;
    };
    return {
      arch: str('arch', false),
      certificate: str('certificate', true)!,
      evidence: str('evidence', true)!,
      nonce: str('nonce', false),
      driverVersion: str('driver_version', false),
      vbiosVersion: str('vbios_version', false),
      version: str('version', false),
    };
  });
}

/** Verifies one NRAS item: its evidence and chain, and that its unsigned metadata matches the signed evidence. */
export function verifyNrasItem(item: NrasEvidenceItem, trust: NvidiaTrust, options: NvidiaVerifyOptions): NvidiaVerified {
  const evidenceBytes = strictBase64(item.evidence, 'evidence');
  const chainPem = strictBase64(item.certificate, 'certificate');
  const ev = parseNvidiaEvidence(evidenceBytes, options);
  const chain = trust.chain(chainPem);
  let itemNonce: Uint8Array | undefined;
  if (item.nonce !== undefined) {
    try {
      itemNonce = fromHex(item.nonce, 'nonce');
    } catch {
      throw parseError('"nonce" is not hex');
    }
    if (itemNonce.length !== SPDM_NONCE_BYTES) throw parseError(`"nonce" is ${itemNonce.length} bytes, expected ${SPDM_NONCE_BYTES}`);
  }
  const verified = verifyNvidiaEvidence(ev, chain, options);
  // The item's nonce is what the collector asked for: the signed request must carry it.
  if (itemNonce !== undefined && !equalBytes(itemNonce, ev.request.nonce)) {
    throw new NvidiaEvidenceError('nonce', `item nonce ${item.nonce} is not the request nonce ${toHex(ev.request.nonce)}`);
  }
  const o = ev.response.opaque;
  const mismatch = (field: string, claimed: string, signed: string | undefined): NvidiaEvidenceError =>
    new NvidiaEvidenceError('field-mismatch', `item ${field} "${claimed}" ≠ signed evidence "${signed ?? '(absent)'}"`);
  if (item.arch !== undefined && verified.arch !== undefined && item.arch.toUpperCase() !== verified.arch) throw mismatch('arch', item.arch, verified.arch);
  if (item.driverVersion !== undefined && item.driverVersion !== o.driverVersion) throw mismatch('driver_version', item.driverVersion, o.driverVersion);
  if (item.vbiosVersion !== undefined && item.vbiosVersion.toUpperCase() !== o.vbiosVersion) throw mismatch('vbios_version', item.vbiosVersion, o.vbiosVersion);
  return verified;
}

/** Verifies every item of an NRAS evidence list; never throws for an item, only for a malformed list. */
export function verifyNvidiaEvidenceList(list: string | unknown, trust: NvidiaTrust, options: NvidiaVerifyOptions): NvidiaListItemResult[] {
  const items = parseNrasEvidenceList(list);
  return items.map((item, index) => {
    try {
      return { index, ok: true as const, verified: verifyNrasItem(item, trust, options) };
    } catch (e) {
      if (!(e instanceof NvidiaEvidenceError)) throw e;
      let evidence: NvidiaSpdmEvidence | undefined;
      try {
        evidence = parseNvidiaEvidence(strictBase64(item.evidence, 'evidence'), options);
      } catch {
        evidence = undefined;
      }
      return { index, ok: false as const, error: e, evidence };
    }
  });
}
