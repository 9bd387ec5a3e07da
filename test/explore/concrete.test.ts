/**
 * The concrete engine of `pph explore` (cli/explore/concrete.ts) against the symbolic one: on a
 * mutant both find a counterexample at the same shortest depth, on pp neither finds one up to a
 * small depth; the concrete counterexample is a replay file `pph replay` reproduces; the network
 * probe the engine drives leaves ordinary runs unchanged. Small worlds (one request, one attacker
 * action) keep the concrete searches to a few dozen simulator runs.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../scenarios/index.js';
import { makeWorld } from '../../sim/explore/model.js';
import { explore } from '../../sim/explore/explorer.js';
import { runExplore, MODEL_INVARIANTS } from '../../cli/explore/run-explore.js';
import { parseReplayFile } from '../../cli/replay-file.js';
import { replayRun } from '../../sim/campaign.js';
import * as catalogue from '../../adversaries/index.js';
import { World } from '../../sim/world.js';
import { runDetailed } from '../../sim/runner.js';
import { reach } from '../../cli/explore/concrete.js';
import { command } from '../../cli/commands/explore.js';
import { memoryIo, UsageError } from '../../cli/io.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const matrix = () => loadScenario('scenarios/matrix.yaml');
const clock = () => 0;

describe('two engines, one model', () => {
  it('pp-no-spent-record: both engines find freshness at the same shortest depth; the concrete one replays (exit 1)', async () => {
    const spec = { ...matrix(), profile: 'pp-no-spent-record' };
    const symbolic = explore(makeWorld({ profile: spec.profile, adversary: 'malicious-relay', nodes: 3, users: 2, requests: 1, maxAttacks: 1 }), { depth: 20, maxStates: 100_000 }).counterexample!;
    const { file, replay } = await runExplore({ spec, adversaries: ['malicious-relay'], bounds: { depth: 20, maxStates: 10_000 }, workers: 1, requests: 1, attacks: 1, engine: 'concrete' }, clock);
    expect(file.engine).toBe('concrete');
    expect(file.counterexample?.invariants).toContain('freshness');
    expect(symbolic.invariants).toContain('freshness');
    expect(file.counterexample?.depth).toBe(symbolic.depth);
    expect(file.counterexample?.actions).toHaveLength(symbolic.depth);
    expect(file.confirmation).toMatchObject({ confirmed: true, plan: [{ link: 'relay-gateway', nth: 2, op: 'duplicate', arg: 0 }] });
    const parsed = parseReplayFile(JSON.stringify(replay), 'explore replay');
    const again = replayRun(parsed, catalogue);
    expect(again.detail.result.traceHash).toBe(parsed.traceHash);
    expect(again.violated).toContain('freshness');
  }, 600_000);

  it('pp: neither engine finds a violation up to depth 6', async () => {
    const spec = { ...matrix(), profile: 'pp' };
    const symbolic = explore(makeWorld({ profile: 'pp', adversary: 'malicious-relay', nodes: 3, users: 2, requests: 1 }), { depth: 6, maxStates: 100_000 });
    expect(symbolic.counterexample).toBeNull();
    const { file, replay } = await runExplore({ spec, adversaries: ['malicious-relay'], bounds: { depth: 6, maxStates: 10_000 }, workers: 1, requests: 1, engine: 'concrete' }, clock);
    expect(file.ok).toBe(true);
    expect(file.counterexample).toBeNull();
    expect(replay).toBeNull();
    expect(file.depthReached).toBe(6);
    // Attacker actions branch the search: more states than the one benign path of 7.
    expect(file.states).toBeGreaterThan(7);
  }, 600_000);

  it('a state is a function of its prefix; a probe that only counts leaves the run unchanged', () => {
    const spec = { ...matrix(), profile: 'pp', world: { ...matrix().world, requests: 1 } };
    const invariants = [...MODEL_INVARIANTS];
    const a = reach(spec, 1, 'malicious-relay', [], 5, invariants);
    const b = reach(spec, 1, 'malicious-relay', [], 5, invariants);
    expect(a.hash).toBe(b.hash);
    expect(a.paused).toBe(true);
    expect(reach(spec, 1, 'malicious-relay', [], 6, invariants).hash).not.toBe(a.hash);
    const plain = runDetailed(spec, { seed: 3 }).result.traceHash;
    const probed = new World(spec, 3, {});
    let seen = 0;
    probed.network.probe = { send: () => void seen++, arrive: () => void seen++, deliver: () => void seen++ };
    probed.run();
    expect(seen).toBeGreaterThan(0);
    expect(probed.trace.traceHash()).toBe(plain);
  });

  it('--engine: an unknown engine, or an adversary the concrete engine does not drive, is a usage error naming the flag', async () => {
    const out = () => join(mkdtempSync(join(tmpdir(), 'pph-concrete-')), 'out');
    await expect(command.run(['scenarios/matrix.yaml', '--engine', 'fast', '--out', out()], memoryIo())).rejects.toThrow(UsageError);
    await expect(command.run(['scenarios/matrix.yaml', '--engine', 'fast', '--out', out()], memoryIo())).rejects.toThrow(/--engine/);
    await expect(command.run(['scenarios/matrix.yaml', '--engine', 'concrete', '--adversary', 'forged-quote', '--out', out()], memoryIo())).rejects.toThrow(/--adversary: the concrete engine drives malicious-relay, replay/);
  });
});
