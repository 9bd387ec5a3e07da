/**
 * The in-process TEE boundary. The enclave program's memory is this object's private state; the
 * host can only call `enter` with bytes and gets bytes back. `snapshot()` is what a curious host
 * (or the `stateless` invariant) would find if it could read the enclave after a request: it is
 * used by checks, never by the protocol.
 */
import type { InferenceBackend } from './workload.js';
import { extractiveSummariser } from './workload.js';

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
