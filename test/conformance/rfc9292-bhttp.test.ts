/**
 * RFC 9292 §5 examples (and the two truncated messages of RFC 9458 App. A): each decodes to
 * exactly its listed fields and re-encodes byte for byte.
 */
import { expect, it } from 'vitest';
import {
  decodeMessage,
  decodeRequest,
  encodeRequest,
  encodeResponse,
  type BhttpRequest,
  type BhttpResponse,
  type FieldLine,
} from '../../protocol/bhttp.js';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { BhttpDecodeError } from '../../protocol/errors.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface DecodedFields {
  method?: string;
  scheme?: string;
  authority?: string;
  path?: string;
  informational?: { status: number; headers: FieldLine[] }[];
  status?: number;
  headers: FieldLine[];
  content_hex?: string;
  content_utf8?: string;
  trailers: FieldLine[];
}

interface Vector {
  name: string;
  framing: string;
  hex: string;
  decoded: DecodedFields | string;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectedBody(d: DecodedFields): Uint8Array {
  if (d.content_utf8 !== undefined) return utf8(d.content_utf8);
  return fromHex(d.content_hex ?? '');
}

function expectedRequest(d: DecodedFields): BhttpRequest {
  return {
    method: d.method!,
    scheme: d.scheme!,
    authority: d.authority!,
    path: d.path!,
    headers: d.headers,
    body: expectedBody(d),
    trailers: d.trailers,
  };
}

function expectedResponse(d: DecodedFields): BhttpResponse {
  return {
    informational: d.informational ?? [],
    status: d.status!,
    headers: d.headers,
    body: expectedBody(d),
    trailers: d.trailers,
  };
}

describeVectors('RFC 9292 Binary HTTP examples', () => {
  const file = readVectorJson<{ vectors: Vector[] }>('bhttp', 'rfc9292-examples.json');
  const vectors = file.vectors;

  it('has the six examples', () => {
    expect(vectors).toHaveLength(6);
  });

  // "decoded": "same as request-known-length" refers to the first entry.
  const fieldsOf = (v: Vector): DecodedFields => {
    if (typeof v.decoded !== 'string') return v.decoded;
    const ref = vectors.find((w) => v.decoded === `same as ${w.name.split(' ')[0]}`);
    if (ref === undefined || typeof ref.decoded === 'string') throw new Error(`unresolved reference in ${v.name}`);
    return ref.decoded;
  };

  for (const v of vectors) {
    it(`${v.name}: decodes to its fields and re-encodes byte for byte`, () => {
      const bytes = fromHex(v.hex);
      const fields = fieldsOf(v);
      const indicator = Number(/\((\d)\)/.exec(v.framing)![1]);
      const m = decodeMessage(bytes);
      expect(m.framing).toBe(indicator);
      expect(m.wire.minimalVarints).toBe(true);
      if (m.kind === 'request') {
        expect(m.request).toEqual(expectedRequest(fields));
        expect(toHex(encodeRequest(m.request, m.wire))).toBe(v.hex);
      } else {
        expect(m.response).toEqual(expectedResponse(fields));
        expect(toHex(encodeResponse(m.response, m.wire))).toBe(v.hex);
      }
    });
  }

  it('Fig. 2: the last two bytes can each be removed without changing the meaning (RFC 9292 §5.1)', () => {
    const v = vectors[0]!;
    const bytes = fromHex(v.hex);
    const full = decodeRequest(bytes);
    expect(decodeRequest(bytes.subarray(0, bytes.length - 1))).toEqual(full);
    expect(decodeRequest(bytes.subarray(0, bytes.length - 2))).toEqual(full);
    expect(decodeMessage(bytes.subarray(0, bytes.length - 2)).wire.truncate).toBe(true);
  });

  it('Fig. 3: up to 12 trailing bytes can be removed without changing the meaning; 10 are padding', () => {
    const v = vectors[1]!;
    const bytes = fromHex(v.hex);
    const m = decodeMessage(bytes);
    expect(m.wire).toMatchObject({ framing: 'indefinite', paddingBytes: 10, truncate: false });
    const full = decodeRequest(bytes);
    for (let cut = 1; cut <= 12; cut++) expect(decodeRequest(bytes.subarray(0, bytes.length - cut))).toEqual(full);
    // The 13th byte from the end terminates the non-empty header section: removing it truncates.
    const error = catchError(() => decodeRequest(bytes.subarray(0, bytes.length - 13)));
    expect(error).toBeInstanceOf(BhttpDecodeError);
    expect((error as BhttpDecodeError).code).toBe('truncated');
  });

  it('RFC 9458 App. A: the encoder reproduces the truncated request and response from their fields', () => {
    const req = vectors[4]!;
    const res = vectors[5]!;
    expect(toHex(encodeRequest(expectedRequest(fieldsOf(req)), { truncate: true }))).toBe(req.hex);
    expect(toHex(encodeResponse(expectedResponse(fieldsOf(res)), { truncate: true }))).toBe(res.hex);
  });
});
