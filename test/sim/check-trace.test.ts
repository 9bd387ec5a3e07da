/**
 * `pph check <trace.jsonl>` (issue 13): every verdict recomputed from the trace file alone equals
 * the run's, on many seeds, profiles, mutants and adversaries; a trace that does not parse, or
 * whose events do not match its seal, exits 2 and names the line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { runDetailed, type RunDetail } from '../../sim/runner.js';
import { runArbitrary, resolveAll, type Catalogue } from '../../sim/campaign.js';
import { traceToJsonl } from '../../sim/trace.js';
import * as catalogue from '../../adversaries/index.js';
import { matrixWorld, onProfile } from '../adversaries/catalogue.js';

const dir = mkdtempSync(join(tmpdir(), 'pph-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function attacked(profile: string, attacker: string, seed: number): RunDetail {
  const spec = onProfile(matrixWorld(), profile);
  const adversaries = resolveAll(catalogue as Catalogue, [attacker]);
  const [worldSeed, ...plans] = fc.sample(runArbitrary(spec, adversaries), { seed, numRuns: 1 })[0]!;
  return runDetailed(spec, { seed: worldSeed, adversaries: adversaries.map((adversary, i) => ({ adversary, plan: plans[i] })) });
}

async function check(d: RunDetail, name: string): Promise<{ code: number; out: { traceHash: string; verdicts: Record<string, unknown> } }> {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, traceToJsonl(d.trace));
  const io = memoryIo();
  const code = await runCli(['check', file, '--json', '--hash', d.result.traceHash], io);
  expect(io.stderr, io.stderr.join('\n')).toEqual([]);
  return { code, out: JSON.parse(io.stdout[0]!) };
}

const CASES: { profile: string; attacker: string | null }[] = [
  { profile: 'pp', attacker: null },
  { profile: 'pcc', attacker: null },
  { profile: 'pp-off-relay', attacker: null },
  { profile: 'pp-off-state-erasure', attacker: null },
  { profile: 'pp', attacker: 'vendor-key-leak' },
  { profile: 'pp', attacker: 'metadata-correlation' },
  { profile: 'pp', attacker: 'malicious-gateway' },
  { profile: 'pp', attacker: 'key-seizure-later' },
  { profile: 'pp-unmeasured-config', attacker: 'unmeasured-input' },
  { profile: 'pp-no-spent-record', attacker: 'replay' },
  { profile: 'pp', attacker: 'malicious-image' },
  { profile: 'pcc', attacker: 'k-inflation' },
  { profile: 'pcc', attacker: 'node-key-compromise' },
  { profile: 'pp-off-rate-limit', attacker: 'malicious-client' },
];

describe('pph check', () => {
  const half = Math.ceil(CASES.length / 2);
  for (const [part, cases] of [CASES.slice(0, half), CASES.slice(half)].entries()) {
    it(`recomputes exactly the run's verdicts from the trace file alone (part ${part + 1}: ${cases.map((c) => `${c.profile}/${c.attacker ?? 'benign'}`).join(', ')})`, { timeout: 120_000 }, async () => {
      let violated = 0;
      for (const [k, c] of cases.entries()) {
        const seed = 1 + k + part * half;
        const d = c.attacker ? attacked(c.profile, c.attacker, seed) : runDetailed(onProfile(matrixWorld(), c.profile), { seed });
        const { code, out } = await check(d, `${c.profile}-${c.attacker ?? 'none'}-${seed}`);
        expect(out.traceHash).toBe(d.result.traceHash);
        expect(out.verdicts, `${c.profile}/${c.attacker}/${seed}`).toEqual(JSON.parse(JSON.stringify(d.result.verdicts)));
        expect(code).toBe(d.result.ok ? 0 : 1);
        violated += Object.values(d.result.verdicts).filter((v) => !v.holds).length;
      }
      // Not vacuous: each part includes violations (mutants, vendor-key-leak, malicious-image, metadata).
      expect(violated).toBeGreaterThan(0);
    });
  }

  it('exit 2 naming the line: an edited event, a removed line, a line that is not JSON, a wrong --hash', async () => {
    const d = runDetailed(matrixWorld(), { seed: 3 });
    const lines = traceToJsonl(d.trace).trimEnd().split('\n');
    const variants: [string, string[], RegExp][] = [
      ['edited', lines.map((l, n) => (n === 300 ? l.replace('"t":', '"t":1') : l)), /:257: an event in lines 257\.\.\d+ was changed/],
      ['removed', lines.filter((_, n) => n !== 10), /:11: event index 11, expected 10/],
      ['not-json', lines.map((l, n) => (n === 5 ? '{oops' : l)), /:6: not JSON/],
      ['truncated', lines.slice(0, 40), /:40: the trace does not end with an end event/],
    ];
    for (const [name, text, why] of variants) {
      const file = join(dir, `bad-${name}.jsonl`);
      writeFileSync(file, `${text.join('\n')}\n`);
      const io = memoryIo();
      expect(await runCli(['check', file], io), name).toBe(2);
      expect(io.stderr.join('\n'), name).toMatch(why);
    }
    const file = join(dir, 'good.jsonl');
    writeFileSync(file, traceToJsonl(d.trace));
    const io = memoryIo();
    expect(await runCli(['check', file, '--hash', '00'.repeat(32)], io)).toBe(2);
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  });
});
