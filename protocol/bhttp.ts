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
 * zero (RFC 9292 §3.8). Non-minimal varints are accepted (RFC 9292 §3: "Integer values do not need
 * to be encoded on the minimum number of bytes necessary") and reported via `minimalVarints`.
 */
import { Buffer } from 'node:buffer';
import { abytes, aint } from './bytes.js';
import { BhttpDecodeError, BhttpEncodeError } from './errors.js';
import {
  VARINT_TRUNCATED,
  readVarint,
  varintLengthOf,
  varintSizeUnchecked,
  writeVarint,
} from './varint.js';

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

/** Defaults used for every limit the caller leaves out. */
export const BHTTP_DEFAULT_LIMITS: Readonly<Required<BhttpLimits>> = Object.freeze({
  maxMessageBytes: 16 * 1024 * 1024,
  maxFieldLines: 1024,
  maxFieldSectionBytes: 64 * 1024,
  maxContentBytes: 16 * 1024 * 1024,
  maxInformational: 16,
});

/** The most padding the encoder writes in one message. */
export const BHTTP_MAX_PADDING_BYTES = 1 << 30;

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
    const lines = fieldSectionBytes(info.headers, `response.informational[${i}].headers`, false);
    infoSections.push(lines);
    infoBytes += varintSizeUnchecked(info.status) + sectionSize(o.known, lines);
  }
  const tail = planTail(o, res.headers, res.body, res.trailers, 'response');
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

// ---------------------------------------------------------------------------------------------
// Validation shared by encoder and decoder (on latin1 strings)

const C_NAME = 1; // RFC 9110 §5.6.2 tchar minus uppercase (RFC 9113 §8.2.1)
const C_TOKEN = 2; // RFC 9110 §5.6.2 tchar
const C_SCHEME = 4; // RFC 3986 §3.1: ALPHA / DIGIT / "+" / "-" / "."
const C_ALPHA = 8;
const C_URI = 16; // RFC 3986 §2: URIs consist of visible US-ASCII
const C_VALUE_BAD = 32; // RFC 9113 §8.2.1: NUL, LF, CR
const CLASS = buildClasses();

function buildClasses(): Uint8Array {
  const t = new Uint8Array(256);
  const mark = (chars: string, bits: number): void => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)]! |= bits;
  };
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  const digit = '0123456789';
  mark("!#$%&'*+-.^_`|~" + digit + lower, C_NAME | C_TOKEN);
  mark(upper, C_TOKEN);
  mark(lower + upper, C_ALPHA);
  mark(lower + upper + digit + '+-.', C_SCHEME);
  for (let c = 0x21; c <= 0x7e; c++) t[c]! |= C_URI;
  mark('\0\n\r', C_VALUE_BAD);
  return t;
}

// RFC 9292 §3.6: these pseudo-fields are carried by control data and never as field lines.
const RESERVED_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':status']);

function classOf(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c > 0xff ? 0 : CLASS[c]!;
}

function allOf(s: string, from: number, bits: number): boolean {
  for (let i = from; i < s.length; i++) if ((classOf(s, i) & bits) === 0) return false;
  return true;
}

/** Why `name` cannot be a field name here, or null. */
function fieldNameProblem(name: string, pseudoAllowed: boolean): string | null {
  if (name.length === 0) return 'empty field name'; // RFC 9292 §3.6: Name Length (i) = 1..
  let from = 0;
  if (name.charCodeAt(0) === 0x3a) {
    // RFC 9292 §3.6: pseudo-fields precede all other field lines, never appear in trailers,
    // and never repeat the control data.
    if (!pseudoAllowed) return 'pseudo-field after a regular field or in trailers';
    if (RESERVED_PSEUDO.has(name)) return `pseudo-field ${name} belongs in control data`;
    if (name.length === 1) return 'empty pseudo-field name';
    from = 1;
  }
  // RFC 9110 §5.1: a field name is a token; RFC 9113 §8.2.1: no uppercase.
  return allOf(name, from, C_NAME) ? null : 'field name has a byte outside lowercase tchar';
}

