/**
 * Text that is safe inside mermaid source. Mermaid's grammars give meaning to `;` (statement end),
 * `#` (entity codes such as `#59;`), `:` (label separator), `%%` (comments), `<`/`>` (HTML in
 * labels), quotes, braces and brackets; a label from a trace or a user's invariant may contain any
 * of them. We replace rather than escape: mermaid's entity escapes differ between diagram types.
 */

const REPLACEMENTS: [RegExp, string][] = [
  [/[\r\n\t]+/g, ' '],
  [/;/g, ','],
  [/#/g, 'no.'],
  [/:/g, ' '],
  [/%/g, ' pct'],
  [/</g, '‹'],
  [/>/g, '›'],
  [/"/g, "'"],
  [/[{}[\]]/g, ' '],
  [/[`\\]/g, ' '],
];

/**
 * A label for a mermaid message, note or transition: no syntax characters, one line, at most
 * `maxChars` characters (an ellipsis marks a cut).
 *
 * @example
 * mermaidLabel('verify: ok; #3 <x>') // 'verify  ok, no.3 ‹x›'
 */
export function mermaidLabel(text: string, maxChars = 60): string {
  let s = text;
  for (const [re, to] of REPLACEMENTS) s = s.replace(re, to);
  s = s.replace(/ {2,}/g, ' ').trim();
  if (s.length > maxChars) s = s.slice(0, Math.max(1, maxChars - 1)).trimEnd() + '…';
  return s.length ? s : '-';
}

/** An identifier for a mermaid node or participant: letters, digits and `_` only, never empty. */
export function mermaidId(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `n_${s}`;
}
