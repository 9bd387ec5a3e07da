/**
 * The growing transparency log's timing (docs/transparency.md): when the honest log appends and
 * re-publishes, and the freshness bound clients hold a checkpoint to. Plain constants shared by the
 * simulator (the log, the client's log view, the observer) and the `transparency` invariant.
 */

/** The honest log and its witnesses re-sign and re-cosign the current checkpoint this often (virtual ms). */
export const LOG_REFRESH_MS = 250;
/** The honest log appends one release entry this often (virtual ms), from this time on ... */
export const LOG_GROWTH_MS = 500;
/** ... at most this many times in a run (a bounded history: the consistency ladder stays small). */
export const LOG_GROWTH_MAX = 8;

/**
 * The freshness bound: a client accepts a checkpoint only if the required witnesses cosigned it at
 * most this long ago (cosignature/v1 timestamps, whole seconds). A deployment sets it for its
 * network: here eight refresh periods (2 s: the timestamps' one-second resolution and a few lost
 * pushes on the node-log link) plus eight worst-case link delays (the push, the bundle's trip to the
 * client, and retransmissions). pcc adds two key epochs, since a candidate's bundle is made when
 * its epoch key is published and candidates of the previous epoch are accepted.
 */
export function freshnessBoundMs(base: 'pp' | 'pcc', epochMs: number, maxLinkDelayMs: number): number {
  return 8 * LOG_REFRESH_MS + 8 * maxLinkDelayMs + (base === 'pcc' ? 2 * epochMs : 0);
}
