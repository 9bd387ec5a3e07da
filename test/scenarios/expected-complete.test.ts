/**
 * Every expectations file names every attacker that acts on its family. The matrix runs an
 * attacker on a profile only when the family's file has a line for it, so a missing line would
 * silently drop a row from the threat matrix. The only omissions allowed are the ones below, each
 * with its reason (also written in the file itself).
 */
import { describe, expect, it } from 'vitest';
import { knownAttackers, resolveAttacker } from '../../adversaries/index.js';
import { FAMILIES } from '../../model/profile.js';
import { expectedDir, loadExpected } from '../../scenarios/expected.js';

const OMITTED: Record<string, Record<string, string>> = {
  'pp-tdx': { 'revoked-chip-key': 'it serves AMD VCEK-signed reports; PCK revocation on TDX is checked by the DCAP CRL tests' },
};

describe('expected outcomes cover every applicable attacker', () => {
  it('lists the families the profiles use', () => {
    expect([...FAMILIES].sort()).toEqual(expect.arrayContaining(['pcc', 'pp', 'pp-gpu', 'pp-tdx', 'ra-tls']));
  });
  for (const family of FAMILIES) {
    it(`scenarios/expected/${family}.yaml`, () => {
      const file = loadExpected(`${expectedDir()}/${family}.yaml`, knownAttackers());
      const applicable = knownAttackers().filter((a) => resolveAttacker(a)!.every((x) => !x.profiles || x.profiles.includes(family)));
      const missing = applicable.filter((a) => !(a in file.expected) && !(a in (OMITTED[family] ?? {})));
      expect(missing, `attackers acting on ${family} without an expected line`).toEqual([]);
      const notApplicable = Object.keys(file.expected).filter((a) => !applicable.includes(a));
      expect(notApplicable, `lines for attackers that never act on ${family}`).toEqual([]);
      for (const a of Object.keys(OMITTED[family] ?? {})) expect(file.expected).not.toHaveProperty(a);
    });
  }
});
