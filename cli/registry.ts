/** The list of pph commands. Each loads on first use, so `pph --help` imports none of them. */
import type { Command } from './io.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  start: { summary: 'the main job on its default: the default scenario, then the threat matrix on a quick budget; writes pph-results/', load: () => import('./commands/start.js') },
  run: { summary: 'run one scenario with one seed and check its invariants', load: () => import('./commands/run.js') },
  list: { summary: 'list the built-in scenarios, adversaries, profiles and invariants (--json)', load: () => import('./commands/list.js') },
  check: { summary: 'recompute every verdict of a run from its trace.jsonl alone (exit 2: it does not parse or match its hash)', load: () => import('./commands/check.js') },
  trace: { summary: 'show a trace file (trace.jsonl), one fixed-width line per event', load: () => import('./commands/trace.js') },
  evidence: { summary: 'verify attestation evidence: AMD SEV-SNP, Intel TDX/SGX (DCAP), NVIDIA GPU (SPDM) (pph evidence verify)', load: () => import('./commands/evidence.js') },
  ohttp: { summary: 'encapsulate or decapsulate an Oblivious HTTP request (RFC 9458)', load: () => import('./commands/ohttp.js') },
  tlog: { summary: 'verify a C2SP signed note or checkpoint (pph tlog verify-note)', load: () => import('./commands/tlog.js') },
  report: { summary: 'write the HTML, Markdown and JUnit reports of a results folder again, without re-running', load: () => import('./commands/report.js') },
  reproduce: { summary: "re-run a results folder's manifest.json and compare the results (exit 0 identical)", load: () => import('./commands/reproduce.js') },
  campaign: { summary: 'property-based campaign of adversary plans (fast-check), shrunk counterexamples, replay files', load: () => import('./commands/campaign.js') },
  replay: { summary: 'reproduce a replay file exactly: same trace hash, same verdicts (exit 1 reproduced, 3 trace differs)', load: () => import('./commands/replay.js') },
  merge: { summary: 'merge the output folders of campaign shards into one summary', load: () => import('./commands/merge.js') },
  explore: { summary: 'bounded exhaustive exploration (symbolic, breadth-first): the shortest counterexample, confirmed with real crypto', load: () => import('./commands/explore.js') },
  matrix: { summary: 'threat matrix: every adversary x profile x invariant, and the mutant kill table', load: () => import('./commands/matrix.js') },
  metadata: { summary: 'metadata-correlation analysis: linking accuracy vs chance per defence, as curves', load: () => import('./commands/metadata.js') },
  fuzz: { summary: 'fuzz a parser with fast-check: it may only throw its typed error', load: () => import('./commands/fuzz.js') },
  bench: { summary: 'benchmark the hot path per TEE runner against its floor, each layer, the OHTTP peer and the simulator', load: () => import('./commands/bench.js') },
  tee: { summary: 'which TEE runners work on this machine, and why the others do not (pph tee probe)', load: () => import('./commands/tee.js') },
  'ra-tls': { summary: 'RA-TLS: a TLS 1.3 server on loopback with attestation evidence in its certificate (pph ra-tls serve); extract it', load: () => import('./commands/ra-tls.js') },
};
