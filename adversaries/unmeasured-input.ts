/**
 * 12. unmeasured-input (THREATS.md): the host feeds the enclave configuration the measurement does
 * not cover (the class of real findings where configuration was loaded after measurement), e.g.
 * a logging switch that sends requests to the host. Defence: the enclave accepts only what is
 * measured or bound in HOST_DATA, and refuses the rest.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';

const CONFIGS = ['log-requests=host', 'log-requests=host;model=large', 'model=large', 'debug=1;log-requests=host'] as const;

export interface ConfigPlan {
  nodeMask: number;
  config: (typeof CONFIGS)[number];
  /** Restart the fed nodes at this time so the configuration is read again at boot. */
  restartAtMs: number | null;
}

export const unmeasuredInput: Adversary<ConfigPlan> = {
  name: 'unmeasured-input',
  description: 'feeds enclaves host configuration that the measurement does not cover',
  positions: ['gateway'],
  marks: ['enclave.unmeasured-config-refused'],
  plan: (spec) =>
    fc.record({
      nodeMask: fc.integer({ min: 1, max: (1 << Math.min(spec.world.nodes, 16)) - 1 }),
      config: fc.constantFrom(...CONFIGS),
      restartAtMs: fc.option(fc.nat({ max: 20_000 }), { nil: null }),
    }),
  install(powers, plan) {
    powers.hostConfig((node) => ((plan.nodeMask >> node) & 1 ? plan.config : null));
    if (plan.restartAtMs !== null) {
      for (let i = 0; i < powers.public.nodes; i++) if ((plan.nodeMask >> i) & 1) powers.restartNode(i, plan.restartAtMs);
    }
  },
};
