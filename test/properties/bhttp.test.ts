/**
 * Binary HTTP (RFC 9292) properties, with fixed seeds:
 * - encode → decode is the identity on messages, in both framings, with padding, truncation and
 *   content chunking, and the reported wire shape re-encodes byte for byte;
 * - every prefix of an encoding decodes as an allowed truncation or fails as `truncated`;
 * - on arbitrary bytes and on mutated encodings the decoders throw nothing but BhttpDecodeError,
 *   and whatever they accept with minimal varints re-encodes to exactly the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeRequest,
  decodeRequestDetailed,
  decodeResponse,
  decodeResponseDetailed,
  encodeRequest,
  encodeResponse,
  type BhttpDecodedMessage,
} from '../../protocol/bhttp.js';
import { BhttpDecodeError } from '../../protocol/errors.js';
import { arbEncodedRequest, arbEncodedResponse } from '../helpers/arbitraries-bhttp.js';

const EMPTY = new Uint8Array(0);

/** Runs `fn`; a BhttpDecodeError becomes null, anything else fails the property. */
function decodeOrNull<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BhttpDecodeError) return null;
    throw e;
  }
}

function reencode(m: BhttpDecodedMessage): Uint8Array {
  return m.kind === 'request' ? encodeRequest(m.request, m.wire) : encodeResponse(m.response, m.wire);
}

/** Accepted input with minimal varints must be exactly what the encoder writes for it. */
function expectCanonical(bytes: Uint8Array, m: BhttpDecodedMessage | null): void {
  if (m !== null && m.wire.minimalVarints) expect(reencode(m)).toEqual(bytes);
}

/** Bytes likely to hit BHTTP structure: small lengths, framing indicators, varint prefixes. */
const structuredBytes = fc.uint8Array({ maxLength: 96 }).map((raw) =>
  raw.map((b) => [0, 0, 1, 2, 3, 4, 0x40, 0x41, 0x61, 0x3a, 0x2f, 0xc8, 0x64, 0x80, 0xc0, b][b & 15]!),
);

const arbitraryInput = fc.oneof(
  fc.uint8Array({ maxLength: 96 }),
  fc.tuple(fc.constantFrom(0, 1, 2, 3), fc.uint8Array({ maxLength: 128 })).map(([f, rest]) => Uint8Array.of(f, ...rest)),
  structuredBytes,
  fc.tuple(fc.constantFrom(0, 1, 2, 3), structuredBytes).map(([f, rest]) => Uint8Array.of(f, ...rest)),
);

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'cut'; at: number }
  | { kind: 'append'; bytes: Uint8Array };

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
);

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Uint8Array.from(input);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : ('at' in m ? m.at % b.length : 0);
    switch (m.kind) {
      case 'set':
        if (b.length > 0) b[at] = m.byte;
        break;
      case 'flip':
        if (b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'insert':
        b = Uint8Array.of(...b.subarray(0, at), m.byte, ...b.subarray(at));
        break;
      case 'delete':
        b = Uint8Array.of(...b.subarray(0, at), ...b.subarray(at + 1));
        break;
      case 'cut':
        b = b.slice(0, at);
        break;
      case 'append':
        b = Uint8Array.of(...b, ...m.bytes);
        break;
    }
  }
  return b;
}

function keepSections<T extends { headers: unknown[]; body: Uint8Array; trailers: unknown[] }>(m: T, sections: number): T {
  return {
    ...m,
    headers: sections >= 1 ? m.headers : [],
    body: sections >= 2 ? m.body : EMPTY,
    trailers: sections >= 3 ? m.trailers : [],
  };
}

