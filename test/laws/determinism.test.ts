/**
 * Laws of the simulator (ARCHITECTURE.md): a run is a pure function of (scenario, seed); the
 * same seed gives the same trace hash twice, in a worker thread, and after a JSON round trip;
 * different seeds give different traces.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { runDetailed, runScenario } from '../../sim/runner.js';
import { hashEvents, parseTraceJsonl, traceToJsonl } from '../../sim/trace.js';
import { consentOnlyWorld, tinyWorld } from '../helpers/small-worlds.js';

describe('determinism', () => {
  it('200 seeds: the same seed gives the same trace hash twice, different seeds differ', () => {
    const spec = consentOnlyWorld();
    const hashes = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const a = runScenario(spec, { seed });
      const b = runScenario(spec, { seed });
      expect(b.traceHash, `seed ${seed}`).toBe(a.traceHash);
      hashes.add(a.traceHash);
    }
    expect(hashes.size).toBe(200);
  });

  it('with every protocol step and real crypto: same seed, same hash; other seed, other hash', () => {
    const spec = tinyWorld();
    for (const seed of [1, 2, 3]) {
      const a = runScenario(spec, { seed });
      expect(a.stats.ok).toBeGreaterThan(0);
      expect(runScenario(spec, { seed }).traceHash).toBe(a.traceHash);
    }
    expect(runScenario(spec, { seed: 1 }).traceHash).not.toBe(runScenario(spec, { seed: 2 }).traceHash);
  });

  it('a run in a worker thread gives the same hash as on the main thread', async () => {
    const spec = tinyWorld();
    const main = runScenario(spec, { seed: 11 });
    const worker = new Worker(new URL('../helpers/run-in-worker.mjs', import.meta.url), { workerData: { spec, seed: 11 } });
    const fromWorker = await new Promise<{ traceHash: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(fromWorker.traceHash).toBe(main.traceHash);
  });

  it('a trace round-trips through JSON lines to the same hash', () => {
    const { result, trace } = runDetailed(tinyWorld(), { seed: 5 });
    const back = parseTraceJsonl(traceToJsonl(trace));
    expect(back).toEqual(trace);
    expect(hashEvents(back)).toBe(result.traceHash);
  });

  it('the scenario hash ignores nothing that matters: a changed value changes it', () => {
    const a = runScenario(tinyWorld(), { seed: 1 });
    const b = runScenario(tinyWorld({ network: { delayMs: { min: 3, max: 30 } } }), { seed: 1 });
    expect(b.scenarioHash).not.toBe(a.scenarioHash);
    expect(b.traceHash).not.toBe(a.traceHash);
  });
});
