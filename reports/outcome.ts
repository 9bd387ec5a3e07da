/**
 * The lines a reader sees first, taken from the folder's one verdict (reports/verdict.ts): the
 * HTML title band and the top of summary.md say exactly what the command's exit code says.
 */
import type { ReportInput } from './report-input.js';
import { decideVerdict, STATUS_WORD, type Verdict, type VerdictStatus } from './verdict.js';

export interface Outcome {
  ok: boolean;
  status: VerdictStatus;
  /** PASS, FAIL, INTERRUPTED or ERROR. */
  word: string;
  /** Title of the results, e.g. `pph run default · seed 1`. */
  title: string;
  /** The verdict's headline, then one line per reason it is not a pass, then the facts. */
  lines: string[];
  verdict: Verdict;
}

export function reportOutcome(input: ReportInput, dirLabel?: string): Outcome {
  const verdict = decideVerdict(input, dirLabel === undefined ? {} : { dirLabel });
  return {
    ok: verdict.ok,
    status: verdict.status,
    word: STATUS_WORD[verdict.status],
    title: verdict.title,
    lines: [verdict.headline, ...verdict.reasons, ...verdict.facts],
    verdict,
  };
}
