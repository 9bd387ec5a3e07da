/**
 * What a results folder holds, read and validated once: the result of `pph run`, `pph campaign`,
 * `pph matrix`, `pph bench` or `pph explore` (any that are present), with the files they point to (trace,
 * runs.jsonl, replay files) and the optional metadata curves. Every generator of reports/ takes
 * this, so `pph report` and the commands themselves produce the same pages.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, normalize } from 'node:path';
import type { TraceEvent } from '../sim/trace.js';
import {
  BenchFileSchema,
  CampaignFileSchema,
  CampaignRunLineSchema,
  ExploreFileSchema,
  ManifestSchema,
  MatrixFileSchema,
  MetadataFileSchema,
  ReplayFileSchema,
  ReportInputError,
  RunFileSchema,
  TraceEventSchema,
  checkValue,
  parseJsonFile,
  type BenchFile,
  type CampaignFile,
  type CampaignRunLine,
  type ExploreFileData,
  type Manifest,
  type MatrixFile,
  type MetadataFile,
  type ReplayFile,
  type ResultKind,
  type RunFile,
} from './schemas.js';

/** Largest results file read (a limit on everything, STYLE.md habit 5). */
export const RESULTS_FILE_BYTES_MAX = 256 * 1024 * 1024;

export interface ReplayEntry {
  /** The file name as the campaign or matrix recorded it (relative to the folder). */
  file: string;
  /** The parsed replay, or null when the file is missing from the folder. */
  replay: ReplayFile | null;
}

export interface ReportInput {
  dir: string;
  run?: { result: RunFile; trace: TraceEvent[] | null };
  campaign?: { campaign: CampaignFile; runs: CampaignRunLine[] | null; replays: ReplayEntry[] };
  matrix?: MatrixFile;
  /** The replay files the matrix cells and mutants point to, each once, in matrix order. */
  matrixReplays?: ReplayEntry[];
  bench?: BenchFile;
  metadata?: MetadataFile;
  /** `pph explore`: explore.json and the replay file of its confirmed counterexample (null when it wrote none). */
  explore?: { file: ExploreFileData; replay: ReplayEntry | null };
  manifest?: Manifest;
}

export const RESULT_FILES: Record<ResultKind, string> = {
  run: 'result.json',
  campaign: 'campaign.json',
  matrix: 'matrix.json',
  bench: 'bench.json',
  metadata: 'metadata.json',
  explore: 'explore.json',
};

