/**
 * The pieces every section of `index.html` is made of: HTML escaping, a table builder, and the
 * diagram collector that places each mermaid source in the page (as escaped text that mermaid
 * renders in the browser) and keeps a list of them for the page's own checks and the tests.
 */

/** Text safe inside HTML element content and double-quoted attributes. */
export function esc(s: string | number): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** An id usable in an HTML anchor: letters, digits, `-`, `_`. */
export function anchorId(prefix: string, text: string): string {
  return `${prefix}-${text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '')}`;
}

export type DiagramKind = 'sequence' | 'state' | 'chart';

export interface Diagram {
  id: string;
  kind: DiagramKind;
  title: string;
  source: string;
}

/** Collects the mermaid diagrams of a page in order; ids are unique within the page. */
export class Diagrams {
  readonly all: Diagram[] = [];
  private readonly used = new Set<string>();

  /** A `<figure>` holding a diagram: its source in a `pre.mermaid`, its caption below. */
  figure(kind: DiagramKind, id: string, title: string, source: string, captionHtml = ''): string {
    let unique = anchorId('d', id);
    for (let n = 2; this.used.has(unique); n++) unique = anchorId('d', `${id}-${n}`);
    this.used.add(unique);
    this.all.push({ id: unique, kind, title, source });
    const caption = captionHtml ? `<figcaption>${captionHtml}</figcaption>` : '';
    return `<figure class="diagram diagram-${kind}" id="${unique}"><div class="scroll"><pre class="mermaid" data-diagram="${unique}">${esc(source)}</pre></div>${caption}</figure>`;
  }
}

export interface Column {
  head: string;
  /** Extra class of the column's cells. */
  cls?: string;
}

/** A table: cells are HTML already (escape text with {@link esc}); `rowCls` colours a row. */
export function table(columns: readonly (string | Column)[], rows: readonly { cells: readonly string[]; cls?: string }[], cls = 'data'): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { head: c } : c));
  const head = `<thead><tr>${cols.map((c) => `<th>${esc(c.head)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map((r) => `<tr${r.cls ? ` class="${r.cls}"` : ''}>${r.cells.map((cell, k) => `<td${cols[k]?.cls ? ` class="${cols[k]!.cls}"` : ''}>${cell}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="${cls}">${head}<tbody>\n${body}\n</tbody></table>`;
}

/** `<code>` with a copyable command line. */
export function cmd(line: string): string {
  return `<code class="cmd">${esc(line)}</code>`;
}

/** A JSON value embedded in a `<script type="application/json">`: `<` escaped so no tag can close it. */
export function jsonScript(id: string, value: unknown): string {
  const text = JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" id="${id}">${text}</script>`;
}
