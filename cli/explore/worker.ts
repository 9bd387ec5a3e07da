/**
 * A worker thread of `pph explore --workers K`: explores the symbolic world of each job it is
 * sent (one adversary each) and posts the result back. Results do not depend on which worker ran
 * which job: each exploration is a pure function of its world and bounds.
 */
import { parentPort } from 'node:worker_threads';
import { makeWorld, type WorldConfig } from '../../sim/explore/model.js';
import { explore, type ExploreBounds } from '../../sim/explore/explorer.js';

const port = parentPort;
if (port === null) throw new Error('cli/explore/worker.ts must run in a worker thread');
port.on('message', (job: { id: number; world: WorldConfig; bounds: ExploreBounds }) => {
  try {
    port.postMessage({ id: job.id, result: explore(makeWorld(job.world), job.bounds) });
  } catch (e) {
    port.postMessage({ id: job.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
port.postMessage({ ready: true });
