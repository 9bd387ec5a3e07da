/**
 * OHTTP interop against an independent path. `@hpke/ohttp` is not on the npm registry, so the
 * peer is written here, straight from RFC 9458 §4.3/§4.4, on `@hpke/core`'s own CipherSuite
 * (noble X25519, WebCrypto HKDF and AES-GCM, @hpke/chacha20poly1305) with WebCrypto HKDF for the
 * response keys. Random keys, both directions, requests and responses.
 */
import { Aes128Gcm, CipherSuite, HkdfSha256, type RecipientContext, type SenderContext } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import { publicKeyFromSecret } from '../../protocol/hpke.js';
import { x25519Dh, x25519PublicKey, x25519SecretKey } from '../../protocol/hpke-node.js';
import {
  decapsulateRequest,
  encapsulateRequest,
  gatewayKeyFromSecret,
  generateGatewayKey,
  type KeyConfig,
} from '../../protocol/ohttp.js';
import { ChaChaRng } from '../../sim/rng.js';

const AEADS = [
  { name: 'AES-128-GCM', aeadId: 0x0001, Nk: 16, make: () => new Aes128Gcm() },
  { name: 'ChaCha20Poly1305', aeadId: 0x0003, Nk: 32, make: () => new Chacha20Poly1305() },
];
const Nn = 12;

/** The peer's own OHTTP, from the RFC text, on @hpke/core. */
function peer(aead: (typeof AEADS)[number]) {
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: aead.make() });
  const secretBytes = Math.max(Nn, aead.Nk);
  const header = (keyId: number): Uint8Array => Uint8Array.of(keyId, 0x00, 0x20, 0x00, 0x01, 0x00, aead.aeadId);
  const info = (hdr: Uint8Array): Uint8Array => concat(utf8('message/bhttp request'), Uint8Array.of(0), hdr);

  /** WebCrypto HKDF = Expand(Extract(salt, ikm), info, L): exactly RFC 9458 §4.4's two steps. */
  async function hkdf(salt: Uint8Array, ikm: Uint8Array, label: string, length: number): Promise<Uint8Array> {
    // Copies into plain ArrayBuffer-backed arrays, the BufferSource WebCrypto's types ask for.
    const key = await crypto.subtle.importKey('raw', new Uint8Array(ikm), 'HKDF', false, ['deriveBits']);
    const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(salt), info: new Uint8Array(utf8(label)) };
    return new Uint8Array(await crypto.subtle.deriveBits(params, key, 8 * length));
  }
  async function responseAead(ctx: SenderContext | RecipientContext, enc: Uint8Array, responseNonce: Uint8Array) {
    const secret = new Uint8Array(await ctx.export(utf8('message/bhttp response'), secretBytes));
    const salt = concat(enc, responseNonce);
    const key = await hkdf(salt, secret, 'key', aead.Nk);
    const nonce = await hkdf(salt, secret, 'nonce', Nn);
    return { ctx: suite.aead.createEncryptionContext(key), nonce };
  }

  return {
    async encapsulate(config: KeyConfig, request: Uint8Array) {
      const hdr = header(config.keyId);
      const sender = await suite.createSenderContext({ recipientPublicKey: await suite.kem.deserializePublicKey(config.publicKey), info: info(hdr) });
      const enc = new Uint8Array(sender.enc);
      const encapsulated = concat(hdr, enc, new Uint8Array(await sender.seal(request)));
      return {
        encapsulated,
        async decapsulateResponse(response: Uint8Array): Promise<Uint8Array> {
          const { ctx, nonce } = await responseAead(sender, enc, response.subarray(0, secretBytes));
          return new Uint8Array(await ctx.open(nonce, response.subarray(secretBytes), new Uint8Array(0)));
        },
      };
    },
    async decapsulate(secretKey: Uint8Array, encapsulated: Uint8Array, responseNonce: Uint8Array) {
      const hdr = encapsulated.subarray(0, 7);
      const enc = encapsulated.slice(7, 39);
      const recipient = await suite.createRecipientContext({ recipientKey: await suite.kem.deserializePrivateKey(secretKey), enc, info: info(hdr) });
      const request = new Uint8Array(await recipient.open(encapsulated.subarray(39)));
      return {
        request,
        async encapsulateResponse(response: Uint8Array): Promise<Uint8Array> {
          const { ctx, nonce } = await responseAead(recipient, enc, responseNonce);
          return concat(responseNonce, new Uint8Array(await ctx.seal(nonce, response, new Uint8Array(0))));
        },
      };
    },
  };
}

