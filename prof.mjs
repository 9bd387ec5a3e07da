import { loadScenario, resolveScenarioPath } from './dist/scenarios/index.js';
import { runScenario } from './dist/sim/runner.js';
const s = loadScenario(resolveScenarioPath(process.argv[2] ?? 'matrix', process.cwd()));
const n = Number(process.argv[3] ?? 20);
const variants = { shared: s, perRun: { ...s, world: { ...s.world, keySeed: undefined } } };
for (let round = 0; round < 2; round++) for (const [name, spec] of Object.entries(variants)) {
  const c0 = process.cpuUsage(); const t = performance.now();
  for (let i = 0; i < n; i++) runScenario(spec, { seed: round * 1000 + i + 1 });
  const c = process.cpuUsage(c0);
  console.log(name, 'wall ms/run', ((performance.now() - t) / n).toFixed(1), 'cpu ms/run', ((c.user + c.system) / 1000 / n).toFixed(1));
}