/** Why `value` cannot be a field value, or null. */
function fieldValueProblem(value: string): string | null {
  const n = value.length;
  if (n === 0) return null;
  // RFC 9113 §8.2.1: no leading or trailing SP/HTAB; no NUL, CR or LF anywhere.
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
    return 'field value starts or ends with whitespace';
  }
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return 'field value is not a byte string';
    if ((CLASS[c]! & C_VALUE_BAD) !== 0) return 'field value contains NUL, CR or LF';
  }
  return null;
}

/** Why these cannot be request control data (RFC 9292 §3.4 → RFC 9113 §8.3.1), or null. */
function requestControlProblem(method: string, scheme: string, authority: string, path: string): string | null {
  // RFC 9110 §9.1: a method is a token.
  if (method.length === 0 || !allOf(method, 0, C_TOKEN)) return 'method is not a token';
  // RFC 3986 §3.1; empty for CONNECT (RFC 9113 §8.5 omits :scheme).
  if (scheme.length > 0 && ((classOf(scheme, 0) & C_ALPHA) === 0 || !allOf(scheme, 1, C_SCHEME))) {
    return 'scheme is not an RFC 3986 scheme';
  }
  if (!allOf(authority, 0, C_URI)) return 'authority has a byte outside visible US-ASCII';
  if (!allOf(path, 0, C_URI)) return 'path has a byte outside visible US-ASCII';
  // RFC 9113 §8.3.1: for http and https, :path is "*" or starts with "/" (never empty).
  const lower = scheme.toLowerCase();
  if ((lower === 'http' || lower === 'https') && path !== '*' && path.charCodeAt(0) !== 0x2f) {
    return 'http(s) path must start with "/" or be "*"';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Encoder

interface ResolvedEncodeOptions {
  known: boolean;
  paddingBytes: number;
  truncate: boolean;
  contentChunks: readonly number[] | undefined;
}

const DEFAULT_ENCODE: ResolvedEncodeOptions = { known: true, paddingBytes: 0, truncate: false, contentChunks: undefined };

function resolveEncodeOptions(opts: BhttpEncodeOptions | undefined): ResolvedEncodeOptions {
  if (opts === undefined) return DEFAULT_ENCODE;
  assertObject('options', opts);
  const { framing, paddingBytes, truncate, contentChunks } = opts;
  if (framing !== undefined && framing !== 'known' && framing !== 'indefinite') {
    throw new TypeError(`options.framing expected 'known' or 'indefinite', got ${String(framing)}`);
  }
  if (truncate !== undefined && typeof truncate !== 'boolean') {
    throw new TypeError(`options.truncate expected boolean, got ${typeof truncate}`);
  }
  return {
    known: framing !== 'indefinite',
    paddingBytes: paddingBytes === undefined ? 0 : aint('options.paddingBytes', paddingBytes, 0, BHTTP_MAX_PADDING_BYTES),
    truncate: truncate === true,
    contentChunks,
  };
}

/** Everything after the control data, sized before anything is written. */
interface TailPlan {
  /** Sections written: 0 none (truncated after control data), 1 headers, 2 + content, 3 + trailers. */
  sections: number;
  headers: FieldLine[];
  headerLineBytes: number;
  body: Uint8Array;
  chunks: readonly number[];
  trailers: FieldLine[];
  trailerLineBytes: number;
  bytes: number;
}

function planTail(
  o: ResolvedEncodeOptions,
  headers: FieldLine[],
  body: Uint8Array,
  trailers: FieldLine[],
  what: string,
): TailPlan {
  const headerLineBytes = fieldSectionBytes(headers, `${what}.headers`, false);
  const trailerLineBytes = fieldSectionBytes(trailers, `${what}.trailers`, true);
  abytes(`${what}.body`, body);
  const chunks = o.known ? NO_CHUNKS : planChunks(o.contentChunks, body.length);
  // RFC 9292 §3.8: trailers may be omitted when empty, content when it and trailers are empty,
  // and (§3.1) the header section likewise when everything after it is omitted.
  let sections = 3;
  if (o.truncate && trailers.length === 0) {
    sections = 2;
    if (body.length === 0) {
      sections = 1;
      if (headers.length === 0) sections = 0;
    }
  }
  let bytes = 0;
  if (sections >= 1) bytes += sectionSize(o.known, headerLineBytes);
  if (sections >= 2) bytes += contentSize(o.known, body.length, chunks);
  if (sections >= 3) bytes += sectionSize(o.known, trailerLineBytes);
  return { sections, headers, headerLineBytes, body, chunks, trailers, trailerLineBytes, bytes };
}

const NO_CHUNKS: readonly number[] = Object.freeze([]);

function planChunks(chunks: readonly number[] | undefined, bodyBytes: number): readonly number[] {
  if (chunks === undefined) return bodyBytes === 0 ? NO_CHUNKS : [bodyBytes];
  if (!Array.isArray(chunks)) throw new TypeError('options.contentChunks expected array of integers');
  let sum = 0;
  for (let i = 0; i < chunks.length; i++) {
    // RFC 9292 §3.2: Chunk Length (i) = 1.. (a zero would end the content).
    sum += aint(`options.contentChunks[${i}]`, chunks[i], 1, Number.MAX_SAFE_INTEGER);
  }
  if (sum !== bodyBytes) {
    throw new RangeError(`options.contentChunks expected to sum to the body length ${bodyBytes}, got ${sum}`);
  }
  return chunks;
}

function writeTail(out: Uint8Array, pos: number, known: boolean, t: TailPlan): number {
  if (t.sections >= 1) pos = writeFieldSection(out, pos, known, t.headers, t.headerLineBytes);
  if (t.sections >= 2) pos = writeContent(out, pos, known, t.body, t.chunks);
  if (t.sections >= 3) pos = writeFieldSection(out, pos, known, t.trailers, t.trailerLineBytes);
  return pos;
}

/** Validates a field section and returns the bytes of its field lines. */
function fieldSectionBytes(lines: FieldLine[], what: string, trailers: boolean): number {
  if (!Array.isArray(lines)) throw new TypeError(`${what} expected array of [name, value]`);
  let bytes = 0;
  let pseudoAllowed = !trailers;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!Array.isArray(line) || typeof line[0] !== 'string' || typeof line[1] !== 'string') {
      throw new TypeError(`${what}[${i}] expected [name: string, value: string]`);
    }
    const name = line[0];
    const value = line[1];
    const problem = fieldNameProblem(name, pseudoAllowed) ?? fieldValueProblem(value);
    if (problem !== null) throw new BhttpEncodeError('invalid', `${what}[${i}]: ${problem}`);
    if (name.charCodeAt(0) !== 0x3a) pseudoAllowed = false;
    // fieldValueProblem checked the value is a byte string; the name classes imply it.
    bytes += varintSizeUnchecked(name.length) + name.length + varintSizeUnchecked(value.length) + value.length;
  }
  return bytes;
}

