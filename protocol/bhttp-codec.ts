/**
 * Binary HTTP (RFC 9292) encoder and decoder internals behind protocol/bhttp.ts: sizing and
 * writing sections into one buffer, and a bounds-checked reader that fails with typed errors.
 */
import { Buffer } from 'node:buffer';
import { abytes, aint } from './bytes.js';
import { BhttpDecodeError, BhttpEncodeError } from './errors.js';
import { fieldNameProblem, fieldValueProblem, informationalProblem, noContentProblem, requestControlProblem } from './bhttp-rules.js';
import { VARINT_TRUNCATED, readVarint, varintLengthOf, varintSizeUnchecked, writeVarint } from './varint.js';
import type { BhttpDecodedRequest, BhttpDecodedResponse, BhttpEncodeOptions, BhttpInformational, BhttpLimits, BhttpRequest, BhttpResponse, BhttpWireShape, FieldLine } from './bhttp.js';

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

// ---------------------------------------------------------------------------------------------
// Encoder

export interface ResolvedEncodeOptions {
  known: boolean;
  paddingBytes: number;
  truncate: boolean;
  contentChunks: readonly number[] | undefined;
}

const DEFAULT_ENCODE: ResolvedEncodeOptions = { known: true, paddingBytes: 0, truncate: false, contentChunks: undefined };

export function resolveEncodeOptions(opts: BhttpEncodeOptions | undefined): ResolvedEncodeOptions {
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
export interface TailPlan {
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

export function planTail(
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

export function writeTail(out: Uint8Array, pos: number, known: boolean, t: TailPlan): number {
  if (t.sections >= 1) pos = writeFieldSection(out, pos, known, t.headers, t.headerLineBytes);
  if (t.sections >= 2) pos = writeContent(out, pos, known, t.body, t.chunks);
  if (t.sections >= 3) pos = writeFieldSection(out, pos, known, t.trailers, t.trailerLineBytes);
  return pos;
}

/** Validates a field section and returns the bytes of its field lines. */
export function fieldSectionBytes(lines: FieldLine[], what: string, trailers: boolean): number {
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

export function sectionSize(known: boolean, lineBytes: number): number {
  // RFC 9292 §3.1 length prefix / §3.2 zero terminator.
  return known ? varintSizeUnchecked(lineBytes) + lineBytes : lineBytes + 1;
}

function contentSize(known: boolean, bodyBytes: number, chunks: readonly number[]): number {
  if (known) return varintSizeUnchecked(bodyBytes) + bodyBytes;
  let bytes = 1; // RFC 9292 §3.2: Content Terminator
  for (let i = 0; i < chunks.length; i++) bytes += varintSizeUnchecked(chunks[i]!) + chunks[i]!;
  return bytes;
}

export function writeFieldSection(out: Uint8Array, pos: number, known: boolean, lines: FieldLine[], lineBytes: number): number {
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

export function prefixedSize(s: string): number {
  return varintSizeUnchecked(s.length) + s.length;
}

/** Writes a varint length and the latin1 bytes of `s` (already checked to be a byte string). */
export function writePrefixed(out: Uint8Array, pos: number, s: string): number {
  pos = writeVarint(out, pos, s.length);
  for (let i = 0; i < s.length; i++) out[pos + i] = s.charCodeAt(i);
  return pos + s.length;
}

export function assertObject(what: string, v: unknown): void {
  if (typeof v !== 'object' || v === null) throw new TypeError(`${what} expected object, got ${v === null ? 'null' : typeof v}`);
}

export function assertString(what: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new TypeError(`${what} expected string, got ${typeof v}`);
}

export function assertStatus(what: string, v: unknown, min: number, max: number): void {
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
export class Reader {
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

export function readRequest(r: Reader, known: boolean): BhttpDecodedRequest {
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

export function readResponse(r: Reader, known: boolean): BhttpDecodedResponse {
  const informational: BhttpInformational[] = [];
  let status: number;
  for (;;) {
    // RFC 9292 §3.5: a message cannot be truncated before its final control data.
    status = r.varint('status code');
    if (status >= 200 && status <= 599) break;
    // RFC 9292 §3.5.1: 100..199 is an informational response followed by more control data.
    if (status < 100 || status > 199) fail('invalid', `status code ${status} outside 100..599`);
    const infoProblem = informationalProblem(status);
    if (infoProblem !== null) fail('invalid', infoProblem);
    if (informational.length >= r.limits.maxInformational) {
      fail('limit', `more than maxInformational ${r.limits.maxInformational} informational responses`);
    }
    informational.push({ status, headers: readFieldSection(r, known, false) });
  }
  const tail = readTail(r, known);
  const noContent = noContentProblem(status, tail.body.length, tail.trailers.length);
  if (noContent !== null) fail('invalid', noContent);
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
