/**
 * Negative and unit tests for Privacy Pass tokens (protocol/tokens/): every field of a token
 * tampered, wrong keys, bad DLEQ proofs and blind signatures, truncated and malformed encodings,
 * malformed headers and SPKIs, and deterministic RSA key generation.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { TokenError, TokenFormatError } from '../../protocol/errors.js';
import { parseWwwAuthenticate, privateTokenChallenge, serializeWwwAuthenticate } from '../../protocol/tokens/auth-header.js';
import { decodeBase64url, encodeBase64url } from '../../protocol/tokens/base64url.js';
import { BlindRsaError, blindSign, finalize as finalizeBlindRsa, RSABSSA_SHA384_PSS_DETERMINISTIC } from '../../protocol/tokens/blind-rsa.js';
import { encodeTokenChallenge, parseTokenChallenge, type TokenChallenge } from '../../protocol/tokens/challenge.js';
import { deriveRsaKeyPair, isProbablePrime } from '../../protocol/tokens/rsa-keygen.js';
import { exportRsaPrivateKeyPkcs8, importRsaPrivateKey } from '../../protocol/tokens/rsa-keys.js';
import { encodeRsaPssSpki, parseRsaPssSpki } from '../../protocol/tokens/rsa-pss-spki.js';
import { assertTokenChallenge, encodeToken, parseToken, type Token } from '../../protocol/tokens/token.js';
import { encodeTokenRequest, parseTokenRequest } from '../../protocol/tokens/token-request.js';
import { encodeTokenResponse, parseTokenResponse, type VoprfTokenResponse } from '../../protocol/tokens/token-response.js';
import { TOKEN_TYPE_BLIND_RSA, TOKEN_TYPE_VOPRF } from '../../protocol/tokens/token-type.js';
import * as type1 from '../../protocol/tokens/type1-voprf.js';
import * as type2 from '../../protocol/tokens/type2-blindrsa.js';
import { ChaChaRng } from '../../sim/rng.js';

const NO_CONTEXT = new Uint8Array(0);
const challenge1: TokenChallenge = { tokenType: TOKEN_TYPE_VOPRF, issuerName: 'issuer.example', redemptionContext: new Uint8Array(32).fill(7), originInfo: ['origin.example'] };
const challenge2: TokenChallenge = { ...challenge1, tokenType: TOKEN_TYPE_BLIND_RSA };

/** A 2048-bit issuer key in PKCS#8 built once from a fixed seed (so no vectors are needed here). */
const rsaKeyA = type2.deriveIssuerKey(ChaChaRng.fromSeed('tokens-test-rsa-A'));
const rsaKeyB = type2.deriveIssuerKey(ChaChaRng.fromSeed('tokens-test-rsa-B'));
const voprfKeyA = type1.generateIssuerKey(ChaChaRng.fromSeed('tokens-test-voprf-A'));
const voprfKeyB = type1.generateIssuerKey(ChaChaRng.fromSeed('tokens-test-voprf-B'));

function type1Token(seed: string): { token: Token; response: VoprfTokenResponse; state: type1.VoprfClientState } {
  const rng = ChaChaRng.fromSeed(seed);
  const { request, state } = type1.createTokenRequest(challenge1, voprfKeyA.publicKey, rng.fork('client'));
  const response = type1.issue(request, voprfKeyA, rng.fork('issuer'));
  return { token: type1.finalize(response, state), response, state };
}

function type2Token(seed: string): Token {
  const { request, state } = type2.createTokenRequest(challenge2, rsaKeyA.publicKey, ChaChaRng.fromSeed(seed));
  return type2.finalize(type2.issue(request, rsaKeyA), state);
}

function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  out[index]! ^= 1 << bit;
  return out;
}

/** Runs `f` and returns what it threw (failing the test when it does not throw). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function expectCode(f: () => unknown, errorClass: typeof TokenError | typeof TokenFormatError | typeof BlindRsaError, code: string): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(errorClass);
  expect((e as TokenError).code).toBe(code);
}

/** The token's fields, with the byte range each occupies in the encoding. */
const FIELDS = [
  { name: 'nonce', key: 'nonce', code: 'verify' },
  { name: 'challenge_digest', key: 'challengeDigest', code: 'verify' },
  { name: 'token_key_id', key: 'tokenKeyId', code: 'key-id' },
  { name: 'authenticator (bit flip)', key: 'authenticator', code: 'verify' },
] as const;

