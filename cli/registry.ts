/** The list of pph commands. Each loads on first use, so `pph --help` imports none of them. */
import type { Command } from './io.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  start: { summary: 'the main job on its default: run the default scenario, write pph-results/', load: () => import('./commands/start.js') },
  run: { summary: 'run one scenario with one seed and check its invariants', load: () => import('./commands/run.js') },
  trace: { summary: 'show a trace file (trace.jsonl), one fixed-width line per event', load: () => import('./commands/trace.js') },
  evidence: { summary: 'verify AMD SEV-SNP attestation reports (pph evidence verify)', load: () => import('./commands/evidence.js') },
  ohttp: { summary: 'encapsulate or decapsulate an Oblivious HTTP request (RFC 9458)', load: () => import('./commands/ohttp.js') },
  tlog: { summary: 'verify a C2SP signed note or checkpoint (pph tlog verify-note)', load: () => import('./commands/tlog.js') },
  fuzz: { summary: 'fuzz a parser with fast-check: it may only throw its typed error', load: () => import('./commands/fuzz.js') },
};
