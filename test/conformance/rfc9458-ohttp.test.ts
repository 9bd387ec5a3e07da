/**
 * RFC 9458 Appendix A, the complete example, byte for byte in both directions, with the client's
 * ephemeral secret and the gateway's response nonce injected.
 */
import { expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { publicKeyFromSecret } from '../../protocol/hpke.js';
import {
  decapsulateRequest,
  encapsulateRequest,
  encodeKeyConfig,
  encodeKeyConfigList,
  gatewayKeyFromSecret,
  parseKeyConfig,
  parseKeyConfigList,
} from '../../protocol/ohttp.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface AppendixA {
  key_id: number;
  server_private_key_skR: string;
  server_public_key_pkR: string;
  key_config: string;
  request_bhttp: string;
  client_ephemeral_private_key_skE: string;
  client_ephemeral_public_key_enc: string;
  encapsulated_request: string;
  response_bhttp: string;
  response_nonce: string;
  encapsulated_response: string;
}

describeVectors('RFC 9458 Appendix A (complete example)', () => {
  const v = readVectorJson<AppendixA>('ohttp', 'rfc9458-appendix-a.json');
  const skR = fromHex(v.server_private_key_skR);

  it('pkR = X25519(skR, 9)', () => {
    expect(toHex(publicKeyFromSecret(skR))).toBe(v.server_public_key_pkR);
  });

  it('parses the key configuration (§3.1) and encodes it back byte for byte', () => {
    const config = parseKeyConfig(fromHex(v.key_config));
    expect(config.keyId).toBe(v.key_id);
    expect(config.kemId).toBe(0x0020);
    expect(toHex(config.publicKey)).toBe(v.server_public_key_pkR);
    expect(config.symmetricAlgorithms).toEqual([
      { kdfId: 1, aeadId: 1 },
      { kdfId: 1, aeadId: 3 },
    ]);
    expect(toHex(encodeKeyConfig(config))).toBe(v.key_config);
    const gatewayConfig = gatewayKeyFromSecret(v.key_id, skR, config.symmetricAlgorithms).config;
    expect(toHex(encodeKeyConfig(gatewayConfig))).toBe(v.key_config);
  });

  it('a one-entry application/ohttp-keys list (§3.2) is the configuration behind its 2-byte length', () => {
    const list = encodeKeyConfigList([parseKeyConfig(fromHex(v.key_config))]);
    expect(toHex(list)).toBe((v.key_config.length / 2).toString(16).padStart(4, '0') + v.key_config);
    expect(parseKeyConfigList(list).map((c) => toHex(encodeKeyConfig(c)))).toEqual([v.key_config]);
  });

  it('the client with skE injected encapsulates request_bhttp to encapsulated_request exactly (§4.3)', () => {
    const { encapsulated } = encapsulateRequest(fromHex(v.key_config), fromHex(v.request_bhttp), {
      testingOnlySkE: fromHex(v.client_ephemeral_private_key_skE),
    });
    // hdr (7) ‖ enc (32) ‖ ct (25-byte request + 16-byte tag). The vector file's prose says 78 bytes;
    // its hex is 80, which is what the RFC's figures add up to.
    expect(encapsulated.length).toBe(7 + 32 + v.request_bhttp.length / 2 + 16);
    expect(toHex(encapsulated.subarray(7, 39))).toBe(v.client_ephemeral_public_key_enc);
    expect(toHex(encapsulated)).toBe(v.encapsulated_request);
  });

  it('the gateway opens encapsulated_request to request_bhttp and, with the nonce injected, seals encapsulated_response exactly (§4.4)', () => {
    const gateway = gatewayKeyFromSecret(v.key_id, skR, parseKeyConfig(fromHex(v.key_config)).symmetricAlgorithms);
    const { request, context } = decapsulateRequest(gateway, fromHex(v.encapsulated_request));
    expect(toHex(request)).toBe(v.request_bhttp);
    expect(context.keyId).toBe(v.key_id);
    const response = context.encapsulateResponse(fromHex(v.response_bhttp), { testingOnlyResponseNonce: fromHex(v.response_nonce) });
    // response_nonce (16) ‖ ct (3-byte response + 16-byte tag) = 35 (the file's prose says 38).
    expect(response.length).toBe(16 + v.response_bhttp.length / 2 + 16);
    expect(toHex(response)).toBe(v.encapsulated_response);
  });

  it('the client opens encapsulated_response to response_bhttp', () => {
    const { context } = encapsulateRequest(fromHex(v.key_config), fromHex(v.request_bhttp), {
      testingOnlySkE: fromHex(v.client_ephemeral_private_key_skE),
    });
    expect(toHex(context.decapsulateResponse(fromHex(v.encapsulated_response)))).toBe(v.response_bhttp);
  });
});
