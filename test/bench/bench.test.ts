/**
 * Benchmarks are not tests: nothing here asserts a time. These check that every section runs a
 * few iterations and yields a well-formed bench.json (reports/schemas.ts BenchFileSchema), that
 * the hot path really completes on each runner, and that `pph bench` writes what it promises.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { BenchFileSchema, type BenchFile } from '../../reports/schemas.js';
import { BenchKeys, benchChat } from '../../bench/fixtures.js';
import { HotPath } from '../../bench/hot-path.js';
import { renderBenchMarkdown } from '../../bench/markdown.js';
import { BENCH_SECTIONS, runBench } from '../../bench/run.js';
import { SUITE_GROUPS } from '../../bench/suites.js';
import { InProcessRunner } from '../../tee/in-process.js';
import { WorkerRunner } from '../../tee/worker.js';
import { tinyWorld } from '../helpers/small-worlds.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-bench-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A tiny budget: 1 ms per task and at least 2 samples. */
const TINY = { timeMs: 1, iterationsMin: 2 };

function wellFormedFigure(f: { meanUs: number; p99Us: number | null; samples: number | null; rme: number | null }): void {
  expect(Number.isFinite(f.meanUs)).toBe(true);
  expect(f.samples).toBeGreaterThanOrEqual(2);
}

describe('bench sections', () => {
  let all: BenchFile;

  it('every suite group, the floor, the hot path on in-process and worker, and the peer: a valid bench.json', async () => {
    all = await runBench({ sections: [...SUITE_GROUPS, 'hot-path', 'peer'], runners: ['in-process', 'worker'], ...TINY });
    expect(BenchFileSchema.safeParse(all).success).toBe(true);
    const names = [
      'bhttp.encode', 'bhttp.decode', 'hpke.seal', 'hpke.open',
      'ohttp.request.encapsulate', 'ohttp.request.decapsulate', 'ohttp.response.encapsulate', 'ohttp.response.decapsulate',
      'token.type1.issue', 'token.type1.verify', 'token.type2.issue', 'token.type2.verify',
      'sev-snp.verify.cached', 'sev-snp.verify.uncached', 'merkle.inclusion', 'merkle.consistency',
      'checkpoint.verify', 'inference.chat200', 'floor',
    ];
    for (const n of names) {
      expect(all.suites[n], n).toBeDefined();
      wellFormedFigure(all.suites[n]!);
    }
    expect(all.floorUs).toBe(all.suites.floor!.meanUs);
    expect(Object.keys(all.hotPath ?? {})).toEqual(['in-process', 'worker']);
    for (const h of Object.values(all.hotPath!)) {
      wellFormedFigure(h as never);
      // The ratio comes from a paired loop of floor and request.
      const paired = (h as { paired?: { meanUs: number; floorUs: number; rounds: number } }).paired!;
      expect(paired.rounds).toBeGreaterThanOrEqual(2);
      expect(h.ratioToFloor).toBeCloseTo(paired.meanUs / paired.floorUs, 2);
    }
    expect(Number.isFinite(all.peer!.ohttpSpeedup)).toBe(true);
    expect(all.sim).toBeNull();
    expect(all.campaign).toBeNull();
    expect(all.machine.cores).toBeGreaterThan(0);
  });

  it('bench.md names the machine, the goals and every measured figure', () => {
    const md = renderBenchMarkdown(all);
    expect(md).toContain(String(all.machine.cpu));
    expect(md).toContain('## Goals');
    expect(md).toMatch(/ratioToFloor\.in-process/);
    expect(md).toContain('## Hot path');
    expect(md).toContain('## Floor');
    expect(md).toContain('@hpke/ohttp');
    for (const n of Object.keys(all.suites)) expect(md).toContain(`| ${n} |`);
  });

  it('sim: runs/s and the overhead split of a small world (the CLI uses the default scenario)', async () => {
    const b = await runBench({ sections: ['sim'], simScenario: tinyWorld(), simRunsMin: 1, ...TINY });
    expect(BenchFileSchema.safeParse(b).success).toBe(true);
    const sim = b.sim as NonNullable<BenchFile['sim']> & { shares: Record<string, number>; scenario: string };
    expect(sim.scenario).toBe('tiny');
    expect(Number.isFinite(sim.runsPerSec)).toBe(true);
    expect(sim.overheadRatio).not.toBeNull();
    expect(sim.shares.crypto).toBeGreaterThan(0);
    const total = Object.values(sim.shares).reduce((a, v) => a + v, 0);
    expect(total).toBeGreaterThan(0.98);
    expect(total).toBeLessThan(1.02);
    // The small world is measured with its key seed and, on the old path, with fresh keys per run.
    const small = (sim as unknown as { smallWorld: { keySeed: number | null; runs: number; perRunKeys: { runs: number; runMsMean: number }; keySeedSpeedup: number } }).smallWorld;
    expect(small.keySeed).toBe(1);
    expect(small.perRunKeys.runs).toBeGreaterThanOrEqual(3);
    expect(small.perRunKeys.runMsMean).toBeGreaterThan(0);
    expect(Number.isFinite(small.keySeedSpeedup)).toBe(true);
    expect(b.suites).toEqual({});
    expect(b.hotPath).toBeNull();
  });

  it('campaign: runs/s with 1 and 2 workers on the same runs, and their ratio', async () => {
    const b = await runBench({ sections: ['campaign'], ...TINY });
    expect(BENCH_SECTIONS).toContain('campaign');
    const c = b.campaign!;
    expect(c.runsPerSec1).toBeGreaterThan(0);
    expect(c.runsPerSec2).toBeGreaterThan(0);
    expect(c.scaling).toBeCloseTo(c.runsPerSec2! / c.runsPerSec1!, 1);
    expect((c as { runs?: number }).runs).toBeGreaterThanOrEqual(4);
  });

  it('metadata: the wall and CPU time of all curves of `pph metadata`, and the 10 s goal (judged only at a million requests)', async () => {
    const b = await runBench({ sections: ['metadata'], metadataRequests: 4000, ...TINY });
    expect(BENCH_SECTIONS).toContain('metadata');
    const m = b.metadata!;
    expect(m.requests).toBe(4000);
    expect(m.points).toBe(26);
    expect(m.wallMs).toBeGreaterThan(0);
    expect(m.cpuMs).toBeGreaterThan(0);
    expect(b.goals?.metadataWallMs).toEqual({ goal: '≤ 10 s wall (all curves, 1000000 requests)', value: m.wallMs, met: null });
    expect(b.campaign).toBeNull();
  });

  it('explore: the symbolic search of `pph explore matrix --profile pp`, its states and its rate', async () => {
    const b = await runBench({ sections: ['explore'], ...TINY });
    const e = b.explore!;
    // The same exhaustive search as the CLI's: every world of the small scenario ends (774,141 states).
    expect(e.states).toBe(774_141);
    expect(e.statesPerMinute).toBeGreaterThan(0);
    expect(b.goals?.exploreStatesPerMinute?.value).toBe(e.statesPerMinute);
    // Both engines on the same scenario: explore.statesPerMinute is the symbolic figure.
    expect(e.symbolic?.statesPerMinute).toBe(e.statesPerMinute);
    expect(e.concrete?.states).toBeGreaterThan(1);
    expect(e.concrete?.statesPerMinute).toBeGreaterThan(0);
    expect(renderBenchMarkdown(b)).toMatch(/\| concrete \| 2 \| \d+ \|/);
    expect(b.sim).toBeNull();
  }, 120_000);
});

