/** Shared pieces of the DCAP tests: outcomes as codes, byte offsets of a quote's parts, tampering. */
import { readFileSync } from 'node:fs';
import { DcapError } from '../../protocol/attestation/dcap/errors.js';
import { collateralFromJson, type DcapCollateral, type TcbStatus } from '../../protocol/attestation/dcap/collateral.js';
import { parseDcapQuote } from '../../protocol/attestation/dcap/quote.js';
import { verifyDcapQuote, type DcapVerifyOptions } from '../../protocol/attestation/dcap/verify.js';
import { readVector, vectorPath } from './vectors.js';
import { errorCodeOf } from './error-code.js';

/** Every status but Revoked: to see the derived status without a policy refusing it. */
export const ANY_VALID_STATUS: readonly TcbStatus[] = ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded', 'OutOfDate', 'OutOfDateConfigurationNeeded'];

/** The DcapError code of `f`, or 'valid'. Anything else propagates. */
export const codeOf = (f: () => unknown): string => errorCodeOf(DcapError, f);

export function verifyCode(quote: Uint8Array, collateral: DcapCollateral, options: DcapVerifyOptions): string {
  return codeOf(() => verifyDcapQuote(quote, collateral, options));
}

export const quoteVector = (p: string): Uint8Array => readVector(...p.split('/'));
export const collateralVector = (p: string): DcapCollateral => collateralFromJson(readFileSync(vectorPath(...p.split('/')), 'utf8'));

/** Offsets of the parts of a quote (for single-field tampering). */
export function offsets(quote: Uint8Array): Record<'header' | 'body' | 'sigR' | 'sigS' | 'attKey' | 'qeReport' | 'qeReportSig' | 'qeAuth' | 'pem', number> {
  const q = parseDcapQuote(quote);
  const sigAt = q.signedBytes.length + 4;
  const bodyAt = q.header.version === 5 ? 54 : 48;
  const qeReport = q.header.version === 3 ? sigAt + 128 : sigAt + 128 + 6;
  const pemText = q.sig.pckChainPem;
  const pem = quote.length - q.trailingBytes - pemText.length;
  return { header: 28, body: bodyAt, sigR: sigAt, sigS: sigAt + 32, attKey: sigAt + 64, qeReport, qeReportSig: qeReport + 384, qeAuth: qeReport + 384 + 64 + 2, pem };
}

export function flip(b: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = b.slice();
  out[at]! ^= mask;
  return out;
}

/** Replaces one base64 character of the PEM (another base64 character, same length). */
export function flipPemChar(b: Uint8Array, at: number): Uint8Array {
  const out = b.slice();
  out[at] = out[at] === 0x41 ? 0x42 : 0x41; // 'A' <-> 'B'
  return out;
}

/** Tampers one character inside a string (keeps JSON valid when it hits a letter or digit). */
export function tamperText(s: string, needle: string, replacement: string): string {
  const i = s.indexOf(needle);
  if (i < 0) throw new Error(`test setup: '${needle}' not found`);
  return s.slice(0, i) + replacement + s.slice(i + needle.length);
}
