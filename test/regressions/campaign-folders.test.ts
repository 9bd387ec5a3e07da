/**
 * Issue 14, "Campaign folders": each case of the issue, reproduced.
 *
 * - `--resume` with another seed, profile, adversary, scenario or budget mixed the runs and exited
 *   0: now exit 2 naming the field (campaign-spec.json is compared).
 * - A JSON-valid foreign line in runs.jsonl crashed --resume with exit 70 after all runs; conflicting
 *   duplicates and foreign run indices were written back: now every line is checked before a run
 *   starts, exit 2 with `runs.jsonl:<line>`. A torn last line stays recoverable.
 * - Two campaigns on one --out interleaved: now an exclusive lock; the second exits 2 naming the holder.
 * - A campaign without --resume truncated runs.jsonl and left old replay files; `pph run --out`
 *   overwrote: now a non-empty folder is refused unless --force, which removes only the command's files.
 * - An unwritable --out failed with exit 70 after the work: now exit 2 before any run.
 * - Writes were not atomic: now temporary file + rename (reports/atomic-write.ts), checked here.
 * - SIGINT on an incomplete campaign exited 0: now 130, the finished runs kept, the --resume line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { CampaignFileError, checkResumeSpec, readRunsFile, specFileOf } from '../../cli/campaign/runs-file.js';
import { LOCK_FILE, lockFolder, ResultsDirError } from '../../cli/lock.js';
import { openResultsDir } from '../../cli/results-dir.js';
import { isAtomicTemp, writeFileAtomic } from '../../reports/atomic-write.js';
import { resolveScenarioPath } from '../../scenarios/index.js';
import type { CampaignSpec, CampaignSummary } from '../../sim/campaign.js';

const REPO = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'pph-regress-folders-'));
afterAll(() => {
  chmodSync(root, 0o755);
  rmSync(root, { recursive: true, force: true });
});
const MATRIX_YAML = readFileSync(resolveScenarioPath('matrix', REPO), 'utf8');
const BASE = ['campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '2'];

async function pph(argv: string[], cwd = root) {
  const io = { ...memoryIo(), cwd };
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const read = (f: string) => readFileSync(f, 'utf8');
const lines = (d: string) => read(join(d, 'runs.jsonl')).split('\n').filter(Boolean);

/** A finished 2-run campaign, copied for each case. */
const done = join(root, 'done');
beforeAll(async () => {
  const r = await pph([...BASE, '--out', done]);
  expect(r.code, r.err).toBe(0);
}, 120_000);

let copies = 0;
function copyOfDone(): string {
  const d = join(root, `copy-${copies++}`);
  cpSync(done, d, { recursive: true });
  return d;
}

