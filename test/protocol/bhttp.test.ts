/**
 * Binary HTTP (RFC 9292) unit and negative tests: every truncation of a message, each error code
 * from a crafted input, limits, encoder refusals, query strings and empty fields.
 */
import { describe, expect, it } from 'vitest';
import {
  BHTTP_DEFAULT_LIMITS,
  decodeMessage,
  decodeRequest,
  decodeRequestDetailed,
  decodeResponse,
  decodeResponseDetailed,
  encodeRequest,
  encodeResponse,
  type BhttpEncodeOptions,
  type BhttpRequest,
  type BhttpResponse,
} from '../../protocol/bhttp.js';
import { concat, fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { BhttpDecodeError, BhttpEncodeError } from '../../protocol/errors.js';
import {
  VARINT_TRUNCATED,
  VARINT_UNSAFE,
  encodeVarint,
  readVarint,
  varintLengthOf,
  varintSize,
} from '../../protocol/varint.js';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}

function expectDecodeError(fn: () => unknown, code: string): void {
  const e = errorOf(fn);
  expect(e).toBeInstanceOf(BhttpDecodeError);
  expect((e as BhttpDecodeError).code).toBe(code);
}

function expectEncodeError(fn: () => unknown, code = 'invalid'): void {
  const e = errorOf(fn);
  expect(e).toBeInstanceOf(BhttpEncodeError);
  expect((e as BhttpEncodeError).code).toBe(code);
}

const EMPTY = new Uint8Array(0);

// RFC 9292 Fig. 2 (135 bytes, known-length request, empty content and trailers).
const FIG2 = fromHex(
  '0003474554056874747073000a2f68656c6c6f2e747874406c0a757365722d6167656e74346375726c2f372e31362e33206c69626375726c2f372e31362e33204f70656e53534c2f302e392e376c207a6c69622f312e322e3304686f73740f7777772e6578616d706c652e636f6d0f6163636570742d6c616e677561676506656e2c206d690000',
);

const REQUEST: BhttpRequest = {
  method: 'POST',
  scheme: 'https',
  authority: 'gateway.example',
  path: '/api/v1/chat?stream=1&model=a%2Fb',
  headers: [
    ['content-type', 'application/json'],
    ['x-trace', 'abc'],
  ],
  body: utf8('{"prompt":"hello"}'),
  trailers: [['x-checksum', 'deadbeef']],
};

const RESPONSE: BhttpResponse = {
  informational: [
    { status: 100, headers: [] },
    { status: 103, headers: [['link', '</a.css>; rel=preload']] },
  ],
  status: 200,
  headers: [['content-type', 'text/plain']],
  body: utf8('hi there'),
  trailers: [['server-timing', 'total;dur=12']],
};

/**
 * Wire offsets where RFC 9292 §3.8 lets a message end: after the control data, the header section
 * and the content. Derived from encodings with later parts emptied: an empty section is a single
 * zero byte in both framings (a zero length, or a bare terminator).
 */
function requestBoundaries(req: BhttpRequest, framing: 'known' | 'indefinite'): number[] {
  return [
    encodeRequest({ ...req, headers: [], body: EMPTY, trailers: [] }, { framing, truncate: true }).length,
    encodeRequest({ ...req, body: EMPTY, trailers: [] }, { framing }).length - 2,
    encodeRequest({ ...req, trailers: [] }, { framing }).length - 1,
  ];
}

function responseBoundaries(res: BhttpResponse, framing: 'known' | 'indefinite'): number[] {
  return [
    encodeResponse({ ...res, headers: [], body: EMPTY, trailers: [] }, { framing, truncate: true }).length,
    encodeResponse({ ...res, body: EMPTY, trailers: [] }, { framing }).length - 2,
    encodeResponse({ ...res, trailers: [] }, { framing }).length - 1,
  ];
}

/** The message as a decoder must see it when the input ends after `sections` sections. */
function keepSections<T extends { headers: unknown[]; body: Uint8Array; trailers: unknown[] }>(m: T, sections: number): T {
  return {
    ...m,
    headers: sections >= 1 ? m.headers : [],
    body: sections >= 2 ? m.body : EMPTY,
    trailers: sections >= 3 ? m.trailers : [],
  };
}

