/**
 * The inner layer between client and enclave (PROTOCOL.md steps 5 and 8): the task is sealed with
 * HPKE to the enclave key pkE that the client attested; the answer is sealed under a key exported
 * from the same HPKE context, so it can only belong to this request (response binding).
 */
import { aeadOpen, aeadSeal } from './hpke-node.js';
import { concat, utf8 } from './bytes.js';
import { PphError } from './errors.js';
import { setupBaseR, setupBaseS, type RecipientContext, type SenderContext } from './hpke.js';
import type { Rng } from './rng.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Opening the inner request or response failed. Codes: truncated, open. */
export class InnerSessionError extends PphError {}

const ENC_BYTES = 32;
const NONCE_BYTES = 12;
const KEY_BYTES = 16;
const REQUEST_INFO = utf8('pph inner request v1');
const RESPONSE_EXPORT = utf8('pph inner response v1');
const UNBOUND_LABEL = utf8('pph node response key v1 (mutant: unbound)');

function info(nodeId: string): Uint8Array {
  return concat(REQUEST_INFO, Uint8Array.of(0), utf8(nodeId));
}

/** Client: seals `plaintext` to the enclave key; returns enc ‖ ct and the context for the response. */
export function sealInnerRequest(pkE: Uint8Array, nodeId: string, plaintext: Uint8Array, rng: Rng): { bytes: Uint8Array; context: SenderContext } {
  const context = setupBaseS(pkE, info(nodeId), rng);
  const ct = context.seal(plaintext);
  return { bytes: concat(context.enc, ct), context };
}

/** Enclave: opens an inner request with its secret key. */
export function openInnerRequest(skE: Uint8Array, nodeId: string, bytes: Uint8Array): { plaintext: Uint8Array; context: RecipientContext } {
  if (bytes.length < ENC_BYTES + 16) throw new InnerSessionError('truncated', `inner request of ${bytes.length} bytes is shorter than enc + tag`);
  let context: RecipientContext;
  try {
    context = setupBaseR(skE, bytes.subarray(0, ENC_BYTES), info(nodeId));
    return { plaintext: context.open(bytes.subarray(ENC_BYTES)), context };
  } catch (e) {
    if (e instanceof InnerSessionError) throw e;
    throw new InnerSessionError('open', 'inner request does not open under this enclave key', { cause: e });
  }
}

/**
 * The key that seals the answer. Bound (the protocol): exported from this request's HPKE context.
 * Unbound (the `response-binding` mutant): one key per enclave key, shared by all its requests.
 */
export function responseKey(context: SenderContext | RecipientContext | null, bound: boolean, pkE: Uint8Array): Uint8Array {
  if (bound) {
    if (!context) throw new TypeError('responseKey: a bound key needs the HPKE context');
    return context.export(RESPONSE_EXPORT, KEY_BYTES);
  }
  return sha256(concat(UNBOUND_LABEL, pkE)).subarray(0, KEY_BYTES);
}

/** Enclave: seals the answer (AES-128-GCM, fresh nonce from the Rng). */
export function sealInnerResponse(key: Uint8Array, plaintext: Uint8Array, rng: Rng): Uint8Array {
  const nonce = rng.bytes(NONCE_BYTES);
  return concat(nonce, aeadSeal('aes-128-gcm', key, nonce, new Uint8Array(0), plaintext));
}

/** Client: opens the answer. */
export function openInnerResponse(key: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (bytes.length < NONCE_BYTES + 16) throw new InnerSessionError('truncated', `inner response of ${bytes.length} bytes is too short`);
  const pt = aeadOpen('aes-128-gcm', key, bytes.subarray(0, NONCE_BYTES), new Uint8Array(0), bytes.subarray(NONCE_BYTES));
  if (!pt) throw new InnerSessionError('open', 'inner response does not open under the request key');
  return pt;
}

// ---- pcc: one request key sealed to k nodes (target diffusion) --------------------------------

const DIFFUSED_INFO = utf8('pph diffused request key v1');
const DIFFUSED_RESPONSE = utf8('pph diffused response v1');
/** At most this many recipients in one diffused request (a limit on parsing, not the protocol's cap). */
export const DIFFUSED_RECIPIENTS_MAX = 64;

