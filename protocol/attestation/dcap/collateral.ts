/**
 * DCAP collateral: what Intel's PCS (Provisioning Certification Service, API v4) serves for one
 * platform, in two shapes:
 *
 * - dcap-qvl's `QuoteCollateralV3` JSON: `pck_crl_issuer_chain`, `root_ca_crl` and `pck_crl`
 *   (hex DER), `tcb_info_issuer_chain`, `tcb_info` (the exact signed JSON text),
 *   `tcb_info_signature` (hex r‖s), `qe_identity_issuer_chain`, `qe_identity`,
 *   `qe_identity_signature`;
 * - the PCS response bodies: `GET /tdx|sgx/certification/v4/tcb` → `{"tcbInfo":{…},"signature":"…"}`
 *   and `…/qe/identity` → `{"enclaveIdentity":{…},"signature":"…"}`, where the signature covers
 *   the exact bytes of the `tcbInfo` / `enclaveIdentity` value; `GET …/pckcrl` and the root CRL
 *   (DER); and the issuer chains from the `TCB-Info-Issuer-Chain` / `SGX-PCK-CRL-Issuer-Chain`
 *   headers (PEM).
 *
 * Parsing here is of the container only; the TCB Info and QE Identity bodies are parsed by
 * {@link parseTcbInfo} / {@link parseQeIdentity} after their signature has been verified.
 */
import { z } from 'zod';
import { fromHex } from '../../bytes.js';
import { DcapError } from './errors.js';

export interface DcapCollateral {
  readonly pckCrlIssuerChain: string;
  readonly rootCaCrl: Uint8Array;
  readonly pckCrl: Uint8Array;
  readonly tcbInfoIssuerChain: string;
  /** The exact signed JSON text of the TCB Info body. */
  readonly tcbInfo: string;
  /** ECDSA P-256 r‖s (64 bytes). */
  readonly tcbInfoSignature: Uint8Array;
  readonly qeIdentityIssuerChain: string;
  readonly qeIdentity: string;
  readonly qeIdentitySignature: Uint8Array;
}

/** A limit on everything: a collateral text of more than this is refused. */
export const COLLATERAL_MAX_BYTES = 4 << 20;

const fail = (message: string, cause?: unknown): DcapError => new DcapError('collateral', message, cause === undefined ? undefined : { cause });

function hexField(value: unknown, field: string): Uint8Array {
  if (typeof value === 'string') {
    try {
      return fromHex(value.trim(), field);
    } catch (e) {
      throw fail(`collateral ${field}: not hex`, e);
    }
  }
  // serde of Vec<u8> without serde_bytes: an array of numbers.
  if (Array.isArray(value) && value.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) return Uint8Array.from(value as number[]);
  throw fail(`collateral ${field}: expected a hex string`);
}

function stringField(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0) throw fail(`collateral ${field}: expected a non-empty string`);
  return v;
}

/** Parses dcap-qvl's collateral JSON (`QuoteCollateralV3`). Throws `DcapError('collateral')`. */
export function collateralFromJson(text: string): DcapCollateral {
  if (text.length > COLLATERAL_MAX_BYTES) throw fail(`collateral of ${text.length} bytes exceeds ${COLLATERAL_MAX_BYTES}`);
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw fail('collateral is not JSON', e);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw fail('collateral is not a JSON object');
  const r = o as Record<string, unknown>;
  return {
    pckCrlIssuerChain: stringField(r, 'pck_crl_issuer_chain'),
    rootCaCrl: hexField(r.root_ca_crl, 'root_ca_crl'),
    pckCrl: hexField(r.pck_crl, 'pck_crl'),
    tcbInfoIssuerChain: stringField(r, 'tcb_info_issuer_chain'),
    tcbInfo: stringField(r, 'tcb_info'),
    tcbInfoSignature: hexField(r.tcb_info_signature, 'tcb_info_signature'),
    qeIdentityIssuerChain: stringField(r, 'qe_identity_issuer_chain'),
    qeIdentity: stringField(r, 'qe_identity'),
    qeIdentitySignature: hexField(r.qe_identity_signature, 'qe_identity_signature'),
  };
}

/** dcap-qvl's JSON shape of a collateral (the inverse of {@link collateralFromJson}). */
export function collateralToJson(c: DcapCollateral): string {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  return JSON.stringify({
    pck_crl_issuer_chain: c.pckCrlIssuerChain,
    root_ca_crl: hex(c.rootCaCrl),
    pck_crl: hex(c.pckCrl),
    tcb_info_issuer_chain: c.tcbInfoIssuerChain,
    tcb_info: c.tcbInfo,
    tcb_info_signature: hex(c.tcbInfoSignature),
    qe_identity_issuer_chain: c.qeIdentityIssuerChain,
    qe_identity: c.qeIdentity,
    qe_identity_signature: hex(c.qeIdentitySignature),
  });
}

