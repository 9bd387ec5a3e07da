/**
 * The hot path: one complete summarise request as the network sees it (PROTOCOL.md steps 5–9),
 * with the protocol layer's own functions and the enclave program behind a real TEE runner:
 *
 *   client   seals the task to pkE (HPKE), wraps it with the token in Binary HTTP, encapsulates
 *            it to the gateway (OHTTP)
 *   relay    forwards the bytes (a copy, as a network would)
 *   gateway  decapsulates, decodes, parses and checks the token (VOPRF type 0x0001) and spends it,
 *            hands the inner ciphertext to the node
 *   enclave  (runner.enter) opens, summarises, seals the answer under the exported key
 *   gateway  wraps the answer in Binary HTTP and encapsulates the OHTTP response
 *   relay    forwards it back
 *   client   decapsulates, decodes, derives the response key, opens and checks the answer belongs
 *            to its request (request id and canary).
 *
 * Attestation is per session, not per request, and is not on this path. Tokens come from a pool
 * finalised beforehand; the spent-token set is cleared each time the pool wraps around.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type BhttpRequest, type FieldLine } from '../protocol/bhttp.js';
import { openInnerResponse, responseKey, sealInnerRequest } from '../protocol/inner-session.js';
import { decapsulateRequest, encapsulateRequest } from '../protocol/ohttp.js';
import { assertTokenChallenge, parseToken } from '../protocol/tokens/token.js';
import { checkToken } from '../protocol/tokens/type1-voprf.js';
import { answerOf, decodeReply, encodeBootCall, encodeRequestCall, RESPONSE_NONCE_BYTES } from '../tee/enclave-program.js';
import type { TeeRunner } from '../tee/runner.js';
import type { BenchKeys } from './fixtures.js';
import type { Chat } from '../sim/workload.js';
import { authorizationFor, encodePaddedRequest, GATEWAY_AUTHORITY, header, HEADERS, PATHS, tokenOfAuthorization } from '../protocol/request-path.js';

/** The byte sizes one request moves, for the floor (AES-GCM over the same bytes). */
export interface HotPathSizes {
  innerRequestBytes: number;
  bhttpRequestBytes: number;
  answerBytes: number;
  bhttpResponseBytes: number;
  tokenNonceBytes: number;
}

/** What one request leaves behind, for the peer benchmark and for checks. */
export interface HotPathSample {
  sizes: HotPathSizes;
  bhttpRequest: Uint8Array;
  bhttpResponse: Uint8Array;
}

/** A hot-path failure (the benchmark must never time a path that does not work). */
export class HotPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HotPathError';
  }
}

/** One client, relay, gateway and node around a started runner. */
export class HotPath {
  private pkE: Uint8Array | null = null;
  private readonly spent = new Set<string>();
  private next = 0;

  constructor(
    private readonly keys: BenchKeys,
    private readonly runner: TeeRunner,
    private readonly chat: Chat,
  ) {}

  /** Starts the runner and boots the enclave program with the node's key. */
  async boot(): Promise<void> {
    await this.runner.start();
    const enclave = this.keys.enclave();
    const reply = decodeReply(await this.runner.enter(encodeBootCall({ secretKey: enclave.secretKey, nodeId: enclave.nodeId })));
    if (reply.kind !== 'booted' || !equalBytes(reply.publicKey, enclave.publicKey)) throw new HotPathError(`${this.runner.name}: the enclave did not boot with the node key`);
    this.pkE = reply.publicKey;
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** One complete request; returns its sizes and messages. Throws HotPathError if any check fails. */
  async request(): Promise<HotPathSample> {
    const pkE = this.pkE;
    if (pkE === null) throw new HotPathError('hot path used before boot()');
    const { gateway } = this.keys;
    const rng = this.keys.rng;
    const tokens = this.keys.tokens1();
    const n = this.next++;
    if (n % tokens.length === 0) this.spent.clear();
    const token = tokens[n % tokens.length]!;
    const requestId = `req-${n}`;
    const canary = this.chat.canaries[n % this.chat.canaries.length]!;

    // ---- client (PROTOCOL.md step 5)
    const nodeId = this.keys.enclave().nodeId;
    const plaintext = utf8(JSON.stringify({ requestId, chatId: this.chat.chatId, canary, messages: this.chat.messages }));
    const inner = sealInnerRequest(pkE, nodeId, plaintext, rng);
    const headers: FieldLine[] = [
      [HEADERS.node, nodeId],
      [HEADERS.authorization, authorizationFor(token)],
    ];
    const req: BhttpRequest = { method: 'POST', scheme: 'https', authority: GATEWAY_AUTHORITY, path: PATHS.summarise, headers, body: inner.bytes, trailers: [] };
    const bhttpRequest = encodePaddedRequest(req);
    const client = encapsulateRequest(gateway().config, bhttpRequest, rng);

    // ---- relay (step 6)
    const atGateway = client.encapsulated.slice();

    // ---- gateway (step 7)
    const opened = decapsulateRequest(gateway(), atGateway);
    const request = decodeRequest(opened.request);
    const auth = tokenOfAuthorization(header(request.headers, HEADERS.authorization) ?? '');
    if (!auth) throw new HotPathError('gateway: no token');
    const parsed = parseToken(auth);
    assertTokenChallenge(parsed, this.keys.challenge1());
    checkToken(parsed, this.keys.issuer1());
    const tokenId = toHex(sha256(parsed.nonce));
    if (this.spent.has(tokenId)) throw new HotPathError('gateway: double spend');
    this.spent.add(tokenId);
    if (header(request.headers, HEADERS.node) !== nodeId) throw new HotPathError('gateway: unknown node');

    // ---- enclave node (step 8): only bytes cross the runner boundary
    const call = encodeRequestCall(rng.bytes(RESPONSE_NONCE_BYTES), request.body);
    const sealed = answerOf(await this.runner.enter(call));

    // ---- gateway → relay → client (step 9)
    const bhttpResponse = encodeResponse({ informational: [], status: 200, headers: [], body: sealed, trailers: [] });
    const atClient = opened.context.encapsulateResponse(bhttpResponse, rng).slice();
    const response = decodeResponse(client.context.decapsulateResponse(atClient));
    if (response.status !== 200) throw new HotPathError(`client: status ${response.status}`);
    const answer = openInnerResponse(responseKey(inner.context, true, pkE), response.body);
    const got = JSON.parse(fromUtf8(answer)) as { requestId?: string; canary?: string };
    if (got.requestId !== requestId || got.canary !== canary) throw new HotPathError('client: the answer is not for this request');

    return {
      sizes: {
        innerRequestBytes: plaintext.length,
        bhttpRequestBytes: bhttpRequest.length,
        answerBytes: answer.length,
        bhttpResponseBytes: bhttpResponse.length,
        tokenNonceBytes: parsed.nonce.length,
      },
      bhttpRequest,
      bhttpResponse,
    };
  }
}
