/**
 * Transparency-log properties, with fixed seeds:
 * - for random trees of up to 300 leaves, every inclusion and consistency proof MerkleLog
 *   generates verifies, and every single mutation fails: a bit flip in any element, a wrong
 *   index, a wrong size (checked against the root of the claimed size, since a checkpoint binds
 *   size and root together), a dropped or an added element;
 * - the note parser and verifier throw nothing but NoteError on arbitrary strings and bytes;
 * - sign → verify is the identity on note texts, and any single-byte change to a signed note,
 *   or any bit flip inside a signature, is rejected.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../protocol/bytes.js';
import { MerkleProofError, NoteError } from '../../protocol/errors.js';
import { encodeBase64 } from '../../protocol/tlog/base64.js';
import { MerkleLog } from '../../protocol/tlog/log.js';
import { verifyConsistency, verifyInclusion } from '../../protocol/tlog/merkle.js';
import { Ed25519NoteSigner } from '../../protocol/tlog/note-key.js';
import { formatNote, parseNote, signNote, verifyNote } from '../../protocol/tlog/note.js';

const SEED = 0x7106;
const MAX_LEAVES = 300;

/** A log of `size` leaves derived from `treeSeed` (so one small value replays the whole tree). */
function logOf(treeSeed: number, size: number): MerkleLog {
  const log = new MerkleLog();
  for (let i = 0; i < size; i++) log.append(createHash('sha256').update(`${treeSeed}:${i}`).digest());
  return log;
}

/** True if `check` throws MerkleProofError; any other error fails the property. */
function rejects(check: () => void): boolean {
  try {
    check();
    return false;
  } catch (e) {
    if (e instanceof MerkleProofError) return true;
    throw e;
  }
}

