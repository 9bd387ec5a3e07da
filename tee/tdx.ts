/**
 * The TDX runner: this process is an Intel TDX trust domain, so the enclave program runs here
 * (as in-process) and evidence is a TD quote from configfs-tsm (provider `tdx_guest`):
 * REPORT_DATA to `inblob`, the quote from `outblob`.
 *
 * The runner checks the quote's framing (tee/tdx-quote.ts) and that it carries exactly our
 * REPORT_DATA. It does not verify the quote's signature chain: that needs Intel DCAP collateral,
 * which pph does not implement; a relying party must verify TDX evidence elsewhere.
 */
import { equalBytes, toHex } from '../protocol/bytes.js';
import { EnclaveProgram } from './enclave-program.js';
import { defaultEntryName, probeTsm, TsmEntry, type TsmRunnerOptions } from './configfs-tsm.js';
import { REPORT_DATA_BYTES, TeeError, type TeeAvailability, type TeeEvidence, type TeeRunner } from './runner.js';
import { parseTdxQuote, TdxQuoteError } from './tdx-quote.js';

/** configfs-tsm `provider` of the tdx-guest driver. */
export const TDX_PROVIDER = 'tdx_guest';

/** A {@link TeeRunner} inside a TDX trust domain, quoting through configfs-tsm. */
export class TdxRunner implements TeeRunner {
  readonly name = 'tdx' as const;
  private readonly entry: TsmEntry;
  private program: EnclaveProgram | null = null;

  constructor(private readonly options: TsmRunnerOptions = {}) {
    this.entry = new TsmEntry({ configfsRoot: options.configfsRoot, name: options.entryName ?? defaultEntryName('pph-tdx'), io: options.io });
  }

  available(): TeeAvailability {
    return probeTsm(TDX_PROVIDER, this.options, '/dev/tdx_guest');
  }

  async start(): Promise<void> {
    if (this.program !== null) return;
    const provider = this.entry.open();
    if (provider !== TDX_PROVIDER) {
      this.entry.close();
      throw new TeeError('provider', `configfs-tsm provider is ${JSON.stringify(provider)}, not ${TDX_PROVIDER}: this is not a TDX guest`);
    }
    this.program = new EnclaveProgram(this.options.backend);
  }

  async enter(call: Uint8Array): Promise<Uint8Array> {
    if (this.program === null) throw new TeeError('not-started', 'tdx runner used before start()');
    return this.program.handle(call);
  }

  /** A fresh TD quote for `reportData`. `TeeError` codes: `outblob`, `binding`, and `race`/`io` from configfs-tsm. */
  async attest(reportData: Uint8Array): Promise<TeeEvidence> {
    if (this.program === null) throw new TeeError('not-started', 'tdx runner used before start()');
    if (!(reportData instanceof Uint8Array)) throw new TypeError(`reportData expected Uint8Array, got ${typeof reportData}`);
    if (reportData.length !== REPORT_DATA_BYTES) throw new RangeError(`reportData expected Uint8Array of length 64, got length=${reportData.length}`);
    const got = this.entry.request(reportData);
    return tdxEvidence(got.provider, got.outblob, reportData, got.generation);
  }

  async stop(): Promise<void> {
    this.program?.wipe();
    this.program = null;
    this.entry.close();
  }
}

/** Checks an outblob for `reportData` and shapes it as evidence (exported for tests and tools). */
export function tdxEvidence(provider: string, outblob: Uint8Array, reportData: Uint8Array, generation?: number): TeeEvidence {
  let quote;
  try {
    quote = parseTdxQuote(outblob);
  } catch (cause) {
    if (cause instanceof TdxQuoteError) throw new TeeError('outblob', `outblob is not a TDX quote: ${cause.message}`, { cause });
    throw cause;
  }
  // TD report body: REPORTDATA at 520 is what the TD asked for; paired with inblob.
  if (!equalBytes(quote.reportData, reportData)) {
    throw new TeeError('binding', `quote carries REPORTDATA ${toHex(quote.reportData).slice(0, 16)}…, we wrote ${toHex(reportData).slice(0, 16)}…`);
  }
  return { provider, report: outblob.slice(), ...(generation !== undefined ? { generation } : {}) };
}
