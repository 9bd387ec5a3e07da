/** The threat matrix as terminal text and as matrix.md. */
import type { MatrixResult } from './matrix.js';
import type { Verdict } from '../../reports/verdict.js';

const SYMBOL = { held: '·', 'expected-violation': 'v', unexpected: 'X', unobserved: '?' } as const;

/** Short column heads for the invariants. */
const SHORT: Record<string, string> = {
  confidentiality: 'conf',
  attestation: 'attest',
  integrity: 'integ',
  freshness: 'fresh',
  unlinkability: 'unlink',
  stateless: 'statel',
  'forward-secrecy': 'fwdsec',
  consent: 'consent',
  'non-targetability': 'target',
  transparency: 'transp',
  liveness: 'live',
  authorization: 'authz',
};

function grid(m: MatrixResult, profile: string, sep: string, md: boolean): string[] {
  const rows = m.adversaries.filter((a) => m.cells.some((c) => c.profile === profile && c.adversary === a));
  const w = Math.max(...rows.map((r) => r.length), 9);
  const heads = m.invariants.map((i) => SHORT[i] ?? i);
  const out: string[] = [];
  if (md) {
    out.push(`| adversary | ${heads.join(' | ')} | runs |`);
    out.push(`|---|${heads.map(() => ':-:').join('|')}|--:|`);
  } else out.push(`${'adversary'.padEnd(w)}${sep}${heads.map((h) => h.padStart(7)).join(sep)}${sep}runs`);
  for (const a of rows) {
    const cells = m.invariants.map((i) => m.cells.find((c) => c.profile === profile && c.adversary === a && c.invariant === i));
    const runs = cells.find((c) => c)?.runs ?? 0;
    const syms = cells.map((c) => (c ? SYMBOL[c.status] : ' '));
    out.push(md ? `| ${a} | ${syms.join(' | ')} | ${runs} |` : `${a.padEnd(w)}${sep}${syms.map((s) => s.padStart(7)).join(sep)}${sep}${String(runs).padStart(4)}`);
  }
  return out;
}

/** The matrix for the terminal; the first line is the folder's verdict (reports/verdict.ts) and the timing. */
export function matrixLines(m: MatrixResult, dirLabel: string, verdict?: Verdict): string[] {
  const out: string[] = [];
  const timing = `in ${(m.wallMs / 1000).toFixed(1)} s (${m.runsPerSec} runs/s, ${m.workers} worker${m.workers === 1 ? '' : 's'})`;
  out.push(verdict ? `${verdict.headline} · ${timing}` : `${m.ok ? 'PASS' : 'FAIL'}  threat matrix · ${m.adversaries.length} attackers · ${m.profiles.length} profiles · ${m.totals.runs} runs ${timing}`);
  if (verdict) for (const r of verdict.reasons.slice(0, 20)) out.push(`  ${r}`);
  out.push('legend: · held as expected   v violated as expected   X unexpected violation   ? expected violation not observed');
  for (const p of m.profiles.filter((p) => m.mutants.every((x) => x.profile !== p))) {
    out.push('');
    out.push(`profile ${p}:`);
    out.push(...grid(m, p, ' ', false));
  }
  if (m.mutants.length) {
    out.push('');
    out.push('mutants (one defence off each; the search is the same generic round-robin for every one):');
    const w = Math.max(...m.mutants.map((x) => x.profile.length), 6);
    for (const x of m.mutants) {
      const bv = x.baselineViolation;
      const why = x.killedBy?.proof[0]?.why ?? bv?.proof[0]?.why;
      // A kill by the pooled (campaign-level) test has no single replay: its proof names the runs.
      const how = (file: string | null) => (file ? `pph replay ${dirLabel}/${file}` : 'the pooled test over the runs (matrix.json: killedBy.pooled)');
      const what = x.killed ? `killed by ${x.by} (${x.invariant}) after ${x.runsToKill} runs → ${how(x.replay)}` : bv ? `baseline violation of ${bv.invariant} (no adversary needed) → ${how(bv.replay)}` : x.survivorReason ? `survived (expected: ${x.survivorReason.split('.')[0]})` : 'SURVIVED: a hole in the harness';
      out.push(`  ${x.profile.padEnd(w)}  ${what}`);
      if (why) out.push(`  ${''.padEnd(w)}    proof: ${why}`);
    }
  }
  const mutantProfiles = new Set(m.mutants.map((x) => x.profile));
  const bad = verdict ? [] : m.cells.filter((c) => !mutantProfiles.has(c.profile) && (c.status === 'unexpected' || c.status === 'unobserved'));
  for (const c of bad.slice(0, 20)) out.push(`${c.status === 'unexpected' ? 'UNEXPECTED' : 'UNOBSERVED'}: ${c.adversary} × ${c.invariant} on ${c.profile}${c.replay ? ` → pph replay ${dirLabel}/${c.replay}` : ''}`);
  return out;
}

export function matrixMarkdown(m: MatrixResult): string {
  const out: string[] = [];
  out.push(`# Threat matrix: ${m.ok ? 'every outcome as expected' : 'NOT as expected'}`);
  out.push('');
  out.push(`${m.adversaries.length} adversaries × ${m.profiles.length} profiles × ${m.invariants.length} invariants; ${m.totals.runs} runs, seed ${m.seed}, ${m.runs} runs per baseline cell, ${m.killRounds} kill rounds per mutant.`);
  out.push('');
  out.push('Legend: `·` held as expected, `v` violated as expected, `X` unexpected violation, `?` expected violation not observed.');
  for (const p of m.profiles.filter((p) => m.mutants.every((x) => x.profile !== p))) {
    out.push('', `## Profile ${p}`, '', ...grid(m, p, ' ', true));
  }
  if (m.mutants.length) {
    out.push('', '## Mutants', '', '| mutant | defences off | finding | killed | by | invariant | runs to kill | replay |', '|---|---|---|:-:|---|---|--:|---|');
    for (const x of m.mutants) {
      out.push(`| ${x.profile} | ${x.ablations.join(', ')} | ${x.finding ?? ''} | ${x.killed ? 'yes' : x.survivorReason ? 'no (expected)' : '**no**'} | ${x.by ?? ''} | ${x.invariant ?? ''} | ${x.runsToKill ?? ''} | ${x.replay ?? ''} |`);
    }
  }
  return out.join('\n') + '\n';
}