describe('type 0x0001 (VOPRF) token verification', () => {
  const { token } = type1Token('t1');

  it('accepts the untampered token (the baseline the tamper tests depend on)', () => {
    expect(type1.verifyToken(token, voprfKeyA)).toBe(true);
    expect(() => type1.checkToken(token, voprfKeyA)).not.toThrow();
  });

  for (const field of FIELDS) {
    it(`rejects a token whose ${field.name} is tampered (TokenError ${field.code})`, () => {
      for (const index of [0, 17, token[field.key].length - 1]) {
        const tampered = { ...token, [field.key]: flipBit(token[field.key], index, index % 8) };
        expectCode(() => type1.checkToken(tampered, voprfKeyA), TokenError, field.code);
        expect(type1.verifyToken(tampered, voprfKeyA)).toBe(false);
      }
    });
  }

  it('rejects a token whose type is changed (TokenError type), and whose encoded type bytes are changed', () => {
    expectCode(() => type1.checkToken({ ...token, tokenType: TOKEN_TYPE_BLIND_RSA }, voprfKeyA), TokenError, 'type');
    const encoded = encodeToken(token);
    encoded[1] = 0x02; // now claims type 2, whose Nk is 256: the parse itself fails
    expectCode(() => parseToken(encoded), TokenFormatError, 'truncated');
    encoded[1] = 0x03;
    expectCode(() => parseToken(encoded), TokenFormatError, 'type');
  });

  it('rejects every single-bit flip anywhere in the encoded token', () => {
    const encoded = encodeToken(token);
    for (let i = 0; i < encoded.length; i++) {
      const flipped = flipBit(encoded, i, i % 8);
      let ok: boolean;
      try {
        ok = type1.verifyToken(parseToken(flipped), voprfKeyA);
      } catch (e) {
        expect(e).toBeInstanceOf(TokenFormatError);
        ok = false;
      }
      expect(ok, `bit flip at byte ${i}`).toBe(false);
    }
  });

  it('rejects a token of key A under key B: by key id, and cryptographically when B claims A\'s key id', () => {
    expectCode(() => type1.checkToken(token, voprfKeyB), TokenError, 'key-id');
    const bWithAsId = { ...voprfKeyB, tokenKeyId: voprfKeyA.tokenKeyId };
    expectCode(() => type1.checkToken(token, bWithAsId), TokenError, 'verify');
  });

  it('binds the challenge: the token answers its own challenge and no other', () => {
    expect(() => assertTokenChallenge(token, encodeTokenChallenge(challenge1))).not.toThrow();
    expectCode(() => assertTokenChallenge(token, encodeTokenChallenge({ ...challenge1, originInfo: ['other.example'] })), TokenError, 'challenge');
  });
});

