/** Unit and negative tests for protocol/tlog: Merkle proofs, MerkleLog, notes, checkpoints, cosignatures. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { MerkleProofError, NoteError } from '../../protocol/errors.js';
import { decodeBase64Strict, encodeBase64 } from '../../protocol/tlog/base64.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../protocol/tlog/checkpoint.js';
import { CosignatureV1Signer, cosignatureV1Message, decodeCosignatureV1 } from '../../protocol/tlog/cosignature.js';
import { MerkleLog } from '../../protocol/tlog/log.js';
import {
  consistencyProofLength,
  emptyTreeHash,
  hashChildren,
  hashLeaf,
  inclusionProofLength,
  verifyConsistency,
  verifyInclusion,
} from '../../protocol/tlog/merkle.js';
import {
  Ed25519NoteSigner,
  Ed25519NoteVerifier,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  computeKeyId,
  formatVerifierKey,
  isValidKeyName,
  parseVerifierKey,
} from '../../protocol/tlog/note-key.js';
import { NOTE_MAX_BYTES, NOTE_MAX_SIGNATURES, addSignatures, formatNote, parseNote, signNote, verifyNote } from '../../protocol/tlog/note.js';
import { verifyCosignedCheckpoint } from '../../protocol/tlog/witness-policy.js';

const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const leaves = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8(`leaf ${i}`));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MerkleProofError || e instanceof NoteError) return `${e.name}:${e.code}`;
    throw e;
  }
  throw new Error('expected a typed error, got success');
}

describe('Merkle hashing (RFC 9162 §2.1.1)', () => {
  it('empty tree, leaf and node hashes have the RFC 6962 values', () => {
    expect(toHex(emptyTreeHash())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(hashLeaf(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    // size-2 reference root: node(leaf(""), leaf(00))
    expect(toHex(hashChildren(hashLeaf(new Uint8Array(0)), hashLeaf(fromHex('00'))))).toBe('fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125');
  });

  it('validates arguments at the boundary', () => {
    expect(() => hashLeaf('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => hashChildren(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });

  it('proof lengths follow the tree shape', () => {
    expect(inclusionProofLength(0, 1)).toBe(0);
    expect(inclusionProofLength(6, 7)).toBe(2);
    expect(inclusionProofLength(0, 2 ** 40)).toBe(40);
    expect(consistencyProofLength(4, 8)).toBe(1);
    expect(consistencyProofLength(3, 7)).toBe(4);
  });
});

describe('MerkleLog', () => {
  const log = MerkleLog.fromLeaves(leaves(37));

  it('appends return indices and leaf hashes are stored', () => {
    const l = new MerkleLog();
    expect(l.size).toBe(0);
    expect(toHex(l.root())).toBe(toHex(emptyTreeHash()));
    expect(l.append(utf8('a'))).toBe(0);
    expect(l.appendLeafHash(hashLeaf(utf8('b')))).toBe(1);
    expect(toHex(l.leafHash(1))).toBe(toHex(hashLeaf(utf8('b'))));
    expect(toHex(l.root())).toBe(toHex(hashChildren(hashLeaf(utf8('a')), hashLeaf(utf8('b')))));
  });

  it('returns copies: mutating a result does not corrupt the log', () => {
    const root = log.root();
    const r = log.root();
    r.fill(0);
    log.inclusionProof(3)[0]!.fill(0);
    log.leafHash(3).fill(0);
    expect(toHex(log.root())).toBe(toHex(root));
    verifyInclusion(3, 37, hashLeaf(utf8('leaf 3')), log.inclusionProof(3), root);
  });

  it('proves against earlier sizes', () => {
    for (const size of [1, 2, 5, 16, 17, 36]) {
      verifyInclusion(size - 1, size, log.leafHash(size - 1), log.inclusionProof(size - 1, size), log.root(size));
      verifyConsistency(size, 37, log.consistencyProof(size), log.root(size), log.root());
    }
  });

  it('rejects out-of-range requests with RangeError', () => {
    expect(() => log.root(38)).toThrow(RangeError);
    expect(() => log.inclusionProof(37)).toThrow(RangeError);
    expect(() => log.inclusionProof(0, 0)).toThrow(RangeError);
    expect(() => log.consistencyProof(0)).toThrow(RangeError);
    expect(() => log.consistencyProof(10, 9)).toThrow(RangeError);
    expect(() => log.leafHash(-1)).toThrow(RangeError);
    expect(() => new MerkleLog().appendLeafHash(new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('verifyInclusion / verifyConsistency negatives', () => {
  const log = MerkleLog.fromLeaves(leaves(11));
  const root = log.root();
  const proof = log.inclusionProof(5);
  const leaf = log.leafHash(5);

  it('each failure has its code', () => {
    expect(codeOf(() => verifyInclusion(11, 11, leaf, proof, root))).toBe('MerkleProofError:index');
    expect(codeOf(() => verifyInclusion(5, 11, leaf, proof.slice(1), root))).toBe('MerkleProofError:proof-length');
    expect(codeOf(() => verifyInclusion(5, 11, leaf, [...proof, proof[0]!], root))).toBe('MerkleProofError:proof-length');
    expect(codeOf(() => verifyInclusion(5, 11, leaf.subarray(1), proof, root))).toBe('MerkleProofError:malformed');
    expect(codeOf(() => verifyInclusion(5, 11, leaf, [proof[0]!.subarray(1), ...proof.slice(1)], root))).toBe('MerkleProofError:malformed');
    expect(codeOf(() => verifyInclusion(5, 11, leaf, proof, root.subarray(1)))).toBe('MerkleProofError:root-mismatch');
    expect(codeOf(() => verifyInclusion(4, 11, leaf, proof, root))).toBe('MerkleProofError:root-mismatch');
    expect(codeOf(() => verifyInclusion(5, 2 ** 60, leaf, proof, root))).toBe('MerkleProofError:size');
  });

  it('consistency failures have their codes', () => {
    const c = log.consistencyProof(6);
    const r6 = log.root(6);
    expect(codeOf(() => verifyConsistency(12, 11, c, r6, root))).toBe('MerkleProofError:size');
    expect(codeOf(() => verifyConsistency(0, 11, c, r6, root))).toBe('MerkleProofError:size');
    expect(codeOf(() => verifyConsistency(6, 11, [], r6, root))).toBe('MerkleProofError:proof-length');
    expect(codeOf(() => verifyConsistency(6, 11, c, root, root))).toBe('MerkleProofError:root-mismatch');
    expect(codeOf(() => verifyConsistency(6, 11, c, r6, r6))).toBe('MerkleProofError:root-mismatch');
    expect(codeOf(() => verifyConsistency(11, 11, [root], root, root))).toBe('MerkleProofError:proof-length');
    expect(codeOf(() => verifyConsistency(6, 11, [c[0]!.subarray(0, 31), ...c.slice(1)], r6, root))).toBe('MerkleProofError:malformed');
    // size1 a power of two: root1 itself seeds the path, so a short root1 cannot verify.
    expect(codeOf(() => verifyConsistency(4, 11, log.consistencyProof(4), log.root(4).subarray(1), root))).toBe('MerkleProofError:root-mismatch');
    verifyConsistency(11, 11, [], root, root);
  });

  it('programming errors are TypeError / RangeError', () => {
    expect(() => verifyInclusion(-1, 11, leaf, proof, root)).toThrow(RangeError);
    expect(() => verifyInclusion(1.5, 11, leaf, proof, root)).toThrow(RangeError);
    expect(() => verifyInclusion('5' as unknown as number, 11, leaf, proof, root)).toThrow(TypeError);
    expect(() => verifyInclusion(5, 11, leaf, 'proof' as unknown as Uint8Array[], root)).toThrow(TypeError);
    expect(() => verifyInclusion(5, 11, leaf, [null as unknown as Uint8Array], root)).toThrow(TypeError);
    expect(() => verifyConsistency(1, 2, [], root, null as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('strict base64', () => {
  it('accepts only canonical padded base64', () => {
    expect(toHex(decodeBase64Strict('AAE=')!)).toBe('0001');
    expect(encodeBase64(fromHex('0001'))).toBe('AAE=');
    for (const bad of ['AAE', 'AAF=', 'AA E=', 'AAE=\n', '====', 'A===', 'AA-_', 'AAE==']) expect(decodeBase64Strict(bad), bad).toBeUndefined();
  });
});

describe('note keys (c2sp.org/signed-note)', () => {
  const signer = new Ed25519NoteSigner('example.com/log', seed(1));

  it('key names: non-empty, no Unicode space, no +', () => {
    expect(isValidKeyName('example.com/a-b_c')).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u0085b', '\ud800']) expect(isValidKeyName(bad), JSON.stringify(bad)).toBe(false);
  });

  it('vkeys round-trip and commit to name, type and key', () => {
    const vkey = signer.verifier().vkey();
    const parsed = parseVerifierKey(vkey);
    expect(parsed).toEqual({ name: 'example.com/log', keyId: signer.keyId, type: SIG_TYPE_ED25519, publicKey: signer.publicKey });
    expect(computeKeyId('example.com/log', SIG_TYPE_COSIGNATURE_V1, signer.publicKey)).not.toBe(signer.keyId);
    // Upper-case hex is read the same way.
    const [name, id, key] = [vkey.slice(0, vkey.indexOf('+')), vkey.split('+')[1]!, vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1)];
    expect(parseVerifierKey(`${name}+${id.toUpperCase()}+${key}`).keyId).toBe(signer.keyId);
  });

  it('bad vkeys are NoteError key', () => {
    const vkey = signer.verifier().vkey();
    const [name, id] = vkey.split('+') as [string, string];
    const key = vkey.slice(name.length + id.length + 2);
    const otherId = ((parseInt(id, 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
    for (const bad of [
      '',
      name,
      `${name}+${id}`,
      `${name}+${otherId}+${key}`,
      `${name}+${id.slice(1)}+${key}`,
      `${name}+${id}+${key}x`,
      `other+${id}+${key}`,
      `a b+${id}+${key}`,
      `${name}+${id}+AQ==`,
      'x'.repeat(20_000),
    ]) {
      expect(codeOf(() => parseVerifierKey(bad)), bad.slice(0, 60)).toBe('NoteError:key');
    }
    const cosigVkey = formatVerifierKey('w', SIG_TYPE_COSIGNATURE_V1, signer.publicKey);
    expect(codeOf(() => Ed25519NoteVerifier.fromVkey(cosigVkey))).toBe('NoteError:key');
    const shortKey = formatVerifierKey('w', SIG_TYPE_ED25519, new Uint8Array(31));
    expect(codeOf(() => Ed25519NoteVerifier.fromVkey(shortKey))).toBe('NoteError:key');
  });

  it('signers need a 32-byte seed and a valid name', () => {
    expect(() => new Ed25519NoteSigner('a', new Uint8Array(31))).toThrow(RangeError);
    expect(() => new Ed25519NoteSigner('a b', seed(1))).toThrow(RangeError);
    expect(() => new Ed25519NoteSigner('a', 'seed' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('signed notes: parse, sign, verify', () => {
  const a = new Ed25519NoteSigner('example.com/a', seed(1));
  const b = new Ed25519NoteSigner('example.com/b', seed(2));
  const text = 'hello\n\nworld\n';
  const note = signNote(text, [a, b]);

  it('signing is deterministic and produces the exact format', () => {
    expect(signNote(text, [a, b])).toBe(note);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual(['hello', '', 'world', '']);
    expect(lines[4]).toMatch(/^— example\.com\/a [A-Za-z0-9+/]{91}=$/);
    expect(lines[5]).toMatch(/^— example\.com\/b /);
    expect(lines[6]).toBe('');
    const parsed = parseNote(note);
    expect(parsed.text).toBe(text);
    expect(parsed.signatures.map((s) => s.keyId)).toEqual([a.keyId, b.keyId]);
    expect(formatNote(parsed)).toBe(note);
  });

  it('verifies with any subset of known keys; unknown lines are skipped', () => {
    expect(verifyNote(note, [a.verifier()]).unverified.map((s) => s.name)).toEqual(['example.com/b']);
    expect(verifyNote(note, [a.verifier(), b.verifier()]).verified).toHaveLength(2);
    expect(codeOf(() => verifyNote(note, []))).toBe('NoteError:unknown-key');
  });

  it('a bad line from a known key fails the note even next to a good one', () => {
    const forged = { name: b.name, keyId: b.keyId, signature: a.sign(utf8(text)) };
    const withForged = addSignatures(note, [forged]);
    expect(codeOf(() => verifyNote(withForged, [a.verifier(), b.verifier()]))).toBe('NoteError:signature');
    // The same forged line is harmless to a verifier that does not know b.
    expect(verifyNote(withForged, [a.verifier()]).unverified).toHaveLength(2);
  });

  it('duplicate lines from one key count once', () => {
    const dup = `${note}${note.split('\n')[4]}\n`;
    expect(verifyNote(dup, [a.verifier()]).verified).toHaveLength(1);
  });

  it('the text ends at the last blank line, so texts may contain blank lines and lines starting "— "', () => {
    const tricky = 'x\n\n— example.com/a AAAAAAA=\n';
    const signed = signNote(tricky, [a]);
    expect(verifyNote(signed, [a.verifier()]).text).toBe(tricky);
    const trailingBlank = 'x\n\n';
    expect(verifyNote(signNote(trailingBlank, [a]), [a.verifier()]).text).toBe(trailingBlank);
  });

  it('a BOM stays part of the signed text (signatures cover bytes, not a decoding)', () => {
    const bom = '\ufeffbody\n';
    const signed = signNote(bom, [a]);
    expect(verifyNote(utf8(signed), [a.verifier()]).text).toBe(bom);
    expect(codeOf(() => verifyNote(signed.slice(1), [a.verifier()]))).toBe('NoteError:signature');
  });

  it('malformed notes have stable codes', () => {
    const line = note.split('\n')[4]!;
    const payload = line.split(' ')[2]!;
    const cases: [string | Uint8Array, string][] = [
      ['', 'no-signature'],
      ['text\n', 'no-signature'],
      ['text\n\n', 'no-signature'],
      [`text\n\n${line}`, 'malformed'],
      [`text\r\n\n${line}\n`, 'malformed'],
      [`te\u0000xt\n\n${line}\n`, 'malformed'],
      [`text\n\n- example.com/a ${payload}\n`, 'malformed'],
      [`text\n\n—example.com/a ${payload}\n`, 'malformed'],
      [`text\n\n— example.com/a\n`, 'malformed'],
      [`text\n\n— example.com/a+x ${payload}\n`, 'malformed'],
      [`text\n\n—  ${payload}\n`, 'malformed'],
      [`text\n\n— example.com/a ${payload} \n`, 'malformed'],
      [`text\n\n— example.com/a ${payload.slice(0, -1)}\n`, 'malformed'],
      [`text\n\n— example.com/a AAAA\n`, 'malformed'],
      [`text\n\n— example.com/a AAAAAA==\n`, 'malformed'],
      [`text\n\n${line}\n\n`, 'no-signature'],
      [`text\n\n${line}\n${line}\n\n`, 'no-signature'],
      ['text\ud800\n\n' + line + '\n', 'malformed'],
      [new Uint8Array([0x74, 0xff, 0x0a, 0x0a]), 'malformed'],
      [`text\n\n${`${line}\n`.repeat(NOTE_MAX_SIGNATURES + 1)}`, 'limit'],
      [`${'x'.repeat(NOTE_MAX_BYTES)}\n\n${line}\n`, 'limit'],
    ];
    for (const [input, code] of cases) expect(codeOf(() => parseNote(input)), JSON.stringify(input).slice(0, 80)).toBe(`NoteError:${code}`);
    expect(parseNote(`text\n\n${`${line}\n`.repeat(NOTE_MAX_SIGNATURES)}`).signatures).toHaveLength(NOTE_MAX_SIGNATURES);
  });

  it('signing refuses texts that cannot be a note', () => {
    expect(codeOf(() => signNote('no newline', [a]))).toBe('NoteError:malformed');
    expect(codeOf(() => signNote('tab\there\n', [a]))).toBe('NoteError:malformed');
    expect(() => signNote('ok\n', [])).toThrow(RangeError);
    expect(() => verifyNote(note, 'keys' as unknown as [])).toThrow(TypeError);
    expect(() => parseNote(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  const root = hashLeaf(utf8('x'));
  const cp = { origin: 'example.com/log', size: 42, rootHash: root, extensions: ['ext one'] };

  it('format and parse round-trip', () => {
    const text = formatCheckpoint(cp);
    expect(text).toBe(`example.com/log\n42\n${encodeBase64(root)}\next one\n`);
    expect(parseCheckpoint(text)).toEqual(cp);
  });

  it('malformed bodies are NoteError checkpoint', () => {
    const r = encodeBase64(root);
    for (const bad of [
      `example.com/log\n42\n${r}`,
      `example.com/log\n42\n`,
      `\n42\n${r}\n`,
      `o\n042\n${r}\n`,
      `o\n-1\n${r}\n`,
      `o\n+1\n${r}\n`,
      `o\n1.0\n${r}\n`,
      `o\n\n${r}\n`,
      `o\n9007199254740992\n${r}\n`,
      `o\n99999999999999999999999\n${r}\n`,
      `o\n1\n${r.slice(0, -1)}\n`,
      `o\n1\n${encodeBase64(root.subarray(1))}\n`,
      `o\n1\n${r}\n\n`,
      `o\n1\n${r}\next\n\next\n`,
      `o\n1\n${r}\n${'e\n'.repeat(64)}`,
    ]) {
      expect(codeOf(() => parseCheckpoint(bad)), JSON.stringify(bad)).toBe('NoteError:checkpoint');
    }
    expect(parseCheckpoint(`o\n0\n${r}\n`).size).toBe(0);
  });

  it('formatting validates its input', () => {
    expect(() => formatCheckpoint({ ...cp, size: -1 })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...cp, origin: 'a\nb' })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...cp, rootHash: root.subarray(1) })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...cp, extensions: [''] })).toThrow(RangeError);
  });

  it('openCheckpoint verifies then parses', () => {
    const log = new Ed25519NoteSigner('example.com/log', seed(3));
    const note = signNote(formatCheckpoint(cp), [log]);
    expect(openCheckpoint(note, [log.verifier()]).checkpoint.size).toBe(42);
    const notCheckpoint = signNote('just text\n', [log]);
    expect(codeOf(() => openCheckpoint(notCheckpoint, [log.verifier()]))).toBe('NoteError:checkpoint');
  });
});

describe('cosignature/v1 (c2sp.org/tlog-cosignature)', () => {
  const body = formatCheckpoint({ origin: 'example.com/log', size: 7, rootHash: hashLeaf(utf8('r')), extensions: [] });
  const log = new Ed25519NoteSigner('example.com/log', seed(4));
  const w1 = new CosignatureV1Signer('example.com/w1', seed(5));
  const w2 = new CosignatureV1Signer('example.com/w2', seed(6));
  const signed = signNote(body, [log]);

  it('the signed message is header, time line, body', () => {
    expect(new TextDecoder().decode(cosignatureV1Message(utf8(body), 1679315147))).toBe(`cosignature/v1\ntime 1679315147\n${body}`);
    expect(() => cosignatureV1Message(utf8(body), -1)).toThrow(RangeError);
    expect(() => cosignatureV1Message(utf8(body), 2 ** 53)).toThrow(RangeError);
  });

  it('the payload is u64 timestamp || 64-byte signature', () => {
    const sig = w1.cosign(body, 99);
    expect(sig.signature).toHaveLength(72);
    expect(decodeCosignatureV1(sig.signature)?.timestampSec).toBe(99);
    expect(decodeCosignatureV1(sig.signature.subarray(1))).toBeUndefined();
    const huge = sig.signature.slice();
    huge[0] = 0x80;
    expect(decodeCosignatureV1(huge)).toBeUndefined();
  });

  it('a cosignature is not a plain Ed25519 note signature and vice versa (domain separation)', () => {
    // Same key material, type 0x01 key ID: the cosignature line must not verify as a plain signature.
    const plain = new Ed25519NoteVerifier(w1.name, w1.publicKey);
    const line = w1.cosign(body, 1);
    expect(plain.verify(utf8(body), line.signature)).toBe(false);
    expect(w1.verifier().verify(utf8(body), new Ed25519NoteSigner(w1.name, seed(5)).sign(utf8(body)))).toBe(false);
  });

  it('each tampered field of a cosignature fails', () => {
    const sig = w1.cosign(body, 1000).signature;
    const v = w1.verifier();
    expect(v.verify(utf8(body), sig)).toBe(true);
    for (const i of [0, 7, 8, 40, 71]) {
      const bad = sig.slice();
      bad[i]! ^= 0x10;
      expect(v.verify(utf8(body), bad), `byte ${i}`).toBe(false);
    }
    expect(v.verify(utf8(body.replace('7', '8')), sig)).toBe(false);
    expect(v.verify(utf8(body), sig.subarray(0, 71))).toBe(false);
  });

  it('policy: log + k of n witnesses', () => {
    const note = w2.cosignNote(w1.cosignNote(signed, 10), 20);
    const policy = (quorum: number) => ({ log: log.verifier(), witnesses: [w1.verifier(), w2.verifier()], quorum });
    expect(verifyCosignedCheckpoint(note, policy(2)).cosigners.map((c) => c.name)).toEqual(['example.com/w1', 'example.com/w2']);
    expect(verifyCosignedCheckpoint(signed, policy(0)).cosigners).toEqual([]);
    expect(codeOf(() => verifyCosignedCheckpoint(signed, policy(1)))).toBe('NoteError:quorum');
    // The same witness twice is one witness.
    const twice = w1.cosignNote(w1.cosignNote(signed, 10), 11);
    expect(codeOf(() => verifyCosignedCheckpoint(twice, policy(2)))).toBe('NoteError:quorum');
    // A witness list that contains the log key does not let the log count as a witness.
    const selfWitness = { log: log.verifier(), witnesses: [log.verifier()], quorum: 1 };
    expect(codeOf(() => verifyCosignedCheckpoint(signed, selfWitness))).toBe('NoteError:quorum');
    expect(() => verifyCosignedCheckpoint(note, policy(3))).toThrow(RangeError);
  });
});
