/**
 * `world.keySeed` (issue 12 item 4, key material per campaign where the scenario says so): the
 * long-term keys come from the scenario's key seed and are built once per process, while a run
 * stays a pure function of (scenario, seed) and nothing a run changes leaks into the next one.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { parseScenario } from '../../scenarios/load.js';
import { runScenario } from '../../sim/runner.js';
import { World } from '../../sim/world.js';
import { toHex } from '../../protocol/bytes.js';

const matrix = loadScenario(resolveScenarioPath('matrix', process.cwd()));
const perRun = { ...matrix, world: { ...matrix.world, keySeed: undefined } };

describe('world.keySeed', () => {
  it('the matrix scenario sets it', () => {
    expect(matrix.world.keySeed).toBe(1);
  });

  it('same trace hash for a seed whether its keys were built fresh or came from the process cache', () => {
    // The first run of this file builds the shared keys (a fresh module graph per test file).
    const first = runScenario(matrix, { seed: 5 }).traceHash;
    for (const seed of [1, 2, 3]) runScenario(matrix, { seed });
    expect(runScenario(matrix, { seed: 5 }).traceHash).toBe(first);
  });

  it('runs with a key seed share the long-term keys; runs without one do not', () => {
    const a = new World(matrix, 11).keys;
    const b = new World(matrix, 12).keys;
    expect(toHex(a.gatewayConfigBytes)).toBe(toHex(b.gatewayConfigBytes));
    expect(toHex(a.issuer.publicKey)).toBe(toHex(b.issuer.publicKey));
    expect(a.vendor.rootPin).toBe(b.vendor.rootPin);
    expect(toHex(a.chip(0).certificates[0]!)).toBe(toHex(b.chip(0).certificates[0]!));
    expect(a.checkpointNote).toBe(b.checkpointNote);
    const c = new World(perRun, 11).keys;
    const d = new World(perRun, 12).keys;
    expect(toHex(c.gatewayConfigBytes)).not.toBe(toHex(d.gatewayConfigBytes));
    expect(toHex(c.issuer.publicKey)).not.toBe(toHex(d.issuer.publicKey));
    expect(toHex(c.gatewayConfigBytes)).not.toBe(toHex(a.gatewayConfigBytes));
  });

  it('another key seed gives other keys, and the trace hash changes with it', () => {
    const other = { ...matrix, world: { ...matrix.world, keySeed: 2 } };
    expect(toHex(new World(other, 11).keys.issuer.publicKey)).not.toBe(toHex(new World(matrix, 11).keys.issuer.publicKey));
    expect(runScenario(other, { seed: 5 }).traceHash).not.toBe(runScenario(matrix, { seed: 5 }).traceHash);
  });

  it("each world gets its own release log: one run's growth is not the next run's start", () => {
    const w = new World(matrix, 21);
    const start = w.keys.log.size;
    w.run();
    expect(w.keys.log.size).toBeGreaterThan(start);
    const next = new World(matrix, 22);
    expect(next.keys.log.size).toBe(start);
    expect(next.keys.loggedMeasurements).not.toBe(w.keys.loggedMeasurements);
  });

  it('a key seed out of range is refused with its field', () => {
    const text = readFileSync(resolveScenarioPath('matrix', process.cwd()), 'utf8');
    expect(text).toMatch(/^  keySeed: 1$/m);
    for (const bad of ['-1', '1.5', '"one"', '4294967296']) {
      expect(() => parseScenario(text.replace(/^  keySeed: 1$/m, `  keySeed: ${bad}`), 'matrix.yaml')).toThrow(/world\.keySeed/);
    }
  });
});
