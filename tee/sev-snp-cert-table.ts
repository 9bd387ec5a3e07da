/**
 * The SEV-SNP certificate table a host hands its guest with an extended report (GHCB spec #56421
 * v2.03 §4.1.8.1 MSG_REPORT_REQ, "certificate table"), which configfs-tsm exposes as `auxblob`
 * for the `sev_guest` provider. Layout: entries of { GUID (16), offset (u32 LE), length (u32 LE) },
 * ended by an all-zero entry; offsets count from the start of the table.
 *
 * GUID byte order: AMD's own tooling (sev-guest, `uuid_parse`) and go-sev-guest write the GUID's
 * bytes in the order of its text; a mixed-endian (Microsoft GUID) spelling of the same GUIDs is
 * accepted too, since the four known GUIDs cannot collide across the two orders.
 */
import { concat, fromHex, toHex } from '../protocol/bytes.js';
import { PphError } from '../protocol/errors.js';

/** The certificate table does not parse. Codes: truncated, bounds, terminator, limit, duplicate. */
export class CertTableError extends PphError {}

export type CertTableRole = 'vcek' | 'vlek' | 'ask' | 'ark';

/** GHCB spec Table 8 (certificate GUIDs), as text. */
export const CERT_TABLE_GUIDS: Readonly<Record<CertTableRole, string>> = {
  vcek: '63da758d-e664-4564-adc5-f4b93be8accd',
  vlek: 'a8074bc2-a25a-483e-aae6-39c045a0b8a1',
  ask: '4ab7b379-bbac-4fe4-a02f-05aef327c782',
  ark: 'c0b406a4-a803-4952-9743-3fb6014cd0ae',
};

const ENTRY_BYTES = 24;
/** A limit on everything: a table with more entries than this is refused. */
const ENTRIES_MAX = 64;

/** One entry of a parsed table. */
export interface CertTableEntry {
  /** The GUID as lowercase text (in the byte order of its text). */
  guid: string;
  /** The role when the GUID is one of the four known ones. */
  role?: CertTableRole;
  /** The certificate bytes (DER as AMD KDS serves them). */
  bytes: Uint8Array;
}

function guidBytes(text: string): Uint8Array {
  return fromHex(text.replace(/-/g, ''));
}

/** Text order → mixed-endian (first three groups little-endian). */
function mixedEndian(b: Uint8Array): Uint8Array {
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

function guidText(b: Uint8Array): string {
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const KNOWN = new Map<string, CertTableRole>();
for (const [role, text] of Object.entries(CERT_TABLE_GUIDS) as [CertTableRole, string][]) {
  KNOWN.set(toHex(guidBytes(text)), role);
  KNOWN.set(toHex(mixedEndian(guidBytes(text))), role);
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * Parses a certificate table. Total: bad input raises {@link CertTableError}, never anything else.
 *
 * @example
 * const certs = parseCertTable(auxblob);
 * const vcek = certs.find((e) => e.role === 'vcek')?.bytes;
 */
export function parseCertTable(table: Uint8Array): CertTableEntry[] {
  if (!(table instanceof Uint8Array)) throw new TypeError(`table expected Uint8Array, got ${typeof table}`);
  const entries: CertTableEntry[] = [];
  const roles = new Set<CertTableRole>();
  for (let at = 0; ; at += ENTRY_BYTES) {
    if (at + ENTRY_BYTES > table.length) throw new CertTableError('terminator', `certificate table has no all-zero terminator within ${table.length} bytes`);
    const guid = table.subarray(at, at + 16);
    const offset = u32le(table, at + 16);
    const length = u32le(table, at + 20);
    if (guid.every((b) => b === 0) && offset === 0 && length === 0) return entries;
    if (entries.length >= ENTRIES_MAX) throw new CertTableError('limit', `certificate table has more than ${ENTRIES_MAX} entries`);
    // The data must lie after the entry list (at least after this entry) and inside the table.
    if (offset < at + ENTRY_BYTES || length === 0 || offset + length > table.length) {
      throw new CertTableError('bounds', `entry ${entries.length}: offset ${offset} + length ${length} outside the ${table.length}-byte table`);
    }
    const role = KNOWN.get(toHex(guid));
    if (role !== undefined) {
      if (roles.has(role)) throw new CertTableError('duplicate', `certificate table names the ${role.toUpperCase()} twice`);
      roles.add(role);
    }
    const known = role !== undefined ? CERT_TABLE_GUIDS[role] : guidText(guid);
    entries.push({ guid: known, ...(role !== undefined ? { role } : {}), bytes: table.slice(offset, offset + length) });
  }
}

/**
 * Builds a certificate table (text-order GUIDs), as a host would: for tests and for simulated
 * hosts. Entries are written in the order given, data after the terminator.
 */
export function encodeCertTable(certs: readonly { role: CertTableRole; bytes: Uint8Array }[]): Uint8Array {
  const head = new Uint8Array((certs.length + 1) * ENTRY_BYTES);
  const view = new DataView(head.buffer);
  let offset = head.length;
  certs.forEach((c, i) => {
    head.set(guidBytes(CERT_TABLE_GUIDS[c.role]), i * ENTRY_BYTES);
    view.setUint32(i * ENTRY_BYTES + 16, offset, true);
    view.setUint32(i * ENTRY_BYTES + 20, c.bytes.length, true);
    offset += c.bytes.length;
  });
  return concat(head, ...certs.map((c) => c.bytes));
}
