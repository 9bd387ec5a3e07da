/**
 * `pph evidence verify --nvidia <evidence> --chain <pem>` and `--nvidia-list <json>`: verifies
 * NVIDIA Hopper/Blackwell GPU evidence (SPDM 1.1 GET_MEASUREMENTS transcripts) against the device
 * chain and the pinned NVIDIA Device Identity CA (or `--root`). Dispatched from evidence.ts when
 * `--nvidia` or `--nvidia-list` is present.
 *
 * Exit codes: 0 every item valid, 1 any rejected (unparsable evidence included), 2 bad usage or
 * an unreadable / unparsable input file (the chain or root PEM, the nonce).
 */
import { wallClockMs } from '../../bench/stopwatch.js';
import { toHex } from '../../protocol/bytes.js';
import { NvidiaEvidenceError } from '../../protocol/attestation/nvidia/errors.js';
import { NvidiaTrust, type NvidiaDeviceChain } from '../../protocol/attestation/nvidia/chain.js';
import { parseNvidiaEvidence, type NvidiaSpdmEvidence } from '../../protocol/attestation/nvidia/spdm.js';
import { verifyNvidiaEvidence, verifyNvidiaEvidenceList, type NvidiaVerified, type NvidiaVerifyOptions } from '../../protocol/attestation/nvidia/verify.js';
import { hexFlag, readBytesOrHex, readText } from '../files.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, parseFlags, type CliIo } from '../io.js';
import { SimGpuVendor } from '../../protocol/attestation/nvidia/sim-gpu.js';
import { ChaChaRng } from '../../sim/rng.js';

export const NVIDIA_USAGE = `pph evidence verify --nvidia <evidence> --chain <pem> [--root <pem>] [--nonce <hex>] [--at <RFC3339>] [--allow-trailing-zero] [--json]
pph evidence verify --nvidia-list <json> [--root <pem>] [--nonce <hex>] [--at <RFC3339>] [--allow-trailing-zero] [--json]

  Verifies NVIDIA GPU evidence: an SPDM 1.1 GET_MEASUREMENTS request and MEASUREMENTS response
  (hex text or raw bytes), in this order: parse, trailing-bytes, chain (to the pinned NVIDIA
  Device Identity CA), not-yet-valid/expired (at --at, default now), signature (ECDSA-P384 over
  request‖response), nonce, fwid (opaque FWID = the leaf's DICE FWID).
  --nvidia       evidence file (repeatable; all checked under the same --chain)
  --chain        PEM device chain, leaf first (GSP FMC LF … NVIDIA Device Identity CA)
  --nvidia-list  an NRAS-shaped JSON list [{arch, certificate: base64(PEM chain), evidence:
                 base64(SPDM bytes), nonce, driver_version, vbios_version, version}]; each item
                 is checked under its own chain, and its nonce/arch/driver/vbios against the evidence
  --root         PEM root(s) to pin instead of the NVIDIA Device Identity CA
  --nonce        the 32-byte nonce (64 hex digits) the request must carry; without it the nonce is
                 printed but not checked
  --allow-trailing-zero  accept exactly one 0x00 byte after the signature (trustee's
                 hopper_coco_report1 capture); refused as trailing-bytes by default
  --json         one JSON object per item per line: {"file","ok","code","message","fields":{...}}
  exit: 0 all valid, 1 any rejected, 2 bad usage or unreadable file`;

// RFC 3339 §5.6 date-time (full-date "T" full-time, with "Z" or a numeric offset).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseAt(value: string | undefined): number {
  // The CLI is a user tool: without --at it verifies "now". protocol/ never reads the clock.
  if (value === undefined) return wallClockMs();
  const m = RFC3339.exec(value);
  const bad = (): UsageError => new UsageError(`--at expects an RFC 3339 time such as 2025-06-01T00:00:00Z, got '${value}'`);
  if (m === null) throw bad();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // RFC 3339 §5.7: date-mday 01-28/29/30/31 by month and year, time-hour 00-23, time-second up to 60 (leap).
  const mdays = month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > mdays || hour > 23 || minute > 59 || second > 60) throw bad();
  const ms = Date.parse(value.replace(/:60(?=[.Zz+-])/, ':59'));
  if (!Number.isFinite(ms)) throw bad();
  return ms;
}