function flipBit(proof: Uint8Array[], element: number, bit: number): Uint8Array[] {
  const out = proof.map((p) => p.slice());
  out[element]![bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** A tree size (1..300), a point in it and a second point, as plain data (replays by seed and path). */
const treeCase = fc.record({
  treeSeed: fc.nat(),
  size: fc.integer({ min: 1, max: MAX_LEAVES }),
  a: fc.nat(),
  b: fc.nat(),
  element: fc.nat(),
  bit: fc.integer({ min: 0, max: 255 }),
  extra: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

describe('Merkle proofs on random trees (RFC 9162 §2.1.3, §2.1.4)', () => {
  it('inclusion: the proof verifies and every mutation fails', () => {
    fc.assert(
      fc.property(treeCase, ({ treeSeed, size, a, b, element, bit, extra }) => {
        const log = logOf(treeSeed, MAX_LEAVES);
        const index = a % size;
        const leaf = log.leafHash(index);
        const root = log.root(size);
        const proof = log.inclusionProof(index, size);
        verifyInclusion(index, size, leaf, proof, root);
        if (proof.length > 0) {
          expect(rejects(() => verifyInclusion(index, size, leaf, flipBit(proof, element % proof.length, bit), root))).toBe(true);
          const dropped = proof.filter((_, i) => i !== element % proof.length);
          expect(rejects(() => verifyInclusion(index, size, leaf, dropped, root))).toBe(true);
        }
        const added = [...proof];
        added.splice(element % (proof.length + 1), 0, extra);
        expect(rejects(() => verifyInclusion(index, size, leaf, added, root))).toBe(true);
        const otherIndex = (index + 1 + (b % size)) % (size + 1); // any index but `index`, possibly = size
        if (otherIndex !== index) expect(rejects(() => verifyInclusion(otherIndex, size, leaf, proof, root))).toBe(true);
        const otherSize = 1 + ((size + (b % (MAX_LEAVES - 1))) % MAX_LEAVES); // any size in 1..300 but `size`
        if (otherSize !== size) expect(rejects(() => verifyInclusion(index, otherSize, leaf, proof, log.root(otherSize)))).toBe(true);
        expect(rejects(() => verifyInclusion(index, size, flipBit([leaf], 0, bit)[0]!, proof, root))).toBe(true);
      }),
      { numRuns: 400, seed: SEED },
    );
  });

  it('consistency: the proof verifies and every mutation fails', () => {
    fc.assert(
      fc.property(treeCase, ({ treeSeed, size, a, b, element, bit, extra }) => {
        const log = logOf(treeSeed, MAX_LEAVES);
        const size1 = 1 + (a % size);
        const [root1, root2] = [log.root(size1), log.root(size)];
        const proof = log.consistencyProof(size1, size);
        verifyConsistency(size1, size, proof, root1, root2);
        if (proof.length > 0) {
          expect(rejects(() => verifyConsistency(size1, size, flipBit(proof, element % proof.length, bit), root1, root2))).toBe(true);
          const dropped = proof.filter((_, i) => i !== element % proof.length);
          expect(rejects(() => verifyConsistency(size1, size, dropped, root1, root2))).toBe(true);
        }
        const added = [...proof];
        added.splice(element % (proof.length + 1), 0, extra);
        expect(rejects(() => verifyConsistency(size1, size, added, root1, root2))).toBe(true);
        const otherSize1 = 1 + ((size1 + (b % MAX_LEAVES)) % MAX_LEAVES);
        if (otherSize1 !== size1) expect(rejects(() => verifyConsistency(otherSize1, size, proof, log.root(otherSize1), root2))).toBe(true);
        const otherSize2 = 1 + ((size + (b % (MAX_LEAVES - 1))) % MAX_LEAVES);
        if (otherSize2 !== size) expect(rejects(() => verifyConsistency(size1, otherSize2, proof, root1, log.root(otherSize2)))).toBe(true);
        expect(rejects(() => verifyConsistency(size1, size, proof, flipBit([root1], 0, bit)[0]!, root2))).toBe(true);
        expect(rejects(() => verifyConsistency(size1, size, proof, root1, flipBit([root2], 0, bit)[0]!))).toBe(true);
      }),
      { numRuns: 400, seed: SEED + 1 },
    );
  });

  it('proofs from a log grown leaf by leaf agree with a log built at once', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: MAX_LEAVES }), (treeSeed, size) => {
        const full = logOf(treeSeed, MAX_LEAVES);
        const grown = logOf(treeSeed, size);
        expect(grown.root()).toEqual(full.root(size));
        expect(grown.inclusionProof(size - 1)).toEqual(full.inclusionProof(size - 1, size));
        expect(grown.consistencyProof(1)).toEqual(full.consistencyProof(1, size));
      }),
      { numRuns: 100, seed: SEED + 2 },
    );
  });
});

/** A note-ish input: a valid signed note, a mutated one, or arbitrary strings and bytes. */
const signer = new Ed25519NoteSigner('example.com/prop', new Uint8Array(32).fill(9));
const other = new Ed25519NoteSigner('example.com/other', new Uint8Array(32).fill(10));
const validNote = signNote('origin\n5\nAAAA\n', [signer, other]);
const validBytes = utf8(validNote);
/** Signed only by a key outside the verifier set: reaches the `unknown-key` branch. */
const strangerNote = signNote('origin\n5\nAAAA\n', [new Ed25519NoteSigner('example.com/stranger', new Uint8Array(32).fill(11))]);

const noteLike: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fc.constantFrom('\n', '\n\n', '— ', 'example.com/prop', ' ', 'AAAA', '=', '+', '\u2014', 'x'), { maxLength: 40 }).map((p) => p.join('')),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
    const b = validBytes.slice();
    b[i % b.length] = v;
    return b;
  }),
  fc.nat().map((n) => validBytes.subarray(0, n % (validBytes.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom('', 'x', '\n')).map(([i, s]) => {
    const at = i % (strangerNote.length + 1);
    return strangerNote.slice(0, at) + s + strangerNote.slice(at);
  }),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 8 })).map(([i, s]) => {
    const at = i % (validNote.length + 1);
    return validNote.slice(0, at) + s + validNote.slice(at);
  }),
);

