/**
 * Where `--shard i/n` comes from when it is not given: the engines users already run, so a
 * campaign spreads over a Kubernetes Indexed Job or a CI matrix with no home-made cluster.
 *
 * Order: `--shard` wins; then `PPH_SHARD=i/n`; then the first complete pair of
 *   - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0-based, set by Kubernetes) of
 *     `JOB_COMPLETIONS` (set it in the pod template to `.spec.completions`; Kubernetes does not),
 *   - GitLab CI `parallel:`: `CI_NODE_INDEX` (1-based) of `CI_NODE_TOTAL`,
 *   - CircleCI `parallelism`: `CIRCLE_NODE_INDEX` (0-based) of `CIRCLE_NODE_TOTAL`,
 *   - Buildkite `parallelism`: `BUILDKITE_PARALLEL_JOB` (0-based) of `BUILDKITE_PARALLEL_JOB_COUNT`.
 * GitHub Actions has no such variables: its matrix sets `PPH_SHARD: ${{ matrix.shard }}/N`.
 * A half-set pair, or a value out of range, is a usage error naming the variables (exit 2),
 * never a silent unsharded run.
 */
import { UsageError } from './io.js';

export interface Shard {
  index: number;
  count: number;
}

export interface ShardChoice {
  shard: Shard | null;
  /** Where it came from: `--shard`, an environment variable pair, or null when unsharded. */
  source: string | null;
}

const PAIRS: readonly { index: string; count: string; base: 0 | 1; engine: string }[] = [
  { index: 'JOB_COMPLETION_INDEX', count: 'JOB_COMPLETIONS', base: 0, engine: 'Kubernetes Indexed Job' },
  { index: 'CI_NODE_INDEX', count: 'CI_NODE_TOTAL', base: 1, engine: 'GitLab CI parallel' },
  { index: 'CIRCLE_NODE_INDEX', count: 'CIRCLE_NODE_TOTAL', base: 0, engine: 'CircleCI parallelism' },
  { index: 'BUILDKITE_PARALLEL_JOB', count: 'BUILDKITE_PARALLEL_JOB_COUNT', base: 0, engine: 'Buildkite parallelism' },
];

const SHARD_MAX = 100_000;

/** Parses `i/n` (1 ≤ i ≤ n); `what` names the flag or variable in the error. */
export function parseShardSpec(raw: string, what: string): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(raw.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > SHARD_MAX || index < 1 || index > count) throw new UsageError(`${what} expects i/n with 1 ≤ i ≤ n ≤ ${SHARD_MAX}, got '${raw}'`);
  return { index, count };
}

function whole(raw: string, name: string): number {
  if (!/^\d{1,6}$/.test(raw.trim())) throw new UsageError(`${name} expects a whole number, got '${raw}'`);
  return Number(raw.trim());
}

/** The shard of this process: from `--shard`, else from the environment, else none. */
export function resolveShard(flag: string | undefined, env: Record<string, string | undefined>): ShardChoice {
  if (flag !== undefined) return { shard: parseShardSpec(flag, '--shard'), source: '--shard' };
  const explicit = env['PPH_SHARD'];
  if (explicit !== undefined && explicit !== '') return { shard: parseShardSpec(explicit, 'PPH_SHARD'), source: 'PPH_SHARD' };
  for (const p of PAIRS) {
    const i = env[p.index];
    const n = env[p.count];
    const hasI = i !== undefined && i !== '';
    const hasN = n !== undefined && n !== '';
    if (!hasI && !hasN) continue;
    if (!hasI || !hasN) {
      // Kubernetes sets JOB_COMPLETION_INDEX on every Indexed Job pod; the count is ours to add.
      throw new UsageError(`${p.engine}: ${hasI ? p.index : p.count} is set but ${hasI ? p.count : p.index} is not (set both, pass --shard i/n, or PPH_SHARD=i/n)`);
    }
    const count = whole(n!, p.count);
    const index = whole(i!, p.index) + (1 - p.base);
    if (count < 1 || count > SHARD_MAX || index < 1 || index > count) throw new UsageError(`${p.engine}: ${p.index}=${i} is out of range for ${p.count}=${n}`);
    return { shard: { index, count }, source: `${p.index}/${p.count}` };
  }
  return { shard: null, source: null };
}
