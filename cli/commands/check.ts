/**
 * `pph check <trace.jsonl> [--json] [--hash H]`: recomputes every verdict of a run from its trace
 * file alone. The trace carries the ground truth as fact events (model/facts.ts) and, in its first
 * fact, which invariants the run checked and which it expected violated; the invariants are pure
 * functions of the trace, so the verdicts equal `pph run`'s. Exit 0 every verdict as expected, 1
 * one is not, 2 the file does not parse or its hash does not match its events (the line is named).
 */
import { readText } from '../files.js';
import { checkTraceSeal, hashEvents, parseTraceJsonl, TraceFormatError } from '../../sim/trace.js';
import { judgeTrace } from '../../sim/runner.js';
import { factOf } from '../../model/facts.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type Command } from '../io.js';

const USAGE = [
  'pph check <trace.jsonl> [--json] [--hash H]',
  '',
  '  Recomputes every verdict from the trace file alone (same shape as `pph run --json` verdicts).',
  '  --json    print {file, traceHash, scenario, profile, ok, verdicts} as one JSON line',
  '  --hash H  also require the trace hash to be H (e.g. traceHash of result.json or a replay file)',
  '',
  '  exit: 0 every verdict as expected, 1 one is not, 2 the trace does not parse or its hash does not match',
  '',
  '  example: pph check pph-results/run-default-seed-1/trace.jsonl',
].join('\n');

export const command: Command = {
  name: 'check',
  summary: 'recompute every verdict of a run from its trace.jsonl alone (exit 2: the trace does not match its hash)',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { json: { type: 'boolean' }, hash: { type: 'string' } });
    const file = flags.positionals[0];
    if (!file || flags.positionals.length !== 1) throw new UsageError('expected one trace file');
    let events;
    try {
      events = parseTraceJsonl(readText(file, 'trace'), file);
    } catch (e) {
      if (e instanceof TraceFormatError) throw new UsageError(e.message);
      throw e;
    }
    const bad = checkTraceSeal(events);
    if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.why}`);
    const traceHash = hashEvents(events);
    const want = flags.str('hash');
    if (want !== undefined && want !== traceHash) throw new UsageError(`${file}: trace hash ${traceHash} is not the expected ${want}`);
    const worldEvent = events.find((e) => factOf(e)?.fact === 'world');
    const world = worldEvent ? (factOf(worldEvent) as unknown as { invariants?: string[]; expectViolated?: string[]; scenario?: string; profile?: string }) : null;
    if (!worldEvent || !world || !Array.isArray(world.invariants)) throw new UsageError(`${file}: no world fact (not a trace of this pph version: it carries no ground truth)`);
    if (events[events.length - 1]?.kind !== 'end') throw new UsageError(`${file}:${events.length}: the trace does not end with an end event (truncated)`);
    const expect = Object.fromEntries((world.expectViolated ?? []).map((id) => [id, 'violated' as const]));
    const verdicts = judgeTrace(events, world.invariants, expect);
    const ok = Object.values(verdicts).every((v) => v.ok);
    if (flags.bool('json')) {
      io.out(JSON.stringify({ kind: 'check', file, traceHash, scenario: world.scenario ?? null, profile: world.profile ?? null, ok, verdicts }));
    } else {
      io.out(`${ok ? 'PASS' : 'FAIL'}  check ${file} · ${world.scenario ?? '?'} · profile ${world.profile ?? '?'} · ${events.length} events · trace ${traceHash.slice(0, 16)}`);
      for (const [id, v] of Object.entries(verdicts)) {
        io.out(`${(v.holds ? 'holds' : 'VIOLATED').padEnd(9)} ${id.padEnd(18)} expected ${v.expected}${v.ok ? '' : '  <-- not as expected'}`);
        for (const p of v.proof.slice(0, 3)) io.out(`          at event ${p.event}: ${p.why}`);
      }
    }
    return ok ? EXIT_OK : EXIT_FAILED;
  },
};