/** Runs `fn`; NoteError is fine (its code is counted in `marks`), anything else fails the property. */
function onlyNoteError(fn: () => unknown, marks: Map<string, number>): true {
  let mark = 'accepted';
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    mark = e.code;
  }
  marks.set(mark, (marks.get(mark) ?? 0) + 1);
  return true;
}

describe('signed notes (c2sp.org/signed-note)', () => {
  it('parse and verify throw only NoteError on arbitrary input', () => {
    const verifiers = [signer.verifier(), other.verifier()];
    const parseMarks = new Map<string, number>();
    const verifyMarks = new Map<string, number>();
    fc.assert(
      fc.property(noteLike, (input) => onlyNoteError(() => parseNote(input), parseMarks) && onlyNoteError(() => verifyNote(input, verifiers), verifyMarks)),
      { numRuns: 12_000, seed: SEED + 3 },
    );
    // The generator must reach both acceptance and each rejection branch, or it proves little.
    for (const code of ['accepted', 'malformed', 'no-signature']) expect(parseMarks.get(code) ?? 0, `parse ${code}`).toBeGreaterThan(0);
    for (const code of ['accepted', 'signature', 'unknown-key']) expect(verifyMarks.get(code) ?? 0, `verify ${code}`).toBeGreaterThan(0);
  });

  /** Note texts: lines of any Unicode without control characters, each ending in a newline. */
  const noteText = fc
    .array(fc.string({ unit: 'grapheme', maxLength: 30 }).map((l) => l.replace(/[\u0000-\u001f]/g, '')), { minLength: 1, maxLength: 6 })
    .map((lines) => lines.map((l) => l + '\n').join(''));
  const signerArb = fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.stringMatching(/^[a-z0-9./-]{1,20}$/)).map(([s, n]) => new Ed25519NoteSigner(n, s));

  it('sign → parse → format → verify round-trips', () => {
    fc.assert(
      fc.property(noteText, fc.uniqueArray(signerArb, { minLength: 1, maxLength: 3, selector: (s) => `${s.name}:${s.keyId}` }), (text, signers) => {
        const note = signNote(text, signers);
        expect(formatNote(parseNote(note))).toBe(note);
        const verified = verifyNote(note, signers.map((s) => s.verifier()));
        expect(verified.text).toBe(text);
        expect(verified.verified).toHaveLength(signers.length);
        expect(verified.unverified).toEqual([]);
      }),
      { numRuns: 300, seed: SEED + 4 },
    );
  });

  it('any single-byte change to a single-signer note is rejected', () => {
    fc.assert(
      fc.property(noteText, signerArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, s, at, delta) => {
        const bytes = utf8(signNote(text, [s]));
        const i = at % bytes.length;
        bytes[i] = (bytes[i]! + delta) & 0xff;
        expect(() => verifyNote(bytes, [s.verifier()])).toThrow(NoteError);
      }),
      { numRuns: 1_000, seed: SEED + 5 },
    );
  });

  it('any bit flip inside a signature (key ID or Ed25519 bytes) is rejected', () => {
    fc.assert(
      fc.property(noteText, signerArb, fc.nat(), (text, s, bit) => {
        const parsed = parseNote(signNote(text, [s]));
        const payload = new Uint8Array(68);
        new DataView(payload.buffer).setUint32(0, s.keyId);
        payload.set(parsed.signatures[0]!.signature, 4);
        const i = bit % (68 * 8);
        payload[i >> 3]! ^= 1 << (i & 7);
        const tampered = `${text}\n— ${s.name} ${encodeBase64(payload)}\n`;
        expect(() => verifyNote(tampered, [s.verifier()])).toThrow(NoteError);
      }),
      { numRuns: 1_000, seed: SEED + 6 },
    );
  });
});