describe('varint (RFC 9000 §16)', () => {
  it('decodes the RFC 9000 App. A.1 examples, refusing the one above 2^53-1', () => {
    expect(readVarint(fromHex('9d7f3e7d'), 0, 4)).toBe(494_878_333);
    expect(readVarint(fromHex('7bbd'), 0, 2)).toBe(15_293);
    expect(readVarint(fromHex('25'), 0, 1)).toBe(37);
    expect(readVarint(fromHex('4025'), 0, 2)).toBe(37);
    expect(readVarint(fromHex('c2197c5eff14e88c'), 0, 8)).toBe(VARINT_UNSAFE);
    expect(varintLengthOf(0xc2)).toBe(8);
  });

  it('encodes minimally at every length boundary and round-trips', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [63, '3f'],
      [64, '4040'],
      [16383, '7fff'],
      [16384, '80004000'],
      [2 ** 30 - 1, 'bfffffff'],
      [2 ** 30, 'c000000040000000'],
      [Number.MAX_SAFE_INTEGER, 'c01fffffffffffff'],
    ];
    for (const [value, hex] of cases) {
      expect(toHex(encodeVarint(value))).toBe(hex);
      expect(readVarint(fromHex(hex), 0, hex.length / 2)).toBe(value);
    }
    expect(readVarint(fromHex('c020000000000000'), 0, 8)).toBe(VARINT_UNSAFE);
  });

  it('reports truncation instead of reading past `end`', () => {
    expect(readVarint(EMPTY, 0, 0)).toBe(VARINT_TRUNCATED);
    expect(readVarint(fromHex('4025'), 0, 1)).toBe(VARINT_TRUNCATED);
    expect(readVarint(fromHex('9d7f3e7d'), 0, 3)).toBe(VARINT_TRUNCATED);
    expect(readVarint(fromHex('c2197c5eff14e88c'), 0, 7)).toBe(VARINT_TRUNCATED);
  });

  it('refuses values it cannot encode', () => {
    expect(() => varintSize(-1)).toThrow(RangeError);
    expect(() => varintSize(2 ** 53)).toThrow(RangeError);
    expect(() => varintSize(1.5)).toThrow(TypeError);
    expect(() => encodeVarint('1' as unknown as number)).toThrow(TypeError);
  });
});

describe('truncation (RFC 9292 §3.8)', () => {
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown, unknown, number[]][] = [];
  for (const framing of ['known', 'indefinite'] as const) {
    cases.push([`${framing} request`, encodeRequest(REQUEST, { framing }), decodeRequest, REQUEST, requestBoundaries(REQUEST, framing)]);
    cases.push([`${framing} response`, encodeResponse(RESPONSE, { framing }), decodeResponse, RESPONSE, responseBoundaries(RESPONSE, framing)]);
  }
  const fig2Boundaries = requestBoundaries(decodeRequest(FIG2), 'known');
  cases.push(['RFC 9292 Fig. 2', FIG2, decodeRequest, decodeRequest(FIG2), fig2Boundaries]);

  it('finds the section boundaries of Fig. 2 where the RFC puts them', () => {
    // Control data ends at 23, the header section (length 0x406c = 108) at 23 + 2 + 108, the
    // empty content one byte later; the last byte is the empty trailer section.
    expect(fig2Boundaries).toEqual([23, 133, 134]);
    expect(FIG2.length).toBe(135);
  });

  for (const [name, bytes, decode, full, boundaries] of cases) {
    it(`${name}: every prefix is an allowed truncation with the right fields, or 'truncated'`, () => {
      let allowed = 0;
      for (let length = 0; length <= bytes.length; length++) {
        const prefix = bytes.slice(0, length);
        const sections = length === bytes.length ? 3 : boundaries.lastIndexOf(length);
        if (sections >= 0) {
          const m = full as BhttpRequest & BhttpResponse;
          expect(decode(prefix), `prefix ${length}`).toEqual(keepSections(m, length === bytes.length ? 3 : sections));
          allowed++;
        } else {
          expectDecodeError(() => decode(prefix), 'truncated');
        }
      }
      expect(allowed).toBe(new Set([...boundaries, bytes.length]).size);
    });
  }

  it('padding after a truncated message reads as empty sections, then as padding', () => {
    const base = encodeResponse({ informational: [], status: 204, headers: [], body: EMPTY, trailers: [] }, { truncate: true });
    for (let zeros = 0; zeros <= 6; zeros++) {
      const bytes = concat(base, new Uint8Array(zeros));
      const d = decodeResponseDetailed(bytes);
      expect(d.response.status).toBe(204);
      expect(d.truncate).toBe(zeros < 3);
      expect(d.paddingBytes).toBe(zeros < 3 ? zeros : zeros - 3);
      expect(toHex(encodeResponse(d.response, d))).toBe(toHex(bytes));
    }
  });

  it('an informational response cannot be the end of a message', () => {
    // 0x4064 = 100, then an empty header section, then nothing: no final status.
    expectDecodeError(() => decodeResponse(fromHex('01406400')), 'truncated');
    expectDecodeError(() => decodeResponse(fromHex('014064')), 'truncated');
    expectDecodeError(() => decodeResponse(fromHex('03406400')), 'truncated');
  });

  it('indeterminate-length content with chunks but no terminator is truncated', () => {
    const bytes = encodeRequest(REQUEST, { framing: 'indefinite', contentChunks: [3, 15] });
    const contentEnd = requestBoundaries(REQUEST, 'indefinite')[2]!;
    expectDecodeError(() => decodeRequest(bytes.slice(0, contentEnd - 1)), 'truncated');
  });
});

