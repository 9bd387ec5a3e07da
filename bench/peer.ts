/**
 * The peer for the OHTTP comparison. `@hpke/ohttp` is not published on npm, so the peer is an
 * RFC 9458 §4.3/§4.4 OHTTP written directly on `@hpke/core`'s asynchronous CipherSuite, as
 * test/protocol/ohttp-interop.test.ts does: its stock DHKEM(X25519) and HKDF-SHA256 and AES-128-GCM,
 * all on WebCrypto, plus WebCrypto HKDF for the response keys. A second variant takes X25519 from
 * `@hpke/dhkem-x25519` (noble, pure JS) instead; the speed-up is reported against the faster.
 *
 * One round trip: client encapsulates the request, gateway decapsulates it and encapsulates the
 * response, client opens the response, the same four steps our OHTTP is timed on.
 */
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256 as CoreX25519, HkdfSha256, type KemInterface } from '@hpke/core';
import { DhkemX25519HkdfSha256 as NobleX25519 } from '@hpke/dhkem-x25519';
import { concat, equalBytes, utf8 } from '../protocol/bytes.js';
import { decapsulateRequest, encapsulateRequest, type GatewayKey } from '../protocol/ohttp.js';
import type { Rng } from '../protocol/rng.js';

const NN = 12;
const NK = 16;
/** RFC 9458 §4.4: the response nonce and secret are max(Nn, Nk) bytes. */
const SECRET_BYTES = Math.max(NN, NK);

/** An OHTTP round trip, ours or the peer's. */
export type RoundTrip = () => Promise<void> | void;

async function hkdf(salt: Uint8Array, ikm: Uint8Array, label: string, length: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(ikm), 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(salt), info: new Uint8Array(utf8(label)) }, key, 8 * length));
}

/** The peer's OHTTP round trip over `request`/`response` to `gateway`'s key, with the given KEM. */
export function peerRoundTrip(gateway: GatewayKey, request: Uint8Array, response: Uint8Array, kemName: 'core' | 'noble'): RoundTrip {
  const kem: KemInterface = kemName === 'core' ? new CoreX25519() : new NobleX25519();
  const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  // RFC 9458 §4.3: hdr = key_id, kem_id, kdf_id, aead_id; info = "message/bhttp request" ‖ 0 ‖ hdr.
  const hdr = Uint8Array.of(gateway.config.keyId, 0x00, 0x20, 0x00, 0x01, 0x00, 0x01);
  const info = concat(utf8('message/bhttp request'), Uint8Array.of(0), hdr);
  const label = utf8('message/bhttp response');
  let keys: { pk: CryptoKey; sk: CryptoKey } | null = null;
  return async () => {
    keys ??= { pk: await suite.kem.deserializePublicKey(gateway.config.publicKey), sk: await suite.kem.deserializePrivateKey(gateway.secretKey) };
    // client
    const sender = await suite.createSenderContext({ recipientPublicKey: keys.pk, info });
    const enc = new Uint8Array(sender.enc);
    const encapsulated = concat(hdr, enc, new Uint8Array(await sender.seal(request)));
    // gateway
    const recipient = await suite.createRecipientContext({ recipientKey: keys.sk, enc: encapsulated.slice(7, 39), info });
    const opened = new Uint8Array(await recipient.open(encapsulated.subarray(39)));
    const responseNonce = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
    const gwSecret = new Uint8Array(await recipient.export(label, SECRET_BYTES));
    const gwSalt = concat(enc, responseNonce);
    const gwAead = suite.aead.createEncryptionContext(await hkdf(gwSalt, gwSecret, 'key', NK));
    const sealed = concat(responseNonce, new Uint8Array(await gwAead.seal(await hkdf(gwSalt, gwSecret, 'nonce', NN), response, new Uint8Array(0))));
    // client
    const secret = new Uint8Array(await sender.export(label, SECRET_BYTES));
    const salt = concat(enc, sealed.subarray(0, SECRET_BYTES));
    const aead = suite.aead.createEncryptionContext(await hkdf(salt, secret, 'key', NK));
    const back = new Uint8Array(await aead.open(await hkdf(salt, secret, 'nonce', NN), sealed.subarray(SECRET_BYTES), new Uint8Array(0)));
    if (!equalBytes(opened, request) || !equalBytes(back, response)) throw new Error('peer OHTTP round trip lost its bytes');
  };
}

/** Our OHTTP round trip (protocol/ohttp.ts) over the same bytes. */
export function ourRoundTrip(gateway: GatewayKey, request: Uint8Array, response: Uint8Array, rng: Rng): RoundTrip {
  return () => {
    const client = encapsulateRequest(gateway.config, request, rng);
    const server = decapsulateRequest(gateway, client.encapsulated);
    const back = client.context.decapsulateResponse(server.context.encapsulateResponse(response, rng));
    if (!equalBytes(server.request, request) || !equalBytes(back, response)) throw new Error('OHTTP round trip lost its bytes');
  };
}
