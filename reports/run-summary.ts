/** `summary.md` of a run: the verdict table and the reproduce line, as Markdown. */
import type { RunResult } from '../sim/runner.js';
import type { RunSpec } from '../sim/spec.js';
import { derivedOptions } from './run-text.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function runSummaryMarkdown(result: RunResult, spec: RunSpec, scenarioRef: string): string {
  const lines = [
    `# pph run: ${spec.name}`,
    '',
    `- seed: \`${result.seed}\``,
    `- scenario hash: \`${result.scenarioHash}\``,
    `- trace hash: \`${result.traceHash}\``,
    `- options: ${derivedOptions(spec)}`,
    `- requests: ${result.stats.ok} answered, ${result.stats.errors} errors, ${result.stats.blocked} kept on device, ${result.stats.unfinished} unfinished`,
    '',
    '| invariant | verdict | expected | matches | proof |',
    '|---|---|---|---|---|',
  ];
  for (const [id, v] of Object.entries(result.verdicts)) {
    const proof = v.proof.slice(0, 3).map((p) => `#${p.event}: ${p.why}`).join('; ');
    lines.push(`| ${id} | ${v.holds ? 'holds' : 'VIOLATED'} | ${v.expected} | ${v.ok ? 'yes' : '**no**'} | ${cell(proof)} |`);
  }
  lines.push('', `Reproduce: \`pph run ${scenarioRef} --seed ${result.seed}\``, '');
  return lines.join('\n');
}
