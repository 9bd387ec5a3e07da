/**
 * The TokenChallenge structure (RFC 9577 §2.1): what an origin asks a client to present a token
 * for. Its SHA-256 digest is bound into every token (RFC 9577 §2.2).
 */
import { abytes, aint, concat, i2osp } from '../bytes.js';
import { TokenFormatError } from '../errors.js';
import { sha256 } from './hash.js';
import { TokenReader } from './reader.js';

/**
 * A decoded TokenChallenge. Names are kept as strings because RFC 9577 §2.1.1 defines them as
 * ASCII host names; `originInfo` is the comma-separated list split into its names.
 */
export interface TokenChallenge {
  readonly tokenType: number;
  readonly issuerName: string;
  /** Empty, or exactly 32 bytes (RFC 9577 §2.1.1). */
  readonly redemptionContext: Uint8Array;
  /** Empty when the challenge is not bound to origins. */
  readonly originInfo: readonly string[];
}

const MAX_U16 = 0xffff;

/**
 * Encodes a TokenChallenge. Throws `TypeError`/`RangeError` for fields RFC 9577 does not allow.
 *
 * @example
 * const bytes = encodeTokenChallenge({ tokenType: 2, issuerName: 'issuer.example', redemptionContext: new Uint8Array(0), originInfo: ['origin.example'] });
 */
export function encodeTokenChallenge(challenge: TokenChallenge): Uint8Array {
  aint('tokenType', challenge.tokenType, 0, MAX_U16);
  const issuer = asciiField('issuerName', challenge.issuerName);
  if (issuer.length === 0 || issuer.length > MAX_U16) throw new RangeError(`issuerName expected 1..65535 bytes, got ${issuer.length}`);
  // RFC 9577 §2.1.1: redemption_context is either empty or 32 bytes.
  abytes('redemptionContext', challenge.redemptionContext, 0, 32);
  for (const name of challenge.originInfo) {
    if (name.length === 0 || name.includes(',')) throw new RangeError(`originInfo names must be non-empty and contain no comma, got ${JSON.stringify(name)}`);
  }
  // RFC 9577 §2.1.1: origin_info is the origin names joined by a single comma.
  const origins = asciiField('originInfo', challenge.originInfo.join(','));
  if (origins.length > MAX_U16) throw new RangeError(`originInfo expected at most 65535 bytes, got ${origins.length}`);
  return concat(
    i2osp(challenge.tokenType, 2),
    i2osp(issuer.length, 2),
    issuer,
    i2osp(challenge.redemptionContext.length, 1),
    challenge.redemptionContext,
    i2osp(origins.length, 2),
    origins,
  );
}

/**
 * Parses a TokenChallenge. Total: any malformed input raises `TokenFormatError` with code
 * `truncated`, `trailing`, `issuer-name`, `redemption-context`, `origin-info` or `ascii`.
 */
export function parseTokenChallenge(bytes: Uint8Array): TokenChallenge {
  abytes('bytes', bytes);
  const r = new TokenReader(bytes, 'TokenChallenge');
  const tokenType = r.u16('token_type');
  const issuerName = decodeAscii(r.vec16('issuer_name'), 'issuer_name');
  if (issuerName.length === 0) throw new TokenFormatError('issuer-name', 'TokenChallenge: issuer_name is empty');
  const redemptionContext = r.vec8('redemption_context');
  if (redemptionContext.length !== 0 && redemptionContext.length !== 32) {
    throw new TokenFormatError('redemption-context', `TokenChallenge: redemption_context must be 0 or 32 bytes, got ${redemptionContext.length}`);
  }
  const originText = decodeAscii(r.vec16('origin_info'), 'origin_info');
  r.end();
  const originInfo = originText === '' ? [] : originText.split(',');
  if (originInfo.some((name) => name.length === 0)) {
    throw new TokenFormatError('origin-info', 'TokenChallenge: origin_info has an empty origin name');
  }
  return { tokenType, issuerName, redemptionContext, originInfo };
}

/** RFC 9577 §2.2: challenge_digest = SHA256(TokenChallenge). */
export function challengeDigest(encodedChallenge: Uint8Array): Uint8Array {
  abytes('encodedChallenge', encodedChallenge);
  return sha256(encodedChallenge);
}

/** Printable ASCII (0x20..0x7e): host names and origin names, spaces allowed as in the vectors. */
function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

function asciiField(name: string, value: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`${name} expected string, got ${typeof value}`);
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isPrintableAscii(code)) throw new RangeError(`${name} expected printable ASCII, got code ${code} at ${i}`);
    out[i] = code;
  }
  return out;
}

function decodeAscii(bytes: Uint8Array, field: string): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i]!;
    if (!isPrintableAscii(code)) throw new TokenFormatError('ascii', `TokenChallenge: ${field} byte ${i} is not printable ASCII`);
    s += String.fromCharCode(code);
  }
  return s;
}
