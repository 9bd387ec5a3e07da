/**
 * Issue 14, "Leniencies to decide on": each was accepted before; each is now refused where the RFC
 * says MUST (or a recipient SHOULD treat it as an error), by the decoder and by the encoder alike.
 * The decisions, one sentence each with the section, are in docs/leniencies.md.
 */
import { describe, expect, it } from 'vitest';
import { command as ohttpCommand } from '../../cli/commands/ohttp.js';
import { memoryIo } from '../../cli/io.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type BhttpRequest, type BhttpResponse } from '../../protocol/bhttp.js';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import { BhttpDecodeError, BhttpEncodeError, NoteError } from '../../protocol/errors.js';
import { encapsulateRequest, encodeKeyConfig, generateGatewayKey } from '../../protocol/ohttp.js';
import { formatCheckpoint, parseCheckpoint } from '../../protocol/tlog/checkpoint.js';
import { ChaChaRng } from '../../sim/rng.js';
import { errorCodeOf } from '../helpers/error-code.js';

// A wrong error class propagates and fails the test; no error at all gives a value no code equals.
const codeOf = (f: () => unknown, cls: Parameters<typeof errorCodeOf>[0]): string => errorCodeOf(cls, f, '(nothing thrown)');

/** RFC 9000 §16 varint, 1 or 2 bytes (all values here are < 16384). */
function varint(n: number): Uint8Array {
  return n < 64 ? Uint8Array.of(n) : Uint8Array.of(0x40 | (n >> 8), n & 0xff);
}
const prefixed = (s: string) => concat(varint(s.length), Uint8Array.from(s, (c) => c.charCodeAt(0)));
const section = (lines: [string, string][]) => {
  const body = concat(...lines.flatMap(([n, v]) => [prefixed(n), prefixed(v)]));
  return concat(varint(body.length), body);
};

/** A known-length request written byte by byte, bypassing the encoder's checks. */
function rawRequest(method: string, scheme: string, authority: string, path: string, headers: [string, string][] = []): Uint8Array {
  return concat(Uint8Array.of(0), prefixed(method), prefixed(scheme), prefixed(authority), prefixed(path), section(headers), varint(0), section([]));
}

/** A known-length response: informational statuses with empty headers, a final status, content, trailers. */
function rawResponse(informational: number[], status: number, body: Uint8Array, trailers: [string, string][] = []): Uint8Array {
  return concat(Uint8Array.of(1), ...informational.flatMap((s) => [varint(s), section([])]), varint(status), section([]), varint(body.length), body, section(trailers));
}

const GET: BhttpRequest = { method: 'GET', scheme: 'https', authority: 'example.com', path: '/', headers: [], body: new Uint8Array(0), trailers: [] };
const OK: BhttpResponse = { informational: [], status: 200, headers: [], body: new Uint8Array(0), trailers: [] };

describe('BHTTP request control data (RFC 9292 §3.4 → RFC 9113 §8.3.1)', () => {
  it('the control case decodes: the raw writer is right', () => {
    expect(decodeRequest(rawRequest('GET', 'https', 'example.com', '/a?b=c'))).toMatchObject({ method: 'GET', path: '/a?b=c' });
  });

  it('an empty :scheme on GET: invalid (only CONNECT omits :scheme, RFC 9113 §8.5)', () => {
    expect(codeOf(() => decodeRequest(rawRequest('GET', '', 'example.com', '/')), BhttpDecodeError)).toBe('invalid');
    expect(codeOf(() => encodeRequest({ ...GET, scheme: '' }), BhttpEncodeError)).toBe('invalid');
    // CONNECT omits :scheme and :path and still round-trips.
    const connect = { ...GET, method: 'CONNECT', scheme: '', path: '', authority: 'example.com:443' };
    expect(decodeRequest(encodeRequest(connect))).toEqual(connect);
    expect(codeOf(() => decodeRequest(rawRequest('CONNECT', '', 'example.com:443', '/x')), BhttpDecodeError)).toBe('invalid');
  });

  it('userinfo in an http(s) :authority: invalid (RFC 9113 §8.3.1 MUST NOT; RFC 9110 §4.2.4)', () => {
    for (const scheme of ['https', 'http', 'HTTPS']) {
      expect(codeOf(() => decodeRequest(rawRequest('GET', scheme, 'user:pass@example.com', '/')), BhttpDecodeError)).toBe('invalid');
      expect(codeOf(() => encodeRequest({ ...GET, scheme, authority: 'user@example.com' }), BhttpEncodeError)).toBe('invalid');
    }
  });

  it('a fragment in :path: invalid (path and query only, RFC 9113 §8.3.1)', () => {
    expect(codeOf(() => decodeRequest(rawRequest('GET', 'https', 'example.com', '/a#frag')), BhttpDecodeError)).toBe('invalid');
    expect(codeOf(() => decodeRequest(rawRequest('GET', 'https', 'example.com', '/a?q=1#')), BhttpDecodeError)).toBe('invalid');
    expect(codeOf(() => encodeRequest({ ...GET, path: '/#x' }), BhttpEncodeError)).toBe('invalid');
  });
});

