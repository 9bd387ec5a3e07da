/**
 * A campaign worker thread of the persistent pool (pool.ts): loads the catalogue once, then
 * receives jobs (a campaign spec and a run index, tagged with the pool's epoch) and answers each
 * with the run's line and, when it failed, its shrunk replay. Results depend on the job only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun, resolveAll, type CampaignSpec, type Catalogue, type RunGuide } from '../../sim/campaign.js';
import type { Adversary } from '../../sim/adversary.js';
import type { PphWorkerData } from '../../tee/spawn-worker.js';

const port = parentPort;
if (port === null) throw new Error('cli/campaign/worker.ts must run in a worker thread');
const { catalogueUrl } = (workerData as PphWorkerData<{ catalogueUrl: string }>).data;
const catalogue = (await import(catalogueUrl)) as Catalogue;
const cache = new Map<string, Adversary<any>[]>();
port.on('message', (job: { epoch: number; id: number; cs: CampaignSpec; run: number; guide?: RunGuide | null }) => {
  try {
    const key = job.cs.attackers.join('+');
    let adversaries = cache.get(key);
    if (!adversaries) cache.set(key, (adversaries = resolveAll(catalogue, job.cs.attackers)));
    port.postMessage({ epoch: job.epoch, id: job.id, outcome: executeRun(job.cs, adversaries, job.run, job.guide ?? null) });
  } catch (e) {
    port.postMessage({ epoch: job.epoch, id: job.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
port.postMessage({ ready: true });
