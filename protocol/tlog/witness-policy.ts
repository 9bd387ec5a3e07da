/**
 * The client-side trust policy for checkpoints: "signed by the log and cosigned by at least
 * `quorum` of these witnesses" (c2sp.org/tlog-cosignature: clients verify a quorum of
 * cosignatures to prevent split views). Failures are NoteError with codes `log-signature`,
 * `quorum`, `origin`, plus those of `verifyNote` and `parseCheckpoint`.
 */
import { aint } from '../bytes.js';
import { NoteError } from '../errors.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { CosignatureV1Verifier, decodeCosignatureV1 } from './cosignature.js';
import { verifyNote, type NoteSignature } from './note.js';
import type { NoteVerifier } from './note-key.js';

export interface WitnessPolicy {
  /** The log's key; its signature is required. */
  log: NoteVerifier;
  /** Trusted witnesses (cosignature/v1 or plain note keys). */
  witnesses: readonly NoteVerifier[];
  /** How many distinct witnesses must have cosigned, 0..witnesses.length. */
  quorum: number;
  /** If set, the checkpoint's origin line must equal it. */
  origin?: string;
}

export interface Cosigner {
  name: string;
  keyId: number;
  /** POSIX seconds from a cosignature/v1 line; undefined for a plain note signature. */
  timestampSec: number | undefined;
}

export interface CosignedCheckpoint {
  checkpoint: Checkpoint;
  /** The policy witnesses whose signatures verified, in note order. */
  cosigners: Cosigner[];
}

/**
 * Verifies a checkpoint note under `policy`. Every line from a known key (log or witness) must
 * verify, unknown lines are skipped, and the log plus `quorum` distinct witnesses must be there.
 *
 * @example
 * const { checkpoint } = verifyCosignedCheckpoint(note, { log, witnesses: [w1, w2, w3], quorum: 2 });
 */
export function verifyCosignedCheckpoint(note: string | Uint8Array, policy: WitnessPolicy): CosignedCheckpoint {
  aint('quorum', policy.quorum, 0, policy.witnesses.length);
  const verified = verifyNote(note, [policy.log, ...policy.witnesses]);
  if (!verified.verified.some((s) => matches(policy.log, s))) {
    throw new NoteError('log-signature', `no signature by the log key ${policy.log.name}`);
  }
  const cosigners: Cosigner[] = [];
  for (const witness of policy.witnesses) {
    const sig = verified.verified.find((s) => matches(witness, s));
    // The log's own key never counts as a witness, and each witness counts once.
    if (!sig || matches(policy.log, sig) || cosigners.some((c) => c.name === witness.name && c.keyId === witness.keyId)) continue;
    // verifyNote already checked this line; read the timestamp without verifying twice.
    const timestampSec = witness instanceof CosignatureV1Verifier ? decodeCosignatureV1(sig.signature)?.timestampSec : undefined;
    cosigners.push({ name: witness.name, keyId: witness.keyId, timestampSec });
  }
  if (cosigners.length < policy.quorum) {
    throw new NoteError('quorum', `${cosigners.length} of the required ${policy.quorum} witness cosignatures`);
  }
  const checkpoint = parseCheckpoint(verified.text);
  if (policy.origin !== undefined && checkpoint.origin !== policy.origin) {
    throw new NoteError('origin', `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the expected log`);
  }
  return { checkpoint, cosigners };
}

function matches(verifier: NoteVerifier, sig: NoteSignature): boolean {
  return verifier.name === sig.name && verifier.keyId === sig.keyId;
}