/**
 * The raw text of the value of top-level member `key` of a JSON object (RFC 8259 §4), exactly as
 * it appears: what Intel signs. The text must be valid JSON as a whole.
 */
export function jsonMemberText(text: string, key: string): string | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const skipString = (): void => {
    // RFC 8259 §7: a string is quotation marks around chars, with backslash escapes.
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  const skipValue = (): void => {
    const ch = text[i];
    if (ch === '"') return skipString();
    if (ch === '{' || ch === '[') {
      let depth = 0;
      while (i < text.length) {
        const c = text[i];
        if (c === '"') {
          skipString();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      return;
    }
    // a number, true, false or null ends at the next delimiter
    while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++;
  };
  ws();
  if (text[i] !== '{') return undefined;
  i++;
  for (;;) {
    ws();
    if (text[i] !== '"') return undefined;
    const keyStart = i;
    skipString();
    const name = JSON.parse(text.slice(keyStart, i)) as string;
    ws();
    if (text[i] !== ':') return undefined;
    i++;
    ws();
    const start = i;
    skipValue();
    if (name === key) return text.slice(start, i);
    ws();
    if (text[i] !== ',') return undefined;
    i++;
  }
}

/** The files of a PCS collateral directory (see docs/evidence-dcap.md). */
export interface PcsCollateralFiles {
  /** `tcb_info.json`: `{"tcbInfo":{…},"signature":"<hex r‖s>"}`. */
  readonly tcbInfoJson: string;
  /** `qe_identity.json`: `{"enclaveIdentity":{…},"signature":"<hex r‖s>"}`. */
  readonly qeIdentityJson: string;
  readonly pckCrl: Uint8Array;
  readonly rootCrl: Uint8Array;
  /** `tcb_signing_chain.pem`: TCB Signing cert, root. */
  readonly tcbSigningChain: string;
  /** `pck_crl_issuer_chain.pem`: PCK Platform/Processor CA, root. */
  readonly pckCrlIssuerChain: string;
}

function signedMember(text: string, key: string, file: string): { body: string; signature: Uint8Array } {
  if (text.length > COLLATERAL_MAX_BYTES) throw fail(`${file}: ${text.length} bytes exceeds ${COLLATERAL_MAX_BYTES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw fail(`${file}: not JSON`, e);
  }
  const sig = (parsed as Record<string, unknown> | null)?.signature;
  const body = jsonMemberText(text, key);
  if (body === undefined || typeof sig !== 'string') throw fail(`${file}: expected {"${key}":{…},"signature":"…"}`);
  return { body, signature: hexField(sig, `${file} signature`) };
}

/** A CRL given as DER, PEM (`X509 CRL`) or hex text, as DER. */
export function crlDer(input: Uint8Array, what: string): Uint8Array {
  if (input.length > 0 && input[0] === 0x30) return input;
  const text = Buffer.from(input).toString('latin1').trim();
  // RFC 7468 §6: "-----BEGIN X509 CRL-----".
  const pem = /^-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----$/.exec(text);
  if (pem) return new Uint8Array(Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64'));
  if (/^[0-9a-fA-F\s]+$/.test(text)) return hexField(text.replace(/\s+/g, ''), what);
  throw new DcapError('crl', `${what}: neither DER, PEM nor hex`);
}

/** The collateral from the files Intel's PCS serves. Throws `DcapError('collateral' | 'crl')`. */
export function collateralFromPcsFiles(files: PcsCollateralFiles): DcapCollateral {
  const tcb = signedMember(files.tcbInfoJson, 'tcbInfo', 'tcb_info.json');
  const qe = signedMember(files.qeIdentityJson, 'enclaveIdentity', 'qe_identity.json');
  return {
    pckCrlIssuerChain: files.pckCrlIssuerChain,
    rootCaCrl: crlDer(files.rootCrl, 'root_crl.der'),
    pckCrl: crlDer(files.pckCrl, 'pck_crl.der'),
    tcbInfoIssuerChain: files.tcbSigningChain,
    tcbInfo: tcb.body,
    tcbInfoSignature: tcb.signature,
    qeIdentityIssuerChain: files.tcbSigningChain,
    qeIdentity: qe.body,
    qeIdentitySignature: qe.signature,
  };
}

/** The PCS response bodies for a collateral (the inverse of {@link collateralFromPcsFiles}). */
export function collateralToPcsFiles(c: DcapCollateral): PcsCollateralFiles {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  return {
    tcbInfoJson: `{"tcbInfo":${c.tcbInfo},"signature":"${hex(c.tcbInfoSignature)}"}`,
    qeIdentityJson: `{"enclaveIdentity":${c.qeIdentity},"signature":"${hex(c.qeIdentitySignature)}"}`,
    pckCrl: c.pckCrl,
    rootCrl: c.rootCaCrl,
    tcbSigningChain: c.tcbInfoIssuerChain,
    pckCrlIssuerChain: c.pckCrlIssuerChain,
  };
}

// ---------------------------------------------------------------------------------------------
// TCB Info v3 and QE Identity v2 bodies (Intel PCS API v4 "TCB Info V3" / "Enclave Identity V2").

export const TCB_STATUSES = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
] as const;
export type TcbStatus = (typeof TCB_STATUSES)[number];

// RFC 3339 §5.6 date-time, as Intel writes it ("2025-06-19T10:16:03Z").
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const date = z.string().regex(RFC3339).refine((s) => Number.isFinite(Date.parse(s)), 'invalid date');
const hexOf = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`));
const svn = z.number().int().min(0).max(255);
const status = z.enum(TCB_STATUSES);
const advisories = z.array(z.string().max(64)).max(256).optional();
const component = z.object({ svn, category: z.string().optional(), type: z.string().optional() });

const tcbLevel = z.object({
  tcb: z.object({
    sgxtcbcomponents: z.array(component).length(16),
    pcesvn: z.number().int().min(0).max(0xffff),
    tdxtcbcomponents: z.array(component).length(16).optional(),
  }),
  tcbDate: date,
  tcbStatus: status,
  advisoryIDs: advisories,
});
const isvLevel = z.object({ tcb: z.object({ isvsvn: z.number().int().min(0).max(0xffff) }), tcbDate: date, tcbStatus: status, advisoryIDs: advisories });
const moduleIdentity = z.object({ mrsigner: hexOf(48), attributes: hexOf(8), attributesMask: hexOf(8) });

const tcbInfoSchema = z.object({
  id: z.enum(['SGX', 'TDX']),
  version: z.literal(3),
  issueDate: date,
  nextUpdate: date,
  fmspc: hexOf(6),
  pceId: hexOf(2),
  tcbType: z.number().int(),
  tcbEvaluationDataNumber: z.number().int().min(0),
  tdxModule: moduleIdentity.optional(),
  tdxModuleIdentities: z.array(moduleIdentity.extend({ id: z.string().max(16), tcbLevels: z.array(isvLevel).min(1).max(256) })).max(256).optional(),
  tcbLevels: z.array(tcbLevel).min(1).max(1024),
});
export type TcbInfo = z.infer<typeof tcbInfoSchema>;
export type TcbLevel = TcbInfo['tcbLevels'][number];
export type IsvTcbLevel = z.infer<typeof isvLevel>;

const qeIdentitySchema = z.object({
  id: z.enum(['QE', 'TD_QE', 'QVE']),
  version: z.literal(2),
  issueDate: date,
  nextUpdate: date,
  tcbEvaluationDataNumber: z.number().int().min(0),
  miscselect: hexOf(4),
  miscselectMask: hexOf(4),
  attributes: hexOf(16),
  attributesMask: hexOf(16),
  mrsigner: hexOf(32),
  isvprodid: z.number().int().min(0).max(0xffff),
  tcbLevels: z.array(isvLevel).min(1).max(256),
});
export type QeIdentity = z.infer<typeof qeIdentitySchema>;

function parseBody<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`${what}: not JSON`, e);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw fail(`${what}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** Parses a TCB Info v3 body (SGX or TDX). Throws `DcapError('collateral')`. */
export function parseTcbInfo(text: string): TcbInfo {
  const info = parseBody(tcbInfoSchema, text, 'TCB Info');
  if (info.id === 'TDX' && (info.tdxModule === undefined || info.tcbLevels.some((l) => l.tcb.tdxtcbcomponents === undefined))) {
    throw fail('TCB Info: a TDX TCB Info needs tdxModule and tdxtcbcomponents in every level');
  }
  return info;
}

/** Parses a QE Identity v2 body. Throws `DcapError('collateral')`. */
export function parseQeIdentity(text: string): QeIdentity {
  return parseBody(qeIdentitySchema, text, 'QE Identity');
}
