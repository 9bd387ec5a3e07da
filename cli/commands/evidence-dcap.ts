/**
 * `pph evidence verify --tdx <quote> | --sgx <quote> --collateral <json|dir>`: Intel DCAP quotes
 * verified with their collateral (protocol/attestation/dcap/verify.ts; docs/evidence-dcap.md).
 *
 * Exit codes: 0 valid, 1 rejected (a quote or collateral that does not parse included), 2 bad
 * usage or an unreadable file.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { wallClockMs } from '../../bench/stopwatch.js';
import { toHex } from '../../protocol/bytes.js';
import { collateralFromJson, collateralFromPcsFiles, TCB_STATUSES, type DcapCollateral, type TcbStatus } from '../../protocol/attestation/dcap/collateral.js';
import { DcapError } from '../../protocol/attestation/dcap/errors.js';
import { INTEL_SGX_ROOT_SPKI_SHA256, spkiPinOf } from '../../protocol/attestation/dcap/pck.js';
import { parseDcapQuote, type DcapQuote, type DcapTee } from '../../protocol/attestation/dcap/quote.js';
import { DcapTcbStatusError, verifyDcapQuote, type DcapPolicy } from '../../protocol/attestation/dcap/verify.js';
import { hexFlag, readBytes, readBytesOrHex, readText } from '../files.js';
import { EXIT_FAILED, EXIT_OK, UsageError, parseFlags, requireFlag, type CliIo, type Flags } from '../io.js';

export const DCAP_USAGE = `pph evidence verify --tdx <quote> --collateral <json|dir> [policy flags] [--pin-root <pem>] [--at <RFC3339>] [--json]
pph evidence verify --sgx <quote> --collateral <json|dir> [--mrenclave HEX] [--mrsigner HEX] [--report-data HEX] [...] [--json]

  Verifies an Intel DCAP quote (TDX v4/v5, SGX v3; raw or hex) in this order: parse,
  quote-signature, qe-report, qe-binding, pck-chain (to the pinned Intel SGX Root CA),
  not-yet-valid/expired, crl, revoked, collateral (TCB Info, QE Identity), tcb-status, policy.
  --collateral  dcap-qvl's collateral JSON, or a directory holding tcb_info.json, qe_identity.json,
                pck_crl.der, root_crl.der, tcb_signing_chain.pem, pck_crl_issuer_chain.pem
  --pin-root    pin this root (PEM/DER) instead of Intel's; the output then says so
  --at          verification time, RFC 3339 (default now)
  --json        {"file","ok","code","tcbStatus","advisories","root":{"spki_sha256","intel"},"fields":{...}}
  policy (default: TCB status UpToDate only, debug off, reserved TD_ATTRIBUTES bits refused):
  --accept-status LIST   accepted statuses, comma-separated (UpToDate, SWHardeningNeeded,
                         ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate,
                         OutOfDateConfigurationNeeded)
  --allow-debug          accept TD_ATTRIBUTES.DEBUG / the enclave's ATTRIBUTES.DEBUG
  --mrtd HEX  --rtmr0 HEX .. --rtmr3 HEX  --mr-config-id HEX  --mr-owner HEX  --mr-owner-config HEX  (48 bytes)
  --mrseam HEX           allowed MRSEAM (48 bytes); repeatable
  --td-attributes HEX  --xfam HEX  (8 bytes)      --min-tee-tcb-svn HEX  (16 bytes, each component)
  --report-data HEX      (64 bytes)               --mrenclave HEX  --mrsigner HEX  (SGX, 32 bytes)
  example: pph evidence verify --tdx tdx_quote --collateral tdx_quote_collateral.json --at 2025-07-01T00:00:00Z
  exit: 0 valid, 1 rejected, 2 bad usage or unreadable file`;

/** The lines cli/commands/evidence.ts shows in its usage, one per mode. */
export const DCAP_USAGE_LINES = `
Intel DCAP quotes with their collateral (docs/evidence-dcap.md; policy flags --accept-status, --allow-debug, --mrtd, --rtmr0..3, --mrseam, ...):
pph evidence verify --tdx <quote> --collateral <json|dir> [policy flags] [--pin-root <pem>] [--at <RFC3339>] [--json]
pph evidence verify --sgx <quote> --collateral <json|dir> [--mrenclave HEX] [--mrsigner HEX] [--report-data HEX] [--at <RFC3339>] [--json]`;

export const DCAP_FLAGS = {
  tdx: { type: 'string' },
  sgx: { type: 'string' },
  collateral: { type: 'string' },
  'pin-root': { type: 'string' },
  at: { type: 'string' },
  json: { type: 'boolean' },
  'accept-status': { type: 'string' },
  'allow-debug': { type: 'boolean' },
  mrtd: { type: 'string' },
  rtmr0: { type: 'string' },
  rtmr1: { type: 'string' },
  rtmr2: { type: 'string' },
  rtmr3: { type: 'string' },
  'report-data': { type: 'string' },
  'mr-config-id': { type: 'string' },
  'mr-owner': { type: 'string' },
  'mr-owner-config': { type: 'string' },
  mrseam: { type: 'string', multiple: true },
  'td-attributes': { type: 'string' },
  xfam: { type: 'string' },
  'min-tee-tcb-svn': { type: 'string' },
  mrenclave: { type: 'string' },
  mrsigner: { type: 'string' },
} as const;

