/**
 * RFC 9162 §2.1 Merkle Tree hashing and proof verification (SHA-256, as in RFC 6962).
 *
 * Verifiers are total over untrusted proofs: a proof that does not verify raises
 * {@link MerkleProofError} with a stable code, never a RangeError from inside. Codes:
 * - `index`: the leaf index is not below the tree size;
 * - `size`: sizes that admit no proof (size1 > size2, size1 = 0, or beyond 2^53 - 1);
 * - `proof-length`: the proof has the wrong number of elements for (index, size) or (size1, size2);
 * - `malformed`: a leaf hash or proof element is not 32 bytes;
 * - `root-mismatch`: the proof is well-formed but leads to a different root.
 *
 * Sizes and indices are JS numbers (exact up to 2^53 - 1; no log comes near). Proof generation
 * lives in `log.ts` (`MerkleLog`).
 */
import { hash } from 'node:crypto';
import { MerkleProofError } from '../errors.js';
import { abytes, equalBytes } from '../bytes.js';

/** SHA-256 output length: every leaf hash, node hash and proof element has this size. */
export const HASH_BYTES = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

function sha256(data: Uint8Array): Uint8Array {
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, HASH_BYTES);
}

/**
 * RFC 9162 §2.1.1: the hash of a leaf, `SHA-256(0x00 || leaf)`.
 * @example hashLeaf(new Uint8Array(0)) // 6e340b9c... (the RFC 6962 one-leaf tree over "")
 */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  abytes('leaf', leaf);
  const input = new Uint8Array(1 + leaf.length);
  input[0] = LEAF_PREFIX;
  input.set(leaf, 1);
  return sha256(input);
}

/** RFC 9162 §2.1.1: the hash of an interior node, `SHA-256(0x01 || left || right)`. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  abytes('left', left, HASH_BYTES);
  abytes('right', right, HASH_BYTES);
  // One 65-byte buffer and one-shot crypto.hash: ~1 µs, the floor for node:crypto SHA-256.
  const input = new Uint8Array(1 + 2 * HASH_BYTES);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + HASH_BYTES);
  return sha256(input);
}

/** RFC 9162 §2.1.1: the hash of an empty tree, `SHA-256()`. A fresh copy each call. */
export function emptyTreeHash(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/**
 * RFC 9162 §2.1.1: MTH over a list of leaf hashes (not leaf inputs), by the recursive split at
 * the largest power of two smaller than n. O(n) hashes; `MerkleLog` caches instead.
 */
export function treeHashOfLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(leafHashes)) throw new TypeError('leafHashes expected an array');
  leafHashes.forEach((h, i) => abytes(`leafHashes[${i}]`, h, HASH_BYTES));
  if (leafHashes.length === 0) return emptyTreeHash();
  const mth = (start: number, end: number): Uint8Array => {
    if (end - start === 1) return leafHashes[start]!.slice();
    const k = largestPowerOfTwoBelow(end - start);
    return hashChildren(mth(start, start + k), mth(start + k, end));
  };
  return mth(0, leafHashes.length);
}