interface Fields {
  arch: string | null;
  leaf: string | null;
  gpu_identity: string | null;
  request_nonce: string;
  nonce_checked: boolean;
  response_nonce: string;
  slot: number;
  measurement_blocks: number;
  measurement_record_len: number;
  opaque_len: number;
  driver_version: string | null;
  vbios_version: string | null;
  project: string | null;
  project_sku: string | null;
  chip_sku: string | null;
  fwid: string | null;
  trailing_bytes: number;
}

function fieldsOf(ev: NvidiaSpdmEvidence, chain: NvidiaDeviceChain | undefined, nonceChecked: boolean): Fields {
  const o = ev.response.opaque;
  return {
    arch: chain?.arch ?? null,
    leaf: chain?.leaf.subjectCn ?? null,
    gpu_identity: chain?.leafSpkiSha256 ?? null,
    request_nonce: toHex(ev.request.nonce),
    nonce_checked: nonceChecked,
    response_nonce: toHex(ev.response.nonce),
    slot: ev.request.slotId,
    measurement_blocks: ev.response.numberOfBlocks,
    measurement_record_len: ev.response.measurementRecordLength,
    opaque_len: ev.response.opaqueLength,
    driver_version: o.driverVersion ?? null,
    vbios_version: o.vbiosVersion ?? null,
    project: o.project ?? null,
    project_sku: o.projectSku ?? null,
    chip_sku: o.chipSku ?? null,
    fwid: o.fwid ? toHex(o.fwid) : null,
    trailing_bytes: ev.trailingBytes,
  };
}

interface Outcome {
  ok: boolean;
  code: string | null;
  message: string;
  fields: Fields | null;
}

function verified(v: NvidiaVerified): Outcome {
  return { ok: true, code: null, message: 'valid', fields: fieldsOf(v.evidence, v.chain, v.nonceChecked) };
}

function rejected(e: NvidiaEvidenceError, ev: NvidiaSpdmEvidence | undefined, chain: NvidiaDeviceChain | undefined): Outcome {
  return { ok: false, code: e.code, message: e.message, fields: ev ? fieldsOf(ev, chain, false) : null };
}

function line(name: string, o: Outcome): string {
  if (!o.ok) return `${name}: REJECTED [${o.code}] ${o.message}`;
  const f = o.fields!;
  const nonce = `nonce ${f.request_nonce} ${f.nonce_checked ? '(checked)' : '(NOT checked: no --nonce)'}`;
  const trailing = f.trailing_bytes ? ` · ${f.trailing_bytes} trailing 0x00 accepted (--allow-trailing-zero)` : '';
  return `${name}: OK ${f.arch ?? 'GPU'} "${f.leaf ?? '?'}" driver ${f.driver_version ?? '?'} vbios ${f.vbios_version ?? '?'} · ${f.measurement_blocks} measurements · fwid ${f.fwid?.slice(0, 16) ?? '?'}… matches the leaf · ${nonce}${trailing}`;
}

function loadTrust(rootPath: string | undefined): NvidiaTrust {
  if (rootPath === undefined) return new NvidiaTrust();
  try {
    return NvidiaTrust.fromRootPem(readText(rootPath, 'root'));
  } catch (e) {
    if (e instanceof NvidiaEvidenceError) throw new UsageError(`cannot parse root ${rootPath}: ${e.message}`);
    throw e;
  }
}

function checkOne(bytes: Uint8Array, chain: NvidiaDeviceChain, options: NvidiaVerifyOptions): Outcome {
  let ev: NvidiaSpdmEvidence | undefined;
  try {
    ev = parseNvidiaEvidence(bytes, options);
    return verified(verifyNvidiaEvidence(ev, chain, options));
  } catch (e) {
    if (!(e instanceof NvidiaEvidenceError)) throw e;
    return rejected(e, ev, chain);
  }
}

