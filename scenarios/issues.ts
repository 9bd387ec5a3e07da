/**
 * Turns zod issues into messages a scenario author reads first (STYLE.md habit 8): one per field,
 * naming the field path, what was expected and what was written, and for an unknown key the key
 * it was probably meant to be.
 */
import type { z } from 'zod';

/** One problem with a scenario, located in its file when the file is known. */
export interface ScenarioIssue {
  /** Dotted path with list indices in brackets: `world.nodes`, `faults.nodeRestarts[0].node`; `''` for the whole file. */
  field: string;
  /** 1-based; `null` when the scenario did not come from text. */
  line: number | null;
  column: number | null;
  /** What is wrong, without the file, line and field (`expected integer ≤ 64, got 100`). */
  message: string;
}

type Path = readonly PropertyKey[];
type Issue = z.core.$ZodIssue;

/** Bounds on how much of a bad value or a suggestion list goes into a message. */
const SHOWN_CHARS_MAX = 40;
const SUGGESTION_DISTANCE_MAX = 2;

/** `['faults', 'nodeRestarts', 0, 'node']` → `faults.nodeRestarts[0].node`. */
export function fieldPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** How a written value is quoted back to its author. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > SHOWN_CHARS_MAX ? `${s.slice(0, SHOWN_CHARS_MAX)}…"` : s;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return 'binary data';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isPlainObject(v)) return 'a mapping';
  return `a ${(v as object).constructor?.name ?? typeof v}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Deepest nesting looked at by {@link findNonPlainValue}; scenarios are a few levels deep. */
const NESTING_MAX = 64;

/**
 * The path of the first value that is neither JSON-like data nor a plain mapping or list (YAML
 * `!!binary`, a Map or a class instance passed in code), which zod would read as a mapping of its
 * indices. `null` when all is plain.
 */
export function findNonPlainValue(v: unknown, path: PropertyKey[] = []): PropertyKey[] | null {
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? path : null;
  if (path.length > NESTING_MAX) return path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = findNonPlainValue(v[i], [...path, i]);
      if (found !== null) return found;
    }
    return null;
  }
  if (!isPlainObject(v)) return path;
  for (const [k, item] of Object.entries(v)) {
    const found = findNonPlainValue(item, [...path, k]);
    if (found !== null) return found;
  }
  return null;
}

/** The value at `path`, or undefined where the path leaves the data. */
export function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * Splits issues that stand for several problems: a union whose list branch failed on its items
 * reports those items (not "invalid input"); one unknown-keys issue becomes one issue per key.
 */
function flatten(issue: Issue, prefix: Path): { issue: Issue; path: Path; unknownKey?: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    // The branch whose issues all lie below the union matched its shape: its issues are the real ones.
    const shaped = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (shaped !== undefined) return shaped.flatMap((i) => flatten(i, path));
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ issue, path: [...path, key], unknownKey: key }));
  }
  return [{ issue, path }];
}

/** Keys the strict object at `path` accepts, found by walking the schema's definitions. */
function knownKeysAt(schema: z.core.$ZodType, path: Path): string[] {
  let s: z.core.$ZodType | undefined = schema;
  const unwrap = (t: z.core.$ZodType): z.core.$ZodType => {
    const def = t._zod.def as unknown as Record<string, z.core.$ZodType | undefined> & { type: string };
    if (def.type === 'pipe') return unwrap(def.in!);
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional') return unwrap(def.innerType!);
    return t;
  };
  for (const seg of path) {
    if (s === undefined) return [];
    const def = unwrap(s)._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    s = def.type === 'object' ? def.shape?.[String(seg)] : def.type === 'array' ? def.element : undefined;
  }
  if (s === undefined) return [];
  const def = unwrap(s)._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
}

/** Levenshtein distance, for "did you mean". Inputs are short keys. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownKeyMessage(key: string, known: string[]): string {
  const near = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d }) => d <= SUGGESTION_DISTANCE_MAX)
    .sort((x, y) => x.d - y.d)[0];
  if (near !== undefined) return `unknown key ${JSON.stringify(key)}; did you mean ${JSON.stringify(near.k)}?`;
  return known.length > 0 ? `unknown key ${JSON.stringify(key)}; expected one of: ${known.join(', ')}` : `unknown key ${JSON.stringify(key)}`;
}

/** Cross-field messages quote their values already; a default the author never wrote is pointed out. */
function customMessage(message: string, value: unknown): string {
  return value === undefined ? `${message} (the default; set it explicitly)` : message;
}

function describeValueIssue(issue: Issue, path: Path, value: unknown): string {
  // Only `name` and the fields of a list item are required; the others have defaults.
  if (value === undefined && path.length > 0 && issue.code === 'invalid_type') return `required key missing (${issue.message})`;
  return `${issue.message}, got ${showValue(value)}`;
}

/**
 * One {@link ScenarioIssue} per offending field, ordered by position in the file.
 * `locate` maps a path to its 1-based line and column (or null when there is no text).
 */
export function describeIssues(
  issues: readonly Issue[],
  data: unknown,
  schema: z.core.$ZodType,
  locate: (path: Path) => { line: number; column: number } | null,
): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  const seen = new Set<string>();
  for (const { issue, path, unknownKey } of issues.flatMap((i) => flatten(i, []))) {
    const field = fieldPath(path);
    if (seen.has(field)) continue; // one message per field: the first is the one to fix first
    seen.add(field);
    let message: string;
    if (unknownKey !== undefined) message = unknownKeyMessage(unknownKey, knownKeysAt(schema, path.slice(0, -1)));
    else if (issue.code === 'custom') message = customMessage(issue.message, valueAt(data, path));
    else message = describeValueIssue(issue, path, valueAt(data, path));
    const pos = locate(path);
    out.push({ field, line: pos?.line ?? null, column: pos?.column ?? null, message });
  }
  return out.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}