// RFC 3339 §5.6 date-time with "Z" or a numeric offset; §5.7 ranges are checked field by field.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseAt(value: string | undefined): number {
  // The CLI is a user tool: without --at it verifies "now"; protocol/ never reads the clock.
  if (value === undefined) return wallClockMs();
  const m = RFC3339.exec(value);
  const ms = m ? Date.parse(value) : Number.NaN;
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    // Date.parse rolls 2030-02-30 over to March 2: compare the fields with the UTC date they name.
    const back = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) {
      throw new UsageError(`--at: '${value}' is not a valid date and time`);
    }
  }
  if (!Number.isFinite(ms)) throw new UsageError(`--at expects an RFC 3339 time such as 2025-07-01T00:00:00Z, got '${value}'`);
  return ms;
}

function hexOf(flags: Flags, name: string, bytes: number): Uint8Array | undefined {
  const v = flags.str(name);
  if (v === undefined) return undefined;
  const b = hexFlag(v, `--${name}`);
  if (b.length !== bytes) throw new UsageError(`--${name}: expected ${bytes} bytes of hex, got ${b.length}`);
  return b;
}

function policyOf(flags: Flags): DcapPolicy {
  const accept = flags.str('accept-status');
  let acceptStatus: TcbStatus[] | undefined;
  if (accept !== undefined) {
    acceptStatus = accept.split(',').map((s) => {
      const t = s.trim();
      if (!(TCB_STATUSES as readonly string[]).includes(t) || t === 'Revoked') {
        throw new UsageError(`--accept-status: unknown status '${t}' (${TCB_STATUSES.filter((x) => x !== 'Revoked').join(', ')})`);
      }
      return t as TcbStatus;
    });
  }
  const mrSeam = flags.strs('mrseam').map((v) => {
    const b = hexFlag(v, '--mrseam');
    if (b.length !== 48) throw new UsageError(`--mrseam: expected 48 bytes of hex, got ${b.length}`);
    return b;
  });
  const rtmr = [0, 1, 2, 3].map((i) => hexOf(flags, `rtmr${i}`, 48));
  const policy: Record<string, unknown> = {
    acceptStatus,
    allowDebug: flags.bool('allow-debug'),
    mrTd: hexOf(flags, 'mrtd', 48),
    rtmr: rtmr.some((r) => r !== undefined) ? rtmr : undefined,
    reportData: hexOf(flags, 'report-data', 64),
    mrConfigId: hexOf(flags, 'mr-config-id', 48),
    mrOwner: hexOf(flags, 'mr-owner', 48),
    mrOwnerConfig: hexOf(flags, 'mr-owner-config', 48),
    mrSeam: mrSeam.length > 0 ? mrSeam : undefined,
    tdAttributes: hexOf(flags, 'td-attributes', 8),
    xfam: hexOf(flags, 'xfam', 8),
    minTeeTcbSvn: hexOf(flags, 'min-tee-tcb-svn', 16),
    mrEnclave: hexOf(flags, 'mrenclave', 32),
    mrSigner: hexOf(flags, 'mrsigner', 32),
  };
  for (const k of Object.keys(policy)) if (policy[k] === undefined) delete policy[k];
  return policy as DcapPolicy;
}

/** The collateral files of a directory, by the names Intel's PCS responses are saved under. */
export const PCS_FILES = {
  tcbInfo: 'tcb_info.json',
  qeIdentity: 'qe_identity.json',
  pckCrl: 'pck_crl.der',
  rootCrl: 'root_crl.der',
  tcbSigningChain: 'tcb_signing_chain.pem',
  pckCrlIssuerChain: 'pck_crl_issuer_chain.pem',
} as const;

