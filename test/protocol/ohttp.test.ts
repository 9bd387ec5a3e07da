/**
 * OHTTP (protocol/ohttp.ts) negative tests and properties: every truncation, every header field,
 * bit flips, wrong keys; parsers total on arbitrary bytes; round trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import {
  OhttpDecapsulationError,
  OhttpEncapsulationError,
  OhttpKeyConfigError,
  OhttpResponseError,
  PphError,
} from '../../protocol/errors.js';
import {
  decapsulateRequest,
  deriveGatewayKey,
  encapsulateRequest,
  encodeKeyConfig,
  encodeKeyConfigList,
  generateGatewayKey,
  parseKeyConfig,
  parseKeyConfigList,
  readKeyConfigList,
  type KeyConfig,
} from '../../protocol/ohttp.js';
import { ChaChaRng } from '../../sim/rng.js';
import { errorCodeOf } from '../helpers/error-code.js';

type ErrorClass = new (...args: never[]) => PphError;

// A wrong error class propagates and fails the test; no error at all gives a value no code equals.
const codeOf = (f: () => unknown, cls: Parameters<typeof errorCodeOf>[0]): string => errorCodeOf(cls, f, '(nothing thrown)');

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[at] = value;
  return out;
}

const rng = ChaChaRng.fromSeed('ohttp-negative');
const gateway = generateGatewayKey(7, rng.fork('gateway'));
const requestBody = utf8('binary http request');
const responseBody = utf8('binary http response');
const { encapsulated, context: client } = encapsulateRequest(gateway.config, requestBody, rng.fork('client'));
const opened = decapsulateRequest(gateway, encapsulated);
const encapsulatedResponse = opened.context.encapsulateResponse(responseBody, rng.fork('response'));
/** hdr 7 ‖ enc 32 ‖ tag 16: the shortest request that reaches the AEAD. */
const REQUEST_MIN = 7 + 32 + 16;
/** nonce 16 ‖ tag 16. */
const RESPONSE_MIN = 16 + 16;

describe('OHTTP request decapsulation rejects', () => {
  it('nothing valid (baseline): the request opens and the response round-trips', () => {
    expect(toHex(opened.request)).toBe(toHex(requestBody));
    expect(toHex(client.decapsulateResponse(encapsulatedResponse))).toBe(toHex(responseBody));
  });

  it('every truncation: truncated below header+enc+tag, open above', () => {
    for (let n = 0; n < encapsulated.length; n++) {
      const code = codeOf(() => decapsulateRequest(gateway, encapsulated.subarray(0, n)), OhttpDecapsulationError);
      expect([n, code]).toEqual([n, n < REQUEST_MIN ? 'truncated' : 'open']);
    }
  });

  it('an extra byte appended: open', () => {
    expect(codeOf(() => decapsulateRequest(gateway, concat(encapsulated, Uint8Array.of(0))), OhttpDecapsulationError)).toBe('open');
  });

  it('a changed key id: key-id', () => {
    for (const id of [0, 6, 8, 255]) expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 0, id)), OhttpDecapsulationError)).toBe('key-id');
  });

  it('a changed KEM id: suite', () => {
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 2, 0x10)), OhttpDecapsulationError)).toBe('suite');
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 1, 0x01)), OhttpDecapsulationError)).toBe('suite');
  });

  it('a changed KDF id: suite', () => {
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 4, 0x02)), OhttpDecapsulationError)).toBe('suite');
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 3, 0x01)), OhttpDecapsulationError)).toBe('suite');
  });

  it('a changed AEAD id: suite when not offered, open when offered (the header is bound in info)', () => {
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 6, 0x02)), OhttpDecapsulationError)).toBe('suite');
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 5, 0x01)), OhttpDecapsulationError)).toBe('suite');
    // ChaCha20Poly1305 (0x0003) is offered by the gateway's configuration.
    expect(codeOf(() => decapsulateRequest(gateway, withByte(encapsulated, 6, 0x03)), OhttpDecapsulationError)).toBe('open');
  });

  it('a suite the configuration does not offer, even one pph supports: suite', () => {
    const aesOnly = deriveGatewayKey(7, gateway.secretKey.slice().fill(1), [{ kdfId: 1, aeadId: 1 }]);
    const chacha = encapsulateRequest({ ...aesOnly.config, symmetricAlgorithms: [{ kdfId: 1, aeadId: 3 }] }, requestBody, rng);
    expect(codeOf(() => decapsulateRequest(aesOnly, chacha.encapsulated), OhttpDecapsulationError)).toBe('suite');
  });

  it('every bit flip in enc and ciphertext: open', () => {
    for (let bit = 7 * 8; bit < encapsulated.length * 8; bit++) {
      expect(codeOf(() => decapsulateRequest(gateway, flipBit(encapsulated, bit)), OhttpDecapsulationError)).toBe('open');
    }
  });

  it('every bit flip in the header: key-id, suite or open, never success', () => {
    for (let bit = 0; bit < 7 * 8; bit++) {
      const code = codeOf(() => decapsulateRequest(gateway, flipBit(encapsulated, bit)), OhttpDecapsulationError);
      expect(['key-id', 'suite', 'open']).toContain(code);
    }
  });

  it('a low-order enc: open', () => {
    const lowOrder = concat(encapsulated.subarray(0, 7), new Uint8Array(32), encapsulated.subarray(39));
    expect(codeOf(() => decapsulateRequest(gateway, lowOrder), OhttpDecapsulationError)).toBe('open');
  });

  it('the wrong gateway key (same id and suites, other secret): open', () => {
    const other = generateGatewayKey(7, rng.fork('other-gateway'));
    expect(codeOf(() => decapsulateRequest(other, encapsulated), OhttpDecapsulationError)).toBe('open');
  });

  it('no keys at all: key-id; with several keys it picks the one named by the header', () => {
    expect(codeOf(() => decapsulateRequest([], encapsulated), OhttpDecapsulationError)).toBe('key-id');
    const others = [generateGatewayKey(1, rng.fork('k1')), generateGatewayKey(2, rng.fork('k2'))];
    expect(toHex(decapsulateRequest([...others, gateway], encapsulated).request)).toBe(toHex(requestBody));
  });
});

