/**
 * Binary HTTP messages (RFC 9292), written by hand: `bhttp-js` drops the query string and accepts
 * truncated input (see PITFALLS.md), and every byte the simulator puts on a wire passes here.
 *
 * Byte strings (method, names, values, ...) are latin1 JavaScript strings: one char per byte,
 * char codes 0..255, so any byte sequence round-trips exactly.
 *
 * Decoding is total: any input either yields a message or throws {@link BhttpDecodeError} with
 * one of the codes `truncated`, `varint`, `framing`, `trailing`, `limit`, `invalid`. A wrong
 * argument type is a `TypeError` at the boundary. Encoding computes the exact size first and
 * writes into a single `Uint8Array`.
 *
 * Strictness, each rule cited where it is checked: field names and values follow RFC 9110 §5.1
 * and RFC 9113 §8.2.1 (RFC 9292 §3.6), pseudo-fields follow RFC 9292 §3.6, status codes RFC 9292
 * §3.5, truncation RFC 9292 §3.8 (only empty trailing sections may be omitted), padding must be
 * zero (RFC 9292 §3.8); the leniencies decided in docs/leniencies.md are refused: an empty scheme
 * outside CONNECT, userinfo in an http(s) authority, a fragment in the path, control characters in
 * field values, a 101 response, content or trailers on a 204 or 304. Non-minimal varints are accepted (RFC 9292 §3: "Integer values do not need
 * to be encoded on the minimum number of bytes necessary") and reported via `minimalVarints`.
 *
 * Layout: this file holds the public types and functions; the RFC rules shared by encoder and
 * decoder are in bhttp-rules.ts, the sizing, writing and reading internals in bhttp-codec.ts.
 */
import { BhttpDecodeError, BhttpEncodeError } from './errors.js';
import { informationalProblem, noContentProblem, requestControlProblem } from './bhttp-rules.js';
import {
  BHTTP_DEFAULT_LIMITS,
  BHTTP_MAX_PADDING_BYTES,
  Reader,
  assertObject,
  assertStatus,
  assertString,
  fieldSectionBytes,
  planTail,
  prefixedSize,
  readRequest,
  readResponse,
  resolveEncodeOptions,
  sectionSize,
  writeFieldSection,
  writePrefixed,
  writeTail,
} from './bhttp-codec.js';
import { varintSizeUnchecked, writeVarint } from './varint.js';

export { BHTTP_DEFAULT_LIMITS, BHTTP_MAX_PADDING_BYTES };

// ---------------------------------------------------------------------------------------------
// Public types

/** One field line: name and value as latin1 byte strings. */
export type FieldLine = [name: string, value: string];

export interface BhttpRequest {
  method: string;
  scheme: string;
  /** Empty when absent (RFC 9292 §3.4: a zero-length value replaces an omitted :authority). */
  authority: string;
  /** Path and query, exactly as on the wire (the query string is kept). */
  path: string;
  headers: FieldLine[];
  body: Uint8Array;
  trailers: FieldLine[];
}

/** An interim (1xx) response preceding the final one (RFC 9292 §3.5.1). */
export interface BhttpInformational {
  status: number;
  headers: FieldLine[];
}

export interface BhttpResponse {
  informational: BhttpInformational[];
  status: number;
  headers: FieldLine[];
  body: Uint8Array;
  trailers: FieldLine[];
}

/** Decoder limits; each exceeded limit raises `BhttpDecodeError` code `limit`. */
export interface BhttpLimits {
  /** Whole input, padding included. */
  maxMessageBytes?: number;
  /** Field lines per field section. */
  maxFieldLines?: number;
  /** Encoded bytes of one field section (terminator and length prefix excluded). */
  maxFieldSectionBytes?: number;
  /** Content bytes (all chunks together for indeterminate-length content). */
  maxContentBytes?: number;
  /** Informational (1xx) responses before the final response. */
  maxInformational?: number;
}

export type BhttpFraming = 'known' | 'indefinite';

export interface BhttpEncodeOptions {
  /** Known-length (framing indicator 0/1, the default) or indeterminate-length (2/3) encoding. */
  framing?: BhttpFraming;
  /** Zero bytes appended after the message (RFC 9292 §3.8). Default 0. */
  paddingBytes?: number;
  /**
   * Omit the empty sections at the end of the message: trailers if empty, then content if also
   * empty, then the header section if also empty (RFC 9292 §3.8). Default false.
   */
  truncate?: boolean;
  /**
   * Indeterminate-length framing only (ignored for known-length): the length of each content
   * chunk, each ≥ 1, summing to the body length. Default: the whole body as one chunk.
   */
  contentChunks?: readonly number[];
}

