/**
 * `pph fuzz <parser> [--runs N] [--seed S]`: long fast-check runs of one parser on arbitrary
 * bytes and on single-byte mutations of a valid message. A parser may only throw its own typed
 * error (a PphError with a code); anything else is a bug and is printed with its replay seed.
 */
import fc from 'fast-check';
import { PphError } from '../../protocol/errors.js';
import { decodeMessage, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocol/bhttp.js';
import { decapsulateRequest, encapsulateRequest, generateGatewayKey, parseKeyConfig, parseKeyConfigList, encodeKeyConfig, encodeKeyConfigList } from '../../protocol/ohttp.js';
import { parseSevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { buildReport } from '../../protocol/attestation/sim-vendor.js';
import { parseDer } from '../../protocol/attestation/der.js';
import { parseNote } from '../../protocol/tlog/note.js';
import { parseToken, encodeToken } from '../../protocol/tokens/token.js';
import { parseTokenChallenge, encodeTokenChallenge } from '../../protocol/tokens/challenge.js';
import { parseBundle } from '../../protocol/attestation-bundle.js';
import { utf8 } from '../../protocol/bytes.js';
import { ChaChaRng } from '../../sim/rng.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type Command } from '../io.js';

interface Target {
  what: string;
  parse(bytes: Uint8Array): unknown;
  /** A valid message to mutate. */
  sample(): Uint8Array;
}

const rng = () => ChaChaRng.fromSeed('pph fuzz corpus');
const gateway = () => generateGatewayKey(1, rng());
const request = { method: 'POST', scheme: 'https', authority: 'gateway.pph.test', path: '/summarise?x=1', headers: [['pph-node', 'enclave-0']] as [string, string][], body: utf8('hello'), trailers: [] };

export const TARGETS: Record<string, Target> = {
  'bhttp-request': { what: 'RFC 9292 request decoder', parse: decodeRequest, sample: () => encodeRequest(request) },
  'bhttp-response': { what: 'RFC 9292 response decoder', parse: decodeResponse, sample: () => encodeResponse({ informational: [{ status: 103, headers: [['link', '</a>']] }], status: 200, headers: [], body: utf8('ok'), trailers: [['x', 'y']] }) },
  'bhttp-message': { what: 'RFC 9292 message decoder', parse: decodeMessage, sample: () => encodeRequest(request, { framing: 'indefinite', paddingBytes: 4 }) },
  'ohttp-key-config': { what: 'RFC 9458 §3 key configuration', parse: parseKeyConfig, sample: () => encodeKeyConfig(gateway().config) },
  'ohttp-key-config-list': { what: 'RFC 9458 §3.2 application/ohttp-keys', parse: parseKeyConfigList, sample: () => encodeKeyConfigList([gateway().config]) },
  'ohttp-request': {
    what: 'RFC 9458 §4.3 request decapsulation',
    parse: (b) => decapsulateRequest(gateway(), b),
    sample: () => encapsulateRequest(gateway().config, encodeRequest(request), rng()).encapsulated,
  },
  'sev-snp-report': { what: 'SEV-SNP ATTESTATION_REPORT parser', parse: parseSevSnpReport, sample: () => buildReport({ version: 3 }) },
  der: { what: 'DER reader', parse: parseDer, sample: () => Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x00) },
  note: { what: 'C2SP signed note parser', parse: parseNote, sample: () => utf8('log.example\n1\nAAAA\n\n\u2014 log.example AAAAAQ==\n') },
  token: { what: 'RFC 9577 Token parser', parse: parseToken, sample: () => encodeToken({ tokenType: 1, nonce: new Uint8Array(32), challengeDigest: new Uint8Array(32), tokenKeyId: new Uint8Array(32), authenticator: new Uint8Array(48) }) },
  'token-challenge': {
    what: 'RFC 9577 TokenChallenge parser',
    parse: parseTokenChallenge,
    sample: () => encodeTokenChallenge({ tokenType: 1, issuerName: 'issuer.example', redemptionContext: new Uint8Array(0), originInfo: ['a.example'] }),
  },
  bundle: { what: 'attestation bundle parser', parse: parseBundle, sample: () => Uint8Array.of(1, 0, 0, 0, 0) },
};

const USAGE = [
  'pph fuzz <parser> [--runs N] [--seed S]',
  '',
  `  parsers: ${Object.keys(TARGETS).join(', ')}`,
  '  --runs N   runs (default 100000)    --seed S   fast-check seed (default 1)',
  '',
  'example: pph fuzz bhttp-request --runs 1000000',
  'exit: 0 only typed errors were thrown, 1 a counterexample was found (printed with seed and path)',
].join('\n');

/** The property: `parse` returns or throws a PphError, never anything else. */
export function fuzzProperty(target: Target) {
  const sample = target.sample();
  const mutated = fc
    .tuple(fc.nat({ max: Math.max(0, sample.length - 1) }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: sample.length }))
    .map(([i, b, cut]) => {
      const m = sample.slice(0, Math.max(cut, i + 1));
      if (m.length > i) m[i] = b;
      return m;
    });
  return fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), mutated), (bytes) => {
    try {
      target.parse(bytes);
    } catch (e) {
      if (!(e instanceof PphError) || typeof e.code !== 'string') throw e;
    }
  });
}

export const command: Command = {
  name: 'fuzz',
  summary: 'fuzz a parser with fast-check: it may only throw its typed error',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { runs: { type: 'string' }, seed: { type: 'string' } });
    const name = flags.positionals[0];
    if (!name) throw new UsageError(`missing parser (${Object.keys(TARGETS).join(', ')})`);
    const target = TARGETS[name];
    if (!target) throw new UsageError(`unknown parser '${name}' (${Object.keys(TARGETS).join(', ')})`);
    const runs = flags.int('runs', 100_000, 1, 1e9);
    const seed = flags.int('seed', 1, -(2 ** 31), 2 ** 31 - 1);
    const details = fc.check(fuzzProperty(target), { numRuns: runs, seed });
    if (!details.failed) {
      io.out(`${name}: ${details.numRuns} runs, only typed errors (seed ${seed})`);
      return EXIT_OK;
    }
    io.out(`${name}: counterexample after ${details.numRuns} runs: ${fc.stringify(details.counterexample)}`);
    io.out(`  error: ${String((details.errorInstance as Error)?.stack ?? details.errorInstance)}`);
    io.out(`  replay: pph fuzz ${name} --seed ${seed} (fast-check path ${details.counterexamplePath})`);
    return EXIT_FAILED;
  },
};
