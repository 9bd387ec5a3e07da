/**
 * Where the enclave program runs. Every runner offers the same narrow boundary: bytes in, bytes
 * out (`enter`), and hardware evidence for a 64-byte REPORT_DATA (`attest`). What differs is the
 * isolation behind it: an object in this process (`in-process`), a `worker_threads` worker
 * (`worker`), or a confidential VM whose kernel exposes configfs-tsm (`sev-snp`, `tdx`).
 */
import { PphError } from '../protocol/errors.js';

/**
 * A runner could not be used or returned unusable evidence. Codes: unavailable, not-started,
 * stopped, worker, provider, race, io, outblob, binding, auxblob, certificates.
 */
export class TeeError extends PphError {}

export type TeeRunnerName = 'in-process' | 'worker' | 'sev-snp' | 'tdx';

/** Every runner this build knows, in the order `pph tee probe` lists them. */
export const TEE_RUNNER_NAMES: readonly TeeRunnerName[] = ['in-process', 'worker', 'sev-snp', 'tdx'];

/** Whether a runner works on this machine, and why (or why not), for humans. */
export interface TeeAvailability {
  readonly ok: boolean;
  readonly why: string;
}

/** What `attest` returns: the hardware's report and, when the host provides it, its certificates. */
export interface TeeEvidence {
  /** configfs-tsm `provider` (`sev_guest`, `tdx_guest`), or `simulated`. */
  readonly provider: string;
  /** SEV-SNP ATTESTATION_REPORT (0x4A0 bytes) or a TDX quote. */
  readonly report: Uint8Array;
  /** SEV-SNP: the GHCB certificate table from `auxblob` (VCEK, ASK, ARK), when the host provides it. */
  readonly certTable?: Uint8Array;
  /** DER certificates that come with simulated evidence (VCEK then ASK). */
  readonly certificates?: readonly Uint8Array[];
  /** configfs-tsm `generation` after the report was read. */
  readonly generation?: number;
}

/** The host's side of a TEE: start it once, enter it many times, stop it. */
export interface TeeRunner {
  readonly name: TeeRunnerName;
  /** Cheap and side-effect free apart from a configfs probe entry: can this runner work here? */
  available(): TeeAvailability;
  /** Boots the isolation (spawns the worker, checks the configfs provider). Idempotent. */
  start(): Promise<void>;
  /** One call into the enclave program: an encoded call in, an encoded reply out (tee/enclave-program.ts). */
  enter(call: Uint8Array): Promise<Uint8Array>;
  /** Evidence binding `reportData` (exactly 64 bytes), verified by the runner where it can be. */
  attest(reportData: Uint8Array): Promise<TeeEvidence>;
  /** Tears the isolation down; the enclave's memory is gone afterwards. */
  stop(): Promise<void>;
}

/** REPORT_DATA is 64 bytes on both SEV-SNP (ABI Table 22, 0x50) and TDX (TDREPORT REPORTDATA). */
export const REPORT_DATA_BYTES = 64;

/** Simulated hardware for the in-process and worker runners: signs a report for REPORT_DATA. */
export type SimulatedAttester = (reportData: Uint8Array) => TeeEvidence;