describe('--resume with another configuration: exit 2 naming the field, nothing run', () => {
  it('seed, profile, adversary, scenario (another name, and the same name with other content), runs', async () => {
    const renamed = join(root, 'renamed.yaml');
    writeFileSync(renamed, MATRIX_YAML.replace(/^name: matrix$/m, 'name: other-world'));
    const changed = join(root, 'changed.yaml');
    const withMoreRequests = MATRIX_YAML.replace(/^(\s+requests:\s*)(\d+)/m, (_m, a: string, b: string) => `${a}${Number(b) + 1}`);
    expect(withMoreRequests).not.toBe(MATRIX_YAML);
    writeFileSync(changed, withMoreRequests);
    const cases: [string[], string][] = [
      [[...BASE, '--seed', '5'], 'seed'],
      [[...BASE, '--profile', 'pcc'], 'profile'],
      [['campaign', 'matrix', '--adversary', 'replay', '--runs', '2'], 'adversary'],
      [['campaign', renamed, '--adversary', 'key-seizure-later', '--runs', '2'], 'scenario'],
      [['campaign', changed, '--adversary', 'key-seizure-later', '--runs', '2'], 'scenario'],
      [['campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '3'], 'runs'],
      [[...BASE, '--shrink-runs', '3'], 'shrink-runs'],
    ];
    const d = copyOfDone();
    const before = { runs: read(join(d, 'runs.jsonl')), campaign: read(join(d, 'campaign.json')) };
    for (const [argv, field] of cases) {
      const r = await pph([...argv, '--out', d, '--resume']);
      expect(r.code, `${field}: ${r.err}`).toBe(2);
      expect(r.err).toContain(`campaign-spec.json: ${field}: `);
      expect(read(join(d, 'runs.jsonl'))).toBe(before.runs);
      expect(read(join(d, 'campaign.json'))).toBe(before.campaign);
    }
    // The same configuration resumes (and runs nothing more).
    const same = await pph([...BASE, '--out', d, '--resume']);
    expect(same.code, same.err).toBe(0);
    expect(lines(d)).toHaveLength(2);
  });

  it('the library check throws CampaignFileError resume-mismatch with the field', () => {
    const spec = JSON.parse(read(join(done, 'campaign-spec.json'))) as CampaignSpec;
    const now = specFileOf({ ...spec, seed: spec.seed + 1 }, null);
    expect(() => checkResumeSpec(specFileOf(spec, null), now, 'x')).toThrow(CampaignFileError);
    try {
      checkResumeSpec(specFileOf(spec, null), now, 'x');
    } catch (e) {
      expect((e as CampaignFileError).code).toBe('resume-mismatch');
      expect((e as CampaignFileError).field).toBe('seed');
    }
    expect(() => checkResumeSpec(specFileOf(spec, null), specFileOf(spec, { index: 1, count: 2 }), 'x')).toThrow(CampaignFileError);
  });
});

describe('runs.jsonl is validated line by line before anything runs', () => {
  async function refusedLine(edit: (rows: string[]) => string[], line: number, code: string) {
    const d = copyOfDone();
    const rows = edit(lines(d));
    writeFileSync(join(d, 'runs.jsonl'), rows.map((r) => `${r}\n`).join(''));
    const before = read(join(d, 'runs.jsonl'));
    const campaign = read(join(d, 'campaign.json'));
    const r = await pph([...BASE, '--out', d, '--resume']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`runs.jsonl:${line}`);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(read(join(d, 'runs.jsonl'))).toBe(before);
    expect(read(join(d, 'campaign.json'))).toBe(campaign);
    let thrown: unknown;
    try {
      readRunsFile(join(d, 'runs.jsonl'));
      const spec = JSON.parse(read(join(d, 'campaign-spec.json'))) as CampaignSpec;
      const catalogue = await import('../../adversaries/index.js');
      readRunsFile(join(d, 'runs.jsonl'), { cs: spec, adversaries: spec.attackers.flatMap((a) => catalogue.resolveAttacker(a)!), planned: [0, 1] });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CampaignFileError);
    expect((thrown as CampaignFileError).code).toBe(code);
  }

  it('a JSON-valid foreign line {"run":0,"traceHash":"x"} (first, or in the middle)', async () => {
    await refusedLine((rows) => ['{"run":0,"traceHash":"x"}', ...rows], 1, 'line');
    await refusedLine((rows) => [rows[0]!, '{"run":0,"traceHash":"x"}', rows[1]!], 2, 'line');
    // Complete but of the wrong shape as the LAST line: not torn, someone else's.
    await refusedLine((rows) => [...rows, '{"run":1}'], 3, 'line');
  });

  it('a conflicting duplicate (same run, another result)', async () => {
    await refusedLine((rows) => {
      const other = JSON.parse(rows[0]!) as { traceHash: string };
      other.traceHash = 'f'.repeat(64);
      return [...rows, JSON.stringify(other)];
    }, 3, 'duplicate');
  });

  it('a foreign run index, and a line drawn from another campaign seed', async () => {
    await refusedLine((rows) => [...rows, JSON.stringify({ ...JSON.parse(rows[1]!), run: 99 })], 3, 'foreign-run');
    await refusedLine((rows) => [JSON.stringify({ ...JSON.parse(rows[0]!), seed: 424242 }), rows[1]!], 1, 'foreign-run');
  });

  it('a torn last line (crash mid-append) stays recoverable: dropped, the run done again', async () => {
    const d = copyOfDone();
    const rows = lines(d);
    writeFileSync(join(d, 'runs.jsonl'), `${rows[0]}\n${rows[1]!.slice(0, 40)}`);
    const r = await pph([...BASE, '--out', d, '--resume', '--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as CampaignSummary).runs).toBe(2);
    expect(lines(d).sort()).toEqual(rows.sort());
  });
});

describe('one writer per folder: an exclusive lock', () => {
  it('two campaigns started together on one --out: one runs, the other exits 2 naming the holder', async () => {
    const d = join(root, 'concurrent');
    const [a, b] = await Promise.all([pph([...BASE, '--out', d]), pph([...BASE, '--seed', '2', '--out', d])]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(loser.err).toContain(`locked by pid ${process.pid} on ${hostname()}`);
    expect(loser.err).toContain('ResultsDirError [locked]');
    const runs = lines(d).map((l) => (JSON.parse(l) as { run: number }).run);
    expect(runs.sort()).toEqual([0, 1]);
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('a lock held by a live process is refused; one of a dead pid on this host is taken over with a notice', async () => {
    const live = join(root, 'locked-live');
    mkdirSync(live);
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(live, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, host: hostname(), command: 'pph campaign other', startedAt: '2026-01-01T00:00:00Z' }));
      const r = await pph([...BASE, '--out', live]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`locked by pid ${sleeper.pid}`);
      expect(r.err).toContain('pph campaign other');
      expect(existsSync(join(live, 'runs.jsonl'))).toBe(false);
    } finally {
      sleeper.kill();
    }
    const stale = join(root, 'locked-stale');
    mkdirSync(stale);
    const dead = spawnSync('true').pid!;
    writeFileSync(join(stale, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), command: 'pph campaign crashed', startedAt: '2026-01-01T00:00:00Z' }));
    expect(() => lockFolder(join(root, 'no-such-folder'), 'x')).toThrow(ResultsDirError);
    const notices: string[] = [];
    const lock = lockFolder(stale, 'pph test', (l) => notices.push(l));
    expect(notices.join('\n')).toContain(`pid ${dead}`);
    lock.release();
    expect(existsSync(join(stale, LOCK_FILE))).toBe(false);
  });

  it('a lock of another host is never guessed stale', () => {
    const d = join(root, 'locked-remote');
    mkdirSync(d);
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 999_999, host: 'elsewhere.example', command: 'pph campaign', startedAt: '2026-01-01T00:00:00Z' }));
    let thrown: unknown;
    try {
      lockFolder(d, 'pph test');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ResultsDirError);
    expect((thrown as ResultsDirError).code).toBe('locked');
  });
});

