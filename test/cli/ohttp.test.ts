/**
 * `pph ohttp` in-process with memoryIo, on the RFC 9458 Appendix A values.
 */
import { expect, it } from 'vitest';
import { command } from '../../cli/commands/ohttp.js';
import { memoryIo } from '../../cli/io.js';
import { decodeRequest, encodeRequest } from '../../protocol/bhttp.js';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { decapsulateRequest, encodeKeyConfig, gatewayKeyFromSecret, parseKeyConfig } from '../../protocol/ohttp.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface AppendixA {
  server_private_key_skR: string;
  key_config: string;
  request_bhttp: string;
  client_ephemeral_private_key_skE: string;
  encapsulated_request: string;
}

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await command.run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr.join('\n') };
}

describeVectors('pph ohttp (RFC 9458 Appendix A)', () => {
  const v = readVectorJson<AppendixA>('ohttp', 'rfc9458-appendix-a.json');
  const decapsulateArgs = ['decapsulate', '--secret-key', v.server_private_key_skR, '--key-config', v.key_config];

  it('encapsulate --ephemeral-secret prints the appendix encapsulated_request, one line', async () => {
    const r = await run('encapsulate', '--key-config', v.key_config, '--bhttp', v.request_bhttp, '--ephemeral-secret', v.client_ephemeral_private_key_skE);
    expect(r).toEqual({ code: 0, stdout: [v.encapsulated_request], stderr: '' });
  });

  it('encapsulate --seed is deterministic, and the gateway opens it', async () => {
    const a = await run('encapsulate', '--key-config', v.key_config, '--bhttp', v.request_bhttp, '--seed', '42');
    const b = await run('encapsulate', '--key-config', v.key_config, '--bhttp', v.request_bhttp, '--seed', '42');
    const c = await run('encapsulate', '--key-config', v.key_config, '--bhttp', v.request_bhttp, '--seed', '43');
    expect(a.code).toBe(0);
    expect(a.stdout).toEqual(b.stdout);
    expect(c.stdout).not.toEqual(a.stdout);
    const gateway = gatewayKeyFromSecret(1, fromHex(v.server_private_key_skR));
    expect(toHex(decapsulateRequest(gateway, fromHex(a.stdout[0]!)).request)).toBe(v.request_bhttp);
  });

  it('encapsulate without --seed or --ephemeral-secret still produces a request the gateway opens', async () => {
    const a = await run('encapsulate', '--key-config', v.key_config, '--bhttp', v.request_bhttp);
    expect(a.code).toBe(0);
    const gateway = { config: parseKeyConfig(fromHex(v.key_config)), secretKey: fromHex(v.server_private_key_skR) };
    expect(toHex(decapsulateRequest(gateway, fromHex(a.stdout[0]!)).request)).toBe(v.request_bhttp);
  });

  it('decapsulate --json prints the appendix request fields', async () => {
    const r = await run(...decapsulateArgs, '--request', v.encapsulated_request, '--json');
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(1);
    expect(JSON.parse(r.stdout[0]!)).toEqual({ method: 'GET', scheme: 'https', authority: 'example.com', path: '/', headers: [], body: '', trailers: [] });
  });

  it('decapsulate --json includes the BHTTP trailers, as the text rendering does (RFC 9292 §3.6)', async () => {
    const bhttp = encodeRequest({
      method: 'POST',
      scheme: 'https',
      authority: 'gw.example',
      path: '/v1',
      headers: [['content-type', 'text/plain']],
      body: utf8('x'),
      trailers: [['x-checksum', 'abc'], ['x-done', '1']],
    });
    const enc = await run('encapsulate', '--key-config', v.key_config, '--bhttp', toHex(bhttp), '--seed', '5');
    const json = await run(...decapsulateArgs, '--request', enc.stdout[0]!, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout[0]!).trailers).toEqual([['x-checksum', 'abc'], ['x-done', '1']]);
    const text = await run(...decapsulateArgs, '--request', enc.stdout[0]!);
    expect(text.stdout.slice(-3)).toEqual(['# trailers', 'x-checksum: abc', 'x-done: 1']);
  });

  it('decapsulate refuses a --secret-key whose public key is not the one --key-config advertises (exit 2)', async () => {
    const other = gatewayKeyFromSecret(1, fromHex('22'.repeat(32)));
    const sameIdOtherKey = toHex(encodeKeyConfig({ ...parseKeyConfig(fromHex(v.key_config)), publicKey: other.config.publicKey }));
    const r = await run('decapsulate', '--secret-key', v.server_private_key_skR, '--key-config', sameIdOtherKey, '--request', v.encapsulated_request);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('UsageError');
    expect(r.stdout).toEqual([]);
  });

  it('decapsulate prints an HTTP/1.1-like rendering', async () => {
    const r = await run(...decapsulateArgs, '--request', v.encapsulated_request);
    expect(r.code).toBe(0);
    expect(r.stdout.slice(0, 2)).toEqual(['GET https://example.com/ HTTP/1.1', 'Host: example.com']);
  });

  it('decapsulate renders headers and a text body', async () => {
    const bhttp = encodeRequest({
      method: 'POST',
      scheme: 'https',
      authority: 'gw.example',
      path: '/v1/run?x=1',
      headers: [['content-type', 'text/plain']],
      body: utf8('hello\nworld'),
      trailers: [],
    });
    const enc = await run('encapsulate', '--key-config', v.key_config, '--bhttp', toHex(bhttp), '--seed', '1');
    const r = await run(...decapsulateArgs, '--request', enc.stdout[0]!);
    expect(r.stdout).toEqual(['POST https://gw.example/v1/run?x=1 HTTP/1.1', 'Host: gw.example', 'content-type: text/plain', '', 'hello', 'world']);
    const json = await run(...decapsulateArgs, '--request', enc.stdout[0]!, '--json');
    expect(JSON.parse(json.stdout[0]!)).toMatchObject({ headers: [['content-type', 'text/plain']], body: toHex(utf8('hello\nworld')) });
    expect(decodeRequest(bhttp).path).toBe('/v1/run?x=1');
  });

  it('bad inputs exit 2 and name the error class and code', async () => {
    const flipped = fromHex(v.encapsulated_request);
    flipped[60]! ^= 1;
    const otherKey = '11'.repeat(32);
    const cases: [string[], string][] = [
      [[...decapsulateArgs, '--request', toHex(flipped)], 'OhttpDecapsulationError [open]'],
      // The secret key of another key pair than --key-config's: refused before decryption (docs/leniencies.md).
      [['decapsulate', '--secret-key', otherKey, '--key-config', v.key_config, '--request', v.encapsulated_request], 'UsageError'],
      [[...decapsulateArgs, '--request', v.encapsulated_request.slice(0, 40)], 'OhttpDecapsulationError [truncated]'],
      [[...decapsulateArgs, '--request', '02' + v.encapsulated_request.slice(2)], 'OhttpDecapsulationError [key-id]'],
      [['decapsulate', '--secret-key', v.server_private_key_skR, '--key-config', v.key_config.slice(0, 20), '--request', v.encapsulated_request], 'OhttpKeyConfigError [truncated]'],
      [[...decapsulateArgs, '--request', 'zz'], 'UsageError'],
      [[...decapsulateArgs, '--request', '0'], 'UsageError'],
      [['decapsulate', '--secret-key', 'abcd', '--key-config', v.key_config, '--request', v.encapsulated_request], 'UsageError'],
      [['decapsulate', '--key-config', v.key_config, '--request', v.encapsulated_request], 'UsageError'],
      [['encapsulate', '--key-config', v.key_config, '--bhttp', 'xyz'], 'UsageError'],
      [['encapsulate', '--key-config', v.key_config, '--bhttp', '00', '--ephemeral-secret', '00'], 'UsageError'],
      [['encapsulate', '--key-config', v.key_config, '--bhttp', '00', '--seed', 'x'], 'UsageError'],
      [['encapsulate', '--key-config', v.key_config, '--bhttp', '00', '--bogus'], 'UsageError'],
      [['encapsulate', '--key-config', '01009900', '--bhttp', '00'], 'OhttpKeyConfigError [suite]'],
      [['frobnicate'], 'UsageError'],
      [[], 'UsageError'],
    ];
    for (const [argv, expected] of cases) {
      const r = await run(...argv);
      expect({ argv, code: r.code, named: r.stderr.includes(expected) }).toEqual({ argv, code: 2, named: true });
      expect(r.stdout).toEqual([]);
    }
  });

  it('a request whose plaintext is not BHTTP exits 2 with BhttpDecodeError', async () => {
    const enc = await run('encapsulate', '--key-config', v.key_config, '--bhttp', 'ff', '--seed', '3');
    const r = await run(...decapsulateArgs, '--request', enc.stdout[0]!);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BhttpDecodeError \[[a-z-]+\]/);
  });
});