describe('OHTTP response decapsulation rejects', () => {
  it('every truncation: truncated below nonce+tag, open above', () => {
    for (let n = 0; n < encapsulatedResponse.length; n++) {
      const code = codeOf(() => client.decapsulateResponse(encapsulatedResponse.subarray(0, n)), OhttpResponseError);
      expect([n, code]).toEqual([n, n < RESPONSE_MIN ? 'truncated' : 'open']);
    }
  });

  it('every bit flip (nonce and ciphertext): open', () => {
    for (let bit = 0; bit < encapsulatedResponse.length * 8; bit++) {
      expect(codeOf(() => client.decapsulateResponse(flipBit(encapsulatedResponse, bit)), OhttpResponseError)).toBe('open');
    }
  });

  it('a response to another request of the same client and gateway: open', () => {
    const second = encapsulateRequest(gateway.config, requestBody, rng.fork('client-2'));
    const forSecond = decapsulateRequest(gateway, second.encapsulated).context.encapsulateResponse(responseBody, rng);
    expect(codeOf(() => client.decapsulateResponse(forSecond), OhttpResponseError)).toBe('open');
    expect(toHex(second.context.decapsulateResponse(forSecond))).toBe(toHex(responseBody));
  });
});

describe('OHTTP key configurations', () => {
  const config = gateway.config;
  const bytes = encodeKeyConfig(config);

  it('round-trip, alone and in a list', () => {
    expect(parseKeyConfig(bytes)).toEqual(config);
    const other = generateGatewayKey(9, rng.fork('k9'), [{ kdfId: 1, aeadId: 3 }]).config;
    expect(parseKeyConfigList(encodeKeyConfigList([config, other]))).toEqual([config, other]);
    expect(parseKeyConfigList(new Uint8Array(0))).toEqual([]);
  });

  it('every truncation: truncated; a trailing byte: trailing', () => {
    for (let n = 0; n < bytes.length; n++) expect(codeOf(() => parseKeyConfig(bytes.subarray(0, n)), OhttpKeyConfigError)).toBe('truncated');
    expect(codeOf(() => parseKeyConfig(concat(bytes, Uint8Array.of(0))), OhttpKeyConfigError)).toBe('trailing');
  });

  it('an unknown KEM: suite; a symmetric length that is zero or not a multiple of 4: invalid', () => {
    expect(codeOf(() => parseKeyConfig(withByte(bytes, 2, 0x99)), OhttpKeyConfigError)).toBe('suite');
    const symAt = 1 + 2 + 32;
    expect(codeOf(() => parseKeyConfig(concat(bytes.subarray(0, symAt), Uint8Array.of(0, 0))), OhttpKeyConfigError)).toBe('invalid');
    expect(codeOf(() => parseKeyConfig(withByte(bytes, symAt + 1, 7)), OhttpKeyConfigError)).toBe('invalid');
  });

  it('a P-256 configuration parses (Npk 65) but cannot be encapsulated to: suite', () => {
    const p256: KeyConfig = { keyId: 3, kemId: 0x0010, publicKey: new Uint8Array(65).fill(4), symmetricAlgorithms: [{ kdfId: 1, aeadId: 1 }] };
    expect(parseKeyConfig(encodeKeyConfig(p256))).toEqual(p256);
    expect(codeOf(() => encapsulateRequest(p256, requestBody, rng), OhttpEncapsulationError)).toBe('suite');
  });

  it('list framing: every truncation is truncated, a short length prefix is trailing or truncated', () => {
    const list = encodeKeyConfigList([config, config]);
    for (let n = 1; n < list.length; n++) {
      if (n === 2 + bytes.length) continue; // a whole first entry is a valid list
      expect(codeOf(() => parseKeyConfigList(list.subarray(0, n)), OhttpKeyConfigError)).toBe('truncated');
    }
    const longer = concat(Uint8Array.of(0, bytes.length + 1), bytes, Uint8Array.of(0));
    expect(codeOf(() => parseKeyConfigList(longer), OhttpKeyConfigError)).toBe('trailing');
    const shorter = concat(Uint8Array.of(0, bytes.length - 4), bytes);
    expect(codeOf(() => parseKeyConfigList(shorter), OhttpKeyConfigError)).toBe('truncated');
  });

  it('encoding validates its input with TypeError/RangeError', () => {
    expect(() => encodeKeyConfig({ ...config, keyId: 256 })).toThrow(RangeError);
    expect(() => encodeKeyConfig({ ...config, publicKey: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => encodeKeyConfig({ ...config, symmetricAlgorithms: [] })).toThrow(RangeError);
    expect(() => encodeKeyConfig({ ...config, kemId: 0x99 })).toThrow(RangeError);
    expect(() => encodeKeyConfig(null as never)).toThrow(TypeError);
  });
});

describe('application/ohttp-keys with a KEM pph does not implement (RFC 9458 §3.2: discard only bad framing)', () => {
  const x25519 = gateway.config;
  const x25519Bytes = encodeKeyConfig(x25519);
  /** A framed configuration of another KEM: key id, KEM id, an Npk-byte key, one (KDF, AEAD) pair. */
  function foreign(keyId: number, kemId: number, npk: number): Uint8Array {
    return concat(Uint8Array.of(keyId, kemId >> 8, kemId & 0xff), new Uint8Array(npk).fill(0x5a), Uint8Array.of(0, 4, 0, 1, 0, 1));
  }
  const framed = (c: Uint8Array) => concat(Uint8Array.of(c.length >> 8, c.length & 0xff), c);
  const mlkem = foreign(7, 0x0041, 1184); // ML-KEM-768, Npk 1184
  const xwing = foreign(8, 0x647a, 1216); // X-Wing, Npk 1216

  it('skips ML-KEM-768 and X-Wing configurations next to an X25519 one, in any order, and keeps the X25519 one', () => {
    for (const list of [concat(framed(mlkem), framed(x25519Bytes)), concat(framed(x25519Bytes), framed(xwing)), concat(framed(mlkem), framed(x25519Bytes), framed(xwing))]) {
      expect(parseKeyConfigList(list)).toEqual([x25519]);
    }
    const { configs, skipped } = readKeyConfigList(concat(framed(mlkem), framed(x25519Bytes), framed(xwing)));
    expect(configs).toEqual([x25519]);
    expect(skipped).toEqual([
      { keyId: 7, kemId: 0x0041, length: mlkem.length },
      { keyId: 8, kemId: 0x647a, length: xwing.length },
    ]);
  });

  it('a list of unknown KEMs only is well framed: no configuration, nothing thrown', () => {
    expect(parseKeyConfigList(framed(mlkem))).toEqual([]);
  });

  it('still fails on framing: a truncated unknown configuration, a prefix shorter than key id + KEM id', () => {
    const list = concat(framed(mlkem), framed(x25519Bytes));
    expect(codeOf(() => parseKeyConfigList(list.subarray(0, 2 + mlkem.length - 1)), OhttpKeyConfigError)).toBe('truncated');
    expect(codeOf(() => parseKeyConfigList(concat(Uint8Array.of(0, 2, 7, 0), framed(x25519Bytes))), OhttpKeyConfigError)).toBe('truncated');
    expect(codeOf(() => parseKeyConfigList(concat(framed(mlkem), Uint8Array.of(0))), OhttpKeyConfigError)).toBe('truncated');
  });

  it('a known KEM that is malformed inside its prefix still fails the list', () => {
    const badX25519 = concat(x25519Bytes.subarray(0, 35), Uint8Array.of(0, 0));
    expect(codeOf(() => parseKeyConfigList(concat(framed(mlkem), framed(badX25519))), OhttpKeyConfigError)).toBe('invalid');
  });

  it('parseKeyConfig on one unknown-KEM configuration stays suite (it has no length prefix to skip by)', () => {
    expect(codeOf(() => parseKeyConfig(mlkem), OhttpKeyConfigError)).toBe('suite');
  });
});

describe('OHTTP request encapsulation', () => {
  it('refuses a configuration with no supported suite, or a requested suite it does not offer: suite', () => {
    const unsupported = { ...gateway.config, symmetricAlgorithms: [{ kdfId: 2, aeadId: 1 }, { kdfId: 1, aeadId: 2 }] };
    expect(codeOf(() => encapsulateRequest(unsupported, requestBody, rng), OhttpEncapsulationError)).toBe('suite');
    const aesOnly = { ...gateway.config, symmetricAlgorithms: [{ kdfId: 1, aeadId: 1 }] };
    expect(codeOf(() => encapsulateRequest(aesOnly, requestBody, rng, { symmetric: { kdfId: 1, aeadId: 3 } }), OhttpEncapsulationError)).toBe('suite');
  });

  it('refuses a low-order public key: key', () => {
    expect(codeOf(() => encapsulateRequest({ ...gateway.config, publicKey: new Uint8Array(32) }, requestBody, rng), OhttpEncapsulationError)).toBe('key');
  });

  it('uses the first supported suite by default and the requested one otherwise', () => {
    const first = encapsulateRequest(gateway.config, requestBody, rng);
    expect(toHex(first.encapsulated.subarray(0, 7))).toBe('07002000010001');
    const chacha = encapsulateRequest(gateway.config, requestBody, rng, { symmetric: { kdfId: 1, aeadId: 3 } });
    expect(toHex(chacha.encapsulated.subarray(0, 7))).toBe('07002000010003');
    const { request, context } = decapsulateRequest(gateway, chacha.encapsulated);
    expect(toHex(request)).toBe(toHex(requestBody));
    // ChaCha20Poly1305: max(Nn, Nk) = 32-byte response nonce.
    const response = context.encapsulateResponse(responseBody, rng);
    expect(response.length).toBe(32 + responseBody.length + 16);
    expect(toHex(chacha.context.decapsulateResponse(response))).toBe(toHex(responseBody));
  });

  it('is a pure function of the Rng: same seed, same bytes', () => {
    const a = encapsulateRequest(gateway.config, requestBody, ChaChaRng.fromSeed(11));
    const b = encapsulateRequest(gateway.config, requestBody, ChaChaRng.fromSeed(11));
    expect(toHex(a.encapsulated)).toBe(toHex(b.encapsulated));
    const ra = decapsulateRequest(gateway, a.encapsulated).context.encapsulateResponse(responseBody, ChaChaRng.fromSeed(12));
    const rb = decapsulateRequest(gateway, b.encapsulated).context.encapsulateResponse(responseBody, ChaChaRng.fromSeed(12));
    expect(toHex(ra)).toBe(toHex(rb));
  });

  it('validates test-only injections by length', () => {
    expect(() => encapsulateRequest(gateway.config, requestBody, { testingOnlySkE: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => opened.context.encapsulateResponse(responseBody, { testingOnlyResponseNonce: new Uint8Array(12) })).toThrow(RangeError);
  });
});

describe('OHTTP properties (fast-check, fixed seeds)', () => {
  const SEED = 9458;
  const header = encapsulated.subarray(0, 7);

  /** Arbitrary bytes, plus bytes behind a valid header and mutated valid requests, so every branch is hit. */
  const requestLike = fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.uint8Array({ maxLength: 120 }).map((tail) => concat(header, tail)),
    fc
      .tuple(fc.nat({ max: encapsulated.length }), fc.array(fc.nat({ max: encapsulated.length * 8 - 1 }), { maxLength: 3 }))
      .map(([cut, bits]) => bits.reduce((b, bit) => flipBit(b, bit), encapsulated).subarray(0, cut)),
  );

  function onlyTyped(f: () => unknown, cls: ErrorClass): boolean {
    try {
      f();
    } catch (e) {
      if (e instanceof cls) return true;
      throw e;
    }
    return true;
  }

  it('decapsulateRequest on arbitrary bytes throws only OhttpDecapsulationError (10,000 runs)', () => {
    const codes = new Set<string>();
    fc.assert(
      fc.property(requestLike, (bytes) => {
        try {
          decapsulateRequest(gateway, bytes);
        } catch (e) {
          if (!(e instanceof OhttpDecapsulationError)) throw e;
          codes.add(e.code);
        }
      }),
      { numRuns: 10_000, seed: SEED },
    );
    expect([...codes].sort()).toEqual(['key-id', 'open', 'suite', 'truncated']);
  });

  it('parseKeyConfig and parseKeyConfigList on arbitrary bytes throw only OhttpKeyConfigError (10,000 runs each)', () => {
    const configBytes = encodeKeyConfig(gateway.config);
    const configLike = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.tuple(fc.nat({ max: configBytes.length + 1 }), fc.nat({ max: configBytes.length - 1 }), fc.nat({ max: 255 })).map(([cut, at, v]) => withByte(configBytes, at, v).subarray(0, cut)),
    );
    fc.assert(fc.property(configLike, (b) => onlyTyped(() => parseKeyConfig(b), OhttpKeyConfigError)), { numRuns: 10_000, seed: SEED });
    const list = encodeKeyConfigList([gateway.config, gateway.config]);
    const listLike = fc.oneof(
      fc.uint8Array({ maxLength: 160 }),
      fc.tuple(fc.nat({ max: list.length }), fc.nat({ max: list.length - 1 }), fc.nat({ max: 255 })).map(([cut, at, v]) => withByte(list, at, v).subarray(0, cut)),
    );
    fc.assert(fc.property(listLike, (b) => onlyTyped(() => parseKeyConfigList(b), OhttpKeyConfigError)), { numRuns: 10_000, seed: SEED });
  });

  it('decapsulateResponse on arbitrary bytes throws only OhttpResponseError (10,000 runs)', () => {
    const responseLike = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.tuple(fc.nat({ max: encapsulatedResponse.length }), fc.nat({ max: encapsulatedResponse.length * 8 - 1 })).map(([cut, bit]) => flipBit(encapsulatedResponse, bit).subarray(0, cut)),
    );
    fc.assert(fc.property(responseLike, (b) => onlyTyped(() => client.decapsulateResponse(b), OhttpResponseError)), { numRuns: 10_000, seed: SEED });
  });

  it('encapsulate → decapsulate → respond → open round-trips for any request, response and seed (300 runs)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(1, 3),
        fc.nat(),
        (request, response, keyId, aeadId, seed) => {
          const world = ChaChaRng.fromSeed(seed);
          const key = generateGatewayKey(keyId, world.fork('gateway'));
          const sent = encapsulateRequest(key.config, request, world.fork('client'), { symmetric: { kdfId: 1, aeadId } });
          const got = decapsulateRequest(key, sent.encapsulated);
          expect(toHex(got.request)).toBe(toHex(request));
          const back = sent.context.decapsulateResponse(got.context.encapsulateResponse(response, world.fork('nonce')));
          expect(toHex(back)).toBe(toHex(response));
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });
});
