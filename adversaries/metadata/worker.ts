/**
 * Worker-thread entry of `pph metadata --workers K`: receives the traffic pool (drawn by the
 * parent while the workers start and compute, its columns in SharedArrayBuffers, so shared rather
 * than copied: the real requests first, then with the cover layers), then computes each job (a defence setting) it is sent and posts the point back. Points
 * are a pure function of (options, settings), so which worker computes which job changes nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analysePool, type DefenceSettings, type WorldOptions } from './analyse.js';
import type { TrafficPool } from './traffic.js';
import { scratch } from './scratch.js';

export interface MetadataWorkerData {
  options: WorldOptions;
  /** About the most sends a job will analyse (the full pool's): the scratch capacity (scratch.ts expectSends). */
  sendsExpected?: number;
}

/**
 * A traffic pool: first the real requests alone (`stage: 'real'`, enough for every job without
 * cover), then, for plans with cover, the full pool (`stage: 'full'`). Each is posted before any
 * job that names it (messages keep their order).
 */
export interface MetadataPoolMessage {
  pool: TrafficPool;
  stage: PoolStage;
}

export type PoolStage = 'real' | 'full';

export interface MetadataJobMessage {
  index: number;
  settings: DefenceSettings;
  stage: PoolStage;
}

const { options, sendsExpected } = (workerData as { data: MetadataWorkerData }).data;
if (sendsExpected !== undefined) scratch.expectSends(sendsExpected);
const pools: Partial<Record<PoolStage, TrafficPool>> = {};
parentPort!.on('message', (m: MetadataPoolMessage | MetadataJobMessage) => {
  if ('pool' in m) {
    pools[m.stage] = m.pool;
    return;
  }
  const pool = pools[m.stage];
  if (pool === undefined) throw new Error(`metadata worker: a job before its traffic pool (${m.stage})`);
  parentPort!.postMessage({ index: m.index, point: analysePool(pool, options, m.settings, 0) });
});
