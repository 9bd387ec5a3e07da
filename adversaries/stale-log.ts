/**
 * stale-log (issue 13, docs/transparency.md): the log position keeps some nodes on an old view of
 * the growing log. It holds the log's signing key but no witness key, so it can only replay
 * checkpoints the witnesses cosigned when they were current: their cosignature timestamps age.
 *
 * - `freeze`: each node in the mask gets the first view the log served it, forever, while the
 *   honest log grows (the node's bundles never advance);
 * - `rollback`: honest views until the log has grown `afterGrowths` times, then the oldest
 *   checkpoint it served that node (an older checkpoint after newer ones were seen).
 *
 * Defences: the client's log view (sim/log-view.ts): a checkpoint older than the newest it saw is
 * accepted only as a proven prefix, and every checkpoint must be cosigned by the quorum within the
 * freshness bound (model/log-policy.ts). With `log-consistency` off, a client accepts a view the log
 * superseded long ago: the `transparency` invariant names it from the observer's facts.
 */
import fc from 'fast-check';
import type { Adversary, LogProofView } from '../sim/adversary.js';

export interface StalePlan {
  mode: 'freeze' | 'rollback';
  /** Bit i set: node i gets the stale view. */
  nodeMask: number;
  /** rollback: serve honestly until the log served this many larger checkpoints to the node. */
  afterGrowths: number;
}

export const staleLog: Adversary<StalePlan> = {
  name: 'stale-log',
  description: 'freezes or rolls back the checkpoint served to some nodes while the log grows',
  positions: ['log'],
  marks: ['client.log-refused'],
  plan: (spec) =>
    fc.record({
      mode: fc.constantFrom('freeze' as const, 'rollback' as const),
      nodeMask: fc.integer({ min: 1, max: (1 << Math.min(spec.world.nodes, 16)) - 1 }),
      afterGrowths: fc.integer({ min: 1, max: 2 }),
    }),
  install(powers, plan) {
    const first = new Map<number, LogProofView>();
    const sizes = new Map<number, Set<number>>();
    const frozen = new Set<number>();
    powers.serveLogView((node, honest) => {
      if (node < 0 || !((plan.nodeMask >> node) & 1)) return honest;
      if (!first.has(node)) first.set(node, honest);
      const seen = sizes.get(node) ?? new Set<number>();
      sizes.set(node, seen.add(honest.treeSize));
      const stale = plan.mode === 'freeze' || seen.size > plan.afterGrowths;
      if (!stale) return honest;
      const old = first.get(node)!;
      if (!frozen.has(node) && old.treeSize !== honest.treeSize) {
        frozen.add(node);
        powers.note(`${plan.mode === 'freeze' ? 'froze' : 'rolled back'} node-${node}'s view at size ${old.treeSize}`, { size: old.treeSize, honestSize: honest.treeSize });
      }
      return old;
    });
  },
};
