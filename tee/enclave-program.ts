/**
 * The enclave program, as bytes: open the client's inner request with the enclave key, summarise
 * the chat, seal the answer under a key exported from the request's own HPKE context (response
 * binding, PROTOCOL.md step 8), and forget everything. Both the in-process and the worker runner
 * execute exactly this code; the hot-path benchmark does too.
 *
 * Wire format of a call (ours): kind byte, then
 *  - boot (1):    secretKey (32) ‖ nodeId (UTF-8)           → booted (1) ‖ publicKey (32)
 *  - request (2): responseNonce (12) ‖ inner request bytes  → answer (2) ‖ sealed answer
 * and any failure → error (3) ‖ "Class.code" (UTF-8). The parser is total: bad bytes give an
 * error reply, never an exception across the boundary.
 *
 * The response nonce comes from the host's Rng because runs must be reproducible; a production
 * enclave would draw it from its own hardware randomness.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
import { PphError } from '../protocol/errors.js';
import { publicKeyFromSecret, type RecipientContext } from '../protocol/hpke.js';
import { diffusedResponseKey, InnerSessionError, openDiffusedRequest, openInnerRequest, responseKey, sealInnerResponse } from '../protocol/inner-session.js';
import type { Rng } from '../protocol/rng.js';
import { extractiveSummariser, type ChatMessage, type InferenceBackend } from './workload.js';

/** A call or reply that does not parse, or a request the program cannot serve. Codes: truncated, kind, not-booted, payload. */
export class EnclaveCallError extends PphError {}

/** `diffused`: profile pcc, a request whose key is sealed to up to k nodes (protocol/inner-session.ts). */
export const ENCLAVE_CALL = { boot: 1, request: 2, diffused: 3, open: 4, infer: 5, seal: 6, erase: 7, rotate: 8 } as const;
export const ENCLAVE_REPLY = { booted: 1, answer: 2, error: 3, opened: 4, inferred: 5, erased: 6, kept: 7 } as const;

/**
 * The staged calls (the simulator's node drives them one step of model/machines/enclave.ts at a
 * time; `ref` is a u32 the host picks per request):
 *  - open (4):   ref (4) ‖ mode (0 inner HPKE, 1 pcc diffused) ‖ request bytes → opened (4) ‖ requestId (UTF-8)
 *  - infer (5):  ref (4)                                                 → inferred (5)
 *  - seal (6):   ref (4) ‖ responseNonce (12)                            → answer (2) ‖ sealed answer
 *  - erase (7):  ref (4)                                                 → erased (6), or kept (7) when the
 *                program was launched with `erase: false` (the `state-erasure` ablation)
 *  - rotate (8): secretKey (32)  → booted (1) ‖ publicKey (32): pcc epoch rotation; the key of the
 *                previous epoch stays for one epoch (requests sealed just before the boundary)
 */
export const OPEN_MODE = { inner: 0, diffused: 1 } as const;

/**
 * Launch options of the program (fixed for one boot; a restart is a new program). `erase`: erase
 * a request's state when asked after answering (true) or keep it (false: the `state-erasure`
 * ablation, honoured here, in the program). `config`: the launch configuration text
 * (HOST_DATA-bound, see {@link parseEnclaveConfig}); `log=requests` makes the program write every
 * opened request to its log, which the host collects ({@link EnclaveProgram.drainLog}).
 * `probe`: the simulator's instrumentation (facts of the run), absent in production runners; it
 * sees what the program holds, it changes nothing.
 */
export interface EnclaveLaunch {
  readonly erase?: boolean;
  readonly config?: string;
  /** Planted bug (sim/spec.ts `enclaveLogsPlaintextToHost`): the program logs opened requests whatever its configuration. */
  readonly logsPlaintext?: boolean;
  readonly probe?: EnclaveProbe;
}

/** What the simulator learns from inside the program (ground truth for facts, never protocol input). */
export interface EnclaveProbe {
  opened(ref: number, requestId: string, plaintext: Uint8Array, context: RecipientContext | null): void;
  answered(ref: number, answer: Uint8Array, responseKey: Uint8Array, requestKey: Uint8Array | null): void;
  refused?(code: string): void;
}

const SECRET_KEY_BYTES = 32;
/** AES-128-GCM nonce of the inner response (inner-session.ts). */
export const RESPONSE_NONCE_BYTES = 12;
/** Sentences kept by the summary (the simulator's node uses the same). */
export const SUMMARY_SENTENCES = 3;
/** A limit on everything: a node id longer than this is refused. */
const NODE_ID_BYTES_MAX = 256;
/** A limit on everything: a chat with more messages than this is refused. */
const MESSAGES_MAX = 10_000;

