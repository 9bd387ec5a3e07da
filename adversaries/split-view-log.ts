/**
 * 6. split-view-log (THREATS.md): the log shows different histories to different clients. It
 * holds its signing key, so it can sign a forked tree (an extra entry, or a rolled-back one); it
 * holds no witness key, so the fork carries no valid cosignature. Each node fetches its release
 * proof from the log at boot, so the fork reaches the clients whose requests land on the nodes
 * that got it. Defences: witness cosignatures and the client's consistency with what it saw.
 *
 * On the growing log (docs/transparency.md) the fork shares the honest prefix it was built on and
 * carries valid consistency proofs from those earlier sizes (the adversary computes them on its own
 * tree); from any later honest checkpoint no consistency proof to the fork exists. In position
 * `witnesses` it also holds the cosigning keys of the colluding witnesses (fewer than the quorum)
 * and has them cosign the fork with current timestamps: still short of the quorum.
 */
import fc from 'fast-check';
import { utf8 } from '../protocol/bytes.js';
import { MerkleLog } from '../protocol/tlog/log.js';
import { formatCheckpoint } from '../protocol/tlog/checkpoint.js';
import { parseNote, signNote, formatNote, addSignatures } from '../protocol/tlog/note.js';
import type { CosignatureV1Signer } from '../protocol/tlog/cosignature.js';
import { SIM_EPOCH_MS } from '../sim/clock.js';
import { parseCheckpoint } from '../protocol/tlog/checkpoint.js';
import { encodeReleaseEntry } from '../protocol/attestation-bundle.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { PowerDenied, type Adversary, type LogProofView } from '../sim/adversary.js';

export interface SplitPlan {
  /** Bit i set: node i gets the fork. */
  nodeMask: number;
  /** Copy the honest cosignature lines onto the fork (they will not verify for its body). */
  copyCosignatures: boolean;
  /** Entries appended to the fork (a hidden release); 0 serves the honest tree under a different extension. */
  extraEntries: number;
  /** Have the colluding witnesses (position `witnesses`: fewer than the quorum) cosign the fork. */
  collude?: boolean;
}

export const splitViewLog: Adversary<SplitPlan> = {
  name: 'split-view-log',
  description: 'serves forked, log-signed checkpoints to some nodes (split view)',
  positions: ['log', 'witnesses'],
  marks: ['client.evidence-rejected.witnesses'],
  plan: (spec) =>
    fc.record({
      nodeMask: fc.integer({ min: 1, max: (1 << Math.min(spec.world.nodes, 16)) - 1 }),
      copyCosignatures: fc.boolean(),
      extraEntries: fc.integer({ min: 0, max: 3 }),
      collude: fc.boolean(),
    }),
  install(powers, plan) {
    const honestLog = powers.public.log;
    const signer = powers.key('log');
    // The colluders: as many witness keys as the position grants (fewer than the quorum; maybe none).
    const colluders: CosignatureV1Signer[] = [];
    if (plan.collude) {
      for (let i = 0; ; i++) {
        try {
          colluders.push(powers.key(`witness:${i}`));
        } catch (e) {
          if (e instanceof PowerDenied) break;
          throw e;
        }
      }
    }
    /** Honest sizes served so far: the fork's prefix is consistent with those up to its base. */
    const honestSizes = new Set<number>();
    let fork: { log: MerkleLog; note: string; base: number } | null = null;
    const forked = (honest: LogProofView) => {
      if (fork) return fork;
      const base = honestLog.size;
      // Rebuild from leaf hashes: the fork shares the honest prefix and adds hidden entries.
      const f = new MerkleLog();
      for (let i = 0; i < honestLog.size; i++) f.appendLeafHash(honestLog.leafHash(i));
      for (let e = 0; e < plan.extraEntries; e++) f.append(encodeReleaseEntry(sha384(utf8(`hidden release ${e}`)), `pph-enclave hidden ${e}`));
      const honestCp = parseCheckpoint(parseNote(honest.checkpoint).text);
      const extensions = plan.extraEntries === 0 ? [...honestCp.extensions, 'view b'] : honestCp.extensions;
      const body = formatCheckpoint({ origin: honestCp.origin, size: f.size, rootHash: f.root(), extensions });
      let note = signNote(body, [signer]);
      if (plan.copyCosignatures) {
        const cosigs = parseNote(honest.checkpoint).signatures.filter((s) => s.name !== honestCp.origin);
        const mine = parseNote(note);
        note = formatNote({ text: mine.text, signatures: [...mine.signatures, ...cosigs] });
      }
      fork = { log: f, note, base };
      return fork;
    };
    const withColluders = (note: string) => {
      if (colluders.length === 0) return note;
      const text = parseNote(note).text;
      const ts = Math.floor((SIM_EPOCH_MS + powers.now()) / 1000);
      return addSignatures(note, colluders.map((w) => w.cosign(text, ts)));
    };
    const told = new Set<number>();
    powers.serveLogView((node, honest) => {
      honestSizes.add(honest.treeSize);
      if (node < 0 || !((plan.nodeMask >> node) & 1)) return honest;
      const f = forked(honest);
      if (!told.has(node)) {
        told.add(node);
        powers.note(`served node-${node} a forked checkpoint`, { size: f.log.size, colluders: colluders.length });
      }
      const consistency = [...honestSizes].filter((s) => s >= 1 && s <= f.base && s < f.log.size).map((s) => ({ fromSize: s, proof: f.log.consistencyProof(s, f.log.size) }));
      return { leafIndex: honest.leafIndex, treeSize: f.log.size, proof: f.log.inclusionProof(honest.leafIndex, f.log.size), checkpoint: withColluders(f.note), consistency };
    });
  },
};
