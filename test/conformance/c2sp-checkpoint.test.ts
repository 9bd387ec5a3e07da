/**
 * C2SP signed-note, tlog-checkpoint and tlog-cosignature against real data: sum.golang.org
 * checkpoints, the signed-note spec example, and sigsum-go's cosignature/v1 case.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { NoteError } from '../../protocol/errors.js';
import { openCheckpoint, parseCheckpoint } from '../../protocol/tlog/checkpoint.js';
import { CosignatureV1Signer, CosignatureV1Verifier } from '../../protocol/tlog/cosignature.js';
import { Ed25519NoteSigner, Ed25519NoteVerifier, SIG_TYPE_ED25519, keyIdHex, parseVerifierKey } from '../../protocol/tlog/note-key.js';
import { signNote, verifyNote } from '../../protocol/tlog/note.js';
import { verifyCosignedCheckpoint } from '../../protocol/tlog/witness-policy.js';
import { describeVectors, readVector, readVectorJson } from '../helpers/vectors.js';

const text = (...p: string[]): string => new TextDecoder().decode(readVector(...p));
const vkeyOf = (...p: string[]): string => text(...p).trim();

function noteErrorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NoteError);
    return (e as NoteError).code;
  }
  throw new Error('expected a NoteError, got success');
}

interface CosignatureCase {
  checkpoint_body: string;
  witness_name: string;
  witness_ed25519_seed_hex: string;
  witness_ed25519_pub_hex: string;
  witness_key_id_hex: string;
  timestamp: number;
  valid_line: string;
  negative_lines: { line?: string; why: string }[];
}

describeVectors('c2sp.org/signed-note + tlog-checkpoint: sum.golang.org', () => {
  const sumdb = (): Ed25519NoteVerifier => Ed25519NoteVerifier.fromVkey(vkeyOf('checkpoint', 'sum.golang.org.vkey'));

  it('the vkey parses and its key ID is SHA-256(name || \\n || 0x01 || pub)[:4]', () => {
    const k = parseVerifierKey(vkeyOf('checkpoint', 'sum.golang.org.vkey'));
    expect(k.name).toBe('sum.golang.org');
    expect(k.type).toBe(SIG_TYPE_ED25519);
    expect(keyIdHex(k.keyId)).toBe('033de0ae');
    expect(sumdb().vkey()).toBe(vkeyOf('checkpoint', 'sum.golang.org.vkey'));
  });

  it.each([
    ['sumdb-30055305.note', 30055305, 'mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM='],
    ['sumdb-49189689.note', 49189689, 'ftjbAOzaupaIvaPo/G+Dk63nxOZ2s1OPOKIaPtXs7S4='],
  ])('%s verifies and its checkpoint parses', (file, size, root) => {
    const { checkpoint, note } = openCheckpoint(readVector('checkpoint', file), [sumdb()]);
    expect(checkpoint.origin).toBe('go.sum database tree');
    expect(checkpoint.size).toBe(size);
    expect(Buffer.from(checkpoint.rootHash).toString('base64')).toBe(root);
    expect(checkpoint.extensions).toEqual([]);
    expect(note.verified.map((s) => s.name)).toEqual(['sum.golang.org']);
    expect(note.unverified).toEqual([]);
  });

  it('the note with an extra line from an unknown key verifies; the unknown line is skipped', () => {
    const { checkpoint, note } = openCheckpoint(text('checkpoint', 'sumdb-15067302-with-extra-cosig.note'), [sumdb()]);
    expect(checkpoint.size).toBe(15067302);
    expect(note.verified.map((s) => s.name)).toEqual(['sum.golang.org']);
    expect(note.unverified.map((s) => s.name)).toEqual(['test.example.com']);
  });

  it('every single-byte change of the body is rejected', () => {
    const original = readVector('checkpoint', 'sumdb-30055305.note');
    const bodyBytes = utf8(verifyNote(original, [sumdb()]).text).length;
    let rejected = 0;
    for (let i = 0; i < bodyBytes; i++) {
      const tampered = original.slice();
      // A printable replacement keeps the note well-formed, so only the signature can catch it.
      tampered[i] = tampered[i] === 0x41 ? 0x42 : 0x41;
      // The text's final newline is half of the blank separator line: without it there is no signature block.
      const want = i === bodyBytes - 1 ? 'no-signature' : 'signature';
      expect(noteErrorCode(() => verifyNote(tampered, [sumdb()])), `byte ${i}`).toBe(want);
      rejected++;
    }
    expect(rejected).toBe(bodyBytes);
  });

  it('an added line, a dropped line and a changed size are rejected', () => {
    const note = text('checkpoint', 'sumdb-30055305.note');
    expect(noteErrorCode(() => verifyNote(note.replace('mXfg', 'ext\nmXfg'), [sumdb()]))).toBe('signature');
    expect(noteErrorCode(() => verifyNote(note.replace('go.sum database tree\n', ''), [sumdb()]))).toBe('signature');
    expect(noteErrorCode(() => verifyNote(note.replace('30055305', '30055306'), [sumdb()]))).toBe('signature');
  });

  it('a signature from the wrong key or a same-named other key is not accepted', () => {
    const note = text('checkpoint', 'sumdb-30055305.note');
    const example = Ed25519NoteVerifier.fromVkey(vkeyOf('checkpoint', 'c2sp-signed-note-example.vkey'));
    expect(noteErrorCode(() => verifyNote(note, [example]))).toBe('unknown-key');
    // Same name, different key (so a different key ID): the line is from an unknown key.
    const impostor = new Ed25519NoteSigner('sum.golang.org', new Uint8Array(32).fill(7)).verifier();
    expect(noteErrorCode(() => verifyNote(note, [impostor]))).toBe('unknown-key');
  });

  it('a signature line whose Ed25519 bytes are changed fails as signature', () => {
    const note = text('checkpoint', 'sumdb-30055305.note');
    const line = note.slice(note.lastIndexOf('— '));
    const payload = Buffer.from(line.split(' ')[2]!.trim(), 'base64');
    for (const i of [4, 20, 67]) {
      const bad = Buffer.from(payload);
      bad[i]! ^= 0x01;
      const tampered = note.replace(payload.toString('base64'), bad.toString('base64'));
      expect(noteErrorCode(() => verifyNote(tampered, [sumdb()])), `byte ${i}`).toBe('signature');
    }
  });
});

describeVectors('c2sp.org/signed-note: the spec example', () => {
  it('verifies with its vkey (key ID 530d903a)', () => {
    const verifier = Ed25519NoteVerifier.fromVkey(vkeyOf('checkpoint', 'c2sp-signed-note-example.vkey'));
    expect(keyIdHex(verifier.keyId)).toBe('530d903a');
    const note = verifyNote(text('checkpoint', 'c2sp-signed-note-example.note'), [verifier]);
    expect(note.text).toBe('This is an example message.\n');
    expect(note.verified).toHaveLength(1);
  });

  it('is not a checkpoint', () => {
    expect(noteErrorCode(() => parseCheckpoint('This is an example message.\n'))).toBe('checkpoint');
  });
});

describeVectors('c2sp.org/tlog-cosignature cosignature/v1 (sigsum-go)', () => {
  const v = readVectorJson<CosignatureCase>('checkpoint', 'sigsum-cosignature-v1.json');
  const witness = new CosignatureV1Signer(v.witness_name, fromHex(v.witness_ed25519_seed_hex));
  const note = (line: string): string => `${v.checkpoint_body}\n${line}\n`;
  const negatives = v.negative_lines.filter((n) => n.line !== undefined).map((n) => n.line!);

  it('the seed gives the public key and key ID of the vector', () => {
    expect(toHex(witness.publicKey)).toBe(v.witness_ed25519_pub_hex);
    expect(keyIdHex(witness.keyId)).toBe(v.witness_key_id_hex);
  });

  it('cosigning the body at the vector time reproduces the valid line exactly', () => {
    const ours = witness.cosignNote(note(v.valid_line), v.timestamp);
    expect(ours).toBe(`${note(v.valid_line)}${v.valid_line}\n`);
  });

  it('the valid line verifies and carries timestamp 1234', () => {
    const verifier = witness.verifier();
    const verified = verifyNote(note(v.valid_line), [verifier]);
    expect(verified.verified).toHaveLength(1);
    expect(verifier.timestampOf(verified.textBytes, verified.verified[0]!.signature)).toBe(v.timestamp);
    expect(CosignatureV1Verifier.fromVkey(verifier.vkey()).keyId).toBe(verifier.keyId);
  });

  it('the line with timestamp + 1 fails', () => {
    const payload = Buffer.from(v.valid_line.split(' ')[2]!, 'base64');
    payload.writeBigUInt64BE(BigInt(v.timestamp + 1), 4);
    const line = `— ${v.witness_name} ${payload.toString('base64')}`;
    expect(noteErrorCode(() => verifyNote(note(line), [witness.verifier()]))).toBe('signature');
  });

  it('has the three negative lines', () => {
    expect(negatives).toHaveLength(3);
  });

  it('wrong key ID and wrong key name: unknown to the witness key, never counted', () => {
    for (const line of negatives.slice(0, 2)) {
      expect(noteErrorCode(() => verifyNote(note(line), [witness.verifier()]))).toBe('unknown-key');
      const both = verifyNote(`${note(v.valid_line)}${line}\n`, [witness.verifier()]);
      expect(both.verified).toHaveLength(1);
      expect(both.unverified).toHaveLength(1);
    }
  });

  it('wrong length: a known key whose line does not verify rejects the note', () => {
    expect(noteErrorCode(() => verifyNote(note(negatives[2]!), [witness.verifier()]))).toBe('signature');
    expect(noteErrorCode(() => verifyNote(`${note(v.valid_line)}${negatives[2]!}\n`, [witness.verifier()]))).toBe('signature');
  });

  describe('policy: signed by the log and by ≥ k witnesses', () => {
    // The vector's log signature is a dummy: sign the same body with a seeded log key instead.
    const log = new Ed25519NoteSigner('example.org/log', new Uint8Array(32).fill(0x42));
    const logNote = signNote(v.checkpoint_body, [log]);
    const other = new CosignatureV1Signer('example.org/other-witness', new Uint8Array(32).fill(0x43));

    it('log + the real cosignature meets quorum 1', () => {
      const result = verifyCosignedCheckpoint(`${logNote}${v.valid_line}\n`, {
        log: log.verifier(),
        witnesses: [witness.verifier(), other.verifier()],
        quorum: 1,
        origin: 'example.org/log',
      });
      expect(result.checkpoint.size).toBe(10);
      expect(result.cosigners).toEqual([{ name: v.witness_name, keyId: witness.keyId, timestampSec: 1234 }]);
    });

    it('quorum 2 needs the second witness too', () => {
      const policy = { log: log.verifier(), witnesses: [witness.verifier(), other.verifier()], quorum: 2 };
      expect(noteErrorCode(() => verifyCosignedCheckpoint(`${logNote}${v.valid_line}\n`, policy))).toBe('quorum');
      const both = other.cosignNote(`${logNote}${v.valid_line}\n`, 5678);
      expect(verifyCosignedCheckpoint(both, policy).cosigners.map((c) => c.timestampSec)).toEqual([1234, 5678]);
    });

    it('the negative lines never count toward the quorum', () => {
      const policy = { log: log.verifier(), witnesses: [witness.verifier()], quorum: 1 };
      for (const line of negatives.slice(0, 2)) expect(noteErrorCode(() => verifyCosignedCheckpoint(`${logNote}${line}\n`, policy))).toBe('quorum');
      expect(noteErrorCode(() => verifyCosignedCheckpoint(`${logNote}${negatives[2]!}\n`, policy))).toBe('signature');
    });

    it('witnesses alone, without the log, are refused', () => {
      const policy = { log: log.verifier(), witnesses: [witness.verifier()], quorum: 1 };
      expect(noteErrorCode(() => verifyCosignedCheckpoint(note(v.valid_line), policy))).toBe('log-signature');
    });

    it('a different origin is refused', () => {
      const policy = { log: log.verifier(), witnesses: [witness.verifier()], quorum: 1, origin: 'example.org/another-log' };
      expect(noteErrorCode(() => verifyCosignedCheckpoint(`${logNote}${v.valid_line}\n`, policy))).toBe('origin');
    });
  });
});
