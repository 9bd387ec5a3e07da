/**
 * The `WWW-Authenticate: PrivateToken ...` challenge header (RFC 9577 §2.1), over the generic
 * challenge grammar of RFC 9110 §11.6.1:
 *
 *   WWW-Authenticate = #challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *
 * Parsing keeps every parameter (unknown ones included, RFC 9577 §2.1: clients ignore them) with
 * the separator text before it, so serialising a parsed header gives back the same string.
 */
import { TokenFormatError } from '../errors.js';
import { decodeBase64url, encodeBase64url } from './base64url.js';
import { encodeTokenChallenge, parseTokenChallenge, type TokenChallenge } from './challenge.js';

/** One auth-param as written. */
export interface AuthParam {
  readonly name: string;
  /** The value, unescaped when it was a quoted-string. */
  readonly value: string;
  readonly quoted: boolean;
  /** The text between the previous element and this name: " " after the scheme, ", " between params. */
  readonly lead: string;
}

/** A PrivateToken challenge: the decoded view plus the parameters it was written with. */
export interface PrivateTokenChallenge {
  /** The encoded TokenChallenge (its SHA-256 is the token's challenge_digest). */
  readonly challenge: Uint8Array;
  readonly tokenChallenge: TokenChallenge;
  /** The issuer key (`token-key`), when present: a P-384 point or an RSASSA-PSS SPKI. */
  readonly tokenKey?: Uint8Array;
  /** Seconds the challenge stays valid (`max-age`), when present. */
  readonly maxAge?: number;
  /** What {@link serializeWwwAuthenticate} writes: every parameter, in order. */
  readonly params: readonly AuthParam[];
  /** The text before the scheme name (", " between challenges, "" when built). */
  readonly lead: string;
}

const SCHEME = 'PrivateToken';
/** Limits on everything a parser reads. */
const MAX_HEADER_CHARS = 65_536;
const MAX_CHALLENGES = 64;
const MAX_PARAMS = 64;
/** max-age fits a 31-bit signed integer (RFC 9111 §1.2.2 delta-seconds are capped at 2^31). */
const MAX_AGE_LIMIT = 2 ** 31;

/**
 * Builds a challenge with the canonical layout
 * `PrivateToken challenge="…", token-key="…", max-age="…"` (base64url, padded, as RFC 9577 App. A).
 */
export function privateTokenChallenge(options: { challenge: Uint8Array | TokenChallenge; tokenKey?: Uint8Array; maxAge?: number }): PrivateTokenChallenge {
  const challenge = options.challenge instanceof Uint8Array ? options.challenge.slice() : encodeTokenChallenge(options.challenge);
  const tokenChallenge = parseTokenChallenge(challenge);
  const params: AuthParam[] = [{ name: 'challenge', value: encodeBase64url(challenge), quoted: true, lead: ' ' }];
  if (options.tokenKey !== undefined) params.push({ name: 'token-key', value: encodeBase64url(options.tokenKey), quoted: true, lead: ', ' });
  if (options.maxAge !== undefined) {
    if (!Number.isInteger(options.maxAge) || options.maxAge < 0 || options.maxAge >= MAX_AGE_LIMIT) throw new RangeError(`maxAge expected integer in [0, 2^31), got ${options.maxAge}`);
    params.push({ name: 'max-age', value: String(options.maxAge), quoted: true, lead: ', ' });
  }
  return {
    challenge,
    tokenChallenge,
    ...(options.tokenKey !== undefined ? { tokenKey: options.tokenKey.slice() } : {}),
    ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
    params,
    lead: '',
  };
}

/**
 * The header value for `challenges`, written from their `params` and `lead` (so a parsed header
 * serialises back to itself).
 *
 * @example
 * serializeWwwAuthenticate([privateTokenChallenge({ challenge, tokenKey: key.spki, maxAge: 10 })]);
 */
export function serializeWwwAuthenticate(challenges: readonly PrivateTokenChallenge[]): string {
  // The first challenge needs no separator; later ones need a comma (a built one has lead '').
  const lead = (c: PrivateTokenChallenge, i: number) => (i === 0 ? c.lead.replace(/,/g, '') : c.lead.includes(',') ? c.lead : ', ');
  return challenges.map((c, i) => lead(c, i) + SCHEME + c.params.map((p, j) => serializeParam(p, j)).join('')).join('');
}