describe('a non-empty folder is refused unless --resume or --force; --force removes only what the command wrote', () => {
  it('campaign: refused (runs.jsonl and old replay files untouched); --force replaces its own files, keeps others', async () => {
    const d = copyOfDone();
    writeFileSync(join(d, 'replay-freshness-9.json'), '{"old": true}\n');
    writeFileSync(join(d, 'notes.txt'), 'mine\n');
    const before = read(join(d, 'runs.jsonl'));
    const r = await pph([...BASE, '--seed', '3', '--out', d]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ResultsDirError [not-empty]');
    expect(read(join(d, 'runs.jsonl'))).toBe(before);
    expect(existsSync(join(d, 'replay-freshness-9.json'))).toBe(true);
    expect((await pph([...BASE, '--out', d, '--force', '--resume'])).code).toBe(2);
    const forced = await pph([...BASE, '--seed', '3', '--out', d, '--force', '--json']);
    expect(forced.code, forced.err).toBe(0);
    expect(existsSync(join(d, 'replay-freshness-9.json'))).toBe(false);
    expect(read(join(d, 'notes.txt'))).toBe('mine\n');
    expect((JSON.parse(read(join(d, 'campaign.json'))) as CampaignSummary).seed).toBe(3);
    expect(lines(d)).toHaveLength(2);
  });

  it('pph run --out: refused, then --force', async () => {
    const d = join(root, 'run-out');
    mkdirSync(d);
    writeFileSync(join(d, 'result.json'), '{"stale": true}\n');
    writeFileSync(join(d, 'notes.txt'), 'mine\n');
    const tiny = join(root, 'tiny.yaml');
    writeFileSync(tiny, 'name: tiny\nworld: { users: 2, optedOutUsers: 0, chats: 2, excludedChats: 0, requests: 2 }\n');
    const r = await pph(['run', tiny, '--out', d]);
    expect(r.code).toBe(2);
    expect(read(join(d, 'result.json'))).toBe('{"stale": true}\n');
    const forced = await pph(['run', tiny, '--out', d, '--force']);
    expect(forced.code, forced.err).toBe(0);
    expect(JSON.parse(read(join(d, 'result.json')))).toHaveProperty('traceHash');
    expect(read(join(d, 'notes.txt'))).toBe('mine\n');
  });

  it('matrix, bench, metadata, merge and start --out: refused before any work', async () => {
    const d = join(root, 'occupied');
    mkdirSync(d);
    writeFileSync(join(d, 'something.json'), '{}\n');
    const argvs = [
      ['matrix', '--profiles', 'pp', '--adversaries', 'replay', '--runs', '1', '--kill-rounds', '1', '--out', d],
      ['bench', '--suite', 'bhttp', '--time', '1', '--out', d],
      ['metadata', '--requests', '100', '--clients', '10', '--out', d],
      ['merge', done, '--out', d],
    ];
    for (const argv of argvs) {
      const r = await pph(argv);
      expect(r.code, `${argv[0]}: ${r.err}`).toBe(2);
      expect(r.err).toContain('ResultsDirError [not-empty]');
    }
    expect(readdirSync(d)).toEqual(['something.json']);
    // pph start: its run folder, or its matrix folder, occupied: refused before the default run.
    const s = join(root, 'start-root');
    mkdirSync(join(s, 'matrix'), { recursive: true });
    writeFileSync(join(s, 'matrix', 'matrix.json'), '{}\n');
    const r = await pph(['start', '--out', s, '--runs', '1', '--kill-rounds', '1']);
    expect(r.code, r.err).toBe(2);
    expect(existsSync(join(s, 'run-default-seed-1', 'result.json'))).toBe(false);
    const noMatrix = join(root, 'start-run');
    mkdirSync(join(noMatrix, 'run-default-seed-1'), { recursive: true });
    writeFileSync(join(noMatrix, 'run-default-seed-1', 'result.json'), '{}\n');
    expect((await pph(['start', '--out', noMatrix, '--no-matrix'])).code).toBe(2);
    expect((await pph(['start', '--out', noMatrix, '--no-matrix', '--force'])).code).toBe(0);
  }, 60_000);

  it('openResultsDir --force leaves folders and foreign files alone, removes leftover temporaries', () => {
    const d = join(root, 'force-unit');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, 'campaign.json.tmp-123-4'), 'half');
    writeFileSync(join(d, 'runs.jsonl'), '');
    writeFileSync(join(d, 'keep.csv'), 'x');
    const lock = openResultsDir(d, { command: 'campaign', commandLine: 'test', force: true, label: 'd' });
    lock.release();
    expect(readdirSync(d).sort()).toEqual(['keep.csv', 'sub']);
  });
});

