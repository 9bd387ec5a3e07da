/**
 * `pph evidence verify`: checks AMD SEV-SNP attestation reports against a certificate chain, a
 * VCEK or VLEK, optional ARK-signed CRLs and a guest policy (the baseline by default: debug off,
 * migration agent off, reserved POLICY bits as the ABI fixes them, VMPL 0). The chain and the
 * signing certificate are parsed and checked once; each report then costs one parse and one
 * ECDSA verification, so thousands of reports per call are fine. docs/attestation-policy.md.
 *
 * Exit codes: 0 every report valid, 1 any rejected (evidence that does not parse included: a
 * corrupt report, chain, VCEK or CRL), 2 bad usage or an unreadable file.
 */
import { wallClockMs } from '../../bench/stopwatch.js';
import { toHex } from '../../protocol/bytes.js';
import { AttestationError, PphError } from '../../protocol/errors.js';
import { certificateDers, parseAmdCertificate, parseCertificateDer, type AmdCertificate } from '../../protocol/attestation/amd-cert.js';
import { TrustStore, isAmdRoot, spkiSha256, type SignerKind } from '../../protocol/attestation/chain.js';
import { parseCrl, type RevocationList } from '../../protocol/attestation/crl.js';
import { parseSevSnpReport, type SevSnpReport } from '../../protocol/attestation/sev-snp-report.js';
import { BASELINE_POLICY, type SevSnpPolicy } from '../../protocol/attestation/sev-snp-policy.js';
import { SevSnpVerifier } from '../../protocol/attestation/verifier.js';
import type { TcbParts } from '../../protocol/attestation/tcb-version.js';
import { hexFlag, readBytes, readBytesOrHex } from '../files.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, parseFlags, requireFlag, type CliIo, type Command, type Flags } from '../io.js';
import { NVIDIA_USAGE, verifyNvidiaCommand } from './evidence-nvidia.js';
import { DCAP_USAGE_LINES, verifyDcapCommand } from './evidence-dcap.js';

const USAGE = `pph evidence verify --chain <pem> (--vcek|--vlek) <der|pem> [policy flags] [--crl <pem|der>]... [--pin-root <pem>] [--at <RFC3339>] [--json] <report>...

  Verifies SEV-SNP ATTESTATION_REPORTs (raw 1184 bytes or hex) in this order:
  parse, chain (to a pinned AMD ARK), not-yet-valid/expired (at --at, default now), CRLs,
  signature, VCEK (hwid, vcek-tcb), tcb, guest policy, pins.
  --chain   PEM bundle: ASK and ARK (plus the ASVK for --vlek), e.g. AMD KDS cert_chain
  --vcek    the chip's VCEK (DER or PEM)      --vlek  a VLEK (DER or PEM), checked under the ASVK
  --crl     an ARK-signed CRL (PEM or DER, e.g. AMD KDS /vcek/v1/Milan/crl); repeatable
  --pin-root  pin this root (PEM/DER) instead of AMD's ARKs; the output then says so
  --at      verification time, RFC 3339 (e.g. 2025-06-01T00:00:00Z)
  --json    one JSON object per report per line:
            {"file","ok","code","root":{"name","spki_sha256","amd","pinned_by"},"fields":{"version","policy","vmpl","reported_tcb","measurement","report_data","chip_id"}}
  policy (default: debug off, migration agent off, reserved POLICY bits checked, VMPL 0):
  --allow-debug            accept POLICY.DEBUG (bit 19)
  --allow-migrate-ma       accept POLICY.MIGRATE_MA (bit 18)
  --vmpl N                 require VMPL N (0..3, default 0)
  --min-tcb bl=N,tee=N,snp=N,ucode=N[,fmc=N]   minimum SPLs (any subset)
  --measurement HEX        allowed MEASUREMENT (48 bytes); repeatable
  --report-data HEX        pin REPORT_DATA (64 bytes)
  --host-data HEX          pin HOST_DATA (32 bytes)
  --id-key-digest HEX      pin ID_KEY_DIGEST (48 bytes)
  --author-key-digest HEX  pin AUTHOR_KEY_DIGEST (48 bytes)
  codes: parse, chain, chain-parse, vcek-parse, vlek-parse, not-yet-valid, expired, crl-parse,
         crl-issuer, crl-signature, crl-not-yet-valid, crl-expired, revoked, non-canonical,
         signature, mask-chip-key, hwid, vcek-tcb, tcb, policy-reserved, debug, migrate-ma,
         vmpl, measurement, host-data, id-key-digest, author-key-digest, report-data
  example: pph evidence verify --chain ask_ark_milan.pem --vcek vcek.der --crl crl_milan.pem \
             --min-tcb bl=3,snp=8 --at 2025-12-01T00:00:00Z report.bin
  exit: 0 all valid, 1 any rejected, 2 bad usage or unreadable file

NVIDIA GPU evidence (SPDM 1.1 GET_MEASUREMENTS; docs/evidence-nvidia.md):
${NVIDIA_USAGE}
${DCAP_USAGE_LINES}`;

