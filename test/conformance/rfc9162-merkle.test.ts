/**
 * RFC 9162 §2.1 Merkle proofs against transparency-dev/merkle's testdata (196 cases, expected
 * result = each file's `wantErr`) and the RFC 6962 reference tree (roots for sizes 0..8).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { MerkleProofError } from '../../protocol/errors.js';
import { MerkleLog } from '../../protocol/tlog/log.js';
import { hashLeaf, treeHashOfLeafHashes, verifyConsistency, verifyInclusion } from '../../protocol/tlog/merkle.js';
import { describeVectors, readVectorJson, vectorPath } from '../helpers/vectors.js';

const TESTDATA = ['merkle', 'transparency-dev-merkle-testdata'];

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ReferenceTree {
  leaf_inputs_hex: string[];
  root_hash_by_tree_size_hex: string[];
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Every *.json under `dir`, relative to the testdata folder, sorted. */
function jsonFiles(dir: string): string[] {
  const base = vectorPath(...TESTDATA);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) out.push(relative(base, full));
    }
  };
  walk(join(base, dir));
  return out;
}

/** Runs `check`; the outcome is `undefined` (accepted) or the MerkleProofError code. Anything else fails the test. */
function outcome(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(MerkleProofError);
    return (e as MerkleProofError).code;
  }
}

describeVectors('RFC 9162 Merkle proofs (transparency-dev/merkle testdata)', () => {
  const inclusion = jsonFiles('inclusion');
  const consistency = jsonFiles('consistency');

  it('has all 196 cases', () => {
    expect(inclusion.length + consistency.length).toBe(196);
  });

  describe('inclusion (§2.1.3.2)', () => {
    it.each(inclusion)('%s', (file) => {
      const c = readVectorJson<InclusionCase>(...TESTDATA, file);
      const code = outcome(() => verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root)));
      expect(code !== undefined, `${c.desc}: got ${code ?? 'accepted'}`).toBe(c.wantErr);
    });
  });

  describe('consistency (§2.1.4.2)', () => {
    it.each(consistency)('%s', (file) => {
      const c = readVectorJson<ConsistencyCase>(...TESTDATA, file);
      const code = outcome(() => verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2)));
      expect(code !== undefined, `${c.desc}: got ${code ?? 'accepted'}`).toBe(c.wantErr);
    });
  });
});

describeVectors('RFC 6962 reference tree (sizes 0..8)', () => {
  const ref = readVectorJson<ReferenceTree>('merkle', 'rfc6962-reference-tree.json');
  const leaves = ref.leaf_inputs_hex.map((h) => fromHex(h));
  const log = MerkleLog.fromLeaves(leaves);

  it('MerkleLog.root(n) reproduces every reference root', () => {
    expect(ref.root_hash_by_tree_size_hex).toHaveLength(9);
    ref.root_hash_by_tree_size_hex.forEach((want, n) => expect(toHex(log.root(n)), `size ${n}`).toBe(want));
  });

  it('the recursive MTH over leaf hashes agrees', () => {
    ref.root_hash_by_tree_size_hex.forEach((want, n) => {
      expect(toHex(treeHashOfLeafHashes(leaves.slice(0, n).map(hashLeaf))), `size ${n}`).toBe(want);
    });
  });

  it('every inclusion proof MerkleLog generates verifies against the reference roots', () => {
    let checked = 0;
    for (let n = 1; n <= 8; n++) {
      const root = fromHex(ref.root_hash_by_tree_size_hex[n]!);
      for (let i = 0; i < n; i++) {
        verifyInclusion(i, n, hashLeaf(leaves[i]!), log.inclusionProof(i, n), root);
        checked++;
      }
    }
    expect(checked).toBe(36);
  });

  it('every consistency proof MerkleLog generates verifies against the reference roots', () => {
    let checked = 0;
    for (let n2 = 1; n2 <= 8; n2++) {
      for (let n1 = 1; n1 <= n2; n1++) {
        const proof = log.consistencyProof(n1, n2);
        verifyConsistency(n1, n2, proof, fromHex(ref.root_hash_by_tree_size_hex[n1]!), fromHex(ref.root_hash_by_tree_size_hex[n2]!));
        checked++;
      }
    }
    expect(checked).toBe(36);
  });

  it('the generated proofs equal the testdata happy paths', () => {
    for (const dir of ['0', '1', '2', '3', '4']) {
      const inc = readVectorJson<InclusionCase>(...TESTDATA, 'inclusion', dir, 'happy-path.json');
      expect(log.inclusionProof(inc.leafIdx, inc.treeSize).map(toHex)).toEqual((inc.proof ?? []).map((p) => toHex(b64(p))));
      const con = readVectorJson<ConsistencyCase>(...TESTDATA, 'consistency', dir, 'happy-path.json');
      expect(log.consistencyProof(con.size1, con.size2).map(toHex)).toEqual((con.proof ?? []).map((p) => toHex(b64(p))));
    }
  });
});
