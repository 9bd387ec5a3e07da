/**
 * `pph replay <file> [--json]`: re-runs a replay file (a shrunk counterexample) exactly and
 * compares. Prints the counterexample as a short fixed-width event log and the violated
 * invariant's proof. Exit 1 when the violation reproduces, 0 when the run reproduces and breaks no
 * expectation, 3 when the trace differs (non-determinism is a bug and must be loud), 2 bad input.
 */
import { resolve } from 'node:path';
import { replayRun, type Catalogue } from '../../sim/campaign.js';
import { formatEvent, type TraceEvent } from '../../sim/trace.js';
import * as catalogue from '../../adversaries/index.js';
import { parseReplayFile } from '../replay-file.js';
import { readText } from '../files.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type Command } from '../io.js';

export const EXIT_NONDETERMINISTIC = 3;

const USAGE = [
  'pph replay <replay-file.json> [--json] [--all]',
  '',
  '  re-runs the shrunk counterexample and checks it gives the same trace hash and verdicts',
  '  --json   print {reproduced, traceHash, expectedTraceHash, violated, unexpected}',
  '  --all    print every event of the trace (default: the events around the proof)',
  '',
  'exit: 1 the violation reproduces, 0 reproduces with every expectation met, 3 the trace of an intact',
  '      file differs (the simulator is not deterministic: a bug), 2 bad input: not a replay file, an',
  '      invalid scenario or plan, or an edited file (scenarioHash or integrity do not match)',
].join('\n');

/** The events to show: those of the proof with a little context, in order. */
export function proofWindow(trace: readonly TraceEvent[], proofEvents: readonly number[], around = 3, max = 60): TraceEvent[] {
  const keep = new Set<number>();
  for (const p of proofEvents) for (let i = Math.max(0, p - around); i <= p + around && i < trace.length; i++) keep.add(i);
  for (const e of trace) if (e.kind === 'tamper') keep.add(e.i);
  return trace.filter((e) => keep.has(e.i)).slice(0, max);
}

export const command: Command = {
  name: 'replay',
  summary: 'reproduce a replay file exactly',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { json: { type: 'boolean' }, all: { type: 'boolean' } });
    if (flags.positionals.length !== 1) throw new UsageError('expected one replay file');
    const file = resolve(io.cwd, flags.positionals[0]!);
    // Shape, embedded scenario, adversaries and plans, scenarioHash and integrity are checked
    // before anything runs (cli/replay-file.ts): an edited file is exit 2, never exit 3.
    const parsed = parseReplayFile(readText(file, 'replay file'), flags.positionals[0]!);
    const again = replayRun(parsed, catalogue as Catalogue);
    const traceHash = again.detail.result.traceHash;
    const same = traceHash === parsed.traceHash;
    const verdictsSame = Object.entries(parsed.verdicts).every(([id, v]) => again.detail.result.verdicts[id]?.holds === v.holds);
    const reproduced = same && verdictsSame && again.unexpected.length > 0;
    if (flags.bool('json')) {
      io.out(JSON.stringify({ reproduced, sameTrace: same, traceHash, expectedTraceHash: parsed.traceHash, violated: again.violated, unexpected: again.unexpected }));
    } else {
      const proof = again.unexpected.flatMap((id) => again.detail.result.verdicts[id]!.proof.map((p) => ({ id, ...p })));
      io.out(`replay of run ${parsed.run} · ${parsed.attackers.join(' + ')} · profile ${parsed.scenario.profile} · seed ${parsed.seed} · ${parsed.shrinkSteps} shrink steps`);
      io.out(`plan: ${JSON.stringify(parsed.plan)}`);
      const events = flags.bool('all') ? again.detail.trace : proofWindow(again.detail.trace, proof.map((p) => p.event));
      for (const e of events) io.out(formatEvent(e));
      for (const p of proof) io.out(`VIOLATED ${p.id} at event ${p.event}: ${p.why}`);
      if (!same) io.out(`TRACE DIFFERS: got ${traceHash}, the file says ${parsed.traceHash} (the simulator is not deterministic: a bug)`);
      else io.out(`trace hash ${traceHash} reproduced${again.unexpected.length ? `; violation of ${again.unexpected.join(', ')} reproduced` : '; no expectation broken'}`);
    }
    if (!same) return EXIT_NONDETERMINISTIC;
    return again.unexpected.length > 0 ? EXIT_FAILED : EXIT_OK;
  },
};