describe('an unwritable --out: exit 2 before any run', () => {
  it('a file, a path under a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    for (const out of [file, join(file, 'below')]) {
      const r = await pph([...BASE, '--out', out]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain('ResultsDirError [not-a-folder]');
      expect(r.err).not.toContain('runs ');
    }
    expect((await pph(['run', 'default', '--out', file])).code).toBe(2);
  });

  it('a read-only folder / no permission (as an unprivileged user when the tests run as root)', () => {
    const ro = join(root, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    chmodSync(root, 0o755);
    const asRoot = process.getuid?.() === 0;
    const tsx = join(REPO, 'node_modules/tsx/dist/esm/index.mjs');
    if (asRoot) {
      // Root writes anywhere, so the refusal is checked as an unprivileged user; that user must be
      // able to read the checkout (a clone inside a 0700 folder, e.g. mktemp -d, is not readable).
      const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(tsx)})`], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
      if (probe.status !== 0) {
        console.warn(`[skip] read-only --out as an unprivileged user: uid 65534 cannot read ${REPO} (a parent folder is not world-readable); the file and path-under-a-file cases above still run`);
        return;
      }
    }
    const r = spawnSync(process.execPath, ['--import', tsx, join(REPO, 'cli/main.ts'), ...BASE, '--out', join(ro, 'out')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('ResultsDirError [unwritable]');
    expect(r.stderr).not.toContain('runs 1/2');
    expect(readdirSync(ro)).toEqual([]);
  });
});

describe('writes are atomic', () => {
  it('writeFileAtomic replaces a file in one rename and leaves no temporary; a failed write leaves the old file', () => {
    const d = join(root, 'atomic');
    mkdirSync(d);
    const f = join(d, 'campaign.json');
    writeFileAtomic(f, 'old\n');
    writeFileAtomic(f, 'new\n');
    expect(read(f)).toBe('new\n');
    expect(readdirSync(d)).toEqual(['campaign.json']);
    expect(() => writeFileAtomic(join(d, 'missing', 'x.json'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(d)).toEqual(['campaign.json']);
    expect(isAtomicTemp('campaign.json.tmp-77-0')).toBe(true);
    expect(isAtomicTemp('campaign.json')).toBe(false);
  });

  it('no results file is written with a bare writeFileSync or copyFileSync in cli/, reports/, bench/, sim/', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (e.name.endsWith('.ts')) {
          const code = read(join(REPO, rel)).split('\n').filter((l) => !/^\s*(\*|\/\/)/.test(l));
          code.forEach((l, i) => {
            if (/\b(writeFileSync|copyFileSync|appendFileSync)\s*\(/.test(l)) offenders.push(`${rel}:${i + 1}: ${l.trim()}`);
          });
        }
      }
    };
    for (const d of ['cli', 'reports', 'bench', 'sim']) walk(d);
    // The one exception: the writability probe, a file that is removed at once.
    expect(offenders.filter((o) => !o.startsWith('cli/results-dir.ts:'))).toEqual([]);
  });
});

describe('SIGINT and --time-limit on an incomplete campaign: exit 130, finished runs kept, the --resume line', () => {
  it('SIGINT: exit 130, "interrupted: N of M runs kept", campaign.json incomplete, never PASS; --resume finishes it', async () => {
    const d = join(root, 'sigint');
    const child = spawn(process.execPath, ['--import', join(REPO, 'node_modules/tsx/dist/esm/index.mjs'), join(REPO, 'cli/main.ts'), 'campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '12', '--out', d], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let gone = false;
    const exited = new Promise<number | null>((res) => child.on('exit', (code, signal) => ((gone = true), res(code ?? (signal ? -1 : null)))));
    // Interrupt once the first run is on disk.
    for (let i = 0; i < 900 && !gone && !(existsSync(join(d, 'runs.jsonl')) && read(join(d, 'runs.jsonl')).length > 0); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await exited;
    expect(code, `${stdout}\n${stderr}`).toBe(130);
    const kept = lines(d).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(12);
    expect(stdout).toContain(`interrupted: ${kept} of 12 runs kept (SIGINT)`);
    expect(stdout).toMatch(/resume: pph campaign matrix --adversary key-seizure-later --runs 12 --out \S+ --resume/);
    expect(stdout).not.toMatch(/^PASS/m);
    const summary = JSON.parse(read(join(d, 'campaign.json'))) as CampaignSummary;
    expect(summary).toMatchObject({ complete: false, interrupted: true, ok: false, runs: kept });
    const resumed = await pph(['campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '12', '--out', d, '--resume', '--json']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ complete: true, runs: 12, ok: true });
  }, 120_000);

  it('--time-limit reached: exit 130 with the same lines', async () => {
    const d = join(root, 'time-limit');
    const r = await pph(['campaign', 'matrix', '--adversary', 'key-seizure-later', '--runs', '40', '--time-limit', '1', '--out', d]);
    expect(r.code, r.err).toBe(130);
    const kept = lines(d).length;
    expect(r.out).toContain(`interrupted: ${kept} of 40 runs kept (time limit of 1 s)`);
    expect(r.out).toContain('--resume');
    expect((JSON.parse(read(join(d, 'campaign.json'))) as CampaignSummary).complete).toBe(false);
  }, 60_000);
});
