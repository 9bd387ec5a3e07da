import { describe, expect, it } from 'vitest';
import { runAttacked } from '../../adversaries/index.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';

const spec = loadScenario(resolveScenarioPath('matrix', process.cwd()));

describe('runAttacked (library use from a user suite)', () => {
  it('draws plans from the seed: the same call gives the same trace, another seed another plan', () => {
    const a = runAttacked(spec, { seed: 7, adversaries: ['malicious-relay'] });
    const b = runAttacked(spec, { seed: 7, adversaries: ['malicious-relay'] });
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.plans).toEqual(a.plans);
    expect(a.adversaries).toEqual(['malicious-relay']);
    expect(a.verdicts.confidentiality!.holds).toBe(true);
    const c = runAttacked(spec, { seed: 8, adversaries: ['malicious-relay'] });
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('expands a coalition and takes given plans; unknown names and wrong plan counts are errors', () => {
    const r = runAttacked(spec, { seed: 3, adversaries: ['malicious-image'], plans: [{ node: 0 }] });
    expect(r.verdicts.confidentiality!.holds).toBe(false);
    expect(() => runAttacked(spec, { seed: 3, adversaries: ['no-such'] })).toThrow(/unknown adversary/);
    expect(() => runAttacked(spec, { seed: 3, adversaries: ['relay+gateway'], plans: [{}] })).toThrow(/expected 3 plans, got 1/);
  });
});
