/**
 * Properties of Privacy Pass tokens (protocol/tokens/), fast-check with fixed seeds:
 * - every parser is total on arbitrary and mutated input: it returns, or throws TokenFormatError;
 * - what parses re-encodes to the same bytes (encodings are canonical);
 * - issue → finalize → verify succeeds for random challenges, through the wire encodings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenFormatError } from '../../protocol/errors.js';
import { parseWwwAuthenticate, privateTokenChallenge, serializeWwwAuthenticate } from '../../protocol/tokens/auth-header.js';
import { decodeBase64url, encodeBase64url } from '../../protocol/tokens/base64url.js';
import { encodeTokenChallenge, parseTokenChallenge, type TokenChallenge } from '../../protocol/tokens/challenge.js';
import { encodeRsaPssSpki, parseRsaPssSpki } from '../../protocol/tokens/rsa-pss-spki.js';
import { assertTokenChallenge, encodeToken, parseToken } from '../../protocol/tokens/token.js';
import { encodeTokenRequest, parseTokenRequest } from '../../protocol/tokens/token-request.js';
import { encodeTokenResponse, parseTokenResponse, type BlindRsaTokenResponse, type VoprfTokenResponse } from '../../protocol/tokens/token-response.js';
import { TOKEN_TYPE_BLIND_RSA, TOKEN_TYPE_VOPRF, type TokenType } from '../../protocol/tokens/token-type.js';
import * as type1 from '../../protocol/tokens/type1-voprf.js';
import * as type2 from '../../protocol/tokens/type2-blindrsa.js';
import { ChaChaRng } from '../../sim/rng.js';

const SEED = 9578;
const FUZZ_RUNS = 10_000;

const voprfKey = type1.generateIssuerKey(ChaChaRng.fromSeed('properties-voprf'));
const voprfOtherKey = type1.generateIssuerKey(ChaChaRng.fromSeed('properties-voprf-other'));
const rsaKey = type2.deriveIssuerKey(ChaChaRng.fromSeed('properties-rsa'));

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const nameArb = fc.string({ unit: fc.constantFrom(...PRINTABLE.filter((c) => c !== ',')), minLength: 1, maxLength: 40 });

function challengeArb(tokenType: TokenType): fc.Arbitrary<TokenChallenge> {
  return fc.record({
    tokenType: fc.constant(tokenType),
    issuerName: nameArb,
    redemptionContext: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 32, maxLength: 32 })),
    originInfo: fc.array(nameArb, { maxLength: 4 }),
  });
}

type Edit = { at: number; op: 'flip' | 'set' | 'delete' | 'insert' | 'truncate'; byte: number };

function applyEdits(sample: Uint8Array, edits: readonly Edit[]): Uint8Array {
  const bytes = Array.from(sample);
  for (const { at, op, byte } of edits) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (op === 'flip' && bytes.length > 0) bytes[i] = bytes[i]! ^ (1 << (byte % 8));
    if (op === 'set' && bytes.length > 0) bytes[i] = byte;
    if (op === 'delete') bytes.splice(i, 1);
    if (op === 'insert') bytes.splice(at % (bytes.length + 1), 0, byte);
    if (op === 'truncate') bytes.length = i;
  }
  return Uint8Array.from(bytes);
}

/** Arbitrary bytes, or a valid sample with a few edits (to reach past the first length check). */
function fuzzBytes(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate'), byte: fc.integer({ min: 0, max: 255 }) }) as fc.Arbitrary<Edit>;
  const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(edit, { maxLength: 4 })).map(([s, edits]) => applyEdits(s, edits));
  return fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated);
}

/** Parses `bytes`; a result must re-encode to the input, a failure must be a TokenFormatError. */
function totalAndCanonical<T>(bytes: Uint8Array, parse: (b: Uint8Array) => T, encode: (v: T) => Uint8Array): void {
  let value: T;
  try {
    value = parse(bytes);
  } catch (e) {
    if (!(e instanceof TokenFormatError)) throw e;
    return;
  }
  expect(Buffer.from(encode(value)).equals(Buffer.from(bytes))).toBe(true);
}

