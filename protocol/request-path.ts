/**
 * The request path's wire constants, in one place for the simulator's parties, the adversaries,
 * the TEE runners and the benchmark (PROTOCOL.md steps 5–9): the gateway's authority and the
 * issuer's name, the padding buckets of the Binary HTTP request, the header names the client and
 * the gateway exchange, the `Authorization: PrivateToken token=...` header (RFC 9577 §2.2) and
 * the tagged messages between the gateway and a node's host.
 */
import { concat } from './bytes.js';
import { encodeRequest, type BhttpRequest, type FieldLine } from './bhttp.js';

export const GATEWAY_AUTHORITY = 'gateway.pph.test';
export const ISSUER_NAME = 'issuer.pph.test';

/** The gateway's routes. */
export const PATHS = { attest: '/attest', summarise: '/summarise' } as const;

/** Header names of the request path (lower case, as Binary HTTP carries them). */
export const HEADERS = {
  /** pp: the enclave the inner request is sealed to. */
  node: 'pph-node',
  /** pcc: the enclaves the request key is sealed to (comma-separated). */
  nodes: 'pph-nodes',
  /** The gateway's refusal code on an error response. */
  error: 'pph-error',
  /** RFC 9577 §2.2: the token. */
  authorization: 'authorization',
} as const;

/** Padding buckets for the BHTTP request (PROTOCOL.md step 5): sizes reveal only the bucket. */
export const PAD_BUCKETS = [1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;

/** The value of header `name` (case-insensitive), or undefined. */
export function header(headers: readonly FieldLine[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}

/** Binary HTTP encoding of `request` padded up to the next bucket (a request larger than every bucket is not padded). */
export function encodePaddedRequest(request: BhttpRequest): Uint8Array {
  const unpadded = encodeRequest(request);
  const bucket = PAD_BUCKETS.find((b) => b >= unpadded.length) ?? unpadded.length;
  return encodeRequest(request, { paddingBytes: bucket - unpadded.length });
}

/** The `Authorization` value carrying `token` (RFC 9577 §2.2, base64url without padding). */
export function authorizationFor(token: Uint8Array): string {
  return `PrivateToken token=${Buffer.from(token).toString('base64url')}`;
}

/** The token bytes of an `Authorization` value, or null when it is not `PrivateToken token=<base64url>`. */
export function tokenOfAuthorization(value: string): Uint8Array | null {
  const m = /^PrivateToken token=([A-Za-z0-9_-]+)$/.exec(value);
  return m ? new Uint8Array(Buffer.from(m[1]!, 'base64url')) : null;
}

/** One tagged message between gateway and host: kind byte then payload. */
export const NODE_MSG = { attest: 1, request: 2, evidence: 3, answer: 4, error: 5, publish: 6 } as const;

export function nodeMessage(kind: number, payload: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(kind), payload);
}