function sectionSize(known: boolean, lineBytes: number): number {
  // RFC 9292 §3.1 length prefix / §3.2 zero terminator.
  return known ? varintSizeUnchecked(lineBytes) + lineBytes : lineBytes + 1;
}

function contentSize(known: boolean, bodyBytes: number, chunks: readonly number[]): number {
  if (known) return varintSizeUnchecked(bodyBytes) + bodyBytes;
  let bytes = 1; // RFC 9292 §3.2: Content Terminator
  for (let i = 0; i < chunks.length; i++) bytes += varintSizeUnchecked(chunks[i]!) + chunks[i]!;
  return bytes;
}

function writeFieldSection(out: Uint8Array, pos: number, known: boolean, lines: FieldLine[], lineBytes: number): number {
  if (known) pos = writeVarint(out, pos, lineBytes);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // RFC 9292 §3.6: Name Length, Name, Value Length, Value.
    pos = writePrefixed(out, pos, line[0]);
    pos = writePrefixed(out, pos, line[1]);
  }
  return known ? pos : writeVarint(out, pos, 0);
}

function writeContent(out: Uint8Array, pos: number, known: boolean, body: Uint8Array, chunks: readonly number[]): number {
  if (known) {
    pos = writeVarint(out, pos, body.length);
    out.set(body, pos);
    return pos + body.length;
  }
  let from = 0;
  for (let i = 0; i < chunks.length; i++) {
    const n = chunks[i]!;
    pos = writeVarint(out, pos, n);
    out.set(body.subarray(from, from + n), pos);
    pos += n;
    from += n;
  }
  return writeVarint(out, pos, 0);
}