/**
 * How a decoded message sat on the wire. Passing it back as {@link BhttpEncodeOptions}
 * re-encodes the message byte for byte whenever `minimalVarints` is true.
 */
export interface BhttpWireShape {
  framing: BhttpFraming;
  /**
   * Zero bytes after the message. For a truncated message, the zero bytes after the last
   * non-empty section (empty sections and padding cannot be told apart, RFC 9292 §3.8).
   */
  paddingBytes: number;
  /** True when the input ended before the trailer section (RFC 9292 §3.8). */
  truncate: boolean;
  /** Indeterminate-length framing: the length of each content chunk; undefined for known-length. */
  contentChunks: number[] | undefined;
  /** False when some varint used more bytes than necessary (legal, but not reproducible). */
  minimalVarints: boolean;
}

export interface BhttpDecodedRequest extends BhttpWireShape {
  request: BhttpRequest;
}

export interface BhttpDecodedResponse extends BhttpWireShape {
  response: BhttpResponse;
}

export type BhttpDecodedMessage =
  | { kind: 'request'; framing: 0 | 2; request: BhttpRequest; wire: BhttpWireShape }
  | { kind: 'response'; framing: 1 | 3; response: BhttpResponse; wire: BhttpWireShape };

// RFC 9292 §3.3: framing indicators.
const KNOWN_REQUEST = 0;
const KNOWN_RESPONSE = 1;
const INDEFINITE_REQUEST = 2;
const INDEFINITE_RESPONSE = 3;

// ---------------------------------------------------------------------------------------------
// Public functions

/**
 * Encodes a request as `message/bhttp`.
 * @throws TypeError for a field of the wrong type; RangeError for options out of range;
 *   BhttpEncodeError (`invalid`) for a value RFC 9292 does not allow (e.g. an uppercase field name).
 * @example
 * const bytes = encodeRequest({ method: 'GET', scheme: 'https', authority: 'example.com', path: '/',
 *   headers: [], body: new Uint8Array(0), trailers: [] }, { truncate: true });
 * // bytes = 00 03 474554 05 6874747073 0b 6578616d706c652e636f6d 01 2f  (RFC 9458 App. A)
 */
export function encodeRequest(req: BhttpRequest, opts?: BhttpEncodeOptions): Uint8Array {
  const o = resolveEncodeOptions(opts);
  assertObject('request', req);
  const { method, scheme, authority, path } = req;
  assertString('request.method', method);
  assertString('request.scheme', scheme);
  assertString('request.authority', authority);
  assertString('request.path', path);
  const problem = requestControlProblem(method, scheme, authority, path);
  if (problem !== null) throw new BhttpEncodeError('invalid', `request control data: ${problem}`);
  const tail = planTail(o, req.headers, req.body, req.trailers, 'request');
  const controlBytes = prefixedSize(method) + prefixedSize(scheme) + prefixedSize(authority) + prefixedSize(path);
  const out = new Uint8Array(1 + controlBytes + tail.bytes + o.paddingBytes);
  let pos = writeVarint(out, 0, o.known ? KNOWN_REQUEST : INDEFINITE_REQUEST);
  // RFC 9292 §3.4: method, scheme, authority, path, each length-prefixed.
  pos = writePrefixed(out, pos, method);
  pos = writePrefixed(out, pos, scheme);
  pos = writePrefixed(out, pos, authority);
  pos = writePrefixed(out, pos, path);
  writeTail(out, pos, o.known, tail);
  // RFC 9292 §3.8: padding is zero bytes, already zero in a fresh array.
  return out;
}

/**
 * Encodes a response (with its informational responses) as `message/bhttp`.
 * @throws as {@link encodeRequest}; a final status outside 200..599 or an informational status
 *   outside 100..199 is BhttpEncodeError `invalid`.
 * @example
 * encodeResponse({ informational: [], status: 200, headers: [], body: new Uint8Array(0), trailers: [] },
 *   { truncate: true }); // Uint8Array [0x01, 0x40, 0xc8] (RFC 9458 App. A)
 */
