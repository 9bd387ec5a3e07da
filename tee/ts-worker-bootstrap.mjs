// Starts a TypeScript worker entry when pph runs from its .ts sources (vitest, tsx): registers
// tsx's ESM loader in this thread first. From dist/ the compiled .js entry is started directly.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
