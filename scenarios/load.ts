/**
 * Loading a scenario: YAML text → validated {@link Scenario} in normal form, or a
 * {@link ScenarioError} that names the file, the line and the field. Also the scenario hash that
 * manifests and replay files record, and where the built-in scenarios live.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { PphError } from '../protocol/errors.js';
import { canonicalJson } from '../sim/canonical.js';
import { describeIssues, fieldPath, findNonPlainValue, showValue, valueAt, type ScenarioIssue } from './issues.js';
import { positionAt } from './positions.js';
import { ScenarioSchema, type Scenario } from './schema.js';

export { canonicalJson };
export type { ScenarioIssue };

/** A scenario file larger than this is refused before parsing (STYLE.md habit 5). */
export const SCENARIO_BYTES_MAX = 1 << 20;
/** Bounds YAML alias expansion ("billion laughs"). */
const YAML_ALIASES_MAX = 100;

export type ScenarioErrorCode = 'yaml' | 'schema' | 'io';

/**
 * A scenario could not be read (`io`), is not valid YAML (`yaml`) or breaks the schema (`schema`).
 * `file`, `line`, `column` and `field` locate the first problem; `issues` lists every one, and the
 * message has one `file:line: field: problem` line per issue.
 */
export class ScenarioError extends PphError {
  declare readonly code: ScenarioErrorCode;
  readonly file: string;
  /** 1-based; `null` when unknown (an io error, a scenario given as an object). */
  readonly line: number | null;
  readonly column: number | null;
  /** Dotted field path, e.g. `world.nodes`; `''` when the problem is not one field's. */
  readonly field: string;
  readonly issues: readonly ScenarioIssue[];

  constructor(code: ScenarioErrorCode, file: string, issues: readonly ScenarioIssue[], options?: { cause?: unknown }) {
    super(code, issues.map((i) => formatIssue(file, i)).join('\n'), options);
    const first = issues[0] ?? { field: '', line: null, column: null, message: '' };
    this.file = file;
    this.line = first.line;
    this.column = first.column;
    this.field = first.field;
    this.issues = issues;
  }
}

/** `scenarios/x.yaml:7: world.nodes: expected integer ≤ 64, got 100`. */
function formatIssue(file: string, i: ScenarioIssue): string {
  const where = i.line === null ? file : `${file}:${i.line}`;
  return i.field === '' ? `${where}: ${i.message}` : `${where}: ${i.field}: ${i.message}`;
}

/** yaml's messages end in " at line L, column C:" and a code excerpt; the location goes in front instead. */
function yamlIssue(e: YAMLError): ScenarioIssue {
  const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const pos = e.linePos?.[0];
  return { field: '', line: pos?.line ?? null, column: pos?.col ?? null, message: reason };
}

/**
 * Parses and validates scenario YAML. `file` only labels errors.
 *
 * @throws {ScenarioError} `yaml` on a syntax error (duplicate keys included), `schema` when the
 *   document breaks the schema, `io` when the text is larger than {@link SCENARIO_BYTES_MAX}.
 * @example
 * ```ts
 * const s = parseScenario('name: tiny\nworld: { nodes: 2 }\n');
 * s.world.nodes;        // 2
 * s.invariants.length;  // 11
 * ```
 */
