/** Plain-text views of campaigns for the terminal. */
import type { CampaignSummary } from '../../sim/campaign.js';
import type { Verdict } from '../../reports/verdict.js';

/** `runs 12/50 · 3.1 runs/s · 1 violation · ETA 12s`. */
export function progressLine(done: number, total: number, elapsedMs: number, violations: number): string {
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
  return `runs ${done}/${total} · ${rate.toFixed(2)} runs/s · ${violations} violation${violations === 1 ? '' : 's'} · ETA ${eta}s`;
}

/** A campaign for the terminal; with the folder's verdict (reports/verdict.ts), its headline comes first. */
export function campaignLines(s: CampaignSummary, dirLabel: string, verdict?: Verdict): string[] {
  const out: string[] = [];
  out.push(verdict ? verdict.headline : `${s.ok ? 'PASS' : 'FAIL'}  campaign ${s.scenario} · profile ${s.profile} · ${s.attackers.join(' + ')} · seed ${s.seed}`);
  out.push(`runs ${s.runs}/${s.runsPlanned} · ${s.runsPerSec} runs/s · ${s.unexpectedRuns} run(s) broke an expectation · ${s.shrinkSteps} shrink steps`);
  const ids = Object.keys(s.violations);
  const w = Math.max(...ids.map((i) => i.length), 9);
  out.push(`${'invariant'.padEnd(w)}  expected  violated-in  first-run`);
  for (const id of ids) {
    out.push(`${id.padEnd(w)}  ${(s.expect[id] ?? 'holds').padEnd(8)}  ${String(s.violations[id]).padStart(11)}  ${id in s.firstViolation ? String(s.firstViolation[id]).padStart(9) : '        -'}`);
  }
  const marks = Object.entries(s.requiredMarks);
  const baseline = s.profile === 'pp' || s.profile === 'pcc';
  if (marks.length) out.push(`marks: ${marks.map(([m, n]) => `${m} ${n}`).join(', ')}${baseline ? '' : ' (required on the baseline profiles only: this profile switches a defence off)'}`);
  if (s.missingMarks.length) out.push(`FAIL: the adversary never reached ${s.missingMarks.join(', ')} (an attack that never reaches the defence proves nothing)`);
  if (s.unobserved.length) out.push(`FAIL: expected violated but never observed: ${s.unobserved.join(', ')}`);
  for (const r of s.replays) out.push(`counterexample: ${r.invariant} (run ${r.runIndex}) → pph replay ${dirLabel}/${r.file}`);
  return out;
}
