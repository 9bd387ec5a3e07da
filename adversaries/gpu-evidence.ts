/**
 * gpu-evidence (issue 15, profile pp-gpu): the operator (gateway and hosts) runs some nodes with a
 * GPU outside confidential mode, so it reads what the model processes, and hides it from clients
 * by replacing the GPU evidence in the attestation bundle it relays: evidence of another GPU
 * requested with this session's nonce (a relaying host), evidence the GPU gave in confidential
 * mode for another session (recorded before it was reconfigured), or the genuine evidence (CC off). Real transcripts, signed by the simulated
 * GPUs, checked by the client's NVIDIA verifier and the CVM–GPU binding (sim/evidence/gpu.ts).
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { encodeBundle, parseBundle } from '../protocol/attestation-bundle.js';
import { parseSevSnpReport } from '../protocol/attestation/sev-snp-report.js';
import { deriveGpuNonce } from '../protocol/attestation/nvidia/binding.js';
import { NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { attachmentOf, encodeGpuAttachment, isGpuAttachment, type GpuAttachment } from '../sim/evidence/gpu.js';

export const GPU_SUBSTITUTIONS = ['other-gpu', 'other-session', 'genuine'] as const;
export type GpuSubstitution = (typeof GPU_SUBSTITUTIONS)[number];

export interface GpuEvidencePlan {
  /** Nodes whose GPU the operator exposes, and how (CC mode off, or a swapped GPU without it). */
  exposed: { node: number; how: 'cc-off' | 'swap' }[];
  /** The i-th attest reply from an exposed node gets substitutions[i] (cycled). */
  substitutions: GpuSubstitution[];
  arg: number;
}

export const gpuEvidence: Adversary<GpuEvidencePlan> = {
  name: 'gpu-evidence',
  description: 'runs nodes with a GPU outside confidential mode and relays GPU evidence of another GPU or session',
  positions: ['gateway'],
  marks: ['client.evidence-rejected'],
  profiles: ['pp-gpu'],
  plan: (spec) =>
    fc.record({
      exposed: fc.uniqueArray(fc.record({ node: fc.nat({ max: spec.world.nodes - 1 }), how: fc.constantFrom('cc-off' as const, 'swap' as const) }), { minLength: 1, maxLength: spec.world.nodes, selector: (e) => e.node }),
      substitutions: fc.array(fc.constantFrom(...GPU_SUBSTITUTIONS), { minLength: 1, maxLength: 4 }),
      arg: fc.nat({ max: 1 << 16 }),
    }),
  install(powers, plan) {
    const exposed = new Set(plan.exposed.map((e) => e.node));
    // An honest GPU to relay from: a node the operator left in confidential mode (none: the spare trick fails).
    const donors = Array.from({ length: powers.public.nodes }, (_, i) => i).filter((i) => !exposed.has(i));
    // Before reconfiguring, the operator records each GPU's evidence in confidential mode for a
    // nonce of its own: genuine evidence of another session, to replay later.
    const stale = new Map<number, { evidence: Uint8Array; chain: Uint8Array[] }>();
    for (const e of plan.exposed) stale.set(e.node, powers.attestGpu(e.node, powers.rng.bytes(32)));
    for (const e of plan.exposed) powers.exposeGpu(e.node, e.how);
    let n = 0;
    powers.onNodeReply((reply) => {
      if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence || reply.node < 0) return reply.bytes;
      let honest;
      let attachment;
      try {
        honest = parseBundle(reply.bytes.subarray(1));
        attachment = attachmentOf(honest);
      } catch {
        return reply.bytes;
      }
      if (!attachment) return reply.bytes;
      if (!exposed.has(reply.node)) return reply.bytes;
      const kind = plan.substitutions[n++ % plan.substitutions.length]!;
      let replacement: GpuAttachment | null = null;
      if (kind === 'other-gpu' && donors.length > 0) {
        // A relaying host: the donor GPU answers this session's nonce (derived from the CVM's REPORT_DATA, which it reads in the report).
        let reportData: Uint8Array;
        try {
          reportData = parseSevSnpReport(honest.report).reportData;
        } catch {
          return reply.bytes;
        }
        const donor = donors[(plan.arg + n) % donors.length]!;
        const ev = powers.attestGpu(donor, deriveGpuNonce(reportData));
        replacement = { committed: attachment.committed, evidence: ev.evidence, chain: ev.chain };
      } else if (kind === 'other-session') {
        // Genuine evidence of this node's GPU while still in confidential mode, produced for another session.
        const old = stale.get(reply.node)!;
        replacement = { committed: attachment.committed, evidence: old.evidence, chain: old.chain };
      }
      if (!replacement) {
        powers.note('relayed the genuine GPU evidence (confidential mode off)', { node: reply.node });
        return reply.bytes;
      }
      powers.note(`replaced GPU evidence: ${kind}`, { node: reply.node, kind });
      const certificates = [...honest.certificates.filter((c) => !isGpuAttachment(c)), encodeGpuAttachment(replacement)];
      return nodeMessage(NODE_MSG.evidence, encodeBundle({ ...honest, certificates }));
    });
  },
};
