/**
 * The SEV-SNP runner: this process is the guest of an AMD SEV-SNP confidential VM, so the enclave
 * program runs here (tee/enclave-program.ts, as in-process) and evidence comes from the AMD-SP
 * through configfs-tsm (tee/configfs-tsm.ts, provider `sev_guest`): REPORT_DATA to `inblob`, the
 * ATTESTATION_REPORT from `outblob`, the host's certificate table from `auxblob` when it has one.
 *
 * The runner checks what it can without trusting anyone: the report has the ABI's size and layout
 * and carries exactly the REPORT_DATA we wrote (paired with the generation check of configfs-tsm).
 * Whether the report is genuine is the relying party's question: {@link verifySevSnpEvidence} puts
 * it to the same verifier that checks simulated evidence (protocol/attestation/verifier.ts).
 */
import { equalBytes, toHex } from '../protocol/bytes.js';
import { AttestationError, CertificateError } from '../protocol/errors.js';
import { certificateDers, parseCertificateDer } from '../protocol/attestation/amd-cert.js';
import { TrustStore, type SignerKind, type TrustStoreOptions } from '../protocol/attestation/chain.js';
import { parseSevSnpReport, REPORT_BYTES } from '../protocol/attestation/sev-snp-report.js';
import { SevSnpVerifier, type SevSnpPolicy, type SevSnpVerified } from '../protocol/attestation/verifier.js';
import { EnclaveProgram } from './enclave-program.js';
import { defaultEntryName, probeTsm, TsmEntry, type TsmRunnerOptions } from './configfs-tsm.js';
import { REPORT_DATA_BYTES, TeeError, type TeeAvailability, type TeeEvidence, type TeeRunner } from './runner.js';
import { CertTableError, parseCertTable, type CertTableEntry } from './sev-snp-cert-table.js';

/** configfs-tsm `provider` of the sev-guest driver. */
export const SEV_SNP_PROVIDER = 'sev_guest';

/** A {@link TeeRunner} inside an SEV-SNP guest, attesting through configfs-tsm. */
export class SevSnpRunner implements TeeRunner {
  readonly name = 'sev-snp' as const;
  private readonly entry: TsmEntry;
  private program: EnclaveProgram | null = null;

  constructor(private readonly options: TsmRunnerOptions = {}) {
    this.entry = new TsmEntry({ configfsRoot: options.configfsRoot, name: options.entryName ?? defaultEntryName('pph-snp'), io: options.io });
  }

  available(): TeeAvailability {
    return probeTsm(SEV_SNP_PROVIDER, this.options, '/dev/sev-guest');
  }

  async start(): Promise<void> {
    if (this.program !== null) return;
    const provider = this.entry.open();
    if (provider !== SEV_SNP_PROVIDER) {
      this.entry.close();
      throw new TeeError('provider', `configfs-tsm provider is ${JSON.stringify(provider)}, not ${SEV_SNP_PROVIDER}: this is not an SEV-SNP guest`);
    }
    this.program = new EnclaveProgram(this.options.backend);
  }

  async enter(call: Uint8Array): Promise<Uint8Array> {
    if (this.program === null) throw new TeeError('not-started', 'sev-snp runner used before start()');
    return this.program.handle(call);
  }

  /**
   * A fresh ATTESTATION_REPORT for `reportData`. `TeeError` codes: `outblob` (not a report),
   * `binding` (someone else's REPORT_DATA), `auxblob` (a certificate table that does not parse),
   * `race` and `io` from configfs-tsm.
   */
  async attest(reportData: Uint8Array): Promise<TeeEvidence> {
    if (this.program === null) throw new TeeError('not-started', 'sev-snp runner used before start()');
    if (!(reportData instanceof Uint8Array)) throw new TypeError(`reportData expected Uint8Array, got ${typeof reportData}`);
    if (reportData.length !== REPORT_DATA_BYTES) throw new RangeError(`reportData expected Uint8Array of length 64, got length=${reportData.length}`);
    const got = this.entry.request(reportData);
    return sevSnpEvidence(got.provider, got.outblob, got.auxblob, reportData, got.generation);
  }

  async stop(): Promise<void> {
    this.program?.wipe();
    this.program = null;
    this.entry.close();
  }
}