/** Reads the collateral (unreadable: UsageError, exit 2); a parse failure is a DcapError (exit 1). */
function loadCollateral(path: string): () => DcapCollateral {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch (e) {
    throw new UsageError(`cannot read collateral ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!dir) {
    const text = readText(path, 'collateral');
    return () => collateralFromJson(text);
  }
  const files = {
    tcbInfoJson: readText(join(path, PCS_FILES.tcbInfo), 'collateral file'),
    qeIdentityJson: readText(join(path, PCS_FILES.qeIdentity), 'collateral file'),
    pckCrl: readBytes(join(path, PCS_FILES.pckCrl), 'collateral file'),
    rootCrl: readBytes(join(path, PCS_FILES.rootCrl), 'collateral file'),
    tcbSigningChain: readText(join(path, PCS_FILES.tcbSigningChain), 'collateral file'),
    pckCrlIssuerChain: readText(join(path, PCS_FILES.pckCrlIssuerChain), 'collateral file'),
  };
  return () => collateralFromPcsFiles(files);
}

function fieldsOf(q: DcapQuote): Record<string, unknown> {
  const common = { tee: q.tee, version: q.header.version, qe_svn: q.header.qeSvn, pce_svn: q.header.pceSvn };
  if (q.td !== undefined) {
    const td = q.td;
    return {
      ...common,
      body_type: q.bodyType,
      tee_tcb_svn: toHex(td.teeTcbSvn),
      mrseam: toHex(td.mrSeam),
      td_attributes: toHex(td.tdAttributes),
      xfam: toHex(td.xfam),
      mrtd: toHex(td.mrTd),
      mr_config_id: toHex(td.mrConfigId),
      mr_owner: toHex(td.mrOwner),
      mr_owner_config: toHex(td.mrOwnerConfig),
      rtmr0: toHex(td.rtmr[0]),
      rtmr1: toHex(td.rtmr[1]),
      rtmr2: toHex(td.rtmr[2]),
      rtmr3: toHex(td.rtmr[3]),
      report_data: toHex(td.reportData),
    };
  }
  const e = q.enclave!;
  return { ...common, mrenclave: toHex(e.mrEnclave), mrsigner: toHex(e.mrSigner), isvprodid: e.isvProdId, isvsvn: e.isvSvn, attributes: toHex(e.attributes), report_data: toHex(e.reportData) };
}

interface Outcome {
  ok: boolean;
  code: string | null;
  message: string;
  tcbStatus: TcbStatus | null;
  advisories: readonly string[];
  fields: Record<string, unknown> | null;
}

/** `pph evidence verify --tdx|--sgx …`; argv is what follows `verify`. */
export async function verifyDcapCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, DCAP_FLAGS);
  const tdx = flags.str('tdx');
  const sgx = flags.str('sgx');
  if ((tdx === undefined) === (sgx === undefined)) throw new UsageError('give exactly one of --tdx and --sgx');
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}' (the quote is the value of --${tdx !== undefined ? 'tdx' : 'sgx'})`);
  const tee: DcapTee = tdx !== undefined ? 'tdx' : 'sgx';
  const file = (tdx ?? sgx)!;
  const collateralPath = requireFlag(flags.str('collateral'), '--collateral');
  const atMs = parseAt(flags.str('at'));
  const policy = policyOf(flags);
  const pinPath = flags.str('pin-root');
  let pins: string[] | undefined;
  if (pinPath !== undefined) {
    try {
      pins = [spkiPinOf(readBytes(pinPath, 'root'))];
    } catch (e) {
      if (e instanceof DcapError) throw new UsageError(`--pin-root ${pinPath}: ${e.message}`);
      throw e;
    }
  }
  const bytes = readBytesOrHex(file, 'quote');
  const collateral = loadCollateral(collateralPath);

  let outcome: Outcome;
  let quote: DcapQuote | undefined;
  try {
    quote = parseDcapQuote(bytes);
  } catch {
    // verifyDcapQuote reports it as code `parse`
  }
  try {
    const r = verifyDcapQuote(bytes, collateral(), { atMs, tee, policy, ...(pins ? { pinnedRootSpkiSha256: pins } : {}) });
    outcome = { ok: true, code: null, message: 'valid', tcbStatus: r.tcbStatus, advisories: r.advisories, fields: fieldsOf(r.quote) };
  } catch (e) {
    if (!(e instanceof DcapError)) throw e;
    const status = e instanceof DcapTcbStatusError ? e : undefined;
    outcome = { ok: false, code: e.code, message: e.message, tcbStatus: status?.tcbStatus ?? null, advisories: status?.advisories ?? [], fields: quote && quote.tee === tee ? fieldsOf(quote) : null };
  }
  const rootSpki = pins?.[0] ?? INTEL_SGX_ROOT_SPKI_SHA256;
  const intel = rootSpki === INTEL_SGX_ROOT_SPKI_SHA256;
  if (flags.bool('json')) {
    io.out(JSON.stringify({ file, ok: outcome.ok, code: outcome.code, tcbStatus: outcome.tcbStatus, advisories: outcome.advisories, root: { spki_sha256: rootSpki, intel }, fields: outcome.fields }));
  } else {
    const adv = outcome.advisories.length > 0 ? ` advisories ${outcome.advisories.join(',')}` : '';
    const rootNote = intel ? '' : ` (root pinned by --pin-root, NOT Intel's: spki sha256 ${rootSpki})`;
    if (outcome.ok) {
      const f = outcome.fields!;
      const id = tee === 'tdx' ? `mrtd ${f.mrtd}` : `mrenclave ${f.mrenclave}`;
      io.out(`${file}: OK ${tee.toUpperCase()} v${f.version} tcb ${outcome.tcbStatus}${adv} ${id}${rootNote}`);
    } else {
      const st = outcome.tcbStatus !== null ? ` (tcb ${outcome.tcbStatus}${adv})` : '';
      io.out(`${file}: REJECTED [${outcome.code}] ${outcome.message}${st}${rootNote}`);
    }
  }
  return outcome.ok ? EXIT_OK : EXIT_FAILED;
}
