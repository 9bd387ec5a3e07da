/**
 * The worker TEE: the enclave program in a `worker_threads` worker (tee/worker-entry.ts). Start
 * once and reuse: a worker costs ~37 ms to start, a message ~57 µs (design/PITFALLS.md). Only
 * bytes cross: `postMessage` of Uint8Arrays, which are copied, never shared.
 *
 * The isolation is the V8 isolate: separate heap, no shared objects. It is not a hardware
 * boundary (the host process can still read the worker's memory); it proves the program needs
 * nothing but bytes, which is what a real enclave boundary allows.
 */
import type { Worker } from 'node:worker_threads';
import { attestSimulated } from './in-process.js';
import { TeeError, type SimulatedAttester, type TeeAvailability, type TeeEvidence, type TeeRunner } from './runner.js';
import { entryBeside, spawnWorker } from './spawn-worker.js';

/** Options of {@link WorkerRunner}. */
export interface WorkerRunnerOptions {
  /** Simulated hardware that signs reports (host side, like the AMD-SP). */
  attester?: SimulatedAttester;
}

interface Reply {
  id: number;
  bytes: Uint8Array;
}

/** A {@link TeeRunner} whose enclave program runs in a worker thread (extractive summariser). */
export class WorkerRunner implements TeeRunner {
  readonly name = 'worker' as const;
  private worker: Worker | null = null;
  private starting: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(private readonly options: WorkerRunnerOptions = {}) {}

  available(): TeeAvailability {
    return { ok: true, why: 'runs the enclave program in a worker_threads worker (separate V8 isolate; bytes only cross)' };
  }

  start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const w = spawnWorker(entryBeside(import.meta.url, 'worker-entry'), null);
      this.worker = w;
      w.on('message', (m: Reply) => {
        if (m.id === 0) return resolve();
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.resolve(m.bytes);
      });
      w.on('error', (e) => {
        const err = new TeeError('worker', `enclave worker failed: ${e.message}`, { cause: e });
        reject(err);
        if (this.worker === w) this.failAll(err);
      });
      w.on('exit', (code) => {
        const err = new TeeError('stopped', `enclave worker exited (code ${code})`);
        reject(err);
        // A worker stopped earlier may exit after a new one started: touch only our own state.
        if (this.worker !== w) return;
        this.failAll(err);
        this.worker = null;
        this.starting = null;
      });
    });
    return this.starting;
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  enter(call: Uint8Array): Promise<Uint8Array> {
    const w = this.worker;
    if (w === null) return Promise.reject(new TeeError('not-started', 'worker runner used before start()'));
    if (!(call instanceof Uint8Array)) return Promise.reject(new TypeError(`call expected Uint8Array, got ${typeof call}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, bytes: call });
    });
  }

  async attest(reportData: Uint8Array): Promise<TeeEvidence> {
    return attestSimulated(this.options.attester, reportData);
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.starting = null;
    this.failAll(new TeeError('stopped', 'worker runner stopped'));
    if (w) await w.terminate();
  }
}
