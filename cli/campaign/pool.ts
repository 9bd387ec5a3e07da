/**
 * Runs a campaign's runs on this thread or on worker threads, appending one JSONL line per
 * finished run (so an interrupted campaign keeps everything it finished and `--resume` goes on
 * from there) and writing each shrunk counterexample as a replay file. Which worker ran what never
 * changes a result: see sim/campaign.ts.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { executeRun, replayFileName, resolveAll, shardRuns, summarise, type CampaignSpec, type CampaignSummary, type Catalogue, type ReplayFile, type RunLine, type RunOutcome } from '../../sim/campaign.js';
import { entryBeside, spawnWorker } from '../../tee/spawn-worker.js';
import { Stopwatch } from '../../bench/stopwatch.js';
import { UsageError } from '../io.js';

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
export class CampaignInputError extends UsageError {}

/** Reads the finished lines of runs.jsonl; a torn last line (interrupted write) is dropped. */
export function readRunLines(file: string): RunLine[] {
  if (!existsSync(file)) return [];
  const out: RunLine[] = [];
  const text = readFileSync(file, 'utf8');
  const rows = text.split('\n');
  rows.forEach((row, i) => {
    if (row.trim() === '') return;
    try {
      const l = JSON.parse(row) as RunLine;
      if (typeof l.run !== 'number' || typeof l.traceHash !== 'string') throw new Error('not a run line');
      out.push(l);
    } catch {
      if (i < rows.length - 1 && rows.slice(i + 1).some((r) => r.trim() !== '')) throw new CampaignInputError(`${file}:${i + 1}: not a run line`);
    }
  });
  return out;
}

export async function runCampaign(cs: CampaignSpec, opts: PoolOptions): Promise<CampaignResult> {
  const watch = new Stopwatch();
  const planned = shardRuns(cs.runs, opts.shard);
  const linesFile = opts.outDir ? join(opts.outDir, 'runs.jsonl') : null;
  if (opts.outDir) {
    mkdirSync(opts.outDir, { recursive: true });
    // What `pph merge` needs to summarise shards without the scenario file.
    writeFileSync(join(opts.outDir, 'campaign-spec.json'), `${JSON.stringify(cs, null, 1)}\n`);
  }
  const done = new Map<number, RunLine>();
  if (linesFile && opts.resume) {
    const previous = readRunLines(linesFile);
    for (const l of previous) if (planned.includes(l.run)) done.set(l.run, l);
    // Rewrite what was read: a torn last line (the process died mid-write) would otherwise glue
    // itself to the next line appended, losing that run and corrupting the file for later reads.
    writeFileSync(linesFile, previous.map((l) => `${JSON.stringify(l)}\n`).join(''));
  } else if (linesFile) {
    writeFileSync(linesFile, '');
  }
  const todo = planned.filter((r) => !done.has(r));
  const replays: ReplayFile[] = [];
  let firstFailure = cs.stopOnFailure ? Math.min(...[...done.values()].filter((l) => !l.ok).map((l) => l.run), Infinity) : Infinity;
  const adversaries = resolveAll((await import(CATALOGUE_URL)) as Catalogue, cs.attackers);
  let interrupted = false;

  const record = (o: RunOutcome) => {
    done.set(o.line.run, o.line);
    if (linesFile) appendFileSync(linesFile, `${JSON.stringify(o.line)}\n`);
    if (o.replay) {
      replays.push(o.replay);
      if (opts.outDir) writeFileSync(join(opts.outDir, replayFileName(o.replay.unexpected[0] ?? o.line.unexpected[0]!, o.line.run)), `${JSON.stringify(o.replay, null, 1)}\n`);
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

  const jobs: Job[] = todo.map((run) => ({ cs, run }));
  await runJobs(jobs, opts.workers, (job) => mayStart(job.run), (_job, outcome) => record(outcome));
  const lines = [...done.values()].sort((a, b) => a.run - b.run);
  const kept = cs.stopOnFailure && firstFailure !== Infinity ? lines.filter((l) => l.run <= firstFailure) : lines;
  const summary = summarise(cs, adversaries, kept, { wallMs: watch.elapsedMs(), workers: Math.max(1, opts.workers), shards: opts.shard ? [`${opts.shard.index}/${opts.shard.count}`] : [], planned: planned.length });
  if (opts.outDir) writeFileSync(join(opts.outDir, 'campaign.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, lines: kept, replays, interrupted };
}

/** One run of one campaign: the unit of work of the pool. */
export interface Job {
  cs: CampaignSpec;
  run: number;
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
      record(job, executeRun(job.cs, adversaries, job.run));
      await new Promise((r) => setImmediate(r)); // let SIGINT and progress through
    }
    return;
  }
  let next = 0;
  const pool: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: Math.min(workers, jobs.length) }, () =>
        new Promise<void>((resolve, reject) => {
          const w = spawnWorker(entryBeside(import.meta.url, 'worker'), { catalogueUrl: CATALOGUE_URL });
          pool.push(w);
          const dispatch = () => {
            while (next < jobs.length && !mayStart(jobs[next]!)) next++;
            if (next >= jobs.length) return resolve();
            const id = next++;
            w.postMessage({ id, cs: jobs[id]!.cs, run: jobs[id]!.run });
          };
          w.on('message', (m: { ready?: boolean; id?: number; outcome?: RunOutcome; error?: string }) => {
            if (m.ready) return dispatch();
            if (m.error) return reject(new Error(`run ${jobs[m.id!]!.run}: ${m.error}`));
            record(jobs[m.id!]!, m.outcome!);
            dispatch();
          });
          w.on('error', reject);
        }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
