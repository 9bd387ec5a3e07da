/**
 * `manifest.json`: what it takes to reproduce a results folder (USERS.md, the researcher): the pph
 * version and git commit, node, the hash of the dependency lockfile, the command line, scenario
 * hashes, seeds, budgets and wall time. `pph reproduce` reads it back.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { primaryKind, type ReportInput } from './report-input.js';
import { ManifestSchema, checkValue, type Manifest } from './schemas.js';

const PACKAGE_NAME = 'private-processing-harness';

/** The folder of pph's own package.json, found upward from this file (works from the sources and dist/). */
export function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export interface Provenance {
  pphVersion: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  node: string;
  lockfileSha256: string | null;
}

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

/** Versions of the code producing results now. The commit is null outside pph's own git checkout. */
export function currentProvenance(): Provenance {
  const root = packageRoot();
  let pphVersion = 'unknown';
  let lockfileSha256: string | null = null;
  let gitCommit: string | null = null;
  let gitDirty: boolean | null = null;
  if (root) {
    pphVersion = String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
    const lock = join(root, 'package-lock.json');
    if (existsSync(lock)) lockfileSha256 = createHash('sha256').update(readFileSync(lock)).digest('hex');
    // Only pph's own checkout counts: an installed copy inside another project's repository is not.
    const top = git(root, ['rev-parse', '--show-toplevel']);
    if (top !== null && realpathSync(top) === realpathSync(root)) {
      gitCommit = git(root, ['rev-parse', 'HEAD']);
      const status = gitCommit === null ? null : git(root, ['status', '--porcelain', '--untracked-files=no']);
      gitDirty = status === null ? null : status.length > 0;
    }
  }
  return { pphVersion, gitCommit, gitDirty, node: process.version, lockfileSha256 };
}

export interface ManifestOptions {
  /** The pph arguments after `pph`; absent keeps the command of an existing manifest. */
  command?: string[];
  wallMs?: number;
  startedAt?: string;
}

function scenarios(input: ReportInput): Manifest['scenarios'] {
  const out: Manifest['scenarios'] = [];
  const add = (name: string, ref: string | null, hash: string) => {
    if (!out.some((s) => s.hash === hash && s.name === name)) out.push({ name, ref, hash });
  };
  if (input.run) add(input.run.result.scenario, input.run.result.scenarioRef ?? null, input.run.result.scenarioHash);
  if (input.campaign) add(input.campaign.campaign.scenario, null, input.campaign.campaign.scenarioHash);
  if (input.matrix) {
    for (const s of input.matrix.scenarios ?? []) add(s.name, s.ref ?? null, s.hash);
    for (const r of input.matrixReplays ?? []) if (r.replay) add(String(r.replay.scenario.name ?? r.file), null, r.replay.scenarioHash);
  }
  if (input.explore) {
    const f = input.explore.file;
    const hash = f.scenarioHash ?? input.explore.replay?.replay?.scenarioHash;
    if (hash) add(f.scenario, f.scenarioRef ?? null, hash);
  }
  return out;
}

function seeds(input: ReportInput): number[] {
  const out = new Set<number>();
  if (input.run) out.add(input.run.result.seed);
  if (input.campaign) out.add(input.campaign.campaign.seed);
  if (input.matrix) out.add(input.matrix.seed);
  if (input.metadata?.seed !== undefined) out.add(input.metadata.seed);
  const confirmedSeed = input.explore?.file.confirmation?.seed;
  if (typeof confirmedSeed === 'number') out.add(confirmedSeed);
  return [...out];
}

function budgets(input: ReportInput): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const limits = (input.run?.result.scenarioContent as { limits?: { maxEvents?: unknown; maxTimeMs?: unknown } } | undefined)?.limits;
  if (limits) {
    if (typeof limits.maxEvents === 'number') out.maxEvents = limits.maxEvents;
    if (typeof limits.maxTimeMs === 'number') out.maxTimeMs = limits.maxTimeMs;
  }
  if (input.campaign) out.runs = input.campaign.campaign.runs;
  if (input.matrix) out.runsPerCell = input.matrix.runs;
  if (input.explore) {
    out.depth = input.explore.file.bounds.depth;
    out.maxStates = input.explore.file.bounds.maxStates;
  }
  return out;
}

/**
 * The manifest of a results folder. Provenance and command come from `opts` and the running code;
 * when `opts.command` is absent (`pph report` regenerating a folder), the existing manifest's
 * provenance, command and times are kept: they describe how the results were made.
 *
 * @example
 * const m = buildManifest(loadReportInput(dir), { command: ['run', 'default', '--seed', '1'], wallMs: 3500 });
 */
export function buildManifest(input: ReportInput, opts: ManifestOptions = {}): Manifest {
  const kind = primaryKind(input);
  if (kind === null) throw new Error('buildManifest: no results');
  const previous = opts.command === undefined ? input.manifest : undefined;
  const provenance: Provenance = previous
    ? { pphVersion: previous.pphVersion, gitCommit: previous.gitCommit, gitDirty: previous.gitDirty ?? null, node: previous.node, lockfileSha256: previous.lockfileSha256 }
    : currentProvenance();
  const manifest: Manifest = {
    kind: 'manifest',
    ...provenance,
    command: opts.command ?? previous?.command ?? null,
    results: kind,
    scenarios: scenarios(input),
    seeds: seeds(input),
    budgets: budgets(input),
    wallMs: opts.wallMs ?? previous?.wallMs ?? null,
    startedAt: opts.startedAt ?? previous?.startedAt ?? null,
    hostname: (opts.command === undefined ? previous?.hostname : undefined) ?? hostname(),
  };
  return checkValue(ManifestSchema, manifest, 'manifest.json');
}
