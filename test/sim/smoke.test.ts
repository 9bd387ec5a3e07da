import { it, expect } from 'vitest';
import { runDetailed } from '../../sim/runner.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { formatEvent } from '../../sim/trace.js';

it('runs the default scenario', () => {
  const spec = loadScenario(resolveScenarioPath('default', process.cwd()));
  const d = runDetailed(spec, { seed: 1 });
  const r = d.result;
  console.log(JSON.stringify({ ...r, verdicts: Object.fromEntries(Object.entries(r.verdicts).map(([k, v]) => [k, { holds: v.holds, proof: v.proof.slice(0, 3) }])) }, null, 1));
  const errs = d.trace.filter((e) => e.kind === 'error' || (e.kind === 'verify' && e.data?.ok === false)).slice(0, 20);
  for (const e of errs) console.log(formatEvent(e));
  expect(r.stats.requests).toBe(40);
});