// RFC 3339 §5.6: date-time = full-date "T" full-time; time-offset = "Z" / time-numoffset.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * An RFC 3339 time as ms since the epoch. Every calendar field is checked (RFC 3339 §5.7: month
 * 01–12, mday by month and leap year, hour 00–23, minute 00–59), never rolled over as
 * `Date.parse` does (2030-02-30 is not March 2). A leap second (:60) cannot be represented in
 * epoch milliseconds and is refused.
 */
export function parseRfc3339(value: string, flag = '--at'): number {
  const m = RFC3339.exec(value);
  const bad = (why: string): never => {
    throw new UsageError(`${flag} expects an RFC 3339 time such as 2025-06-01T00:00:00Z, got '${value}'${why ? `: ${why}` : ''}`);
  };
  if (!m) return bad('');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) bad(`month ${m[2]} is not 01..12`);
  if (day < 1 || day > daysInMonth(year, month)) bad(`day ${m[3]} does not exist in ${m[1]}-${m[2]}`);
  if (hour > 23) bad(`hour ${m[4]} is not 00..23`);
  if (minute > 59) bad(`minute ${m[5]} is not 00..59`);
  if (second > 59) bad(second === 60 ? 'leap seconds are not supported' : `second ${m[6]} is not 00..59`);
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) bad(`offset ${m[9]}${m[10]}:${m[11]} is out of range`);
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear takes the year as given.
  const t = new Date(Date.UTC(2000, 0, 1));
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second, ms);
  return t.getTime() - offsetMin * 60_000;
}

function parseAt(value: string | undefined): number {
  // The CLI is a user tool: without --at it verifies "now". protocol/ never reads the clock.
  return value === undefined ? wallClockMs() : parseRfc3339(value);
}

const TCB_KEYS: Record<string, keyof TcbParts> = { bl: 'bootloader', bootloader: 'bootloader', tee: 'tee', snp: 'snp', ucode: 'microcode', microcode: 'microcode', fmc: 'fmc' };

/** `bl=3,tee=0,snp=8,ucode=115` (any subset; fmc for Turin): components left out have no minimum. */
export function parseMinTcb(value: string): TcbParts {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*$/.exec(part);
    const key = m ? TCB_KEYS[m[1]!] : undefined;
    if (!m || key === undefined) throw new UsageError(`--min-tcb expects bl=N,tee=N,snp=N,ucode=N (any subset, fmc=N on Turin), got '${part}'`);
    const n = Number(m[2]);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new UsageError(`--min-tcb ${m[1]}: an SPL is one byte (0..255), got ${m[2]}`);
    if (key in out) throw new UsageError(`--min-tcb: ${m[1]} given twice`);
    out[key] = n;
  }
  return { bootloader: out.bootloader ?? 0, tee: out.tee ?? 0, snp: out.snp ?? 0, microcode: out.microcode ?? 0, ...(out.fmc !== undefined ? { fmc: out.fmc } : {}) };
}

function hexPin(flags: Flags, name: string, size: number): Uint8Array | undefined {
  const v = flags.str(name);
  if (v === undefined) return undefined;
  const bytes = hexFlag(v, `--${name}`);
  if (bytes.length !== size) throw new UsageError(`--${name} expects ${size} bytes (${2 * size} hex digits), got ${bytes.length}`);
  return bytes;
}