/** The enclave's boot secrets. */
export interface EnclaveKeys {
  readonly secretKey: Uint8Array;
  readonly nodeId: string;
}

/** What the client asks the enclave for (the inner request's plaintext, JSON). */
export interface EnclaveTask {
  readonly requestId: string;
  readonly canary: string;
  readonly messages: readonly ChatMessage[];
}

/** A decoded reply, host side. */
export type EnclaveReply =
  | { readonly kind: 'booted'; readonly publicKey: Uint8Array }
  | { readonly kind: 'answer'; readonly sealed: Uint8Array }
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'opened'; readonly requestId: string }
  | { readonly kind: 'inferred' | 'erased' | 'kept' };

/** An Rng that hands out exactly the bytes it was given, once (the host-drawn response nonce). */
function givenBytes(bytes: Uint8Array): Rng {
  let used = false;
  return {
    bytes(n: number): Uint8Array {
      if (used || n !== bytes.length) throw new EnclaveCallError('payload', `expected one draw of ${bytes.length} bytes, got ${n}`);
      used = true;
      return bytes;
    },
    fork(): Rng {
      throw new EnclaveCallError('payload', 'the response nonce cannot fork');
    },
  };
}

function parseTask(plaintext: Uint8Array): EnclaveTask {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(plaintext));
  } catch (cause) {
    throw new EnclaveCallError('payload', 'inner request is not UTF-8 JSON', { cause });
  }
  const t = value as Partial<EnclaveTask> | null;
  const okMessages = Array.isArray(t?.messages) && t!.messages.length <= MESSAGES_MAX && t!.messages.every((m) => typeof m?.from === 'string' && typeof m?.text === 'string');
  if (typeof t?.requestId !== 'string' || typeof t.canary !== 'string' || !okMessages) {
    throw new EnclaveCallError('payload', 'inner request lacks requestId, canary or messages');
  }
  return t as EnclaveTask;
}

/**
 * The summarise step (one implementation, used by serveRequest and by the simulator's node): the
 * answer to a task, JSON `{ requestId, summary, canary }`. The canary of the request travels with
 * the answer, as a real summary could quote it.
 */
export function summariseTask(task: EnclaveTask, backend: InferenceBackend = extractiveSummariser): Uint8Array {
  const summary = backend.summarise([...task.messages, { from: 'client', text: `Request ${task.canary}.` }], SUMMARY_SENTENCES);
  return utf8(JSON.stringify({ requestId: task.requestId, summary, canary: task.canary }));
}

/**
 * The enclave program on one request: open → summarise → seal. Returns the sealed answer
 * (nonce ‖ AES-128-GCM ciphertext); wipes the plaintext, the answer and the response key.
 *
 * @example
 * const sealed = serveRequest({ secretKey, nodeId: 'enclave-0' }, innerRequestBytes, rng.bytes(12));
 */
export function serveRequest(keys: EnclaveKeys, innerRequest: Uint8Array, responseNonce: Uint8Array, backend: InferenceBackend = extractiveSummariser): Uint8Array {
  const { plaintext, context } = openInnerRequest(keys.secretKey, keys.nodeId, innerRequest);
  try {
    const task = parseTask(plaintext);
    const answer = summariseTask(task, backend);
    // PROTOCOL.md step 8: the answer key is exported from this request's HPKE context.
    const key = responseKey(context, true, new Uint8Array(0));
    const sealed = sealInnerResponse(key, answer, givenBytes(responseNonce));
    answer.fill(0);
    key.fill(0);
    return sealed;
  } finally {
    plaintext.fill(0);
  }
}

/**
 * pcc (target diffusion): opens a diffused request (its request key sealed to this node among up
 * to k), summarises, seals the answer under the key derived from the request key. Wipes the
 * plaintext, the answer, the request key and the response key.
 */
export function serveDiffusedRequest(keys: EnclaveKeys, request: Uint8Array, responseNonce: Uint8Array, backend: InferenceBackend = extractiveSummariser): Uint8Array {
  const { plaintext, key: requestKey } = openDiffusedRequest(keys.secretKey, keys.nodeId, request);
  try {
    const answer = summariseTask(parseTask(plaintext), backend);
    const key = diffusedResponseKey(requestKey);
    const sealed = sealInnerResponse(key, answer, givenBytes(responseNonce));
    answer.fill(0);
    key.fill(0);
    return sealed;
  } finally {
    plaintext.fill(0);
    requestKey.fill(0);
  }
}