describe('BHTTP round trip', () => {
  it('requests: decode(encode(r)) = r in both framings, and the wire shape re-encodes exactly', () => {
    fc.assert(
      fc.property(arbEncodedRequest(), ({ request, options }) => {
        const bytes = encodeRequest(request, options);
        const d = decodeRequestDetailed(bytes);
        expect(d.request).toEqual(request);
        expect(d.framing).toBe(options.framing);
        expect(d.minimalVarints).toBe(true);
        expect(encodeRequest(d.request, d)).toEqual(bytes);
        if (!options.truncate) {
          expect(d.truncate).toBe(false);
          expect(d.paddingBytes).toBe(options.paddingBytes);
          if (options.framing === 'indefinite') {
            const body = request.body.length;
            expect(d.contentChunks).toEqual(options.contentChunks ?? (body === 0 ? [] : [body]));
          }
        }
        const m = decodeMessage(bytes);
        expect(m.kind === 'request' && m.request).toEqual(request);
      }),
      { numRuns: 1500, seed: 0x9292_0001 },
    );
  });

  it('responses: decode(encode(r)) = r in both framings, and the wire shape re-encodes exactly', () => {
    fc.assert(
      fc.property(arbEncodedResponse(), ({ response, options }) => {
        const bytes = encodeResponse(response, options);
        const d = decodeResponseDetailed(bytes);
        expect(d.response).toEqual(response);
        expect(d.framing).toBe(options.framing);
        expect(encodeResponse(d.response, d)).toEqual(bytes);
        if (!options.truncate) expect(d.paddingBytes).toBe(options.paddingBytes);
        const m = decodeMessage(bytes);
        expect(m.kind === 'response' && m.response).toEqual(response);
      }),
      { numRuns: 1500, seed: 0x9292_0002 },
    );
  });

  it('every prefix of an encoding is an allowed truncation of it, or fails as truncated', () => {
    fc.assert(
      fc.property(arbEncodedRequest(), arbEncodedResponse(), (req, res) => {
        const pairs = [
          { bytes: encodeRequest(req.request, { ...req.options, paddingBytes: 0 }), decode: decodeRequest, full: req.request },
          { bytes: encodeResponse(res.response, { ...res.options, paddingBytes: 0 }), decode: decodeResponse, full: res.response },
        ] as const;
        for (const { bytes, decode, full } of pairs) {
          for (let length = 0; length < bytes.length; length++) {
            try {
              const got = decode(bytes.subarray(0, length));
              const candidates = [0, 1, 2, 3].map((k) => keepSections(full as typeof got, k));
              expect(candidates).toContainEqual(got);
            } catch (e) {
              expect(e).toBeInstanceOf(BhttpDecodeError);
              expect((e as BhttpDecodeError).code).toBe('truncated');
            }
          }
        }
      }),
      { numRuns: 200, seed: 0x9292_0003 },
    );
  });
});

describe('BHTTP decoders are total', () => {
  const NUM_RUNS = 10_000;

  it('decodeRequest on arbitrary bytes throws only BhttpDecodeError', () => {
    fc.assert(
      fc.property(arbitraryInput, (bytes) => {
        const d = decodeOrNull(() => decodeRequestDetailed(bytes));
        if (d !== null && d.minimalVarints) expect(encodeRequest(d.request, d)).toEqual(bytes);
        decodeOrNull(() => decodeRequest(bytes));
      }),
      { numRuns: NUM_RUNS, seed: 0x9292_0004 },
    );
  });

  it('decodeResponse on arbitrary bytes throws only BhttpDecodeError', () => {
    fc.assert(
      fc.property(arbitraryInput, (bytes) => {
        const d = decodeOrNull(() => decodeResponseDetailed(bytes));
        if (d !== null && d.minimalVarints) expect(encodeResponse(d.response, d)).toEqual(bytes);
        decodeOrNull(() => decodeResponse(bytes));
      }),
      { numRuns: NUM_RUNS, seed: 0x9292_0005 },
    );
  });

  it('decodeMessage on arbitrary bytes throws only BhttpDecodeError', () => {
    fc.assert(
      fc.property(arbitraryInput, (bytes) => {
        expectCanonical(bytes, decodeOrNull(() => decodeMessage(bytes)));
      }),
      { numRuns: NUM_RUNS, seed: 0x9292_0006 },
    );
  });

  it('decoders on mutated request encodings throw only BhttpDecodeError', () => {
    fc.assert(
      fc.property(arbEncodedRequest(), fc.array(arbMutation, { minLength: 1, maxLength: 4 }), ({ request, options }, mutations) => {
        const bytes = mutate(encodeRequest(request, options), mutations);
        expectCanonical(bytes, decodeOrNull(() => decodeMessage(bytes)));
        decodeOrNull(() => decodeRequest(bytes, { maxFieldLines: 4, maxContentBytes: 64 }));
        decodeOrNull(() => decodeResponse(bytes));
      }),
      { numRuns: NUM_RUNS, seed: 0x9292_0007 },
    );
  });

  it('decoders on mutated response encodings throw only BhttpDecodeError', () => {
    fc.assert(
      fc.property(arbEncodedResponse(), fc.array(arbMutation, { minLength: 1, maxLength: 4 }), ({ response, options }, mutations) => {
        const bytes = mutate(encodeResponse(response, options), mutations);
        expectCanonical(bytes, decodeOrNull(() => decodeMessage(bytes)));
        decodeOrNull(() => decodeResponse(bytes, { maxInformational: 1, maxFieldSectionBytes: 32 }));
        decodeOrNull(() => decodeRequest(bytes));
      }),
      { numRuns: NUM_RUNS, seed: 0x9292_0008 },
    );
  });
});
