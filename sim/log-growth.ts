/**
 * The honest transparency log as it grows during a run (docs/transparency.md), and its witnesses.
 *
 * The log appends release entries at scheduled virtual times and re-publishes its checkpoint every
 * LOG_REFRESH_MS: a C2SP checkpoint signed by the log, then cosigned (cosignature/v1, timestamped)
 * by each witness. A witness cosigns only a checkpoint it can check: signed by the log, and an RFC
 * 9162 consistency proof from the last checkpoint it cosigned verifies (so an honest witness never
 * cosigns a rollback or a fork). With each checkpoint the log publishes its consistency "ladder":
 * one proof from every earlier published size to the current one, which clients use to move their
 * view forward (or to check an older checkpoint against the newest they hold).
 */
import { sign, type KeyObject } from 'node:crypto';
import { concat, toHex, utf8 } from '../protocol/bytes.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { encodeReleaseEntry } from '../protocol/attestation-bundle.js';
import { formatCheckpoint } from '../protocol/tlog/checkpoint.js';
import { cosignatureV1Message, type CosignatureV1Signer } from '../protocol/tlog/cosignature.js';
import { verifyConsistency } from '../protocol/tlog/merkle.js';
import type { MerkleLog } from '../protocol/tlog/log.js';
import { addSignatures, signNote, verifyNote, type NoteSignature } from '../protocol/tlog/note.js';
import { ed25519PrivateKey, type Ed25519NoteSigner, type NoteVerifier } from '../protocol/tlog/note-key.js';
import { parseCheckpoint } from '../protocol/tlog/checkpoint.js';
import { SIM_EPOCH_MS } from './clock.js';

/** A consistency proof from an earlier published size to the checkpoint it rides with. */
export interface ConsistencyStep {
  fromSize: number;
  proof: Uint8Array[];
}

/** One checkpoint the honest log published (ground truth for the observer). */
export interface Published {
  size: number;
  root: string;
  atMs: number;
}

/** The most consistency proofs one checkpoint carries (the sizes published most recently). */
export const LADDER_MAX = 8;

/**
 * cosignature/v1 with node:crypto's Ed25519 (hand-written glue, not crypto: the log re-cosigns every
 * LOG_REFRESH_MS and noble's pure-JS signing was 40% of a run). Ed25519 is deterministic, so the
 * bytes equal CosignatureV1Signer's for the same seed (test/sim/log-growth.test.ts checks it).
 */
export class FastCosigner {
  private readonly key: KeyObject;

  constructor(
    readonly signer: CosignatureV1Signer,
    seed: Uint8Array,
  ) {
    this.key = ed25519PrivateKey(seed);
  }

  cosign(text: string, timestampSec: number): NoteSignature {
    const sig = new Uint8Array(sign(null, cosignatureV1Message(utf8(text), timestampSec), this.key));
    const timestamp = new Uint8Array(8);
    new DataView(timestamp.buffer).setBigUint64(0, BigInt(timestampSec));
    return { name: this.signer.name, keyId: this.signer.keyId, signature: concat(timestamp, sig) };
  }
}

/** An honest witness: cosigns a checkpoint only if it is consistent with the last one it cosigned. */
export class Witness {
  private last: { size: number; root: Uint8Array } | null = null;
  /** The last note it checked (the log re-signs an unchanged body to the same bytes: Ed25519 is deterministic). */
  private checked: { note: string; text: string } | null = null;

  constructor(
    readonly signer: FastCosigner,
    private readonly log: MerkleLog,
  ) {}

  /** The cosignature of `body` at `nowMs`, or null when it refuses (not consistent with what it cosigned). */
  cosign(note: string, verifierOfLog: NoteVerifier, nowMs: number) {
    const text = this.checked?.note === note ? this.checked.text : verifyNote(note, [verifierOfLog]).text;
    const cp = parseCheckpoint(text);
    if (this.last && this.checked?.note !== note) {
      if (cp.size < this.last.size) return null;
      try {
        // The witness asks the log for the proof; a log that cannot produce one gets no cosignature.
        const proof = cp.size <= this.log.size && this.last.size >= 1 ? this.log.consistencyProof(this.last.size, cp.size) : [];
        verifyConsistency(this.last.size, cp.size, proof, this.last.root, cp.rootHash);
      } catch {
        return null;
      }
    }
    this.last = { size: cp.size, root: cp.rootHash };
    this.checked = { note, text };
    return this.signer.cosign(text, Math.floor((SIM_EPOCH_MS + nowMs) / 1000));
  }
}

