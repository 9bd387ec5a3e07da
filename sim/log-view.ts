/**
 * The client's view of the transparency log (docs/transparency.md): the newest checkpoint it has
 * accepted and the consistency proofs that came with it. Each bundle's checkpoint is held to it:
 *
 * - same size: the same root;
 * - larger: an RFC 9162 consistency proof from the newest size seen must verify (the bundle carries
 *   proofs from the log's earlier sizes); the view then moves forward;
 * - smaller: the proof from that size to the newest seen (kept from the newest's bundle) must verify;
 *   an older checkpoint is accepted only as a prefix of the view, the view does not move back;
 * - fresh: at least the required number of witnesses cosigned it within the freshness bound
 *   (cosignature/v1 timestamps; model/log-policy.ts). A frozen or rolled-back log can serve only
 *   old cosignatures: honest witnesses never cosign a smaller size or a fork.
 *
 * Pure over its inputs: no world, no clock but the `nowMs` passed in.
 */
import { fromHex, toHex } from '../protocol/bytes.js';
import { verifyConsistency } from '../protocol/tlog/merkle.js';
import type { Cosigner } from '../protocol/tlog/witness-policy.js';
import { SIM_EPOCH_MS } from './clock.js';

export interface LogViewState {
  /** The newest checkpoint this client accepted. */
  last: { size: number; root: string } | null;
  /** Consistency proofs from earlier sizes to `last.size` (from the bundle that moved the view there). */
  proofsToLast?: Map<number, Uint8Array[]>;
}

export interface CheckpointSeen {
  size: number;
  rootHash: Uint8Array;
  cosigners: readonly Cosigner[];
  consistency: readonly { fromSize: number; proof: Uint8Array[] }[];
}

export type LogViewResult = { ok: true; verified: { from: number; to: number } | null } | { ok: false; code: 'log-consistency' | 'log-rollback' | 'log-stale' };

/** Checks `cp` against the view and, when it is newer and consistent, moves the view to it. */
export function checkLogView(view: LogViewState, cp: CheckpointSeen, policy: { nowMs: number; freshnessMs: number; quorum: number }): LogViewResult {
  const root = toHex(cp.rootHash);
  let verified: { from: number; to: number } | null = null;
  const last = view.last;
  if (last && cp.size === last.size && root !== last.root) return { ok: false, code: 'log-consistency' };
  if (last && cp.size > last.size) {
    const step = cp.consistency.find((s) => s.fromSize === last.size);
    if (!step || !proves(last.size, cp.size, step.proof, fromHex(last.root), cp.rootHash)) return { ok: false, code: 'log-consistency' };
    verified = { from: last.size, to: cp.size };
  }
  if (last && cp.size < last.size) {
    const proof = view.proofsToLast?.get(cp.size);
    if (!proof || !proves(cp.size, last.size, proof, cp.rootHash, fromHex(last.root))) return { ok: false, code: 'log-consistency' };
    verified = { from: cp.size, to: last.size };
  }
  const nowSec = (SIM_EPOCH_MS + policy.nowMs) / 1000;
  const fresh = new Set(cp.cosigners.filter((c) => c.timestampSec !== undefined && (nowSec - c.timestampSec) * 1000 <= policy.freshnessMs).map((c) => `${c.name}+${c.keyId}`));
  if (fresh.size < policy.quorum) return { ok: false, code: last && cp.size < last.size ? 'log-rollback' : 'log-stale' };
  if (!last || cp.size > last.size) {
    view.last = { size: cp.size, root };
    view.proofsToLast = new Map(cp.consistency.map((s) => [s.fromSize, s.proof]));
  }
  return { ok: true, verified };
}

function proves(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  try {
    verifyConsistency(size1, size2, proof, root1, root2);
    return true;
  } catch {
    return false;
  }
}