describe('type 0x0001 (VOPRF) issuance failures', () => {
  it('finalize rejects a tampered DLEQ proof (TokenError proof)', () => {
    const { response, state } = type1Token('t1-proof');
    for (const index of [0, 47, 48, 95]) {
      const bad = { ...response, evaluateProof: flipBit(response.evaluateProof, index) };
      expectCode(() => type1.finalize(bad, state), TokenError, 'proof');
    }
    expectCode(() => type1.finalize({ ...response, evaluateProof: new Uint8Array(96).fill(0xff) }, state), TokenError, 'proof');
  });

  it('finalize rejects an evaluation by another key, even with a valid proof for that key (TokenError proof)', () => {
    const rng = ChaChaRng.fromSeed('t1-other-key');
    const { request, state } = type1.createTokenRequest(challenge1, voprfKeyA.publicKey, rng.fork('client'));
    const forB = { ...request, truncatedTokenKeyId: voprfKeyB.tokenKeyId[31]! };
    const responseFromB = type1.issue(forB, voprfKeyB, rng.fork('issuer'));
    expectCode(() => type1.finalize(responseFromB, state), TokenError, 'proof');
  });

  it('finalize rejects a substituted evaluated element (proof no longer matches) and a non-point (element)', () => {
    const { response, state } = type1Token('t1-element');
    const other = type1Token('t1-element-other').response;
    expectCode(() => type1.finalize({ ...response, evaluateMsg: other.evaluateMsg }, state), TokenError, 'proof');
    expectCode(() => type1.finalize({ ...response, evaluateMsg: new Uint8Array(49) }, state), TokenFormatError, 'element');
    const offCurve = response.evaluateMsg.slice();
    offCurve[0] = 0x04; // not a compressed-point prefix
    expectCode(() => type1.finalize({ ...response, evaluateMsg: offCurve }, state), TokenFormatError, 'element');
  });

  it('issue rejects a wrong token type, a wrong truncated key id and a blinded_msg that is not a point', () => {
    const { request } = type1.createTokenRequest(challenge1, voprfKeyA.publicKey, ChaChaRng.fromSeed('t1-issue'));
    const rng = ChaChaRng.fromSeed('t1-issue-issuer');
    expectCode(() => type1.issue({ ...request, tokenType: TOKEN_TYPE_BLIND_RSA }, voprfKeyA, rng), TokenError, 'type');
    expectCode(() => type1.issue({ ...request, truncatedTokenKeyId: (request.truncatedTokenKeyId + 1) & 0xff }, voprfKeyA, rng), TokenError, 'key-id');
    expectCode(() => type1.issue({ ...request, blindedMsg: new Uint8Array(49) }, voprfKeyA, rng), TokenFormatError, 'element');
    const notOnCurve = new Uint8Array(49).fill(0xff);
    notOnCurve[0] = 0x02;
    expectCode(() => type1.issue({ ...request, blindedMsg: notOnCurve }, voprfKeyA, rng), TokenFormatError, 'element');
  });

  it('createTokenRequest refuses a challenge for another token type and a public key that is not a point', () => {
    const rng = ChaChaRng.fromSeed('t1-create');
    expectCode(() => type1.createTokenRequest(challenge2, voprfKeyA.publicKey, rng), TokenError, 'type');
    expectCode(() => type1.createTokenRequest(challenge1, new Uint8Array(49), rng), TokenFormatError, 'element');
    expect(() => type1.createTokenRequest(challenge1, new Uint8Array(48), rng)).toThrow(RangeError);
  });

  it('derives issuer keys deterministically from the seed, distinct per seed', () => {
    const seed = ChaChaRng.fromSeed('t1-seed').bytes(32);
    expect(toHex(type1.deriveIssuerKey(seed).secretKey)).toBe(toHex(type1.deriveIssuerKey(seed).secretKey));
    expect(toHex(voprfKeyA.publicKey)).not.toBe(toHex(voprfKeyB.publicKey));
    expect(toHex(type1.issuerKeyFromSecret(voprfKeyA.secretKey).publicKey)).toBe(toHex(voprfKeyA.publicKey));
    expect(() => type1.deriveIssuerKey(new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('type 0x0002 (blind RSA) token verification', () => {
  const token = type2Token('t2');

  it('accepts the untampered token (the baseline the tamper tests depend on)', () => {
    expect(type2.verifyToken(token, rsaKeyA.publicKey)).toBe(true);
  });

  for (const field of FIELDS) {
    it(`rejects a token whose ${field.name} is tampered (TokenError ${field.code})`, () => {
      for (const index of [0, 17, token[field.key].length - 1]) {
        const tampered = { ...token, [field.key]: flipBit(token[field.key], index, index % 8) };
        expectCode(() => type2.checkToken(tampered, rsaKeyA.publicKey), TokenError, field.code);
      }
    });
  }

  it('rejects a token whose type is changed', () => {
    expectCode(() => type2.checkToken({ ...token, tokenType: TOKEN_TYPE_VOPRF }, rsaKeyA.publicKey), TokenError, 'type');
  });

  it('rejects every single-bit flip anywhere in the encoded token', () => {
    const encoded = encodeToken(token);
    for (let i = 0; i < encoded.length; i++) {
      let ok: boolean;
      try {
        ok = type2.verifyToken(parseToken(flipBit(encoded, i, i % 8)), rsaKeyA.publicKey);
      } catch (e) {
        expect(e).toBeInstanceOf(TokenFormatError);
        ok = false;
      }
      expect(ok, `bit flip at byte ${i}`).toBe(false);
    }
  });

  it('rejects a token of key A under key B: by key id, and cryptographically when B claims A\'s key id', () => {
    expect(type2.verifyToken(token, rsaKeyB.publicKey)).toBe(false);
    expectCode(() => type2.checkToken(token, { ...rsaKeyB.publicKey, tokenKeyId: rsaKeyA.publicKey.tokenKeyId }), TokenError, 'verify');
  });

  it('rejects an authenticator of the wrong length', () => {
    expectCode(() => type2.checkToken({ ...token, authenticator: token.authenticator.subarray(1) }, rsaKeyA.publicKey), TokenError, 'verify');
  });
});

describe('type 0x0002 (blind RSA) issuance failures', () => {
  it('finalize rejects a tampered blind signature, one from another key, and one not below n (TokenError proof)', () => {
    const { request, state } = type2.createTokenRequest(challenge2, rsaKeyA.publicKey, ChaChaRng.fromSeed('t2-fin'));
    const response = type2.issue(request, rsaKeyA);
    expectCode(() => type2.finalize({ ...response, blindSig: flipBit(response.blindSig, 100) }, state), TokenError, 'proof');
    const fromB = type2.issue({ ...request, truncatedTokenKeyId: rsaKeyB.publicKey.tokenKeyId[31]! }, rsaKeyB);
    expectCode(() => type2.finalize(fromB, state), TokenError, 'proof');
    expectCode(() => type2.finalize({ ...response, blindSig: new Uint8Array(256).fill(0xff) }, state), TokenError, 'proof');
  });

  it('issue rejects a wrong type, a wrong truncated key id, and a blinded_msg not below n', () => {
    const { request } = type2.createTokenRequest(challenge2, rsaKeyA.publicKey, ChaChaRng.fromSeed('t2-issue'));
    expectCode(() => type2.issue({ ...request, tokenType: TOKEN_TYPE_VOPRF }, rsaKeyA), TokenError, 'type');
    expectCode(() => type2.issue({ ...request, truncatedTokenKeyId: (request.truncatedTokenKeyId + 1) & 0xff }, rsaKeyA), TokenError, 'key-id');
    expectCode(() => type2.issue({ ...request, blindedMsg: new Uint8Array(256).fill(0xff) }, rsaKeyA), TokenFormatError, 'blinded-msg');
  });

  it('blind RSA core: wrong-size inputs and a wrong inv are rejected with BlindRsaError', () => {
    expectCode(() => blindSign(rsaKeyA.rsa, new Uint8Array(255)), BlindRsaError, 'input-size');
    expectCode(() => finalizeBlindRsa(RSABSSA_SHA384_PSS_DETERMINISTIC, rsaKeyA.rsa.publicKey, utf8('m'), new Uint8Array(255), 1n), BlindRsaError, 'input-size');
  });

  it('createTokenRequest refuses a challenge for another token type', () => {
    expectCode(() => type2.createTokenRequest(challenge1, rsaKeyA.publicKey, ChaChaRng.fromSeed('x')), TokenError, 'type');
  });
});

describe('RSA key generation (deterministic, Miller-Rabin)', () => {
  it('gives the same key for the same seed and a different key for another seed', () => {
    const a = deriveRsaKeyPair(ChaChaRng.fromSeed('keygen-1'), 1024);
    const b = deriveRsaKeyPair(ChaChaRng.fromSeed('keygen-1'), 1024);
    const c = deriveRsaKeyPair(ChaChaRng.fromSeed('keygen-2'), 1024);
    expect(a.publicKey.n).toBe(b.publicKey.n);
    expect(a.publicKey.n).not.toBe(c.publicKey.n);
    expect(a.publicKey.n.toString(2)).toHaveLength(1024);
    expect(a.publicKey.e).toBe(65537n);
  });

  it('gives exactly 2048-bit issuer keys whose SPKI re-imports', () => {
    expect(rsaKeyA.rsa.publicKey.n.toString(2)).toHaveLength(2048);
    expect(type2.importIssuerPublicKey(rsaKeyA.publicKey.spki).rsa.n).toBe(rsaKeyA.rsa.publicKey.n);
  });

  it('round-trips a derived key through PKCS#8', () => {
    const again = importRsaPrivateKey(exportRsaPrivateKeyPkcs8(rsaKeyA.rsa));
    expect(again.d).toBe(rsaKeyA.rsa.d);
    expect(again.publicKey.n).toBe(rsaKeyA.rsa.publicKey.n);
  });

  it('Miller-Rabin accepts primes and rejects composites, Carmichael numbers included', () => {
    const rng = ChaChaRng.fromSeed('mr');
    for (const prime of [5n, 7919n, 2n ** 127n - 1n, 2n ** 521n - 1n]) expect(isProbablePrime(prime, 20, rng), String(prime)).toBe(true);
    for (const composite of [9n, 561n, 41041n, 825265n, 321197185n, (2n ** 127n - 1n) * (2n ** 61n - 1n)]) {
      expect(isProbablePrime(composite, 20, rng), String(composite)).toBe(false);
    }
  });

  it('validates its arguments', () => {
    expect(() => deriveRsaKeyPair(ChaChaRng.fromSeed(1), 1000)).toThrow(RangeError);
    expect(() => deriveRsaKeyPair(ChaChaRng.fromSeed(1), 256)).toThrow(RangeError);
  });
});

describe('encodings: truncated, trailing and malformed input ⇒ TokenFormatError', () => {
  const t1 = encodeToken(type1Token('enc').token);
  const t2 = encodeToken(type2Token('enc'));
  const { request: r1 } = type1.createTokenRequest(challenge1, voprfKeyA.publicKey, ChaChaRng.fromSeed('enc-r1'));
  const response1 = encodeTokenResponse(type1.issue(r1, voprfKeyA, ChaChaRng.fromSeed('enc-r1-issuer')));
  const cases: Array<{ name: string; bytes: Uint8Array; parse: (b: Uint8Array) => unknown }> = [
    { name: 'Token type 1', bytes: t1, parse: parseToken },
    { name: 'Token type 2', bytes: t2, parse: parseToken },
    { name: 'TokenRequest type 1', bytes: encodeTokenRequest(r1), parse: parseTokenRequest },
    { name: 'TokenResponse type 1', bytes: response1, parse: (b) => parseTokenResponse(b, TOKEN_TYPE_VOPRF) },
    { name: 'TokenResponse type 2', bytes: new Uint8Array(256), parse: (b) => parseTokenResponse(b, TOKEN_TYPE_BLIND_RSA) },
    { name: 'TokenChallenge', bytes: encodeTokenChallenge(challenge1), parse: parseTokenChallenge },
    { name: 'RSASSA-PSS SPKI', bytes: rsaKeyA.publicKey.spki, parse: parseRsaPssSpki },
  ];

  for (const c of cases) {
    it(`${c.name}: every strict prefix is rejected, the whole parses, one extra byte is rejected`, () => {
      expect(() => c.parse(c.bytes)).not.toThrow();
      for (let n = 0; n < c.bytes.length; n++) {
        expect(thrown(() => c.parse(c.bytes.subarray(0, n))), `prefix ${n}`).toBeInstanceOf(TokenFormatError);
      }
      const longer = new Uint8Array(c.bytes.length + 1);
      longer.set(c.bytes);
      expect(thrown(() => c.parse(longer))).toBeInstanceOf(TokenFormatError);
    });
  }

  it('Token and TokenRequest: unknown token types are rejected (type)', () => {
    expectCode(() => parseToken(fromHex('0003' + '00'.repeat(96 + 48))), TokenFormatError, 'type');
    expectCode(() => parseTokenRequest(fromHex('beef00' + '00'.repeat(49))), TokenFormatError, 'type');
  });

  it('TokenChallenge: bad redemption context length, empty issuer, non-ASCII, empty origin name', () => {
    expectCode(() => parseTokenChallenge(fromHex('0001' + '0001' + '61' + '05' + '0102030405' + '0000')), TokenFormatError, 'redemption-context');
    expectCode(() => parseTokenChallenge(fromHex('0001' + '0000' + '00' + '0000')), TokenFormatError, 'issuer-name');
    expectCode(() => parseTokenChallenge(fromHex('0001' + '0001' + 'c3' + '00' + '0000')), TokenFormatError, 'ascii');
    expectCode(() => parseTokenChallenge(fromHex('0001' + '0001' + '61' + '00' + '0003' + '612c2c')), TokenFormatError, 'origin-info'); // "a,,"
  });

  it('TokenChallenge encoder validates its fields', () => {
    expect(() => encodeTokenChallenge({ ...challenge1, redemptionContext: new Uint8Array(5) })).toThrow(RangeError);
    expect(() => encodeTokenChallenge({ ...challenge1, issuerName: '' })).toThrow(RangeError);
    expect(() => encodeTokenChallenge({ ...challenge1, originInfo: ['a,b'] })).toThrow(RangeError);
    expect(() => encodeTokenChallenge({ ...challenge1, issuerName: 'é' })).toThrow(RangeError);
    expect(toHex(encodeTokenChallenge({ ...challenge1, redemptionContext: NO_CONTEXT, originInfo: [] }))).toBe('0001000e6973737565722e6578616d706c6500' + '0000');
  });

  it('RSASSA-PSS SPKI: an rsaEncryption SPKI, other PSS parameters, a 1024-bit key and bad DER are rejected', () => {
    // The same key as a plain rsaEncryption SPKI (what node exports for a non-PSS key).
    const rsaEncryption = new Uint8Array(rsaKeyA.rsa.publicKey.keyObject.export({ format: 'der', type: 'spki' }));
    expect(parseRsaPssSpki(rsaKeyA.publicKey.spki).n).toBe(rsaKeyA.rsa.publicKey.n);
    expectCode(() => parseRsaPssSpki(rsaEncryption), TokenFormatError, 'algorithm');
    const otherSalt = rsaKeyA.publicKey.spki.slice();
    // The AlgorithmIdentifier starts after the 4-byte outer header; saltLength is its last byte.
    expect(otherSalt[4 + 62]).toBe(48);
    otherSalt[4 + 62] = 32;
    expectCode(() => parseRsaPssSpki(otherSalt), TokenFormatError, 'algorithm');
    const small = deriveRsaKeyPair(ChaChaRng.fromSeed('small'), 1024).publicKey;
    expectCode(() => type2.importIssuerPublicKey(encodeRsaPssSpki(small.n, small.e)), TokenFormatError, 'key-size');
    const badLength = rsaKeyA.publicKey.spki.slice();
    badLength[1] = 0x80; // indefinite length
    expectCode(() => parseRsaPssSpki(badLength), TokenFormatError, 'der');
  });
});

describe('WWW-Authenticate PrivateToken header', () => {
  const challenge = encodeTokenChallenge(challenge2);
  const good = serializeWwwAuthenticate([privateTokenChallenge({ challenge, tokenKey: rsaKeyA.publicKey.spki, maxAge: 60 })]);

  it('round-trips a built header and skips other schemes', () => {
    const parsed = parseWwwAuthenticate(`Basic realm="x", Bearer abc==, ${good}, Negotiate`);
    expect(parsed).toHaveLength(1);
    expect(toHex(parsed[0]!.challenge)).toBe(toHex(challenge));
    expect(parsed[0]!.maxAge).toBe(60);
    expect(toHex(parsed[0]!.tokenKey!)).toBe(toHex(rsaKeyA.publicKey.spki));
    expect(serializeWwwAuthenticate(parseWwwAuthenticate(good))).toBe(good);
  });

  it('accepts unpadded base64url and unquoted values, without token-key or max-age', () => {
    const unpadded = encodeBase64url(challenge).replace(/=+$/, '');
    const [parsed] = parseWwwAuthenticate(`privatetoken challenge=${unpadded}`);
    expect(toHex(parsed!.challenge)).toBe(toHex(challenge));
    expect(parsed!.tokenKey).toBeUndefined();
    expect(parsed!.maxAge).toBeUndefined();
  });

  const b64 = encodeBase64url(challenge);
  const bad: Array<[string, string, string]> = [
    ['no challenge parameter', 'PrivateToken token-key="AAAA"', 'missing-challenge'],
    ['a repeated parameter', `PrivateToken challenge="${b64}", Challenge="${b64}"`, 'duplicate-param'],
    ['bad base64url', 'PrivateToken challenge="AA*A"', 'base64'],
    ['non-canonical base64url', 'PrivateToken challenge="AB"', 'base64'],
    ['a max-age that is not a number', `PrivateToken challenge="${b64}", max-age="soon"`, 'max-age'],
    ['a max-age out of range', `PrivateToken challenge="${b64}", max-age="99999999999"`, 'max-age'],
    ['an unterminated quoted-string', `PrivateToken challenge="${b64}`, 'header'],
    ['a missing comma between parameters', `PrivateToken challenge="${b64}" max-age="1"`, 'header'],
    ['a challenge that is not a TokenChallenge', `PrivateToken challenge="${encodeBase64url(utf8('nope'))}"`, 'truncated'],
    ['a header beyond the length limit', `PrivateToken challenge="${'A'.repeat(70_000)}"`, 'limit'],
  ];
  for (const [name, header, code] of bad) {
    it(`rejects ${name} (${code})`, () => expectCode(() => parseWwwAuthenticate(header), TokenFormatError, code));
  }

  it('base64url: padding and alphabet are strict', () => {
    expect(toHex(decodeBase64url('AQI=', 'x'))).toBe('0102');
    expect(toHex(decodeBase64url('AQI', 'x'))).toBe('0102');
    for (const text of ['AQI==', 'A', 'AQ+I', 'AQ I', 'AQJ']) expectCode(() => decodeBase64url(text, 'x'), TokenFormatError, 'base64');
  });
});
