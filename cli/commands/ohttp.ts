/**
 * `pph ohttp`: encapsulate a Binary HTTP request to a gateway's key configuration, or open one
 * with the gateway's secret key and show the request (RFC 9458 §4.3, RFC 9292).
 */
import { randomBytes } from 'node:crypto';
import { equalBytes, fromHex, toHex } from '../../protocol/bytes.js';
import { decodeRequest, type BhttpRequest } from '../../protocol/bhttp.js';
import { PphError } from '../../protocol/errors.js';
import { KEM_X25519_HKDF_SHA256, publicKeyFromSecret, type EphemeralSource } from '../../protocol/hpke.js';
import { decapsulateRequest, encapsulateRequest, parseKeyConfig } from '../../protocol/ohttp.js';
import { ChaChaRng } from '../../sim/rng.js';
import { EXIT_OK, EXIT_USAGE, parseFlags, requireFlag, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph ohttp encapsulate --key-config <hex> --bhttp <hex> [--ephemeral-secret <hex> | --seed N]',
  'pph ohttp decapsulate --secret-key <hex> --key-config <hex> --request <hex> [--json]',
  '',
  'encapsulate  prints the encapsulated request (RFC 9458 §4.3) as one line of hex. The ephemeral',
  '             key comes from --ephemeral-secret (testing only), else a ChaCha20 stream seeded',
  '             by --seed, else by 32 bytes of OS entropy.',
  'decapsulate  opens an encapsulated request with the gateway key and prints the Binary HTTP',
  '             request (RFC 9292) as HTTP/1.1-like text, or as JSON with --json (body as hex,',
  '             trailers included). --secret-key must be the key of --key-config\'s public key.',
  '',
  'exit codes: 0 done, 2 bad usage or input (the error class and code are printed on stderr)',
].join('\n');

/** A hex flag's bytes; bad hex is a usage error naming the flag. */
function hexFlag(value: string, flag: string): Uint8Array {
  try {
    return fromHex(value, flag);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

function encapsulate(argv: string[], io: CliIo): number {
  const flags = parseFlags(argv, {
    'key-config': { type: 'string' },
    bhttp: { type: 'string' },
    'ephemeral-secret': { type: 'string' },
    seed: { type: 'string' },
  });
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
  const keyConfig = hexFlag(requireFlag(flags.str('key-config'), '--key-config'), '--key-config');
  const bhttp = hexFlag(requireFlag(flags.str('bhttp'), '--bhttp'), '--bhttp');
  const secretHex = flags.str('ephemeral-secret');
  if (secretHex !== undefined && flags.str('seed') !== undefined) throw new UsageError('give --ephemeral-secret or --seed, not both');
  let source: EphemeralSource;
  if (secretHex !== undefined) {
    const skE = hexFlag(secretHex, '--ephemeral-secret');
    if (skE.length !== 32) throw new UsageError(`--ephemeral-secret expects 32 bytes, got ${skE.length}`);
    source = { testingOnlySkE: skE };
  } else if (flags.str('seed') !== undefined) {
    source = ChaChaRng.fromSeed(flags.int('seed', 0, 0, Number.MAX_SAFE_INTEGER));
  } else {
    // determinism-ok: CLI tool seeds from OS entropy when no --seed/--ephemeral-secret is given
    source = ChaChaRng.fromSeed(new Uint8Array(randomBytes(32)));
  }
  const { encapsulated } = encapsulateRequest(parseKeyConfig(keyConfig), bhttp, source);
  io.out(toHex(encapsulated));
  return EXIT_OK;
}

function decapsulate(argv: string[], io: CliIo): number {
  const flags = parseFlags(argv, {
    'secret-key': { type: 'string' },
    'key-config': { type: 'string' },
    request: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
  const secretKey = hexFlag(requireFlag(flags.str('secret-key'), '--secret-key'), '--secret-key');
  if (secretKey.length !== 32) throw new UsageError(`--secret-key expects 32 bytes, got ${secretKey.length}`);
  const config = parseKeyConfig(hexFlag(requireFlag(flags.str('key-config'), '--key-config'), '--key-config'));
  // Strict, not lenient: a key configuration advertises the gateway's public key (RFC 9458 §3.1),
  // so a --secret-key of another key pair is inconsistent input, refused before any decryption.
  if (config.kemId !== KEM_X25519_HKDF_SHA256) {
    throw new UsageError(`--key-config: KEM 0x${config.kemId.toString(16).padStart(4, '0')} is not DHKEM(X25519, HKDF-SHA256), the only KEM --secret-key can be for`);
  }
  if (!equalBytes(publicKeyFromSecret(secretKey), config.publicKey)) {
    throw new UsageError('--secret-key does not match the public key in --key-config (key id ' + config.keyId + ')');
  }
  const encapsulated = hexFlag(requireFlag(flags.str('request'), '--request'), '--request');
  const { request } = decapsulateRequest({ config, secretKey }, encapsulated);
  const decoded = decodeRequest(request);
  if (flags.bool('json')) io.out(JSON.stringify(requestJson(decoded)));
  else for (const line of renderRequest(decoded)) io.out(line);
  return EXIT_OK;
}

/** The JSON shape of `--json`: byte strings as latin1 text, the body as hex, then the trailers (RFC 9292 §3.6). */
function requestJson(r: BhttpRequest): Record<string, unknown> {
  return { method: r.method, scheme: r.scheme, authority: r.authority, path: r.path, headers: r.headers, body: toHex(r.body), trailers: r.trailers };
}

/** HTTP/1.1-like text: absolute-form request line, Host, fields, blank line, body, trailers. */
function renderRequest(r: BhttpRequest): string[] {
  const target = r.authority === '' ? r.path : `${r.scheme}://${r.authority}${r.path}`;
  const lines = [`${r.method} ${target} HTTP/1.1`];
  const hasHost = r.headers.some(([name]) => name.toLowerCase() === 'host');
  if (r.authority !== '' && !hasHost) lines.push(`Host: ${r.authority}`);
  for (const [name, value] of r.headers) lines.push(`${name}: ${value}`);
  lines.push('');
  if (r.body.length > 0) lines.push(...renderBody(r.body));
  if (r.trailers.length > 0) {
    lines.push('', '# trailers');
    for (const [name, value] of r.trailers) lines.push(`${name}: ${value}`);
  }
  return lines;
}

/** Printable UTF-8 text as itself; anything else as a hex line, so the terminal shows no raw bytes. */
function renderBody(body: Uint8Array): string[] {
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return text.split(/\r?\n/);
  return [`# ${body.length} bytes of binary content, hex:`, toHex(body)];
}

export const command: Command = {
  name: 'ohttp',
  summary: 'encapsulate or decapsulate an Oblivious HTTP request (RFC 9458)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'encapsulate') return encapsulate(rest, io);
      if (sub === 'decapsulate') return decapsulate(rest, io);
      throw new UsageError(sub === undefined ? 'missing subcommand (encapsulate or decapsulate)' : `unknown subcommand '${sub}'`);
    } catch (e) {
      // Bad input is exit 2 with the error's class and stable code, whether or not cli/main.ts wraps us.
      if (e instanceof PphError) {
        io.err(`pph ohttp: ${e.name} [${e.code}]: ${e.message}`);
        return EXIT_USAGE;
      }
      if (e instanceof UsageError) {
        io.err(`pph ohttp: UsageError: ${e.message}`);
        io.err(`usage: ${USAGE.split('\n')[0]}`);
        return EXIT_USAGE;
      }
      throw e;
    }
  },
};