export function encodeResponse(res: BhttpResponse, opts?: BhttpEncodeOptions): Uint8Array {
  const o = resolveEncodeOptions(opts);
  assertObject('response', res);
  const informational = res.informational;
  if (!Array.isArray(informational)) throw new TypeError('response.informational expected array');
  const status = res.status;
  assertStatus('response.status', status, 200, 599);
  let infoBytes = 0;
  const infoSections: number[] = [];
  for (let i = 0; i < informational.length; i++) {
    const info = informational[i]!;
    assertObject(`response.informational[${i}]`, info);
    assertStatus(`response.informational[${i}].status`, info.status, 100, 199);
    const infoProblem = informationalProblem(info.status);
    if (infoProblem !== null) throw new BhttpEncodeError('invalid', `response.informational[${i}]: ${infoProblem}`);
    const lines = fieldSectionBytes(info.headers, `response.informational[${i}].headers`, false);
    infoSections.push(lines);
    infoBytes += varintSizeUnchecked(info.status) + sectionSize(o.known, lines);
  }
  const tail = planTail(o, res.headers, res.body, res.trailers, 'response');
  const noContent = noContentProblem(status, res.body.length, res.trailers.length);
  if (noContent !== null) throw new BhttpEncodeError('invalid', `response: ${noContent}`);
  const out = new Uint8Array(1 + infoBytes + varintSizeUnchecked(status) + tail.bytes + o.paddingBytes);
  let pos = writeVarint(out, 0, o.known ? KNOWN_RESPONSE : INDEFINITE_RESPONSE);
  // RFC 9292 §3.5.1: each informational response is its status code and a header section.
  for (let i = 0; i < informational.length; i++) {
    const info = informational[i]!;
    pos = writeVarint(out, pos, info.status);
    pos = writeFieldSection(out, pos, o.known, info.headers, infoSections[i]!);
  }
  pos = writeVarint(out, pos, status);
  writeTail(out, pos, o.known, tail);
  return out;
}

/**
 * Decodes a `message/bhttp` request (framing indicator 0 or 2).
 * @throws BhttpDecodeError for any malformed input (a response is code `framing`);
 *   TypeError unless `bytes` is a Uint8Array.
 * @example
 * decodeRequest(fromHex('00034745540568747470730b6578616d706c652e636f6d012f')).path; // '/'
 */
export function decodeRequest(bytes: Uint8Array, limits?: BhttpLimits): BhttpRequest {
  return decodeRequestDetailed(bytes, limits).request;
}

/**
 * {@link decodeRequest}, plus the wire shape that re-encodes it byte for byte.
 * @example
 * const d = decodeRequestDetailed(bytes);
 * if (d.minimalVarints) encodeRequest(d.request, d); // equals `bytes`
 */
export function decodeRequestDetailed(bytes: Uint8Array, limits?: BhttpLimits): BhttpDecodedRequest {
  const r = new Reader(bytes, limits);
  const indicator = r.varint('framing indicator');
  if (indicator !== KNOWN_REQUEST && indicator !== INDEFINITE_REQUEST) {
    throw new BhttpDecodeError('framing', `framing indicator ${indicator} is not a request (0 or 2)`);
  }
  return readRequest(r, indicator === KNOWN_REQUEST);
}

/**
 * Decodes a `message/bhttp` response (framing indicator 1 or 3).
 * @throws BhttpDecodeError for any malformed input (a request is code `framing`);
 *   TypeError unless `bytes` is a Uint8Array.
 * @example
 * decodeResponse(Uint8Array.of(0x01, 0x40, 0xc8)).status; // 200
 */
export function decodeResponse(bytes: Uint8Array, limits?: BhttpLimits): BhttpResponse {
  return decodeResponseDetailed(bytes, limits).response;
}

/** {@link decodeResponse}, plus the wire shape that re-encodes it byte for byte. */
export function decodeResponseDetailed(bytes: Uint8Array, limits?: BhttpLimits): BhttpDecodedResponse {
  const r = new Reader(bytes, limits);
  const indicator = r.varint('framing indicator');
  if (indicator !== KNOWN_RESPONSE && indicator !== INDEFINITE_RESPONSE) {
    throw new BhttpDecodeError('framing', `framing indicator ${indicator} is not a response (1 or 3)`);
  }
  return readResponse(r, indicator === KNOWN_RESPONSE);
}

/**
 * Decodes either kind of message, dispatching on the framing indicator (RFC 9292 §3.3).
 * @example
 * const m = decodeMessage(bytes);
 * if (m.kind === 'response') console.log(m.response.status, m.framing); // 200 1
 */
export function decodeMessage(bytes: Uint8Array, limits?: BhttpLimits): BhttpDecodedMessage {
  const r = new Reader(bytes, limits);
  const indicator = r.varint('framing indicator');
  switch (indicator) {
    case KNOWN_REQUEST:
    case INDEFINITE_REQUEST: {
      const { request, ...wire } = readRequest(r, indicator === KNOWN_REQUEST);
      return { kind: 'request', framing: indicator, request, wire };
    }
    case KNOWN_RESPONSE:
    case INDEFINITE_RESPONSE: {
      const { response, ...wire } = readResponse(r, indicator === KNOWN_RESPONSE);
      return { kind: 'response', framing: indicator, response, wire };
    }
    default:
      // RFC 9292 §3.3: other values cause the message to be invalid.
      throw new BhttpDecodeError('framing', `unknown framing indicator ${indicator}`);
  }
}
