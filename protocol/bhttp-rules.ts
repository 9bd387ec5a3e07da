/**
 * Binary HTTP (RFC 9292) validation shared by the encoder and the decoder, on latin1 byte
 * strings: field names and values (RFC 9110 §5.1, §5.5; RFC 9113 §8.2.1), request control data
 * (RFC 9292 §3.4 → RFC 9113 §8.3.1, §8.5) and the response rules (RFC 9110 §15). Each function
 * returns why its input is not allowed, or null; the caller raises its own typed error. The
 * leniencies decided here are listed in docs/leniencies.md.
 */

const C_NAME = 1; // RFC 9110 §5.6.2 tchar minus uppercase (RFC 9113 §8.2.1)
const C_TOKEN = 2; // RFC 9110 §5.6.2 tchar
const C_SCHEME = 4; // RFC 3986 §3.1: ALPHA / DIGIT / "+" / "-" / "."
const C_ALPHA = 8;
const C_URI = 16; // RFC 3986 §2: URIs consist of visible US-ASCII
const C_VALUE_BAD = 32; // RFC 9113 §8.2.1: NUL, LF, CR
const C_VALUE_CTL = 64; // RFC 9110 §5.5: the other CTLs (not HTAB) are invalid too
const CLASS = buildClasses();

function buildClasses(): Uint8Array {
  const t = new Uint8Array(256);
  const mark = (chars: string, bits: number): void => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)]! |= bits;
  };
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  const digit = '0123456789';
  mark("!#$%&'*+-.^_`|~" + digit + lower, C_NAME | C_TOKEN);
  mark(upper, C_TOKEN);
  mark(lower + upper, C_ALPHA);
  mark(lower + upper + digit + '+-.', C_SCHEME);
  for (let c = 0x21; c <= 0x7e; c++) t[c]! |= C_URI;
  mark('\0\n\r', C_VALUE_BAD);
  for (let c = 0x01; c <= 0x1f; c++) if (c !== 0x09 && c !== 0x0a && c !== 0x0d) t[c]! |= C_VALUE_CTL;
  t[0x7f]! |= C_VALUE_CTL;
  return t;
}

// RFC 9292 §3.6: these pseudo-fields are carried by control data and never as field lines.
const RESERVED_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':status']);

function classOf(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c > 0xff ? 0 : CLASS[c]!;
}

function allOf(s: string, from: number, bits: number): boolean {
  for (let i = from; i < s.length; i++) if ((classOf(s, i) & bits) === 0) return false;
  return true;
}

/** Why `name` cannot be a field name here, or null. */
export function fieldNameProblem(name: string, pseudoAllowed: boolean): string | null {
  if (name.length === 0) return 'empty field name'; // RFC 9292 §3.6: Name Length (i) = 1..
  let from = 0;
  if (name.charCodeAt(0) === 0x3a) {
    // RFC 9292 §3.6: pseudo-fields precede all other field lines, never appear in trailers,
    // and never repeat the control data.
    if (!pseudoAllowed) return 'pseudo-field after a regular field or in trailers';
    if (RESERVED_PSEUDO.has(name)) return `pseudo-field ${name} belongs in control data`;
    if (name.length === 1) return 'empty pseudo-field name';
    from = 1;
  }
  // RFC 9110 §5.1: a field name is a token; RFC 9113 §8.2.1: no uppercase.
  return allOf(name, from, C_NAME) ? null : 'field name has a byte outside lowercase tchar';
}

/** Why `value` cannot be a field value, or null. */
export function fieldValueProblem(value: string): string | null {
  const n = value.length;
  if (n === 0) return null;
  // RFC 9113 §8.2.1: no leading or trailing SP/HTAB; no NUL, CR or LF anywhere.
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
    return 'field value starts or ends with whitespace';
  }
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return 'field value is not a byte string';
    const cls = CLASS[c]!;
    if ((cls & C_VALUE_BAD) !== 0) return 'field value contains NUL, CR or LF';
    // RFC 9110 §5.5: field-vchar is VCHAR / obs-text, with SP and HTAB between; "Field values
    // containing other CTL characters are also invalid" (recipients MAY retain them, pph does not).
    if ((cls & C_VALUE_CTL) !== 0) return 'field value contains a control character';
  }
  return null;
}

/** Why these cannot be request control data (RFC 9292 §3.4 → RFC 9113 §8.3.1), or null. */
export function requestControlProblem(method: string, scheme: string, authority: string, path: string): string | null {
  // RFC 9110 §9.1: a method is a token.
  if (method.length === 0 || !allOf(method, 0, C_TOKEN)) return 'method is not a token';
  // RFC 3986 §3.1; empty for CONNECT (RFC 9113 §8.5 omits :scheme).
  if (scheme.length > 0 && ((classOf(scheme, 0) & C_ALPHA) === 0 || !allOf(scheme, 1, C_SCHEME))) {
    return 'scheme is not an RFC 3986 scheme';
  }
  if (!allOf(authority, 0, C_URI)) return 'authority has a byte outside visible US-ASCII';
  if (!allOf(path, 0, C_URI)) return 'path has a byte outside visible US-ASCII';
  if (scheme.length === 0) {
    // RFC 9113 §8.3.1: every request "MUST include exactly one valid value for the :method,
    // :scheme, and :path pseudo-header fields, unless they are CONNECT requests"; §8.5: a CONNECT
    // omits both :scheme and :path (RFC 9292 §3.4 encodes an omitted field as zero length).
    if (method !== 'CONNECT') return 'empty scheme: only a CONNECT request omits :scheme';
    if (path.length > 0) return 'CONNECT without a scheme must omit the path too';
  }
  // RFC 9113 §8.3.1: :path holds the path and query of the target URI (absolute-path ["?" query]);
  // a fragment is never part of it (RFC 3986 §3.5: "#" starts the fragment).
  if (path.includes('#')) return 'path has a fragment ("#")';
  const lower = scheme.toLowerCase();
  const web = lower === 'http' || lower === 'https';
  // RFC 9113 §8.3.1: :authority "MUST NOT include the deprecated userinfo subcomponent for http or
  // https schemed URIs"; RFC 9110 §4.2.4: a recipient SHOULD treat userinfo as an error.
  if (web && authority.includes('@')) return 'http(s) authority has userinfo ("@")';
  // RFC 9113 §8.3.1: for http and https, :path is "*" or starts with "/" (never empty).
  if (web && path !== '*' && path.charCodeAt(0) !== 0x2f) {
    return 'http(s) path must start with "/" or be "*"';
  }
  return null;
}

/** Why an informational status cannot appear in a binary message, or null. */
export function informationalProblem(status: number): string | null {
  // RFC 9110 §15.2.2: 101 switches the connection to another protocol, which a self-contained
  // message cannot do; RFC 9113 §8.6, whose rules RFC 9292 §3.4 adopts for control data:
  // "HTTP/2 does not support the 101 (Switching Protocols) informational status code".
  return status === 101 ? 'status 101 (Switching Protocols) has no meaning in a binary HTTP message' : null;
}

/** Why a final response with this status cannot carry this content or these trailers, or null. */
export function noContentProblem(status: number, contentBytes: number, trailerLines: number): string | null {
  // RFC 9110 §15.3.5 (204) and §15.4.5 (304): the response "is terminated by the end of the
  // header section; it cannot contain content or trailers".
  if ((status === 204 || status === 304) && (contentBytes > 0 || trailerLines > 0)) {
    return `a ${status} response cannot contain content or trailers`;
  }
  return null;
}

