/**
 * A strict little XML 1.0 reader for the JUnit tests (no dependency): elements, attributes, text,
 * the five predefined entities and character references. Anything not well formed throws: an
 * unescaped `<` or `&`, a mismatched or unclosed tag, a duplicate or unquoted attribute, text
 * outside the root element.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;

function decode(raw: string, where: number): string {
  if (raw.includes('<')) throw new Error(`XML: '<' in text or attribute at ${where}`);
  return raw.replace(/&([^;\s]*);?/g, (m, ent: string) => {
    if (!m.endsWith(';')) throw new Error(`XML: bare '&' at ${where}`);
    if (ent in ENTITIES) return ENTITIES[ent]!;
    const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ent);
    if (num) return String.fromCodePoint(num[1]!.startsWith('x') ? parseInt(num[1]!.slice(1), 16) : Number(num[1]));
    throw new Error(`XML: unknown entity &${ent}; at ${where}`);
  });
}

/** Parses a document and returns its root element. */
export function parseXml(text: string): XmlElement {
  let pos = 0;
  const skipWs = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) throw new Error('XML: unclosed declaration');
    pos = end + 2;
  }
  skipWs();
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < text.length) {
    if (text[pos] === '<') {
      if (text.startsWith('</', pos)) {
        const end = text.indexOf('>', pos);
        const name = text.slice(pos + 2, end).trim();
        const open = stack.pop();
        if (!open || open.name !== name) throw new Error(`XML: </${name}> closes <${open?.name ?? 'nothing'}> at ${pos}`);
        pos = end + 1;
        if (stack.length === 0) break;
        continue;
      }
      pos++;
      const m = NAME.exec(text.slice(pos));
      if (!m) throw new Error(`XML: bad tag name at ${pos}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      pos += m[0].length;
      for (;;) {
        skipWs();
        if (text.startsWith('/>', pos) || text[pos] === '>') break;
        const a = NAME.exec(text.slice(pos));
        if (!a) throw new Error(`XML: bad attribute at ${pos}`);
        pos += a[0].length;
        skipWs();
        if (text[pos] !== '=') throw new Error(`XML: attribute ${a[0]} without value at ${pos}`);
        pos++;
        skipWs();
        const q = text[pos];
        if (q !== '"' && q !== "'") throw new Error(`XML: unquoted attribute ${a[0]} at ${pos}`);
        const end = text.indexOf(q, pos + 1);
        if (end < 0) throw new Error('XML: unclosed attribute value');
        if (a[0] in el.attrs) throw new Error(`XML: duplicate attribute ${a[0]}`);
        el.attrs[a[0]] = decode(text.slice(pos + 1, end), pos);
        pos = end + 1;
      }
      if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
      else if (root) throw new Error('XML: two root elements');
      else root = el;
      if (text.startsWith('/>', pos)) {
        pos += 2;
        if (stack.length === 0) break;
      } else {
        pos++;
        stack.push(el);
      }
    } else {
      const next = text.indexOf('<', pos);
      const end = next < 0 ? text.length : next;
      const raw = text.slice(pos, end);
      if (stack.length === 0) throw new Error(`XML: text outside the root at ${pos}`);
      stack[stack.length - 1]!.text += decode(raw, pos);
      pos = end;
    }
  }
  if (stack.length > 0) throw new Error(`XML: <${stack[stack.length - 1]!.name}> not closed`);
  if (!root) throw new Error('XML: no root element');
  if (text.slice(pos).trim() !== '') throw new Error('XML: content after the root element');
  return root;
}