/**
 * Parses a WWW-Authenticate value and returns its PrivateToken challenges (other schemes are
 * skipped). Total: `TokenFormatError` code `header` (syntax), `limit`, `duplicate-param`,
 * `missing-challenge`, `base64`, `max-age`, or any TokenChallenge code.
 */
export function parseWwwAuthenticate(header: string): PrivateTokenChallenge[] {
  if (typeof header !== 'string') throw new TypeError(`header expected string, got ${typeof header}`);
  if (header.length > MAX_HEADER_CHARS) throw new TokenFormatError('limit', `header longer than ${MAX_HEADER_CHARS} characters`);
  return parseChallenges(header)
    .filter((c) => c.scheme.toLowerCase() === SCHEME.toLowerCase())
    .map(interpret);
}

interface RawChallenge {
  readonly scheme: string;
  readonly lead: string;
  readonly params: AuthParam[];
}

/** RFC 9577 §2.1: `challenge` is required; `token-key` and `max-age` are optional. */
function interpret(raw: RawChallenge): PrivateTokenChallenge {
  const byName = new Map<string, AuthParam>();
  for (const p of raw.params) {
    // RFC 9110 §11.2: parameter names are case-insensitive and occur at most once per challenge.
    const key = p.name.toLowerCase();
    if (byName.has(key)) throw new TokenFormatError('duplicate-param', `PrivateToken: parameter ${p.name} repeated`);
    byName.set(key, p);
  }
  const challengeParam = byName.get('challenge');
  if (challengeParam === undefined) throw new TokenFormatError('missing-challenge', 'PrivateToken: no challenge parameter');
  const challenge = decodeBase64url(challengeParam.value, 'challenge');
  const tokenChallenge = parseTokenChallenge(challenge);
  const keyParam = byName.get('token-key');
  const ageParam = byName.get('max-age');
  return {
    challenge,
    tokenChallenge,
    ...(keyParam !== undefined ? { tokenKey: decodeBase64url(keyParam.value, 'token-key') } : {}),
    ...(ageParam !== undefined ? { maxAge: parseMaxAge(ageParam.value) } : {}),
    params: raw.params,
    lead: raw.lead,
  };
}

function parseMaxAge(value: string): number {
  // RFC 9111 §1.2.2 delta-seconds: 1*DIGIT.
  if (!/^[0-9]{1,10}$/.test(value)) throw new TokenFormatError('max-age', 'PrivateToken: max-age is not a number of seconds');
  const seconds = Number(value);
  if (seconds >= MAX_AGE_LIMIT) throw new TokenFormatError('max-age', 'PrivateToken: max-age out of range');
  return seconds;
}

// RFC 9110 §5.6.2: tchar; §5.6.4 qdtext and quoted-pair (obs-text excluded: headers here are ASCII).
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

function isTchar(c: string | undefined): boolean {
  return c !== undefined && TCHAR.test(c);
}