/** The NVIDIA branch of `pph evidence verify` (argv without the `verify` subcommand). */
export async function verifyNvidiaCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    nvidia: { type: 'string', multiple: true },
    'nvidia-list': { type: 'string', multiple: true },
    chain: { type: 'string' },
    root: { type: 'string' },
    nonce: { type: 'string' },
    at: { type: 'string' },
    'allow-trailing-zero': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const files = flags.strs('nvidia');
  const lists = flags.strs('nvidia-list');
  if (files.length === 0 && lists.length === 0) throw new UsageError('give --nvidia <evidence> or --nvidia-list <json>');
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}' (give evidence files with --nvidia)`);
  const chainPath = flags.str('chain');
  if (files.length > 0 && chainPath === undefined) throw new UsageError('--nvidia needs --chain <pem> (the device chain, leaf first)');
  if (files.length === 0 && chainPath !== undefined) throw new UsageError('--chain applies to --nvidia; an NRAS list carries a chain per item');
  const atMs = parseAt(flags.str('at'));
  const nonceHex = flags.str('nonce');
  const nonce = nonceHex === undefined ? undefined : hexFlag(nonceHex, '--nonce');
  if (nonce !== undefined && nonce.length !== 32) throw new UsageError(`--nonce expects 32 bytes (64 hex digits), got ${nonce.length}`);
  const options: NvidiaVerifyOptions = {
    atMs,
    ...(nonce === undefined ? {} : { nonce }),
    allowTrailingZero: flags.bool('allow-trailing-zero'),
  };
  const trust = loadTrust(flags.str('root'));
  const json = flags.bool('json');
  const print = (name: string, o: Outcome): void => {
    io.out(json ? JSON.stringify({ file: name, ok: o.ok, code: o.code, message: o.message, fields: o.fields }) : line(name, o));
  };

  let anyRejected = false;
  let unreadable = false;
  const readSafely = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`pph evidence: ${e.message}`);
      unreadable = true;
      return undefined;
    }
  };

  if (files.length > 0) {
    let chain: NvidiaDeviceChain;
    try {
      chain = trust.chain(readText(chainPath!, 'chain'));
    } catch (e) {
      if (e instanceof NvidiaEvidenceError) throw new UsageError(`cannot parse chain ${chainPath}: ${e.message}`);
      throw e;
    }
    for (const file of files) {
      const bytes = readSafely(() => readBytesOrHex(file, 'evidence'));
      if (bytes === undefined) continue;
      const outcome = checkOne(bytes, chain, options);
      anyRejected ||= !outcome.ok;
      print(file, outcome);
    }
  }

  for (const file of lists) {
    const text = readSafely(() => readText(file, 'evidence list'));
    if (text === undefined) continue;
    let results;
    try {
      results = verifyNvidiaEvidenceList(text, trust, options);
    } catch (e) {
      if (!(e instanceof NvidiaEvidenceError)) throw e;
      anyRejected = true;
      print(file, rejected(e, undefined, undefined));
      continue;
    }
    for (const r of results) {
      const name = `${file}[${r.index}]`;
      const outcome = r.ok ? verified(r.verified) : rejected(r.error, r.evidence, undefined);
      anyRejected ||= !outcome.ok;
      print(name, outcome);
    }
  }
  return unreadable ? EXIT_USAGE : anyRejected ? EXIT_FAILED : EXIT_OK;
}

/**
 * The `pph fuzz nvidia-spdm` target: parse and fully verify a transcript under a simulated
 * vendor's chain (with the trailing-zero leniency on, so that branch is fuzzed too). The sample is
 * a valid simulated transcript; verification may only throw `NvidiaEvidenceError`.
 */
export const NVIDIA_FUZZ_TARGET = (() => {
  let world: { chain: NvidiaDeviceChain; sample: Uint8Array } | undefined;
  const get = (): { chain: NvidiaDeviceChain; sample: Uint8Array } => {
    if (world === undefined) {
      const rng = ChaChaRng.fromSeed('pph fuzz nvidia-spdm');
      const vendor = SimGpuVendor.create(rng.fork('vendor'));
      const gpu = vendor.provisionGpu(rng.fork('gpu'));
      world = { chain: vendor.trust().chain(gpu.chainDers), sample: gpu.attest(rng.fork('nonce').bytes(32), rng.fork('attest')) };
    }
    return world;
  };
  return {
    what: 'NVIDIA SPDM 1.1 GET_MEASUREMENTS transcript parser and verifier',
    parse: (bytes: Uint8Array): unknown => verifyNvidiaEvidence(bytes, get().chain, { atMs: Date.UTC(2030, 0, 1), allowTrailingZero: true }),
    sample: (): Uint8Array => get().sample,
  };
})();