describe('BHTTP field values (RFC 9110 §5.5, RFC 9113 §8.2.1)', () => {
  const controls = [0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f];

  it('every control byte other than HTAB inside a value: invalid, in headers and trailers', () => {
    for (const c of controls) {
      const value = `a${String.fromCharCode(c)}b`;
      expect(codeOf(() => decodeRequest(rawRequest('GET', 'https', 'example.com', '/', [['x', value]])), BhttpDecodeError)).toBe('invalid');
      expect(codeOf(() => encodeRequest({ ...GET, headers: [['x', value]] }), BhttpEncodeError)).toBe('invalid');
      expect(codeOf(() => decodeResponse(rawResponse([], 200, new Uint8Array(0), [['x', value]])), BhttpDecodeError)).toBe('invalid');
      expect(codeOf(() => encodeResponse({ ...OK, trailers: [['x', value]] }), BhttpEncodeError)).toBe('invalid');
    }
  });

  it('HTAB and SP inside a value, and obs-text bytes, stay valid', () => {
    const value = 'a\tb c\u00e9\u00ff';
    expect(decodeRequest(encodeRequest({ ...GET, headers: [['x', value]] })).headers).toEqual([['x', value]]);
  });
});

describe('BHTTP responses', () => {
  it('a 101 informational response: invalid (RFC 9110 §15.2.2, RFC 9113 §8.6)', () => {
    expect(codeOf(() => decodeResponse(rawResponse([101], 200, new Uint8Array(0))), BhttpDecodeError)).toBe('invalid');
    expect(codeOf(() => encodeResponse({ ...OK, informational: [{ status: 101, headers: [] }] }), BhttpEncodeError)).toBe('invalid');
    // 100 and 103 stay valid.
    expect(decodeResponse(rawResponse([100, 103], 200, new Uint8Array(0))).informational.map((i) => i.status)).toEqual([100, 103]);
  });

  it('a 204 or 304 with content or trailers: invalid (RFC 9110 §15.3.5, §15.4.5)', () => {
    for (const status of [204, 304]) {
      expect(codeOf(() => decodeResponse(rawResponse([], status, utf8('body'))), BhttpDecodeError)).toBe('invalid');
      expect(codeOf(() => decodeResponse(rawResponse([], status, new Uint8Array(0), [['x', 'y']])), BhttpDecodeError)).toBe('invalid');
      expect(codeOf(() => encodeResponse({ ...OK, status, body: utf8('x') }), BhttpEncodeError)).toBe('invalid');
      expect(codeOf(() => encodeResponse({ ...OK, status, trailers: [['x', 'y']] }), BhttpEncodeError)).toBe('invalid');
      expect(decodeResponse(rawResponse([], status, new Uint8Array(0))).status).toBe(status);
    }
    // Other statuses may carry content.
    expect(decodeResponse(rawResponse([], 200, utf8('body'))).body).toEqual(utf8('body'));
  });
});

describe('parseCheckpoint on its own: no control characters (c2sp.org/signed-note §Format)', () => {
  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';

  it('NUL, ESC, TAB, CR or DEL in the origin or an extension line: checkpoint', () => {
    for (const c of ['\u0000', '\u001b', '\t', '\r', '\u007f']) {
      expect(codeOf(() => parseCheckpoint(`example.com/log${c}\n1\n${root}\n`), NoteError)).toBe('checkpoint');
      expect(codeOf(() => parseCheckpoint(`example.com/log\n1\n${root}\next${c}\n`), NoteError)).toBe('checkpoint');
    }
    expect(codeOf(() => parseCheckpoint(`example.com/log\ud800\n1\n${root}\n`), NoteError)).toBe('checkpoint');
  });

  it('a clean checkpoint parses, and formatCheckpoint refuses to write a control character', () => {
    expect(parseCheckpoint(`example.com/log\n1\n${root}\n`).origin).toBe('example.com/log');
    const cp = parseCheckpoint(`example.com/log\n1\n${root}\n`);
    expect(() => formatCheckpoint({ ...cp, origin: 'a\u0000b' })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...cp, extensions: ['x\u001b'] })).toThrow(RangeError);
  });
});

describe('pph ohttp decapsulate: --secret-key must match the key configuration', () => {
  const rng = ChaChaRng.fromSeed('leniency-ohttp');
  const gateway = generateGatewayKey(1, rng.fork('gw'));
  const other = generateGatewayKey(1, rng.fork('other'));
  const { encapsulated } = encapsulateRequest(gateway.config, encodeRequest(GET), rng.fork('client'));

  async function run(secret: Uint8Array) {
    const io = memoryIo();
    const code = await ohttpCommand.run(['decapsulate', '--secret-key', toHex(secret), '--key-config', toHex(encodeKeyConfig(gateway.config)), '--request', toHex(encapsulated)], io);
    return { code, err: io.stderr.join('\n'), out: io.stdout };
  }

  it('the matching key opens the request (exit 0)', async () => {
    expect((await run(gateway.secretKey)).code).toBe(0);
  });

  it("another key pair's secret: exit 2, a UsageError, before any decryption", async () => {
    const r = await run(other.secretKey);
    expect(r.code).toBe(2);
    expect(r.err).toContain('UsageError');
    expect(r.out).toEqual([]);
  });
});