describe.each(AEADS)('OHTTP interop with a peer on @hpke/core ($name)', (aead) => {
  const them = peer(aead);
  const symmetric = { kdfId: 1, aeadId: aead.aeadId };

  it('ours encapsulates, theirs decapsulates; theirs responds, ours opens the response', async () => {
    const rng = ChaChaRng.fromSeed(`ohttp-interop-ours-${aead.name}`);
    for (let i = 0; i < 8; i++) {
      const gateway = generateGatewayKey(i, rng.fork(`gateway${i}`), [symmetric]);
      const request = rng.bytes(1 + i * 50);
      const response = rng.bytes(i * 70);
      const { encapsulated, context } = encapsulateRequest(gateway.config, request, rng.fork(`client${i}`));
      const theirs = await them.decapsulate(gateway.secretKey, encapsulated, rng.bytes(Math.max(Nn, aead.Nk)));
      expect(toHex(theirs.request)).toBe(toHex(request));
      expect(toHex(context.decapsulateResponse(await theirs.encapsulateResponse(response)))).toBe(toHex(response));
    }
  });

  it('theirs encapsulates, ours decapsulates; ours responds, theirs opens the response', async () => {
    const rng = ChaChaRng.fromSeed(`ohttp-interop-theirs-${aead.name}`);
    for (let i = 0; i < 8; i++) {
      const gateway = generateGatewayKey(200 + i, rng.fork(`gateway${i}`), [symmetric]);
      const request = rng.bytes(1 + i * 50);
      const response = rng.bytes(i * 70);
      const client = await them.encapsulate(gateway.config, request);
      const { request: opened, context } = decapsulateRequest([gateway], client.encapsulated);
      expect(toHex(opened)).toBe(toHex(request));
      expect(context.suite).toEqual({ kemId: 0x20, ...symmetric });
      expect(toHex(await client.decapsulateResponse(context.encapsulateResponse(response, rng.fork(`nonce${i}`))))).toBe(toHex(response));
    }
  });

  it('the peer rejects a response sealed for another request (the paired check holds on its side too)', async () => {
    const rng = ChaChaRng.fromSeed(`ohttp-interop-cross-${aead.name}`);
    const gateway = generateGatewayKey(1, rng, [symmetric]);
    const a = await them.encapsulate(gateway.config, utf8('a'));
    const b = await them.encapsulate(gateway.config, utf8('b'));
    const forB = decapsulateRequest(gateway, b.encapsulated).context.encapsulateResponse(utf8('to b'), rng);
    await expect(a.decapsulateResponse(forB)).rejects.toThrow();
    expect(toHex(await b.decapsulateResponse(forB))).toBe(toHex(utf8('to b')));
  });
});

describe('X25519: node:crypto (JWK import) agrees with @noble/curves', () => {
  it('on public keys and shared secrets of random key pairs', () => {
    const rng = ChaChaRng.fromSeed('x25519-node-vs-noble');
    for (let i = 0; i < 64; i++) {
      const a = rng.bytes(32);
      const b = rng.bytes(32);
      const pubA = publicKeyFromSecret(a);
      const pubB = publicKeyFromSecret(b);
      expect(toHex(pubA)).toBe(toHex(x25519.getPublicKey(a)));
      expect(toHex(pubB)).toBe(toHex(x25519.getPublicKey(b)));
      const ours = x25519Dh(x25519SecretKey(a), x25519PublicKey(pubB));
      expect(ours).toBeDefined();
      expect(toHex(ours!)).toBe(toHex(x25519.getSharedSecret(a, pubB)));
      expect(toHex(x25519Dh(x25519SecretKey(b), x25519PublicKey(pubA))!)).toBe(toHex(ours!));
    }
  });

  it('gatewayKeyFromSecret advertises the public key noble derives', () => {
    const sk = ChaChaRng.fromSeed('gw').bytes(32);
    expect(toHex(gatewayKeyFromSecret(7, sk).config.publicKey)).toBe(toHex(x25519.getPublicKey(sk)));
  });
});
