/**
 * `pph fuzz <parser|all> [--runs N] [--seed S] [--json]`: long fast-check runs of one parser (or
 * of every one) on arbitrary bytes and on single-byte mutations of a valid message. A parser may
 * only throw its own typed error (a PphError with a code); anything else is a crash, printed with
 * its replay seed. The figures per target: inputs, typed errors, accepted, crashes (docs/fuzzing.md).
 */
import fc from 'fast-check';
import { PphError } from '../../protocol/errors.js';
import { decodeMessage, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocol/bhttp.js';
import { decapsulateRequest, encapsulateRequest, generateGatewayKey, parseKeyConfig, parseKeyConfigList, encodeKeyConfig, encodeKeyConfigList } from '../../protocol/ohttp.js';
import { parseSevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { buildReport, SimulatedVendor } from '../../protocol/attestation/sim-vendor.js';
import { parseCrl } from '../../protocol/attestation/crl.js';
import { parseDer } from '../../protocol/attestation/der.js';
import { parseNote } from '../../protocol/tlog/note.js';
import { parseToken, encodeToken } from '../../protocol/tokens/token.js';
import { parseTokenChallenge, encodeTokenChallenge } from '../../protocol/tokens/challenge.js';
import { parseBundle } from '../../protocol/attestation-bundle.js';
import { encodeDcapQuote, parseSgxQuote, parseTdxQuote } from '../../protocol/attestation/dcap/quote.js';
import { utf8 } from '../../protocol/bytes.js';
import { ChaChaRng } from '../../sim/rng.js';
import { NVIDIA_FUZZ_TARGET } from './evidence-nvidia.js';
import { RA_TLS_CERT_FUZZ_TARGET, TLS_FUZZ_TARGET } from './ra-tls.js';
import { parseReplayFile, sampleReplayFile } from '../replay-file.js';
import { parseRunLine } from '../campaign/runs-file.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../io.js';
import { PROTOCOL_FUZZ_TARGETS } from './fuzz-targets.js';
import { Stopwatch } from '../../bench/stopwatch.js';

interface Target {
  what: string;
  parse(bytes: Uint8Array): unknown;
  /** A valid message to mutate. */
  sample(): Uint8Array;
}

const rng = () => ChaChaRng.fromSeed('pph fuzz corpus');
const gateway = () => generateGatewayKey(1, rng());
const request = { method: 'POST', scheme: 'https', authority: 'gateway.pph.test', path: '/summarise?x=1', headers: [['pph-node', 'enclave-0']] as [string, string][], body: utf8('hello'), trailers: [] };

/** A well-framed DCAP quote (signatures not valid: the parsers check framing only). */
const sampleDcapQuote = (version: 3 | 4): Uint8Array =>
  encodeDcapQuote({
    version,
    body: new Uint8Array(version === 3 ? 384 : 584).fill(7),
    signature: new Uint8Array(64).fill(1),
    attestationKey: new Uint8Array(64).fill(2),
    qeReport: new Uint8Array(384).fill(3),
    qeReportSignature: new Uint8Array(64).fill(4),
    qeAuthData: new Uint8Array(32).fill(5),
    pckChainPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n\0',
  });

export const TARGETS: Record<string, Target> = {
  ...PROTOCOL_FUZZ_TARGETS,
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
  'tdx-quote': { what: 'Intel TDX quote v4/v5 parser (strict)', parse: parseTdxQuote, sample: () => sampleDcapQuote(4) },
  'sgx-quote': { what: 'Intel SGX quote v3 parser (strict)', parse: parseSgxQuote, sample: () => sampleDcapQuote(3) },
  crl: { what: 'RFC 5280 CRL parser (AMD KDS / simulated vendor)', parse: parseCrl, sample: () => SimulatedVendor.create(rng().fork('vendor')).issueCrl([1n, 0x20001n]) },
  'replay-file': { what: 'replay file reader (schema, scenario, plans, integrity)', parse: (b) => parseReplayFile(new TextDecoder().decode(b), 'fuzz.json'), sample: () => utf8(JSON.stringify(sampleReplayFile())) },
  'runs-jsonl-line': {
    what: 'runs.jsonl line reader',
    parse: (b) => parseRunLine(new TextDecoder().decode(b), 'runs.jsonl', 1),
    sample: () => utf8(JSON.stringify({ run: 3, seed: 1234, traceHash: 'ab'.repeat(32), ok: false, violated: ['freshness'], unexpected: ['freshness'], marks: { 'gateway.decap-failed': 2 }, plans: [[{ link: 'client-relay', nth: 1, op: 'drop', arg: 0 }]], shrinkSteps: 4 })),
  },
  'nvidia-spdm': NVIDIA_FUZZ_TARGET,
  'tls-handshake': TLS_FUZZ_TARGET,
  'ra-tls-certificate': RA_TLS_CERT_FUZZ_TARGET,
};

const USAGE = [
  'pph fuzz <parser|all> [--runs N] [--seed S] [--time-limit S] [--json]',
  '',
  `  parsers: ${Object.keys(TARGETS).sort().join(', ')}`,
  '  all        every parser in turn, one line each, then the totals',
  '  --runs N   inputs per parser (default 100000)    --seed S   fast-check seed (default 1)',
  '  --json     one JSON object per parser: target, inputs, typedErrors, accepted, crashes, seed',
  '  --time-limit S  per parser: stop after S seconds (the figures count the inputs that ran)',
  '',
  'example: pph fuzz bhttp-request --runs 1000000',
  'exit: 0 only typed errors were thrown, 1 a counterexample was found (printed with seed and path)',
].join('\n');

/** What one fuzz run counted. A crash is any throw that is not a PphError with a string code. */
export interface FuzzCounts {
  inputs: number;
  typedErrors: number;
  accepted: number;
}

/** The property: `parse` returns or throws a PphError, never anything else. Counts until the first crash. */
export function fuzzProperty(target: Target, counts: FuzzCounts = { inputs: 0, typedErrors: 0, accepted: 0 }) {
  const sample = target.sample();
  const mutated = fc
    .tuple(fc.nat({ max: Math.max(0, sample.length - 1) }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: sample.length }))
    .map(([i, b, cut]) => {
      const m = sample.slice(0, Math.max(cut, i + 1));
      if (m.length > i) m[i] = b;
      return m;
    });
  let crashed = false;
  return fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), mutated), (bytes) => {
    // Shrinking re-runs the property after a crash; those runs are not counted.
    if (!crashed) counts.inputs++;
    try {
      target.parse(bytes);
      if (!crashed) counts.accepted++;
    } catch (e) {
      if (!(e instanceof PphError) || typeof e.code !== 'string') {
        crashed = true;
        throw e;
      }
      if (!crashed) counts.typedErrors++;
    }
  });
}