describe('hot path', () => {
  it('completes 10 requests on each runner, reusing the token pool without a double spend', async () => {
    const keys = new BenchKeys('hot-path-test');
    const chat = benchChat(12, 'hot-path-test');
    const sizes = [];
    for (const runner of [new InProcessRunner(), new WorkerRunner()]) {
      const path = new HotPath(keys, runner, chat);
      await path.boot();
      // More requests than the pool holds: the spent set is cleared when the pool wraps.
      for (let i = 0; i < 10; i++) sizes.push((await path.request()).sizes);
      await path.stop();
    }
    expect(sizes[0]!.bhttpRequestBytes % 1024).toBe(0); // padded to a bucket
    expect(sizes[0]!.answerBytes).toBeGreaterThan(0);
  });
});

describe('pph bench', () => {
  it('--json prints a valid bench.json and --out gets bench.json and bench.md', async () => {
    const out = join(tmp, 'cli');
    const io = memoryIo();
    const code = await runCli(['bench', '--suite', 'bhttp,merkle', '--time', '1', '--json', '--out', out], io);
    expect(code).toBe(0);
    const printed = JSON.parse(io.stdout.join('\n')) as unknown;
    expect(BenchFileSchema.safeParse(printed).success).toBe(true);
    expect(Object.keys((printed as BenchFile).suites).sort()).toEqual(['bhttp.decode', 'bhttp.encode', 'merkle.consistency', 'merkle.inclusion']);
    // --json adds the verdict fields (schemaVersion, kind, ok, ...) to the file's content.
    expect(printed).toMatchObject(JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')));
    expect(readFileSync(join(out, 'bench.md'), 'utf8')).toContain('# pph bench');
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });

  it('bad usage exits 2: unknown section, unknown runner, --time 0, a runner that does not work here', async () => {
    const empty = mkdtempSync(join(tmp, 'no-configfs-'));
    for (const argv of [
      ['bench', '--suite', 'nope'],
      ['bench', '--runner', 'sgx'],
      ['bench', '--time', '0'],
      ['bench', 'extra'],
    ]) {
      const io = memoryIo();
      expect(await runCli(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(/pph bench/);
    }
    const io = memoryIo({ PPH_CONFIGFS_ROOT: empty });
    expect(await runCli(['bench', '--suite', 'hot-path', '--runner', 'sev-snp', '--time', '1', '--out', join(tmp, 'x')], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/runner sev-snp does not work here: .*configfs-tsm not found/);
  });
});
