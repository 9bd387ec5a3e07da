/**
 * The in-process TEE boundary. The enclave program's memory is this object's private state; the
 * host can only call `enter` with bytes and gets bytes back. `snapshot()` is what a curious host
 * (or the `stateless` invariant) would find if it could read the enclave after a request: it is
 * used by checks, never by the protocol.
 */
import type { InferenceBackend } from './workload.js';
import { extractiveSummariser } from './workload.js';
import { EnclaveProgram, type EnclaveLaunch } from './enclave-program.js';
import { REPORT_DATA_BYTES, TeeError, type SimulatedAttester, type TeeAvailability, type TeeEvidence, type TeeRunner } from './runner.js';

export interface TeeMemory {
  /** Long-lived secrets of this boot (e.g. the HPKE private key). */
  boot: Map<string, Uint8Array>;
  /** Per-request state by ref: opened plaintext, HPKE exporter secret, output. */
  requests: Map<number, Map<string, Uint8Array>>;
}

export class InProcessTee {
  readonly memory: TeeMemory = { boot: new Map(), requests: new Map() };

  constructor(readonly backend: InferenceBackend = extractiveSummariser) {}

  put(ref: number, key: string, value: Uint8Array): void {
    let m = this.memory.requests.get(ref);
    if (!m) {
      m = new Map();
      this.memory.requests.set(ref, m);
    }
    m.set(key, value);
  }

  get(ref: number, key: string): Uint8Array | undefined {
    return this.memory.requests.get(ref)?.get(key);
  }

  /** Erases all state of one request (PROTOCOL.md step 8). */
  erase(ref: number): void {
    const m = this.memory.requests.get(ref);
    if (m) for (const v of m.values()) v.fill(0);
    this.memory.requests.delete(ref);
  }

  /** A restart loses everything: boot secrets and request state. */
  wipe(): void {
    for (const v of this.memory.boot.values()) v.fill(0);
    this.memory.boot.clear();
    for (const ref of [...this.memory.requests.keys()]) this.erase(ref);
  }

  /** Every byte string the enclave still holds, for the `stateless` check. */
  snapshot(): { refs: number[]; bytes: Uint8Array[] } {
    const bytes: Uint8Array[] = [];
    for (const m of this.memory.requests.values()) for (const v of m.values()) bytes.push(v.slice());
    return { refs: [...this.memory.requests.keys()], bytes };
  }
}

/** Options of {@link InProcessRunner}. */
export interface InProcessRunnerOptions {
  backend?: InferenceBackend;
  /** Simulated hardware that signs reports (the AMD-SP is outside the guest, so outside the program). */
  attester?: SimulatedAttester;
  /** The program's launch options (erase or keep, launch configuration, the simulator's probe). */
  launch?: EnclaveLaunch;
}

/**
 * The {@link TeeRunner} over this process: the enclave program is an object here, called
 * synchronously behind an async facade. No isolation beyond the object boundary; the cheapest
 * runner and the reference the others must agree with byte for byte.
 */
export class InProcessRunner implements TeeRunner {
  readonly name = 'in-process' as const;
  private program: EnclaveProgram | null = null;

  constructor(private readonly options: InProcessRunnerOptions = {}) {}

  available(): TeeAvailability {
    return { ok: true, why: 'runs the enclave program as an object in this process (no isolation beyond the call boundary)' };
  }

  async start(): Promise<void> {
    this.startSync();
  }

  /** The synchronous start the simulator uses (its events are synchronous). */
  startSync(): void {
    this.program ??= new EnclaveProgram(this.options.backend, this.options.launch);
  }

  /**
   * The program's whole state, field by field (`Object.keys` of the program object, so any field
   * it keeps, whatever its name): what a host that could read the enclave's memory would find.
   * For checks (the `stateless` invariant's walk, sim/state-walk.ts), never for the protocol.
   */
  state(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.program === null) return out;
    for (const k of Object.keys(this.program)) {
      if (k === 'backend' || k === 'launch') continue;
      out[k] = (this.program as unknown as Record<string, unknown>)[k];
    }
    return out;
  }

  /** The log the program wrote (configuration `log=requests`), collected by the host. */
  drainLog(): Uint8Array[] {
    return this.program?.drainLog() ?? [];
  }

  /** The synchronous call the async `enter` wraps (the hot path uses it to skip a promise). */
  enterSync(call: Uint8Array): Uint8Array {
    if (this.program === null) throw new TeeError('not-started', 'in-process runner used before start()');
    return this.program.handle(call);
  }

  async enter(call: Uint8Array): Promise<Uint8Array> {
    return this.enterSync(call);
  }

  async attest(reportData: Uint8Array): Promise<TeeEvidence> {
    return attestSimulated(this.options.attester, reportData);
  }

  async stop(): Promise<void> {
    this.stopSync();
  }

  /** The synchronous stop (a restart: the program and all it held are gone). */
  stopSync(): void {
    this.program?.wipe();
    this.program = null;
  }
}

/** Shared by the simulated runners: evidence from the simulated chip, or `TeeError('unavailable')`. */
export function attestSimulated(attester: SimulatedAttester | undefined, reportData: Uint8Array): TeeEvidence {
  if (!(reportData instanceof Uint8Array)) throw new TypeError(`reportData expected Uint8Array, got ${typeof reportData}`);
  if (reportData.length !== REPORT_DATA_BYTES) throw new RangeError(`reportData expected Uint8Array of length 64, got length=${reportData.length}`);
  if (attester === undefined) throw new TeeError('unavailable', 'no simulated chip was given to this runner, so it cannot attest');
  return attester(reportData);
}
