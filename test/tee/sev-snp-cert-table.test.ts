/** The GHCB certificate table (auxblob of `sev_guest`): parse, both GUID byte orders, typed errors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { PphError } from '../../protocol/errors.js';
import { CERT_TABLE_GUIDS, CertTableError, encodeCertTable, parseCertTable } from '../../tee/sev-snp-cert-table.js';
import { errorCodeOf } from '../helpers/error-code.js';

const codeOf = (f: () => unknown): string => errorCodeOf(CertTableError, f, 'ok');

describe('SEV-SNP certificate table (GHCB spec §4.1.8.1)', () => {
  const vcek = utf8('vcek-der');
  const ask = utf8('ask-der!!');
  const ark = utf8('ark');

  it('round-trips entries in text-order GUIDs, with offsets from the table start', () => {
    const table = encodeCertTable([
      { role: 'vcek', bytes: vcek },
      { role: 'ask', bytes: ask },
      { role: 'ark', bytes: ark },
    ]);
    // The first entry's GUID bytes are the GUID's text, in order (as uuid_parse writes them).
    expect(toHex(table.subarray(0, 16))).toBe(CERT_TABLE_GUIDS.vcek.replace(/-/g, ''));
    // Offset of the first certificate: right after 3 entries and the terminator (4 × 24).
    expect(new DataView(table.buffer).getUint32(16, true)).toBe(96);
    const entries = parseCertTable(table);
    expect(entries.map((e) => e.role)).toEqual(['vcek', 'ask', 'ark']);
    expect(entries.map((e) => toHex(e.bytes))).toEqual([vcek, ask, ark].map(toHex));
  });

  it('accepts the mixed-endian spelling of a known GUID, and keeps unknown GUIDs by their text', () => {
    const table = encodeCertTable([{ role: 'vcek', bytes: vcek }, { role: 'ark', bytes: ark }]);
    // Rewrite the first GUID little-endian in its first three groups.
    const g = fromHex(CERT_TABLE_GUIDS.vcek.replace(/-/g, ''));
    table.set([g[3]!, g[2]!, g[1]!, g[0]!, g[5]!, g[4]!, g[7]!, g[6]!, ...g.subarray(8)], 0);
    table.fill(0xee, 24, 40); // second entry: an unknown GUID
    const entries = parseCertTable(table);
    expect(entries[0]!.role).toBe('vcek');
    expect(entries[1]!.role).toBeUndefined();
    expect(entries[1]!.guid).toBe('eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee');
  });

  it('an empty table (just the terminator) has no entries', () => {
    expect(parseCertTable(new Uint8Array(24))).toEqual([]);
  });

  it('refuses a table without terminator, data out of bounds, or a role named twice', () => {
    const table = encodeCertTable([{ role: 'vcek', bytes: vcek }]);
    // One entry whose data follows it directly: no room left for the all-zero terminator.
    const unterminated = new Uint8Array(24 + vcek.length);
    unterminated.set(table.subarray(0, 16));
    new DataView(unterminated.buffer).setUint32(16, 24, true);
    new DataView(unterminated.buffer).setUint32(20, vcek.length, true);
    unterminated.set(vcek, 24);
    expect(codeOf(() => parseCertTable(unterminated))).toBe('terminator');
    expect(codeOf(() => parseCertTable(table.subarray(0, 10)))).toBe('terminator');
    const far = table.slice();
    new DataView(far.buffer).setUint32(20, 1000, true);
    expect(codeOf(() => parseCertTable(far))).toBe('bounds');
    const inside = table.slice();
    new DataView(inside.buffer).setUint32(16, 0, true); // data overlapping the entry list
    expect(codeOf(() => parseCertTable(inside))).toBe('bounds');
    const twice = encodeCertTable([{ role: 'ask', bytes: ask }, { role: 'ask', bytes: ask }]);
    expect(codeOf(() => parseCertTable(twice))).toBe('duplicate');
  });

  it('is total: arbitrary bytes give entries or a CertTableError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          parseCertTable(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(PphError);
          expect(e).toBeInstanceOf(CertTableError);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
