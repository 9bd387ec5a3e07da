/** `pph trace show <trace.jsonl> [--legend]`: one fixed-width line per event. */
import { readText } from '../files.js';
import { formatEvent, hashEvents, parseTraceJsonl, traceLegend } from '../../sim/trace.js';
import { EXIT_OK, parseFlags, UsageError, type Command } from '../io.js';

export const command: Command = {
  name: 'trace',
  summary: 'show a trace file (trace.jsonl) as one fixed-width line per event',
  usage: 'pph trace show <trace.jsonl> [--legend] [--kind K]...\n\n  example: pph trace show pph-results/run-default-seed-1/trace.jsonl --kind verify',
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'show') throw new UsageError(sub === undefined ? 'missing subcommand (show)' : `unknown subcommand '${sub}'`);
    const flags = parseFlags(rest, { legend: { type: 'boolean' }, kind: { type: 'string', multiple: true } });
    const file = flags.positionals[0];
    if (!file || flags.positionals.length !== 1) throw new UsageError('expected one trace file');
    const events = parseTraceJsonl(readText(file, 'trace'), file);
    if (flags.bool('legend')) for (const l of traceLegend()) io.out(l);
    const kinds = new Set(flags.strs('kind'));
    for (const e of events) if (kinds.size === 0 || kinds.has(e.kind)) io.out(formatEvent(e));
    io.out(`${events.length} events, trace hash ${hashEvents(events)}`);
    return EXIT_OK;
  },
};
