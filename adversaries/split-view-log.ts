/**
 * 6. split-view-log (THREATS.md): the log shows different histories to different clients. It
 * holds its signing key, so it can sign a forked tree (an extra entry, or a rolled-back one); it
 * holds no witness key, so the fork carries no valid cosignature. Each node fetches its release
 * proof from the log at boot, so the fork reaches the clients whose requests land on the nodes
 * that got it. Defences: witness cosignatures and the client's consistency with what it saw.
 */
import fc from 'fast-check';
import { utf8 } from '../protocol/bytes.js';
import { MerkleLog } from '../protocol/tlog/log.js';
import { formatCheckpoint } from '../protocol/tlog/checkpoint.js';
import { parseNote, signNote, formatNote } from '../protocol/tlog/note.js';
import { parseCheckpoint } from '../protocol/tlog/checkpoint.js';
import { encodeReleaseEntry } from '../protocol/attestation-bundle.js';
import { sha384 } from '@noble/hashes/sha2.js';
import type { Adversary, LogProofView } from '../sim/adversary.js';

export interface SplitPlan {
  /** Bit i set: node i gets the fork. */
  nodeMask: number;
  /** Copy the honest cosignature lines onto the fork (they will not verify for its body). */
  copyCosignatures: boolean;
  /** Entries appended to the fork (a hidden release); 0 serves the honest tree under a different extension. */
  extraEntries: number;
}

export const splitViewLog: Adversary<SplitPlan> = {
  name: 'split-view-log',
  description: 'serves forked, log-signed checkpoints to some nodes (split view)',
  positions: ['log'],
  marks: ['client.evidence-rejected.witnesses'],
  plan: (spec) =>
    fc.record({
      nodeMask: fc.integer({ min: 1, max: (1 << Math.min(spec.world.nodes, 16)) - 1 }),
      copyCosignatures: fc.boolean(),
      extraEntries: fc.integer({ min: 0, max: 3 }),
    }),
  install(powers, plan) {
    const honestLog = powers.public.log;
    const signer = powers.key('log');
    let fork: { log: MerkleLog; note: string } | null = null;
    const forked = (honest: LogProofView) => {
      if (fork) return fork;
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
      fork = { log: f, note };
      return fork;
    };
    powers.serveLogView((node, honest) => {
      if (node < 0 || !((plan.nodeMask >> node) & 1)) return honest;
      const f = forked(honest);
      powers.note(`served node-${node} a forked checkpoint`, { size: f.log.size });
      return { leafIndex: honest.leafIndex, treeSize: f.log.size, proof: f.log.inclusionProof(honest.leafIndex, f.log.size), checkpoint: f.note };
    });
  },
};