/** Encodes a boot call. */
export function encodeBootCall(keys: EnclaveKeys): Uint8Array {
  if (keys.secretKey.length !== SECRET_KEY_BYTES) throw new RangeError(`secretKey expected Uint8Array of length 32, got length=${keys.secretKey.length}`);
  return concat(Uint8Array.of(ENCLAVE_CALL.boot), keys.secretKey, utf8(keys.nodeId));
}

/** Encodes a request call. */
export function encodeRequestCall(responseNonce: Uint8Array, innerRequest: Uint8Array): Uint8Array {
  if (responseNonce.length !== RESPONSE_NONCE_BYTES) throw new RangeError(`responseNonce expected Uint8Array of length 12, got length=${responseNonce.length}`);
  return concat(Uint8Array.of(ENCLAVE_CALL.request), responseNonce, innerRequest);
}

/** Encodes a pcc diffused request call (same layout as a request call, its own kind). */
export function encodeDiffusedCall(responseNonce: Uint8Array, request: Uint8Array): Uint8Array {
  if (responseNonce.length !== RESPONSE_NONCE_BYTES) throw new RangeError(`responseNonce expected Uint8Array of length 12, got length=${responseNonce.length}`);
  return concat(Uint8Array.of(ENCLAVE_CALL.diffused), responseNonce, request);
}

/** Decodes a reply; `EnclaveCallError` (`truncated`, `kind`) when it does not parse. */
export function decodeReply(bytes: Uint8Array): EnclaveReply {
  if (bytes.length < 1) throw new EnclaveCallError('truncated', 'empty enclave reply');
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case ENCLAVE_REPLY.booted:
      if (body.length !== 32) throw new EnclaveCallError('truncated', `booted reply of ${body.length} bytes, expected 32`);
      return { kind: 'booted', publicKey: body };
    case ENCLAVE_REPLY.answer:
      return { kind: 'answer', sealed: body };
    case ENCLAVE_REPLY.error:
      return { kind: 'error', code: new TextDecoder().decode(body) };
    case ENCLAVE_REPLY.opened:
      return { kind: 'opened', requestId: new TextDecoder().decode(body) };
    case ENCLAVE_REPLY.inferred:
      return { kind: 'inferred' };
    case ENCLAVE_REPLY.erased:
      return { kind: 'erased' };
    case ENCLAVE_REPLY.kept:
      return { kind: 'kept' };
    default:
      throw new EnclaveCallError('kind', `unknown enclave reply kind ${bytes[0]}`);
  }
}

/** The sealed answer of a reply, or `EnclaveCallError` carrying the enclave's error code. */
export function answerOf(reply: Uint8Array): Uint8Array {
  const r = decodeReply(reply);
  if (r.kind === 'answer') return r.sealed;
  throw new EnclaveCallError(r.kind === 'error' ? 'enclave' : 'kind', r.kind === 'error' ? `enclave refused the request: ${r.code}` : `expected an answer, got ${r.kind}`);
}

function errorReply(e: unknown): Uint8Array {
  const code = e instanceof PphError ? `${e.name}.${e.code}` : e instanceof Error ? e.name : 'error';
  return concat(Uint8Array.of(ENCLAVE_REPLY.error), utf8(code));
}

/** Encodes a staged call (the simulator's node): kind, ref (u32 big-endian), then `rest`. */
export function encodeStagedCall(kind: (typeof ENCLAVE_CALL)['open' | 'infer' | 'seal' | 'erase'], ref: number, ...rest: Uint8Array[]): Uint8Array {
  if (!Number.isInteger(ref) || ref < 0 || ref > 0xffffffff) throw new RangeError(`ref expected a u32, got ${ref}`);
  return concat(Uint8Array.of(kind, ref >>> 24, (ref >>> 16) & 0xff, (ref >>> 8) & 0xff, ref & 0xff), ...rest);
}

/** Encodes a pcc rotation call (the next epoch's key). */
export function encodeRotateCall(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new RangeError(`secretKey expected Uint8Array of length 32, got length=${secretKey.length}`);
  return concat(Uint8Array.of(ENCLAVE_CALL.rotate), secretKey);
}

