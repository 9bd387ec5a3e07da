/**
 * Where a field sits in a YAML document: maps a schema issue path (`['world', 'nodes']`) to the
 * 1-based line and column of the node that wrote it, so that errors can say `file:7: world.nodes`.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Bounds the walk through aliases, so a cyclic document cannot loop (STYLE.md habit 5). */
const ALIAS_HOPS_MAX = 32;

function positionOf(node: Node | null | undefined, lines: LineCounter): Position | null {
  if (node?.range == null) return null;
  const { line, col } = lines.linePos(node.range[0]);
  return { line, column: col };
}

function resolveAlias(node: unknown, doc: Document): unknown {
  let n = node;
  for (let hops = 0; isAlias(n) && hops < ALIAS_HOPS_MAX; hops++) n = n.resolve(doc);
  return n;
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : null;
}

/**
 * The position of the deepest node along `path`. For a map entry that is the key (where the field
 * is named); for a list item, the item. When the path leaves the document (a missing field), the
 * last node reached stands in for it; an empty document is all line 1.
 */
export function positionAt(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): Position {
  let node: unknown = resolveAlias(doc.contents, doc);
  let best = positionOf(node as Node | null, lines);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) break;
      best = positionOf(pair.key as Node, lines) ?? positionOf(pair.value as Node, lines) ?? best;
      node = resolveAlias(pair.value, doc);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      best = positionOf(item as Node, lines) ?? best;
      node = resolveAlias(item, doc);
    } else {
      break;
    }
  }
  return best ?? { line: 1, column: 1 };
}