// Valid samples for the mutation fuzzers.
const sampleChallenges = [
  encodeTokenChallenge({ tokenType: 1, issuerName: 'issuer.example', redemptionContext: new Uint8Array(32), originInfo: ['a.example', 'b.example'] }),
  encodeTokenChallenge({ tokenType: 2, issuerName: 'i', redemptionContext: new Uint8Array(0), originInfo: [] }),
];
const flow1 = (() => {
  const { request, state } = type1.createTokenRequest(sampleChallenges[0]!, voprfKey.publicKey, ChaChaRng.fromSeed('sample-1'));
  const response = type1.issue(request, voprfKey, ChaChaRng.fromSeed('sample-1-issuer'));
  return { request, response, token: type1.finalize(response, state) };
})();
const flow2 = (() => {
  const { request, state } = type2.createTokenRequest(sampleChallenges[1]!, rsaKey.publicKey, ChaChaRng.fromSeed('sample-2'));
  const response = type2.issue(request, rsaKey);
  return { request, response, token: type2.finalize(response, state) };
})();

describe('parsers are total (only TokenFormatError) and canonical', () => {
  it(`TokenChallenge (${FUZZ_RUNS} runs)`, () => {
    fc.assert(fc.property(fuzzBytes(sampleChallenges), (b) => totalAndCanonical(b, parseTokenChallenge, encodeTokenChallenge)), { numRuns: FUZZ_RUNS, seed: SEED });
  });

  it(`Token (${FUZZ_RUNS} runs)`, () => {
    fc.assert(fc.property(fuzzBytes([encodeToken(flow1.token), encodeToken(flow2.token)]), (b) => totalAndCanonical(b, parseToken, encodeToken)), { numRuns: FUZZ_RUNS, seed: SEED + 1 });
  });

  it(`TokenRequest (${FUZZ_RUNS} runs)`, () => {
    const samples = [encodeTokenRequest(flow1.request), encodeTokenRequest(flow2.request)];
    fc.assert(fc.property(fuzzBytes(samples), (b) => totalAndCanonical(b, parseTokenRequest, encodeTokenRequest)), { numRuns: FUZZ_RUNS, seed: SEED + 2 });
  });

  it(`TokenResponse, both types (${FUZZ_RUNS} runs each)`, () => {
    const samples = [encodeTokenResponse(flow1.response), encodeTokenResponse(flow2.response)];
    for (const [i, tokenType] of ([TOKEN_TYPE_VOPRF, TOKEN_TYPE_BLIND_RSA] as const).entries()) {
      fc.assert(
        fc.property(fuzzBytes(samples), (b) => totalAndCanonical(b, (x) => parseTokenResponse(x, tokenType), encodeTokenResponse)),
        { numRuns: FUZZ_RUNS, seed: SEED + 3 + i },
      );
    }
  });

  it(`RSASSA-PSS SPKI (${FUZZ_RUNS} runs)`, () => {
    fc.assert(
      fc.property(fuzzBytes([rsaKey.publicKey.spki]), (b) => totalAndCanonical(b, parseRsaPssSpki, ({ n, e }) => encodeRsaPssSpki(n, e))),
      { numRuns: FUZZ_RUNS, seed: SEED + 5 },
    );
  });

  it(`base64url (${FUZZ_RUNS} runs)`, () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'AQIJw-_=+/ '), maxLength: 12 }));
    fc.assert(
      fc.property(text, (s) => {
        try {
          const bytes = decodeBase64url(s, 'fuzz');
          expect(encodeBase64url(bytes).replace(/=+$/, '')).toBe(s.replace(/=+$/, ''));
        } catch (e) {
          if (!(e instanceof TokenFormatError)) throw e;
        }
      }),
      { numRuns: FUZZ_RUNS, seed: SEED + 6 },
    );
  });

  it(`WWW-Authenticate (${FUZZ_RUNS} runs): total, and re-parsing the serialisation gives the same challenges`, () => {
    const good = serializeWwwAuthenticate([
      privateTokenChallenge({ challenge: sampleChallenges[1]!, tokenKey: rsaKey.publicKey.spki, maxAge: 10 }),
      privateTokenChallenge({ challenge: sampleChallenges[0]!, tokenKey: voprfKey.publicKey }),
    ]);
    const fragments = ['PrivateToken', 'Basic', ' ', ' ', ',', ', ', '=', '"', '\\', '\t', 'challenge', 'token-key', 'max-age', '10', 'abc==', encodeBase64url(sampleChallenges[0]!)];
    const header = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.constantFrom(...fragments), { maxLength: 16 }).map((parts) => parts.join('')),
      fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...fragments)).map(([a, b, f]) => good.slice(0, a % good.length) + f + good.slice(b % good.length)),
    );
    const view = (h: string) => parseWwwAuthenticate(h).map((c) => [Buffer.from(c.challenge).toString('hex'), c.tokenKey && Buffer.from(c.tokenKey).toString('hex'), c.maxAge]);
    fc.assert(
      fc.property(header, (h) => {
        let parsed;
        try {
          parsed = parseWwwAuthenticate(h);
        } catch (e) {
          if (!(e instanceof TokenFormatError)) throw e;
          return;
        }
        expect(view(serializeWwwAuthenticate(parsed))).toEqual(view(h));
      }),
      { numRuns: FUZZ_RUNS, seed: SEED + 7 },
    );
  });
});