/** A cursor over the header; every method is bounded by the string length. */
class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string | undefined {
    return this.s[this.pos];
  }
  /** Consumes the longest run of characters in `set`, returning it. */
  run(set: string): string {
    const start = this.pos;
    while (!this.done && set.includes(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }
  token(): string {
    const start = this.pos;
    while (isTchar(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  fail(message: string): never {
    throw new TokenFormatError('header', `WWW-Authenticate: ${message} at ${this.pos}`);
  }
}

function parseChallenges(header: string): RawChallenge[] {
  const c = new Cursor(header);
  const out: RawChallenge[] = [];
  let lead = c.run(' \t,'); // RFC 9110 §5.6.1: empty list elements are allowed and ignored
  while (!c.done) {
    if (out.length >= MAX_CHALLENGES) throw new TokenFormatError('limit', `more than ${MAX_CHALLENGES} challenges`);
    const scheme = c.token();
    if (scheme === '') c.fail('expected an auth-scheme');
    const params = parseParams(c);
    out.push({ scheme, lead, params });
    lead = c.run(' \t,');
    if (!c.done && !lead.includes(',')) c.fail('expected "," between challenges');
  }
  return out;
}

/**
 * The auth-params (or a token68) after a scheme. Stops at the end, or with the cursor before the
 * separator when the next element is a new challenge (a token not followed by "=").
 */
function parseParams(c: Cursor): AuthParam[] {
  const afterScheme = c.pos;
  const space = c.run(' ');
  if (space === '' || c.done || c.peek() === ',') {
    c.pos = afterScheme;
    return [];
  }
  const first = tryParam(c, space);
  if (first === undefined) {
    if (!skipToken68(c)) c.fail('expected an auth-param or token68');
    return [];
  }
  const params = [first];
  for (;;) {
    const beforeSeparator = c.pos;
    const lead = c.run(' \t,');
    if (c.done) {
      c.pos = beforeSeparator;
      return params;
    }
    if (!lead.includes(',')) c.fail('expected "," after a parameter');
    const next = tryParam(c, lead);
    if (next === undefined) {
      c.pos = beforeSeparator;
      return params;
    }
    if (params.length >= MAX_PARAMS) throw new TokenFormatError('limit', `more than ${MAX_PARAMS} parameters`);
    params.push(next);
  }
}

/** `token BWS "=" BWS ( token / quoted-string )` at the cursor, or undefined (cursor unchanged). */
function tryParam(c: Cursor, lead: string): AuthParam | undefined {
  const start = c.pos;
  const name = c.token();
  c.run(' \t');
  if (name === '' || c.peek() !== '=') {
    c.pos = start;
    return undefined;
  }
  c.pos++;
  c.run(' \t');
  if (c.peek() === '"') return { name, value: quotedString(c), quoted: true, lead };
  const value = c.token();
  if (value === '') {
    c.pos = start; // "name=" with no value: maybe a token68 such as "abc=="
    return undefined;
  }
  return { name, value, quoted: false, lead };
}

/** A token68 credential (RFC 9110 §11.2) that makes up the whole element; skipped. */
function skipToken68(c: Cursor): boolean {
  const m = TOKEN68.exec(c.s.slice(c.pos));
  if (m === null) return false;
  let next = c.pos + m[0].length;
  while (c.s[next] === ' ' || c.s[next] === '\t') next++;
  if (next < c.s.length && c.s[next] !== ',') return false;
  c.pos += m[0].length;
  return true;
}

/** RFC 9110 §5.6.4 quoted-string, unescaping quoted-pairs. */
function quotedString(c: Cursor): string {
  c.pos++; // opening quote
  let out = '';
  for (;;) {
    if (c.done) c.fail('unterminated quoted-string');
    const ch = c.s[c.pos++]!;
    if (ch === '"') return out;
    if (ch === '\\') {
      if (c.done) c.fail('unterminated quoted-pair');
      const escaped = c.s[c.pos++]!;
      if (!isVisibleOrSpace(escaped)) c.fail('bad quoted-pair');
      out += escaped;
      continue;
    }
    if (!isVisibleOrSpace(ch)) c.fail('control character in quoted-string');
    out += ch;
  }
}

function isVisibleOrSpace(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code === 0x09 || (code >= 0x20 && code <= 0x7e);
}

/** One parameter with its lead: 1*SP after the scheme, OWS "," OWS between parameters. */
function serializeParam(p: AuthParam, index: number): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p.name)) throw new RangeError(`parameter name ${JSON.stringify(p.name)} is not a token`);
  const leadOk = index === 0 ? /^ +$/.test(p.lead) : /^[ \t]*,[ \t,]*$/.test(p.lead);
  if (!leadOk) throw new RangeError(`parameter lead ${JSON.stringify(p.lead)} is not a separator`);
  if (!p.quoted) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p.value)) throw new RangeError(`unquoted value ${JSON.stringify(p.value)} is not a token`);
    return `${p.lead}${p.name}=${p.value}`;
  }
  for (const ch of p.value) if (!isVisibleOrSpace(ch)) throw new RangeError('quoted value has a control or non-ASCII character');
  return `${p.lead}${p.name}="${p.value.replace(/["\\]/g, '\\$&')}"`;
}
