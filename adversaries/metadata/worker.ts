/**
 * Worker-thread entry of `pph metadata --workers K`: receives the traffic pool once (drawn by the
 * parent while the workers start, its columns in SharedArrayBuffers, so shared rather than
 * copied), then computes each job (a defence setting) it is sent and posts the point back. Points
 * are a pure function of (options, settings), so which worker computes which job changes nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analysePool, type DefenceSettings, type WorldOptions } from './analyse.js';
import type { TrafficPool } from './traffic.js';

export interface MetadataWorkerData {
  options: WorldOptions;
}

/** The first message: the traffic every job of the plan is computed over. */
export interface MetadataPoolMessage {
  pool: TrafficPool;
}

export interface MetadataJobMessage {
  index: number;
  settings: DefenceSettings;
}

const { options } = (workerData as { data: MetadataWorkerData }).data;
let pool: TrafficPool | null = null;
parentPort!.on('message', (m: MetadataPoolMessage | MetadataJobMessage) => {
  if ('pool' in m) {
    pool = m.pool;
    return;
  }
  if (pool === null) throw new Error('metadata worker: a job before the traffic pool');
  parentPort!.postMessage({ index: m.index, point: analysePool(pool, options, m.settings, 0) });
});