/**
 * RFC 9162 §2.1.3.2: the root that an inclusion proof for `leafHash` at `index` in a tree of
 * `size` leaves leads to. Throws {@link MerkleProofError} (`index`, `size`, `proof-length`,
 * `malformed`).
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkCount('index', index);
  checkCount('size', size);
  abytes('leafHash', leafHash);
  checkProofShape(proof);
  // Step 1: fail if leaf_index >= tree_size.
  if (index >= size) throw new MerkleProofError('index', `leaf index ${index} is not below tree size ${size}`);
  checkRepresentable('size', size);
  if (leafHash.length !== HASH_BYTES) throw new MerkleProofError('malformed', `leaf hash has ${leafHash.length} bytes, want ${HASH_BYTES}`);
  const want = inclusionProofLength(index, size);
  if (proof.length !== want) throw new MerkleProofError('proof-length', `inclusion proof has ${proof.length} elements, want ${want}`);
  checkElements(proof);
  // Step 2-3: fn = leaf_index, sn = tree_size - 1, r = hash.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  // Step 4: fold in each element, left or right of r by the bit of fn.
  for (const p of proof) {
    // 4a: sn reached 0 early; unreachable after the length check, kept as the RFC's guard.
    if (sn === 0) throw new MerkleProofError('proof-length', 'inclusion proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      // 4b.ii: skip the levels where this node is the last, unpaired one.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    // 4c
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5: sn must be 0 (guaranteed by the length check).
  if (sn !== 0) throw new MerkleProofError('proof-length', 'inclusion proof is shorter than the path');
  return r === leafHash ? leafHash.slice() : r; // never hand back the caller's own array
}

/**
 * RFC 9162 §2.1.3.2: verifies that `leafHash` is the leaf at `index` of the tree of `size`
 * leaves whose root is `root`. Throws {@link MerkleProofError}; returns nothing on success.
 *
 * @example
 * const log = MerkleLog.fromLeaves([a, b, c]);
 * verifyInclusion(1, 3, hashLeaf(b), log.inclusionProof(1), log.root());
 */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  abytes('root', root);
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  // Step 5: compare r against root_hash. Roots are compared, not interpreted: any length.
  if (!equalBytes(computed, root)) throw new MerkleProofError('root-mismatch', 'inclusion proof leads to a different root');
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `size2` leaves with root `root2` extends the tree
 * of `size1` leaves with root `root1`. Equal sizes need an empty proof and equal roots (as in
 * transparency-dev/merkle); size1 = 0 is refused, since RFC 9162 defines the proof for
 * 0 < first < second and an empty tree proves nothing.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkCount('size1', size1);
  checkCount('size2', size2);
  checkProofShape(proof);
  abytes('root1', root1);
  abytes('root2', root2);
  if (size2 < size1) throw new MerkleProofError('size', `size2 ${size2} is below size1 ${size1}`);
  if (size1 === 0) throw new MerkleProofError('size', 'a consistency proof from the empty tree proves nothing');
  checkRepresentable('size2', size2);
  if (size1 === size2) {
    if (proof.length !== 0) throw new MerkleProofError('proof-length', 'sizes are equal but the proof is not empty');
    if (!equalBytes(root1, root2)) throw new MerkleProofError('root-mismatch', 'sizes are equal but the roots differ');
    return;
  }
  const want = consistencyProofLength(size1, size2);
  if (proof.length !== want) throw new MerkleProofError('proof-length', `consistency proof has ${proof.length} elements, want ${want}`);
  checkElements(proof);
  // Step 2: if first is an exact power of 2, prepend first_hash to the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  if (path[0]!.length !== HASH_BYTES) throw new MerkleProofError('root-mismatch', `root1 has ${path[0]!.length} bytes`);
  // Step 3: fn = first - 1, sn = second - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4: drop the levels where the old tree's last node is a right child.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5: both running roots start from the first path element.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // 6a: unreachable after the length check, kept as the RFC's guard.
    if (sn === 0) throw new MerkleProofError('proof-length', 'consistency proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      // 6b.i: c is a left sibling in both trees.
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      // 6b.ii
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // c is a right sibling that only the second tree has.
      sr = hashChildren(sr, c);
    }
    // 6c
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7: fr = first_hash, sr = second_hash, sn = 0.
  if (sn !== 0) throw new MerkleProofError('proof-length', 'consistency proof is shorter than the path');
  if (!equalBytes(fr, root1)) throw new MerkleProofError('root-mismatch', 'consistency proof does not lead to root1');
  if (!equalBytes(sr, root2)) throw new MerkleProofError('root-mismatch', 'consistency proof does not lead to root2');
}

/**
 * The number of elements of an inclusion proof for `index` < `size`: the levels below the
 * point where the paths to `index` and to `size - 1` meet (inner), plus one per left-hand
 * perfect subtree above it (border). Same decomposition as transparency-dev/merkle.
 */
export function inclusionProofLength(index: number, size: number): number {
  const inner = bitLength(xor53(index, size - 1));
  const border = popCount(shiftRight(index, inner));
  return inner + border;
}

/** The number of elements of a consistency proof for 0 < size1 < size2. */
export function consistencyProofLength(size1: number, size2: number): number {
  const total = inclusionProofLength(size1 - 1, size2);
  // The proof starts at the subtree of size 2^shift that ends the old tree; it is omitted when
  // it is the whole old tree (RFC 9162 §2.1.4.1: SUBPROOF with b = true).
  const shift = trailingZeros(size1);
  return total - shift + (isPowerOfTwo(size1) ? 0 : 1);
}

// ---- integer helpers exact up to 2^53 - 1 (JS bit operators stop at 32 bits) ----

const TWO_32 = 2 ** 32;

function isOdd(x: number): boolean {
  return x % 2 === 1;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function shiftRight(x: number, bits: number): number {
  return Math.floor(x / 2 ** bits);
}

function xor53(a: number, b: number): number {
  const hi = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  const lo = ((a % TWO_32) ^ (b % TWO_32)) >>> 0;
  return hi * TWO_32 + lo;
}

function bitLength(x: number): number {
  const hi = Math.floor(x / TWO_32);
  if (hi > 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(x >>> 0);
}

function popCount32(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

function popCount(x: number): number {
  return popCount32(Math.floor(x / TWO_32)) + popCount32(x % TWO_32);
}

function trailingZeros(x: number): number {
  let n = 0;
  for (let v = x; v > 0 && v % 2 === 0; v /= 2) n++;
  return n;
}

function isPowerOfTwo(x: number): boolean {
  return x > 0 && popCount(x) === 1;
}

/** RFC 9162 §2.1.1: k, the largest power of two smaller than n (n > 1). */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

// ---- argument checks ----

function checkCount(name: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${name} expected number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} expected a non-negative integer, got ${value}`);
}

function checkRepresentable(name: string, value: number): void {
  if (value > Number.MAX_SAFE_INTEGER) throw new MerkleProofError('size', `${name} ${value} is beyond 2^53 - 1`);
}

function checkProofShape(proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) throw new TypeError('proof expected an array of Uint8Array');
  proof.forEach((p, i) => abytes(`proof[${i}]`, p));
}

function checkElements(proof: readonly Uint8Array[]): void {
  proof.forEach((p, i) => {
    if (p.length !== HASH_BYTES) throw new MerkleProofError('malformed', `proof[${i}] has ${p.length} bytes, want ${HASH_BYTES}`);
  });
}
