/**
 * How a run reads for humans (STYLE.md habit 8): the seed and scenario hash first, the options
 * derived from them next, one line per invariant with its proof events, the reproduce line last.
 */
import type { RunResult } from '../sim/runner.js';
import type { RunSpec } from '../sim/spec.js';
import type { TraceEvent } from '../sim/trace.js';
import { formatEvent } from '../sim/trace.js';
import type { Verdict } from './verdict.js';

export interface RunTextOptions {
  scenarioRef: string;
  color: boolean;
  /** Proof events shown per violated invariant. */
  proofEvents?: number;
  /** The run's verdict (reports/verdict.ts): its headline and reasons end the text. */
  verdict?: Verdict;
}

const paint = (on: boolean, code: number, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function derivedOptions(spec: RunSpec): string {
  const w = spec.world;
  const n = spec.network;
  const restarts = spec.faults.nodeRestarts.map((r) => `node-${r.node}@${r.atMs}ms`).join(',') || '-';
  return [
    `profile=${spec.profile}`,
    `ablations=${spec.ablations.join(',') || '-'}`,
    `users=${w.users} (opted-out ${w.optedOutUsers})`,
    `chats=${w.chats} (excluded ${w.excludedChats})`,
    `nodes=${w.nodes}`,
    `requests=${w.requests}`,
    `tokens/user=${w.tokensPerUser}`,
    `witnesses=${w.witnessQuorum}/${w.witnesses}`,
    `delay=${n.delayMs.min}-${n.delayMs.max}ms loss=${n.loss} dup=${n.duplicate}`,
    `restarts=${restarts}`,
  ].join('  ');
}

export function runText(result: RunResult, spec: RunSpec, trace: readonly TraceEvent[], opts: RunTextOptions): string[] {
  const lines: string[] = [];
  lines.push(`pph run ${spec.name}  seed=${result.seed}  scenario=${result.scenarioHash.slice(0, 16)}  trace=${result.traceHash.slice(0, 16)}`);
  lines.push(`  ${derivedOptions(spec)}`);
  const s = result.stats;
  lines.push(`  requests: ${s.ok} answered, ${s.errors} explicit errors, ${s.blocked} kept on device by consent, ${s.unfinished} unfinished; ${s.messages} messages, ${s.bytesOnWire} bytes, ${s.virtualMs} virtual ms`);
  const width = Math.max(...Object.keys(result.verdicts).map((k) => k.length));
  for (const [id, v] of Object.entries(result.verdicts)) {
    const state = v.holds ? 'holds' : 'VIOLATED';
    const note = v.ok ? (v.expected === 'violated' ? ' (expected)' : '') : ` (expected ${v.expected === 'holds' ? 'to hold' : 'a violation'})`;
    const mark = v.ok ? paint(opts.color, 32, 'ok  ') : paint(opts.color, 31, 'FAIL');
    lines.push(`  ${mark} ${id.padEnd(width)}  ${v.holds ? state : paint(opts.color, 33, state)}${note}`);
    for (const p of v.proof.slice(0, opts.proofEvents ?? 3)) {
      const e = trace[p.event];
      lines.push(`         #${p.event} ${p.why}`);
      if (e) lines.push(`           ${formatEvent(e).trim()}`);
    }
  }
  if (opts.verdict) {
    const v = opts.verdict;
    lines.push(paint(opts.color, v.ok ? 32 : 31, v.headline));
    for (const r of v.reasons) lines.push(`  ${r}`);
  } else lines.push(result.ok ? 'every verdict matched its expectation' : 'some verdicts did NOT match their expectation');
  lines.push(`reproduce: pph run ${opts.scenarioRef} --seed ${result.seed}`);
  return lines;
}
