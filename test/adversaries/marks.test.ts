/**
 * Coverage marks (STYLE.md habit 9): an attack that never reaches the defence it targets proves
 * nothing. Each adversary of the catalogue reaches every mark it declares within a small campaign
 * on the profile it acts on, and (with the expectations of scenarios/expected/<base>.yaml) breaks
 * no expectation there. The budget is fixed; the campaign stops early once every mark was hit.
 */
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../cli/campaign/pool.js';
import type { CampaignSpec } from '../../sim/campaign.js';
import { CATALOGUE, expectationsOf, expectedFor, matrixWorld, worldFor } from './catalogue.js';

/**
 * Runs an adversary may spend reaching its marks (seed 1 of the matrix world). 20 since the log
 * grows during a run (issue 13): its pushes draw from the network's delays, and malicious-relay's
 * double spend (about one run in eight) first lands in run 17 of this campaign.
 */
const BUDGET_RUNS = 20;

const BASE = matrixWorld();

const WITH_MARKS = CATALOGUE.filter((a) => a.marks.length > 0);

describe.each(WITH_MARKS.map((a) => [a.name, a] as const))('adversary %s', (name, a) => {
  it(`reaches every mark it declares within ${BUDGET_RUNS} runs and breaks no expectation`, async () => {
    const spec = worldFor(a, BASE);
    const cs: CampaignSpec = { spec, attackers: [name], expect: expectationsOf(spec.profile, name), seed: 1, runs: BUDGET_RUNS, shrinkRuns: 0 };
    const hit = new Set<string>();
    const stop = { requested: false };
    const { summary } = await runCampaign(cs, {
      workers: 1,
      shard: null,
      timeLimitS: null,
      outDir: null,
      resume: false,
      stop,
      onRun: (line) => {
        for (const m of a.marks) if (Object.entries(line.marks).some(([k, n]) => n > 0 && (k === m || k.startsWith(`${m}.`)))) hit.add(m);
        if (hit.size === a.marks.length) stop.requested = true;
      },
    });
    const missed = Object.entries(summary.requiredMarks).filter(([, n]) => n === 0).map(([m]) => m);
    expect(missed, `${name} missed marks after ${summary.runs} runs on ${spec.profile}`).toEqual([]);
    expect(Object.keys(summary.requiredMarks).sort()).toEqual([...a.marks].sort());
    expect(summary.missingMarks).toEqual([]);
    expect(summary.unexpectedRuns, JSON.stringify(summary.byRun)).toBe(0);
  });
});

describe('adversaries without marks', () => {
  it('each stands for an outside-the-trust-model condition whose violation the matrix expects', () => {
    // Nothing for them to be rejected by: their evidence of reach is the expected violation
    // itself, which a campaign reports as `unobserved` when no run shows it.
    for (const a of CATALOGUE.filter((x) => x.marks.length === 0)) {
      const profile = worldFor(a, BASE).profile;
      const violated = Object.entries(expectedFor(profile).expected[a.name] ?? {}).filter(([, e]) => e === 'violated');
      expect(violated.length, `${a.name} on ${profile}`).toBeGreaterThan(0);
    }
  });
});
