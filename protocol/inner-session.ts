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
