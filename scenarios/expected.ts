/**
 * Expected outcomes of the threat matrix, as data (`scenarios/expected/<profile>.yaml`, from
 * THREATS.md "Expected outcomes"): per adversary, coalition or condition, the invariants expected
 * to be violated (all others hold); and the mutants no position can kill, each with its reason.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { INVARIANT_IDS } from '../model/invariant-ids.js';
import { ScenarioError } from './load.js';

const Expectation = z.enum(['holds', 'violated'], { error: 'expected holds or violated' });
const InvariantMap = z.partialRecord(z.enum(INVARIANT_IDS as unknown as [string, ...string[]], { error: `expected an invariant id (${INVARIANT_IDS.join(', ')})` }), Expectation);

const ExpectedFileSchema = z.strictObject({
  profile: z.string({ error: 'expected a profile name' }).min(1),
  expected: z.record(z.string().min(1), z.union([InvariantMap, z.null()]).transform((v) => v ?? {})),
  survivors: z.record(z.string().min(1), z.union([z.string(), z.null()]).transform((v) => v ?? '')).default({}),
});

export type ExpectedOutcomes = z.output<typeof ExpectedFileSchema>;

/** The folder of the built-in expectations. */
export function expectedDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From sources (scenarios/) or from dist/scenarios/: the YAML stays in the package's scenarios/.
  return here.endsWith(join('dist', 'scenarios')) ? join(here, '..', '..', 'scenarios', 'expected') : join(here, 'expected');
}

/** Parses an expectations file; errors name the file, line and field. */
export function parseExpected(text: string, file: string, knownAttackers: readonly string[]): ExpectedOutcomes {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ScenarioError('yaml', file, [{ field: '', line: e.linePos?.[0]?.line ?? null, column: e.linePos?.[0]?.col ?? null, message: e.message.split('\n')[0]! }]);
  }
  const lineOf = (path: (string | number)[]): number | null => {
    let node: unknown = doc.contents;
    for (const key of path) {
      if (!isMap(node)) break;
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      node = pair.value ?? pair.key;
    }
    const range = (node as Node | null)?.range;
    return range ? lines.linePos(range[0]).line : null;
  };
  const r = ExpectedFileSchema.safeParse(doc.toJS());
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    throw new ScenarioError('schema', file, [{ field: path.join('.'), line: lineOf(path), column: null, message: issue.message }]);
  }
  for (const name of Object.keys(r.data.expected)) {
    if (!knownAttackers.includes(name)) {
      throw new ScenarioError('schema', file, [{ field: `expected.${name}`, line: lineOf(['expected', name]), column: null, message: `unknown adversary (known: ${knownAttackers.join(', ')})` }]);
    }
  }
  return r.data;
}

export function loadExpected(path: string, knownAttackers: readonly string[]): ExpectedOutcomes {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError('io', path, [{ field: '', line: null, column: null, message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseExpected(text, path, knownAttackers);
}