/** The policy from the flags, on top of the baseline. */
function policyFromFlags(flags: Flags): SevSnpPolicy {
  const measurements = flags.strs('measurement').map((m) => {
    const b = hexFlag(m, '--measurement');
    if (b.length !== 48) throw new UsageError(`--measurement expects 48 bytes (96 hex digits), got ${b.length}`);
    return b;
  });
  const minTcb = flags.str('min-tcb');
  const optional = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
  return {
    ...BASELINE_POLICY,
    allowDebug: flags.bool('allow-debug'),
    allowMigrationAgent: flags.bool('allow-migrate-ma'),
    vmpl: flags.int('vmpl', 0, 0, 3),
    ...optional('minTcb', minTcb === undefined ? undefined : parseMinTcb(minTcb)),
    ...optional('measurements', measurements.length ? measurements : undefined),
    ...optional('pinnedReportData', hexPin(flags, 'report-data', 64)),
    ...optional('hostData', hexPin(flags, 'host-data', 32)),
    ...optional('idKeyDigest', hexPin(flags, 'id-key-digest', 48)),
    ...optional('authorKeyDigest', hexPin(flags, 'author-key-digest', 48)),
  };
}

/** What the reports are checked against, or why every one of them is rejected. */
type Setup = { ok: true; verifier: SevSnpVerifier; crls: RevocationList[]; root: RootInfo | null } | { ok: false; code: string; message: string; root: RootInfo | null };

interface RootInfo {
  name: string | null;
  spki_sha256: string;
  /** The root's key is one of AMD's ARKs. */
  amd: boolean;
  /** What pinned the roots: AMD's ARKs (the default) or the --pin-root certificate. */
  pinned_by: 'amd-arks' | 'pin-root';
}

function rootInfo(ark: AmdCertificate | undefined, pinned: boolean): RootInfo | null {
  return ark === undefined ? null : { name: ark.subjectCn ?? null, spki_sha256: spkiSha256(ark), amd: isAmdRoot(ark), pinned_by: pinned ? 'pin-root' : 'amd-arks' };
}

/** The --pin-root certificate: the verifier's own trust anchor, so a bad one is usage (exit 2). */
function loadPinnedRoot(path: string): AmdCertificate {
  const bytes = readBytes(path, 'pinned root');
  try {
    return parseAmdCertificate(bytes);
  } catch (e) {
    if (e instanceof PphError) throw new UsageError(`--pin-root ${path}: not one certificate (${e.message})`);
    throw e;
  }
}