/**
 * The program's state across calls and its byte dispatcher. Memory is this object's: a restart
 * is a new object. Every field is an ordinary property (no `#private`), so that a walk of
 * `Object.keys` of the program (tee/in-process.ts `state()`, the `stateless` invariant) sees any
 * field the program keeps, whatever its name.
 */
export class EnclaveProgram {
  private keys: EnclaveKeys | null = null;
  private publicKey: Uint8Array | null = null;
  /** pcc: the previous epoch's key, kept one epoch for requests sealed just before the rotation. */
  private previousSecretKey: Uint8Array | null = null;
  /** pcc: SHA-256 of every diffused request this boot opened (a replay is refused). */
  private replayCache = new Set<string>();
  /** Per-request memory by ref (staged calls): opened plaintext, answer, response key. */
  private requests = new Map<number, Map<string, Uint8Array>>();
  /** HPKE contexts of the requests in progress, by ref. */
  private contexts = new Map<number, RecipientContext>();
  /** pcc: request keys of the requests in progress (the answer key derives from it). */
  private requestKeys = new Map<number, Uint8Array>();
  /** The program's log (configuration `log=requests`): what the host collects. */
  private log: Uint8Array[] = [];
  private readonly config: EnclaveConfig;
  private readonly erases: boolean;

  constructor(
    readonly backend: InferenceBackend = extractiveSummariser,
    private readonly launch: EnclaveLaunch = {},
  ) {
    this.config = parseEnclaveConfig(launch.config ?? RELEASED_ENCLAVE_CONFIG);
    this.erases = launch.erase ?? true;
  }

  /** Handles one encoded call; never throws for malformed input (an error reply instead). */
  handle(call: Uint8Array): Uint8Array {
    try {
      if (!(call instanceof Uint8Array) || call.length < 1) throw new EnclaveCallError('truncated', 'empty enclave call');
      switch (call[0]) {
        case ENCLAVE_CALL.boot:
          return this.boot(call.subarray(1));
        case ENCLAVE_CALL.request:
          return this.request(call.subarray(1));
        case ENCLAVE_CALL.diffused:
          return this.diffused(call.subarray(1));
        case ENCLAVE_CALL.rotate:
          return this.rotate(call.subarray(1));
        case ENCLAVE_CALL.open:
        case ENCLAVE_CALL.infer:
        case ENCLAVE_CALL.seal:
        case ENCLAVE_CALL.erase:
          return this.staged(call[0], call.subarray(1));
        default:
          throw new EnclaveCallError('kind', `unknown enclave call kind ${call[0]}`);
      }
    } catch (e) {
      const reply = errorReply(e);
      this.launch.probe?.refused?.(fromUtf8(reply.subarray(1)));
      return reply;
    }
  }

