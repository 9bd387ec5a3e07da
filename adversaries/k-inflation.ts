/**
 * 13. k-inflation (THREATS.md, profile `pcc`): the gateway offers more candidate nodes than the
 * client's cap (every node, or the same node several times), or reuses keys attested in an
 * earlier epoch (a prefetched attestation), to widen the set of nodes that can decrypt one
 * request. Defences: the client caps k and picks the nodes itself; keys of old epochs are refused.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import type { Candidate } from '../sim/epoch.js';

const MODES = ['honest', 'all', 'duplicates', 'stale', 'all-plus-stale'] as const;

export interface InflationPlan {
  /** The i-th candidate fetch gets offers[i] (beyond the list: honest). */
  offers: (typeof MODES)[number][];
}

export const kInflation: Adversary<InflationPlan> = {
  name: 'k-inflation',
  description: 'offers more candidate nodes than the cap, duplicates, or keys of past epochs (pcc)',
  positions: ['gateway'],
  marks: ['client.k-capped'],
  profiles: ['pcc'],
  plan: (spec) => fc.record({ offers: fc.array(fc.constantFrom(...MODES), { minLength: 1, maxLength: spec.world.requests + 2 }) }),
  install(powers, plan) {
    let n = 0;
    powers.offerCandidates((honest, directory, published) => {
      const mode = plan.offers[n++] ?? 'honest';
      const stale = published.filter((p) => !directory.includes(p));
      let offer: Candidate[];
      switch (mode) {
        case 'honest':
          return honest;
        case 'all':
          offer = directory;
          break;
        case 'duplicates':
          offer = [...honest, ...honest, ...honest];
          break;
        case 'stale':
          offer = stale.length ? stale : directory;
          break;
        case 'all-plus-stale':
          offer = [...directory, ...stale];
          break;
      }
      powers.note(`offered ${offer.length} candidates (${mode})`, { mode });
      return offer;
    });
  },
};
