/**
 * Inside the worker TEE: the enclave program and nothing else. Messages are `{ id, bytes }` both
 * ways; only Uint8Arrays cross, so the host never holds a reference into the enclave's memory.
 */
import { parentPort } from 'node:worker_threads';
import { EnclaveProgram } from './enclave-program.js';

interface Call {
  id: number;
  bytes: Uint8Array;
}

const port = parentPort;
if (port === null) throw new Error('tee/worker-entry.ts must run in a worker thread');
const program = new EnclaveProgram();
port.on('message', (m: Call) => {
  // handle() never throws: malformed calls come back as error replies.
  const bytes = program.handle(m.bytes instanceof Uint8Array ? m.bytes : new Uint8Array(0));
  port.postMessage({ id: m.id, bytes });
});
port.postMessage({ id: 0, bytes: new Uint8Array(0) });