export function parseScenario(text: string, file = '<inline>'): Scenario {
  if (typeof text !== 'string') throw new TypeError(`parseScenario: text expected string, got ${typeof text}`);
  if (text.length > SCENARIO_BYTES_MAX) {
    throw new ScenarioError('io', file, [{ field: '', line: null, column: null, message: `scenario larger than ${SCENARIO_BYTES_MAX} bytes` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ScenarioError('yaml', file, doc.errors.map(yamlIssue));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_ALIASES_MAX });
  } catch (cause) {
    // yaml throws on excessive alias expansion; that is a property of the text, not a crash.
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ScenarioError('yaml', file, [{ field: '', line: null, column: null, message }], { cause });
  }
  return validate(data, file, (path) => positionAt(doc, lines, path));
}

/**
 * Validates a scenario given as a plain object (as a library user writes it in code).
 *
 * @throws {ScenarioError} `schema`, with `line` null.
 * @example
 * ```ts
 * const s = scenarioFromObject({ name: 'mine', world: { users: 2, optedOutUsers: 0 } });
 * ```
 */
export function scenarioFromObject(input: unknown, label = '<object>'): Scenario {
  return validate(input, label, () => null);
}

function validate(data: unknown, file: string, locate: Parameters<typeof describeIssues>[3]): Scenario {
  const odd = findNonPlainValue(data);
  if (odd !== null) {
    const pos = locate(odd);
    const message = `expected plain data (text, numbers, lists, mappings), got ${showValue(valueAt(data, odd))}`;
    throw new ScenarioError('schema', file, [{ field: fieldPath(odd), line: pos?.line ?? null, column: pos?.column ?? null, message }]);
  }
  const result = ScenarioSchema.safeParse(data);
  if (result.success) return result.data;
  throw new ScenarioError('schema', file, describeIssues(result.error.issues, data, ScenarioSchema, locate));
}

/**
 * Reads and validates a scenario file.
 *
 * @throws {ScenarioError} `io` if it cannot be read (missing, a directory, too large), else as {@link parseScenario}.
 * @example
 * ```ts
 * const s = loadScenario(resolveScenarioPath('default', process.cwd()));
 * ```
 */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    if (statSync(path).size > SCENARIO_BYTES_MAX) {
      throw new Error(`scenario larger than ${SCENARIO_BYTES_MAX} bytes`);
    }
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message : String(cause));
    throw new ScenarioError('io', path, [{ field: '', line: null, column: null, message: `cannot read scenario: ${reason}` }], { cause });
  }
  return parseScenario(text, path);
}

/**
 * SHA-256 (hex) of the canonical JSON of the normal form: the identity of a scenario in manifests,
 * replay files and reports. Key order, whitespace, comments, `invariants: all` versus the full
 * list, and the order of set-like lists do not change it; any value does.
 */
export function scenarioHash(s: Scenario): string {
  return createHash('sha256').update(canonicalJson(s), 'utf8').digest('hex');
}

/**
 * The folder of built-in scenarios: `<package root>/scenarios`. This module sits in
 * `<root>/scenarios/` when run from source and in `<root>/dist/scenarios/` when built.
 */
function builtinDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '..', '..', 'scenarios')];
  return candidates.find((d) => existsSync(join(d, 'default.yaml'))) ?? here;
}

const BUILTIN_NAME = /^[a-z0-9-]+(\.ya?ml)?$/;

/**
 * Where a scenario argument points. A bare name (`default`, `default.yaml`) is a built-in scenario
 * of this package, unless it has an extension and a file of that name exists in `cwd`; anything
 * else is a path, relative to `cwd`.
 *
 * @example
 * ```ts
 * resolveScenarioPath('default', process.cwd());        // <package>/scenarios/default.yaml
 * resolveScenarioPath('mine/x.yaml', '/home/maya');     // /home/maya/mine/x.yaml
 * ```
 */
export function resolveScenarioPath(nameOrPath: string, cwd: string): string {
  const local = isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
  if (!BUILTIN_NAME.test(nameOrPath)) return local;
  const hasExtension = /\.ya?ml$/.test(nameOrPath);
  if (hasExtension && existsSync(local)) return local;
  const builtin = join(builtinDir(), hasExtension ? nameOrPath : `${nameOrPath}.yaml`);
  return existsSync(builtin) ? builtin : local;
}

/**
 * Names of the built-in scenarios (without extension), sorted; each resolves with {@link resolveScenarioPath}.
 *
 * @example
 * ```ts
 * listBuiltinScenarios().includes('default'); // true
 * ```
 */
export function listBuiltinScenarios(): string[] {
  return readdirSync(builtinDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}