function readLimited(path: string): string {
  try {
    if (statSync(path).size > RESULTS_FILE_BYTES_MAX) throw new ReportInputError('io', `${path}: larger than ${RESULTS_FILE_BYTES_MAX} bytes`);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ReportInputError) throw e;
    throw new ReportInputError('io', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A file named inside the folder; refuses names that climb out of it. */
export function fileInDir(dir: string, name: string): string {
  const rel = normalize(name);
  if (isAbsolute(rel) || rel.startsWith('..')) throw new ReportInputError('schema', `${name}: expected a file name inside the results folder`);
  return join(dir, rel);
}

function readJsonLines<T>(path: string, parse: (v: unknown, where: string) => T): T[] {
  const out: T[] = [];
  readLimited(path)
    .split('\n')
    .forEach((line, n) => {
      if (!line.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new ReportInputError('json', `${path}:${n + 1}: not JSON`);
      }
      out.push(parse(v, `${path}:${n + 1}`));
    });
  return out;
}

function readReplay(dir: string, file: string): ReplayEntry {
  const path = fileInDir(dir, file);
  if (!existsSync(path)) return { file, replay: null };
  return { file, replay: parseJsonFile(ReplayFileSchema, readLimited(path), path) };
}

function readRun(dir: string): ReportInput['run'] {
  const path = join(dir, RESULT_FILES.run);
  const result = parseJsonFile(RunFileSchema, readLimited(path), path);
  const tracePath = join(dir, 'trace.jsonl');
  // Validated line by line against the schema, so a bad line is named with its field (exit 2).
  const trace = existsSync(tracePath) ? readJsonLines(tracePath, (v, where) => checkValue(TraceEventSchema, v, where) as TraceEvent) : null;
  return { result, trace };
}

function readCampaign(dir: string): ReportInput['campaign'] {
  const path = join(dir, RESULT_FILES.campaign);
  const campaign = parseJsonFile(CampaignFileSchema, readLimited(path), path);
  const runsPath = join(dir, 'runs.jsonl');
  const runs = existsSync(runsPath) ? readJsonLines(runsPath, (v, where) => checkValue(CampaignRunLineSchema, v, where)) : null;
  return { campaign, runs, replays: campaign.replays.map((r) => readReplay(dir, r.file)) };
}

function readMatrixReplays(dir: string, m: MatrixFile): ReplayEntry[] {
  const files = [...new Set([...m.cells.map((c) => c.replay), ...m.mutants.map((x) => x.replay)].filter((f): f is string => f !== null))];
  return files.map((f) => readReplay(dir, f));
}

function readExplore(dir: string): NonNullable<ReportInput['explore']> {
  const path = join(dir, RESULT_FILES.explore);
  const file = parseJsonFile(ExploreFileSchema, readLimited(path), path);
  // explore.json names the replay as the command saw it (relative to its working directory): the file is the one of that name in this folder.
  return { file, replay: file.replay === null ? null : readReplay(dir, basename(file.replay)) };
}

/**
 * Reads every results file present in `dir`.
 *
 * @throws {ReportInputError} `empty` when the folder holds none of result.json, campaign.json,
 *   matrix.json, bench.json; `io`, `json` or `schema` when one is unreadable or malformed.
 * @example
 * const input = loadReportInput('pph-results/run-default-seed-1');
 */
export function loadReportInput(dir: string): ReportInput {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new ReportInputError('io', `${dir}: not a results folder (no such directory)`);
  const has = (name: string) => existsSync(join(dir, name));
  const input: ReportInput = { dir };
  if (has(RESULT_FILES.run)) input.run = readRun(dir);
  if (has(RESULT_FILES.campaign)) input.campaign = readCampaign(dir);
  if (has(RESULT_FILES.matrix)) {
    input.matrix = parseJsonFile(MatrixFileSchema, readLimited(join(dir, RESULT_FILES.matrix)), join(dir, RESULT_FILES.matrix));
    input.matrixReplays = readMatrixReplays(dir, input.matrix);
  }
  if (has(RESULT_FILES.bench)) input.bench = parseJsonFile(BenchFileSchema, readLimited(join(dir, RESULT_FILES.bench)), join(dir, RESULT_FILES.bench));
  if (has(RESULT_FILES.metadata)) input.metadata = parseJsonFile(MetadataFileSchema, readLimited(join(dir, 'metadata.json')), join(dir, 'metadata.json'));
  if (has(RESULT_FILES.explore)) input.explore = readExplore(dir);
  if (has('manifest.json')) input.manifest = parseJsonFile(ManifestSchema, readLimited(join(dir, 'manifest.json')), join(dir, 'manifest.json'));
  if (primaryKind(input) === null) {
    throw new ReportInputError('empty', `${dir}: no results (expected one of ${Object.values(RESULT_FILES).join(', ')})`);
  }
  return input;
}

/** The kind a folder is "about" when several files are present: matrix, campaign, run, bench, metadata, explore. */
export function primaryKind(input: ReportInput): ResultKind | null {
  if (input.matrix) return 'matrix';
  if (input.campaign) return 'campaign';
  if (input.run) return 'run';
  if (input.bench) return 'bench';
  if (input.metadata) return 'metadata';
  if (input.explore) return 'explore';
  return null;
}

/** The expectation of an invariant in a campaign: campaign.expect, else a replay's, else holds. */
export function campaignExpectation(c: NonNullable<ReportInput['campaign']>, invariant: string): 'holds' | 'violated' {
  const fromCampaign = c.campaign.expect?.[invariant];
  if (fromCampaign) return fromCampaign;
  for (const r of c.replays) {
    const e = r.replay?.expected[invariant];
    if (e) return e;
  }
  return 'holds';
}
