/**
 * malicious-client (issue 13): a user account of the adversary's own (position `client`) that
 * tries to be served without paying: a token it forged (structurally valid, wrong authenticator),
 * no token at all, a token it was really issued, spent twice, or more tokens than the issuer's
 * per-account limit allows in one window (`flood`: a batch of the whole published limit, then
 * `extra` more). Defences: the gateway verifies every token under the issuer key and keeps spent
 * tokens (PROTOCOL.md step 7); the issuer counts what it evaluated per account and window and
 * refuses past the limit (step 2). `authorization` holds when only issued, unspent tokens are
 * served and no account got more than its limit in a window.
 */
import fc from 'fast-check';
import type { Adversary, Powers } from '../sim/adversary.js';
import { utf8 } from '../protocol/bytes.js';
import { encodeRequest } from '../protocol/bhttp.js';
import { encapsulateRequest } from '../protocol/ohttp.js';
import { encodeToken, parseToken } from '../protocol/tokens/token.js';
import { challengeDigest } from '../protocol/tokens/challenge.js';
import { createTokenRequest, finalize, tokenKeyId } from '../protocol/tokens/type1-voprf.js';
import { encodeTokenRequest } from '../protocol/tokens/token-request.js';
import { parseTokenResponse } from '../protocol/tokens/token-response.js';
import { TOKEN_TYPE_VOPRF } from '../protocol/tokens/token-type.js';
import { decodeBatch, encodeBatch } from '../sim/parties/common.js';
import { authorizationFor, GATEWAY_AUTHORITY, HEADERS } from '../protocol/request-path.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../protocol/bytes.js';

const KINDS = ['forged', 'no-token', 'double-spend', 'flood'] as const;

export interface ClientPlan {
  actions: { kind: (typeof KINDS)[number]; atMs: number; node: number; extra: number }[];
}

/** An OHTTP request to /summarise for `node` carrying `token` (or none); the inner body is its own bytes. */
function send(powers: Powers, node: number, token: Uint8Array | null): void {
  const headers: [string, string][] = [[HEADERS.node, `enclave-${node}`]];
  if (token) headers.push([HEADERS.authorization, authorizationFor(token)]);
  const bhttp = encodeRequest({ method: 'POST', scheme: 'https', authority: GATEWAY_AUTHORITY, path: '/summarise', headers, body: powers.rng.bytes(96), trailers: [] });
  const { encapsulated } = encapsulateRequest(powers.public.gatewayConfig, bhttp, powers.rng);
  powers.clientSend('relay', encapsulated, 'ohttp-req');
}

export const maliciousClient: Adversary<ClientPlan> = {
  name: 'malicious-client',
  description: 'an account of its own that forges tokens, sends none, or double-spends the tokens it was issued',
  positions: ['client'],
  marks: ['gateway.token-invalid', 'gateway.token-double-spend', 'issuer.rate-limited'],
  plan: (spec) =>
    fc.record({
      actions: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), atMs: fc.nat({ max: 8_000 }), node: fc.nat({ max: Math.max(0, spec.world.nodes - 1) }), extra: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }),
    }),
  install(powers, plan) {
    const account = powers.clientAccount();
    const pub = powers.public;
    for (const [i, a] of plan.actions.entries()) {
      powers.at(a.atMs, `malicious client action ${i}`, () => {
        if (a.kind === 'forged') {
          // RFC 9578 §2.2 layout, the right challenge digest and key id; an authenticator of its own.
          const token = encodeToken({ tokenType: TOKEN_TYPE_VOPRF, nonce: powers.rng.bytes(32), challengeDigest: challengeDigest(pub.tokenChallenge), tokenKeyId: tokenKeyId(pub.issuerPublicKey), authenticator: powers.rng.bytes(48) });
          powers.note('sent a request with a forged token');
          send(powers, a.node, token);
        } else if (a.kind === 'no-token') {
          powers.note('sent a request without a token');
          send(powers, a.node, null);
        } else if (a.kind === 'flood') {
          // The whole published limit in one batch, then `extra` more at once: the second must be refused.
          const batch = (n: number) => encodeBatch([utf8(`account ${account}`), ...Array.from({ length: n }, () => encodeTokenRequest(createTokenRequest(pub.tokenChallenge, pub.issuerPublicKey, powers.rng).request))]);
          powers.note(`asks for ${pub.issuanceLimit.tokens} + ${a.extra} tokens at once (limit ${pub.issuanceLimit.tokens} per ${pub.issuanceLimit.windowMs} ms)`);
          powers.clientSend('issuer', batch(pub.issuanceLimit.tokens), 'token-req');
          powers.clientSend('issuer', batch(a.extra), 'token-req');
        } else {
          // Issuance for its own account, then the same token twice.
          const { request, state } = createTokenRequest(pub.tokenChallenge, pub.issuerPublicKey, powers.rng);
          powers.clientSend('issuer', encodeBatch([utf8(`account ${account}`), encodeTokenRequest(request)]), 'token-req', (reply) => {
            let token: Uint8Array;
            try {
              const [res] = decodeBatch(reply);
              token = encodeToken(finalize(parseTokenResponse(res!, TOKEN_TYPE_VOPRF) as never, state));
            } catch {
              return;
            }
            powers.clientIssued(toHex(sha256(parseToken(token).nonce)));
            powers.note('spends its one issued token twice');
            send(powers, a.node, token);
            send(powers, a.node, token);
          });
        }
      });
    }
  },
};
