/** Human-readable forms of a metadata result: `metadata.md` (one table per defence) and the CLI's short table. */
import type { MetadataResult } from './curves.js';

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const num = (v: number, digits = 2): string => v.toFixed(digits);

/** `metadata.md`: the world, the attacker, then one table per defence. */
export function metadataMarkdown(r: MetadataResult): string {
  const lines = [
    '# Metadata correlation: linking accuracy per defence',
    '',
    `seed ${r.seed}, ${r.requests} real requests, ${r.clients} clients at ${r.rateHz} request/s each`,
    '',
    `attacker: ${r.attacker}`,
    '',
    `base settings: ${JSON.stringify(r.base)}`,
    '',
    'accuracy: real requests linked to the send that carried them; chance: mean 1/N over the N requests concurrent with it; ' +
      'degree: Díaz et al. 2002 H/log2 N; AUPRC over all candidate pairs; latency: mean added over no defence; ' +
      'scored: the real requests the measures cover (1/s when the windows held too many candidate pairs and every s-th was scored).',
  ];
  for (const c of r.curves) {
    lines.push('', `## ${c.defence} (x = ${c.parameter}, ${c.unit})`, '');
    lines.push('| x | accuracy | chance | latency ms | degree | AUPRC | candidates | concurrent | bandwidth + | scored |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of c.points) {
      lines.push(`| ${p.x} | ${pct(p.accuracy)} | ${pct(p.chance)} | ${num(p.latencyMs)} | ${num(p.anonymityDegree, 3)} | ${num(p.auprc, 3)} | ${num(p.candidates, 1)} | ${num(p.concurrent, 1)} | ${pct(p.bandwidthOverhead)} | ${p.stride === 1 ? 'all' : `1/${p.stride}`} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A short fixed-width table, one line per point. */
export function metadataTable(r: MetadataResult): string[] {
  const out = [`${'defence'.padEnd(9)} ${'x'.padStart(7)} ${'accuracy'.padStart(9)} ${'chance'.padStart(8)} ${'latency'.padStart(10)} ${'degree'.padStart(6)} ${'AUPRC'.padStart(6)}`];
  for (const c of r.curves) {
    for (const p of c.points) {
      out.push(
        `${c.defence.padEnd(9)} ${String(p.x).padStart(7)} ${pct(p.accuracy).padStart(9)} ${pct(p.chance).padStart(8)} ${`${num(p.latencyMs, 1)} ms`.padStart(10)} ${num(p.anonymityDegree, 3).padStart(6)} ${num(p.auprc, 3).padStart(6)}`,
      );
    }
  }
  return out;
}
