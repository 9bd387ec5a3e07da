/**
 * Runs a campaign's runs on this thread or on worker threads, appending one JSONL line per
 * finished run (so an interrupted campaign keeps everything it finished and `--resume` goes on
 * from there) and writing each shrunk counterexample as a replay file. Which worker ran what never
 * changes a result: see sim/campaign.ts.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { executeRun, replayFileName, resolveAll, sealReplay, shardRuns, summarise, type CampaignSpec, type CampaignSummary, type Catalogue, type ReplayFile, type RunLine, type RunOutcome, type RunGuide, fcSeedFor } from '../../sim/campaign.js';
import type { Adversary } from '../../sim/adversary.js';
import { chooseGuided, corpusBefore, focusMachines, generationOf, Tried } from '../../sim/guided.js';
import { entryBeside, spawnWorker } from '../../tee/spawn-worker.js';
import { Stopwatch } from '../../bench/stopwatch.js';
import { assertSeed } from '../../sim/seed.js';
import { appendLine, writeFileAtomic } from '../../reports/atomic-write.js';
import { CampaignFileError, checkResumeSpec, readRunsFile, readSpecFile, specFileOf } from './runs-file.js';

export { CampaignFileError } from './runs-file.js';

/** The adversary catalogue, as sources under tsx/vitest and as dist/ when built. */
export const CATALOGUE_URL = new URL(`../../adversaries/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

export interface PoolOptions {
  workers: number;
  shard: { index: number; count: number } | null;
  /** Stop starting runs after this many seconds (finished runs are kept). */
  timeLimitS: number | null;
  outDir: string | null;
  resume: boolean;
  onRun?: (line: RunLine, done: number, total: number) => void;
  /** Set to stop starting new runs (SIGINT); finished runs are kept. */
  stop?: { requested: boolean };
}

export interface CampaignResult {
  summary: CampaignSummary;
  lines: RunLine[];
  replays: ReplayFile[];
  interrupted: boolean;
}

/** runs.jsonl is unreadable (bad input: the CLI exits 2 naming the file and line). */
export const CampaignInputError = CampaignFileError;

/**
 * Reads the finished lines of runs.jsonl, each validated (cli/campaign/runs-file.ts); a torn last
 * line (interrupted write) is dropped.
 */
export function readRunLines(file: string): RunLine[] {
  return readRunsFile(file);
}

export async function runCampaign(cs: CampaignSpec, opts: PoolOptions): Promise<CampaignResult> {
  assertSeed(cs.seed, 'campaign seed');
  const watch = new Stopwatch();
  const planned = shardRuns(cs.runs, opts.shard);
  const linesFile = opts.outDir ? join(opts.outDir, 'runs.jsonl') : null;
  const specFile = opts.outDir ? join(opts.outDir, 'campaign-spec.json') : null;
  const adversaries = resolveAll((await import(CATALOGUE_URL)) as Catalogue, cs.attackers);
  const specNow = specFileOf(cs, opts.shard);
  const done = new Map<number, RunLine>();
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
  if (linesFile && specFile && opts.resume) {
    // Everything is checked before a single run starts: the folder's campaign must be this one
    // (campaign-spec.json, written when it started) and every line of runs.jsonl one of its runs.
    const previousSpec = readSpecFile(specFile);
    if (previousSpec) checkResumeSpec(previousSpec, specNow, 'campaign-spec.json');
    else if (existsSync(linesFile)) throw new CampaignFileError('spec', 'campaign-spec.json: missing beside runs.jsonl: cannot tell which campaign the runs belong to (start again without --resume)');
    const previous = readRunsFile(linesFile, { cs, adversaries, planned });
    for (const l of previous) done.set(l.run, l);
    // Rewrite what was read: a torn last line (the process died mid-write) would otherwise glue
    // itself to the next line appended, losing that run and corrupting the file for later reads.
    writeFileAtomic(linesFile, previous.map((l) => `${JSON.stringify(l)}\n`).join(''));
  } else if (linesFile) {
    writeFileAtomic(linesFile, '');
  }
  // What `pph merge` needs to summarise shards without the scenario file, and what `--resume`
  // compares its configuration with.
  if (specFile) writeFileAtomic(specFile, `${JSON.stringify(specNow, null, 1)}\n`);
  const todo = planned.filter((r) => !done.has(r));
  const replays: ReplayFile[] = [];
  let firstFailure = cs.stopOnFailure ? Math.min(...[...done.values()].filter((l) => !l.ok).map((l) => l.run), Infinity) : Infinity;
  let interrupted = false;

  const record = (o: RunOutcome) => {
    done.set(o.line.run, o.line);
    if (linesFile) appendLine(linesFile, JSON.stringify(o.line));
    if (o.replay) {
      replays.push(o.replay);
      if (opts.outDir) writeFileAtomic(join(opts.outDir, replayFileName(o.replay.unexpected[0] ?? o.line.unexpected[0]!, o.line.run)), `${JSON.stringify(sealReplay(o.replay), null, 1)}\n`);
      if (cs.stopOnFailure) firstFailure = Math.min(firstFailure, o.line.run);
    }
    opts.onRun?.(o.line, done.size, planned.length);
  };
  const mayStart = (run: number) => {
    if (opts.stop?.requested || (opts.timeLimitS !== null && watch.elapsedMs() > opts.timeLimitS * 1000)) {
      interrupted = true;
      return false;
    }
    return run < firstFailure;
  };

  if (cs.search === 'guided') {
    // Generation by generation (sim/guided.ts): each run's parent comes from the corpus of the
    // runs of earlier generations, so the runs of one generation may run on any worker.
    const byGen = new Map<number, number[]>();
    for (const run of todo) byGen.set(generationOf(run), [...(byGen.get(generationOf(run)) ?? []), run]);
    for (const gen of [...byGen.keys()].sort((a, b) => a - b)) {
      const runs = byGen.get(gen)!;
      const jobs = guidedJobs(cs, adversaries, runs, [...done.values()]);
      await runJobs(jobs, opts.workers, (job) => mayStart(job.run), (_job, outcome) => record(outcome));
      if (interrupted || runs.some((r) => r >= firstFailure)) break;
    }
  } else {
    const jobs: Job[] = todo.map((run) => ({ cs, run }));
    await runJobs(jobs, opts.workers, (job) => mayStart(job.run), (_job, outcome) => record(outcome));
  }
  const lines = [...done.values()].sort((a, b) => a.run - b.run);
  const kept = cs.stopOnFailure && firstFailure !== Infinity ? lines.filter((l) => l.run <= firstFailure) : lines;
  let summary = summarise(cs, adversaries, kept, { wallMs: watch.elapsedMs(), workers: Math.max(1, opts.workers), shards: opts.shard ? [`${opts.shard.index}/${opts.shard.count}`] : [], planned: planned.length });
  // An interrupted campaign (SIGINT, --time-limit) proves nothing about the runs it did not do:
  // its folder says so, and it is never a pass.
  if (interrupted && !summary.complete) summary = { ...summary, interrupted: true, ok: false };
  else interrupted = false;
  if (opts.outDir) writeFileAtomic(join(opts.outDir, 'campaign.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, lines: kept, replays, interrupted };
}

/** One run of one campaign: the unit of work of the pool. */
export interface Job {
  cs: CampaignSpec;
  run: number;
  /** Guided search: which candidate input, mutating which corpus entry (null or absent: the random input). */
  guide?: RunGuide | null;
}

/**
 * The jobs of one guided generation (sim/guided.ts): the corpus of the finished runs of earlier
 * generations, and the plan values every earlier run tried (finished, or chosen just before in
 * this generation: a choice depends on inputs only, never on a result of its own generation).
 */
export function guidedJobs<J extends Job>(cs: CampaignSpec, adversaries: readonly Adversary<any>[], jobs: readonly (Omit<J, 'guide'> & { run: number })[] | number[], finished: readonly RunLine[]): J[] {
  const list = (jobs as unknown[]).map((j) => (typeof j === 'number' ? { cs, run: j } : j)) as J[];
  if (list.length === 0) return [];
  const corpus = corpusBefore(list[0]!.run, finished, focusMachines(adversaries.flatMap((a) => a.positions)));
  const tried = new Tried();
  for (const l of [...finished].sort((a, b) => a.run - b.run)) tried.add([l.seed, ...l.plans]);
  for (const j of list) {
    const c = chooseGuided(cs.spec, adversaries, cs.seed, j.run, fcSeedFor(cs.seed, j.run), corpus, tried);
    tried.add(c.input);
    j.guide = { variant: c.variant, parent: c.parent };
  }
  return list;
}

/**
 * Runs jobs in order, on this thread (workers ≤ 1) or on worker threads. `mayStart` is asked
 * before each job starts (in job order); `record` gets each outcome as it finishes.
 */
export async function runJobs(jobs: readonly Job[], workers: number, mayStart: (job: Job) => boolean, record: (job: Job, outcome: RunOutcome) => void): Promise<void> {
  if (workers <= 1 || jobs.length <= 1) {
    const catalogue = (await import(CATALOGUE_URL)) as Catalogue;
    const cache = new Map<string, ReturnType<typeof resolveAll>>();
    for (const job of jobs) {
      if (!mayStart(job)) continue;
      const key = job.cs.attackers.join('+');
      let adversaries = cache.get(key);
      if (!adversaries) cache.set(key, (adversaries = resolveAll(catalogue, job.cs.attackers)));
      record(job, executeRun(job.cs, adversaries, job.run, job.guide ?? null));
      await new Promise((r) => setImmediate(r)); // let SIGINT and progress through
    }
    return;
  }
  await runOnPool(jobs, workers, mayStart, record);
}

// ---------------------------------------------------------------------------------------------
// The persistent worker pool: threads are started once per process, load the adversary catalogue
// once, and are reused by every later runJobs (a matrix runs many campaigns; `pph bench` warms
// them before measuring). Each worker is kept PIPELINE_DEPTH runs ahead, so it never waits for a
// round trip between runs. Idle workers are unref'd: they never keep the process alive.

/** Runs queued at a worker beyond the one it is running: no idle gap between two runs. */
const PIPELINE_DEPTH = 2;

interface PoolWorker {
  worker: Worker;
  /** Resolves when the worker has loaded the catalogue. */
  ready: Promise<void>;
}

const pool: PoolWorker[] = [];
let epochs = 0;

function startWorker(): PoolWorker {
  const worker = spawnWorker(entryBeside(import.meta.url, 'worker'), { catalogueUrl: CATALOGUE_URL });
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: { ready?: boolean }) => {
      if (!m.ready) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
  const entry = { worker, ready };
  worker.once('exit', () => {
    const i = pool.indexOf(entry);
    if (i >= 0) pool.splice(i, 1);
  });
  return entry;
}

/** Starts (or reuses) `count` workers and waits until each has loaded the catalogue. */
export async function warmPool(count: number): Promise<void> {
  while (pool.length < count) pool.push(startWorker());
  await Promise.all(pool.slice(0, count).map((p) => p.ready));
}

/** Terminates the pool's workers (the next runJobs starts new ones). */
export async function closePool(): Promise<void> {
  const all = pool.splice(0, pool.length);
  await Promise.all(all.map((p) => p.worker.terminate()));
}

async function runOnPool(jobs: readonly Job[], workers: number, mayStart: (job: Job) => boolean, record: (job: Job, outcome: RunOutcome) => void): Promise<void> {
  const count = Math.min(workers, jobs.length);
  while (pool.length < count) pool.push(startWorker());
  const used = pool.slice(0, count);
  // Messages of an earlier call that failed half-way are told apart by their epoch and ignored.
  const epoch = ++epochs;
  let next = 0;
  let finished = false;
  const detach: (() => void)[] = [];
  for (const p of used) p.worker.ref();
  try {
    await Promise.all(
      used.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const fill = () => {
              while (inFlight < PIPELINE_DEPTH && !finished) {
                while (next < jobs.length && !mayStart(jobs[next]!)) next++;
                if (next >= jobs.length) break;
                const id = next++;
                inFlight++;
                p.worker.postMessage({ epoch, id, cs: jobs[id]!.cs, run: jobs[id]!.run, guide: jobs[id]!.guide ?? null });
              }
              if (inFlight === 0) resolve();
            };
            const onMessage = (m: { epoch?: number; id?: number; outcome?: RunOutcome; error?: string }) => {
              if (m.epoch !== epoch) return;
              inFlight--;
              if (m.error) return reject(new Error(`run ${jobs[m.id!]!.run}: ${m.error}`));
              record(jobs[m.id!]!, m.outcome!);
              fill();
            };
            const onError = (e: Error) => reject(e);
            const onExit = (code: number) => reject(new Error(`campaign worker exited with code ${code}`));
            p.worker.on('message', onMessage);
            p.worker.on('error', onError);
            p.worker.on('exit', onExit);
            detach.push(() => {
              p.worker.off('message', onMessage);
              p.worker.off('error', onError);
              p.worker.off('exit', onExit);
            });
            p.ready.then(fill, reject);
          }),
      ),
    );
  } catch (e) {
    // A failed run or a dead worker: nothing half-done stays in the pool.
    finished = true;
    for (const d of detach) d();
    await closePool();
    throw e;
  } finally {
    finished = true;
    for (const d of detach) d();
    for (const p of used) p.worker.unref();
  }
}
