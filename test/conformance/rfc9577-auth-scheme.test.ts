/**
 * RFC 9577 App. A: token authenticator inputs from TokenChallenge fields, and the
 * `WWW-Authenticate: PrivateToken` header, parsed and serialised exactly.
 */
import { expect, it } from 'vitest';
import { fromHex, fromUtf8, toHex } from '../../protocol/bytes.js';
import { parseWwwAuthenticate, privateTokenChallenge, serializeWwwAuthenticate } from '../../protocol/tokens/auth-header.js';
import { challengeDigest, encodeTokenChallenge, parseTokenChallenge } from '../../protocol/tokens/challenge.js';
import { authenticatorInput } from '../../protocol/tokens/token.js';
import type { TokenType } from '../../protocol/tokens/token-type.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface TokenVector {
  comment: string;
  token_type: string;
  issuer_name: string;
  redemption_context: string;
  origin_info: string;
  nonce: string;
  token_key_id: string;
  token_authenticator_input: string;
}
type HeaderVector = Record<string, string | number>;

describeVectors('RFC 9577 App. A: token authenticator input', () => {
  const vectors = readVectorJson<TokenVector[]>('privacypass', 'rfc9577-auth-scheme-token.json');
  it('has the 5 vectors', () => expect(vectors).toHaveLength(5));

  vectors.forEach((v, i) => {
    it(`vector ${i}: ${v.comment.replace(/\s+/g, ' ').replace(/\/\//g, '').trim()}`, () => {
      const tokenType = parseInt(v.token_type, 16) as TokenType;
      const originText = fromUtf8(fromHex(v.origin_info));
      const challenge = encodeTokenChallenge({
        tokenType,
        issuerName: fromUtf8(fromHex(v.issuer_name)),
        redemptionContext: fromHex(v.redemption_context),
        originInfo: originText === '' ? [] : originText.split(','),
      });
      const input = authenticatorInput(tokenType, fromHex(v.nonce), challengeDigest(challenge), fromHex(v.token_key_id));
      expect(toHex(input)).toBe(v.token_authenticator_input);
      // The challenge round-trips through the parser unchanged.
      expect(toHex(encodeTokenChallenge(parseTokenChallenge(challenge)))).toBe(toHex(challenge));
    });
  });
});

describeVectors('RFC 9577 App. A: WWW-Authenticate PrivateToken header', () => {
  const vectors = readVectorJson<HeaderVector[]>('privacypass', 'rfc9577-auth-scheme-header.json');
  it('has the 2 vectors', () => expect(vectors).toHaveLength(2));

  vectors.forEach((v, i) => {
    const header = v['WWW-Authenticate'] as string;
    const count = Object.keys(v).filter((k) => k.startsWith('token-type-')).length;

    it(`vector ${i}: parses to ${count} challenge(s) with the listed type, key, max-age and challenge`, () => {
      const parsed = parseWwwAuthenticate(header);
      expect(parsed).toHaveLength(count);
      parsed.forEach((c, j) => {
        expect(c.tokenChallenge.tokenType).toBe(v[`token-type-${j}`]);
        expect(toHex(c.tokenKey!)).toBe(v[`token-key-${j}`]);
        expect(c.maxAge).toBe(v[`max-age-${j}`]);
        expect(toHex(c.challenge)).toBe(v[`token-challenge-${j}`]);
        // The unknown attribute is kept, not interpreted (RFC 9577 §2.1: ignore unknown parameters).
        expect(c.params.map((p) => p.name)).toEqual(['challenge', 'token-key', 'unknownChallengeAttribute', 'max-age']);
      });
    });

    it(`vector ${i}: serialising the parsed header gives the header string exactly`, () => {
      expect(serializeWwwAuthenticate(parseWwwAuthenticate(header))).toBe(header);
    });

    it(`vector ${i}: a header built from the listed fields parses back to them`, () => {
      const built = serializeWwwAuthenticate(
        Array.from({ length: count }, (_, j) =>
          privateTokenChallenge({
            challenge: fromHex(v[`token-challenge-${j}`] as string),
            tokenKey: fromHex(v[`token-key-${j}`] as string),
            maxAge: v[`max-age-${j}`] as number,
          }),
        ),
      );
      // Same header minus the unknown attribute, in the canonical layout.
      expect(built).toBe(header.replace(/,unknownChallengeAttribute="ignore-me"/g, ''));
      expect(parseWwwAuthenticate(built).map((c) => toHex(c.challenge))).toEqual(Array.from({ length: count }, (_, j) => v[`token-challenge-${j}`]));
    });
  });
});