/** Checks an outblob/auxblob pair for `reportData` and shapes it as evidence (exported for tests and tools). */
export function sevSnpEvidence(provider: string, outblob: Uint8Array, auxblob: Uint8Array | undefined, reportData: Uint8Array, generation?: number): TeeEvidence {
  // SEV-SNP ABI Table 23 (MSG_REPORT_RSP): the report is 0x4A0 bytes.
  if (outblob.length !== REPORT_BYTES) throw new TeeError('outblob', `outblob holds ${outblob.length} bytes, an ATTESTATION_REPORT is ${REPORT_BYTES}`);
  let report;
  try {
    report = parseSevSnpReport(outblob);
  } catch (cause) {
    if (cause instanceof AttestationError) throw new TeeError('outblob', `outblob is not an ATTESTATION_REPORT: ${cause.message}`, { cause });
    throw cause;
  }
  // SEV-SNP ABI Table 22: REPORT_DATA at 0x50 is what the guest asked for; paired with inblob.
  if (!equalBytes(report.reportData, reportData)) {
    throw new TeeError('binding', `report carries REPORT_DATA ${toHex(report.reportData).slice(0, 16)}…, we wrote ${toHex(reportData).slice(0, 16)}…`);
  }
  const evidence: { -readonly [K in keyof TeeEvidence]: TeeEvidence[K] } = { provider, report: outblob.slice() };
  if (generation !== undefined) evidence.generation = generation;
  if (auxblob !== undefined) {
    const table = certTableOf(auxblob);
    evidence.certTable = auxblob.slice();
    const leaf = table.find((e) => e.role === report.signingKey);
    const ask = table.find((e) => e.role === 'ask');
    // Same shape as simulated evidence: the leaf (VCEK or VLEK) first, then the ASK.
    if (leaf) evidence.certificates = [leaf.bytes, ...(ask ? [ask.bytes] : [])];
  }
  return evidence;
}

function certTableOf(auxblob: Uint8Array): CertTableEntry[] {
  try {
    return parseCertTable(auxblob);
  } catch (cause) {
    if (cause instanceof CertTableError) throw new TeeError('auxblob', `auxblob is not a certificate table: ${cause.message}`, { cause });
    throw cause;
  }
}

/** How to check SEV-SNP evidence; unset fields come from the evidence's certificate table. */
export interface VerifySevSnpEvidenceOptions {
  /** Time of verification, ms since the epoch. */
  atMs: number;
  policy?: SevSnpPolicy;
  /** ARK + ASK (+ ASVK): a prepared store or a PEM/DER bundle. Default: ASK and ARK of the table. */
  chain?: TrustStore | string | Uint8Array;
  /** Roots to pin (default AMD's ARKs), when the chain is not a prepared store. */
  trust?: TrustStoreOptions;
  /** The VCEK/VLEK (DER or PEM). Default: the table's entry for the report's SIGNING_KEY, else `certificates[0]`. */
  signer?: Uint8Array | string;
}

/**
 * Verifies SEV-SNP evidence with the verifier simulated evidence goes through: chain to a pinned
 * AMD root, report signature, TCB, policy and REPORT_DATA = `reportData`. Throws
 * `AttestationError` (its codes), or `TeeError('certificates')` when no VCEK/VLEK or chain is at hand.
 *
 * @example
 * const evidence = await runner.attest(reportData);
 * verifySevSnpEvidence(evidence, reportData, { atMs: Date.now(), policy: BASELINE_POLICY });
 */
export function verifySevSnpEvidence(evidence: TeeEvidence, reportData: Uint8Array, options: VerifySevSnpEvidenceOptions): SevSnpVerified {
  const report = parseSevSnpReport(evidence.report);
  const kind: SignerKind = report.signingKey === 'vlek' ? 'vlek' : 'vcek';
  const table = evidence.certTable ? certTableOf(evidence.certTable) : [];
  // Simulated evidence carries its certificates (leaf first) instead of a table.
  const signer = options.signer ?? table.find((e) => e.role === kind)?.bytes ?? evidence.certificates?.[0];
  if (signer === undefined) throw new TeeError('certificates', `no ${kind.toUpperCase()} given and none in the certificate table (fetch it from AMD KDS)`);
  let store: TrustStore;
  if (options.chain instanceof TrustStore) store = options.chain;
  else if (options.chain !== undefined) store = TrustStore.fromPem(options.chain, options.trust);
  else {
    const roots = table.filter((e) => e.role === 'ask' || e.role === 'ark');
    if (roots.length === 0) throw new TeeError('certificates', 'no ASK/ARK given and none in the certificate table');
    try {
      store = TrustStore.fromCertificates(roots.flatMap((e) => certificateDers(e.bytes)).map(parseCertificateDer), options.trust);
    } catch (cause) {
      if (cause instanceof CertificateError) throw new TeeError('certificates', `a certificate of the table does not parse: ${cause.message}`, { cause });
      throw cause;
    }
  }
  return SevSnpVerifier.forSigner(store, signer, kind).verify(report, { atMs: options.atMs, policy: { ...options.policy, reportData } });
}
