/**
 * `--shard` from the engines users run (Kubernetes Indexed Job, CI matrices), and four shard
 * processes merged into the unsharded campaign's result and reports.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolveShard } from '../../cli/shard-env.js';
import { UsageError } from '../../cli/io.js';
import { deterministicPart, type CampaignSummary } from '../../sim/campaign.js';

describe('resolveShard', () => {
  it('takes --shard first, then PPH_SHARD, then an engine pair', () => {
    expect(resolveShard('2/3', { PPH_SHARD: '1/4', JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '9' })).toEqual({ shard: { index: 2, count: 3 }, source: '--shard' });
    expect(resolveShard(undefined, { PPH_SHARD: '1/4', JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '9' })).toEqual({ shard: { index: 1, count: 4 }, source: 'PPH_SHARD' });
    expect(resolveShard(undefined, {})).toEqual({ shard: null, source: null });
  });

  it('reads each engine with its own base', () => {
    // Kubernetes: 0-based index.
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '4' }).shard).toEqual({ index: 4, count: 4 });
    // GitLab: 1-based.
    expect(resolveShard(undefined, { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' }).shard).toEqual({ index: 1, count: 2 });
    expect(resolveShard(undefined, { CIRCLE_NODE_INDEX: '0', CIRCLE_NODE_TOTAL: '2' }).shard).toEqual({ index: 1, count: 2 });
    expect(resolveShard(undefined, { BUILDKITE_PARALLEL_JOB: '1', BUILDKITE_PARALLEL_JOB_COUNT: '2' }).shard).toEqual({ index: 2, count: 2 });
  });

  it('refuses half-set pairs and out-of-range values instead of running unsharded', () => {
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '0' })).toThrow(UsageError);
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '4', JOB_COMPLETIONS: '4' })).toThrow(UsageError);
    expect(() => resolveShard(undefined, { CI_NODE_INDEX: '0', CI_NODE_TOTAL: '2' })).toThrow(UsageError);
    expect(() => resolveShard(undefined, { PPH_SHARD: '0/2' })).toThrow(UsageError);
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: 'x', JOB_COMPLETIONS: '2' })).toThrow(UsageError);
    expect(() => resolveShard('3/2', {})).toThrow(UsageError);
  });
});

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function pph(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'cli', 'main.ts'), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, out, err });
    });
  });
}

const runLines = (dir: string) =>
  readFileSync(join(dir, 'runs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { run: number; traceHash: string })
    .sort((a, b) => a.run - b.run)
    .map((l) => `${l.run}:${l.traceHash}`);

// Wall time, throughput, worker and shard counts, and the command line are the only things that
// may differ between a merged and an unsharded campaign's reports.
function normalise(text: string): string {
  return text
    .replace(/\d+(\.\d+)? runs\/s/g, 'R runs/s')
    .replace(/"(wallMs|runsPerSec|workers|time)": ?[\d.]+/g, '"$1":N')
    .replace(/time="[\d.]+"/g, 'time="T"')
    .replace(/timestamp="[^"]*"/g, 'timestamp="T"')
    .replace(/hostname="[^"]*"/g, 'hostname="H"')
    .replace(/\d+(\.\d+)? ?(ms|s)\b/g, 'D')
    .replace(/shards?[^\n<]*/gi, 'SHARDS');
}

describe('four shard processes from the environment, merged', () => {
  it('give the unsharded campaign: same runs, same summary, same reports apart from wall time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pph-shards-'));
    try {
      const base = ['campaign', 'campaign-relay', '--runs', '8', '--seed', '3', '--shrink-runs', '0'];
      const whole = await pph([...base, '--out', 'whole'], {}, dir);
      // A short campaign may miss a required coverage mark (exit 1): what matters is that the
      // merged shards say exactly what the unsharded campaign says.
      expect([0, 1], whole.err).toContain(whole.code);
      // A Kubernetes Indexed Job: JOB_COMPLETION_INDEX 0..3 of JOB_COMPLETIONS 4 (two at a time: 2 cores).
      const shards: { code: number; out: string; err: string }[] = [];
      for (const pair of [[0, 1], [2, 3]]) {
        shards.push(...(await Promise.all(pair.map((i) => pph([...base, '--out', `shard-${i}`], { JOB_COMPLETION_INDEX: String(i), JOB_COMPLETIONS: '4' }, dir)))));
      }
      shards.forEach((s, i) => {
        expect([0, 1], s.err).toContain(s.code);
        expect(s.err).toContain(`shard ${i + 1}/4 (from JOB_COMPLETION_INDEX/JOB_COMPLETIONS)`);
      });
      const merged = await pph(['merge', ...[0, 1, 2, 3].map((i) => `shard-${i}`), '--out', 'merged'], {}, dir);
      expect(merged.code, merged.err).toBe(whole.code);

      expect(runLines(join(dir, 'merged'))).toEqual(runLines(join(dir, 'whole')));
      const summary = (d: string) => deterministicPart(JSON.parse(readFileSync(join(dir, d, 'campaign.json'), 'utf8')) as CampaignSummary);
      expect(summary('merged')).toEqual(summary('whole'));
      for (const f of ['summary.md', 'junit.xml']) {
        expect(normalise(readFileSync(join(dir, 'merged', f), 'utf8').replaceAll('merged', 'OUT')), f).toBe(normalise(readFileSync(join(dir, 'whole', f), 'utf8').replaceAll('whole', 'OUT')));
      }
      const html = (d: string) => normalise(readFileSync(join(dir, d, 'index.html'), 'utf8').replaceAll(d, 'OUT')).replace(/<footer[\s\S]*<\/footer>/, '');
      expect(html('merged')).toBe(html('whole'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