  /** The host collects the program's log (and the program forgets what it handed over). */
  drainLog(): Uint8Array[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  private boot(body: Uint8Array): Uint8Array {
    if (body.length < SECRET_KEY_BYTES || body.length > SECRET_KEY_BYTES + NODE_ID_BYTES_MAX) throw new EnclaveCallError('truncated', `boot call of ${body.length} bytes`);
    let nodeId: string;
    try {
      nodeId = fromUtf8(body.subarray(SECRET_KEY_BYTES));
    } catch (cause) {
      throw new EnclaveCallError('payload', 'node id is not UTF-8', { cause });
    }
    this.wipe();
    const secretKey = body.slice(0, SECRET_KEY_BYTES);
    this.keys = { secretKey, nodeId };
    this.publicKey = publicKeyFromSecret(secretKey);
    return concat(Uint8Array.of(ENCLAVE_REPLY.booted), this.publicKey);
  }

  private rotate(body: Uint8Array): Uint8Array {
    if (this.keys === null) throw new EnclaveCallError('not-booted', 'rotation before boot');
    if (body.length !== SECRET_KEY_BYTES) throw new EnclaveCallError('truncated', `rotate call of ${body.length} bytes`);
    this.previousSecretKey?.fill(0);
    this.previousSecretKey = this.keys.secretKey;
    const secretKey = body.slice();
    this.keys = { secretKey, nodeId: this.keys.nodeId };
    this.publicKey = publicKeyFromSecret(secretKey);
    return concat(Uint8Array.of(ENCLAVE_REPLY.booted), this.publicKey);
  }

  private request(body: Uint8Array): Uint8Array {
    if (this.keys === null) throw new EnclaveCallError('not-booted', 'request before boot');
    if (body.length < RESPONSE_NONCE_BYTES) throw new EnclaveCallError('truncated', `request call of ${body.length} bytes`);
    const nonce = body.slice(0, RESPONSE_NONCE_BYTES);
    const sealed = serveRequest(this.keys, body.subarray(RESPONSE_NONCE_BYTES), nonce, this.backend);
    return concat(Uint8Array.of(ENCLAVE_REPLY.answer), sealed);
  }

  private checkReplay(request: Uint8Array): string {
    const digest = toHex(sha256(request));
    if (this.replayCache.has(digest)) throw new InnerSessionError('replay', 'this request was already opened (enclave replay cache)');
    return digest;
  }

  private diffused(body: Uint8Array): Uint8Array {
    if (this.keys === null) throw new EnclaveCallError('not-booted', 'request before boot');
    if (body.length < RESPONSE_NONCE_BYTES) throw new EnclaveCallError('truncated', `diffused call of ${body.length} bytes`);
    const request = body.subarray(RESPONSE_NONCE_BYTES);
    const digest = this.checkReplay(request);
    const sealed = serveDiffusedRequest(this.keys, request, body.slice(0, RESPONSE_NONCE_BYTES), this.backend);
    // Only a request that opened enters the cache (a failed open of bytes not for us costs nothing).
    this.replayCache.add(digest);
    return concat(Uint8Array.of(ENCLAVE_REPLY.answer), sealed);
  }

  // ---- staged calls: one step of the enclave machine each --------------------------------

  private put(ref: number, key: string, value: Uint8Array): void {
    let m = this.requests.get(ref);
    if (!m) {
      m = new Map();
      this.requests.set(ref, m);
    }
    m.set(key, value);
  }

  private staged(kind: number, body: Uint8Array): Uint8Array {
    if (this.keys === null) throw new EnclaveCallError('not-booted', 'request before boot');
    if (body.length < 4) throw new EnclaveCallError('truncated', `staged call of ${body.length} bytes`);
    const ref = ((body[0]! << 24) | (body[1]! << 16) | (body[2]! << 8) | body[3]!) >>> 0;
    const rest = body.subarray(4);
    if (kind === ENCLAVE_CALL.open) return this.open(ref, rest);
    if (kind === ENCLAVE_CALL.infer) return this.infer(ref);
    if (kind === ENCLAVE_CALL.seal) return this.seal(ref, rest);
    return this.erase(ref);
  }

  private open(ref: number, body: Uint8Array): Uint8Array {
    const keys = this.keys!;
    if (body.length < 1 || (body[0] !== OPEN_MODE.inner && body[0] !== OPEN_MODE.diffused)) throw new EnclaveCallError('payload', 'open call without a mode');
    const request = body.subarray(1);
    let plaintext: Uint8Array;
    let context: RecipientContext | null = null;
    if (body[0] === OPEN_MODE.diffused) {
      const digest = this.checkReplay(request);
      let opened: { plaintext: Uint8Array; key: Uint8Array } | null = null;
      let last: unknown = null;
      for (const sk of [keys.secretKey, this.previousSecretKey]) {
        if (!sk || opened) continue;
        try {
          opened = openDiffusedRequest(sk, keys.nodeId, request);
        } catch (e) {
          last = e;
        }
      }
      if (!opened) throw last;
      this.replayCache.add(digest);
      this.requestKeys.set(ref, opened.key);
      plaintext = opened.plaintext;
    } else {
      ({ plaintext, context } = openInnerRequest(keys.secretKey, keys.nodeId, request));
    }
    let task: EnclaveTask;
    try {
      task = parseTask(plaintext);
    } catch (e) {
      plaintext.fill(0);
      this.requestKeys.get(ref)?.fill(0);
      this.requestKeys.delete(ref);
      throw e;
    }
    if (context) this.contexts.set(ref, context);
    this.put(ref, 'plaintext', plaintext);
    this.launch.probe?.opened(ref, task.requestId, plaintext, context);
    // The program's log: configuration `log=requests` (HOST_DATA-bound), or the planted bug.
    if (this.config.log === 'requests' || this.launch.logsPlaintext) this.log.push(plaintext.slice());
    return concat(Uint8Array.of(ENCLAVE_REPLY.opened), utf8(task.requestId));
  }

  private infer(ref: number): Uint8Array {
    const plaintext = this.requests.get(ref)?.get('plaintext');
    if (!plaintext) throw new EnclaveCallError('payload', `no opened request at ref ${ref}`);
    this.put(ref, 'answer', summariseTask(parseTask(plaintext), this.backend));
    return Uint8Array.of(ENCLAVE_REPLY.inferred);
  }

  private seal(ref: number, nonce: Uint8Array): Uint8Array {
    if (nonce.length !== RESPONSE_NONCE_BYTES) throw new EnclaveCallError('truncated', `seal call with a nonce of ${nonce.length} bytes`);
    const answer = this.requests.get(ref)?.get('answer');
    const context = this.contexts.get(ref) ?? null;
    const requestKey = this.requestKeys.get(ref) ?? null;
    this.requestKeys.delete(ref);
    if (!answer || (!context && !requestKey)) throw new EnclaveCallError('payload', `nothing to seal at ref ${ref}`);
    // PROTOCOL.md step 8: the answer key is exported from this request's HPKE context (pcc: derived from the request key).
    const key = requestKey ? diffusedResponseKey(requestKey) : responseKey(context!, true, this.publicKey!);
    this.put(ref, 'response-key', key);
    const sealed = sealInnerResponse(key, answer, givenBytes(nonce.slice()));
    this.launch.probe?.answered(ref, answer, key, requestKey);
    return concat(Uint8Array.of(ENCLAVE_REPLY.answer), sealed);
  }

  /** PROTOCOL.md step 8: erases everything of one request, unless launched with `erase: false`. */
  private erase(ref: number): Uint8Array {
    if (!this.erases) return Uint8Array.of(ENCLAVE_REPLY.kept);
    this.forget(ref);
    this.contexts.delete(ref);
    return Uint8Array.of(ENCLAVE_REPLY.erased);
  }

  /** Zeroes and drops the request memory of one ref (plaintext, answer, response key, request key). */
  private forget(ref: number): void {
    const m = this.requests.get(ref);
    if (m) for (const v of m.values()) v.fill(0);
    this.requests.delete(ref);
    this.requestKeys.get(ref)?.fill(0);
    this.requestKeys.delete(ref);
  }

  /** A restart: the boot keys, the replay cache and every request's state are wiped. */
  wipe(): void {
    this.keys?.secretKey.fill(0);
    this.previousSecretKey?.fill(0);
    this.keys = null;
    this.publicKey = null;
    this.previousSecretKey = null;
    this.replayCache.clear();
    for (const ref of [...this.requests.keys()]) this.forget(ref);
    this.contexts.clear();
    this.requestKeys.clear();
    this.log = [];
  }
}

// ---- configuration: a real surface of the program -------------------------------------------

/**
 * The enclave program's launch configuration, given by the host (`key=value;...`). The program
 * honours it: `log=requests` makes it write every opened request to its log, which the host
 * collects (a debugging switch real serving stacks have). The measurement does not cover it; the
 * platform binds it at launch in HOST_DATA (SEV-SNP report offset 0xC0: SHA-256 of these bytes),
 * and a client that checks HOST_DATA against the released configuration refuses any other.
 */
export interface EnclaveConfig {
  readonly log: 'off' | 'requests';
  readonly model: 'small' | 'large';
  readonly debug: boolean;
}

/** The configuration every release runs with (the one the log's release entry stands for). */
export const RELEASED_ENCLAVE_CONFIG = 'log=off;model=small';

/** Parses a configuration string; unknown keys and values are refused (`EnclaveCallError.config`). */
export function parseEnclaveConfig(text: string): EnclaveConfig {
  const out: { log: EnclaveConfig['log']; model: EnclaveConfig['model']; debug: boolean } = { log: 'off', model: 'small', debug: false };
  for (const item of text.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const k = eq < 0 ? item : item.slice(0, eq);
    const v = eq < 0 ? '' : item.slice(eq + 1);
    if (k === 'log' && (v === 'off' || v === 'requests')) out.log = v;
    else if (k === 'model' && (v === 'small' || v === 'large')) out.model = v;
    else if (k === 'debug' && (v === '0' || v === '1')) out.debug = v === '1';
    else throw new EnclaveCallError('config', `unknown configuration item ${JSON.stringify(item)}`);
  }
  return out;
}

/** HOST_DATA of a launch with configuration `text`: SHA-256 of its UTF-8 bytes (32 bytes). */
export function enclaveConfigDigest(text: string): Uint8Array {
  return sha256(utf8(text));
}

/** HOST_DATA of a launch with the released configuration (public: any party can compute it). */
export const RELEASED_HOST_DATA = enclaveConfigDigest(RELEASED_ENCLAVE_CONFIG);