export interface FuzzResult extends FuzzCounts {
  target: string;
  crashes: number;
  seed: number;
  /** Wall time of the run (not deterministic; everything else is, unless interrupted). */
  wallMs: number;
  /** --time-limit stopped the run before `--runs` inputs. */
  interrupted: boolean;
  counterexample?: string;
  error?: string;
  path?: string;
}

/** Runs one target for `runs` inputs; the figures and, on a crash, the counterexample. */
export function fuzzTarget(name: string, runs: number, seed: number, timeLimitS: number | null = null): FuzzResult {
  const target = TARGETS[name];
  if (!target) throw new UsageError(`unknown parser '${name}' (${Object.keys(TARGETS).sort().join(', ')})`);
  const counts: FuzzCounts = { inputs: 0, typedErrors: 0, accepted: 0 };
  const watch = new Stopwatch();
  // --time-limit: fast-check stops starting inputs after the limit; the figures count those run.
  const details = fc.check(fuzzProperty(target, counts), { numRuns: runs, seed, ...(timeLimitS === null ? {} : { interruptAfterTimeLimit: timeLimitS * 1000 }) });
  const result: FuzzResult = { target: name, ...counts, crashes: details.failed ? 1 : 0, seed, wallMs: Math.round(watch.elapsedMs()), interrupted: details.interrupted };
  if (details.failed) {
    result.counterexample = fc.stringify(details.counterexample);
    result.error = String((details.errorInstance as Error)?.stack ?? details.errorInstance);
    result.path = details.counterexamplePath ?? undefined;
  }
  return result;
}

function report(r: FuzzResult, io: CliIo, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(r));
    return;
  }
  io.out(`${r.target.padEnd(24)} inputs ${String(r.inputs).padStart(8)}  typed errors ${String(r.typedErrors).padStart(8)}  accepted ${String(r.accepted).padStart(8)}  crashes ${r.crashes}  (seed ${r.seed}, ${(r.wallMs / 1000).toFixed(1)} s${r.interrupted ? ', time limit' : ''})`);
  if (r.crashes > 0) {
    io.out(`  counterexample: ${r.counterexample}`);
    io.out(`  error: ${r.error}`);
    io.out(`  replay: pph fuzz ${r.target} --seed ${r.seed} (fast-check path ${r.path})`);
  }
}

export const command: Command = {
  name: 'fuzz',
  summary: 'fuzz a parser with fast-check: it may only throw its typed error',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { runs: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, 'time-limit': { type: 'string' } });
    const name = flags.positionals[0];
    if (!name) throw new UsageError(`missing parser (${Object.keys(TARGETS).sort().join(', ')}, or all)`);
    if (flags.positionals.length > 1) throw new UsageError(`expected one parser, got ${flags.positionals.length}`);
    const runs = flags.int('runs', 100_000, 1, 1e9);
    const seed = flags.int('seed', 1, -(2 ** 31), 2 ** 31 - 1);
    const json = flags.bool('json');
    const timeLimitS = flags.str('time-limit') === undefined ? null : flags.int('time-limit', 0, 1, 86_400);
    const names = name === 'all' ? Object.keys(TARGETS).sort() : [name];
    if (name !== 'all' && !TARGETS[name]) throw new UsageError(`unknown parser '${name}' (${Object.keys(TARGETS).sort().join(', ')}, or all)`);
    const results = names.map((n) => {
      const r = fuzzTarget(n, runs, seed, timeLimitS);
      report(r, io, json);
      return r;
    });
    if (names.length > 1 && !json) {
      const sum = (k: 'inputs' | 'typedErrors' | 'accepted' | 'crashes') => results.reduce((a, r) => a + r[k], 0);
      io.out(`${results.length} parsers: ${sum('inputs')} inputs, ${sum('typedErrors')} typed errors, ${sum('accepted')} accepted, ${sum('crashes')} crashes`);
    }
    return results.every((r) => r.crashes === 0) ? EXIT_OK : EXIT_FAILED;
  },
};