function loadSetup(flags: Flags, kind: SignerKind, leafPath: string): Setup {
  const chainPath = requireFlag(flags.str('chain'), '--chain');
  const chainBytes = readBytes(chainPath, 'chain');
  const leafBytes = readBytes(leafPath, kind.toUpperCase());
  const crlBytes = flags.strs('crl').map((p) => [p, readBytes(p, 'CRL')] as const);
  const pinPath = flags.str('pin-root');
  const pinned = pinPath === undefined ? undefined : loadPinnedRoot(pinPath);
  // Unreadable files are usage (above); from here on, evidence that does not parse is a rejection.
  let certs: AmdCertificate[];
  try {
    certs = certificateDers(chainBytes).map(parseCertificateDer);
  } catch (e) {
    if (!(e instanceof PphError)) throw e;
    return { ok: false, code: 'chain-parse', message: `chain ${chainPath} does not parse: ${e.message}`, root: null };
  }
  // The pinned root completes a chain that lacks it (an ASK alone); it is never added twice.
  if (pinned && !certs.some((c) => Buffer.compare(c.der, pinned.der) === 0)) certs.push(pinned);
  const store = TrustStore.fromCertificates(certs, pinned ? { pinnedRootSpkiSha256: [spkiSha256(pinned)] } : {});
  const root = rootInfo(store.ark, pinned !== undefined);
  let leaf: AmdCertificate;
  try {
    leaf = parseAmdCertificate(leafBytes);
  } catch (e) {
    if (!(e instanceof PphError)) throw e;
    return { ok: false, code: `${kind}-parse`, message: `${kind.toUpperCase()} ${leafPath} does not parse: ${e.message}`, root };
  }
  const crls: RevocationList[] = [];
  for (const [path, bytes] of crlBytes) {
    try {
      crls.push(parseCrl(bytes));
    } catch (e) {
      if (!(e instanceof AttestationError)) throw e;
      return { ok: false, code: e.code, message: `CRL ${path} does not parse: ${e.message}`, root };
    }
  }
  return { ok: true, verifier: SevSnpVerifier.forSigner(store, leaf, kind), crls, root };
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

function check(setup: Setup, policy: SevSnpPolicy, bytes: Uint8Array, atMs: number): Outcome {
  let report: SevSnpReport | undefined;
  try {
    report = parseSevSnpReport(bytes);
    if (!setup.ok) return { ok: false, code: setup.code, message: setup.message, fields: fieldsOf(report) };
    setup.verifier.verify(report, { atMs, policy, crls: setup.crls });
    return { ok: true, code: null, message: 'valid', fields: fieldsOf(report) };
  } catch (e) {
    if (!(e instanceof AttestationError)) throw e;
    return { ok: false, code: e.code, message: e.message, fields: report ? fieldsOf(report) : null };
  }
}

/** Said on every line when the trust decision rests on a root that is not AMD's. */
function rootNote(root: RootInfo | null): string {
  return root && root.pinned_by === 'pin-root' && !root.amd ? ` · root ${root.name ?? '?'} pinned by --pin-root, NOT an AMD root` : '';
}

function line(file: string, o: Outcome, root: RootInfo | null): string {
  if (!o.ok) return `${file}: REJECTED [${o.code}] ${o.message}${rootNote(root)}`;
  const f = o.fields!;
  return `${file}: OK v${f.version} vmpl ${f.vmpl} policy ${f.policy} tcb ${f.reported_tcb} measurement ${f.measurement}${rootNote(root)}`;
}

/** SEV-SNP mode of `pph evidence verify` (the default when no other evidence kind is named). */
async function verifySevSnp(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    chain: { type: 'string' },
    vcek: { type: 'string' },
    vlek: { type: 'string' },
    crl: { type: 'string', multiple: true },
    'pin-root': { type: 'string' },
    at: { type: 'string' },
    json: { type: 'boolean' },
    'allow-debug': { type: 'boolean' },
    'allow-migrate-ma': { type: 'boolean' },
    vmpl: { type: 'string' },
    'min-tcb': { type: 'string' },
    measurement: { type: 'string', multiple: true },
    'report-data': { type: 'string' },
    'host-data': { type: 'string' },
    'id-key-digest': { type: 'string' },
    'author-key-digest': { type: 'string' },
  });
  requireFlag(flags.str('chain'), '--chain');
  const vcek = flags.str('vcek');
  const vlek = flags.str('vlek');
  if ((vcek === undefined) === (vlek === undefined)) throw new UsageError('give exactly one of --vcek and --vlek');
  if (flags.positionals.length === 0) throw new UsageError('no report files given');
  const atMs = parseAt(flags.str('at'));
  const policy = policyFromFlags(flags);
  const kind: SignerKind = vcek !== undefined ? 'vcek' : 'vlek';
  const setup = loadSetup(flags, kind, (vcek ?? vlek)!);

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
    const outcome = check(setup, policy, bytes, atMs);
    rejected ||= !outcome.ok;
    io.out(flags.bool('json') ? JSON.stringify({ file, ok: outcome.ok, code: outcome.code, root: setup.root, fields: outcome.fields }) : line(file, outcome, setup.root));
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
    // NVIDIA GPU evidence (SPDM GET_MEASUREMENTS) has its own flags: cli/commands/evidence-nvidia.ts.
    if (rest.some((a) => /^--nvidia(-list)?(=|$)/.test(a))) return verifyNvidiaCommand(rest, io);
    // Intel DCAP quotes (TDX, SGX) with their collateral: cli/commands/evidence-dcap.ts.
    if (rest.some((a) => /^--(tdx|sgx)(=|$)/.test(a))) return verifyDcapCommand(rest, io);
    return verifySevSnp(rest, io);
  },
};