function diffusedInfo(nodeId: string): Uint8Array {
  return concat(DIFFUSED_INFO, Uint8Array.of(0), utf8(nodeId));
}

/**
 * Client (profile `pcc`): a fresh request key K, sealed with HPKE to each recipient, and the task
 * sealed once under K. Any one of the recipients can open it. Layout: u8 count; per recipient
 * u8 idLen ‖ nodeId ‖ enc(32) ‖ HPKE-seal(K)(32); then nonce(12) ‖ AES-128-GCM(K, plaintext, aad = header).
 */
export function sealDiffusedRequest(recipients: readonly { pkE: Uint8Array; nodeId: string }[], plaintext: Uint8Array, rng: Rng): { bytes: Uint8Array; key: Uint8Array } {
  if (recipients.length === 0 || recipients.length > DIFFUSED_RECIPIENTS_MAX) throw new RangeError(`recipients expected 1..${DIFFUSED_RECIPIENTS_MAX}, got ${recipients.length}`);
  const key = rng.bytes(KEY_BYTES);
  const parts: Uint8Array[] = [Uint8Array.of(recipients.length)];
  for (const r of recipients) {
    const id = utf8(r.nodeId);
    if (id.length > 255) throw new RangeError(`nodeId longer than 255 bytes`);
    const ctx = setupBaseS(r.pkE, diffusedInfo(r.nodeId), rng);
    parts.push(Uint8Array.of(id.length), id, ctx.enc, ctx.seal(key));
  }
  const header = concat(...parts);
  const nonce = rng.bytes(NONCE_BYTES);
  return { bytes: concat(header, nonce, aeadSeal('aes-128-gcm', key, nonce, header, plaintext)), key };
}

/** Node: opens a diffused request with its key, if it is one of the recipients. */
export function openDiffusedRequest(skE: Uint8Array, nodeId: string, bytes: Uint8Array): { plaintext: Uint8Array; key: Uint8Array; recipients: string[] } {
  let pos = 0;
  const need = (n: number, what: string) => {
    if (pos + n > bytes.length) throw new InnerSessionError('truncated', `diffused request truncated in ${what}`);
  };
  need(1, 'count');
  const count = bytes[pos++]!;
  if (count === 0 || count > DIFFUSED_RECIPIENTS_MAX) throw new InnerSessionError('recipients', `diffused request with ${count} recipients`);
  let sealedKey: { enc: Uint8Array; ct: Uint8Array } | null = null;
  const recipients: string[] = [];
  for (let i = 0; i < count; i++) {
    need(1, 'node id length');
    const len = bytes[pos++]!;
    need(len + ENC_BYTES + KEY_BYTES + 16, 'recipient entry');
    const id = new TextDecoder().decode(bytes.subarray(pos, pos + len));
    pos += len;
    const enc = bytes.subarray(pos, pos + ENC_BYTES);
    const ct = bytes.subarray(pos + ENC_BYTES, pos + ENC_BYTES + KEY_BYTES + 16);
    pos += ENC_BYTES + KEY_BYTES + 16;
    recipients.push(id);
    if (id === nodeId && sealedKey === null) sealedKey = { enc, ct };
  }
  const header = bytes.subarray(0, pos);
  need(NONCE_BYTES + 16, 'payload');
  if (sealedKey === null) throw new InnerSessionError('not-a-recipient', `${nodeId} is not among the ${count} recipients`);
  let key: Uint8Array;
  try {
    key = setupBaseR(skE, sealedKey.enc, diffusedInfo(nodeId)).open(sealedKey.ct);
  } catch (e) {
    throw new InnerSessionError('open', 'request key does not open under this enclave key', { cause: e });
  }
  const pt = aeadOpen('aes-128-gcm', key, bytes.subarray(pos, pos + NONCE_BYTES), header, bytes.subarray(pos + NONCE_BYTES));
  if (!pt) throw new InnerSessionError('open', 'diffused payload does not open under the request key');
  return { plaintext: pt, key, recipients };
}

/** The key the answer to a diffused request is sealed under: derived from its request key. */
export function diffusedResponseKey(requestKey: Uint8Array): Uint8Array {
  return sha256(concat(DIFFUSED_RESPONSE, requestKey)).subarray(0, KEY_BYTES);
}
