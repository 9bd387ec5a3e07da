import { runDetailed } from './sim/runner.js';
import { loadScenario, resolveScenarioPath } from './scenarios/index.js';
import { formatEvent } from './sim/trace.js';
const spec = loadScenario(resolveScenarioPath(process.argv[2] ?? 'default', process.cwd()));
const d = runDetailed(spec, { seed: Number(process.argv[3] ?? 3) });
for (const [k, v] of Object.entries(d.result.verdicts)) if (!v.ok) { console.log(k, v.holds, JSON.stringify(v.proof)); for (const p of v.proof.slice(0,2)) for (const e of d.trace.slice(Math.max(0,p.event-15), p.event+2)) console.log(formatEvent(e)); }
console.log(d.result.stats);
