/**
 * fast-check arbitraries for Binary HTTP (RFC 9292) messages that protocol/bhttp.ts accepts:
 * lowercase token field names, RFC 9110 §5.5 field values (no CTL but HTAB, no surrounding
 * whitespace, latin1 bytes 0x80..0xff included), pseudo-fields first and only in
 * header sections, http(s) paths starting with "/" (with query strings), 1xx interim responses.
 *
 * Reuse: `fc.assert(fc.property(arbBhttpRequest(), (req) => ...), { seed, numRuns })`.
 */
import fc from 'fast-check';
import type {
  BhttpEncodeOptions,
  BhttpInformational,
  BhttpRequest,
  BhttpResponse,
  FieldLine,
} from '../../protocol/bhttp.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGIT = '0123456789';
const TCHAR_LOWER = "!#$%&'*+-.^_`|~" + DIGIT + LOWER;
const TCHAR = TCHAR_LOWER + LOWER.toUpperCase();

function stringOf(chars: string, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...chars.split('')), minLength, maxLength });
}

/** Any byte a field value may hold (RFC 9110 §5.5: VCHAR, obs-text, SP, HTAB; no other CTL). */
const valueByte = fc
  .integer({ min: 0x09, max: 255 })
  .filter((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f))
  .map((c) => String.fromCharCode(c));

/** Visible US-ASCII, the alphabet of URIs (RFC 3986 §2). */
const uriChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

export const arbFieldName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('content-type', 'accept', 'user-agent', 'host', 'cookie', 'x-request-id'),
  stringOf(TCHAR_LOWER, 1, 24),
);

export const arbFieldValue: fc.Arbitrary<string> = fc
  .oneof(
    fc.constant(''),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
    fc.string({ unit: valueByte, maxLength: 40 }),
  )
  // RFC 9113 §8.2.1: no leading or trailing SP / HTAB.
  .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));

const arbPseudoName: fc.Arbitrary<string> = fc
  .oneof(fc.constant(':protocol'), stringOf(TCHAR_LOWER, 1, 12).map((s) => `:${s}`))
  .filter((n) => ![':method', ':scheme', ':authority', ':path', ':status'].includes(n));

const arbRegularLine: fc.Arbitrary<FieldLine> = fc.tuple(arbFieldName, arbFieldValue);

/** A header section: optional pseudo-fields first (RFC 9292 §3.6), then regular fields. */
export const arbHeaderSection: fc.Arbitrary<FieldLine[]> = fc
  .tuple(
    fc.array(fc.tuple(arbPseudoName, arbFieldValue), { maxLength: 2 }),
    fc.array(arbRegularLine, { maxLength: 8 }),
  )
  .map(([pseudo, regular]) => [...pseudo, ...regular]);

/** A trailer section: regular fields only. */
export const arbTrailerSection: fc.Arbitrary<FieldLine[]> = fc.array(arbRegularLine, { maxLength: 4 });

export const arbMethod: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH'),
  stringOf(TCHAR, 1, 12),
);

const arbScheme: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('https', 'http', '', 'HTTPS'),
  fc.tuple(stringOf(LOWER, 1, 1), stringOf(LOWER + DIGIT + '+-.', 0, 8)).map(([a, b]) => a + b),
);

/** Path with an optional query string, kept verbatim. */
const arbPath: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/', '*', '/hello.txt', '/search?q=a%20b&lang=en', ''),
  fc
    .tuple(fc.string({ unit: uriChar, maxLength: 30 }), fc.option(fc.string({ unit: uriChar, maxLength: 30 })))
    .map(([p, q]) => (q === null ? p : `${p}?${q}`)),
);

export const arbBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ maxLength: 600 }),
);

export function arbBhttpRequest(): fc.Arbitrary<BhttpRequest> {
  return fc
    .record({
      method: arbMethod,
      scheme: arbScheme,
      authority: fc.oneof(fc.constant(''), fc.constant('example.com'), fc.string({ unit: uriChar, maxLength: 40 })),
      path: arbPath,
      headers: arbHeaderSection,
      body: arbBody,
      trailers: arbTrailerSection,
    })
    .map((r) => {
      // RFC 9113 §8.5: only a CONNECT omits :scheme, and then :path too.
      if (r.scheme === '') return { ...r, method: 'CONNECT', path: '' };
      // RFC 9113 §8.3.1: an http(s) :path is "*" or starts with "/"; no fragment; no userinfo.
      const web = r.scheme.toLowerCase() === 'http' || r.scheme.toLowerCase() === 'https';
      const bare = r.path.replaceAll('#', '');
      const path = web && bare !== '*' && !bare.startsWith('/') ? `/${bare}` : bare;
      const authority = web ? r.authority.replaceAll('@', '') : r.authority;
      return { ...r, path, authority };
    });
}

const arbInformational: fc.Arbitrary<BhttpInformational> = fc.record({
  // RFC 9110 §15.2.2 / RFC 9113 §8.6: no 101 in a binary message.
  status: fc.integer({ min: 100, max: 199 }).filter((s) => s !== 101),
  headers: arbHeaderSection,
});

export function arbBhttpResponse(): fc.Arbitrary<BhttpResponse> {
  return fc
    .record({
      informational: fc.array(arbInformational, { maxLength: 3 }),
      status: fc.integer({ min: 200, max: 599 }),
      headers: arbHeaderSection,
      body: arbBody,
      trailers: arbTrailerSection,
    })
    // RFC 9110 §15.3.5, §15.4.5: a 204 or 304 carries no content and no trailers.
    .map((r) => (r.status === 204 || r.status === 304 ? { ...r, body: new Uint8Array(0), trailers: [] } : r));
}

/** Encode options for a body of `bodyBytes`: framing, padding, truncation, content chunking. */
export function arbBhttpEncodeOptions(bodyBytes: number): fc.Arbitrary<BhttpEncodeOptions> {
  const chunks: fc.Arbitrary<number[] | undefined> =
    bodyBytes === 0
      ? fc.constantFrom(undefined, [])
      : fc.option(
          fc
            .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bodyBytes - 1) }), { maxLength: 6 })
            .map((cuts) => {
              const points = [0, ...cuts.filter((c) => c < bodyBytes).sort((a, b) => a - b), bodyBytes];
              return points.slice(1).map((p, i) => p - points[i]!);
            }),
          { nil: undefined },
        );
  return fc.record({
    framing: fc.constantFrom('known' as const, 'indefinite' as const),
    paddingBytes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 64 })),
    truncate: fc.boolean(),
    contentChunks: chunks,
  });
}

export function arbEncodedRequest(): fc.Arbitrary<{ request: BhttpRequest; options: BhttpEncodeOptions }> {
  return arbBhttpRequest().chain((request) =>
    arbBhttpEncodeOptions(request.body.length).map((options) => ({ request, options })),
  );
}

export function arbEncodedResponse(): fc.Arbitrary<{ response: BhttpResponse; options: BhttpEncodeOptions }> {
  return arbBhttpResponse().chain((response) =>
    arbBhttpEncodeOptions(response.body.length).map((options) => ({ response, options })),
  );
}
