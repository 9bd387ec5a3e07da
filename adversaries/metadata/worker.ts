/**
 * Worker-thread entry of `pph metadata --workers K`: draws the traffic once, then computes each
 * job (a defence setting) it is sent and posts the point back. Points are a pure function of
 * (options, settings), so which worker computes which job changes nothing in the output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analysePool, drawPool, type DefenceSettings, type WorldOptions } from './analyse.js';

export interface MetadataWorkerData {
  options: WorldOptions;
  coverHzMax: number;
}

export interface MetadataJobMessage {
  index: number;
  settings: DefenceSettings;
}

const { options, coverHzMax } = (workerData as { data: MetadataWorkerData }).data;
const pool = drawPool(options, coverHzMax);
parentPort!.on('message', (job: MetadataJobMessage) => {
  parentPort!.postMessage({ index: job.index, point: analysePool(pool, options, job.settings, 0) });
});
