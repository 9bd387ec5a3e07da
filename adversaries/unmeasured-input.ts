/**
 * 12. unmeasured-input (THREATS.md): the host feeds the enclave configuration the measurement does
 * not cover (the class of real findings where configuration was loaded after measurement), e.g.
 * the program's logging switch `log=requests`, whose log the host collects. Defence: the platform
 * binds the launch configuration in HOST_DATA and the client refuses any but the released one.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';

/** Launch configurations of the enclave program (tee/enclave-program.ts) other than the released one. */
const CONFIGS = ['log=requests', 'log=requests;model=large', 'model=large', 'debug=1;log=requests'] as const;

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
  marks: ['client.evidence-rejected.host-data'],
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
