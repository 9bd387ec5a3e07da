/**
 * `pph evidence verify`: checks AMD SEV-SNP attestation reports against a certificate chain and a
 * VCEK or VLEK. The chain and the signing certificate are parsed and checked once; each report
 * then costs one parse and one ECDSA verification, so thousands of reports per call are fine.
 *
 * Exit codes: 0 every report valid, 1 any rejected, 2 bad usage or an unreadable file.
 */
import { wallClockMs } from '../../bench/stopwatch.js';
import { toHex } from '../../protocol/bytes.js';
import { AttestationError, PphError } from '../../protocol/errors.js';
import { TrustStore, type SignerKind } from '../../protocol/attestation/chain.js';
import { parseSevSnpReport, type SevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { SevSnpVerifier } from '../../protocol/attestation/verifier.js';
import { parseAmdCertificate } from '../../protocol/attestation/amd-cert.js';
import { readBytes, readBytesOrHex, readText } from '../files.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, parseFlags, requireFlag, type CliIo, type Command } from '../io.js';

const USAGE = `pph evidence verify --chain <pem> (--vcek|--vlek) <der|pem> [--at <RFC3339>] [--json] <report>...

  Verifies SEV-SNP ATTESTATION_REPORTs (raw 1184 bytes or hex) in this order:
  parse, chain (to a pinned AMD ARK), expired (at --at, default now), signature, tcb.
  --chain   PEM bundle: ASK and ARK (plus the ASVK for --vlek), e.g. AMD KDS cert_chain
  --vcek    the chip's VCEK (DER or PEM)      --vlek  a VLEK (DER or PEM), checked under the ASVK
  --at      verification time, RFC 3339 (e.g. 2025-06-01T00:00:00Z)
  --json    one JSON object per report per line:
            {"file","ok","code","fields":{"version","policy","vmpl","reported_tcb","measurement","report_data","chip_id"}}
  exit: 0 all valid, 1 any rejected, 2 bad usage or unreadable file`;

// RFC 3339 §5.6 date-time (full-date "T" full-time, with "Z" or a numeric offset).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseAt(value: string | undefined): number {
  // The CLI is a user tool: without --at it verifies "now". protocol/ never reads the clock.
  if (value === undefined) return wallClockMs();
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--at expects an RFC 3339 time such as 2025-06-01T00:00:00Z, got '${value}'`);
  return ms;
}

function loadVerifier(chainPath: string, leafPath: string, kind: SignerKind): SevSnpVerifier {
  let store: TrustStore;
  try {
    store = TrustStore.fromPem(readText(chainPath, 'chain'));
  } catch (e) {
    if (e instanceof PphError) throw new UsageError(`cannot parse chain ${chainPath}: ${e.message}`);
    throw e;
  }
  const leafBytes = readBytes(leafPath, kind.toUpperCase());
  try {
    return SevSnpVerifier.forSigner(store, parseAmdCertificate(leafBytes), kind);
  } catch (e) {
    if (e instanceof PphError) throw new UsageError(`cannot parse ${kind.toUpperCase()} ${leafPath}: ${e.message}`);
    throw e;
  }
}

interface ReportFields {
  version: number;
  policy: string;
  vmpl: number;
  reported_tcb: string;
  measurement: string;
  report_data: string;
  chip_id: string;
}

function fieldsOf(r: SevSnpReport): ReportFields {
  return {
    version: r.version,
    policy: `0x${r.policy.toString(16)}`,
    vmpl: r.vmpl,
    reported_tcb: toHex(r.reportedTcb.raw),
    measurement: toHex(r.measurement),
    report_data: toHex(r.reportData),
    chip_id: toHex(r.chipId),
  };
}

interface Outcome {
  ok: boolean;
  code: string | null;
  message: string;
  fields: ReportFields | null;
}

function check(verifier: SevSnpVerifier, bytes: Uint8Array, atMs: number): Outcome {
  let report: SevSnpReport | undefined;
  try {
    report = parseSevSnpReport(bytes);
    verifier.verify(report, { atMs });
    return { ok: true, code: null, message: 'valid', fields: fieldsOf(report) };
  } catch (e) {
    if (!(e instanceof AttestationError)) throw e;
    return { ok: false, code: e.code, message: e.message, fields: report ? fieldsOf(report) : null };
  }
}

function line(file: string, o: Outcome): string {
  if (!o.ok) return `${file}: REJECTED [${o.code}] ${o.message}`;
  const f = o.fields!;
  return `${file}: OK v${f.version} vmpl ${f.vmpl} policy ${f.policy} tcb ${f.reported_tcb} measurement ${f.measurement}`;
}

async function verifyCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    chain: { type: 'string' },
    vcek: { type: 'string' },
    vlek: { type: 'string' },
    at: { type: 'string' },
    json: { type: 'boolean' },
  });
  const chainPath = requireFlag(flags.str('chain'), '--chain');
  const vcek = flags.str('vcek');
  const vlek = flags.str('vlek');
  if ((vcek === undefined) === (vlek === undefined)) throw new UsageError('give exactly one of --vcek and --vlek');
  if (flags.positionals.length === 0) throw new UsageError('no report files given');
  const atMs = parseAt(flags.str('at'));
  const kind: SignerKind = vcek !== undefined ? 'vcek' : 'vlek';
  const verifier = loadVerifier(chainPath, (vcek ?? vlek)!, kind);

  let rejected = false;
  let unreadable = false;
  for (const file of flags.positionals) {
    let bytes: Uint8Array;
    try {
      bytes = readBytesOrHex(file, 'report');
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`pph evidence: ${e.message}`);
      unreadable = true;
      continue;
    }
    const outcome = check(verifier, bytes, atMs);
    rejected ||= !outcome.ok;
    io.out(flags.bool('json') ? JSON.stringify({ file, ok: outcome.ok, code: outcome.code, fields: outcome.fields }) : line(file, outcome));
  }
  return unreadable ? EXIT_USAGE : rejected ? EXIT_FAILED : EXIT_OK;
}

export const command: Command = {
  name: 'evidence',
  summary: 'verify AMD SEV-SNP attestation reports against a VCEK/VLEK and the AMD chain',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'verify') throw new UsageError(sub === undefined ? 'missing subcommand: verify' : `unknown subcommand '${sub}' (expected verify)`);
    return verifyCommand(rest, io);
  },
};
