/**
 * An in-memory, append-only RFC 9162 Merkle log: stores leaf hashes, computes tree heads and
 * inclusion/consistency proofs for the current or any earlier size.
 *
 * Every perfect subtree (2^k leaves starting at a multiple of 2^k) is hashed once, when its last
 * leaf arrives, and kept per level: appends cost amortised O(1) hashes and a tree head or proof
 * O(log n) hashes (only the right-border subtrees, which are not perfect, are hashed on demand and
 * memoised). Hashes live in chunked flat buffers (32 bytes each, no per-hash object), so a
 * million leaves take ~64 MiB.
 */
import { abytes, aint } from '../bytes.js';
import { HASH_BYTES, emptyTreeHash, hashChildren, hashLeaf, largestPowerOfTwoBelow } from './merkle.js';

/** The most leaves one MerkleLog holds (a limit on everything: 2^32 leaves is 128 GiB of hashes). */
export const MERKLE_LOG_MAX_LEAVES = 2 ** 32;

const CHUNK_HASHES = 1 << 12;
const MEMO_MAX_ENTRIES = 1 << 12;

/** A growable column of 32-byte hashes in fixed-size chunks (no reallocation, no copying). */
class HashColumn {
  private readonly chunks: Uint8Array[] = [];
  count = 0;

  push(hash: Uint8Array): void {
    const offset = this.count % CHUNK_HASHES;
    if (offset === 0) this.chunks.push(new Uint8Array(CHUNK_HASHES * HASH_BYTES));
    this.chunks[this.chunks.length - 1]!.set(hash, offset * HASH_BYTES);
    this.count++;
  }

  /** A view (not a copy): internal use only. */
  get(i: number): Uint8Array {
    const chunk = this.chunks[Math.floor(i / CHUNK_HASHES)]!;
    const offset = (i % CHUNK_HASHES) * HASH_BYTES;
    return chunk.subarray(offset, offset + HASH_BYTES);
  }
}

/**
 * Append-only Merkle log (RFC 9162 §2.1). Leaves are hashed with `hashLeaf`; sizes and indices
 * are numbers. Returned hashes are fresh copies.
 *
 * @example
 * const log = MerkleLog.fromLeaves([utf8('a'), utf8('b'), utf8('c')]);
 * const proof = log.inclusionProof(1);
 * verifyInclusion(1, log.size, hashLeaf(utf8('b')), proof, log.root());
 */
export class MerkleLog {
  /** levels[k] holds the hashes of the perfect subtrees of 2^k leaves, left to right. */
  private readonly levels: HashColumn[] = [new HashColumn()];
  /** Hashes of non-perfect ranges; valid forever since ranges below the size never change. */
  private readonly memo = new Map<string, Uint8Array>();

  /** A log holding `leaves` (raw leaf inputs, hashed with RFC 9162 §2.1.1 leaf hashing). */
  static fromLeaves(leaves: Iterable<Uint8Array>): MerkleLog {
    const log = new MerkleLog();
    for (const leaf of leaves) log.append(leaf);
    return log;
  }

  /** The number of leaves. */
  get size(): number {
    return this.levels[0]!.count;
  }

  /** Appends a raw leaf; returns its index. */
  append(leaf: Uint8Array): number {
    return this.appendLeafHash(hashLeaf(leaf));
  }

  /** Appends an already-computed leaf hash (32 bytes); returns its index. */
  appendLeafHash(leafHash: Uint8Array): number {
    abytes('leafHash', leafHash, HASH_BYTES);
    if (this.size >= MERKLE_LOG_MAX_LEAVES) throw new RangeError(`MerkleLog holds at most ${MERKLE_LOG_MAX_LEAVES} leaves`);
    const index = this.size;
    this.levels[0]!.push(leafHash);
    // Each time a level gets an even count, its last two hashes complete a perfect subtree above.
    let node = leafHash;
    for (let k = 0; this.levels[k]!.count % 2 === 0; k++) {
      const column = this.levels[k]!;
      node = hashChildren(column.get(column.count - 2), node);
      if (this.levels[k + 1] === undefined) this.levels.push(new HashColumn());
      this.levels[k + 1]!.push(node);
    }
    return index;
  }

  /** The leaf hash at `index`. */
  leafHash(index: number): Uint8Array {
    aint('index', index, 0, this.size - 1);
    return this.levels[0]!.get(index).slice();
  }

  /** RFC 9162 §2.1.1: the tree head MTH(D[0:size]) for the current or an earlier size. */
  root(size: number = this.size): Uint8Array {
    aint('size', size, 0, this.size);
    if (size === 0) return emptyTreeHash();
    return this.rangeHash(0, size).slice();
  }

  /** RFC 9162 §2.1.3.1: PATH(index, D[0:size]), the inclusion proof of leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    aint('size', size, 1, this.size);
    aint('index', index, 0, size - 1);
    const siblings: Uint8Array[] = [];
    let start = 0;
    let end = size;
    let m = index;
    // Walk down from the root; each step records the sibling of the half that holds the leaf.
    while (end - start > 1) {
      const k = largestPowerOfTwoBelow(end - start);
      if (m < k) {
        siblings.push(this.rangeHash(start + k, end)); // PATH(m, D[0:k]) : MTH(D[k:n])
        end = start + k;
      } else {
        siblings.push(this.rangeHash(start, start + k)); // PATH(m - k, D[k:n]) : MTH(D[0:k])
        start += k;
        m -= k;
      }
    }
    // The recursion appends the sibling after the sub-path: leaf-level siblings come first.
    return siblings.reverse().map((h) => h.slice());
  }

  /** RFC 9162 §2.1.4.1: PROOF(size1, D[0:size2]), for 0 < size1 ≤ size2 (empty when equal). */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    aint('size2', size2, 1, this.size);
    aint('size1', size1, 1, size2);
    const siblings: Uint8Array[] = [];
    let start = 0;
    let end = size2;
    let m = size1;
    let complete = true; // SUBPROOF's flag b: the old tree is still a whole subtree here.
    while (m !== end - start) {
      const k = largestPowerOfTwoBelow(end - start);
      if (m <= k) {
        siblings.push(this.rangeHash(start + k, end)); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
        end = start + k;
      } else {
        siblings.push(this.rangeHash(start, start + k)); // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
        start += k;
        m -= k;
        complete = false;
      }
    }
    // SUBPROOF(m, D[m], b): nothing if b, else MTH(D[m]) itself, then the siblings innermost first.
    const proof = complete ? [] : [this.rangeHash(start, end)];
    for (let i = siblings.length - 1; i >= 0; i--) proof.push(siblings[i]!);
    return proof.map((h) => h.slice());
  }

  /** MTH(D[start:end]) for a range produced by the RFC's recursive split (a view; copy before returning). */
  private rangeHash(start: number, end: number): Uint8Array {
    const n = end - start;
    if (isPowerOfTwo(n)) {
      const level = Math.log2(n); // exact for powers of two
      // The RFC split only ever yields perfect subtrees aligned on their own size.
      if (start % n !== 0) throw new Error(`MerkleLog: unaligned perfect range [${start}, ${end})`);
      return this.levels[level]!.get(start / n);
    }
    const key = `${start}:${end}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const k = largestPowerOfTwoBelow(n);
    const value = hashChildren(this.rangeHash(start, start + k), this.rangeHash(start + k, end));
    if (this.memo.size >= MEMO_MAX_ENTRIES) this.memo.clear(); // bounded memory
    this.memo.set(key, value);
    return value;
  }
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}