describe('issue → finalize → verify round trips through the wire encodings', () => {
  it('TokenChallenge: encode then parse gives the challenge back', () => {
    fc.assert(
      fc.property(fc.oneof(challengeArb(TOKEN_TYPE_VOPRF), challengeArb(TOKEN_TYPE_BLIND_RSA)), (c) => {
        expect(parseTokenChallenge(encodeTokenChallenge(c))).toEqual({ ...c, originInfo: [...c.originInfo] });
      }),
      { numRuns: 1_000, seed: SEED + 8 },
    );
  });

  it('type 0x0001 (VOPRF), 50 random challenges', () => {
    fc.assert(
      fc.property(challengeArb(TOKEN_TYPE_VOPRF), fc.integer(), (challenge, seed) => {
        const rng = ChaChaRng.fromSeed(seed);
        const encodedChallenge = encodeTokenChallenge(challenge);
        const { request, state } = type1.createTokenRequest(encodedChallenge, voprfKey.publicKey, rng.fork('client'));
        const response = type1.issue(parseTokenRequest(encodeTokenRequest(request)), voprfKey, rng.fork('issuer'));
        const wireResponse = parseTokenResponse(encodeTokenResponse(response), TOKEN_TYPE_VOPRF) as VoprfTokenResponse;
        const token = parseToken(encodeToken(type1.finalize(wireResponse, state)));
        expect(type1.verifyToken(token, voprfKey)).toBe(true);
        expect(type1.verifyToken(token, voprfOtherKey)).toBe(false);
        assertTokenChallenge(token, encodedChallenge);
      }),
      { numRuns: 50, seed: SEED + 9 },
    );
  });

  it('type 0x0002 (blind RSA), 50 random challenges', () => {
    fc.assert(
      fc.property(challengeArb(TOKEN_TYPE_BLIND_RSA), fc.integer(), (challenge, seed) => {
        const encodedChallenge = encodeTokenChallenge(challenge);
        const { request, state } = type2.createTokenRequest(encodedChallenge, rsaKey.publicKey.spki, ChaChaRng.fromSeed(seed));
        const response = type2.issue(parseTokenRequest(encodeTokenRequest(request)), rsaKey);
        const wireResponse = parseTokenResponse(encodeTokenResponse(response), TOKEN_TYPE_BLIND_RSA) as BlindRsaTokenResponse;
        const token = parseToken(encodeToken(type2.finalize(wireResponse, state)));
        expect(type2.verifyToken(token, type2.importIssuerPublicKey(rsaKey.publicKey.spki))).toBe(true);
        assertTokenChallenge(token, encodedChallenge);
      }),
      { numRuns: 50, seed: SEED + 10 },
    );
  });
});