describe('each decode error code from a crafted input', () => {
  it('truncated', () => {
    expectDecodeError(() => decodeMessage(EMPTY), 'truncated');
    expectDecodeError(() => decodeRequest(fromHex('0003474554')), 'truncated');
    expectDecodeError(() => decodeRequest(fromHex('40')), 'truncated');
    // Content length 0x3fff with one byte of content.
    expectDecodeError(() => decodeRequest(fromHex('0003474554056874747073000a2f68656c6c6f2e747874007fff41')), 'truncated');
  });

  it('varint: a value above 2^53-1 cannot be represented', () => {
    expectDecodeError(() => decodeMessage(fromHex('c020000000000000')), 'varint');
    expectDecodeError(() => decodeRequest(fromHex('00ffffffffffffffff')), 'varint');
    // 2^53-1 itself is a valid varint and an unknown framing indicator.
    expectDecodeError(() => decodeMessage(fromHex('c01fffffffffffff')), 'framing');
  });

  it('framing: unknown indicators, and the wrong kind of message', () => {
    expectDecodeError(() => decodeMessage(fromHex('04')), 'framing');
    expectDecodeError(() => decodeMessage(fromHex('3f')), 'framing');
    expectDecodeError(() => decodeMessage(fromHex('4004')), 'framing');
    expectDecodeError(() => decodeRequest(fromHex('0140c8')), 'framing');
    expectDecodeError(() => decodeRequest(fromHex('0340c8000000')), 'framing');
    expectDecodeError(() => decodeResponse(FIG2), 'framing');
  });

  it('trailing: a non-zero byte after the message (RFC 9292 §3.8 padding is zero)', () => {
    expectDecodeError(() => decodeRequest(concat(FIG2, fromHex('01'))), 'trailing');
    expectDecodeError(() => decodeRequest(concat(FIG2, fromHex('00000080'))), 'trailing');
    expectDecodeError(() => decodeResponse(fromHex('0140c800000000ff')), 'trailing');
    expectDecodeError(() => decodeResponse(fromHex('0340c800000000000001')), 'trailing');
  });

  it('invalid: status codes outside the RFC 9292 §3.5 ranges', () => {
    expectDecodeError(() => decodeResponse(fromHex('0100')), 'invalid');
    expectDecodeError(() => decodeResponse(fromHex('014063')), 'invalid'); // 99
    expectDecodeError(() => decodeResponse(fromHex('014258')), 'invalid'); // 600
    expectDecodeError(() => decodeResponse(fromHex('01406400' + '400000')), 'invalid'); // 100, then status 0
  });

  const request = (headers: string, trailers = '00'): Uint8Array =>
    fromHex(`00034745540568747470730b6578616d706c652e636f6d012f${headers}00${trailers}`);
  const section = (...lines: [string, string][]): string => {
    const body = lines.map(([n, v]) => toHex(concat(encodeVarintFor(n), utf8Latin1(n), encodeVarintFor(v), utf8Latin1(v)))).join('');
    return toHex(encodeVarint(body.length / 2)) + body;
  };

  it('sanity: the crafted request decodes when its fields are valid', () => {
    expect(decodeRequest(request(section(['accept', '*/*']))).headers).toEqual([['accept', '*/*']]);
  });

  it('invalid: field names and values (RFC 9110 §5.1, RFC 9113 §8.2.1, RFC 9292 §3.6)', () => {
    const bad: [string, string][] = [
      ['Accept', '*/*'], // uppercase
      ['acc ept', 'x'],
      ['accept:', 'x'],
      ['acc\x80', 'x'],
      ['accept', 'a\r\nb'],
      ['accept', 'a\0b'],
      ['accept', ' leading'],
      ['accept', 'trailing\t'],
      [':path', '/'], // control data, not a field
      [':status', '200'],
      [':', 'x'],
    ];
    for (const line of bad) expectDecodeError(() => decodeRequest(request(section(line))), 'invalid');
  });

  it('invalid: pseudo-fields after regular fields or in trailers (RFC 9292 §3.6)', () => {
    expect(decodeRequest(request(section([':protocol', 'websocket'], ['accept', 'x']))).headers).toHaveLength(2);
    expectDecodeError(() => decodeRequest(request(section(['accept', 'x'], [':protocol', 'websocket']))), 'invalid');
    expectDecodeError(() => decodeRequest(request('00', section([':protocol', 'websocket']))), 'invalid');
  });

  it('invalid: a known-length field section that disagrees with its lines', () => {
    expectDecodeError(() => decodeRequest(request('020000')), 'invalid'); // name length 0
    expectDecodeError(() => decodeRequest(request('0301610a')), 'invalid'); // value runs past the section
    expectDecodeError(() => decodeRequest(request('0205')), 'invalid'); // name runs past the section
    expectDecodeError(() => decodeRequest(request('0140')), 'invalid'); // varint runs past the section
  });

  it('invalid: request control data (RFC 9292 §3.4, RFC 9113 §8.3.1)', () => {
    const control = (method: string, scheme: string, authority: string, path: string): Uint8Array =>
      concat(Uint8Array.of(0), ...[method, scheme, authority, path].flatMap((s) => [encodeVarintFor(s), utf8Latin1(s)]));
    expect(decodeRequest(control('GET', 'https', 'a.example', '/x?y=1')).path).toBe('/x?y=1');
    expectDecodeError(() => decodeRequest(control('', 'https', 'a', '/')), 'invalid');
    expectDecodeError(() => decodeRequest(control('G T', 'https', 'a', '/')), 'invalid');
    expectDecodeError(() => decodeRequest(control('GET', '1ttp', 'a', '/')), 'invalid');
    expectDecodeError(() => decodeRequest(control('GET', 'https', 'a b', '/')), 'invalid');
    expectDecodeError(() => decodeRequest(control('GET', 'https', 'a', '')), 'invalid');
    expectDecodeError(() => decodeRequest(control('GET', 'https', 'a', 'x')), 'invalid');
    expectDecodeError(() => decodeRequest(control('GET', 'https', 'a', '/a b')), 'invalid');
    expectDecodeError(() => decodeRequest(control('GET', 'https', 'a', '/\xe9')), 'invalid');
  });

  it('invalid: indeterminate-length sections use the same field rules', () => {
    const indefinite = fromHex('02034745540568747470730b6578616d706c652e636f6d012f' + '0141014100' + '0000');
    expectDecodeError(() => decodeRequest(indefinite), 'invalid'); // name "A"
  });
});

