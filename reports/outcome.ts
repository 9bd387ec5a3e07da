/**
 * The one line a reader sees first: did every expectation hold? Shared by the HTML title band and
 * summary.md so both say the same thing.
 */
import { primaryKind, type ReportInput } from './report-input.js';
import { campaignMismatches } from './html-campaign.js';
import { matrixCounts } from './html-matrix.js';
import { benchOverGate } from './html-bench.js';

export interface Outcome {
  ok: boolean;
  /** Title of the results, e.g. `pph run default · seed 1`. */
  title: string;
  /** One sentence per kind of result present. */
  lines: string[];
}

function title(input: ReportInput): string {
  switch (primaryKind(input)) {
    case 'run':
      return `pph run ${input.run!.result.scenario} · seed ${input.run!.result.seed}`;
    case 'campaign': {
      const k = input.campaign!.campaign;
      return `pph campaign ${k.scenario} · profile ${k.profile} · seed ${k.seed} · ${k.runs} runs`;
    }
    case 'matrix':
      return `pph matrix · seed ${input.matrix!.seed} · ${input.matrix!.runs} run${input.matrix!.runs === 1 ? '' : 's'} per cell`;
    case 'bench':
      return 'pph bench';
    default:
      return 'pph results';
  }
}

export function reportOutcome(input: ReportInput): Outcome {
  const lines: string[] = [];
  let ok = true;
  if (input.run) {
    const vs = Object.values(input.run.result.verdicts);
    const bad = vs.filter((v) => !v.ok).length;
    ok &&= bad === 0;
    lines.push(bad === 0 ? `Every verdict matched its expectation (${vs.length} of ${vs.length}).` : `${bad} of ${vs.length} verdicts did NOT match their expectation.`);
  }
  if (input.campaign) {
    const bad = campaignMismatches(input.campaign);
    const total = Object.keys(input.campaign.campaign.violations).length;
    ok &&= bad === 0;
    lines.push(bad === 0 ? `Every invariant behaved as expected over ${input.campaign.campaign.runs} runs (${total} invariants).` : `${bad} of ${total} invariants did NOT behave as expected over ${input.campaign.campaign.runs} runs.`);
  }
  if (input.matrix) {
    const n = matrixCounts(input.matrix);
    const survived = n.mutants - n.mutantsKilled;
    ok &&= n.unexpected === 0 && survived === 0;
    const mutants = n.mutants > 0 ? `; ${n.mutantsKilled} of ${n.mutants} mutants killed` : '';
    lines.push(n.unexpected === 0 ? `All ${input.matrix.cells.length} matrix cells as expected${mutants}.` : `${n.unexpected} of ${input.matrix.cells.length} matrix cells NOT as expected${mutants}.`);
  }
  if (input.bench) {
    const over = benchOverGate(input.bench);
    ok &&= over.length === 0;
    lines.push(over.length === 0 ? 'Bench: the hot path is within its gate.' : `Bench: ${over.join(', ')} over the gate.`);
  }
  return { ok, title: title(input), lines };
}
