/**
 * One verdict everywhere (issue 11): for every command that writes a results folder, the exit
 * code, the CLI's PASS/FAIL line, the HTML band, summary.md, junit.xml (failures = the failed
 * expectations) and `--json`'s ok agree, on a passing and on a failing outcome. Budgets are the
 * smallest that still reach each outcome with real runs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo, type CliIo } from '../../cli/io.js';
import { loadReportInput } from '../../reports/report-input.js';
import { decideVerdict } from '../../reports/verdict.js';
import { INVARIANT_IDS } from '../../model/invariant-ids.js';
import { commandOutputs, expectAgree, readFolderOutputs, reportOutputs, cliWord } from './verdict-outputs.js';

const root = mkdtempSync(join(tmpdir(), 'pph-one-verdict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string) => join(root, name);

const WORLD = 'world: { users: 1, chats: 2, excludedChats: 0, optedOutUsers: 0, messagesPerChat: 3, nodes: 2, requests: 3, tokensPerUser: 3, witnesses: 1, witnessQuorum: 1 }';

function scenario(name: string, text: string): string {
  const file = at(`${name}.yaml`);
  writeFileSync(file, `name: ${name}\n${WORLD}\n${text}`);
  return file;
}

describe('pph run', () => {
  it('pass: every verdict and the goodput as expected', async () => {
    const file = scenario('v-pass', 'network: { loss: 0 }\nexpect: { answered: ">= 0.9" }\n');
    const o = await commandOutputs(['run', file, '--seed', '1', '--out', at('run-pass')], at('run-pass'));
    expectAgree(o, 'pass', 'run pass');
    expect(o.junit!.tests).toBe(INVARIANT_IDS.length + 1); // the invariants + the goodput expectation
  });

  it('fail: no request answered (loss 0.5, no retries) is never a silent pass', async () => {
    const file = scenario('v-zero', 'network: { loss: 0.5, retries: 0 }\n');
    const o = await commandOutputs(['run', file, '--seed', '1', '--out', at('run-zero')], at('run-zero'));
    expectAgree(o, 'fail', 'run with nothing answered');
    expect(o.junit!.failures).toBe(1);
    expect(readFileSync(join(at('run-zero'), 'junit.xml'), 'utf8')).toMatch(/<testcase name="answered &gt; 0"[^>]*>\s*<failure message="0\/3 sent requests answered/);
  });
});

describe('pph campaign', () => {
  it('pass: the adversary reaches its coverage mark, every invariant holds', async () => {
    const dir = at('campaign-pass');
    const o = await commandOutputs(['campaign', 'campaign-relay', '--adversary', 'unmeasured-input', '--runs', '1', '--out', dir], dir);
    expectAgree(o, 'pass', 'campaign pass');
    expect(o.junit!.tests).toBe(INVARIANT_IDS.length + 1); // the invariants + 1 required mark
  });

  it('fail: a required coverage mark stays at zero (exit 1, red band, summary FAIL, one JUnit failure); pph report agrees', async () => {
    const dir = at('campaign-mark');
    const o = await commandOutputs(['campaign', 'campaign-relay', '--adversary', 'forged-quote', '--runs', '1', '--out', dir], dir);
    expectAgree(o, 'fail', 'campaign missing a mark');
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('coverage mark client.evidence-rejected stayed at 0');
    // The coverage table lists the required mark that stayed at zero.
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toMatch(/<code>client\.evidence-rejected<\/code><\/td><td>0<\/td><td>✗ <strong>required, never reached/);
    expectAgree(await reportOutputs(dir), 'fail', 'pph report on the same folder');
  });

  it('interrupted (SIGINT after the first run): exit 130, never PASS, everywhere', async () => {
    const dir = at('campaign-int');
    // The progress line of the first finished run is where Ctrl-C comes.
    const base = memoryIo();
    let sent = false;
    const io: CliIo = { ...base, err: (l) => { base.err(l); if (!sent && /^runs 1\/2/.test(l)) { sent = true; process.emit('SIGINT'); } } };
    const code = await runCli(['campaign', 'campaign-relay', '--adversary', 'unmeasured-input', '--runs', '2', '--out', dir], io);
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(base.stdout.join('\n')).toContain('interrupted: 1 of 2 runs kept');
    expect(cliWord(base.stdout)).toBe('INTERRUPTED');
    const folder = readFolderOutputs(dir);
    expect(folder.band?.status).toBe('interrupted');
    expect(folder.summaryWord).toBe('INTERRUPTED');
    const rep = await reportOutputs(dir);
    expectAgree({ ...rep, cliWord: rep.cliWord }, 'interrupted', 'pph report on the interrupted folder');
    expect(decideVerdict(loadReportInput(dir)).reasons.at(-1)).toMatch(/^interrupted: 1 of 2 runs kept/);
  });
});

describe('pph merge', () => {
  const shards = [at('shard-1'), at('shard-2')];
  beforeAll(async () => {
    for (const [i, dir] of shards.entries()) await runCli(['campaign', 'campaign-relay', '--adversary', 'unmeasured-input', '--runs', '2', '--shard', `${i + 1}/2`, '--out', dir], memoryIo());
  }, 120_000);

  it('pass: two shards merge into a campaign that reaches its mark', async () => {
    const out = at('merged');
    const o = await commandOutputs(['merge', ...shards, '--out', out], out);
    expectAgree(o, 'pass', 'merged');
  });

  it('interrupted: one shard of two merged holds 1 of 2 runs (exit 130, never PASS)', async () => {
    const out = at('merged-half');
    const o = await commandOutputs(['merge', shards[0]!, '--out', out], out);
    expectAgree(o, 'interrupted', 'half merged');
  });

  it('fail: pph report on a merged folder whose campaign misses a mark says FAIL everywhere', async () => {
    const out = at('merged-bad');
    await runCli(['merge', ...shards, '--out', out], memoryIo());
    const k = JSON.parse(readFileSync(join(out, 'campaign.json'), 'utf8'));
    // The same campaign if its adversary had never reached its mark.
    const mark = Object.keys(k.requiredMarks)[0];
    writeFileSync(join(out, 'campaign.json'), JSON.stringify({ ...k, ok: false, requiredMarks: { [mark]: 0 }, missingMarks: [mark], marks: { ...k.marks, [mark]: 0 } }));
    expectAgree(await reportOutputs(out), 'fail', 'report on the merged folder');
  });
});

describe('pph matrix', () => {
  it('pass: the baseline cells as expected', async () => {
    const dir = at('matrix-pass');
    const o = await commandOutputs(['matrix', '--profiles', 'pp', '--adversaries', 'malicious-relay', '--runs', '1', '--kill-rounds', '1', '--workers', '1', '--out', dir], dir);
    expectAgree(o, 'pass', 'matrix pass');
    expect(o.junit!.tests).toBe(INVARIANT_IDS.length);
  });

  it('fail: an expected violation never observed', async () => {
    const dir = at('matrix-fail');
    const expected = at('expected-{base}.yaml');
    const expectedDir = join(import.meta.dirname, '..', '..', 'scenarios', 'expected');
    for (const base of readdirSync(expectedDir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length))) {
      const text = readFileSync(join(expectedDir, `${base}.yaml`), 'utf8');
      // malicious-relay is said to break confidentiality: it cannot, so the cell is not as expected.
      writeFileSync(expected.replace('{base}', base), base === 'pp' ? text.replace(/^(\s*)malicious-relay:.*$/m, '$1malicious-relay: { confidentiality: violated }') : text);
    }
    const o = await commandOutputs(['matrix', '--profiles', 'pp', '--adversaries', 'malicious-relay', '--runs', '1', '--kill-rounds', '1', '--workers', '1', '--expected', expected, '--out', dir], dir);
    expectAgree(o, 'fail', 'matrix fail');
    expect(o.junit!.failures).toBe(1);
  });
});

describe('pph bench', () => {
  it('pass: measured; a missed goal is a fact, not a failure; a missing figure fails (pph report)', async () => {
    const dir = at('bench');
    const o = await commandOutputs(['bench', '--suite', 'bhttp', '--time', '5', '--out', dir], dir);
    expectAgree(o, 'pass', 'bench');
    const b = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
    writeFileSync(join(dir, 'bench.json'), JSON.stringify({ ...b, goals: { ...b.goals, ohttpSpeedup: { goal: '≥ 10×', value: 2.5, met: false } } }));
    const missed = await reportOutputs(dir);
    expectAgree(missed, 'pass', 'a missed goal');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('goal missed: ohttpSpeedup 2.5');
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).not.toContain('<failure');
    const first = Object.keys(b.suites)[0]!;
    writeFileSync(join(dir, 'bench.json'), JSON.stringify({ ...b, suites: { ...b.suites, [first]: { ...b.suites[first], meanUs: 0 } } }));
    expectAgree(await reportOutputs(dir), 'fail', 'a figure that is not a measurement');
  });
});

describe('pph metadata', () => {
  it('pass: curves measured; fail: a point out of range (pph report)', async () => {
    const dir = at('metadata');
    const o = await commandOutputs(['metadata', '--requests', '2000', '--clients', '50', '--defence', 'padding', '--workers', '1', '--out', dir], dir);
    expectAgree(o, 'pass', 'metadata');
    const m = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
    m.curves[0].points[0].accuracy = 1.5;
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify(m));
    const bad = await reportOutputs(dir);
    expectAgree(bad, 'fail', 'metadata with a point out of range');
    expect(cliWord(['FAIL  x'])).toBe('FAIL');
  });
});
