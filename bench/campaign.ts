/**
 * Campaign throughput: runs/s of a campaign with 1 and 2 workers, and the scaling between them
 * (goal ≥ 1.8× on 2 cores). bench.json carries `campaign: null` while this returns null.
 */

export interface CampaignFigures {
  runsPerSec1: number;
  runsPerSec2: number;
  /** runsPerSec2 / runsPerSec1. */
  scaling: number;
}

/** Campaign runs/s with 1 and 2 workers, or null when not measured. */
export async function measureCampaign(): Promise<CampaignFigures | null> {
  // wired by sim/campaign.ts
  return null;
}