function utf8Latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function encodeVarintFor(s: string): Uint8Array {
  return encodeVarint(s.length);
}

describe('limits', () => {
  const big: BhttpRequest = {
    ...REQUEST,
    headers: Array.from({ length: 20 }, (_, i) => [`x-h${i}`, 'v'.repeat(50)] as [string, string]),
    body: new Uint8Array(1000).fill(7),
  };

  for (const framing of ['known', 'indefinite'] as const) {
    const bytes = encodeRequest(big, { framing, contentChunks: [400, 600] });
    it(`${framing}: each limit is enforced exactly at its boundary`, () => {
      expect(decodeRequest(bytes, { maxMessageBytes: bytes.length }).body).toHaveLength(1000);
      expectDecodeError(() => decodeRequest(bytes, { maxMessageBytes: bytes.length - 1 }), 'limit');
      expect(decodeRequest(bytes, { maxFieldLines: 20 }).headers).toHaveLength(20);
      expectDecodeError(() => decodeRequest(bytes, { maxFieldLines: 19 }), 'limit');
      const sectionBytes = 20 * (1 + 5 + 1 + 50) - 10 * 1; // x-h0..x-h9 are one byte shorter
      expect(decodeRequest(bytes, { maxFieldSectionBytes: sectionBytes }).headers).toHaveLength(20);
      expectDecodeError(() => decodeRequest(bytes, { maxFieldSectionBytes: sectionBytes - 1 }), 'limit');
      expect(decodeRequest(bytes, { maxContentBytes: 1000 }).body).toHaveLength(1000);
      expectDecodeError(() => decodeRequest(bytes, { maxContentBytes: 999 }), 'limit');
    });
  }

  it('maxInformational', () => {
    const res: BhttpResponse = { ...RESPONSE, informational: Array.from({ length: 5 }, () => ({ status: 102, headers: [] })) };
    const bytes = encodeResponse(res);
    expect(decodeResponse(bytes, { maxInformational: 5 }).informational).toHaveLength(5);
    expectDecodeError(() => decodeResponse(bytes, { maxInformational: 4 }), 'limit');
    expectDecodeError(() => decodeResponse(bytes, { maxInformational: 0 }), 'limit');
  });

  it('a huge declared length is a limit, not an allocation', () => {
    // Content length 2^40 in an 8-byte varint.
    const bytes = fromHex('0003474554056874747073000a2f68656c6c6f2e74787400c000010000000000');
    expectDecodeError(() => decodeRequest(bytes), 'limit');
    expectDecodeError(() => decodeRequest(bytes, { maxContentBytes: Number.MAX_SAFE_INTEGER }), 'truncated');
  });

  it('has sensible defaults and validates its argument', () => {
    expect(BHTTP_DEFAULT_LIMITS.maxFieldLines).toBeGreaterThan(0);
    expect(() => decodeRequest(FIG2, { maxFieldLines: -1 })).toThrow(RangeError);
    expect(() => decodeRequest(FIG2, { maxFieldLines: 1.5 })).toThrow(TypeError);
    expect(() => decodeRequest(FIG2, null as unknown as undefined)).toThrow(TypeError);
    expect(() => decodeRequest('00' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('fields kept exactly', () => {
  it('keeps the query string in the path', () => {
    for (const framing of ['known', 'indefinite'] as const) {
      const d = decodeRequest(encodeRequest(REQUEST, { framing }));
      expect(d.path).toBe('/api/v1/chat?stream=1&model=a%2Fb');
      expect(d).toEqual(REQUEST);
    }
  });

  it('round-trips empty fields: authority, header values, body, scheme and path (CONNECT)', () => {
    const req: BhttpRequest = {
      method: 'CONNECT',
      scheme: '',
      authority: '',
      path: '',
      headers: [['x-empty', ''], ['accept', '']],
      body: EMPTY,
      trailers: [['x-t', '']],
    };
    for (const framing of ['known', 'indefinite'] as const) {
      const bytes = encodeRequest(req, { framing });
      expect(decodeRequest(bytes)).toEqual(req);
    }
    // Every empty part of a known-length request is a single zero byte.
    expect(toHex(encodeRequest({ ...req, headers: [], trailers: [] }))).toBe('0007434f4e4e454354000000000000');
  });

  it('round-trips latin1 bytes 0x80..0xff, VCHAR, and SP/HTAB inside values (RFC 9110 §5.5; other CTLs: docs/leniencies.md)', () => {
    let value = '';
    for (let c = 0x21; c < 256; c++) if (c !== 0x7f) value += String.fromCharCode(c);
    value = `a ${value}\tz`;
    const req: BhttpRequest = { ...REQUEST, headers: [['x-bytes', value]] };
    const bytes = encodeRequest(req);
    expect(decodeRequest(bytes).headers[0]![1]).toBe(value);
  });

  it('round-trips indeterminate-length content chunking and reports it', () => {
    const bytes = encodeRequest(REQUEST, { framing: 'indefinite', contentChunks: [1, 2, 15] });
    const d = decodeRequestDetailed(bytes);
    expect(d.contentChunks).toEqual([1, 2, 15]);
    expect(d.request.body).toEqual(REQUEST.body);
    expect(encodeRequest(d.request, d)).toEqual(bytes);
  });

  it('accepts non-minimal varints (RFC 9292 §3) and says so', () => {
    // RFC 9458 App. A request with the framing indicator and method length in two bytes each.
    const bytes = fromHex('40004003474554056874747073' + '0b6578616d706c652e636f6d012f');
    const d = decodeRequestDetailed(bytes);
    expect(d.request.method).toBe('GET');
    expect(d.minimalVarints).toBe(false);
    expect(decodeRequestDetailed(fromHex('00034745540568747470730b6578616d706c652e636f6d012f')).minimalVarints).toBe(true);
  });

  it('decodeMessage dispatches on the framing indicator', () => {
    const r = decodeMessage(encodeRequest(REQUEST, { framing: 'indefinite', paddingBytes: 3 }));
    expect(r.kind).toBe('request');
    expect(r.framing).toBe(2);
    expect(r.wire.paddingBytes).toBe(3);
    const s = decodeMessage(encodeResponse(RESPONSE));
    expect(s.kind === 'response' && s.response).toEqual(RESPONSE);
    expect(s.framing).toBe(1);
  });

  it('decoded bodies are copies, not views of the input', () => {
    const bytes = encodeRequest(REQUEST);
    const body = decodeRequest(bytes).body;
    bytes.fill(0);
    expect(body).toEqual(REQUEST.body);
  });
});

describe('encoder refusals', () => {
  it('TypeError for wrong types', () => {
    expect(() => encodeRequest(null as unknown as BhttpRequest)).toThrow(TypeError);
    expect(() => encodeRequest({ ...REQUEST, method: 1 as unknown as string })).toThrow(TypeError);
    expect(() => encodeRequest({ ...REQUEST, headers: {} as unknown as [] })).toThrow(TypeError);
    expect(() => encodeRequest({ ...REQUEST, headers: [['a']] as unknown as [] })).toThrow(TypeError);
    expect(() => encodeRequest({ ...REQUEST, body: 'x' as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => encodeResponse({ ...RESPONSE, status: '200' as unknown as number })).toThrow(TypeError);
    expect(() => encodeResponse({ ...RESPONSE, informational: undefined as unknown as [] })).toThrow(TypeError);
    expect(() => encodeRequest(REQUEST, { framing: 'chunked' as 'known' })).toThrow(TypeError);
    expect(() => encodeRequest(REQUEST, { truncate: 1 as unknown as boolean })).toThrow(TypeError);
  });

  it('RangeError for options out of range', () => {
    expect(() => encodeRequest(REQUEST, { paddingBytes: -1 })).toThrow(RangeError);
    expect(() => encodeRequest(REQUEST, { paddingBytes: 2 ** 31 })).toThrow(RangeError);
    expect(() => encodeRequest(REQUEST, { framing: 'indefinite', contentChunks: [1, 2] })).toThrow(RangeError);
    expect(() => encodeRequest(REQUEST, { framing: 'indefinite', contentChunks: [0, 18] })).toThrow(RangeError);
  });

  it('BhttpEncodeError for values RFC 9292 does not allow', () => {
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [['Content-Type', 'x']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [['', 'x']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [['a', 'x\r\ny: z']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [['a', ' x']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [['a', '\u0100']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [['a', 'x'], [':protocol', 'y']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, trailers: [[':protocol', 'y']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, headers: [[':authority', 'y']] }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, method: '' }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, path: 'relative' }));
    expectEncodeError(() => encodeRequest({ ...REQUEST, authority: 'caf\u00e9' }));
    expectEncodeError(() => encodeResponse({ ...RESPONSE, status: 199 }));
    expectEncodeError(() => encodeResponse({ ...RESPONSE, status: 600 }));
    expectEncodeError(() => encodeResponse({ ...RESPONSE, informational: [{ status: 200, headers: [] }] }));
  });

  it('writes padding as zero bytes and truncates only empty trailing sections', () => {
    const bytes = encodeResponse({ ...RESPONSE, informational: [], trailers: [] }, { truncate: true, paddingBytes: 4 });
    expect(toHex(bytes.subarray(bytes.length - 4))).toBe('00000000');
    // The first zero of the padding reads as the omitted (empty) trailer section: same meaning,
    // and the decoder's canonical shape re-encodes to the same bytes.
    const d = decodeResponseDetailed(bytes);
    expect(d.truncate).toBe(false);
    expect(d.paddingBytes).toBe(3);
    expect(d.response.body).toEqual(RESPONSE.body);
    expect(encodeResponse(d.response, d)).toEqual(bytes);
    // Non-empty trailers are never truncated away.
    expect(decodeResponse(encodeResponse(RESPONSE, { truncate: true }))).toEqual(RESPONSE);
  });
});
