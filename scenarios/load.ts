/**
 * Loading a scenario: YAML text → validated {@link Scenario} in normal form, or a
 * {@link ScenarioError} that names the file, the line and the field. Also the scenario hash that
 * manifests and replay files record, and where the built-in scenarios live.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScalar, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { PphError } from '../protocol/errors.js';
import { formatBytes, InputFileError, readFileBounded, utf8Problem } from './input-file.js';
import { canonicalJson } from '../sim/canonical.js';
import { describeIssues, fieldPath, findNonPlainValue, showValue, valueAt, type ScenarioIssue } from './issues.js';
import { positionAt } from './positions.js';
import { ScenarioSchema, type Scenario } from './schema.js';

export { canonicalJson };
export type { ScenarioIssue };

/** Limits of a scenario file (STYLE.md habits 5 and 6; docs/limits.md). */
export const SCENARIO_FILE_LIMITS = {
  /** A scenario file larger than this is refused before parsing. */
  scenarioBytesMax: 1 << 20,
  /** Bounds YAML alias expansion ("billion laughs"): yaml's `maxAliasCount`. */
  yamlAliasesMax: 100,
} as const;
/** {@link SCENARIO_FILE_LIMITS}.scenarioBytesMax, under its older name. */
export const SCENARIO_BYTES_MAX = SCENARIO_FILE_LIMITS.scenarioBytesMax;
const YAML_ALIASES_MAX = SCENARIO_FILE_LIMITS.yamlAliasesMax;
/**
 * The only explicit tags a scenario may carry: the YAML 1.2 core schema's (§10.3). Anything else
 * (`!foo`, `!!js/function`, `!!binary` under `%YAML 1.1`) is refused, never silently read as text.
 */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'seq', 'map'].map((t) => `tag:yaml.org,2002:${t}`));

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
    const message = `scenario of ${text.length} characters is over the limit scenarioBytesMax = ${formatBytes(SCENARIO_BYTES_MAX)}`;
    throw new ScenarioError('io', file, [{ field: '', line: null, column: null, message }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ScenarioError('yaml', file, doc.errors.map(yamlIssue));
  const strictIssues = plainYamlIssues(doc, lines);
  if (strictIssues.length > 0) throw new ScenarioError('yaml', file, strictIssues);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_ALIASES_MAX });
  } catch (cause) {
    // yaml throws on excessive alias expansion; that is a property of the text, not a crash.
    throw new ScenarioError('yaml', file, [aliasIssue(doc, lines, cause)], { cause });
  }
  return validate(data, file, (path) => positionAt(doc, lines, path));
}

/** The line of a node, from its source range. */
function lineOf(lines: LineCounter, node: { range?: readonly number[] | null }): { line: number | null; column: number | null } {
  const at = node.range?.[0];
  if (at === undefined) return { line: null, column: null };
  const pos = lines.linePos(at);
  return { line: pos.line, column: pos.col };
}

/**
 * What a scenario must not use although YAML allows it: tags outside the core schema, a YAML
 * version other than 1.2 (1.1 reads `yes` as true and knows `!!binary`), mapping keys that are
 * not plain scalars, and every warning yaml raises (an unresolved tag is only a warning to it).
 */
function plainYamlIssues(doc: Document.Parsed, lines: LineCounter): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version !== '1.2') {
    issues.push({ field: '', line: 1, column: 1, message: `%YAML ${doc.directives.yaml.version} directive: a scenario is YAML 1.2` });
  }
  for (const w of doc.warnings) {
    const reason = w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const pos = w.linePos?.[0];
    const message = w.code === 'TAG_RESOLVE_FAILED' ? `${reason}: custom YAML tags are not allowed in a scenario` : reason;
    issues.push({ field: '', line: pos?.line ?? null, column: pos?.col ?? null, message });
  }
  const warned = new Set(issues.map((i) => i.line));
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag !== undefined && !CORE_TAGS.has(tag)) {
        const where = lineOf(lines, node);
        if (!warned.has(where.line)) issues.push({ field: '', ...where, message: `YAML tag ${tag} is not allowed in a scenario (only plain data)` });
      }
    },
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        issues.push({ field: '', ...lineOf(lines, pair.key as { range?: number[] }), message: 'a mapping key must be plain text, not a list or mapping' });
      }
    },
  });
  return issues;
}

/** yaml's "Excessive alias count" as an issue that names the limit and the first alias's line. */
function aliasIssue(doc: Document.Parsed, lines: LineCounter, cause: unknown): ScenarioIssue {
  let where: { line: number | null; column: number | null } = { line: null, column: null };
  visit(doc, {
    Alias(_key, node) {
      where = lineOf(lines, node);
      return visit.BREAK;
    },
  });
  const detail = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
  return {
    field: '',
    ...where,
    message: `YAML aliases expand beyond the limit yamlAliasesMax = ${YAML_ALIASES_MAX} (a "billion laughs" document; yaml: ${detail})`,
  };
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
 * Reads and validates a scenario file. A bare name (`default`, `matrix`, `campaign-relay`) is a
 * built-in scenario of this package (see {@link resolveScenarioPath}), so library users need no
 * copy of the scenarios folder.
 *
 * @throws {ScenarioError} `io` if it cannot be read (missing, not a regular file: a directory, FIFO or
 *   device, over scenarioBytesMax), `yaml` if it is not UTF-8, else as {@link parseScenario}.
 * @example
 * ```ts
 * const s = loadScenario('default');                 // built in
 * const t = loadScenario('./my-scenarios/x.yaml');   // a file
 * ```
 */
export function loadScenario(nameOrPath: string): Scenario {
  // A file of that name in the working directory wins; the path stays as given, for messages.
  const path = BUILTIN_NAME.test(nameOrPath) && !existsSync(nameOrPath) ? resolveScenarioPath(nameOrPath, process.cwd()) : nameOrPath;
  return parseScenarioBytes(readScenarioBytes(path), path);
}

/**
 * The bytes of a scenario file: a regular file (not a FIFO, device or directory) of at most
 * scenarioBytesMax, read with a bounded read (scenarios/input-file.ts).
 *
 * @throws {ScenarioError} `io`, the message naming the cause and the limit.
 */
export function readScenarioBytes(path: string): Uint8Array {
  try {
    return readFileBounded(path, 'scenario', { name: 'scenarioBytesMax', bytes: SCENARIO_BYTES_MAX });
  } catch (cause) {
    if (!(cause instanceof InputFileError)) throw cause;
    // The error's file is the path, so the message does not repeat it.
    const message = cause.message.replace(`scenario ${path}`, 'scenario');
    throw new ScenarioError('io', path, [{ field: '', line: null, column: null, message }], { cause });
  }
}

/**
 * Parses scenario bytes: strict UTF-8 first (a bad byte is `yaml` with its line and column), then
 * as {@link parseScenario}.
 */
export function parseScenarioBytes(bytes: Uint8Array, file = '<inline>'): Scenario {
  if (bytes.length > SCENARIO_BYTES_MAX) {
    const message = `scenario of ${bytes.length} bytes is over the limit scenarioBytesMax = ${formatBytes(SCENARIO_BYTES_MAX)}`;
    throw new ScenarioError('io', file, [{ field: '', line: null, column: null, message }]);
  }
  const bad = utf8Problem(bytes);
  if (bad !== null) {
    const message = `byte 0x${bad.byte.toString(16).padStart(2, '0')} at column ${bad.column} is not UTF-8: a scenario is UTF-8 text`;
    throw new ScenarioError('yaml', file, [{ field: '', line: bad.line, column: bad.column, message }]);
  }
  const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  return parseScenario(text, file);
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