function prefixedSize(s: string): number {
  return varintSizeUnchecked(s.length) + s.length;
}

/** Writes a varint length and the latin1 bytes of `s` (already checked to be a byte string). */
function writePrefixed(out: Uint8Array, pos: number, s: string): number {
  pos = writeVarint(out, pos, s.length);
  for (let i = 0; i < s.length; i++) out[pos + i] = s.charCodeAt(i);
  return pos + s.length;
}

function assertObject(what: string, v: unknown): void {
  if (typeof v !== 'object' || v === null) throw new TypeError(`${what} expected object, got ${v === null ? 'null' : typeof v}`);
}

function assertString(what: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new TypeError(`${what} expected string, got ${typeof v}`);
}

function assertStatus(what: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${what} expected integer, got ${typeof v}`);
  // RFC 9292 §3.5: final 200..599; §3.5.1: informational 100..199.
  if (v < min || v > max) throw new BhttpEncodeError('invalid', `${what} expected ${min}..${max}, got ${v}`);
}

// ---------------------------------------------------------------------------------------------
// Decoder

type DecodeCode = 'truncated' | 'varint' | 'framing' | 'trailing' | 'limit' | 'invalid';

function fail(code: DecodeCode, message: string): never {
  throw new BhttpDecodeError(code, message);
}

function resolveLimits(limits: BhttpLimits | undefined): Readonly<Required<BhttpLimits>> {
  if (limits === undefined) return BHTTP_DEFAULT_LIMITS;
  assertObject('limits', limits);
  const pick = (key: keyof BhttpLimits): number => {
    const v = limits[key];
    return v === undefined ? BHTTP_DEFAULT_LIMITS[key] : aint(`limits.${key}`, v, 0, Number.MAX_SAFE_INTEGER);
  };
  return {
    maxMessageBytes: pick('maxMessageBytes'),
    maxFieldLines: pick('maxFieldLines'),
    maxFieldSectionBytes: pick('maxFieldSectionBytes'),
    maxContentBytes: pick('maxContentBytes'),
    maxInformational: pick('maxInformational'),
  };
}

/** A cursor over the input; every read is bounds-checked and fails with a typed error. */
class Reader {
  readonly bytes: Uint8Array;
  /**
   * The same memory as a Buffer, for its native latin1 decoding: each byte becomes the char with
   * the same code (`TextDecoder('latin1')` would be windows-1252 and remap 0x80..0x9f). One view
   * per message costs less than `String.fromCharCode.apply` on each short string (~40 vs ~100 ns).
   */
  private readonly text: Buffer;
  readonly end: number;
  readonly limits: Readonly<Required<BhttpLimits>>;
  pos = 0;
  minimalVarints = true;

  constructor(bytes: Uint8Array, limits: BhttpLimits | undefined) {
    this.bytes = abytes('bytes', bytes);
    this.limits = resolveLimits(limits);
    this.end = bytes.length;
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.end > this.limits.maxMessageBytes) {
      fail('limit', `message of ${this.end} bytes exceeds maxMessageBytes ${this.limits.maxMessageBytes}`);
    }
  }

  atEnd(): boolean {
    return this.pos === this.end;
  }

  /** A varint that must end by `end`; running past it fails with `overrun`. */
  varint(what: string, end: number = this.end, overrun: DecodeCode = 'truncated'): number {
    const v = readVarint(this.bytes, this.pos, end);
    if (v < 0) {
      if (v === VARINT_TRUNCATED) fail(overrun, `${what}: varint runs past the end of its ${overrun === 'truncated' ? 'message' : 'section'}`);
      fail('varint', `${what}: varint exceeds 2^53-1`);
    }
    const length = varintLengthOf(this.bytes[this.pos]!);
    if (length !== varintSizeUnchecked(v)) this.minimalVarints = false;
    this.pos += length;
    return v;
  }

  /** `n` bytes as a latin1 string; running past `end` fails with `overrun`. */
  latin1(n: number, what: string, end: number = this.end, overrun: DecodeCode = 'truncated'): string {
    const start = this.pos;
    if (n > end - start) fail(overrun, `${what}: ${n} bytes run past the end of its ${overrun === 'truncated' ? 'message' : 'section'}`);
    this.pos = start + n;
    return n === 0 ? '' : this.text.toString('latin1', start, start + n);
  }
}

function readRequest(r: Reader, known: boolean): BhttpDecodedRequest {
  // RFC 9292 §3.4: method, scheme, authority, path, each length-prefixed.
  const method = r.latin1(r.varint('method length'), 'method');
  const scheme = r.latin1(r.varint('scheme length'), 'scheme');
  const authority = r.latin1(r.varint('authority length'), 'authority');
  const path = r.latin1(r.varint('path length'), 'path');
  const problem = requestControlProblem(method, scheme, authority, path);
  if (problem !== null) fail('invalid', `request control data: ${problem}`);
  const tail = readTail(r, known);
  const request: BhttpRequest = {
    method,
    scheme,
    authority,
    path,
    headers: tail.headers,
    body: tail.body,
    trailers: tail.trailers,
  };
  return { request, ...wireShape(r, known, tail) };
}

function readResponse(r: Reader, known: boolean): BhttpDecodedResponse {
  const informational: BhttpInformational[] = [];
  let status: number;
  for (;;) {
    // RFC 9292 §3.5: a message cannot be truncated before its final control data.
    status = r.varint('status code');
    if (status >= 200 && status <= 599) break;
    // RFC 9292 §3.5.1: 100..199 is an informational response followed by more control data.
    if (status < 100 || status > 199) fail('invalid', `status code ${status} outside 100..599`);
    if (informational.length >= r.limits.maxInformational) {
      fail('limit', `more than maxInformational ${r.limits.maxInformational} informational responses`);
    }
    informational.push({ status, headers: readFieldSection(r, known, false) });
  }
  const tail = readTail(r, known);
  const response: BhttpResponse = {
    informational,
    status,
    headers: tail.headers,
    body: tail.body,
    trailers: tail.trailers,
  };
  return { response, ...wireShape(r, known, tail) };
}

interface Tail {
  headers: FieldLine[];
  body: Uint8Array;
  trailers: FieldLine[];
  chunks: number[] | undefined;
  /** Sections present on the wire (3 = not truncated). */
  sections: number;
  /** Where the last non-empty section (or the control data) ends. */
  contentEnd: number;
}

/**
 * Header section, content and trailer section. RFC 9292 §3.8: the input may end at the start of
 * any of them (§3.1, §3.2), and missing sections count as empty. Ending anywhere else is
 * `truncated`; a section that began must be complete, so only empty sections are ever omitted.
 */
function readTail(r: Reader, known: boolean): Tail {
  const chunks: number[] | undefined = known ? undefined : [];
  const tail: Tail = { headers: [], body: new Uint8Array(0), trailers: [], chunks, sections: 0, contentEnd: r.pos };
  if (r.atEnd()) return tail;
  tail.headers = readFieldSection(r, known, false);
  tail.sections = 1;
  if (tail.headers.length > 0) tail.contentEnd = r.pos;
  if (r.atEnd()) return tail;
  tail.body = readContent(r, known, chunks);
  tail.sections = 2;
  if (tail.body.length > 0) tail.contentEnd = r.pos;
  if (r.atEnd()) return tail;
  tail.trailers = readFieldSection(r, known, true);
  tail.sections = 3;
  if (tail.trailers.length > 0) tail.contentEnd = r.pos;
  return tail;
}

function wireShape(r: Reader, known: boolean, tail: Tail): BhttpWireShape {
  // RFC 9292 §3.8: anything after a complete message is padding and must be zero.
  const { bytes, end } = r;
  for (let i = r.pos; i < end; i++) {
    if (bytes[i] !== 0) fail('trailing', `non-zero byte 0x${bytes[i]!.toString(16)} at offset ${i} after the message`);
  }
  const truncate = tail.sections < 3;
  return {
    framing: known ? 'known' : 'indefinite',
    // A truncated message has no room for padding after it; the zero bytes of the empty
    // sections it does carry are indistinguishable from padding, and counted as such.
    paddingBytes: truncate ? end - tail.contentEnd : end - r.pos,
    truncate,
    contentChunks: tail.chunks,
    minimalVarints: r.minimalVarints,
  };
}

function readFieldSection(r: Reader, known: boolean, trailers: boolean): FieldLine[] {
  const { maxFieldSectionBytes } = r.limits;
  if (!known) return readFieldLines(r, -1, trailers);
  // RFC 9292 §3.1: Known-Length Field Section { Length (i), Field Line (..) ... }
  const length = r.varint('field section length');
  if (length > maxFieldSectionBytes) fail('limit', `field section of ${length} bytes exceeds maxFieldSectionBytes ${maxFieldSectionBytes}`);
  if (length > r.end - r.pos) fail('truncated', `field section of ${length} bytes runs past the end of the message`);
  return readFieldLines(r, r.pos + length, trailers);
}

/**
 * Field lines up to `sectionEnd` (known-length), or up to the zero terminator when `sectionEnd`
 * is -1 (indeterminate-length, RFC 9292 §3.2). Inside a known-length section a line running past
 * the section's end is `invalid`: the section length and its lines disagree.
 */
function readFieldLines(r: Reader, sectionEnd: number, trailers: boolean): FieldLine[] {
  const known = sectionEnd >= 0;
  const end = known ? sectionEnd : r.end;
  const overrun: DecodeCode = known ? 'invalid' : 'truncated';
  const { maxFieldLines, maxFieldSectionBytes } = r.limits;
  const start = r.pos;
  const lines: FieldLine[] = [];
  let pseudoAllowed = !trailers;
  while (!known || r.pos < sectionEnd) {
    const nameLength = r.varint('field name length', end, overrun);
    if (nameLength === 0) {
      // RFC 9292 §3.2: zero ends an indeterminate-length section; §3.6: names are 1.. bytes.
      if (known) fail('invalid', 'field name of length zero');
      break;
    }
    if (lines.length >= maxFieldLines) fail('limit', `more than maxFieldLines ${maxFieldLines} field lines in a section`);
    const name = r.latin1(nameLength, 'field name', end, overrun);
    const value = r.latin1(r.varint('field value length', end, overrun), 'field value', end, overrun);
    if (!known && r.pos - start > maxFieldSectionBytes) {
      fail('limit', `field section exceeds maxFieldSectionBytes ${maxFieldSectionBytes}`);
    }
    const problem = fieldNameProblem(name, pseudoAllowed) ?? fieldValueProblem(value);
    if (problem !== null) fail('invalid', problem);
    if (name.charCodeAt(0) !== 0x3a) pseudoAllowed = false;
    lines.push([name, value]);
  }
  return lines;
}

function readContent(r: Reader, known: boolean, chunks: number[] | undefined): Uint8Array {
  const { maxContentBytes } = r.limits;
  const { bytes } = r;
  if (known) {
    // RFC 9292 §3.1: Known-Length Content { Content Length (i), Content (..) }
    const length = r.varint('content length');
    if (length > maxContentBytes) fail('limit', `content of ${length} bytes exceeds maxContentBytes ${maxContentBytes}`);
    if (length > r.end - r.pos) fail('truncated', `content of ${length} bytes runs past the end of the message`);
    const body = new Uint8Array(length);
    body.set(bytes.subarray(r.pos, r.pos + length));
    r.pos += length;
    return body;
  }
  // RFC 9292 §3.2: chunks of length 1.., then a zero Content Terminator.
  const starts: number[] = [];
  let total = 0;
  for (;;) {
    const length = r.varint('content chunk length');
    if (length === 0) break;
    total += length;
    if (total > maxContentBytes) fail('limit', `content exceeds maxContentBytes ${maxContentBytes}`);
    if (length > r.end - r.pos) fail('truncated', `content chunk of ${length} bytes runs past the end of the message`);
    starts.push(r.pos);
    chunks!.push(length);
    r.pos += length;
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    body.set(bytes.subarray(starts[i]!, starts[i]! + chunks![i]!), at);
    at += chunks![i]!;
  }
  return body;
}