export class HonestLog {
  readonly published: Published[] = [];
  private note: string;
  private readonly witnesses: Witness[];
  private grown = 0;
  private signed: { size: number; note: string } | null = null;
  private ladderOf: { size: number; steps: ConsistencyStep[] } | null = null;
  private readonly proofs = new Map<string, Uint8Array[]>();
  private readonly logVerifier: NoteVerifier;

  constructor(
    readonly log: MerkleLog,
    private readonly signer: Ed25519NoteSigner,
    witnessSigners: readonly CosignatureV1Signer[],
    witnessSeeds: readonly Uint8Array[],
    private readonly origin: string,
    private readonly extensions: string[],
    genesisNote: string,
  ) {
    this.logVerifier = signer.verifier();
    this.witnesses = witnessSigners.map((s, i) => new Witness(new FastCosigner(s, witnessSeeds[i]!), log));
    this.note = genesisNote;
    // The witnesses cosigned the genesis checkpoint when the world was made.
    for (const w of this.witnesses) w.cosign(genesisNote, this.logVerifier, 0);
    this.published.push({ size: log.size, root: toHex(log.root()), atMs: 0 });
  }

  get checkpointNote(): string {
    return this.note;
  }

  get growths(): number {
    return this.grown;
  }

  /** Appends the next scheduled release entry: other images' releases, and a new release of the node image. */
  grow(): void {
    const n = this.grown++;
    const image = n % 3 === 1 ? `pph-enclave 1.${1 + Math.floor(n / 3)}` : `pph-other-image ${n}`;
    this.log.append(encodeReleaseEntry(sha384(utf8(image)), image));
  }

  /** Re-publishes the current checkpoint: signed by the log, cosigned by each witness that accepts it. */
  publish(nowMs: number): string {
    if (this.signed?.size !== this.log.size) {
      const body = formatCheckpoint({ origin: this.origin, size: this.log.size, rootHash: this.log.root(), extensions: this.extensions });
      this.signed = { size: this.log.size, note: signNote(body, [this.signer]) };
    }
    const signed = this.signed.note;
    const cosigs = this.witnesses.map((w) => w.cosign(signed, this.logVerifier, nowMs)).filter((c) => c !== null);
    this.note = addSignatures(signed, cosigs);
    const last = this.published[this.published.length - 1]!;
    if (last.size !== this.log.size) this.published.push({ size: this.log.size, root: toHex(this.log.root()), atMs: nowMs });
    return this.note;
  }

  /** Consistency proofs from the most recent earlier published sizes to the current size. */
  ladder(): ConsistencyStep[] {
    const size = this.log.size;
    if (this.ladderOf?.size === size) return this.ladderOf.steps;
    const steps = this.published
      .filter((p) => p.size < size && p.size >= 1)
      .slice(-LADDER_MAX)
      .map((p) => ({ fromSize: p.size, proof: this.log.consistencyProof(p.size, size) }));
    this.ladderOf = { size, steps };
    return steps;
  }

  /** The inclusion proof of leaf `index` in the current tree (one per size: the log re-serves it at every refresh). */
  inclusionProof(index: number): Uint8Array[] {
    const key = `${index}:${this.log.size}`;
    let p = this.proofs.get(key);
    if (!p) {
      if (this.proofs.size > 64) this.proofs.clear();
      this.proofs.set(key, (p = this.log.inclusionProof(index, this.log.size)));
    }
    return p;
  }

  /** Ground truth: the time the log first published a checkpoint larger than `size` (null: none yet). */
  supersededAt(size: number): number | null {
    return this.published.find((p) => p.size > size)?.atMs ?? null;
  }
}
