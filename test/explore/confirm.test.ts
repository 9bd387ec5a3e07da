/**
 * The concrete half of `pph explore` (issue 12 item 2): a symbolic counterexample becomes plan
 * data of its catalogue adversary, runs in the real simulator with real crypto, violates the same
 * invariant, and is written as a replay file that `pph replay`'s reader accepts and that
 * reproduces the same trace hash. And the command itself: usage errors exit 2.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../scenarios/index.js';
import { makeWorld } from '../../sim/explore/model.js';
import { explore } from '../../sim/explore/explorer.js';
import { confirm, translate } from '../../cli/explore/confirm.js';
import { parseReplayFile } from '../../cli/replay-file.js';
import { replayRun } from '../../sim/campaign.js';
import * as catalogue from '../../adversaries/index.js';
import { command } from '../../cli/commands/explore.js';
import { memoryIo, UsageError } from '../../cli/io.js';

const matrix = () => loadScenario('scenarios/matrix.yaml');

describe('concrete confirmation', () => {
  it('pp-no-spent-record: the shortest symbolic duplicate confirms with real crypto and replays with the same trace hash', () => {
    const spec = { ...matrix(), profile: 'pp-no-spent-record' };
    const w = makeWorld({ profile: spec.profile, adversary: 'replay', nodes: 3, users: 2, requests: 2 });
    const cex = explore(w, { depth: 20, maxStates: 200_000 }).counterexample!;
    expect(cex.invariants).toEqual(['freshness']);
    const c = confirm(spec, 'replay', cex, [1]);
    expect(c.confirmed).toBe(true);
    expect(c.plan).toEqual([{ link: 'relay-gateway', nth: 2, op: 'duplicate', arg: 0 }]);
    const file = parseReplayFile(JSON.stringify(c.replay), 'explore replay');
    expect(file.violated).toContain('freshness');
    expect(file.unexpected).toContain('freshness');
    const again = replayRun(file, catalogue);
    expect(again.detail.result.traceHash).toBe(file.traceHash);
    expect(again.violated).toContain('freshness');
  });

  it('a counterexample that does not confirm is reported with what each seed showed, not dropped', () => {
    // The baseline pp refuses a spent token, so the same plan cannot violate freshness there.
    const mutant = makeWorld({ profile: 'pp-no-spent-record', adversary: 'replay', nodes: 3, users: 2, requests: 2 });
    const cex = explore(mutant, { depth: 20, maxStates: 200_000 }).counterexample!;
    const c = confirm({ ...matrix(), profile: 'pp' }, 'replay', cex, [1]);
    expect(c.confirmed).toBe(false);
    expect(c.replay).toBeNull();
    expect(c.concrete).toEqual([{ seed: 1, violated: [] }]);
  });

  it('translates gateway, host, issuer and log actions to the plan fields of their adversaries', () => {
    const spec = matrix();
    const path = (profile: string, adversary: Parameters<typeof makeWorld>[0]['adversary']) => explore(makeWorld({ profile, adversary, nodes: 3, users: 2, requests: 2 }), { depth: 30, maxStates: 200_000 }).counterexample!.actions;
    expect(translate('malicious-gateway', path('pp-weak-binder', 'malicious-gateway'), spec, 1)).toEqual({ actions: [{ nth: 0, op: 'substitute-key', arg: 0 }] });
    expect(translate('issuer-tagging', path('pp-no-key-consistency', 'issuer-tagging'), spec, 1)).toEqual({ userMask: 1 });
    expect(translate('split-view-log', path('pp-no-log-consistency', 'split-view-log'), spec, 1)).toEqual({ nodeMask: 1, copyCosignatures: false, extraEntries: 1, collude: false });
    expect(translate('k-inflation', path('pp-no-k-cap', 'k-inflation'), spec, 1)).toEqual({ offers: ['all'] });
    expect(translate('forged-quote', path('pp-no-client-nonce', 'forged-quote'), spec, 1)).toEqual({ forgeries: [null, { kind: 'diversion', arg: 0 }], restartAfter: [] });
  });

  // A translation whose shape drifted from its adversary's plan arbitrary (split-view-log gained
  // `collude`) made `pph explore --profile pp-no-log-consistency` exit 2: every finding's plan must
  // be one its adversary can draw (what pph replay's reader checks), and must confirm.
  it.each([
    ['pp-tcb-from-report', 'forged-quote'],
    ['pp-weak-binder', 'malicious-gateway'],
    ['pp-unmeasured-config', 'unmeasured-input'],
    ['pp-no-key-consistency', 'issuer-tagging'],
    ['pp-no-log-consistency', 'split-view-log'],
    ['pp-no-k-cap', 'k-inflation'],
  ] as const)('%s by %s: the translated plan is one the adversary can draw, and it confirms', (profile, adversary) => {
    const spec = { ...matrix(), profile };
    const cex = explore(makeWorld({ profile, adversary, nodes: 3, users: 2, requests: 2 }), { depth: 30, maxStates: 200_000 }).counterexample!;
    expect(cex).not.toBeNull();
    const plan = translate(adversary, cex.actions, spec, 1);
    expect(catalogue.resolveAttacker(adversary)![0]!.plan(spec).canShrinkWithoutContext(plan)).toBe(true);
    const c = confirm(spec, adversary, cex, [1, 2, 3, 4]);
    expect(c.confirmed).toBe(true);
    expect(parseReplayFile(JSON.stringify(c.replay), 'explore replay').unexpected.length).toBeGreaterThan(0);
  });
});

describe('pph explore', () => {
  it('exits 2 on an adversary without a symbolic model, or one that does not act on the profile', async () => {
    await expect(command.run(['scenarios/matrix.yaml', '--adversary', 'metadata-correlation'], memoryIo())).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(['scenarios/matrix.yaml', '--adversary', 'k-inflation'], memoryIo())).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(['scenarios/matrix.yaml', '--profile', 'pp-nope'], memoryIo())).rejects.toBeInstanceOf(UsageError);
  });

  it('pp, small depth: exit 0, "no violation ... up to depth", explore.json with the counts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pph-explore-'));
    const io = memoryIo();
    const code = await command.run(['scenarios/matrix.yaml', '--depth', '16', '--adversary', 'forged-quote', '--adversary', 'replay', '--out', out], io);
    expect(code).toBe(0);
    expect(io.stdout.some((l) => /^no violation of confidentiality, .* up to depth 16 \(\d+ states\)$/.test(l))).toBe(true);
    const f = JSON.parse(readFileSync(join(out, 'explore.json'), 'utf8'));
    expect(f).toMatchObject({ kind: 'explore', schemaVersion: 1, ok: true, engine: 'symbolic', counterexample: null, discrepancy: null, replay: null });
    expect(f.states).toBe(f.perAdversary.reduce((s: number, a: { states: number }) => s + a.states, 0));
    expect(readdirSync(out).sort()).toEqual(['explore.json', 'index.html', 'junit.xml', 'manifest.json', 'mermaid.min.js', 'summary.md']);
  });

  it('workers: the same result (counts and model-rule coverage) on 1 and 2 worker threads', async () => {
    const run = async (workers: string) => {
      const out = mkdtempSync(join(tmpdir(), 'pph-explore-'));
      await command.run(['scenarios/matrix.yaml', '--depth', '14', '--adversary', 'forged-quote', '--adversary', 'malicious-gateway', '--workers', workers, '--out', out], memoryIo());
      const f = JSON.parse(readFileSync(join(out, 'explore.json'), 'utf8'));
      return { perAdversary: f.perAdversary, modelCoverage: f.modelCoverage };
    };
    expect(await run('2')).toEqual(await run('1'));
  });
});
